//! The host-side oracle: host-check's checks on any module, and the built template plugin.
//!
//! One copy, two users: the fuzz targets (`fuzz/`, `hostcheck_module` and `guest_execute`) and
//! the stable replay of their corpus (`tests/corpus_replay.rs`, run by `make test`). It lives
//! in a crate of its own above host-check, so neither user includes the file by path and
//! host-check's tests never depend on a crate that depends on host-check.
//!
//! - [`check_module`]: any bytes through host-check's whole `check` (static and dynamic) with
//!   small budgets: no panic, a verdict, and in bounded time.
//! - [`Guest`]: one instance of the template plugin, fed arbitrary bodies through the host's
//!   own `alloc` → write → `execute` → `dealloc` cycle and through `execute_postcard`: no trap,
//!   the code core-abi predicts natively, JSON and postcard agree on the same event, and memory
//!   stays bounded over any number of requests.
//!
//! It judges by core-abi's reference model in the `conformance` crate.

#![warn(missing_docs)]

use std::time::{Duration, Instant};

use core_abi::binary::{self, BinaryHeader};
use core_abi::request::parse_request;
use core_abi::ErrorCode;
use host_check::report::{Status, TextStyle};
use host_check::runner::{Entry, Grants, Limits, Plugin, PluginInstance};
use host_check::settings::Settings;

use conformance::json_request;

/// The small budgets modules are checked with: enough for an honest plugin's calls (the
/// template's 1 MiB `malformed.large_body` request takes 4 to 8 million fuel), small enough that
/// a hostile module's loops and memory end within milliseconds per call.
pub fn small_budgets() -> Settings {
    let mut settings = Settings::default();
    settings.limits.max_fuel = 20_000_000;
    settings.limits.timeout = Duration::from_millis(500);
    settings.limits.max_memory = 16 << 20;
    settings.measurement.note_calls = 20;
    settings.measurement.note_time = Duration::from_millis(50);
    settings
}

/// The longest a whole `check` under [`small_budgets`] may take. Every call is capped by fuel
/// (a few milliseconds) and by the timeout; this bound leaves room for compiling a large
/// module on a loaded machine, and catches a check that does not stop.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(30);

/// A short description of a module for messages.
fn shown(wasm: &[u8]) -> String {
    let head = &wasm[..wasm.len().min(64)];
    format!(
        "{} bytes, starting b\"{}\"",
        wasm.len(),
        head.escape_ascii()
    )
}

/// Runs host-check's `check` on `wasm` with small budgets and checks the verdict: it returns,
/// in bounded time, every finding has an id and detail, the report renders as text and JSON,
/// and a module that the validator rejects never passes.
pub fn check_module(wasm: &[u8]) -> host_check::report::Report {
    let budgets = small_budgets();
    let started = Instant::now();
    let report = host_check::check::check("fuzz.wasm", wasm, &budgets, &[], None);
    let elapsed = started.elapsed();
    assert!(
        elapsed < CHECK_DEADLINE,
        "check took {elapsed:?}, {}",
        shown(wasm)
    );
    assert!(
        !report.checks.is_empty(),
        "an empty report, {}",
        shown(wasm)
    );
    for finding in &report.checks {
        assert!(
            !finding.id.is_empty(),
            "a finding without id, {}",
            shown(wasm)
        );
    }
    let valid = wasmparser::Validator::new_with_features(host_check::runner::wasm_features())
        .validate_all(wasm)
        .is_ok();
    if !valid {
        assert!(
            !report.passed(),
            "an invalid module passes, {}",
            shown(wasm)
        );
        assert!(
            report
                .checks
                .iter()
                .any(|f| f.id == "module.valid" && f.status == Status::Fail),
            "an invalid module without a failed module.valid, {}",
            shown(wasm)
        );
    }
    assert_eq!(report.exit_code(), u8::from(!report.passed()));
    let text = report.render_text(TextStyle::default());
    assert!(!text.is_empty());
    let json = serde_json::to_string(&report.to_json()).expect("the JSON report serializes");
    let _: serde_json::Value = serde_json::from_str(&json).expect("the JSON report parses");
    let _ = host_check::inspect::inspect("fuzz.wasm", wasm, budgets.limits);
    report
}

/// Where `cargo build -p template-nostd --target wasm32-unknown-unknown --profile plugin`
/// leaves the template, relative to the workspace root.
pub const TEMPLATE_PATH: &str = "target/wasm32-unknown-unknown/plugin/template_nostd.wasm";

/// Limits of the template's calls: the defaults of `host-check`.
fn guest_limits() -> Limits {
    Limits::default()
}

/// One long-lived instance of the template plugin.
pub struct Guest {
    instance: PluginInstance,
    actions: Vec<String>,
    /// Memory size right after `init`.
    baseline_memory: u64,
    /// Largest body sent so far.
    largest_body: usize,
    /// Requests sent so far.
    pub requests: u64,
}

impl Guest {
    /// Compiles and instantiates the template once, and reads its declared actions.
    pub fn new(wasm: &[u8]) -> Guest {
        let plugin = Plugin::load(wasm, guest_limits()).expect("the template compiles");
        let mut instance = plugin
            .instantiate(&Grants::default())
            .expect("the template instantiates without WASI");
        let init = instance.init().expect("init returns metadata");
        let meta =
            core_abi::metadata::validate_metadata_json(&init.metadata).expect("valid metadata");
        let actions = meta.actions().map(|a| a.to_string()).collect();
        let baseline_memory = instance.memory_size();
        Guest {
            instance,
            actions,
            baseline_memory,
            largest_body: 0,
            requests: 0,
        }
    }

    /// The declared actions, in order.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    fn send(&mut self, postcard: bool, body: &[u8]) -> i32 {
        self.largest_body = self.largest_body.max(body.len());
        self.requests += 1;
        let entry = Entry::new(postcard);
        let outcome = self.instance.request_to(entry, body);
        let entry = entry.export();
        let code = match outcome {
            Ok(outcome) => outcome.code,
            Err(e) => panic!("{entry} trapped: {e}; body {}", crate_shown(body)),
        };
        assert!(
            !self.instance.is_discarded(),
            "the instance was discarded, body {}",
            crate_shown(body)
        );
        // The bump arena starts over after every request, so memory never needs more than the
        // largest body on top of what init left (plus a page of rounding and alignment).
        let bound = self.baseline_memory + self.largest_body as u64 + 2 * 65536;
        let size = self.instance.memory_size();
        assert!(
            size <= bound,
            "memory grew to {size} bytes after {} requests (baseline {}, largest body {})",
            self.requests,
            self.baseline_memory,
            self.largest_body
        );
        code
    }

    /// The code a request to `action` with this outcome of the handler may have.
    fn handler_code(code: i32) -> bool {
        code == 0 || ErrorCode::from_code(code).is_some()
    }

    /// Sends `body` to `execute` and to `execute_postcard` and checks both answers.
    pub fn check_body(&mut self, body: &[u8]) {
        let json_code = self.send(false, body);
        match parse_request(body) {
            Err(e) => assert_eq!(
                json_code,
                e.code(),
                "execute: core-abi says {e:?}, body {}",
                crate_shown(body)
            ),
            Ok(request) => match self.actions.iter().position(|a| request.action.eq_str(a)) {
                None => assert_eq!(
                    json_code,
                    3,
                    "execute: undeclared action, body {}",
                    crate_shown(body)
                ),
                Some(index) => {
                    assert!(
                        Self::handler_code(json_code),
                        "execute: code {json_code}, body {}",
                        crate_shown(body)
                    );
                    // The same event through the postcard fast path gets the same answer.
                    let c = &request.context;
                    let index = u32::try_from(index).expect("few actions");
                    let header = BinaryHeader::for_context(index, c);
                    let pairs: Vec<(String, String)> = c
                        .metadata
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    let borrowed: Vec<(&str, &str)> = pairs
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let postcard = binary::encode_to_vec(&header, &borrowed);
                    let postcard_code = self.send(true, &postcard);
                    assert_eq!(
                        postcard_code,
                        json_code,
                        "the same request answers {json_code} as JSON and {postcard_code} as postcard, body {}",
                        crate_shown(body)
                    );
                }
            },
        }

        let postcard_code = self.send(true, body);
        match binary::decode(body) {
            Err(e) => assert_eq!(
                postcard_code,
                e.code(),
                "execute_postcard: core-abi says {e:?}, body {}",
                crate_shown(body)
            ),
            Ok(decoded) => match self.actions.get(decoded.action_index as usize).cloned() {
                None => assert_eq!(
                    postcard_code,
                    3,
                    "execute_postcard: index past the actions, body {}",
                    crate_shown(body)
                ),
                Some(action) => {
                    assert!(
                        Self::handler_code(postcard_code),
                        "execute_postcard: code {postcard_code}, body {}",
                        crate_shown(body)
                    );
                    let c = &decoded.context;
                    let header = BinaryHeader::for_context(decoded.action_index, c);
                    let pairs: Vec<(String, String)> = c
                        .metadata
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect();
                    let json = json_request(&action, &header, &pairs);
                    let json_code = self.send(false, json.as_bytes());
                    assert_eq!(
                        json_code,
                        postcard_code,
                        "the same request answers {postcard_code} as postcard and {json_code} as JSON ({json}), body {}",
                        crate_shown(body)
                    );
                }
            },
        }
    }
}

fn crate_shown(body: &[u8]) -> String {
    let head = &body[..body.len().min(600)];
    format!(
        "{} bytes: b\"{}\"{}",
        body.len(),
        head.escape_ascii(),
        if body.len() > 600 { "..." } else { "" }
    )
}
