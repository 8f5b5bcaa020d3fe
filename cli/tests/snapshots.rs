//! Snapshots of every subcommand's output on the motivating policy, human and JSON, so that any
//! change in what users read is a reviewed diff (`cargo insta review`, or delete the .snap file
//! and rerun to accept the new output).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text};

const POLICY: &str = "corpus/examples/ecr-login/policy.json";
const FIXED: &str = "cli/tests/fixtures/summary_diff/policy-fixed.json";
const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

/// Runs ecrsim from the workspace root (so paths in the output are relative and stable) and
/// renders exit code, stdout and stderr as one text.
fn run(args: &[&str], stdin: &str) -> String {
    let out = ecrsim(args, stdin);
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn check_login_human() {
    insta::assert_snapshot!(run(
        &[
            "check",
            "--at",
            "2026-01-01T00:00:00Z",
            POLICY,
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*"
        ],
        ""
    ));
}

#[test]
fn check_login_json() {
    insta::assert_snapshot!(run(
        &[
            "check",
            "--at",
            "2026-01-01T00:00:00Z",
            POLICY,
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            REPO,
            "--format",
            "json"
        ],
        ""
    ));
}

#[test]
fn check_push_allowed_human() {
    insta::assert_snapshot!(run(
        &[
            "check",
            "--at",
            "2026-01-01T00:00:00Z",
            POLICY,
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO
        ],
        ""
    ));
}

#[test]
fn check_workflow_push_human() {
    insta::assert_snapshot!(run(
        &["check", POLICY, "--workflow", "push", "--resource", REPO],
        ""
    ));
}

#[test]
fn check_workflow_pull_json() {
    insta::assert_snapshot!(run(
        &[
            "check",
            "--at",
            "2026-01-01T00:00:00Z",
            FIXED,
            "--workflow",
            "pull",
            "--resource",
            REPO,
            "--format",
            "json"
        ],
        ""
    ));
}

#[test]
fn check_invalid_policy() {
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"ecr:PutImage\", \"Resource\": \"*\"}]\n}\n";
    insta::assert_snapshot!(run(
        &["check", "-", "--action", "ecr:PutImage", "--resource", REPO],
        policy
    ));
}

#[test]
fn fix_workflow_push() {
    insta::assert_snapshot!(run(
        &["fix", POLICY, "--workflow", "push", "--resource", REPO],
        ""
    ));
}

#[test]
fn lint_human() {
    insta::assert_snapshot!(run(&["lint", POLICY], ""));
}

#[test]
fn lint_json() {
    insta::assert_snapshot!(run(&["lint", POLICY, "--format", "json"], ""));
}

#[test]
fn lint_sarif() {
    insta::assert_snapshot!(run(&["lint", POLICY, "--format", "sarif"], ""));
}

#[test]
fn explain_human() {
    insta::assert_snapshot!(run(&["explain", POLICY], ""));
}

#[test]
fn explain_json() {
    insta::assert_snapshot!(run(&["explain", POLICY, "--format", "json"], ""));
}

#[test]
fn diff_human() {
    insta::assert_snapshot!(run(&["diff", POLICY, FIXED], ""));
}

#[test]
fn diff_json() {
    insta::assert_snapshot!(run(&["diff", POLICY, FIXED, "--format", "json"], ""));
}

#[test]
fn batch_lines() {
    let policy = std::fs::read_to_string(support::workspace_root().join(POLICY)).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let lines = [
        serde_json::json!({"id": "login", "identityPolicies": [policy], "request": {"action": "ecr:GetAuthorizationToken", "resource": "*"}}),
        serde_json::json!({"id": "push", "identityPolicies": [policy], "request": {"action": "ecr:PutImage", "resource": REPO}}),
        serde_json::json!({"id": "typo", "identityPolicies": [policy], "request": {"action": "ecr:PutImages", "resource": REPO}}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    insta::assert_snapshot!(run(&["batch"], &lines));
}

#[test]
fn test_command_on_a_failing_fixture() {
    insta::assert_snapshot!(run(&["test", "cli/tests/fixtures/failing"], ""));
}

const GRANTS: &str = "cli/tests/fixtures/grants";

#[test]
fn explain_repository_policy_human() {
    insta::assert_snapshot!(run(
        &[
            "explain",
            "--kind",
            "resource",
            &format!("{GRANTS}/repository-policy.json")
        ],
        ""
    ));
}

#[test]
fn explain_registry_policy_json() {
    insta::assert_snapshot!(run(
        &[
            "explain",
            "--kind",
            "registry",
            "--format",
            "json",
            &format!("{GRANTS}/registry-policy.json")
        ],
        ""
    ));
}

#[test]
fn diff_repository_policy_headlines() {
    insta::assert_snapshot!(run(
        &[
            "diff",
            "--kind",
            "resource",
            &format!("{GRANTS}/repository-policy.json"),
            &format!("{GRANTS}/repository-policy-opened.json")
        ],
        ""
    ));
}

#[test]
fn diff_registry_policy_all_repositories_headline() {
    insta::assert_snapshot!(run(
        &[
            "diff",
            "--kind",
            "registry",
            "--principal",
            "arn:aws:iam::111122223333:role/ecr-replication",
            "--format",
            "json",
            &format!("{GRANTS}/registry-policy.json"),
            &format!("{GRANTS}/registry-policy-all.json")
        ],
        ""
    ));
}
