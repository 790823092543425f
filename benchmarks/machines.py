"""Several machines, one order: two ``amity serve`` processes with data folders of their
own sharing one PostgreSQL database, one of them with its clock 5 s behind, and workers
with host names of their own.

    python3 dev.py bench machines --figure race mail [--postgres URL]
    python3 dev.py bench machines --figure storage …   (benchmarks.machines_storage)

Figures:

- ``race``: ``--race-people`` (500) registrations at once for ``--race-places`` (100)
  places, split between both servers, server B's clock 5 s behind (time-machine, started
  in B's processes by a ``sitecustomize`` of this benchmark's own). Exact when exactly the
  places are confirmed, everyone else waits, and the waiting list's order is the order in
  which the registrations got the activity's lock (their ids).
- ``mail``: ``--mail-people`` (10,000) confirmations sent by two workers whose host names
  differ (each started in a UTS namespace of its own, ``unshare --uts`` + ``hostname``);
  one is SIGKILLed once ``--kill-after`` (a third) of the messages arrived, and never
  started again. Exact when every registrant got exactly one confirmation; also the time
  from the kill until the survivor took back the dead worker's work (its lease, and the
  heartbeat's silence, with ``--lease`` seconds).

The helpers (``slow_clock_env``, ``start_worker_on_host``, ``register``, ``CountingSMTP``)
serve the two-server tests too (``tests/machines/test_two_servers_order.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.harness import servers as harness
from benchmarks.registrations import CountingHandler

CLOCK_OFFSET_VARIABLE = "AMITY_BENCH_CLOCK_OFFSET_SECONDS"
_SITECUSTOMIZE = f'''"""Set this process's clock off by ${CLOCK_OFFSET_VARIABLE} seconds
(benchmarks.machines): a machine whose clock is wrong."""
import os

_offset = float(os.environ.get("{CLOCK_OFFSET_VARIABLE}", "0") or 0)
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + _offset, tick=True).start()
    time.time()  # the travelled clock ticks from its first reading: now
'''


def slow_clock_env(folder: Path, seconds: float) -> dict[str, str]:
    """What a machine's environment needs for its Python processes (the server, its
    workers, ``Machine.python``) to run with the clock ``seconds`` off (negative: behind).
    The database's clock is untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    path = os.pathsep.join([str(folder), str(harness.ROOT)])
    return {"PYTHONPATH": path, CLOCK_OFFSET_VARIABLE: str(seconds)}


def unshare_available() -> bool:
    """True when this process may start programs in a UTS namespace of their own."""
    try:
        result = subprocess.run(
            ["unshare", "--uts", "hostname", "amity-probe"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def start_worker_on_host(
    machine, host: str, env: dict | None = None, *options: str
) -> subprocess.Popen:
    """``amity worker`` as if on a machine called ``host``: its own UTS namespace
    (``unshare --uts``), its host name set there, then the worker exec'd (so the process
    is the worker and SIGKILL reaches it). Stopped with ``machine``."""
    command = [
        "unshare",
        "--uts",
        "sh",
        "-c",
        'hostname "$0" && exec "$@"',
        host,
        *harness.amity_command(),
        "worker",
        *options,
    ]
    log = machine.data_dir / f"worker-{host}.log"
    process = harness.start(command, {**machine.env, **(env or {})}, machine.data_dir, log)
    machine.started.append(process)
    return process


# --- set-up and checks, run as a machine (``Machine.python``) --------------------------------


def make_activity(title: str, capacity: int | None, visibility: str = "public") -> int:
    """A webinar a month ahead with one session, registration open with ``capacity``."""
    from datetime import timedelta

    from django.utils import timezone

    from amity.events import services as event_services
    from amity.registrations import services

    activity = event_services.activity_create(
        fields={
            "title": title,
            "kind": "webinar",
            "status": "confirmed",
            "visibility": visibility,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=(timezone.now() + timedelta(days=30)).replace(microsecond=0),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(activity=activity, fields={"capacity": capacity})
    return activity.pk


def race_outcome(activity_id: int) -> dict:
    """Who holds a place and who waits, and whether the waiting list's order (by
    ``queued_at``) is the order in which the lock was won (by id)."""
    from amity.registrations.models import Registration
    from amity.registrations.selectors import waiting_position

    rows = Registration.objects.filter(activity_id=activity_id)
    waiting = list(rows.waiting())
    return {
        "confirmed": rows.filter(status="confirmed").count(),
        "waiting": len(waiting),
        "waiting_in_lock_order": [r.pk for r in waiting] == sorted(r.pk for r in waiting),
        "positions": [waiting_position(r) for r in waiting] == list(range(1, len(waiting) + 1)),
    }


def register_many(activity_id: int, count: int, tag: str) -> int:
    """``count`` registrations through the service, one transaction each (each queues its
    confirmation task)."""
    from amity.events.models import Activity
    from amity.registrations import services

    activity = Activity.objects.get(pk=activity_id)
    for n in range(count):
        services.registration_create(activity=activity, fields=person(n, tag))
    return count


def person(n: int, tag: str) -> dict:
    return {
        "family_name": f"Chen{n}",
        "given_name": "Jing",
        "email": f"chen{n}.{tag}@hospital.example.cn",
        "institution": "Children's Hospital, Zhejiang University",
        "country": "CN",
        "profession": "physician",
        "time_zone": "Asia/Shanghai",
    }


def as_machine(machine, call: str) -> object:
    """Run ``call`` (an expression on this module) as ``machine``; its JSON result."""
    out = machine.python(
        f"import json; from benchmarks import machines; print(json.dumps(machines.{call}))"
    )
    return json.loads(out.strip().splitlines()[-1])


# --- talking to the servers -----------------------------------------------------------------


def register(port: int, activity_id: int, fields: dict, address: str) -> int:
    """POST one public registration to the server on ``port`` as the client ``address``
    (X-Forwarded-For, read when AMITY_CLIENT_IP_HEADER says so); the status."""
    body = json.dumps({**fields, "consent": True}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            f"/api/v1/activities/{activity_id}/registrations",
            body=body,
            headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        )
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def race(machines, activity_id: int, people: int, tag: str, connections: int = 16) -> Counter:
    """``people`` registrations at once, alternately to each machine, each from an
    address of its own; the answers' statuses."""

    def one(n: int) -> int:
        machine = machines[n % len(machines)]
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        return register(machine.port, activity_id, person(n, tag), address)

    with ThreadPoolExecutor(connections) as pool:
        return Counter(pool.map(one, range(people)))


# Environment of both machines in these checks: the client address from X-Forwarded-For.
CLIENT_HEADER_ENV = {"AMITY_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"}


class CountingSMTP:
    """An SMTP server on loopback counting what it receives (``benchmarks.registrations``'
    counting handler). With ``hold_after`` set, the next message after that many waits
    at RCPT (not yet handed over) until ``release()``: a worker killed meanwhile has sent
    nothing of it."""

    def __init__(self, hold_after: int | None = None):
        from aiosmtpd.controller import Controller

        self.handler = _HoldingHandler(hold_after)
        self.port = harness.free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> CountingSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.controller.stop()

    @property
    def env(self) -> dict[str, str]:
        return {"AMITY_EMAIL_HOST": "127.0.0.1", "AMITY_EMAIL_PORT": str(self.port)}

    def count(self) -> int:
        return self.handler.count()

    def held(self) -> bool:
        return self.handler.holding.is_set()

    def release(self) -> None:
        self.handler.released.set()

    def recipients(self) -> Counter:
        with self.handler.lock:
            return Counter(r for m in self.handler.messages for r in m.recipients)


class _HoldingHandler(CountingHandler):
    def __init__(self, hold_after: int | None):
        super().__init__()
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if (
            self.hold_after is not None
            and not self.holding.is_set()
            and self.count() >= self.hold_after
        ):
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"  # the connection was gone anyway
        envelope.rcpt_tos.append(address)
        return "250 OK"


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise harness.BenchmarkError(f"{what}: not within {timeout:.0f} s")


# --- figures ------------------------------------------------------------------------------------


def _machines(ns, env_b: dict, folder: Path):
    from tests.machines.servers import postgres_database, two_machines

    stack = contextlib.ExitStack()
    url = ns.postgres or stack.enter_context(postgres_database("amity_bench_machines"))
    env = {**CLIENT_HEADER_ENV, "AMITY_EMAIL_LEASE_SECONDS": str(ns.lease)}
    pair = stack.enter_context(
        two_machines(database_url=url, env=env, env_b=env_b, workers=2, threads=2)
    )
    return stack, pair


def figure_race(ns, folder: Path) -> dict:
    stack, (a, b) = _machines(ns, slow_clock_env(folder / "clock", -5), folder)
    with stack:
        activity_id = as_machine(a, f"make_activity('Race', {ns.race_places})")
        started = time.perf_counter()
        statuses = race([a, b], activity_id, ns.race_people, "race", ns.connections)
        seconds = time.perf_counter() - started
        outcome = as_machine(a, f"race_outcome({activity_id})")
        offset = float(as_machine(b, "_clock_offset()"))
    ok = (
        statuses == Counter({202: ns.race_people})
        and outcome["confirmed"] == ns.race_places
        and outcome["waiting"] == ns.race_people - ns.race_places
        and outcome["waiting_in_lock_order"]
        and outcome["positions"]
    )
    return {
        "people": ns.race_people,
        "places": ns.race_places,
        "server_b_clock_offset_s": round(offset, 2),
        "answers": dict(statuses),
        **outcome,
        "seconds": round(seconds, 2),
        "ok": ok,
    }


def _clock_offset() -> float:
    """This process's clock minus the database's, in seconds."""
    from django.utils import timezone

    from amity.core.clock import database_now

    database_now()  # connected first: the connection's set-up is not part of the reading
    before = timezone.now()
    database = database_now()
    after = timezone.now()
    return ((before - database) + (after - database)).total_seconds() / 2


def figure_mail(ns, folder: Path) -> dict:
    stack, (a, b) = _machines(ns, {}, folder)
    with stack, CountingSMTP() as smtp:
        activity_id = as_machine(a, "make_activity('Mail', None)")
        made = time.perf_counter()
        as_machine(a, f"register_many({activity_id}, {ns.mail_people}, 'mail')")
        made = time.perf_counter() - made
        started = time.monotonic()
        survivor = start_worker_on_host(a, "ward-a", smtp.env)
        victim = start_worker_on_host(b, "ward-b", smtp.env)
        wait_for(lambda: smtp.count() >= ns.mail_people // 3, 3600, "a third sent")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        killed_at = time.monotonic()
        at_kill = smtp.count()
        taken_back = _wait_taken_back(a, ns.lease * 4 + 120)
        taken_back_s = time.monotonic() - killed_at if taken_back else None
        wait_for(lambda: smtp.count() >= ns.mail_people, 3600, "every confirmation")
        finished = time.monotonic()
        time.sleep(max(2.0, ns.lease / 2))  # anything late would show up as a duplicate
        recipients = smtp.recipients()
        recovered_log = [
            line
            for line in (a.data_dir / "worker-ward-a.log").read_text(errors="replace").splitlines()
            if "Recovered" in line
        ]
        survivor.poll()
    expected = {person(n, "mail")["email"].lower() for n in range(ns.mail_people)}
    duplicates = sum(count - 1 for count in recipients.values() if count > 1)
    missing = len(expected - set(recipients))
    return {
        "confirmations": ns.mail_people,
        "registered_through_service_s": round(made, 1),
        "lease_s": ns.lease,
        "received_when_killed": at_kill,
        "messages": sum(recipients.values()),
        "duplicates": duplicates,
        "missing": missing,
        "seconds_total": round(finished - started, 1),
        "survivor_took_back_after_s": round(taken_back_s, 1) if taken_back_s else None,
        "survivor_log": recovered_log[:5],
        "ok": duplicates == 0 and missing == 0,
    }


def _wait_taken_back(machine, timeout: float) -> bool:
    """Until the dead worker's heartbeat is marked recovered by the survivor."""
    code = (
        "from amity.core.models import WorkerHeartbeat; "
        "print(WorkerHeartbeat.objects.filter(host='ward-b', recovered_at__isnull=False).count())"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if machine.python(code).strip().endswith("1"):
            return True
        time.sleep(0.5)
    return False


FIGURES = {"race": figure_race, "mail": figure_mail}


def _arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="dev.py bench machines")
    parser.add_argument("--figure", nargs="+", default=["race", "mail"])
    parser.add_argument("--postgres", default="", help="a database URL to use (else made)")
    parser.add_argument("--race-people", type=int, default=500)
    parser.add_argument("--race-places", type=int, default=100)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--mail-people", type=int, default=10_000)
    parser.add_argument("--lease", type=int, default=30, help="AMITY_EMAIL_LEASE_SECONDS")
    return parser.parse_known_args(argv)


def main(argv: list[str]) -> int:
    ns, rest = _arguments(argv)
    status = 0
    if "storage" in ns.figure:
        # The storage figure is machines-storage's (benchmarks.machines_storage).
        from benchmarks import machines_storage

        status = machines_storage.main(rest + (["--postgres", ns.postgres] if ns.postgres else []))
        ns.figure = [name for name in ns.figure if name != "storage"]
        if not ns.figure:
            return status
    elif rest:
        harness.log(f"unknown options: {rest}")
        return 2
    unknown = [name for name in ns.figure if name not in FIGURES]
    if unknown:
        harness.log(f"unknown figures: {unknown} (race, mail, storage)")
        return 2
    if "mail" in ns.figure and not unshare_available():
        harness.log("unshare --uts is not available (it needs root): no mail figure")
        return 2
    results = {}
    with harness.data_folder("amity-bench-machines-") as folder:
        for name in ns.figure:
            harness.log(f"[machines] figure {name} …")
            results[name] = FIGURES[name](ns, folder)
            harness.log(f"[machines] {name}: {json.dumps(results[name])}")
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps({"machines": results, "loadavg_after": load}, indent=2))
    ok = all(result.get("ok") for result in results.values())
    return status or (0 if ok else 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
