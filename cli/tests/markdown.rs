//! `--format markdown` (check, workflows, lint, explain, diff) and `--quiet` (check, lint).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text};

const POLICY: &str = "corpus/examples/ecr-login/policy.json";
const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

#[test]
fn check_is_a_statement_table_and_the_fix_in_a_json_block() {
    let out = ecrsim(
        &[
            "check",
            POLICY,
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
            "--format",
            "markdown",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let md = text(&out.stdout);
    assert!(md.starts_with("### ecrsim check: **ImplicitDeny**\n\n`ecr:GetAuthorizationToken` on `*`: because no identity-based policy allows it\n"), "{md}");
    assert!(md.contains("| Policy | Type | Statement | Line | Effect | Applies | Decides | Why it does not apply |\n|---|---|---|---|---|---|---|---|\n"), "{md}");
    assert!(md.contains("| `corpus/examples/ecr-login/policy.json` | identity-based policy | `#0` | 4 | Allow | no | no | `ecr:GetAuthorizationToken` does not support"), "{md}");
    assert!(md.contains("\n**Fix:** "), "{md}");
    assert!(md.ends_with("```json\n{\n  \"Effect\": \"Allow\",\n  \"Action\": \"ecr:GetAuthorizationToken\",\n  \"Resource\": \"*\"\n}\n```\n"), "{md}");
}

#[test]
fn a_workflow_is_one_row_per_action_then_the_fixes() {
    let out = ecrsim(
        &[
            "check",
            POLICY,
            "--workflow",
            "push",
            "--resource",
            REPO,
            "--format",
            "markdown",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let md = text(&out.stdout);
    assert!(
        md.starts_with("### ecrsim check --workflow push: **ImplicitDeny**\n"),
        "{md}"
    );
    assert!(md.contains("| Action | Resource | Decision | Reason |\n|---|---|---|---|\n| `ecr:GetAuthorizationToken` | `*` | ImplicitDeny | because no identity-based policy allows it |\n"), "{md}");
    assert!(
        md.contains(&format!(
            "| `ecr:PutImage` | `{REPO}` | Allow | allowed |\n"
        )),
        "{md}"
    );
    // Six required actions; ecr:BatchGetImage is documented only (a warning).
    assert_eq!(md.matches("\n| `ecr:").count(), 6, "{md}");
    assert!(md.contains("\n#### `ecr:GetAuthorizationToken`\n"), "{md}");
    assert_eq!(md.matches("```json\n").count(), 1, "{md}");
}

#[test]
fn lint_explain_and_diff_are_tables() {
    let out = ecrsim(&["lint", POLICY, "--format", "markdown"], "");
    assert_eq!(out.status.code(), Some(1));
    let md = text(&out.stdout);
    assert!(md.contains("| `corpus/examples/ecr-login/policy.json` | 7 | 17 | warning | W103 account-level-action-scoped |"), "{md}");
    assert!(md.ends_with("\n1 finding(s).\n"), "{md}");

    let out = ecrsim(&["explain", POLICY, "--format", "markdown"], "");
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.contains("| ecr | Limited: List, Read, Write | List | 2 of 4 | `ecr:DescribeImages` `ecr:ListImages` |\n"), "{md}");

    let out = ecrsim(
        &[
            "diff",
            POLICY,
            "cli/tests/fixtures/failing/policy.json",
            "--format",
            "markdown",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.contains("#### Access gained (0)\n\nNone.\n"), "{md}");
    assert!(md.contains(&format!("#### Access lost (10)\n\n| Action | Resource | Before | After |\n|---|---|---|---|\n| `ecr:BatchCheckLayerAvailability` | `{REPO}` | allowed | denied |\n")), "{md}");
}

#[test]
fn why_refuses_markdown() {
    let out = ecrsim(&["why", "AccessDenied", "--format", "markdown"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--format markdown is for check, explain and diff"));
}

#[test]
fn quiet_leaves_only_the_exit_code() {
    let out = ecrsim(
        &[
            "check",
            POLICY,
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
            "--quiet",
        ],
        "",
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(1), String::new())
    );
    let out = ecrsim(
        &[
            "check",
            POLICY,
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "-q",
        ],
        "",
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), String::new())
    );
    let out = ecrsim(&["lint", POLICY, "-q"], "");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(1), String::new())
    );
}
