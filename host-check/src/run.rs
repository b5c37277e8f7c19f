//! `host-check run`: send one request to a plugin and show what happened.
//!
//! For debugging an action by hand: the request is built from an action name and an optional
//! context (or read verbatim from a file), sent through the same host cycle and budgets as the
//! checks (`alloc`, write, `execute`, `dealloc`), and the return code, its ABI name, the fuel,
//! the time and everything the plugin printed are shown. The instance gets the grants its
//! metadata declares, as MIDIMon would give them.

use std::fmt;

use core_abi::binary::{encode_to_vec, BinaryHeader};
use core_abi::ErrorCode;
use serde_json::Value;
use thiserror::Error;

use crate::fmt::{excerpt, format_duration, group, name_list, one_line, printable_lines};
use crate::metadata::{MetadataProblem, PluginMeta};
use crate::requests::{describe_code, postcard_action_index, request_json, Event};
use crate::runner::{Captured, Entry, FuelMode, Limits, Plugin, RequestError, RequestOutcome};

/// What to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRequest {
    /// The action name (for `--postcard`, a declared name or a numeric index).
    pub action: Option<String>,
    /// The `context` JSON; the canonical note-on context when absent.
    pub context: Option<String>,
    /// A request body to send verbatim (`--request FILE`).
    pub body: Option<Vec<u8>>,
    /// Send to `execute_postcard` instead of `execute`.
    pub postcard: bool,
    /// Also print the request body that was sent (`-v`).
    pub verbose: bool,
}

/// Why `run` could not do its job.
#[derive(Debug, Error)]
pub enum RunError {
    /// Bad arguments (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The plugin could not be loaded or initialised (exit code 1).
    #[error("{0}")]
    Plugin(String),
}

/// The printed result and the exit code (0 when the plugin returned 0, 1 otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// Text for stdout.
    pub text: String,
    /// Exit code.
    pub exit_code: u8,
}

/// Runs one request.
pub fn run(wasm: &[u8], limits: Limits, request: &RunRequest) -> Result<RunOutput, RunError> {
    // Read the metadata first, to know the grants and the action indexes.
    let opened = Plugin::open(wasm, limits, FuelMode::PerCall)
        .map_err(|e| RunError::Plugin(e.to_string()))?;
    let meta = &opened.meta;
    let (entry, body) = build(request, meta.as_ref().ok())?;
    let (mut instance, _) = opened
        .ready_instance()
        .map_err(|e| RunError::Plugin(e.to_string()))?;
    let result = instance.request_to(entry, &body);
    let ran = Ran {
        meta,
        entry,
        body: &body,
        verbose: request.verbose,
        hint: result
            .as_ref()
            .ok()
            .and_then(|o| hint(o.code, meta.as_ref().ok(), request)),
        result,
        memory: instance.memory_size(),
        captured: instance.captured_output(),
    };
    Ok(RunOutput {
        // Output and names come from the plugin: no control characters reach the terminal.
        text: printable_lines(&ran.to_string()),
        exit_code: ran.exit_code(),
    })
}

/// One request and what came of it; its [`fmt::Display`] is `run`'s text (before control
/// characters are escaped).
struct Ran<'a> {
    meta: &'a Result<PluginMeta, MetadataProblem>,
    entry: Entry,
    body: &'a [u8],
    verbose: bool,
    result: Result<RequestOutcome, RequestError>,
    hint: Option<String>,
    memory: u64,
    captured: Captured,
}

impl Ran<'_> {
    /// 0 when the plugin returned 0, 1 otherwise.
    fn exit_code(&self) -> u8 {
        match &self.result {
            Ok(o) => u8::from(o.code != 0),
            Err(_) => 1,
        }
    }
}

impl fmt::Display for Ran<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meta {
            Ok(m) => writeln!(f, "plugin     {} {}", m.name, m.version)?,
            Err(e) => writeln!(
                f,
                "warning    invalid metadata ({e}); running without capabilities"
            )?,
        }
        writeln!(
            f,
            "request    {} bytes to {}",
            group(self.body.len() as u64),
            match self.entry {
                Entry::Json => "execute (JSON)",
                Entry::Postcard => "execute_postcard (postcard)",
            }
        )?;
        if self.verbose {
            let shown = match self.entry {
                Entry::Json => excerpt(self.body).0,
                Entry::Postcard => self
                    .body
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            writeln!(f, "body       {}", one_line(&shown))?;
        }
        match &self.result {
            Ok(o) => {
                writeln!(f, "returned   {}", describe_code(o.code))?;
                if let Some(hint) = &self.hint {
                    writeln!(f, "hint       {hint}")?;
                }
                writeln!(f, "fuel       {}", group(o.fuel))?;
                writeln!(
                    f,
                    "time       {} (host cycle {})",
                    format_duration(o.elapsed),
                    format_duration(o.cycle_elapsed)
                )?;
            }
            Err(e) => writeln!(f, "failed     {e}")?,
        }
        writeln!(f, "memory     {} bytes", group(self.memory))?;
        for (name, bytes) in [
            ("stdout", &self.captured.stdout),
            ("stderr", &self.captured.stderr),
        ] {
            if bytes.is_empty() {
                continue;
            }
            let (text, cut) = excerpt(bytes);
            writeln!(f, "{name}:")?;
            for line in text.lines() {
                writeln!(f, "  {line}")?;
            }
            if cut > 0 {
                writeln!(f, "  ... ({} more bytes)", group(cut as u64))?;
            }
        }
        Ok(())
    }
}

/// What an author can do about a code: the declared actions for 3, the params' type for 4.
fn hint(code: i32, meta: Option<&PluginMeta>, request: &RunRequest) -> Option<String> {
    if code == ErrorCode::UnknownAction.code() {
        let meta = meta?;
        return Some(if meta.actions.is_empty() {
            "the metadata lists no actions".to_string()
        } else {
            format!("declared actions: {}", name_list(&meta.actions))
        });
    }
    if code == ErrorCode::InvalidField.code() {
        let context: Value = serde_json::from_str(request.context.as_deref()?).ok()?;
        let not_strings: Vec<&String> = context["metadata"]
            .as_object()?
            .iter()
            .filter(|(_, v)| !v.is_string())
            .map(|(k, _)| k)
            .collect();
        if !not_strings.is_empty() {
            return Some(format!(
                "params (context.metadata) values must be strings, and these are not: {}",
                name_list(&not_strings)
            ));
        }
    }
    None
}

/// The entry point and body to send.
fn build(request: &RunRequest, meta: Option<&PluginMeta>) -> Result<(Entry, Vec<u8>), RunError> {
    let entry = if request.postcard {
        Entry::Postcard
    } else {
        Entry::Json
    };
    if let Some(body) = &request.body {
        return Ok((entry, body.clone()));
    }
    let action = request
        .action
        .as_deref()
        .ok_or_else(|| RunError::Usage("give an ACTION or --request FILE".to_string()))?;
    let context = match &request.context {
        Some(text) => Some(
            serde_json::from_str::<Value>(text)
                .map_err(|e| RunError::Usage(format!("--context is not valid JSON: {e}")))?,
        ),
        None => None,
    };
    if !request.postcard {
        let body = match (&context, &request.context) {
            (Some(_), Some(text)) => {
                let action = Value::from(action).to_string();
                format!(r#"{{"action":{action},"context":{}}}"#, text.trim()).into_bytes()
            }
            _ => request_json(action, Event::NoteOn),
        };
        return Ok((entry, body));
    }
    let index = postcard_action_index(meta, action).map_err(RunError::Usage)?;
    Ok((entry, postcard_body(index, context.as_ref())?))
}

/// Encodes a postcard request from a JSON context (the canonical note-on when absent).
fn postcard_body(action: u32, context: Option<&Value>) -> Result<Vec<u8>, RunError> {
    let Some(context) = context else {
        return Ok(crate::requests::postcard_note_on(action));
    };
    let object = context
        .as_object()
        .ok_or_else(|| RunError::Usage("--context must be a JSON object for --postcard".into()))?;
    let byte = |key: &str| -> Result<Option<u8>, RunError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    RunError::Usage(format!(
                        "--context: \"{key}\" must be null or 0..=255 for --postcard"
                    ))
                }),
        }
    };
    let timestamp = match object.get("timestamp") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or_else(|| {
            RunError::Usage("--context: \"timestamp\" must be a non-negative integer".into())
        })?,
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    match object.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let v = v.as_str().ok_or_else(|| {
                    RunError::Usage(format!("--context: metadata \"{k}\" must be a string"))
                })?;
                pairs.push((k.as_str(), v));
            }
        }
        Some(_) => {
            return Err(RunError::Usage(
                "--context: \"metadata\" must be an object of strings".into(),
            ))
        }
    }
    let header = BinaryHeader {
        action,
        velocity: byte("velocity")?,
        note: byte("note")?,
        cc: byte("cc")?,
        value: byte("value")?,
        timestamp,
    };
    Ok(encode_to_vec(&header, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_json_requests() {
        let req = RunRequest {
            action: Some("a".into()),
            context: Some(r#" {"note":1} "#.into()),
            ..Default::default()
        };
        let (entry, body) = build(&req, None).unwrap();
        assert_eq!(entry, Entry::Json);
        assert_eq!(body, br#"{"action":"a","context":{"note":1}}"#);
        let bad = RunRequest {
            action: Some("a".into()),
            context: Some("{".into()),
            ..Default::default()
        };
        assert!(matches!(build(&bad, None), Err(RunError::Usage(_))));
        let verbatim = RunRequest {
            body: Some(b"xyz".to_vec()),
            ..Default::default()
        };
        assert_eq!(build(&verbatim, None).unwrap().1, b"xyz");
    }

    #[test]
    fn builds_postcard_requests() {
        let req = RunRequest {
            action: Some("1".into()),
            context: Some(r#"{"velocity":5,"cc":7,"metadata":{"k":"v"}}"#.into()),
            postcard: true,
            ..Default::default()
        };
        let (entry, body) = build(&req, None).unwrap();
        assert_eq!(entry, Entry::Postcard);
        let decoded = core_abi::binary::decode(&body).unwrap();
        assert_eq!(decoded.action_index, 1);
        assert_eq!(decoded.context.velocity, Some(5));
        assert_eq!(decoded.context.cc, Some(7));
        let undeclared = RunRequest {
            action: Some("nope".into()),
            postcard: true,
            ..Default::default()
        };
        assert!(matches!(build(&undeclared, None), Err(RunError::Usage(_))));
    }
}
