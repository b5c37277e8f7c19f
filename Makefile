# midimon-plugin-kit — every command a plugin author or CI needs.
#
#   make check   build the template plugin and check it with host-check (the main job)
#   make test    everything CI runs: format, lints, all tests, cross builds, budgets
#
# Both install what they need first (`make install-deps`), so they work on a fresh machine.
#
#   make check PLUGIN=path/to/my_plugin.wasm [BUDGET=path/to/budget.toml]
#                check (also inspect, optimize, install) your own module instead of the template:
#                it is only read, never built or written over

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO      ?= cargo
WASM       := wasm32-unknown-unknown
WASI       := wasm32-wasip1
FIRMWARE   := thumbv7em-none-eabihf
PROFILE    := plugin
OUT        := target/plugins
# MIDIMon f4f371c discovers plugins only as $(MIDIMON_PLUGINS)/<dir>/plugin.toml; the template
# README copies the module to $(README_PLUGINS). `make install` does both.
MIDIMON_PLUGINS ?= $(HOME)/.midimon/plugins
README_PLUGINS  ?= $(HOME)/.config/midimon/plugins

# Where the kit's own builds are copied. `override`: these are written to, so a name given on
# the command line (the old `make check TEMPLATE=my.wasm`) must never redirect a copy onto it.
override TEMPLATE        := $(OUT)/template_nostd.wasm
override TEMPLATE_DLMAL  := $(OUT)/template_nostd_dlmalloc.wasm
override STD_REFERENCE   := $(OUT)/std_reference.wasm
override TEMPLATE_BUDGET := template-nostd/budget.toml

# The module `check`, `inspect`, `optimize` and `install` work on: the template by default
# (built first), or PLUGIN=path/to/x.wasm, which is only read. BUDGET: the budget file for
# `check` (the template's by default; none for a PLUGIN unless given). PLUGIN_NAME: its
# directory name under $(MIDIMON_PLUGINS) (default: the file name without .wasm).
PLUGIN ?=
ifeq ($(strip $(PLUGIN)),)
  override SUBJECT      := $(TEMPLATE)
  override SUBJECT_DEPS := build-release
  BUDGET                ?= $(TEMPLATE_BUDGET)
  PLUGIN_NAME           ?= template-nostd
else
  override SUBJECT      := $(PLUGIN)
  override SUBJECT_DEPS :=
  BUDGET                ?=
  PLUGIN_NAME           ?= $(basename $(notdir $(PLUGIN)))
endif
override SUBJECT_OPT := $(OUT)/$(basename $(notdir $(SUBJECT))).opt.wasm
override BUDGET_FLAG := $(if $(strip $(BUDGET)),--budget $(BUDGET))

HOST_CHECK := $(CARGO) run --quiet -p host-check --

# The compiler the exact size and fuel budgets were measured with (stored here once). Another
# rustc builds other bytes, so `make test` and `make budgets` refuse it with the fix; set
# RUSTC_PIN_CHECK=0 to go on anyway. Not a rust-toolchain.toml: with one, rustup fails every
# cargo command on a machine that lacks a toolchain of that exact name and cannot download it
# (measured with rustup 1.29: "toolchain '1.95.0-…' is not installed"), CI machines included.
PINNED_RUSTC    := 1.95.0
RUSTC_PIN_CHECK ?= 1

# The named twin of the template (same code, `name` section kept) for `inspect --names`/`diff`.
override TEMPLATE_NAMED := $(OUT)/template_nostd.named.wasm

.PHONY: all install-deps build build-release build-named optimize test inspect check bench install \
        fuzz fmt-check clippy cross-builds budgets clean toolchain-check help diff profile

all: build

## install-deps: Rust targets, rustfmt/clippy, and binaryen's wasm-opt (only when missing).
install-deps:
	@installed="$$(rustup target list --installed)"; \
	for t in $(WASM) $(WASI) $(FIRMWARE); do \
	  grep -qx "$$t" <<<"$$installed" || rustup target add "$$t"; \
	done
	@components="$$(rustup component list --installed)"; \
	for c in rustfmt clippy; do \
	  grep -q "^$$c" <<<"$$components" || rustup component add "$$c"; \
	done
	@command -v wasm-opt >/dev/null || { \
	  echo "installing binaryen (wasm-opt)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >/dev/null; }

## toolchain-check: rustc is the pinned version the budgets were measured with (PINNED_RUSTC).
toolchain-check:
	@found="$$(rustc --version | cut -d' ' -f2)"; \
	if [[ "$$found" != "$(PINNED_RUSTC)" && "$(RUSTC_PIN_CHECK)" != 0 ]]; then \
	  echo "rustc $$found, but the size and fuel budgets were measured with rustc $(PINNED_RUSTC)." >&2; \
	  echo "  fix: rustup toolchain install $(PINNED_RUSTC) && rustup override set $(PINNED_RUSTC)" >&2; \
	  echo "  (or RUSTC_PIN_CHECK=0 make ... to go on; exact budgets may then fail)" >&2; \
	  exit 1; \
	fi

## build: debug builds of the workspace (host) and the template plugin (wasm).
build: install-deps
	$(CARGO) build --workspace
	$(CARGO) build -p template-nostd --target $(WASM)

## build-release: the size-optimised plugins, copied to target/plugins/.
build-release: install-deps
	@mkdir -p $(OUT)
	$(CARGO) build -p template-nostd --target $(WASM) --profile $(PROFILE) --features dlmalloc
	cp target/$(WASM)/$(PROFILE)/template_nostd.wasm $(TEMPLATE_DLMAL)
	$(CARGO) build -p template-nostd --target $(WASM) --profile $(PROFILE)
	cp target/$(WASM)/$(PROFILE)/template_nostd.wasm $(TEMPLATE)
	@ls -l $(TEMPLATE) $(TEMPLATE_DLMAL) | awk '{print $$5, $$9}'

## build-named: the template's named twin (profile plugin-named: the same code, names kept),
## copied to target/plugins/template_nostd.named.wasm, for `inspect --names` and `diff`.
build-named: install-deps
	@mkdir -p $(OUT)
	$(CARGO) build -p template-nostd --target $(WASM) --profile $(PROFILE)-named
	cp target/$(WASM)/$(PROFILE)-named/template_nostd.wasm $(TEMPLATE_NAMED)

## diff: compare OLD=path/to/old.wasm with the template (or PLUGIN), failing on MAX_GROWTH (1%).
MAX_GROWTH ?= 1%
diff: $(SUBJECT_DEPS)
	@[[ -n "$(OLD)" ]] || { echo "make diff needs OLD=path/to/old.wasm" >&2; exit 2; }
	$(HOST_CHECK) diff $(OLD) $(SUBJECT) --max-growth $(MAX_GROWTH)

## optimize: wasm-opt -Oz on the release template (or PLUGIN), into target/plugins/<name>.opt.wasm.
optimize: install-deps $(SUBJECT_DEPS)
	@mkdir -p $(OUT)
	# host-check holds the one list of wasm-opt flags (the features rustc's wasm32 targets
	# emit), and refuses to write over the plugin itself.
	$(HOST_CHECK) optimize $(SUBJECT) --out $(SUBJECT_OPT)

fmt-check:
	$(CARGO) fmt --all --check
	# The fuzz crate is its own workspace (it needs nightly to build, not to be formatted).
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --all --check

clippy: install-deps
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	# The guest side only exists on wasm32: lint it there too.
	$(CARGO) clippy -p template-nostd --target $(WASM) -- -D warnings
	$(CARGO) clippy -p core-abi --features dlmalloc --target $(WASM) -- -D warnings

## cross-builds: core-abi for every target it promises, the template's handler for firmware.
cross-builds: install-deps
	$(CARGO) build -p core-abi --target $(WASM)
	$(CARGO) build -p core-abi --target $(WASI)
	$(CARGO) build -p core-abi --target $(FIRMWARE)
	$(CARGO) build -p core-abi --features guest --target $(FIRMWARE)
	$(CARGO) rustc -p template-nostd --target $(FIRMWARE) --crate-type rlib

## budgets: the template's size and fuel budgets (template-nostd/budget.toml, strict: every
## template README rule too), enforced; then the default verdict (what MIDIMon itself does).
budgets: toolchain-check build-release
	$(HOST_CHECK) check $(TEMPLATE) --budget $(TEMPLATE_BUDGET)
	# dlmalloc: 16,790 bytes raw and 14,507 after wasm-opt measured (the template's budget.toml
	# figures plus dlmalloc; its alloc costs more fuel, not on the execute path).
	$(HOST_CHECK) check $(TEMPLATE_DLMAL) --budget $(TEMPLATE_BUDGET) --max-size 16896 --max-size-optimized 14592
	$(HOST_CHECK) check $(TEMPLATE) --note-calls 1000 | tail -n 3

## test: everything CI runs.
test: toolchain-check install-deps fmt-check clippy cross-builds build-release
	$(CARGO) build -p std-reference --target $(WASI) --profile $(PROFILE)
	cp target/$(WASI)/$(PROFILE)/std_reference.wasm $(STD_REFERENCE)
	$(CARGO) test --workspace
	# The host-check binary the tests just built: `cargo run -p host-check` would build it
	# again (a package alone unifies other features than the whole workspace's tests do).
	$(MAKE) --no-print-directory budgets HOST_CHECK=target/debug/host-check

## inspect: what the template (or PLUGIN) is made of (exports, sections, biggest functions);
## NAMES=path/to/named.wasm names them (for the template: `make build-named` first, then
## NAMES=target/plugins/template_nostd.named.wasm).
inspect: $(SUBJECT_DEPS)
	$(HOST_CHECK) inspect $(SUBJECT) $(if $(strip $(NAMES)),--names $(NAMES))

## profile: calls and exact self fuel per function of one request to the template (or PLUGIN);
## REQUEST=req.json sends that file, DAEMON=1 runs MIDIMon's flow, POSTCARD=1 the postcard fast
## path, NAMES=named.wasm names them.
profile: $(SUBJECT_DEPS)
	$(HOST_CHECK) profile $(SUBJECT) $(if $(strip $(REQUEST)),--request $(REQUEST)) \
	  $(if $(filter 1,$(DAEMON)),--daemon) $(if $(filter 1,$(POSTCARD)),--postcard) \
	  $(if $(strip $(NAMES)),--names $(NAMES))

## check: the main job — build the template plugin (or take PLUGIN) and check it with host-check.
check: $(SUBJECT_DEPS)
	$(HOST_CHECK) check $(SUBJECT) $(BUDGET_FLAG)

## bench: the template (bump, dlmalloc) against the std reference, side by side; rewrites BENCH.md.
bench: install-deps
	CARGO="$(CARGO)" scripts/bench.sh

FUZZ_SECONDS ?= 60

## fuzz: every fuzz target for FUZZ_SECONDS (default 60) seconds each; nightly + cargo-fuzz
## (installed when missing). Regression inputs in fuzz/corpus/ are replayed by `make test`.
fuzz: install-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

## install: the template (or PLUGIN) as MIDIMon discovers it (<dir>/plugin.toml + module), and
## the module where the template README puts it.
install: $(SUBJECT_DEPS)
	mkdir -p $(MIDIMON_PLUGINS)/$(PLUGIN_NAME) $(README_PLUGINS)
	cp $(SUBJECT) $(MIDIMON_PLUGINS)/$(PLUGIN_NAME)/$(PLUGIN_NAME).wasm
	$(HOST_CHECK) manifest $(SUBJECT) --binary $(PLUGIN_NAME).wasm \
	  --out $(MIDIMON_PLUGINS)/$(PLUGIN_NAME)/plugin.toml
	cp $(SUBJECT) $(README_PLUGINS)/$(PLUGIN_NAME).wasm
	@echo "installed $(MIDIMON_PLUGINS)/$(PLUGIN_NAME)/{plugin.toml,$(PLUGIN_NAME).wasm} and $(README_PLUGINS)/$(PLUGIN_NAME).wasm"

clean:
	$(CARGO) clean

## help: this list.
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
