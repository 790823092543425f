"""The programs under measurement, always the real ones: a throw-away data folder and
database, ``amity manage migrate``, ``amity serve`` (gunicorn) and ``amity worker`` on
127.0.0.1, and set-up or check code run in a subprocess with the same environment.

Every subprocess has a deadline, every server and worker is stopped (its whole process
group, if it does not stop in time), and nothing is written inside the repository: data
folders live in the system's temporary directory, PostgreSQL databases are made and
dropped here.

    with fresh_database("sqlite", "burst-1", prefix="amity-bench-x-") as db:
        result = call_entry("benchmarks.x", "_entry", ["setup"], db.env, db.data_dir)
        with serving(db.env, db.data_dir, workers=2, threads=1) as server:
            ...  # requests to 127.0.0.1:server.port
"""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
RESULT_MARK = "BENCHMARK-RESULT "
HEALTH_PATH = "/healthz"
START_DEADLINE_S = 90.0
STOP_DEADLINE_S = 20.0
MIGRATE_TIMEOUT_S = 600.0
ENTRY_TIMEOUT_S = 1800.0


class BenchmarkError(RuntimeError):
    """A program failed, a deadline passed, or a check found a wrong answer."""


def log(message: str) -> None:
    """Progress, on stderr (stdout holds the report)."""
    print(message, file=sys.stderr, flush=True)


# --- running Amity's commands ----------------------------------------------------------


def amity_env(data_dir: Path) -> dict[str, str]:
    """This process's environment without any Amity or Django setting, plus a data folder,
    a fresh secret key and plain HTTP on 127.0.0.1."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AMITY_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        {
            "AMITY_DATA_DIR": str(data_dir),
            "AMITY_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "AMITY_HTTPS": "false",
            "AMITY_ALLOWED_HOSTS": "127.0.0.1",
            "AMITY_CACHE_DIR": str(data_dir / "cache"),
            "DJANGO_SETTINGS_MODULE": "amity.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def amity_command() -> list[str]:
    """The ``amity`` program beside this Python, or ``python -m amity``."""
    script = Path(sys.executable).with_name("amity")
    return [str(script)] if script.exists() else [sys.executable, "-m", "amity"]


def run(command: list[str], env: dict, cwd: Path, timeout: float) -> str:
    """Run a command to its end; its stdout, or BenchmarkError with its stderr."""
    try:
        result = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        raise BenchmarkError(f"{command[:3]} took more than {timeout:.0f} s") from error
    if result.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(command[:4])} … exited with {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return result.stdout


def migrate(env: dict, data_dir: Path, timeout: float = MIGRATE_TIMEOUT_S) -> None:
    run([*amity_command(), "manage", "migrate", "--noinput", "-v", "0"], env, data_dir, timeout)


def django_setup() -> None:
    """In a subprocess started by ``call_entry``: Django with Amity's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import django

    django.setup()


def print_result(result: object) -> None:
    """In a subprocess started by ``call_entry``: hand ``result`` back as one marked line."""
    print(RESULT_MARK + json.dumps(result, default=str), flush=True)


def call_entry(
    module: str,
    entry: str,
    args: list,
    env: dict,
    cwd: Path,
    timeout: float = ENTRY_TIMEOUT_S,
) -> dict:
    """Run ``module.entry()`` in a new Python (``sys.argv[1:]`` = ``args``) with the
    benchmark's environment, and return what it passed to ``print_result``."""
    code = f"from {module} import {entry}; {entry}()"
    out = run([sys.executable, "-c", code, *map(str, args)], env, cwd, timeout)
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line.removeprefix(RESULT_MARK))
    raise BenchmarkError(f"{entry} {str(args[:1])} printed no result:\n{out[-2000:]}")


# --- data folders and databases --------------------------------------------------------


@dataclass
class Database:
    """A migrated throw-away database and the environment that points Amity at it."""

    kind: str  # "sqlite" or "postgres"
    data_dir: Path
    env: dict

    def connect(self):
        """A plain DB-API connection for reading progress (no Django here)."""
        if self.kind == "sqlite":
            path = self.data_dir / "amity.sqlite3"
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        import psycopg

        return psycopg.connect(self.env["DATABASE_URL"], autocommit=True)

    @property
    def placeholder(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def rows(self, connection, sql: str, params: list | None = None) -> list[tuple]:
        cursor = connection.cursor()
        cursor.execute(sql, params or [])
        rows = cursor.fetchall()
        cursor.close()
        return rows


@contextlib.contextmanager
def data_folder(prefix: str, keep: bool = False, label: str = "") -> Iterator[Path]:
    """A new folder in the temporary directory, removed afterwards unless ``keep``."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        if keep:
            log(f"[{label or prefix}] kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _postgres_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def postgres_database(server_url: str, name: str, keep: bool = False) -> Iterator[str]:
    """Database ``name`` made anew on the server of ``server_url`` (a URL with or without a
    database: the statements are sent to that database, or to ``postgres``); its URL.
    Dropped afterwards unless ``keep``."""
    parts = urlsplit(server_url.rstrip("/"))
    admin = server_url
    if parts.path in {"", "/"}:
        admin = urlunsplit(parts._replace(path="/postgres"))
    _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _postgres_admin(admin, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + quote(name)))
    finally:
        if keep:
            log(f"kept PostgreSQL database {name}")
        else:
            with contextlib.suppress(Exception):
                _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_database(
    kind: str,
    label: str,
    *,
    prefix: str,
    postgres_url: str = "",
    postgres_name: str = "",
    env: dict | None = None,
    keep: bool = False,
) -> Iterator[Database]:
    """A migrated database in a new data folder (which also holds the cache and logs):
    SQLite there, or PostgreSQL database ``postgres_name`` made anew on ``postgres_url``.
    ``env`` is added to the environment. Everything goes afterwards unless ``keep``."""
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(data_folder(prefix, keep, label))
        db = Database(kind, data_dir, {**amity_env(data_dir), **(env or {})})
        if kind == "postgres":
            name = postgres_name or f"amity_bench_{secrets.token_hex(4)}"
            db.env["DATABASE_URL"] = stack.enter_context(
                postgres_database(postgres_url, name, keep)
            )
        started = time.perf_counter()
        migrate(db.env, data_dir)
        log(f"[{label}] {kind} migrated in {time.perf_counter() - started:.1f} s ({data_dir})")
        yield db


# --- servers and workers ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The ids of a process's children (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …; comm may contain spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def tail(log_path: Path, chars: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return log_path.read_text(errors="replace")[-chars:]
    return "(no log)"


def start(command: list[str], env: dict, cwd: Path, log_path: Path) -> subprocess.Popen:
    """Start a long-running program in a process group of its own, output to ``log_path``."""
    with log_path.open("wb") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen, deadline_s: float = STOP_DEADLINE_S) -> None:
    """SIGTERM (gunicorn's master stops its workers gracefully); SIGKILL to the process
    group it leads if anything is left after the deadline."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            log(f"  process {process.pid} did not stop in time; killing its process group")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group is ours: start_new_session
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=deadline_s)


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", HEALTH_PATH)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    finally:
        connection.close()


def wait_healthy(process: subprocess.Popen, port: int, workers: int, log_path: Path) -> None:
    """Until ``/healthz`` answers 200 and gunicorn has started ``workers`` workers."""
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"amity serve exited with {process.returncode}:\n{tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if _healthy(port):
                break
        time.sleep(0.1)
    else:
        raise BenchmarkError(
            f"{HEALTH_PATH} did not answer in {START_DEADLINE_S:.0f} s:\n{tail(log_path)}"
        )
    while len(children(process.pid)) < workers:
        if time.monotonic() > deadline:
            raise BenchmarkError(f"gunicorn did not start {workers} workers:\n{tail(log_path)}")
        time.sleep(0.05)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    startup_s: float = 0.0

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def pids(self) -> list[int]:
        """The master and its workers: the processes whose CPU time is the server's."""
        return [self.process.pid, *self.workers()]


@contextlib.contextmanager
def serving(
    env: dict,
    data_dir: Path,
    *,
    workers: int,
    threads: int,
    name: str = "serve",
    command: list[str] | None = None,
) -> Iterator[Server]:
    """``amity serve --workers W --threads T`` on a free loopback port, until healthy;
    stopped afterwards. ``command`` replaces ``amity serve`` (it takes the same options)."""
    port = free_port()
    log_path = data_dir / f"{name}.log"
    options = ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    started = time.perf_counter()
    process = start([*(command or [*amity_command(), "serve"]), *options], env, data_dir, log_path)
    try:
        wait_healthy(process, port, workers, log_path)
        yield Server(process, port, log_path, time.perf_counter() - started)
    finally:
        stop(process)


def start_worker(env: dict, data_dir: Path, name: str, *options: str) -> subprocess.Popen:
    """``amity worker`` (background tasks and the outbox), output to ``<name>.log``."""
    return start([*amity_command(), "worker", *options], env, data_dir, data_dir / f"{name}.log")
