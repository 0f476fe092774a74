#!/usr/bin/env bash
# Interop test: the official Taegis Python tools, unchanged, against the sandbox. Creates a
# virtual environment in a temporary folder, installs taegis-sdk-python 2.0.4 and taegis-magic
# (pinned) from PyPI, then runs
#   - python_sdk.py: the SDK's own services and helpers (token, clients, tenants on both APIs,
#     alerts search in parts, investigations v2, events over WebSocket, users, current subject);
#   - magic.py: taegis-magic commands, after configuring magic the way its documentation says
#     (`taegis configure regions add local URL` in a scratch HOME), each result cross-checked
#     against the SDK.
# Both fail on any "field ... not found. Removing from query string" warning.
#
# If TAEGIS_API_URL is set, the sandbox described by the environment (TAEGIS_API_URL,
# TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID, SANDBOX_TENANTS) is used;
# otherwise this script builds and starts `sandbox_serve` (sandbox/examples) itself.
#
# PYTHON (default python3) picks the interpreter; INTEROP_VENV reuses an existing virtual
# environment that already has both packages. Exit status: 0 pass, 1 fail.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/taegis-interop.XXXXXX")
sandbox_pid=""
sdk_version=2.0.4
magic_version=2026.10.21

cleanup() {
    if [[ -n "$sandbox_pid" ]]; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

venv=${INTEROP_VENV:-}
if [[ -z "$venv" ]]; then
    venv="$work/venv"
    echo "interop: installing taegis-sdk-python $sdk_version and taegis-magic $magic_version in $venv" >&2
    "$python" -m venv "$venv"
    # --no-cache-dir: nothing left in the user's pip cache (about 160 MB of wheels, mostly
    # magic's notebook dependencies) by a venv that is deleted at exit.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
        "taegis-sdk-python==$sdk_version" "taegis-magic==$magic_version"
fi

if [[ -z "${TAEGIS_API_URL:-}" ]]; then
    tenants=${SANDBOX_TENANTS:-137}
    (cd "$root" && cargo build --quiet -p taegis-sandbox --example sandbox_serve)
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

export OAUTHLIB_INSECURE_TRANSPORT=1
mkdir -p "$work/sdk-home" "$work/magic-home"
HOME="$work/sdk-home" "$venv/bin/python" "$here/python_sdk.py"

# Magic keeps its settings in $HOME/.taegis_sdk_python/config; configure it as its docs say.
HOME="$work/magic-home" "$venv/bin/taegis" configure regions add local "$TAEGIS_API_URL" >/dev/null
grep -q "^local = $TAEGIS_API_URL\$" "$work/magic-home/.taegis_sdk_python/config" ||
    { echo "interop: magic did not record the region" >&2; exit 1; }
HOME="$work/magic-home" "$venv/bin/python" "$here/magic.py"
