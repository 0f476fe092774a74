"""The Python interpreter the comparison benchmarks run the official Python SDK with."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "bench-venv")


def python_interpreter(given=None) -> str:
    """`given`, else TAEGIS_BENCH_PYTHON (an interpreter with taegis-sdk-python 2.0.4), else a
    virtual environment in target/bench-venv, made once with pip."""
    given = given or os.environ.get("TAEGIS_BENCH_PYTHON")
    if given:
        return given
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "taegis-sdk-python==2.0.4"], check=True)
    return python
