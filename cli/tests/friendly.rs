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

/// The common mistakes, each with what its error must say (`None`: accepted, not a mistake).
const MISTAKES: &[(&str, Option<&[&str]>)] = &[
    ("bom.json", None),
    ("empty.json", Some(&["empty.json is empty"])),
    (
        "policy.yaml",
        Some(&["policy.yaml looks like YAML", "yq -o=json"]),
    ),
    (
        "trust.json",
        Some(&["trust.json is a role trust policy", "no permissions"]),
    ),
    (
        "get-role.json",
        Some(&["get-role.json is a role trust policy", "no permissions"]),
    ),
    (
        "authorization-details.json",
        Some(&[
            "is the output of `aws iam get-account-authorization-details`",
            "ecrsim check --snapshot DIR --principal",
        ]),
    ),
];

#[test]
fn every_command_reads_files_through_the_friendly_errors() {
    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";
    let message = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/app because no identity-based policy allows the ecr:BatchGetImage action";
    let bom = format!("{DIR}/bom.json");
    let request = ["--action", "ecr:BatchGetImage", "--resource", REPO];
    let line =
        format!("{{\"request\":{{\"action\":\"ecr:BatchGetImage\",\"resource\":\"{REPO}\"}}}}\n");
    for &(file, expected) in MISTAKES {
        let path = format!("{DIR}/{file}");
        let commands: Vec<(&str, Vec<&str>, &str)> = vec![
            (
                "check",
                [&["check", path.as_str()][..], &request].concat(),
                "",
            ),
            (
                "check --boundary",
                [&["check", &bom, "--boundary", &path][..], &request].concat(),
                "",
            ),
            ("fix", [&["fix", path.as_str()][..], &request].concat(), ""),
            ("explain", vec!["explain", &path], ""),
            ("diff", vec!["diff", &bom, &path], ""),
            ("why", vec!["why", message, &path], ""),
            ("batch", vec!["batch", &path], line.as_str()),
        ];
        for (name, args, stdin) in commands {
            let out = ecrsim(&args, stdin);
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            match expected {
                None => {
                    assert_ne!(out.status.code(), Some(2), "{name} {file}: {stderr}");
                }
                Some(fragments) => {
                    assert_eq!(out.status.code(), Some(2), "{name} {file}: {stdout}");
                    for fragment in fragments {
                        assert!(
                            stderr.contains(fragment),
                            "{name} {file}: {stderr} should contain {fragment}"
                        );
                    }
                }
            }
        }
        // lint: a finding with the friendly message, not a failure to read.
        let out = ecrsim(&["lint", &path, "--format", "json"], "");
        let findings: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
        match expected {
            None => assert_eq!(findings, serde_json::json!([]), "lint {file}"),
            Some(fragments) => {
                assert_eq!(out.status.code(), Some(1), "lint {file}");
                let f = &findings[0];
                assert_eq!(f["severity"], "error", "lint {file}");
                let said = format!("{} {}", f["message"], f["help"]);
                for fragment in fragments {
                    assert!(
                        said.contains(fragment),
                        "lint {file}: {said} should contain {fragment}"
                    );
                }
            }
        }
    }
    // Through standard input too, named `<stdin>`.
    let out = ecrsim(&[&["check", "-"][..], &request].concat(), "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: <stdin> is empty"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn cases_toml_policy_fields_get_the_friendly_errors() {
    let out = ecrsim(
        &["test", &format!("{DIR}/cases.toml"), "--format", "json"],
        "",
    );
    let value: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(out.status.code(), Some(0), "{value}");
    assert_eq!(value["passed"], 6, "{value}");
}

#[test]
fn batch_line_fields_get_the_friendly_errors_too() {
    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";
    let trust: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(support::workspace_root().join(DIR).join("get-role.json"))
            .unwrap(),
    )
    .unwrap();
    let dump: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::workspace_root()
                .join(DIR)
                .join("authorization-details.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let cases = [
        (
            "identityPolicies",
            serde_json::json!([trust]),
            "`identityPolicies[0]` is a role trust policy",
        ),
        (
            "permissionBoundary",
            serde_json::json!(trust.to_string()),
            "`permissionBoundary` is a role trust policy",
        ),
        (
            "identityPolicies",
            serde_json::json!(["Version: \"2012-10-17\"\nStatement: []"]),
            "`identityPolicies[0]` looks like YAML",
        ),
        (
            "sessionPolicy",
            serde_json::json!(""),
            "`sessionPolicy` is empty",
        ),
        (
            "resourcePolicy",
            dump,
            "`resourcePolicy` is the output of `aws iam get-account-authorization-details`",
        ),
    ];
    for (field, value, expected) in cases {
        let line = serde_json::json!({
            "request": {"action": "ecr:BatchGetImage", "resource": REPO, "principal": "arn:aws:iam::123456789012:user/dev"},
            field: value,
        });
        let out = ecrsim(&["batch"], format!("{line}\n"));
        let result: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
        assert_eq!(result["decision"], "Error", "{field}: {result}");
        let error = result["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with(&format!("line 1: {expected}")),
            "{field}: {error}"
        );
    }
    // The trust policy as the resource policy it is: no mistake, a decision.
    let line = serde_json::json!({
        "request": {"action": "sts:AssumeRole", "resource": "arn:aws:iam::123456789012:role/task", "principal": "ecs-tasks.amazonaws.com"},
        "resourcePolicy": trust,
    });
    let out = ecrsim(&["batch"], format!("{line}\n"));
    let result: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(result["decision"], "Allow", "{result}");
}
