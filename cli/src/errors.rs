//! Errors as data: with `--format json`, a command that cannot decide prints
//! `{"decision":"Error","error":{kind, file, line, column, pointer, message, help}}` on standard
//! output (and the human message on standard error) and exits 2.
//!
//! Loading keeps its ready-to-print [`LoadError`](crate::input::LoadError) messages; the typed
//! engine error behind the latest one is remembered here ([`policy`], [`request`], [`io`]), and
//! used when the message printed is the one it rendered, so a stale detail is never attached to
//! another error.

use std::cell::RefCell;
use std::path::Path;

use ecrsim_engine::{PolicyError, RequestError};
use serde::Serialize;

use crate::{EXIT_BAD_INPUT, write_stdout};

/// The `error` object of the JSON output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    /// The engine's kind name (`UnknownKey`, `Json(Syntax)`, `UnknownAction`…), `Io` for a file
    /// that cannot be read, `Input` for any other bad input or usage.
    pub kind: String,
    /// The policy file (or `<stdin>`, `managed:NAME`) when the error is in one.
    pub file: Option<String>,
    /// 1-based line in `file`.
    pub line: Option<u32>,
    /// 1-based column in `file`, in characters.
    pub column: Option<u32>,
    /// JSON pointer of the offending value in `file` (`/Statement/0/Effect`).
    pub pointer: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The message as printed for people, to match the detail with the error reported.
    #[serde(skip)]
    pub rendered: String,
}

thread_local! {
    static LAST: RefCell<Option<ErrorDetail>> = const { RefCell::new(None) };
}

fn remember(detail: ErrorDetail) -> String {
    let rendered = detail.rendered.clone();
    LAST.with(|last| *last.borrow_mut() = Some(detail));
    rendered
}

/// Remembers a policy error and returns its rendering for people.
pub fn policy(e: &PolicyError) -> String {
    remember(ErrorDetail {
        kind: format!("{:?}", e.kind),
        file: Some(e.source.name.clone()),
        line: Some(e.pos.line),
        column: Some(e.pos.column),
        pointer: Some(e.pointer.clone()),
        message: e.message.clone(),
        help: e.help.clone(),
        rendered: e.render(),
    })
}

/// Remembers one of the common mistakes of [`crate::friendly`] (`kind` such as `Yaml`), found
/// when the engine refused the file, and returns the message for people. The whole file is at
/// fault, so there is no position and the pointer is the document's (empty).
pub fn friendly(kind: &str, file: &str, message: &str, help: &str) -> String {
    let rendered = format!("{message}\n  = help: {help}");
    remember(ErrorDetail {
        kind: kind.into(),
        file: Some(file.into()),
        pointer: Some(String::new()),
        message: message.into(),
        help: Some(help.into()),
        rendered: rendered.clone(),
        ..ErrorDetail::default()
    });
    rendered
}

/// Remembers a request error whose rendering for people is `rendered`.
pub fn request(e: &RequestError, rendered: String) -> String {
    remember(ErrorDetail {
        kind: format!("{:?}", e.kind),
        message: e.message.clone(),
        help: e.help.clone(),
        rendered,
        ..ErrorDetail::default()
    })
}

/// Remembers an error text `why` cannot read (kind `UnknownShape`, `MissingResource`, …; for an
/// invalid action, resource or principal the request error's kind) and returns the message for
/// people.
pub fn denial(e: &ecrsim_engine::DenialError) -> String {
    if let Some(request_error) = &e.request {
        let rendered = match &request_error.help {
            Some(help) => format!("{request_error}\n  = help: {help}"),
            None => request_error.to_string(),
        };
        return request(request_error, rendered);
    }
    remember(ErrorDetail {
        kind: format!("{:?}", e.kind),
        message: e.message.clone(),
        rendered: e.message.clone(),
        ..ErrorDetail::default()
    })
}

/// Remembers a file that cannot be read and returns the message for people.
pub fn io(path: &Path, e: &std::io::Error) -> String {
    let file = path.display().to_string();
    let message = format!("cannot read {file}: {e}");
    remember(ErrorDetail {
        kind: "Io".into(),
        file: Some(file),
        message: message.clone(),
        rendered: message,
        ..ErrorDetail::default()
    })
}

/// The detail of the error printed as `message`: the remembered one when it rendered `message`,
/// else an `Input` error carrying the message.
pub fn detail(message: &str) -> ErrorDetail {
    let remembered = LAST.with(|last| last.borrow_mut().take());
    match remembered {
        Some(detail) if detail.rendered == message => detail,
        _ => ErrorDetail {
            kind: "Input".into(),
            message: message.to_string(),
            rendered: message.to_string(),
            ..ErrorDetail::default()
        },
    }
}

/// The JSON error object for `message`.
pub fn json(message: &str) -> serde_json::Value {
    serde_json::json!({"decision": "Error", "error": detail(message)})
}

/// Reports bad input and returns exit code 2: `error: MESSAGE` on standard error, and with
/// `json` also the JSON error object on standard output.
pub fn fail(json_output: bool, message: &str) -> u8 {
    say!("error: {message}");
    if json_output {
        let text = serde_json::to_string_pretty(&json(message)).unwrap_or_default();
        write_stdout(format!("{text}\n").as_bytes());
    }
    EXIT_BAD_INPUT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_detail_is_not_attached_to_another_message() {
        let _ = io(Path::new("a.json"), &std::io::Error::other("gone"));
        let detail = detail("something else");
        assert_eq!(detail.kind, "Input");
        assert_eq!(detail.file, None);
    }

    #[test]
    fn the_matching_detail_is_used_once() {
        let message = io(Path::new("a.json"), &std::io::Error::other("gone"));
        assert_eq!(detail(&message).kind, "Io");
        assert_eq!(detail(&message).kind, "Input");
    }
}
