//! End-to-end tests of the `ecrsim` binary: output, exit codes and error locations.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};

use support::{ecrsim, text};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/examples/ecr-login/policy.json")
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
        "",
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
        "",
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
        "",
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
        policy,
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
        "",
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
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/policy.json"));
    let out = ecrsim(&["check", "--action", "ecr:PutImage"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_shows_a_worked_example() {
    let out = ecrsim(&["check", "--help"], "");
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
    let out = ecrsim(&["batch"], &input);
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
    let out = ecrsim(&["test", fixture.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 3 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("to reproduce: ecrsim check"), "{stdout}");
}

const IP_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PushFromOffice","Effect":"Allow","Action":"ecr:PutImage",
"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;

#[test]
fn source_ip_condition_names_key_value_and_range() {
    let out = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--context",
            "aws:SourceIp=192.168.1.1",
        ],
        IP_POLICY,
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ImplicitDeny"), "{stdout}");
    assert!(
        stdout.contains("condition `IpAddress` on `aws:SourceIp`: request value `192.168.1.1` does not match [`10.0.0.0/8`]"),
        "{stdout}"
    );
    let out = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--context",
            "aws:SourceIp=10.1.2.3",
        ],
        IP_POLICY,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("Allow"));
}

#[test]
fn context_file_and_flags_combine() {
    let dir = std::env::temp_dir().join(format!("ecrsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("context.json");
    std::fs::write(
        &file,
        r#"{"aws:SourceIp": "192.168.1.1", "aws:TagKeys": ["a", "b"]}"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let denied = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--context-file",
            file,
        ],
        IP_POLICY,
    );
    assert_eq!(denied.status.code(), Some(1));
    let allowed = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--context-file",
            file,
            "--context",
            "aws:SourceIp=10.9.9.9",
        ],
        IP_POLICY,
    );
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "a flag replaces the file's value"
    );
    let bad = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            REPO,
            "--context",
            "novalue",
        ],
        IP_POLICY,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("expected KEY=VALUE"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn operator_typo_exits_two_and_suggests() {
    let policy = IP_POLICY.replace("IpAddress", "StringEqual");
    let out = ecrsim(
        &["check", "-", "--action", "ecr:PutImage", "--resource", REPO],
        &policy,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("<stdin>:2:85: /Statement/0/Condition/StringEqual: unknown condition operator `StringEqual`: did you mean `StringEquals`?"), "{stderr}");
}

#[test]
fn batch_takes_the_request_context() {
    let policy: serde_json::Value = serde_json::from_str(IP_POLICY).unwrap();
    let line = |ip: &str| {
        serde_json::json!({"identityPolicies": [policy], "request": {"action": "ecr:PutImage", "resource": REPO, "context": {"aws:SourceIp": ip}}})
            .to_string()
    };
    let out = ecrsim(
        &["batch"],
        format!("{}\n{}\n", line("10.1.2.3"), line("192.168.1.1")),
    );
    let decisions: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["decision"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(decisions, ["Allow", "ImplicitDeny"]);
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policy-types")
        .join(name)
        .display()
        .to_string()
}

const APP: &str = "arn:aws:ecr:us-east-1:111111111111:repository/app";

#[test]
fn cross_account_pull_needs_the_repository_policy() {
    let ident = fixture("ident.json");
    let repo = fixture("repo-policy.json");
    let alice = "arn:aws:iam::222222222222:user/alice";
    let allowed = ecrsim(
        &[
            "check",
            &ident,
            "--resource-policy",
            &repo,
            "--principal",
            alice,
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            APP,
        ],
        "",
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stdout));
    let denied = ecrsim(
        &[
            "check",
            &ident,
            "--principal",
            alice,
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            APP,
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(denied.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&denied.stdout).unwrap();
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("no resource-based policy allows"),
        "{json}"
    );
    assert_eq!(
        json["fix"]["changes"][0]["policyType"],
        "resource-based policy"
    );
    assert_eq!(
        json["fix"]["changes"][0]["statement"]["Principal"]["AWS"],
        "arn:aws:iam::222222222222:user/alice",
        "the caller as given, never its whole account"
    );
}

#[test]
fn managed_policies_by_name_and_arn() {
    let run = |policy: &str, action: &str| {
        ecrsim(
            &[
                "check",
                "--managed-policy",
                policy,
                "--action",
                action,
                "--resource",
                APP,
            ],
            "",
        )
        .status
        .code()
    };
    assert_eq!(
        run("AmazonEC2ContainerRegistryReadOnly", "ecr:BatchGetImage"),
        Some(0)
    );
    assert_eq!(
        run("AmazonEC2ContainerRegistryReadOnly", "ecr:PutImage"),
        Some(1)
    );
    assert_eq!(
        run(
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
            "ecr:PutImage"
        ),
        Some(0)
    );
    let typo = ecrsim(
        &[
            "check",
            "--managed-policy",
            "AmazonEC2ContainerRegistryReadOnlu",
            "--action",
            "ecr:PutImage",
            "--resource",
            APP,
        ],
        "",
    );
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("did you mean `AmazonEC2ContainerRegistryReadOnly`?"));
}

#[test]
fn scp_deny_and_missing_boundary_allow_are_named() {
    let bob = "arn:aws:iam::111111111111:user/bob";
    let scp = ecrsim(
        &[
            "check",
            "--managed-policy",
            "AmazonEC2ContainerRegistryFullAccess",
            "--scp",
            &fixture("scp.json"),
            "--principal",
            bob,
            "--action",
            "ecr:BatchDeleteImage",
            "--resource",
            APP,
        ],
        "",
    );
    assert_eq!(scp.status.code(), Some(1));
    let stdout = text(&scp.stdout);
    assert!(stdout.starts_with("ExplicitDeny"), "{stdout}");
    assert!(
        stdout.contains("why: with an explicit deny in a service control policy"),
        "{stdout}"
    );
    let boundary = ecrsim(
        &[
            "check",
            "--managed-policy",
            "AmazonEC2ContainerRegistryPowerUser",
            "--boundary",
            &fixture("boundary.json"),
            "--principal",
            bob,
            "--action",
            "ecr:PutImage",
            "--resource",
            APP,
        ],
        "",
    );
    assert_eq!(boundary.status.code(), Some(1));
    assert!(text(&boundary.stdout).contains("why: because no permissions boundary allows it"));
}

#[test]
fn managed_policies_command_lists_ecr_policies() {
    let out = ecrsim(&["managed-policies", "--grep", "ContainerRegistry"], "");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("AmazonEC2ContainerRegistryReadOnly\tarn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"), "{stdout}");
    assert!(!stdout.contains("AdministratorAccess\t"), "grep filters");
}

#[test]
fn push_workflow_shows_the_token_denied_and_uploads_allowed() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--workflow",
            "push",
            "--resource",
            REPO,
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["decision"], "ImplicitDeny");
    assert_eq!(json["workflow"], "push");
    let results: Vec<(String, String, String)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().into(),
                r["resource"].as_str().unwrap().into(),
                r["decision"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        results[0],
        (
            "ecr:GetAuthorizationToken".into(),
            "*".into(),
            "ImplicitDeny".into()
        )
    );
    for upload in [
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    ] {
        assert!(
            results.contains(&(upload.into(), REPO.into(), "Allow".into())),
            "{upload}: {results:?}"
        );
    }
    let human = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--workflow",
            "push",
            "--resource",
            REPO,
        ],
        "",
    );
    let stdout = text(&human.stdout);
    assert!(
        stdout.starts_with("ImplicitDeny  ecr:GetAuthorizationToken on *"),
        "{stdout}"
    );
    assert!(
        stdout.contains("push: ImplicitDeny (1 of 6 actions denied)"),
        "{stdout}"
    );
    // BatchGetImage is listed by the push page but not needed by every client: a warning.
    assert!(
        stdout.contains("warning: the AWS guide also lists ecr:BatchGetImage"),
        "{stdout}"
    );
}

#[test]
fn fix_makes_push_work_without_opening_other_repositories() {
    let path = example();
    let fixed = ecrsim(
        &[
            "fix",
            path.to_str().unwrap(),
            "--workflow",
            "push",
            "--resource",
            REPO,
        ],
        "",
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
    let document = text(&fixed.stdout);
    assert!(
        text(&fixed.stderr).contains("added statement `AllowAccountLevelActions`"),
        "{}",
        text(&fixed.stderr)
    );
    let push = ecrsim(
        &["check", "-", "--workflow", "push", "--resource", REPO],
        &document,
    );
    assert_eq!(push.status.code(), Some(0), "{}", text(&push.stdout));
    let other = ecrsim(
        &[
            "check",
            "-",
            "--action",
            "ecr:PutImage",
            "--resource",
            "arn:aws:ecr:us-east-1:123456789012:repository/other",
        ],
        &document,
    );
    assert_eq!(
        other.status.code(),
        Some(1),
        "another repository stays denied"
    );
}

#[test]
fn fix_reports_what_only_another_policy_can_change() {
    let ident = fixture("ident.json");
    let alice = "arn:aws:iam::222222222222:user/alice";
    let out = ecrsim(
        &[
            "fix",
            &ident,
            "--principal",
            alice,
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            APP,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "still denied: ecr:BatchGetImage on arn:aws:ecr:us-east-1:111111111111:repository/app"
        ),
        "{stderr}"
    );
    // A complete repository policy, naming the caller as given, ready for set-repository-policy.
    let document = stderr
        .find("\n{")
        .map(|start| &stderr[start + 1..])
        .expect("a JSON document on stderr");
    let policy: serde_json::Value = serde_json::from_str(document.trim()).expect(document);
    assert_eq!(policy["Version"], "2012-10-17");
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::222222222222:user/alice"
    );
    assert_eq!(policy["Statement"][0]["Action"], "ecr:BatchGetImage");
    assert!(stderr.contains("aws ecr set-repository-policy"), "{stderr}");
}

#[test]
fn fix_without_a_policy_writes_a_new_inline_policy() {
    let out = ecrsim(
        &[
            "fix",
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        policy["Statement"][0]["Action"],
        "ecr:GetAuthorizationToken"
    );
    assert_eq!(policy["Statement"][0]["Resource"], "*");
}

/// `--scp-level A,B` is one organization level holding two SCPs (one allowing is enough);
/// `--scp-level A --scp-level B` is two levels (each must allow). Same for `batch`'s shared
/// policies, which take the same flags.
#[test]
fn scp_level_commas_separate_policies_and_flags_separate_levels() {
    let dir = "corpus/policy-types/scp/levels-each-must-allow";
    let file = |name: &str| format!("{dir}/{name}");
    let request = [
        "--action",
        "ecr:PutImage",
        "--resource",
        APP,
        "--principal",
        "arn:aws:iam::111111111111:user/dev",
    ];
    let one_level = format!("{},{}", file("ou-ecr-read.json"), file("ou-ecr-all.json"));
    let identity = file("identity.json");
    let mut check = vec!["check", &identity, "--scp-level", &one_level];
    check.extend(request);
    let out = ecrsim(&check, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).starts_with("Allow: "),
        "{}",
        text(&out.stdout)
    );

    let (read, all) = (file("ou-ecr-read.json"), file("ou-ecr-all.json"));
    let mut check = vec![
        "check",
        &identity,
        "--scp-level",
        &read,
        "--scp-level",
        &all,
    ];
    check.extend(request);
    let out = ecrsim(&check, "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout)
            .contains("because no service control policy allows it (organization level 0)"),
        "{}",
        text(&out.stdout)
    );

    let line = format!(
        "{{\"id\":\"push\",\"request\":{{\"action\":\"ecr:PutImage\",\"resource\":\"{APP}\",\"principal\":\"arn:aws:iam::111111111111:user/dev\"}}}}\n"
    );
    let one = ecrsim(
        &[
            "batch",
            "--identity-policy",
            &identity,
            "--scp-level",
            &one_level,
        ],
        &line,
    );
    let two = ecrsim(
        &[
            "batch",
            "--identity-policy",
            &identity,
            "--scp-level",
            &read,
            "--scp-level",
            &all,
        ],
        &line,
    );
    assert!(
        text(&one.stdout).contains("\"decision\":\"Allow\""),
        "{}",
        text(&one.stdout)
    );
    assert!(
        text(&two.stdout).contains("\"decision\":\"ImplicitDeny\""),
        "{}",
        text(&two.stdout)
    );

    let out = ecrsim(
        &["check", &identity, "--scp-level", &format!("{read},")],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("empty file name in"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn image_references_resolve_to_the_repository_arn() {
    let path = example();
    let out = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--workflow",
            "pull",
            "--image",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app-repo:1.2",
            "--format",
            "json",
        ],
        "",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["results"][1]["resource"],
        "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"
    );
    let bad = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--workflow",
            "pull",
            "--image",
            "nginx:latest",
        ],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("expected ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME"));
    let public = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr-public:PutImage",
            "--image",
            "public.ecr.aws/my-alias/app:1",
        ],
        "",
    );
    assert_eq!(public.status.code(), Some(2));
    assert!(text(&public.stderr).contains("--resource-account"));
}
