#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints executions and crashes per target.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]      (default 60)
#
# Needs a nightly toolchain and cargo-fuzz (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`). Seeds come from the API guides' examples (../shared/seeds next
# to the checkout, or $TAEGIS_SEEDS) and the checked-in operations and schemas. Not run in CI.
# A crash leaves its input under fuzz/artifacts/<target>/: turn it into a regression test
# (tests/proptest_decode.rs) before fixing it. The summary is also written to
# fuzz/last-run.txt.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
repo="$(cd .. && pwd)"
seeds="${TAEGIS_SEEDS:-}"
if [ -z "$seeds" ]; then
    for candidate in "$repo/../shared/seeds" "$repo/../../shared/seeds" /work/shared/seeds; do
        if [ -d "$candidate" ]; then seeds="$candidate"; break; fi
    done
fi
if [ -z "$seeds" ] || [ ! -d "$seeds" ]; then
    echo "fuzz/run.sh: cannot find the guides' seeds; set TAEGIS_SEEDS" >&2
    exit 2
fi
command -v cargo-fuzz >/dev/null || { echo "fuzz/run.sh: cargo-fuzz is not installed" >&2; exit 2; }

rm -rf seeds
python3 seeds.py "$seeds" "$repo" seeds

targets=(decode_responses schema_load validate_operation)
cargo +nightly fuzz build

summary="last-run.txt"
{
    echo "fuzz run: $(date -u +%Y-%m-%dT%H:%M:%SZ), ${seconds}s per target, $(rustc +nightly --version)"
} > "$summary"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="artifacts/$t/run.log"
    set +e
    cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
        >"$log" 2>&1
    code=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(find "artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    line="$t: executions ${execs:-?}, crashes $crashes, exit $code"
    echo "$line" | tee -a "$summary"
    if [ "$code" -ne 0 ] || [ "$crashes" -ne 0 ]; then status=1; fi
done
exit $status
