"""``amity serve`` with every POST request under cProfile, and the summed profile of its
workers per request.

    with serving(env, data_dir, workers=2, threads=1, command=profiled_command(folder, "cpu")):
        ...  # the load
    figures = profile_summary(folder, top=25)
"""

import atexit
import cProfile
import json
import os
import pstats
import sys
import threading
import time
from pathlib import Path

from benchmarks.harness.servers import ROOT, BenchmarkError


class _ProfilingApp:
    """WSGI wrapper: each POST runs under its own cProfile profiler, in its own thread,
    timed by that thread's CPU clock (``cpu``) or by the wall clock (``wall``: includes
    waiting for locks and the database). Each worker process folds the profiles into one
    file every ``FOLD`` requests and when it exits."""

    FOLD = 100

    def __init__(self, app, folder: Path, timer: str):
        self.app = app
        self.folder = folder
        self.timer = time.thread_time if timer == "cpu" else time.perf_counter
        self.lock = threading.Lock()
        self.pending: list[cProfile.Profile] = []
        self.stats: pstats.Stats | None = None
        self.requests = 0
        self.wall = 0.0
        self.pid = 0

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        with self.lock:
            if self.pid != os.getpid():  # the first request in a new worker process
                self.pid = os.getpid()
                self.pending, self.stats, self.requests, self.wall = [], None, 0, 0.0
                atexit.register(self.fold)
        profile = cProfile.Profile(self.timer)
        started = time.perf_counter()
        profile.enable()
        try:
            response = self.app(environ, start_response)
            body = b"".join(response)
            if hasattr(response, "close"):
                response.close()
        finally:
            profile.disable()
        with self.lock:
            self.pending.append(profile)
            self.requests += 1
            self.wall += time.perf_counter() - started
            if len(self.pending) >= self.FOLD:
                self._fold()
        return [body]

    def fold(self) -> None:
        with self.lock:
            self._fold()

    def _fold(self) -> None:
        if self.pid != os.getpid() or not self.pending:
            return
        for profile in self.pending:
            if self.stats is None:
                self.stats = pstats.Stats(profile)
            else:
                self.stats.add(profile)
        self.pending = []
        self.stats.dump_stats(self.folder / f"worker-{self.pid}.pstats")
        (self.folder / f"worker-{self.pid}.json").write_text(
            json.dumps({"requests": self.requests, "wall_s": self.wall})
        )


def profiled_serve() -> None:
    """``amity serve`` with every POST profiled (``python -c`` entry; the options are
    ``amity serve``'s, the folder and timer come from the environment)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import amity.wsgi
    from amity.cli import main

    amity.wsgi.application = _ProfilingApp(
        amity.wsgi.application,
        Path(os.environ["AMITY_BENCH_PROFILE_DIR"]),
        os.environ.get("AMITY_BENCH_PROFILE_TIMER", "cpu"),
    )
    sys.exit(main(["serve", *sys.argv[1:]]))


def profiled_command(env: dict, folder: Path, timer: str) -> list[str]:
    """The command that replaces ``amity serve`` for ``servers.serving``; sets ``env``."""
    env["AMITY_BENCH_PROFILE_DIR"] = str(folder)
    env["AMITY_BENCH_PROFILE_TIMER"] = timer
    code = "from benchmarks.harness.profiling import profiled_serve; profiled_serve()"
    return [sys.executable, "-c", code]


def _where(filename: str) -> str:
    return filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")


def profile_summary(folder: Path, top: int, log_tail: str = "") -> dict:
    """The workers' profiles summed, per request: the ``top`` functions by own time and by
    cumulative time."""
    files = sorted(folder.glob("worker-*.pstats"))
    if not files:
        raise BenchmarkError(f"the profiled workers wrote no profile\n{log_tail}")
    stats = pstats.Stats(*map(str, files))
    counts = [json.loads(f.with_suffix(".json").read_text()) for f in files]
    requests = sum(c["requests"] for c in counts)
    rows = [
        {
            "function": f"{_where(filename)}:{line}({function})",
            "calls_per_request": round(calls / requests, 2),
            "own_ms_per_request": round(own * 1000 / requests, 3),
            "cumulative_ms_per_request": round(cumulative * 1000 / requests, 3),
        }
        for (filename, line, function), (_cc, calls, own, cumulative, _) in stats.stats.items()
    ]
    return {
        "requests_profiled": requests,
        "wall_ms_per_request_under_profiler": round(
            sum(c["wall_s"] for c in counts) * 1000 / requests, 2
        ),
        "profiled_ms_per_request": round(stats.total_tt * 1000 / requests, 2),
        "top_own": sorted(rows, key=lambda r: r["own_ms_per_request"], reverse=True)[:top],
        "top_cumulative": sorted(rows, key=lambda r: r["cumulative_ms_per_request"], reverse=True)[
            :top
        ],
    }
