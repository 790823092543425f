"""A small HTTP/1.1 load generator on asyncio streams (standard library only).

It shares the machine with the server it measures, so it does as little as it can per
request: every request is encoded before the clock starts, responses are read with one
``readuntil`` for the head and one ``readexactly`` for the body, and nothing is parsed
beyond the status line and Content-Length. Each connection is kept alive and sends its
next request as soon as the previous answer is in (a closed loop): with C connections,
at most C requests are in flight.

    requests = [post_json("127.0.0.1", port, "/api/…", {...}), …]
    result = asyncio.run(run("127.0.0.1", port, requests, connections=64))

Percentiles of the latencies: ``benchmarks.harness.report.percentile``.
"""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field


def post_json(host: str, port: int, path: str, payload: dict) -> bytes:
    """One complete ``POST`` request (head and JSON body) as bytes."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


@dataclass
class Result:
    """What came back. ``latencies`` (seconds, from the first byte written to the last
    byte read) and ``statuses`` are in request order; a request that got no answer has
    status 0 and its error in ``failures``."""

    seconds: float
    latencies: list[float]
    statuses: list[int]
    bodies: list[bytes] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    reconnects: int = 0
    # When each answer was complete, in seconds from the start, in order of completion.
    completed: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statuses)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def status_counts(self) -> dict[int, int]:
        return dict(sorted(Counter(self.statuses).items()))

    def rates(self, parts: int = 10) -> list[float]:
        """Answers per second within each successive ``parts``-th of the answers."""
        done = sorted(self.completed)
        size = len(done) // parts
        rates = []
        previous = 0.0
        for part in range(1, parts + 1):
            end = done[part * size - 1] if part < parts else done[-1]
            count = size if part < parts else len(done) - (parts - 1) * size
            rates.append(round(count / (end - previous), 1) if end > previous else 0.0)
            previous = end
        return rates


class _Closed(Exception):
    pass


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, bool]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        raise _Closed(f"not an HTTP response: {head[:60]!r}")
    status = int(head[9:12])
    length = 0
    keep = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
        elif name == b"transfer-encoding":
            raise _Closed("chunked responses are not expected here")
    body = await reader.readexactly(length) if length else b""
    return status, body, keep


async def run(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    connections: int,
    timeout: float = 60.0,
    keep_bodies: bool = False,
    together: bool = False,
) -> Result:
    """Send every request once, over ``connections`` keep-alive connections.

    With ``together``, every connection is opened first and the first requests all leave
    at once (a race: use as many connections as requests). A request is never repeated:
    a broken connection counts its request as failed (status 0) and is opened again."""
    count = len(requests)
    statuses = [0] * count
    latencies = [0.0] * count
    bodies = [b""] * count if keep_bodies else []
    failures: list[str] = []
    completed: list[float] = []
    reconnects = 0
    next_index = 0
    gate = asyncio.Event()
    opened = 0
    all_open = asyncio.Event()

    async def connect():
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)

    async def client() -> None:
        nonlocal next_index, reconnects, opened
        reader, writer = await connect()
        opened += 1
        if opened == connections:
            all_open.set()
        await gate.wait()
        try:
            while next_index < count:
                index = next_index
                next_index += 1
                started = time.perf_counter()
                try:
                    status, body, keep = await asyncio.wait_for(
                        _exchange(reader, writer, requests[index]), timeout
                    )
                except (OSError, asyncio.IncompleteReadError, TimeoutError, _Closed) as error:
                    failures.append(f"request {index}: {type(error).__name__}: {error}")
                    latencies[index] = time.perf_counter() - started
                    keep = False
                else:
                    now = time.perf_counter()
                    latencies[index] = now - started
                    completed.append(now - began)
                    statuses[index] = status
                    if keep_bodies:
                        bodies[index] = body
                if not keep and next_index < count:
                    writer.close()
                    reconnects += 1
                    reader, writer = await connect()
        finally:
            writer.close()

    connections = max(1, min(connections, count))
    tasks = [asyncio.create_task(client()) for _ in range(connections)]
    waiting = asyncio.create_task(all_open.wait())
    done, _ = await asyncio.wait(
        [waiting, *tasks], timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if waiting not in done:  # a connection failed, or they did not all open in time
        for task in tasks:
            task.cancel()
        errors = [t.exception() for t in tasks if t.done() and not t.cancelled()]
        raise ConnectionError(f"could not open {connections} connections: {errors[:1]}")
    if together:
        await asyncio.sleep(0.05)  # let the server take in every connection first
    began = started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return Result(
        seconds=time.perf_counter() - started,
        latencies=latencies,
        statuses=statuses,
        bodies=bodies,
        failures=failures,
        reconnects=reconnects,
        completed=completed,
    )
