"""Two app servers sharing one PostgreSQL database and nothing else (data folders, caches
of their own), server B's clock 5 s behind (time-machine in B's processes), and workers
with host names of their own (``unshare --uts``): the order people see comes from the
database, the rate limit counts across both, feeds agree on both, and a worker killed on
one host leaves nothing unsent and nothing sent twice.

The database is one of this test's own on the PostgreSQL server (``shared_postgres``)."""

import json
import signal
from collections import Counter

import pytest

from benchmarks import machines as bench
from tests.machines.servers import two_machines

pytestmark = pytest.mark.slow

LEASE_SECONDS = 6


@pytest.fixture
def servers(shared_postgres, tmp_path):
    env = {**bench.CLIENT_HEADER_ENV, "AMITY_EMAIL_LEASE_SECONDS": str(LEASE_SECONDS)}
    slow = bench.slow_clock_env(tmp_path / "clock", -5)
    with two_machines(database_url=shared_postgres, env=env, env_b=slow, workers=2) as pair:
        yield pair


def _feed(machine, path: str, etag: str = "") -> tuple[int, str, str]:
    headers = {"If-None-Match": etag} if etag else {}
    answer = machine.session().get(path, headers=headers)
    return answer.status, answer.headers.get("etag", ""), answer.text


def test_two_servers_agree_on_order_feeds_and_the_rate_limit(servers):
    a, b = servers
    # B's clock really is 5 s behind the database's, A's is not.
    assert -6 < bench.as_machine(b, "_clock_offset()") < -4
    assert abs(bench.as_machine(a, "_clock_offset()")) < 1

    # The race: 50 people at once for 10 places, half through each server.
    activity_id = bench.as_machine(a, "make_activity('PDA Management Forum', 10)")
    statuses = bench.race([a, b], activity_id, 50, "race", connections=12)
    assert statuses == Counter({202: 50})
    assert bench.as_machine(a, f"race_outcome({activity_id})") == {
        "confirmed": 10,
        "waiting": 40,
        "waiting_in_lock_order": True,
        "positions": True,
    }
    # One after the other: Li through A, then Wang through the slow B. Li waits ahead.
    for n, machine in ((100, a), (101, b)):
        address = f"192.0.2.{n - 90}"
        assert bench.register(machine.port, activity_id, bench.person(n, "race"), address) == 202
    order = a.python(
        "from amity.registrations.models import Registration\n"
        f"rows = Registration.objects.filter(activity_id={activity_id}).waiting()\n"
        "print([r.email.split('.')[0] for r in rows][-2:])"
    )
    assert order.strip() == "['chen100', 'chen101']"

    # A title changed on the slow server shows in every feed, on both servers.
    forum_feed = "/calendar/public.ics"
    bench.as_machine(a, "make_activity('Bob’s Talk', None)")  # a later change, on A
    before = {m.name: _feed(m, forum_feed) for m in (a, b)}
    b.python(
        "from amity.events.models import Activity\n"
        "from amity.events import services\n"
        f"services.activity_update(activity=Activity.objects.get(pk={activity_id}),"
        " fields={'title': 'PDA Management Forum 2020'})"
    )
    for machine in (a, b):
        status, etag, body = _feed(machine, forum_feed, before[machine.name][1])
        assert status == 200
        assert "SUMMARY:PDA Management Forum 2020" in body
        assert etag != before[machine.name][1]

    # A participant added shows in the personal feed on both servers; no stale 304.
    key = a.python(
        "from amity.accounts.models import User\n"
        "from amity.directory.models import Institution, Person\n"
        "from amity.events import services\n"
        "user = User.objects.create_user('wangfang', password='x')\n"
        "home = Institution.objects.create(\n"
        "    name='Children’s Hospital', country='CN', kind='hospital')\n"
        "Person.objects.create(user=user, family_name='Wang', given_name='Fang',"
        " institution=home, time_zone='Asia/Shanghai')\n"
        "print(services.calendar_token_renew(user=user).key)"
    ).strip()
    personal = f"/calendar/personal/{key}.ics"
    private_id = bench.as_machine(a, "make_activity('CICU weekly call', None, 'invited')")
    old = {m.name: _feed(m, personal) for m in (a, b)}
    assert "CICU weekly call" not in old["a"][2]
    a.python(
        "from amity.events.models import Activity\n"
        "from amity.directory.models import Person\n"
        "from amity.events import services\n"
        f"services.participant_add(activity=Activity.objects.get(pk={private_id}),"
        " person=Person.objects.get(family_name='Wang'), role='participant')"
    )
    for machine in (b, a):
        status, etag, body = _feed(machine, personal, old[machine.name][1])
        assert status == 200
        assert "SUMMARY:CICU weekly call" in body
        # The ETag names the body served (each server writes its own address into it).
        assert _feed(machine, personal, etag)[0] == 304

    # The rate limit (20 a minute) counts across both servers: 15 + 15 from one address.
    limited = bench.as_machine(a, "make_activity('Rate', None)")
    answers = [
        bench.register(machine.port, limited, bench.person(n, "rate"), "203.0.113.9")
        for n in range(15)
        for machine in (a, b)
    ]
    assert Counter(answers) == Counter({202: 20, 429: 10})
    assert answers[:20] == [202] * 20


@pytest.mark.skipif(not bench.unshare_available(), reason="unshare --uts needs root")
def test_worker_killed_on_one_host_every_confirmation_sent_once_by_the_other(servers):
    """Workers on hosts ward-a and ward-b, each with an SMTP server of its own (the same
    outside world, counted apart so the kill is timed): ward-b is SIGKILLed while it holds
    a message at the SMTP server (not yet handed over) and never started again. ward-a
    takes back what ward-b held once its lease and heartbeat have been silent, and every
    registrant has exactly one confirmation."""
    a, b = servers
    activity_id = bench.as_machine(a, "make_activity('Remote International Classroom', None)")
    bench.as_machine(a, f"register_many({activity_id}, 60, 'mail')")

    with bench.CountingSMTP() as smtp_a, bench.CountingSMTP(hold_after=8) as smtp_b:
        bench.start_worker_on_host(a, "ward-a", smtp_a.env)
        victim = bench.start_worker_on_host(b, "ward-b", smtp_b.env)
        bench.wait_for(smtp_b.held, 120, "ward-b sending its ninth message")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        smtp_b.release()
        bench.wait_for(lambda: smtp_a.count() + smtp_b.count() >= 60, 180, "60 confirmations")
        # Whatever ward-b left is taken back by ward-a: nothing is sent a second time.
        bench.wait_for(lambda: _recovered(a), 60, "ward-b recorded as recovered")
        recipients = smtp_a.recipients() + smtp_b.recipients()

    expected = {bench.person(n, "mail")["email"] for n in range(60)}
    assert set(recipients) == expected
    assert max(recipients.values()) == 1
    assert smtp_b.count() == 8
    hosts = json.loads(
        a.python(
            "import json\n"
            "from amity.core.models import WorkerHeartbeat\n"
            "print(json.dumps(sorted(WorkerHeartbeat.objects.values_list('host', flat=True))))"
        )
    )
    assert hosts == ["ward-a", "ward-b"]


def _recovered(machine) -> bool:
    return (
        machine.python(
            "from amity.core.models import WorkerHeartbeat\n"
            "print(WorkerHeartbeat.objects.filter(host='ward-b',"
            " recovered_at__isnull=False).exists())"
        ).strip()
        == "True"
    )
