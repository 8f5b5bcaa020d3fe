#!/usr/bin/env bash
# Runs `cargo test --workspace` N times in a row (default 50) with a CPU hog on each of two cores
# beside it, to show the tests do not flake under load. Prints one line per run and a total;
# exits 1 if any run failed. Usage: scripts/stress-tests.sh [N]
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
cargo test --workspace --no-run -q || exit 2
yes > /dev/null & hog1=$!
yes > /dev/null & hog2=$!
trap 'kill $hog1 $hog2 2>/dev/null' EXIT
failed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if cargo test --workspace -q > /dev/null 2>&1; then verdict=ok; else verdict=FAILED; failed=$((failed + 1)); fi
  echo "run $i $verdict $(( $(date +%s) - start ))s"
done
echo "$((n - failed)) of $n runs passed"
test "$failed" -eq 0
