#!/usr/bin/env bash
# Regenerates BENCH.md: the no_std template (bump arena and dlmalloc builds) against the std
# reference plugin, measured side by side by `host-check bench`, plus core-abi's native
# parsing throughput (criterion). `make bench` runs this script.
#
# Usage: scripts/bench.sh [--calls N]      (extra arguments go to `host-check bench`)
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (default target),
#              BENCH_MD (default BENCH.md), SKIP_CRITERION=1 to leave the criterion part out.
set -euo pipefail

cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
OUT=target/plugins
BENCH_MD=${BENCH_MD:-BENCH.md}
WASM=wasm32-unknown-unknown
WASI=wasm32-wasip1
PROFILE=plugin

STD_REFERENCE=$OUT/std_reference.wasm
TEMPLATE=$OUT/template_nostd.wasm
TEMPLATE_DLMALLOC=$OUT/template_nostd_dlmalloc.wasm
DO_NOTHING=$OUT/do_nothing.wasm
HOST_CHECK=$TARGET_DIR/release/host-check

step() { printf '==> %s\n' "$*" >&2; }

step "building host-check (release) and the plugins"
mkdir -p "$OUT"
"$CARGO" build --quiet --release -p host-check
"$CARGO" build --quiet -p std-reference --target "$WASI" --profile "$PROFILE"
cp "$TARGET_DIR/$WASI/$PROFILE/std_reference.wasm" "$STD_REFERENCE"
# Both template builds write the same file: copy each right after building it.
"$CARGO" build --quiet -p template-nostd --target "$WASM" --profile "$PROFILE" --features dlmalloc
cp "$TARGET_DIR/$WASM/$PROFILE/template_nostd.wasm" "$TEMPLATE_DLMALLOC"
"$CARGO" build --quiet -p template-nostd --target "$WASM" --profile "$PROFILE"
cp "$TARGET_DIR/$WASM/$PROFILE/template_nostd.wasm" "$TEMPLATE"

# The do-nothing plugin (examples/do-nothing) is the floor of the per-event figures; binaryen's
# wasm-opt turns its text into a module. Without wasm-opt the run goes on without it.
plugins=("$STD_REFERENCE" "$TEMPLATE" "$TEMPLATE_DLMALLOC")
if wasm-opt examples/do-nothing/do_nothing.wat -o "$DO_NOTHING" 2>/dev/null; then
  plugins+=("$DO_NOTHING")
  do_nothing_note='`do_nothing` = `examples/do-nothing/do_nothing.wat` (every action returns 0 without reading the request): the floor of the per-event rows.'
else
  do_nothing_note="The do-nothing plugin is left out: wasm-opt (binaryen) is not installed."
fi
command="host-check bench ${plugins[*]}${*:+ $*}"
step "$command"
status=0
report=$(NO_COLOR=1 "$HOST_CHECK" bench "${plugins[@]}" "$@") || status=$?
printf '%s\n' "$report"
if [ "$status" -ne 0 ]; then
  echo "host-check bench failed (exit $status); $BENCH_MD is left unchanged" >&2
  exit "$status"
fi

criterion=""
if [ "${SKIP_CRITERION:-0}" != 1 ]; then
  step "cargo bench -p core-abi --features std --bench parse"
  raw=$("$CARGO" bench --quiet -p core-abi --features std --bench parse 2>/dev/null)
  # Keep the benchmark names and their time/thrpt lines; criterion puts a long name on a line
  # of its own, followed by an indented time line. The "change:" lines that compare with an
  # earlier run (in percent) are left out.
  criterion=$(printf '%s\n' "$raw" | awk '
    /%/ { next }
    /^[A-Za-z0-9_]+\/[A-Za-z0-9_]+/ && !/time:/ { name = $0; next }
    /time:/  { if (name != "") { print name; name = "" } print; next }
    /thrpt:/ { print }')
  printf '%s\n' "$criterion"
fi

# The table and notes, and the targets block, as host-check printed them.
table=$(printf '%s\n' "$report" | awk '/^targets \(/ { exit } { print }')
targets=$(printf '%s\n' "$report" | awk '/^targets \(/ { on = 1 } on { print }')
# "template_nostd: 2 of 5 targets met." per plugin, from the targets block.
summary=$(printf '%s\n' "$targets" | awk '
  /^  [^ ]/ { if (name != "") printf "%s: %d of %d targets met. ", name, met, total
              name = $1; met = 0; total = 0; next }
  /^    MET/     { met++; total++ }
  /^    NOT MET/ { total++ }
  END { if (name != "") printf "%s: %d of %d targets met.", name, met, total }')

cpu=$(awk -F: '/^model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
wasm_opt=$(wasm-opt --version 2>/dev/null || echo "not installed (sizes after wasm-opt are n/a)")

{
  cat <<MD
# Benchmark: the no_std template against the std reference

Why this kit instead of the original std template: smaller modules and cheaper notes. These
figures come from one run of \`host-check bench\`, which measures the plugins side by side in one
process on byte-identical requests, interleaving their latency runs (rounds of calls in
round-robin order) so that machine noise hits every plugin alike. The first plugin,
\`examples/std-reference\` (std + serde_json, \`wasm32-wasip1\`, the original template's way),
is the reference; every other cell shows its ratio to it, \`(N×)\` meaning N times smaller,
cheaper or faster. Fuel counts are exact and reproducible on any machine with the same
wasmtime; times depend on the machine below.

Regenerate with \`make bench\` (it runs \`scripts/bench.sh\`, which builds the release
host-check and the plugins, runs the benchmark and rewrites this file). What each row means:
\`host-check/README.md\`, section "Benchmark".

## Machine and versions

| | |
|---|---|
| date | $(date -u '+%Y-%m-%d %H:%M UTC') |
| cpu | ${cpu:-unknown} ($cores logical cores) |
| os | $(uname -srm) |
| rustc | $(rustc --version) |
| engine | wasmtime 48.0.8 (host-check's pinned engine) |
| wasm-opt | $wasm_opt |
| host-check | release build, \`$command\` |

The plugins: \`std_reference\` = \`examples/std-reference\` (\`--target $WASI --profile $PROFILE\`);
\`template_nostd\` = \`template-nostd\` with its bump arena and \`template_nostd_dlmalloc\` = the
same with \`--features dlmalloc\` (\`--target $WASM --profile $PROFILE\`). $do_nothing_note

## Results

\`\`\`text
$table
\`\`\`

## Targets

The targets documented in \`host-check/README.md\` ("bench"), as ratios std reference / plugin
measured in this run, reported as they are, met or not (the do-nothing plugin is listed for
completeness: it is the floor, not a plugin):

\`\`\`text
$targets
\`\`\`

In this run: $summary
MD
  if [ -n "$criterion" ]; then
    cat <<MD

## Native request parsing (criterion)

\`cargo bench -p core-abi --features std --bench parse\`: core-abi's parsers compiled natively
(as a host or firmware runs them); time per request and throughput in bytes/s.

\`\`\`text
$criterion
\`\`\`
MD
  fi
} > "$BENCH_MD.tmp"
mv "$BENCH_MD.tmp" "$BENCH_MD"
step "wrote $BENCH_MD"
