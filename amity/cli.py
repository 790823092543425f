"""The ``amity`` command: ``demo``, ``serve``, ``worker`` and ``manage``.

amity demo [--port N] [--data DIR]   migrate, load the demo once, run web + worker
amity serve [--bind ADDR] [--workers N]   the production web server (gunicorn)
amity worker [--queues Q]            a background worker (several may run at once)
amity manage COMMAND …               any Django management command
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = "amity.settings"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def cmd_manage(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["amity manage", *args])
    return 0


def _every(seconds: float, job) -> None:
    """Run ``job`` every ``seconds`` in a background thread with its own database
    connection, for as long as the process lives."""
    import threading

    from django.db import close_old_connections

    def loop() -> None:
        while True:
            time.sleep(seconds)
            close_old_connections()
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - keep the worker alive; say why
                print(f"Periodic job failed: {exc!r}", file=sys.stderr, flush=True)

    threading.Thread(target=loop, name="amity-recover", daemon=True).start()


def cmd_worker(ns: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from amity.core import worker_journal
    from amity.core.background import renew_leases, worker_id
    from amity.core.emails import recover_interrupted

    def recover() -> None:
        counts = recover_interrupted()
        if any(counts.values()):
            print(f"Recovered interrupted work: {counts}", flush=True)

    # The journal exists before the first task is taken: should this worker die, the next
    # one on this machine finds it, with what the mail server accepted.
    worker_journal.open_or_log()
    # Its heartbeat too: should it die before its first renewal, a worker on any machine
    # knows it lived, and takes back what it held once it has been silent for a lease.
    renew_leases()
    recover()
    # A sign of life three times a lease, also in batch mode, where one long task must not
    # be taken for dead.
    _every(settings.AMITY_EMAIL_LEASE_SECONDS / 3, renew_leases)
    if not ns.batch:
        _every(settings.AMITY_EMAIL_LEASE_SECONDS, recover)
    call_command(
        "db_worker",
        worker_id=worker_id(),
        queue_name=ns.queues,
        interval=ns.interval,
        reload=False,
        batch=ns.batch,
        verbosity=1,
    )
    return 0


def warm_up() -> None:
    """Load, in the server before its workers fork, what each worker would otherwise load
    on its first request, so that every worker inherits it: every app's URL patterns and
    views (the table of names walks them all), every template, the names of the time zones
    (every request checks the viewer's zone against them), the translation catalogues of
    every language, the data of the zones the feeds use (``feeds.prepare_zones``) and the
    world map's country outlines (``reports.maps.world_shapes``, read from their package).
    What is loaded is then frozen out of the garbage collector's reach (``gc.freeze``): it
    lives as long as the server, and a worker's first collections need not walk it. No
    database connection is left open to cross the fork. Changes no data and no response."""
    import gc

    from django.conf import settings
    from django.db import DatabaseError, connections
    from django.urls import get_resolver
    from django.utils import translation

    from amity.core.zones import time_zone_names
    from amity.events import feeds
    from amity.reports import maps

    get_resolver().reverse_dict  # noqa: B018
    _compile_templates()
    time_zone_names()
    maps.world_shapes()
    for code, _name in settings.LANGUAGES:
        translation.check_for_language(code)
        with translation.override(code):
            pass  # activating a language reads its catalogues
    try:
        feeds.prepare_zones()
    except DatabaseError as error:
        # Not migrated yet, or the database is down: serve anyway (as /healthz will say),
        # and let the first feed read its zones.
        print(f"Zones of the feeds not prepared: {error}", file=sys.stderr, flush=True)
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()


def _compile_templates() -> None:
    """Every template of the project and its apps, compiled into the cached loader (about
    0.4 s once, instead of on each worker's first page of each kind)."""
    from pathlib import Path

    from django.template import TemplateSyntaxError, engines
    from django.template.loader import get_template

    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            for folder in getattr(loader, "get_dirs", list)():
                for path in Path(folder).rglob("*"):
                    if path.suffix in {".html", ".txt", ".ics", ".svg"}:
                        try:
                            get_template(path.relative_to(folder).as_posix())
                        except TemplateSyntaxError as error:
                            print(f"Template not compiled: {error}", file=sys.stderr, flush=True)


def cmd_serve(ns: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    # Cheap and idempotent: every app server gets its own hashed static files. Before the
    # application is built: WhiteNoise lists the static folder once, when it starts, and
    # would otherwise answer 404 for every file this run collects (a fresh data folder,
    # or new assets after an upgrade).
    call_command("collectstatic", interactive=False, verbosity=0)

    from amity.wsgi import application

    # The app is preloaded: what it loads on first use is loaded here, once for all workers.
    warm_up()

    options = {
        "bind": ns.bind,
        "workers": ns.workers,
        "threads": ns.threads,
        "worker_class": "gthread",
        "accesslog": "-" if ns.access_log else None,
        "graceful_timeout": 10,
        "timeout": 60,
        "backlog": 2048,
        "proc_name": "amity",
        "preload_app": True,
        # No control socket in the home folder: several servers may run side by side.
        "control_socket_disable": True,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return application

    Server().run()
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    data_dir = Path(ns.data).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["AMITY_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("AMITY_DEMO", "1")
    os.environ.setdefault("AMITY_SITE_URL", f"http://{ns.host}:{ns.port}")
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from amity.directory.demo import DEMO_PASSWORD, demo_logins, demo_needs_loading

    print(f"Amity demo — data in {data_dir}")
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    call_command("migrate", interactive=False, verbosity=0)
    if demo_needs_loading():
        print("Loading the demo scenario …")
        call_command("load_demo", verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)

    env = dict(os.environ)
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "amity",
                "serve",
                "--bind",
                f"{ns.host}:{ns.port}",
                "--workers",
                "2",
            ],
            env=env,
        ),
        subprocess.Popen([sys.executable, "-m", "amity", "worker"], env=env),
    ]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    url = f"http://{ns.host}:{ns.port}/"
    print()
    print(f"Amity is running at {url}")
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in demo_logins():
        print(f"  {username:<14} {description}")
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        print(f"Emails are written to {settings.EMAIL_FILE_PATH}")
    print("Press Ctrl+C to stop.")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amity", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run Amity with the demo scenario on this machine")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument(
        "--data",
        default=os.environ.get("AMITY_DATA_DIR", "amity-data"),
        help="folder for the database, secret key, uploads and mails (default: ./amity-data)",
    )

    serve = sub.add_parser("serve", help="run the production web server")
    serve.add_argument("--bind", default=os.environ.get("AMITY_BIND", "127.0.0.1:8000"))
    serve.add_argument(
        "--workers", type=int, default=int(os.environ.get("AMITY_WEB_WORKERS", os.cpu_count() or 2))
    )
    # One thread per worker by default: on the registration burst, 2 workers x 1 thread
    # served the most registrations a second with the lowest p99 of 1-8 threads (a thread
    # holding SQLite's write lock shares the GIL with the others).
    serve.add_argument("--threads", type=int, default=int(os.environ.get("AMITY_WEB_THREADS", "1")))
    serve.add_argument("--access-log", action="store_true")

    worker = sub.add_parser("worker", help="run a background worker")
    worker.add_argument("--queues", default="*", help="comma-separated queue names, * for all")
    worker.add_argument("--interval", type=float, default=1.0)
    worker.add_argument("--batch", action="store_true", help="run what is due, then exit")

    sub.add_parser("manage", help="run a Django management command", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    ns = build_parser().parse_args(argv)
    return {"demo": cmd_demo, "serve": cmd_serve, "worker": cmd_worker}[ns.command](ns)


if __name__ == "__main__":
    sys.exit(main())
