#!/usr/bin/env python3
"""Runs the taegis-sdk comparisons side by side and writes a Markdown table.

Sections (all by default; pick with --only overhead,walk,concurrency,codegen,build; sections not
run keep their results from the last run, kept in target/bench-results.json, unless --fresh):

  overhead     criterion bench `overhead` (ours vs raw reqwest floor, same sandbox, same run)
               plus the official Python SDK (taegis-sdk-python 2.0.4) against the same kind
               of sandbox, timed per request after warm-up (schema introspection excluded).
  walk         `taegis tenants list --all --jsonl` vs a Python SDK script walking every tenant
               of a 2,500- and a 25,000-tenant sandbox by cursor; wall, CPU (user+sys) and peak
               RSS of the client process only (`/usr/bin/time -v`), N runs, median [min-max].
  concurrency  64 tasks sharing one Client, 10,000 queries: throughput, p50/p99, token requests.
  codegen      codegen cost per operation (criterion bench `codegen`, 1/50/200 synthetic ops).
  build        clean `cargo build --lib --no-default-features` in its own target directory,
               incremental rebuild after touching one .graphql (3 times), and the incremental
               build after adding 200 synthetic operations (removed again afterwards).

Usage: python3 benches/compare.py [--runs 5] [--only ...] [--out benches/results.md]
Needs: cargo, python3 with venv+pip (PyPI reachable once), /usr/bin/time (GNU time).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_python import TAEGIS, SandboxProcess, python_interpreter

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def log(*args):
    print("compare:", *args, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("$", " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def med(xs):
    return statistics.median(xs)


def fmt_range(xs, unit="", digits=2):
    return f"{med(xs):.{digits}f}{unit} [{min(xs):.{digits}f}-{max(xs):.{digits}f}]"


# --------------------------------------------------------------------------------------- build

def section_build(results, runs):
    """Clean library build and incremental rebuild after touching one .graphql file.

    Uses its own target directory (target/bench-build) so the main one is left alone."""
    target = TARGET / "bench-build"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    rows = []
    for label, args in [
        ("lib, no default features (debug)", ["--lib", "--no-default-features"]),
    ]:
        if target.exists():
            shutil.rmtree(target)
        t0 = time.monotonic()
        run(["cargo", "build", "--quiet", *args], cwd=ROOT, env=env)
        clean = time.monotonic() - t0
        incs = []
        graphql = ROOT / "queries" / "tenants" / "tenants" / "tenants.graphql"
        for _ in range(max(1, min(runs, 3))):
            os.utime(graphql)
            t0 = time.monotonic()
            run(["cargo", "build", "--quiet", *args], cwd=ROOT, env=env)
            incs.append(time.monotonic() - t0)
        rows.append((label, clean, incs))
    results["build"] = rows
    # What 200 synthetic operations add to an incremental build (codegen + compiling the
    # generated code), against the same incremental build without them.
    synth_dir = ROOT / "queries" / "tenants" / "bench"
    synth = [synth_dir / f"benchSynth{i}.graphql" for i in range(200)]
    args = ["--lib", "--no-default-features"]
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    try:
        run(["cargo", "build", "--quiet", *args], cwd=ROOT, env=env)
        synth_dir.mkdir(exist_ok=True)
        for i, path in enumerate(synth):
            path.write_text(synthetic_operation(i))
        t0 = time.monotonic()
        run(["cargo", "build", "--quiet", *args], cwd=ROOT, env=env)
        with_synth = time.monotonic() - t0
    finally:
        for path in synth:
            path.unlink(missing_ok=True)
        if synth_dir.exists() and not any(synth_dir.iterdir()):
            synth_dir.rmdir()
    results["build_synth"] = with_synth
    shutil.rmtree(target, ignore_errors=True)


FIELDS = [
    "id", "name", "enabled", "description", "domain", "expires_at", "created_at", "updated_at",
    "is_partner", "support_enabled", "labels { id name value }",
    "environments { name enabled }", "all_services { id service_id name }",
]


def synthetic_operation(i):
    """The template of benches/codegen.rs (`synthetic_operation`)."""
    take = 3 + i % (len(FIELDS) - 2)
    fields = [FIELDS[(i + k) % len(FIELDS)] for k in range(take)]
    return (
        f"query benchSynth{i}($q: TenantsQuery!) {{\n  tenants(tenantsQuery: $q) {{\n"
        f"    count hasMore cursorPos\n    results {{ {' '.join(fields)} }}\n  }}\n}}\n"
    )


def criterion_estimate(group, bench):
    path = TARGET / "criterion" / group / bench / "new" / "estimates.json"
    data = json.loads(path.read_text())
    return {
        "mean": data["mean"]["point_estimate"] / 1e3,  # microseconds
        "mean_lo": data["mean"]["confidence_interval"]["lower_bound"] / 1e3,
        "mean_hi": data["mean"]["confidence_interval"]["upper_bound"] / 1e3,
        "median": data["median"]["point_estimate"] / 1e3,
    }


def section_codegen(results):
    run(["cargo", "bench", "--quiet", "--bench", "codegen"], cwd=ROOT)
    results["codegen"] = {
        n: criterion_estimate("codegen", f"operations/{n}") for n in (1, 50, 200)
    }


# ------------------------------------------------------------------------------ sandbox, venv

def taegis_bin():
    return Path(TAEGIS)


def build_release():
    run(["cargo", "build", "--quiet", "--release", "-p", "taegis-cli", "--bin", "taegis"], cwd=ROOT)


class sandbox_process(SandboxProcess):
    """A sandbox of `tenants` tenants from seed 5, logged once ready."""

    def __init__(self, tenants):
        super().__init__("--tenants", tenants, "--seed", "5")
        self.tenants = tenants

    def __enter__(self):
        super().__enter__()
        log(f"sandbox with {self.tenants} tenants at {self.env['TAEGIS_API_URL']}")
        return self


def client_env(sandbox, home):
    env = dict(os.environ)
    env.update(sandbox.env)
    env.update(HOME=str(home), OAUTHLIB_INSECURE_TRANSPORT="1", NO_COLOR="1")
    env.pop("RUST_LOG", None)
    return env


# ----------------------------------------------------------------------------------- overhead

def section_overhead(results, python):
    with sandbox_process(100) as sandbox, tempfile.TemporaryDirectory() as home:
        env = client_env(sandbox, home)
        # cargo keeps the real HOME (rustup and the cargo home live there).
        run(["cargo", "bench", "--quiet", "--bench", "overhead"], cwd=ROOT,
            env=dict(os.environ, **sandbox.env))
        out = run([str(python), str(ROOT / "benches" / "py_overhead.py")], env=env,
                  capture_output=True, text=True).stdout
        py = json.loads(out.strip().splitlines()[-1])
    results["overhead"] = {
        name: criterion_estimate("request", name)
        for name in ("floor_reqwest", "floor_reqwest_typed_decode", "taegis_execute",
                     "floor_reqwest_after")
    }
    results["overhead"]["python_sdk"] = {
        "mean": py["mean_us"], "median": py["median_us"], "p99": py["p99_us"],
        "requests": py["requests"],
    }


# --------------------------------------------------------------------------------------- walk

TIME_FIELDS = {
    "Elapsed (wall clock) time (h:mm:ss or m:ss)": "wall",
    "User time (seconds)": "user",
    "System time (seconds)": "sys",
    "Maximum resident set size (kbytes)": "rss_kb",
}


def parse_time_v(text):
    out = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key in TIME_FIELDS:
            if TIME_FIELDS[key] == "wall":
                secs = 0.0
                for part in value.split(":"):
                    secs = secs * 60 + float(part)
                out["wall"] = secs
            else:
                out[TIME_FIELDS[key]] = float(value)
    out["cpu"] = out["user"] + out["sys"]
    return out


def timed(cmd, env, expect_lines):
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, stdout=sink,
                              stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed:\n{proc.stderr[-3000:]}")
        sink.seek(0)
        lines = sum(1 for _ in sink)
    if lines != expect_lines:
        raise RuntimeError(f"{cmd} wrote {lines} lines, expected {expect_lines}")
    return parse_time_v(proc.stderr)


def section_walk(results, python, runs, sizes):
    results["walk"] = {}
    for n in sizes:
        with sandbox_process(n) as sandbox, tempfile.TemporaryDirectory() as home:
            env = client_env(sandbox, home)
            ours, theirs = [], []
            cli = [str(taegis_bin()), "tenants", "list", "--all", "--jsonl"]
            py = [str(python), str(ROOT / "benches" / "py_walk.py")]
            # One untimed run each (page cache, sandbox warm), then interleaved timed runs.
            timed(cli, env, n)
            timed(py, env, n)
            for i in range(runs):
                ours.append(timed(cli, env, n))
                theirs.append(timed(py, env, n))
                log(f"walk {n}: run {i + 1}/{runs}: taegis {ours[-1]['wall']:.2f} s, "
                    f"python {theirs[-1]['wall']:.2f} s")
        results["walk"][n] = {"taegis": ours, "python_sdk": theirs}


# -------------------------------------------------------------------------------- concurrency

def section_concurrency(results):
    out = run(["cargo", "bench", "--quiet", "--bench", "concurrency"], cwd=ROOT,
              capture_output=True, text=True).stdout
    sys.stderr.write(out)
    results["concurrency"] = [
        json.loads(line[len("RESULT "):]) for line in out.splitlines() if line.startswith("RESULT ")
    ]


# ----------------------------------------------------------------------------------- markdown

def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    return (f"{model or platform.processor()}, {os.cpu_count()} cores, {mem}; "
            f"{platform.system()} {platform.release()}; {sh('rustc -V')}; "
            f"Python {platform.python_version()}")


def ratio(a, b):
    return f"{a / b:.2f}x"


def markdown(results, runs):
    md = ["# Benchmark results", "",
          f"Generated by `python3 benches/compare.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
          "", f"Machine: {machine()}.", ""]
    loads = results.get("load", {})
    whens = results.get("when", {})

    def note(name):
        if name not in loads:
            return []
        a, b = loads[name]
        return [f"Finished {whens.get(name, '?')}; 1-minute load average {a:.1f} before, {b:.1f} after.", ""]

    o = results.get("overhead")
    w = results.get("walk")
    c = results.get("concurrency")
    if o:
        ours, py = o["taegis_execute"], o["python_sdk"]
        floors = [o[k] for k in ("floor_reqwest", "floor_reqwest_after") if k in o]
        floor = {k: statistics.fmean(f[k] for f in floors) for k in ("mean", "median")}
        md += ["## Headline ratios", "",
               "| comparison | ratio |", "|---|---|",
               f"| per request: taegis `Client::execute` / raw reqwest floor (mean; floor = average of the runs before and after) | {ratio(ours['mean'], floor['mean'])} "
               f"({(ours['mean'] / floor['mean'] - 1) * 100:+.1f}%) |",
               f"| per request: Python SDK / taegis (median) | {ratio(py['median'], ours['median'])} |"]
        if w:
            for n in sorted(w):
                t = med([r["wall"] for r in w[n]["taegis"]])
                p = med([r["wall"] for r in w[n]["python_sdk"]])
                tr = med([r["rss_kb"] for r in w[n]["taegis"]])
                pr = med([r["rss_kb"] for r in w[n]["python_sdk"]])
                md.append(f"| {n:,}-tenant walk: Python SDK / taegis CLI, wall (median) | {ratio(p, t)} |")
                md.append(f"| {n:,}-tenant walk: Python SDK / taegis CLI, peak RSS (median) | {ratio(pr, tr)} |")
        md.append("")
    if o:
        md += ["## 1. Per-request overhead", "",
               "One `tenants` query for one tenant by ID against a `taegis sandbox serve` process "
               "(100 tenants) on loopback, one request at a time. Rust rows: criterion mean "
               "[95% CI] and median; Python row: "
               f"{o['python_sdk']['requests']} timed requests after warm-up (schema introspection "
               "and token fetch excluded), mean and median.", "", *note("overhead"),
               "| client | mean (µs) | median (µs) | vs floor (mean of both floor runs) |", "|---|---|---|---|"]
        for name, label in [("floor_reqwest", "raw reqwest POST, pre-set headers (floor)"),
                            ("floor_reqwest_typed_decode", "floor + serde decode into the generated type"),
                            ("taegis_execute", "taegis `Client::execute::<Tenants>`"),
                            ("floor_reqwest_after", "raw reqwest floor again, measured last")]:
            if name not in o:
                continue
            e = o[name]
            md.append(f"| {label} | {e['mean']:.1f} [{e['mean_lo']:.1f}-{e['mean_hi']:.1f}] | "
                      f"{e['median']:.1f} | {ratio(e['mean'], floor['mean'])} |")
        py = o["python_sdk"]
        md.append(f"| Python SDK 2.0.4 `service.tenants.query.tenants` | {py['mean']:.1f} | "
                  f"{py['median']:.1f} | {ratio(py['mean'], floor['mean'])} |")
        md.append("")
    if w:
        md += ["## 2. Tenant walk (cursor pagination, 100 per page)", "",
               f"Client process only (`/usr/bin/time -v`), {runs} interleaved runs after one untimed run "
               "each; median [min-max]. Output: one JSON line per tenant, to a temporary file.", "",
               *note("walk"),
               "| tenants | client | wall (s) | CPU user+sys (s) | peak RSS (MiB) |", "|---|---|---|---|---|"]
        for n in sorted(w):
            for key, label in [("taegis", "`taegis tenants list --all --jsonl`"),
                               ("python_sdk", "Python SDK 2.0.4 script (benches/py_walk.py)")]:
                rs = w[n][key]
                md.append(f"| {n:,} | {label} | {fmt_range([r['wall'] for r in rs])} | "
                          f"{fmt_range([r['cpu'] for r in rs])} | "
                          f"{fmt_range([r['rss_kb'] / 1024 for r in rs], digits=1)} |")
        md.append("")
    if c:
        md += ["## 3. Concurrency (64 tasks, one shared client, 10,000 queries)", "", *note("concurrency"),
               "| case | throughput (queries/s) | p50 (ms) | p99 (ms) | max (ms) | token requests |",
               "|---|---|---|---|---|---|"]
        for r in c:
            md.append(f"| {r['case']} | {r['qps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                      f"{r['max_ms']:.2f} | {r['token_requests'] if r['token_requests'] is not None else '-'} |")
        md.append("")
    b = results.get("build")
    g = results.get("codegen")
    if b or g:
        md += ["## 4. Build time", ""]
    if b:
        md += [*note("build"), "| build | time (s) |", "|---|---|"]
        for label, clean, incs in b:
            md.append(f"| clean `cargo build` {label} | {clean:.1f} |")
            md.append(f"| incremental after touching queries/tenants/tenants/tenants.graphql ({len(incs)} runs) | "
                      f"{fmt_range(incs, digits=1)} |")
        if "build_synth" in results:
            md.append(f"| incremental after adding 200 synthetic operations | {results['build_synth']:.1f} |")
            base = med(b[0][2])
            md.append(f"| → build cost per added operation (codegen + rustc) | "
                      f"{(results['build_synth'] - base) / 200 * 1e3:.0f} ms |")
        md.append("")
    if g:
        per = (g[200]["mean"] - g[1]["mean"]) / 199
        md += [*note("codegen"), "| codegen (`Builder::generate`, criterion mean) | time (ms) |", "|---|---|"]
        for n in (1, 50, 200):
            md.append(f"| {n} operation(s) | {g[n]['mean'] / 1e3:.1f} |")
        md.append(f"| → per operation (slope 1→200) | {per / 1e3:.2f} |")
        md.append("")
    return "\n".join(md)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="overhead,walk,concurrency,codegen,build")
    parser.add_argument("--fresh", action="store_true", help="ignore the results of earlier runs")
    parser.add_argument("--sizes", default="2500,25000", help="tenant counts for the walk")
    parser.add_argument("--out", default=str(ROOT / "benches" / "results.md"))
    parser.add_argument("--json", default=str(TARGET / "bench-results.json"))
    args = parser.parse_args()
    only = set(args.only.split(","))
    # Sections not run this time keep their last results (from --json), so the table can be
    # filled section by section.
    results = {}
    if Path(args.json).exists() and not args.fresh:
        results = json.loads(Path(args.json).read_text())
        results["walk"] = {int(k): v for k, v in results.get("walk", {}).items()}
        results["codegen"] = {int(k): v for k, v in results.get("codegen", {}).items()}
        results = {k: v for k, v in results.items() if v}
    if {"overhead", "walk"} & only:
        build_release()
        python = Path(python_interpreter())
    def section(name, fn, *a):
        before = os.getloadavg()[0]
        fn(results, *a)
        results.setdefault("load", {})[name] = [before, os.getloadavg()[0]]
        results.setdefault("when", {})[name] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))

    if "overhead" in only:
        section("overhead", section_overhead, python)
    if "walk" in only:
        section("walk", section_walk, python, args.runs, [int(s) for s in args.sizes.split(",")])
    if "concurrency" in only:
        section("concurrency", section_concurrency)
    if "codegen" in only:
        section("codegen", section_codegen)
    if "build" in only:
        section("build", section_build, args.runs)
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    text = markdown(results, args.runs)
    Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
