"""Figures and their presentation: milliseconds, nearest-rank percentiles, medians of runs,
fixed-width table rows, and the machine and code version that go with every report."""

import contextlib
import math
import os
import platform
import sqlite3
import statistics
import subprocess
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from benchmarks.harness.servers import ROOT


def ms(seconds: float, digits: int = 1) -> float:
    return round(seconds * 1000, digits)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def latency_ms(samples: Sequence[float], shares: Iterable[float] = (0.95,)) -> dict:
    """Count, median, the given percentiles (``p95_ms``, …) and maximum of durations in
    seconds, in milliseconds."""
    figures: dict = {"n": len(samples), "median_ms": ms(statistics.median(samples))}
    for share in shares:
        figures[f"p{round(share * 100)}_ms"] = ms(percentile(samples, share))
    figures["max_ms"] = ms(max(samples))
    return figures


def median(values: Iterable[float], digits: int = 1) -> float:
    return round(statistics.median(values), digits)


def median_of(runs: Sequence[dict], key: str, digits: int = 1) -> float:
    """The median of one figure over several runs."""
    return median((run[key] for run in runs), digits)


def row(widths: Sequence[int], cells: Sequence[object]) -> str:
    """One table row: the first cell left-aligned, the others right-aligned, each in its
    width (a negative width left-aligns), separated by a space. Floats get one decimal."""
    out = []
    for index, (width, cell) in enumerate(zip(widths, cells, strict=True)):
        text = f"{cell:.1f}" if isinstance(cell, float) else str(cell)
        left = width < 0 or (index == 0 and width > 0)
        out.append(f"{text:<{abs(width)}}" if left else f"{text:>{width}}")
    return " ".join(out)


def table(widths: Sequence[int], header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A header, a rule and rows (see ``row``)."""
    head = row(widths, header)
    return "\n".join([head, "-" * len(head), *(row(widths, cells) for cells in rows)])


def memory_gb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def machine(**versions: str) -> dict:
    """What the figures were measured on (and with ``versions`` of libraries that matter)."""
    return {
        "python": platform.python_version(),
        **versions,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "date": date.today().isoformat(),
    }


def code_version() -> dict:
    """The commit of the code measured, and whether amity/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "amity"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "amity_uncommitted_changes": None}
    return {"commit": commit or "unknown", "amity_uncommitted_changes": bool(changed)}
