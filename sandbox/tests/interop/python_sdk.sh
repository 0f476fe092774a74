#!/usr/bin/env bash
# Interop test: the official Taegis Python SDK (taegis-sdk-python 2.0.4), unchanged, against
# the sandbox. Creates a virtual environment in a temporary folder, installs the SDK from PyPI,
# and runs python_sdk.py (token, clients create/search/rotate/delete, tenants pagination,
# failing on any "field ... not found. Removing from query string" warning).
#
# If TAEGIS_API_URL is set, the sandbox described by the environment (TAEGIS_API_URL,
# TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID, SANDBOX_TENANTS) is used;
# otherwise this script builds and starts `examples/sandbox_serve.rs` itself.
#
# PYTHON (default python3) picks the interpreter. Exit status: 0 pass, 1 fail.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/taegis-interop.XXXXXX")
sandbox_pid=""

cleanup() {
    if [[ -n "$sandbox_pid" ]]; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "interop: creating a virtual environment in $work/venv" >&2
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "taegis-sdk-python==2.0.4"

if [[ -z "${TAEGIS_API_URL:-}" ]]; then
    tenants=${SANDBOX_TENANTS:-137}
    (cd "$root" && cargo build --quiet --features sandbox --example sandbox_serve)
    "$root/target/debug/examples/sandbox_serve" --tenants "$tenants" --seed 5 \
        >"$work/sandbox.env" &
    sandbox_pid=$!
    for _ in $(seq 1 300); do
        [[ $(grep -c '=' "$work/sandbox.env" 2>/dev/null || true) -ge 5 ]] && break
        kill -0 "$sandbox_pid" 2>/dev/null || { echo "interop: sandbox exited" >&2; exit 1; }
        sleep 0.1
    done
    set -a
    # shellcheck disable=SC1091
    . "$work/sandbox.env"
    set +a
    export SANDBOX_TENANTS=$tenants
fi

mkdir -p "$work/home"
HOME="$work/home" OAUTHLIB_INSECURE_TRANSPORT=1 "$work/venv/bin/python" "$here/python_sdk.py"
