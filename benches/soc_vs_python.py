#!/usr/bin/env python3
"""The SOC searches side by side: `taegis` (release) against the official Python SDK 2.0.4's
own helpers, on one release `taegis sandbox serve`, in one run.

  - events: `taegis --jsonl events search CQL --max-rows 100000 > /dev/null` vs
    `taegis_sdk_python.commons.events.search.events_search` with page size 1,000 and max rows
    100,000 (the helper's defaults), rows counted;
  - alerts: `taegis --jsonl alerts search CQL > /dev/null` vs
    `taegis_sdk_python.commons.alerts.search.alerts_search` (limit 10,000), on a tenant holding
    10,000 alerts (`--alerts-per-tenant 10000`).

Each client runs as its own process under /usr/bin/time: wall seconds, CPU seconds
(user + system) and peak RSS of the client only (the sandbox runs apart). Python's figures
include its interpreter start and imports, as a user running a script pays them; its import
time alone is reported too. One untimed run of each, then RUNS timed runs; medians printed
as a Markdown table with the ratios.

Usage: python3 benches/soc_vs_python.py [--runs 3] [--no-build] [--python PATH]
--python or TAEGIS_BENCH_PYTHON: an interpreter with taegis-sdk-python==2.0.4 installed
(otherwise a virtual environment is made in target/bench-venv with pip).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from bench_python import ROOT, TAEGIS, SandboxProcess, python_interpreter

EVENTS_CQL = "FROM process EARLIEST=-1d"
EVENT_ROWS = 100_000
ALERTS_CQL = "FROM alert EARLIEST=-8d"
ALERTS = 10_000

PY_EVENTS = """
import os
from taegis_sdk_python import GraphQLService
from taegis_sdk_python.commons.events.search import events_search
from taegis_sdk_python.services.events.types import EventQueryOptions
service = GraphQLService(environment="sandbox", environments={"sandbox": os.environ["TAEGIS_API_URL"]},
                         tenant_id=os.environ["TAEGIS_TENANT_ID"])
options = EventQueryOptions(timestamp_ascending=True, page_size=1000, max_rows=%d, aggregation_off=False)
pages = events_search(service, %r, options=options)
print(sum(len(r.result.rows or []) for page in pages for r in page if r.result))
""" % (EVENT_ROWS, EVENTS_CQL)

PY_ALERTS = """
import os
from taegis_sdk_python import GraphQLService
from taegis_sdk_python.commons.alerts.search import alerts_search
service = GraphQLService(environment="sandbox", environments={"sandbox": os.environ["TAEGIS_API_URL"]},
                         tenant_id=os.environ["TAEGIS_TENANT_ID"])
parts = alerts_search(service, %r)
print(sum(len(p.alerts.list_ or []) for p in parts))
""" % ALERTS_CQL

PY_IMPORTS = """
from taegis_sdk_python import GraphQLService
from taegis_sdk_python.commons.events.search import events_search
from taegis_sdk_python.commons.alerts.search import alerts_search
"""


def timed(argv, env, expect=None):
    """(wall s, cpu s, peak RSS MiB, stdout) of one client process."""
    with tempfile.NamedTemporaryFile("r") as report:
        out = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *argv],
                             env=env, check=True, stdout=subprocess.PIPE, text=True)
        wall, user, system, rss_kb = report.read().split()[-4:]
    if expect is not None:
        got = int(out.stdout.strip()) if out.stdout.strip().isdigit() else out.stdout.count("\n")
        if got != expect:
            raise RuntimeError(f"{argv[0]} returned {got} rows, expected {expect}")
    return float(wall), float(user) + float(system), int(rss_kb) / 1024


def median_of(runs, argv, env, expect):
    timed(argv, env, expect)
    samples = [timed(argv, env, expect) for _ in range(runs)]
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--python", help="default: TAEGIS_BENCH_PYTHON, else target/bench-venv")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "taegis-cli"], cwd=ROOT,
                       check=True)
    py = python_interpreter(args.python)
    home = tempfile.mkdtemp()
    env = dict(os.environ, HOME=home, OAUTHLIB_INSECURE_TRANSPORT="1")
    with SandboxProcess("--tenants", 2, "--seed", 3, "--alerts-per-tenant", ALERTS) as sandbox:
        env.update(sandbox.env)
        cases = [
            ("events search, 100,000 rows",
             [TAEGIS, "--jsonl", "events", "search", EVENTS_CQL, "--max-rows", str(EVENT_ROWS)],
             [py, "-c", PY_EVENTS], EVENT_ROWS),
            ("alerts search, 10,000 alerts",
             [TAEGIS, "--jsonl", "alerts", "search", ALERTS_CQL],
             [py, "-c", PY_ALERTS], ALERTS),
        ]
        imports = median_of(args.runs, [py, "-c", PY_IMPORTS], env, None)
        print("| case | client | wall s | CPU s | peak RSS MiB |")
        print("|---|---|---|---|---|")
        ratios = []
        for name, rust, python, rows in cases:
            r = median_of(args.runs, rust, env, rows)
            p = median_of(args.runs, python, env, rows)
            print(f"| {name} | taegis | {r[0]:.2f} | {r[1]:.2f} | {r[2]:.0f} |")
            print(f"| {name} | Python SDK helper | {p[0]:.2f} | {p[1]:.2f} | {p[2]:.0f} |")
            ratios.append((name, p[0] / r[0], p[1] / r[1], p[2] / r[2]))
        print(f"| Python imports alone | Python | {imports[0]:.2f} | {imports[1]:.2f} | {imports[2]:.0f} |")
        print()
        print("| case | wall ratio | CPU ratio | RSS ratio |")
        print("|---|---|---|---|")
        for name, wall, cpu, rss in ratios:
            print(f"| {name} | {wall:.1f}x | {cpu:.1f}x | {rss:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
