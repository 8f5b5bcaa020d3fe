//! With `--format json`, bad input is a JSON error object on standard output and exit 2:
//! `{"decision":"Error","error":{kind, file, line, column, pointer, message, help}}`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use serde_json::{Value, json};
use support::{ecrsim, text};

const BAD: &str = "cli/tests/fixtures/errors/unknown-key.json";

fn error_of(args: &[&str]) -> Value {
    let out = ecrsim(args, "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // The human message stays on standard error for logs.
    assert!(
        text(&out.stderr).starts_with("error: "),
        "{}",
        text(&out.stderr)
    );
    let value: Value = serde_json::from_slice(&out.stdout).expect("a JSON error on stdout");
    assert_eq!(value["decision"], "Error");
    value["error"].clone()
}

#[test]
fn a_policy_error_has_its_kind_position_and_pointer() {
    let error = error_of(&[
        "check",
        BAD,
        "--action",
        "ecr:PutImage",
        "--resource",
        "*",
        "--format",
        "json",
    ]);
    assert_eq!(error["kind"], "UnknownKey");
    assert_eq!(error["file"], BAD);
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(3), Some(37))
    );
    assert_eq!(error["pointer"], "/Statement/0/Acton");
    assert_eq!(
        error["message"],
        "unknown key `Acton` in a statement: did you mean `Action`?"
    );
    assert!(
        error["help"]
            .as_str()
            .unwrap()
            .starts_with("the keys allowed here are")
    );
}

#[test]
fn a_request_error_has_its_kind_and_help() {
    let error = error_of(&[
        "check",
        "corpus/examples/ecr-login/policy.json",
        "--action",
        "ecr:PutImag",
        "--resource",
        "*",
        "--format",
        "json",
    ]);
    assert_eq!(
        error,
        json!({"kind": "UnknownAction", "file": null, "line": null, "column": null,
               "pointer": null, "message": "unknown action `ecr:PutImag`",
               "help": "did you mean `ecr:PutImage`?"})
    );
}

#[test]
fn an_unreadable_file_is_an_io_error() {
    let error = error_of(&[
        "check",
        "no/such.json",
        "--action",
        "ecr:PutImage",
        "--resource",
        "*",
        "--format",
        "json",
    ]);
    assert_eq!(error["kind"], "Io");
    assert_eq!(error["file"], "no/such.json");
}

#[test]
fn explain_and_diff_report_errors_as_json_too() {
    let error = error_of(&["explain", BAD, "--format", "json"]);
    assert_eq!(error["kind"], "UnknownKey");
    let error = error_of(&["diff", BAD, BAD, "--format", "json"]);
    assert_eq!(error["pointer"], "/Statement/0/Acton");
}

#[test]
fn the_human_format_keeps_stdout_empty() {
    let out = ecrsim(
        &["check", BAD, "--action", "ecr:PutImage", "--resource", "*"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
}

const LOGIN: &str = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action";

#[test]
fn why_reports_an_unreadable_message_and_a_bad_policy_as_json() {
    let error = error_of(&["why", "it broke", "--format", "json"]);
    assert_eq!(error["kind"], "UnknownShape");
    assert_eq!(error["file"], Value::Null);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("expected an AWS access-denied message")
    );
    let missing =
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage";
    assert_eq!(
        error_of(&["why", missing, "--format", "json"])["kind"],
        "MissingResource"
    );
    let bad_action = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImages on resource: arn:aws:ecr:us-east-1:123456789012:repository/a";
    let error = error_of(&["why", bad_action, "--format", "json"]);
    assert_eq!(error["kind"], "UnknownAction");
    assert!(error["help"].as_str().unwrap().contains("ecr:PutImage"));
    let error = error_of(&["why", LOGIN, BAD, "--format", "json"]);
    assert_eq!(error["kind"], "UnknownKey");
    assert_eq!(error["file"], BAD);
    assert_eq!(error["pointer"], "/Statement/0/Acton");
    // Without --format json, standard output stays empty.
    let out = ecrsim(&["why", "it broke"], "");
    assert_eq!((out.status.code(), out.stdout.len()), (Some(2), 0));
}

#[test]
fn batch_that_cannot_run_ends_with_a_json_error_line() {
    let out = ecrsim(&["batch", "--identity-policy", BAD], "{}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: "),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["decision"], "Error");
    assert_eq!(last["error"]["kind"], "UnknownKey");
    assert_eq!(last["error"]["file"], BAD);
    assert_eq!(
        (
            last["error"]["line"].as_u64(),
            last["error"]["column"].as_u64()
        ),
        (Some(3), Some(37))
    );
    assert!(last.get("id").is_none());
    let out = ecrsim(&["batch", "--org", "no/such/org.json"], "");
    assert_eq!(out.status.code(), Some(2));
    let last: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert!(
        last["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no/such/org.json")
    );
}
