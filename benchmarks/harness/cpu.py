"""CPU time over an interval, read from /proc, so that a figure measured on a shared
machine says what the work itself cost: the server's CPU time per request moves far less
with the other programs on the cores than its throughput does (contention still inflates
it: compare figures taken in one sitting).

    meter = CpuMeter()
    meter.watch(*server.pids())
    ...  # the load
    meter.take(*server.pids())  # before the processes exit
    figures = meter.result()  # watched_cpu_s, postgres_cpu_s, foreign_share, …
"""

import os
import resource
import time
from pathlib import Path

from benchmarks.harness.servers import log


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """Seconds of CPU time of the whole machine since boot: (busy, total), all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return (total - values[3] - values[4]) / hz, total / hz


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine (with reaped children)."""
    total = 0.0
    hz = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1] in {"postgres", "postmaster"}:
            fields = rest.split()
            total += sum(int(v) for v in fields[11:15]) / hz
    return total


def own_cpu() -> float:
    """This process's CPU time (the load generator, an SMTP server in a thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU time over an interval: the whole machine's, this process's (the load generator,
    the SMTP server), PostgreSQL's, and that of watched processes; what is left is foreign
    (other people's programs on the same cores, and the kernel)."""

    def __init__(self):
        self.machine = machine_cpu()
        self.own = own_cpu()
        self.postgres = postgres_cpu()
        self.processes: dict[int, float] = {}
        self.started = time.monotonic()

    def watch(self, *pids: int) -> None:
        for pid in pids:
            self.processes[pid] = process_cpu_seconds(pid)

    def take(self, *pids: int) -> None:
        """Read watched processes (before they exit: a dead process has no CPU to read)."""
        for pid in pids:
            self.processes[pid] = process_cpu_seconds(pid) - self.processes[pid]

    def result(self) -> dict:
        machine = machine_cpu()
        seconds = time.monotonic() - self.started
        busy = machine[0] - self.machine[0]
        own = own_cpu() - self.own
        postgres = postgres_cpu() - self.postgres
        watched = sum(self.processes.values())
        foreign = busy - own - postgres - watched
        return {
            "seconds": round(seconds, 2),
            "machine_busy_cpu_s": round(busy, 2),
            "benchmark_process_cpu_s": round(own, 2),
            "postgres_cpu_s": round(postgres, 2),
            "watched_cpu_s": round(watched, 2),
            "foreign_cpu_s": round(foreign, 2),
            # Of all the machine's cores over the interval.
            "foreign_share": round(foreign / ((os.cpu_count() or 1) * seconds), 3),
        }


def wait_quiet(label: str, quiet: float, wait_s: float) -> float:
    """Wait (at most ``wait_s`` seconds) until the machine is at most ``quiet`` busy (0-1):
    other people's programs on the same cores would be measured too. Returns the busy share
    of the last 2-second sample."""
    deadline = time.monotonic() + wait_s
    said = 0.0
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(2.0)
        busy1, total1 = machine_cpu()
        share = (busy1 - busy0) / max(total1 - total0, 1e-9)
        if share <= quiet:
            return round(share, 3)
        now = time.monotonic()
        if now > deadline:
            log(f"[{label}] the machine is still {share:.0%} busy; measuring anyway")
            return round(share, 3)
        if now - said > 30:
            log(f"[{label}] the machine is {share:.0%} busy (other programs); waiting …")
            said = now
