//! Friendly errors for the common mistakes of reading a policy file (cli/src/friendly.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text};

const DIR: &str = "cli/tests/fixtures/friendly";

fn check(file: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let path = format!("{DIR}/{file}");
    let mut args = vec![
        "check",
        &path,
        "--action",
        "ecr:BatchGetImage",
        "--resource",
        "arn:aws:ecr:us-east-1:123456789012:repository/app",
    ];
    args.extend_from_slice(extra);
    let out = ecrsim(&args, "");
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let (code, stdout, stderr) = check("bom.json", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("Allow: ecr:BatchGetImage"), "{stdout}");
}

#[test]
fn an_empty_file_says_so() {
    let (code, _, stderr) = check("empty.json", &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.starts_with("error: cli/tests/fixtures/friendly/empty.json is empty\n  = help: a policy is a JSON object"), "{stderr}");
}

#[test]
fn yaml_suggests_converting() {
    let (code, _, stderr) = check("policy.yaml", &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.starts_with("error: cli/tests/fixtures/friendly/policy.yaml looks like YAML; ecrsim reads policies as JSON\n  = help: convert it first, e.g. `yq -o=json"), "{stderr}");
}

#[test]
fn a_trust_policy_as_identity_policy_says_what_it_is() {
    let (code, stdout, stderr) = check("trust.json", &["--format", "json"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is a role trust policy (every statement names a Principal and allows sts:AssumeRole*): it says who may assume the role and grants the role's sessions no permissions"), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["error"]["kind"], "TrustPolicyAsIdentity");
    assert_eq!(
        value["error"]["file"],
        "cli/tests/fixtures/friendly/trust.json"
    );
    // As the trust policy it is, it is read without complaint.
    let out = ecrsim(
        &[
            "check",
            "--trust-policy",
            &format!("{DIR}/trust.json"),
            "--action",
            "sts:AssumeRole",
            "--resource",
            "arn:aws:iam::123456789012:role/task",
            "--principal",
            "ecs-tasks.amazonaws.com",
        ],
        "",
    );
    assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn an_authorization_details_dump_says_what_it_is() {
    let (code, _, stderr) = check("authorization-details.json", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("is the output of `aws iam get-account-authorization-details`"),
        "{stderr}"
    );
    assert!(stderr.contains("jq '.Policies[]"), "{stderr}");
}
