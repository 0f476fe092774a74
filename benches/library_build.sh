#!/bin/bash
# Clean debug build of the library alone (`cargo build -p taegis-sdk --lib`, default features),
# before the crate split (commit 4df9f27, checked out at $BEFORE) and after (this tree), each in
# a fresh target directory, interleaved, two rounds. Usage:
#   git worktree add /tmp/before 4df9f27 && BEFORE=/tmp/before bash benches/library_build.sh
set -euo pipefail
BEFORE=${BEFORE:?set BEFORE to a checkout of 4df9f27}
AFTER=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
out=$work/results.txt; : > "$out"
for round in 1 2; do
  for side in before after; do
    dir=$BEFORE; [ "$side" = after ] && dir=$AFTER
    tgt=$work/target-$side-$round
    s=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR=$tgt cargo build -q -p taegis-sdk --lib 2>/dev/null)
    e=$(date +%s.%N)
    units=$(ls "$tgt"/debug/deps/*.rlib 2>/dev/null | wc -l)
    echo "$side round$round $(echo "$e - $s" | bc) s, $units rlibs" | tee -a "$out"
    rm -rf "$tgt"
  done
done
rm -rf "$work"
