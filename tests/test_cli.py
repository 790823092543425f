"""The commands a new user types: ``amity demo`` and ``amity manage check --deploy``."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from tests.smtp import free_port


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMITY_", "DATABASE_URL"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = _env(
        tmp_path,
        AMITY_SECRET_KEY="a" * 20 + "production-secret-key-with-enough-entropy-0123456789",
        AMITY_ALLOWED_HOSTS="amity.hospital.example",
        AMITY_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "amity", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "amity", "manage", "check"],
        env=_env(tmp_path, AMITY_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Set AMITY_SECRET_KEY" in result.stderr


def _wait_for(url: str, process, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"amity demo exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.slow
def test_demo_command_serves_the_demo_and_its_logins_work(tmp_path):
    port = free_port()
    data_dir = tmp_path / "demo-data"
    process = subprocess.Popen(
        [sys.executable, "-m", "amity", "demo", "--port", str(port), "--data", str(data_dir)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", process)
        # Log in as the partner contact through the real server and its static files.
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{base}/accounts/login/").read().decode()
        css = re.search(r'href="(/static/amity/amity\.[0-9a-f]+\.css)"', login_page)
        assert css, "the stylesheet is served under a hashed name by the production server"
        assert b"--brand" in opener.open(base + css.group(1)).read()
        token = next(c.value for c in jar if c.name == "csrftoken")
        form = urlencode(
            {"username": "partner", "password": "amity-demo", "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
        )
        home = opener.open(request).read().decode()
        assert "Loma Linda University" in home
        people = opener.open(f"{base}/api/v1/people").read().decode()
        assert '"count": 1' in people.replace('"count":1', '"count": 1')
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"Amity is running at http://127.0.0.1:{port}/" in output
    for login in ["office", "coordinator", "staff", "partner"]:
        assert re.search(rf"^\s+{login}\s+", output, re.MULTILINE), output
    assert (data_dir / "amity.sqlite3").exists()
    assert (data_dir / "secret_key").exists()

    # A second start finds the demo loaded and does not load it again.
    again = subprocess.Popen(
        [sys.executable, "-m", "amity", "demo", "--port", str(port), "--data", str(data_dir)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"{base}/healthz", again)
    finally:
        again.terminate()
        second_output, _ = again.communicate(timeout=30)
    assert "Loading the demo scenario" in output
    assert "Loading the demo scenario" not in second_output


def test_serve_defaults_are_one_single_threaded_worker_per_core(monkeypatch):
    """Without options or settings, ``amity serve`` runs one worker per core with one
    thread each: the setup that served the registration burst fastest, with the lowest
    p99 (8 threads per worker gave fewer registrations a second and p99 over a second)."""
    from amity.cli import build_parser

    monkeypatch.delenv("AMITY_WEB_WORKERS", raising=False)
    monkeypatch.delenv("AMITY_WEB_THREADS", raising=False)

    options = build_parser().parse_args(["serve"])

    assert (options.workers, options.threads) == (os.cpu_count(), 1)


@pytest.mark.django_db(transaction=True)
def test_serve_warm_up_leaves_no_connection_open_and_the_feed_as_it_was(client, lecture):
    """What ``amity serve`` loads before its workers fork changes no feed, and no database
    connection is left open to be shared by the forked workers."""
    from django.db import connection

    from amity.cli import warm_up

    before = client.get("/calendar/public.ics").content

    warm_up()

    assert connection.connection is None
    assert client.get("/calendar/public.ics").content == before
    assert b"SUMMARY:Remote International Classroom" in before


def test_serve_warm_up_passes_over_a_database_not_yet_migrated(tmp_path):
    """``amity serve`` on a new data folder still starts (``/healthz`` tells the rest): the
    zones of the feeds are then read by the first feed, as the warm-up says."""
    env = _env(
        tmp_path,
        AMITY_SECRET_KEY="a" * 20 + "production-secret-key-with-enough-entropy-0123456789",
        AMITY_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="amity.settings",
    )
    # The workers fork with every page's template compiled (no compile on a first page).
    code = (
        "from amity import cli; cli._setup_django(); cli.warm_up();"
        "from django.template import engines;"
        "cached = engines['django'].engine.template_loaders[0].get_template_cache;"
        "print('ready', 'research/overview.html' in cached, 'base.html' in cached)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ready True True\n"
    assert "Zones of the feeds not prepared: no such table: events_session" in result.stderr


@pytest.mark.slow
def test_serve_on_a_fresh_data_folder_serves_the_static_files_it_collects(tmp_path):
    # WhiteNoise lists the static folder when the application is built: collecting after
    # that left every page without its stylesheet and script until the next restart.
    port = free_port()
    env = _env(tmp_path, AMITY_DEMO="true", AMITY_DATA_DIR=str(tmp_path / "fresh"))
    subprocess.run(
        [sys.executable, "-m", "amity", "manage", "migrate", "-v0"],
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "amity", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", process)
        login_page = urllib.request.urlopen(f"{base}/accounts/login/").read().decode()
        css = re.search(r'href="(/static/amity/amity\.[0-9a-f]+\.css)"', login_page)
        script = re.search(r'src="(/static/amity/timezone\.[0-9a-f]+\.js)"', login_page)
        assert css and script, login_page[:500]
        assert b"--brand" in urllib.request.urlopen(base + css.group(1)).read()
        assert b"amity_tz" in urllib.request.urlopen(base + script.group(1)).read()
    finally:
        process.terminate()
        process.communicate(timeout=30)
