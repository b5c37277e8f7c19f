;; The do-nothing plugin: the floor every per-event figure in BENCH.md is read against.
;;
;; It declares the template's actions and answers every request with 0 without reading it, so
;; what MIDIMon spends on it per event (a fresh instance, alloc, the request written, execute,
;; drop) is the daemon's own cost of a plugin call. `scripts/bench.sh` turns it into a module
;; with binaryen's `wasm-opt` and benchmarks it beside the template.
;;
;; Memory: the metadata at 16, and `alloc` hands out 4096, so an event writes one page the
;; data image does not cover.
(module
  (memory (export "memory") 2)
  (data (i32.const 16) "{\"name\":\"do-nothing\",\"version\":\"0.1.0\",\"description\":\"The least a plugin can do: every action returns 0\",\"author\":\"midimon-plugin-kit\",\"license\":\"MIT OR Apache-2.0\",\"type\":\"action\",\"actions\":[\"my_action\",\"velocity_curve\",\"note_filter\"],\"capabilities\":[]}")
  ;; (ptr << 32) | len: the metadata at 16, 254 bytes.
  (func (export "init") (result i64) (i64.const 68719476990))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "dealloc") (param i32 i32))
  (func (export "execute") (param i32 i32) (result i32) (i32.const 0))
  (func (export "execute_postcard") (param i32 i32) (result i32) (i32.const 0))
  (func (export "midimon_abi_v1"))
)
