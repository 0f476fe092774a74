"""What the comparison benchmarks share: where the release `taegis` is, the Python
interpreter they run the official Python SDK with, and a `taegis sandbox serve` process."""

import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
TAEGIS = os.path.join(TARGET, "release", "taegis")
PY_SDK = "taegis-sdk-python==2.0.4"


def python_interpreter(given=None) -> str:
    """`given`, else TAEGIS_BENCH_PYTHON (an interpreter with taegis-sdk-python 2.0.4), else a
    virtual environment in target/bench-venv, made (or mended) with pip when it cannot import
    the SDK."""
    given = given or os.environ.get("TAEGIS_BENCH_PYTHON")
    if given:
        return given
    venv = os.path.join(TARGET, "bench-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python) or subprocess.run(
        [python, "-c", "import taegis_sdk_python"], capture_output=True
    ).returncode != 0:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        PY_SDK], check=True)
    return python


class SandboxProcess:
    """`taegis sandbox serve ARGS` in its own process, ended on exit; `env` holds the settings
    it printed (TAEGIS_API_URL, TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET,
    TAEGIS_TENANT_ID)."""

    def __init__(self, *args):
        self.args = [str(a) for a in args]

    def __enter__(self):
        self.proc = subprocess.Popen([TAEGIS, "sandbox", "serve", *self.args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.env = {}
        deadline = time.monotonic() + 300
        while "TAEGIS_TENANT_ID" not in self.env and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                self.__exit__()
                raise RuntimeError("sandbox serve exited before printing its settings")
            key, sep, value = line.strip().partition("=")
            if sep:
                self.env[key] = value
        self.env.setdefault("TAEGIS_TENANTS_URL", self.env["TAEGIS_API_URL"])
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
