#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints a summary; `make fuzz` calls it.
#
#   FUZZ_SECONDS=60   seconds per target (default 60)
#   FUZZ_TARGETS="request_json metadata_json"   a subset (default: all, in the order below)
#   FUZZ_JOBS=1       libFuzzer processes per target (default 1)
#
# Needs the nightly toolchain (cargo-fuzz builds with sanitizer-coverage flags); installs
# cargo-fuzz when missing. Each target starts from its regression corpus in fuzz/corpus/<target>
# (read only) and grows a scratch corpus in fuzz/target/corpus/<target>; crashes land in
# fuzz/artifacts/<target>/. Exits non-zero when any target crashed or failed to run.
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$FUZZ_DIR/.." && pwd)"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
JOBS="${FUZZ_JOBS:-1}"
ALL_TARGETS=(request_json request_json_structured request_postcard metadata_json guest_execute hostcheck_module)
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
# No sanitizer: the code under test is safe Rust (core-abi's two `from_utf8_unchecked` are
# checked by the oracles), and wasmtime runs several times faster without ASan. Debug
# assertions and overflow checks stay on (cargo-fuzz's default).
SANITIZER="${FUZZ_SANITIZER:-none}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# guest_execute runs the template plugin as `make build-release` builds it.
echo "fuzz: building the template plugin"
(cd "$ROOT" && cargo build --quiet -p template-nostd --target wasm32-unknown-unknown --profile plugin)
export TEMPLATE_WASM="${TEMPLATE_WASM:-$ROOT/target/wasm32-unknown-unknown/plugin/template_nostd.wasm}"

echo "fuzz: building the targets (nightly, sanitizer: $SANITIZER; the first build takes minutes)"
(cd "$FUZZ_DIR" && cargo +nightly fuzz build -s "$SANITIZER")

LOGS="$FUZZ_DIR/target/logs"
mkdir -p "$LOGS"
declare -A RUNS STATUS CORPUS
failed=0
for target in "${TARGETS[@]}"; do
  seeds="$FUZZ_DIR/corpus/$target"
  work="$FUZZ_DIR/target/corpus/$target"
  artifacts="$FUZZ_DIR/artifacts/$target"
  mkdir -p "$seeds" "$work" "$artifacts"
  extra=()
  [[ -f "$FUZZ_DIR/dicts/$target.dict" ]] && extra+=("-dict=$FUZZ_DIR/dicts/$target.dict")
  # -jobs=1 would still fork a worker process; only ask for jobs when there is more than one.
  [[ $JOBS -gt 1 ]] && extra+=("-jobs=$JOBS" "-workers=$JOBS")
  # Modules take milliseconds each (compile + run); give them a longer per-input timeout.
  timeout=10
  [[ $target == hostcheck_module ]] && timeout=60
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  log="$LOGS/$target.log"
  set +e
  (cd "$FUZZ_DIR" && cargo +nightly fuzz run -s "$SANITIZER" "$target" "$work" "$seeds" -- \
    -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb=4096 \
    -timeout="$timeout" \
    -max_len=8192 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "${extra[@]}") >"$log" 2>&1
  rc=$?
  set -e
  # With -jobs>1 libFuzzer writes fuzz-<n>.log files in the working directory.
  shopt -s nullglob
  for job_log in "$FUZZ_DIR"/fuzz-*.log; do cat "$job_log" >>"$log"; rm -f "$job_log"; done
  shopt -u nullglob
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  RUNS[$target]=$runs
  CORPUS[$target]=$(find "$work" -type f | wc -l)
  if [[ $rc -eq 0 ]]; then
    STATUS[$target]=ok
  else
    STATUS[$target]="FAILED (exit $rc, see ${log#"$ROOT"/})"
    failed=1
    grep -E '^(thread .* panicked|==[0-9]+== ERROR|SUMMARY|Test unit written|.*Running:|    [a-z_].*\.rs)' "$log" | head -n 20 || true
  fi
done

echo
printf '%-26s %14s %10s  %s\n' target executions corpus status
for target in "${TARGETS[@]}"; do
  printf '%-26s %14s %10s  %s\n' "$target" "${RUNS[$target]}" "${CORPUS[$target]}" "${STATUS[$target]}"
done
if [[ $failed -ne 0 ]]; then
  echo
  echo "fuzz: a target failed. Reproduce with: cd fuzz && cargo +nightly fuzz run -s $SANITIZER <target> artifacts/<target>/<crash-file>"
  echo "      then keep the input in fuzz/corpus/<target>/ under a descriptive name (make test replays it)."
fi
exit $failed
