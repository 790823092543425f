"""Several machines on one: ``amity serve`` processes with data folders of their own that
share one PostgreSQL database and one S3-compatible object store (moto's server), all on
127.0.0.1 and free ports. Used by the two-server tests (``tests/machines``) and the
machines benchmarks; every process started here is stopped (its process group) at the end.

    with s3_server() as s3, postgres_database("amity_machines") as url:
        with two_machines(database_url=url, env=s3.env) as (a, b):
            a.python("from amity.events.models import Activity; print(Activity.objects.count())")
            session = b.session()
            session.login("office", "secret")
            assert session.get("/").status == 200

The programs are the real ones (``benchmarks.harness.servers``): ``amity manage migrate``,
``amity serve`` (gunicorn) and ``amity worker``.
"""

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from benchmarks.harness import servers as harness

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
S3_REGION = "us-east-1"
S3_KEY_ID, S3_SECRET = "amity-test-key", "amity-test-secret"
START_DEADLINE_S = 60.0
MARK = "MACHINE-RESULT "  # the line that carries a result out of ``Machine.python``


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_server_url() -> str | None:
    """The PostgreSQL server to make test databases on: AMITY_TEST_POSTGRES_URL, else the
    server of DATABASE_URL (when it is PostgreSQL), else postgres@127.0.0.1:5432; None when
    it does not answer."""
    url = os.environ.get("AMITY_TEST_POSTGRES_URL", "")
    if not url and os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        url = os.environ["DATABASE_URL"]
    url = url or DEFAULT_POSTGRES
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            pass
    except OSError:
        return None
    return urlunsplit(parts._replace(path="/postgres"))


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A database ``<prefix>_<hex>`` made anew on the PostgreSQL server, its URL; dropped
    (with force) afterwards. Raises RuntimeError when no PostgreSQL answers."""
    server = postgres_server_url()
    if server is None:
        raise RuntimeError("PostgreSQL does not answer")
    with harness.postgres_database(server, f"{prefix}_{secrets.token_hex(4)}") as url:
        yield url


# --- the object store ---------------------------------------------------------------------


@dataclass
class S3Server:
    """moto's S3-compatible server on a loopback port, with one bucket made for Amity."""

    endpoint_url: str
    bucket: str
    process: subprocess.Popen | None  # None: a server this run did not start
    log: Path | None

    @property
    def storage_url(self) -> str:
        return self.url_for(self.bucket)

    def url_for(self, bucket: str) -> str:
        query = urlencode({"endpoint_url": self.endpoint_url, "region": S3_REGION})
        return f"s3://{bucket}?{query}"

    @property
    def env(self) -> dict[str, str]:
        """What a machine needs to keep its files in the bucket."""
        return {
            "AMITY_STORAGE_URL": self.storage_url,
            "AMITY_S3_ACCESS_KEY_ID": S3_KEY_ID,
            "AMITY_S3_SECRET_ACCESS_KEY": S3_SECRET,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )

    def new_bucket(self) -> str:
        """Another empty bucket (a test of its own)."""
        name = f"amity-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str | None = None, prefix: str = "") -> list[str]:
        """Every object's key in the bucket (Amity's by default)."""
        pages = self.client().get_paginator("list_objects_v2")
        found = []
        for page in pages.paginate(Bucket=bucket or self.bucket, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _wait_until_answers(endpoint: str, process: subprocess.Popen | None, log: Path | None):
    deadline = time.monotonic() + START_DEADLINE_S
    while not _answers(endpoint):
        if (process and process.poll() is not None) or time.monotonic() > deadline:
            said = harness.tail(log) if log else ""
            raise RuntimeError(f"the S3-compatible server at {endpoint} does not answer\n{said}")
        time.sleep(0.1)


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    """The S3-compatible object store the tests keep files in, with an empty bucket:
    the one ``.ci/run`` started for the whole run (``AMITY_TEST_S3_ENDPOINT``), else
    ``moto_server`` (the "test" extra's ``moto[server]``) started here on a free loopback
    port and stopped afterwards."""
    given = os.environ.get("AMITY_TEST_S3_ENDPOINT", "")
    if given:
        _wait_until_answers(given, None, None)
        server = S3Server(given, "", None, None)
        server.bucket = server.new_bucket()
        yield server
        return
    folder = Path(tempfile.mkdtemp(prefix="amity-s3-"))
    port = harness.free_port()
    log = folder / "moto.log"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = harness.start(command, env, folder, log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(endpoint, process, log)
        server = S3Server(endpoint, "", process, log)
        server.bucket = server.new_bucket()
        yield server
    finally:
        harness.stop(process)
        with contextlib.suppress(OSError):
            log.unlink()
            folder.rmdir()


def marked_json(output: str) -> dict:
    """The JSON printed after ``MARK`` by code run with ``Machine.python``."""
    line = next(line for line in reversed(output.splitlines()) if line.startswith(MARK))
    return json.loads(line.removeprefix(MARK))


# --- talking to a server ------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpSession:
    """A browser's cookies against one server (``http.client``, no redirects followed)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(
                answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
            )
            for value in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        finally:
            connection.close()
        return response

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def _csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.cookies["csrftoken"]

    def post(
        self,
        path: str,
        data: dict | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        headers: dict | None = None,
    ) -> Response:
        """A form post with the CSRF token (multipart when ``files`` are given:
        ``{"field": (file name, bytes)}``)."""
        data = {"csrfmiddlewaretoken": self._csrf(), **(data or {})}
        headers = {"Referer": f"http://127.0.0.1:{self.port}{path}", **(headers or {})}
        if files:
            boundary = secrets.token_hex(16)
            parts = []
            for name, value in data.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
            for name, (filename, content) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                )
                parts.append(head.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=headers)

    def login(self, username: str, password: str) -> None:
        answer = self.post("/accounts/login/", {"username": username, "password": password})
        if answer.status != 302:
            raise AssertionError(f"login as {username} failed: {answer.status} {answer.text[:300]}")


# --- machines -----------------------------------------------------------------------------


@dataclass
class Machine:
    """One app server's own data folder and environment, and its ``amity serve``."""

    name: str
    data_dir: Path
    env: dict
    workers: int = 1
    threads: int = 2
    port: int = 0
    process: subprocess.Popen | None = None
    started: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / f"serve-{self.name}.log"

    def start(self) -> None:
        self.port = harness.free_port()
        options = ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        options += ["--threads", str(self.threads)]
        command = [*harness.amity_command(), "serve", *options]
        self.process = harness.start(command, self.env, self.data_dir, self.log)
        harness.wait_healthy(self.process, self.port, self.workers, self.log)

    def stop(self) -> None:
        for process in [*self.started, *([self.process] if self.process else [])]:
            harness.stop(process)
        self.started.clear()
        self.process = None

    def restart(self, env: dict | None = None) -> None:
        if self.process is not None:
            harness.stop(self.process)
        self.env.update(env or {})
        self.start()

    def manage(self, *args: str, timeout: float = 300) -> str:
        """``amity manage …`` with this machine's environment; its output."""
        command = [*harness.amity_command(), "manage", *args]
        return harness.run(command, self.env, self.data_dir, timeout)

    def python(self, code: str, timeout: float = 300) -> str:
        """Run ``code`` in a new Python with Django set up as this machine; its output."""
        script = f"import django; django.setup()\n{code}"
        return harness.run([sys.executable, "-c", script], self.env, self.data_dir, timeout)

    def session(self) -> HttpSession:
        return HttpSession(self.port)

    def start_worker(self, *options: str, env: dict | None = None) -> subprocess.Popen:
        """``amity worker`` with this machine's environment (plus ``env``), log
        ``worker-N.log`` in the data folder; stopped with the machine."""
        name = f"worker-{len(self.started) + 1}"
        command = [*harness.amity_command(), "worker", *options]
        log = self.data_dir / f"{name}.log"
        process = harness.start(command, {**self.env, **(env or {})}, self.data_dir, log)
        self.started.append(process)
        return process


@contextlib.contextmanager
def two_machines(
    *,
    database_url: str,
    env: dict | None = None,
    env_a: dict | None = None,
    env_b: dict | None = None,
    workers: int = 1,
    threads: int = 2,
) -> Iterator[tuple[Machine, Machine]]:
    """Two machines sharing ``database_url`` (migrated once, by A) and one secret key,
    each with a data folder (and cache, static files, logs) of its own, both served until
    healthy; both stopped, and their folders removed, afterwards."""
    secret = "machines-" + secrets.token_urlsafe(40)
    with contextlib.ExitStack() as stack:
        machines = []
        for name, own in (("a", env_a), ("b", env_b)):
            folder = stack.enter_context(harness.data_folder(f"amity-machine-{name}-"))
            machine_env = harness.amity_env(folder)
            machine_env.update(
                {"AMITY_SECRET_KEY": secret, "DATABASE_URL": database_url, **(env or {})}
            )
            machine_env.update(own or {})
            machines.append(Machine(name, folder, machine_env, workers, threads))
        harness.migrate(machines[0].env, machines[0].data_dir)
        for machine in machines:
            stack.callback(machine.stop)
        for machine in machines:
            machine.start()
        yield machines[0], machines[1]
