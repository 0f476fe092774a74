#!/usr/bin/env python3
"""One query across 1,000 tenants: `taegis` fan-out vs the Python SDK in a loop.

Starts `target/release/taegis sandbox serve --tenants 1001` (the partner and 1,000 children;
built first unless --no-build), writes the children's IDs to a file, then, interleaved,
RUNS times each (after one untimed run each):

  taegis   `taegis --tenants-file ids.txt --jsonl clients list` at the default concurrency
           (16): one `clients` query per tenant, one token for all, one JSON line per client
           with its `tenant_id`;
  python   taegis-sdk-python 2.0.4: for each ID, `with service(tenant_id=ID):
           service.clients.query.clients(page=1, per_page=100)` (the same query and page size),
           one JSON line per client with its tenant ID. Its deprecation warning for `clients`
           is silenced (it would cost a log line per tenant). Its schema introspection and
           interpreter start are included (a user pays both).

Both read the IDs from the same file and print the same number of lines (checked). Wall time
and the client process's CPU (user+sys, from getrusage of the waited child) per run;
median [min-max]. Token requests: taegis, from one more run with -v (the "fetched an access
token" log lines); Python, counted inside the process (every requests.Session.send to the
token URL).

Python: the interpreter in TAEGIS_BENCH_PYTHON (one with taegis-sdk-python 2.0.4 installed,
e.g. /tmp/pyvenv/bin/python); otherwise a venv in target/bench-venv is created with
`python3 -m venv` and the SDK installed from PyPI (once).

Usage: python3 benches/fanout_vs_python.py [--runs 3] [--no-build]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from bench_python import ROOT, TAEGIS, SandboxProcess, python_interpreter

TENANTS = 1000

PY_LOOP = r'''
import json, logging, os, sys
import requests
from taegis_sdk_python import GraphQLService

logging.getLogger("taegis_sdk_python").setLevel(logging.ERROR)
token_url = os.environ["TAEGIS_API_URL"].rstrip("/") + "/auth/api/v2/auth/token"
counts = {"token": 0}
send = requests.Session.send
def counting_send(self, request, **kwargs):
    if request.url.startswith(token_url):
        counts["token"] += 1
    return send(self, request, **kwargs)
requests.Session.send = counting_send

ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
service = GraphQLService(
    environment="sandbox",
    environments={"sandbox": os.environ["TAEGIS_API_URL"]},
    tenant_id=os.environ["TAEGIS_TENANT_ID"],
)
out = sys.stdout
for tenant in ids:
    with service(tenant_id=tenant):
        for client in service.clients.query.clients(page=1, per_page=100):
            row = json.loads(client.to_json())
            row["tenant_id"] = tenant
            out.write(json.dumps(row))
            out.write("\n")
print(f"python token requests: {counts['token']}", file=sys.stderr)
'''


def timed(args, env, expect_lines: int):
    """Runs args; returns (wall s, child CPU s, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.count("\n")
    if lines != expect_lines:
        raise RuntimeError(f"{args[0]}: {lines} lines, expected {expect_lines}")
    return wall, cpu, done.stderr


def summary(values):
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "taegis-cli"], cwd=ROOT, check=True)
    python = python_interpreter()
    with tempfile.TemporaryDirectory() as work, SandboxProcess("--tenants", TENANTS + 1) as sandbox:
        conn = sandbox.env
        ids = os.path.join(work, "ids.txt")
        with open(ids, "w") as f:
            f.writelines(f"{10001 + i}\n" for i in range(TENANTS))
        env = {"PATH": os.environ.get("PATH", ""), "HOME": work,
               "OAUTHLIB_INSECURE_TRANSPORT": "1", **conn}
        ours = [TAEGIS, "--tenants-file", ids, "--jsonl", "clients", "list"]
        theirs = [python, "-c", PY_LOOP, ids]
        results = {"taegis": ([], []), "python": ([], [])}
        timed(ours, env, TENANTS)
        _, _, py_err = timed(theirs, env, TENANTS)
        for _ in range(args.runs):
            for name, cmd in (("taegis", ours), ("python", theirs)):
                wall, cpu, _ = timed(cmd, env, TENANTS)
                results[name][0].append(wall)
                results[name][1].append(cpu)
        verbose = subprocess.run([TAEGIS, "-v", *ours[1:]], env=env, check=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        our_tokens = verbose.stderr.count("fetched an access token")
        py_tokens = py_err.strip().rsplit(" ", 1)[-1]
    load = os.getloadavg()[0]
    print(f"one `clients` query in each of {TENANTS} tenants; {args.runs} runs each after one "
          f"untimed; 1-min load {load:.2f}")
    print("| client | wall s, median [min-max] | client CPU s (user+sys) | token requests |")
    print("|---|---|---|---|")
    print(f"| taegis fan-out (concurrency 16) | {summary(results['taegis'][0])} | "
          f"{summary(results['taegis'][1])} | {our_tokens} |")
    print(f"| Python SDK 2.0.4 loop | {summary(results['python'][0])} | "
          f"{summary(results['python'][1])} | {py_tokens} |")
    wall = statistics.median(results["python"][0]) / statistics.median(results["taegis"][0])
    cpu = statistics.median(results["python"][1]) / statistics.median(results["taegis"][1])
    print(f"\nratio (Python / taegis, medians): wall {wall:.1f}x, CPU {cpu:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
