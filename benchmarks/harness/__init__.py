"""What every benchmark shares, so that each benchmark module holds only its own workload,
checks and goal.

- ``loadgen``: an HTTP/1.1 keep-alive load generator on asyncio (standard library only);
- ``servers``: the programs under measurement — a throw-away data folder and database
  (SQLite, or a PostgreSQL database made and dropped here), ``amity manage migrate``,
  ``amity serve`` and ``amity worker`` on loopback, set-up code run in a subprocess with
  the same environment, and a server whose requests are profiled;
- ``cpu``: the CPU time the server, PostgreSQL, the benchmark itself and everything else
  used over an interval, and a wait until the machine is quiet;
- ``report``: milliseconds, percentiles, medians, table rows, and the machine and code
  version that go with every set of figures.

Progress goes to stderr (``servers.log``), tables and JSON to stdout.
"""
