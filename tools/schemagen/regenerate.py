#!/usr/bin/env python3
"""Regenerate (or check) the bundled schemas ``codegen/schemas/*.json`` from the wheel.

The bundled schemas are what ``write_schemas.py`` writes from the model that ``extract.py``
reads from the official Python SDK wheel (``taegis-sdk-python==2.0.4``) plus
``tools/schemagen/evidence.json``. This tool runs that pipeline with a cache:

1. the wheel: ``CACHE/<version>/<wheel>``, fetched once with ``pip download`` (PyPI, or whatever
   index pip is configured for) and verified against the pinned sha256 below;
2. the model: ``CACHE/<version>/model-<extract.py hash>.json``, extracted again only when
   ``extract.py`` changes;
3. the schemas: written by ``write_schemas.py`` into a temporary directory, then copied into
   ``codegen/schemas/`` (default) or compared with it (``--check``).

Usage (from anywhere; paths default to this repository)::

    python3 tools/schemagen/regenerate.py            # rewrite codegen/schemas/*.json
    python3 tools/schemagen/regenerate.py --check    # exit 1 if they differ (lists how)
    python3 tools/schemagen/regenerate.py --model-path   # fetch/extract, print the model path

Exit status: 0 ok, 1 the bundled schemas differ (``--check``) or the wheel's sha256 is not the
pinned one, 2 usage, 3 unavailable (no pip, or the download failed: the message starts with
``unavailable:`` so that callers can skip instead of failing).

Standard library only.
"""

import argparse
import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DIST = "taegis-sdk-python"
DEFAULT_VERSION = "2.0.4"
# sha256 of the wheel on PyPI (also in model.json's source.wheel_sha256): a different file
# under the same name is an error, not a silent change of the bundled schemas.
PINNED_SHA256 = {
    "2.0.4": "309490df80b6df712b71dfef4f1e6fa490dcb0a7d81406883fc51273c4644d60",
}
DEFAULT_CACHE = os.path.join(REPO, "target", "schemagen")
DEFAULT_SCHEMAS = os.path.join(REPO, "codegen", "schemas")
DEFAULT_EVIDENCE = os.path.join(HERE, "evidence.json")
EXTRACT = os.path.join(HERE, "extract.py")
WRITE = os.path.join(HERE, "write_schemas.py")

EXIT_DIFFERS = 1
EXIT_UNAVAILABLE = 3


class Unavailable(Exception):
    """The wheel cannot be had (no pip, no network, no registry): callers may skip."""


class Failed(Exception):
    """Something is wrong that must not be skipped (sha256 mismatch, a tool failed)."""


def wheel_name(version: str) -> str:
    return f"{DIST.replace('-', '_')}-{version}-py3-none-any.whl"


def sha256_of(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def verify(path: str, version: str) -> str:
    digest = sha256_of(path)
    pinned = PINNED_SHA256.get(version)
    if pinned and digest != pinned:
        raise Failed(f"{path}: sha256 {digest}, pinned {pinned} for {DIST} {version}: the "
                     "file changed (on the index, or in the cache: delete it and rerun)")
    return digest


def fetch_wheel(version: str, cache: str, wheel: Optional[str] = None, log=None) -> str:
    """Return the cached wheel path, downloading (or copying ``wheel``) on first use."""
    log = log or (lambda msg: None)
    vdir = os.path.join(cache, version)
    target = os.path.join(vdir, wheel_name(version))
    if os.path.isfile(target):
        verify(target, version)
        return target
    os.makedirs(vdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="download-", dir=vdir)
    try:
        if wheel:
            got = os.path.join(tmp, os.path.basename(wheel))
            shutil.copyfile(wheel, got)
        else:
            probe = subprocess.run([sys.executable, "-m", "pip", "--version"],
                                   capture_output=True, text=True)
            if probe.returncode != 0:
                raise Unavailable(f"`{sys.executable} -m pip` is not available: "
                                  f"{(probe.stderr or probe.stdout).strip()[-300:]}")
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--no-input", "--timeout", "20",
                   "--retries", "1", f"{DIST}=={version}", "-d", tmp]
            log(f"fetching {DIST}=={version}: {' '.join(cmd[2:])}")
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                lines = (run.stderr or run.stdout).strip().splitlines()
                tail = [x for x in lines if x.startswith("ERROR")] or lines[-2:]
                raise Unavailable(f"`pip download {DIST}=={version}` failed (exit "
                                  f"{run.returncode}): {' | '.join(tail)}")
            wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
            if len(wheels) != 1:
                raise Failed(f"pip download wrote {wheels}, expected one wheel")
            got = os.path.join(tmp, wheels[0])
        if os.path.basename(got) != wheel_name(version):
            raise Failed(f"got {os.path.basename(got)}, expected {wheel_name(version)}")
        verify(got, version)
        os.replace(got, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def cached_model(version: str, cache: str, wheel: Optional[str] = None, log=None) -> str:
    """Return the cached model path for the wheel, extracting it when missing."""
    log = log or (lambda msg: None)
    whl = fetch_wheel(version, cache, wheel, log)
    key = sha256_of(EXTRACT)[:12]
    vdir = os.path.dirname(whl)
    model = os.path.join(vdir, f"model-{key}.json")
    if os.path.isfile(model):
        return model
    for old in os.listdir(vdir):  # models of older extract.py versions
        if old.startswith("model-") and old.endswith(".json") and old != os.path.basename(model):
            os.remove(os.path.join(vdir, old))
    fd, tmp = tempfile.mkstemp(prefix="model-", suffix=".tmp", dir=vdir)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        log(f"extracting {whl}")
        run = subprocess.run([sys.executable, "-B", EXTRACT, whl, "-o", tmp],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise Failed(f"extract.py failed:\n{run.stderr}")
        os.replace(tmp, model)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return model


def write_schemas(model: str, out_dir: str, evidence: str) -> None:
    run = subprocess.run([sys.executable, "-B", WRITE, model, out_dir, "--evidence", evidence,
                          "--quiet"], capture_output=True, text=True)
    if run.returncode != 0:
        raise Failed(f"write_schemas.py failed:\n{run.stdout}{run.stderr}")


def json_files(d: str) -> List[str]:
    return sorted(f for f in os.listdir(d) if f.endswith(".json") and f != "report.json")


def first_difference(a: str, b: str) -> Tuple[int, str, str]:
    """1-based line number and the two lines (``<end of file>`` past the end)."""
    with open(a, encoding="utf-8", errors="replace") as fa, \
            open(b, encoding="utf-8", errors="replace") as fb:
        la, lb = fa.read().split("\n"), fb.read().split("\n")
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end of file>"
        y = lb[i] if i < len(lb) else "<end of file>"
        if x != y:
            return i + 1, x, y
    return 0, "", ""  # only the bytes differ (not expected with utf-8 text)


def clip(s: str, n: int = 160) -> str:
    return s if len(s) <= n else s[:n] + "..."


def compare(written: str, bundled: str) -> List[str]:
    """Differences between the generator's output and the bundled dir, one line (or three) each."""
    out: List[str] = []
    gen, have = set(json_files(written)), set(json_files(bundled))
    rel = os.path.relpath(bundled, os.getcwd()) if bundled.startswith(REPO) else bundled
    for name in sorted(gen | have):
        path = os.path.join(rel, name)
        if name not in have:
            out.append(f"missing: {path} (the generator writes it)")
        elif name not in gen:
            out.append(f"stray: {path} (the generator does not write it: git rm it)")
        elif not filecmp.cmp(os.path.join(written, name), os.path.join(bundled, name),
                             shallow=False):
            line, want, got = first_difference(os.path.join(written, name),
                                               os.path.join(bundled, name))
            out.append(f"differs: {path}, first at line {line}:\n"
                       f"    generated: {clip(want.strip())}\n"
                       f"    bundled:   {clip(got.strip())}")
    return out


def regenerate_command(args: argparse.Namespace) -> str:
    cmd = "python3 tools/schemagen/regenerate.py"
    if args.version != DEFAULT_VERSION:
        cmd += f" --version {args.version}"
    return cmd


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="compare with the bundled schemas instead of writing them")
    mode.add_argument("--model-path", action="store_true",
                      help="only fetch/extract (cached) and print the model path")
    ap.add_argument("--version", default=DEFAULT_VERSION, help="wheel version (default %(default)s)")
    ap.add_argument("--cache", default=os.environ.get("SCHEMAGEN_CACHE", DEFAULT_CACHE),
                    help="cache dir for the wheel and model (default $SCHEMAGEN_CACHE or "
                         "target/schemagen)")
    ap.add_argument("--wheel", help="use this local .whl instead of pip download (sha256 checked)")
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS, help="bundled schema dir (default "
                    "codegen/schemas)")
    ap.add_argument("--evidence", default=DEFAULT_EVIDENCE, help="evidence file (default "
                    "tools/schemagen/evidence.json)")
    ap.add_argument("-v", "--verbose", action="store_true", help="say what is fetched/extracted")
    args = ap.parse_args(argv)
    log = (lambda msg: print(msg, file=sys.stderr)) if args.verbose else None
    try:
        model = cached_model(args.version, os.path.abspath(args.cache), args.wheel, log)
        if args.model_path:
            print(model)
            return 0
        with tempfile.TemporaryDirectory(prefix="schemagen-") as out:
            write_schemas(model, out, args.evidence)
            diffs = compare(out, args.schemas)
            if args.check:
                if not diffs:
                    print(f"ok: {len(json_files(out))} schemas in {args.schemas} are what "
                          f"write_schemas.py writes from {DIST} {args.version} + "
                          f"{os.path.basename(args.evidence)}")
                    return 0
                print(f"{len(diffs)} bundled schema file(s) differ from what the generator "
                      f"writes ({DIST} {args.version} + {os.path.basename(args.evidence)}):",
                      file=sys.stderr)
                for d in diffs:
                    print(f"  {d}", file=sys.stderr)
                print(f"regenerate with: {regenerate_command(args)}", file=sys.stderr)
                return EXIT_DIFFERS
            os.makedirs(args.schemas, exist_ok=True)
            changed = []
            for name in json_files(out):
                dest = os.path.join(args.schemas, name)
                if not os.path.isfile(dest) or not filecmp.cmp(os.path.join(out, name), dest,
                                                               shallow=False):
                    shutil.copyfile(os.path.join(out, name), dest)
                    changed.append(name)
            print(f"wrote {len(changed)} of {len(json_files(out))} schemas in {args.schemas}"
                  + (f": {', '.join(changed)}" if changed else " (all unchanged)"))
            for d in diffs:
                if d.startswith("stray:"):
                    print(f"  {d}")
            return 0
    except Unavailable as e:
        print(f"unavailable: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except Failed as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
