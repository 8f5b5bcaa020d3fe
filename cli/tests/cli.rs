//! End-to-end tests of the `ecrsim` binary: output, exit codes and error locations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/examples/ecr-login/policy.json")
}

fn ecrsim(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrsim"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecrsim runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("ecrsim finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

#[test]
fn motivating_login_denial_leads_with_the_decision_and_the_fix() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("ImplicitDeny: ecr:GetAuthorizationToken on *\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("does not support resource-level permissions"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains(r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn repository_arn_for_an_account_level_action_is_evaluated_on_star_and_said_so() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            REPO,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["decision"], "ImplicitDeny");
    assert_eq!(json["resource"], "*");
    assert_eq!(json["requestedResource"], REPO);
    assert!(
        json["notes"][0]
            .as_str()
            .unwrap()
            .contains("account-level action")
    );
    assert_eq!(
        json["statements"][0]["mismatches"][0]["kind"],
        "AccountLevelAction"
    );
    assert_eq!(json["fix"]["statement"]["Resource"], "*");
}

#[test]
fn allowed_push_exits_zero_with_the_deciding_statement() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["decision"], "Allow");
    assert_eq!(json["deciding"].as_array().unwrap().len(), 1);
    assert_eq!(json["fix"], serde_json::Value::Null);
}

#[test]
fn lower_case_allow_is_rejected_with_its_location() {
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"allow\",\n    \"Action\": \"ecr:PutImage\",\n    \"Resource\": \"*\"\n  }]\n}\n";
    let out = ecrsim(
        &["check", "-", "--action", "ecr:PutImage", "--resource", REPO],
        Some(policy),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("<stdin>:4:15: /Statement/0/Effect: invalid `Effect` `allow`"),
        "{stderr}"
    );
    assert!(stderr.contains("write \"Allow\""), "{stderr}");
    assert!(out.stdout.is_empty(), "no decision on bad input");
}

#[test]
fn misspelt_action_is_rejected_with_a_suggestion() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:PutImages",
            "--resource",
            REPO,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `ecr:PutImage`?"));
}

#[test]
fn missing_file_and_usage_errors_exit_two() {
    let out = ecrsim(
        &[
            "check",
            "/nonexistent/policy.json",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/policy.json"));
    let out = ecrsim(&["check", "--action", "ecr:PutImage"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_shows_a_worked_example() {
    let out = ecrsim(&["check", "--help"], None);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains("ecrsim check policy.json --action ecr:GetAuthorizationToken --resource '*'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Exit codes: 0 allowed, 1 denied, 2 bad input or usage."),
        "{stdout}"
    );
}

#[test]
fn batch_answers_every_line_in_order() {
    let policy = std::fs::read_to_string(example()).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let line = |id: u32, action: &str, resource: &str| {
        serde_json::json!({"id": id, "identityPolicies": [policy], "request": {"action": action, "resource": resource}}).to_string()
    };
    let input = [
        line(1, "ecr:GetAuthorizationToken", "*"),
        line(2, "ecr:PutImage", REPO),
        "not json".to_string(),
        line(
            4,
            "ecr:PutImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/other",
        ),
    ]
    .join("\n");
    let out = ecrsim(&["batch"], Some(&input));
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(serde_json::Value, &str)> = lines
        .iter()
        .map(|l| (l["id"].clone(), l["decision"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (serde_json::json!(1), "ImplicitDeny"),
            (serde_json::json!(2), "Allow"),
            (serde_json::Value::Null, "Error"),
            (serde_json::json!(4), "ImplicitDeny"),
        ]
    );
}

#[test]
fn test_command_ends_with_the_counts() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/failing");
    let out = ecrsim(&["test", fixture.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 3 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("to reproduce: ecrsim check"), "{stdout}");
}
