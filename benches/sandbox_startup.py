#!/usr/bin/env python3
"""Start-up of the sandbox with the full bundled schemas (7 gateways, 63 services).

Measures, with the release `taegis` binary (built first unless --no-build):
  - `taegis sandbox serve --tenants N`: from spawn to the last connection line on stdout
    (the server is listening), N = 100 and 10,000;
  - `taegis --sandbox clients list`: a whole command, process start to exit;
  - `taegis --sandbox query` of an alerts search (the stateful alerts service, whose
    tenant data is made on first access): a whole command, process start to exit.
Each case: one untimed run, then RUNS timed runs; prints median [min-max] in seconds.

Usage: python3 benches/sandbox_startup.py [--runs 9] [--no-build]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_python import ROOT, TAEGIS

ALERTS = ("query Alerts { alertsServiceSearch(in: { cql_query: \"FROM alert EARLIEST=-1d\", "
          "limit: 10 }) { status reason alerts { total_results list { id status } } } }\n")


def serve_ready(tenants: int) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen([TAEGIS, "sandbox", "serve", "--tenants", str(tenants)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("TAEGIS_TENANT_ID="):
                return time.perf_counter() - start
        raise RuntimeError("sandbox serve exited before it was ready")
    finally:
        proc.kill()
        proc.wait()


def whole(args) -> float:
    start = time.perf_counter()
    subprocess.run([TAEGIS, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(name: str, run, runs: int) -> None:
    run()
    times = [run() for _ in range(runs)]
    print(f"| {name} | {statistics.median(times):.3f} [{min(times):.3f}-{max(times):.3f}] |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "taegis-cli"], cwd=ROOT,
                       check=True)
    with tempfile.TemporaryDirectory() as tmp:
        alerts = os.path.join(tmp, "alerts.graphql")
        with open(alerts, "w", encoding="utf-8") as fh:
            fh.write(ALERTS)
        print("| case | seconds, median [min-max] |")
        print("|---|---|")
        for tenants in (100, 10_000):
            measure(f"`taegis sandbox serve --tenants {tenants}` until listening",
                    lambda t=tenants: serve_ready(t), args.runs)
        measure("`taegis --sandbox clients list` (whole command)",
                lambda: whole(["--sandbox", "clients", "list"]), args.runs)
        measure("`taegis --sandbox query alerts.graphql` (stateful alerts search, whole command)",
                lambda: whole(["--sandbox", "query", alerts]), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
