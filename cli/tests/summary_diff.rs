//! End-to-end tests of `ecrsim explain`, `ecrsim diff`, `ecrsim completions` and `ecrsim man`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use support::{ecrsim, text};

/// The motivating policy: twelve push/pull actions, all scoped to one repository.
fn motivating() -> String {
    path("../corpus/examples/ecr-login/policy.json")
}

/// The motivating policy with `GetAuthorizationToken` added in its own `"Resource": "*"` statement.
fn fixed() -> String {
    fixture("policy-fixed.json")
}

fn path(relative: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    p.to_str().expect("utf-8 path").to_string()
}

fn fixture(name: &str) -> String {
    path(&format!("tests/fixtures/summary_diff/{name}"))
}

fn stdout(out: &Output) -> String {
    text(&out.stdout)
}

fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// explain

#[test]
fn explain_motivating_policy_names_ecr_levels_repository_and_warns_about_login() {
    let out = ecrsim(&["explain", &motivating()], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let expected_head = "\
Allowed:
  Amazon Elastic Container Registry (ecr): Limited: List, Read, Write — 11 of 60 actions
    List (2 of 4):
      DescribeImages, ListImages
        on repository my-app-repo (us-east-1, 123456789012)
    Read (5 of 21):
      BatchCheckLayerAvailability, BatchGetImage, DescribeRepositories, GetDownloadUrlForLayer, GetRepositoryPolicy
        on repository my-app-repo (us-east-1, 123456789012)
    Write (4 of 29):
      CompleteLayerUpload, InitiateLayerUpload, PutImage, UploadLayerPart
        on repository my-app-repo (us-east-1, 123456789012)

Warnings:
";
    assert!(text.starts_with(expected_head), "{text}");
    let warning = text.lines().last().expect("a warning line");
    assert!(
        warning.contains("policy.json:7:17 (statement #0): `ecr:GetAuthorizationToken` is granted nothing: it does not support resource-level permissions"),
        "{warning}"
    );
    assert!(
        warning.ends_with(
            r#"add a separate statement {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#
        ),
        "{warning}"
    );
    // Login is not listed as granted anywhere.
    assert!(
        !text
            .lines()
            .take_while(|l| *l != "Warnings:")
            .any(|l| l.contains("GetAuthorizationToken")),
        "{text}"
    );
}

#[test]
fn explain_json_has_services_levels_actions_repositories_and_warning_codes() {
    let out = ecrsim(&["explain", &motivating(), "--format", "json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["denied"], Value::Array(vec![]));
    assert_eq!(v["allServices"], Value::Array(vec![]));
    let ecr = &v["allowed"][0];
    assert_eq!(ecr["service"], "ecr");
    assert_eq!(ecr["name"], "Amazon Elastic Container Registry");
    assert_eq!(ecr["access"], "Limited: List, Read, Write");
    assert_eq!(ecr["granted"], 11);
    assert_eq!(ecr["total"], 60);
    let levels: Vec<&str> = ecr["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["List", "Read", "Write"]);
    let write = &ecr["levels"][2];
    let actions: Vec<&str> = write["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "ecr:CompleteLayerUpload",
            "ecr:InitiateLayerUpload",
            "ecr:PutImage",
            "ecr:UploadLayerPart"
        ]
    );
    let scope = &write["actions"][2]["scopes"][0];
    assert_eq!(
        strings(&scope["resources"]),
        ["arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"]
    );
    assert_eq!(strings(&scope["repositories"]), ["my-app-repo"]);
    assert_eq!(scope["conditions"], Value::Array(vec![]));
    assert_eq!(scope["statement"]["statement"], "#0");
    assert_eq!(scope["statement"]["line"], 4);

    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["code"], "account-level-action-scoped");
    assert_eq!(warnings[0]["action"], "ecr:GetAuthorizationToken");
    assert_eq!(
        (&warnings[0]["line"], &warnings[0]["column"]),
        (&7.into(), &17.into())
    );
}

#[test]
fn explain_fixed_policy_grants_login_on_star() {
    let out = ecrsim(&["explain", &fixed(), "--format", "json"], "");
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    // Statement #0 still lists the login action on the repository, to no effect.
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0]["code"], "account-level-action-scoped");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("another statement grants it, so listing it here has no effect"),
        "{warnings:?}"
    );
    let read = &v["allowed"][0]["levels"][1];
    assert_eq!(read["level"], "Read");
    let login = read["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "ecr:GetAuthorizationToken")
        .expect("login granted");
    assert_eq!(strings(&login["scopes"][0]["resources"]), ["*"]);
}

#[test]
fn explain_shows_conditions_denies_and_wildcard_repositories() {
    let out = ecrsim(&["explain", &fixture("push-all-repos.json")], "");
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "      CompleteLayerUpload, InitiateLayerUpload, PutImage, UploadLayerPart\n        on repository team-* (us-east-1, 123456789012) when StringEquals aws:ResourceTag/team: platform\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("      GetAuthorizationToken\n        on all resources (*)\n"),
        "{text}"
    );
    assert!(
        text.contains("Denied:\n  Amazon Elastic Container Registry (ecr): Limited: Write — 1 of 60 actions\n    Write (1 of 29):\n      BatchDeleteImage\n        on all resources (*)\n"),
        "{text}"
    );

    let v = json(&ecrsim(
        &[
            "explain",
            &fixture("push-all-repos.json"),
            "--format",
            "json",
        ],
        "",
    ));
    let put = &v["allowed"][0]["levels"][1]["actions"][2];
    assert_eq!(put["action"], "ecr:PutImage");
    assert_eq!(
        put["scopes"][0]["conditions"][0],
        serde_json::json!({"operator": "StringEquals", "key": "aws:ResourceTag/team", "values": ["platform"]})
    );
    assert_eq!(strings(&put["scopes"][0]["repositories"]), ["team-*"]);
    assert_eq!(
        v["denied"][0]["levels"][0]["actions"][0]["action"],
        "ecr:BatchDeleteImage"
    );
}

#[test]
fn explain_warns_about_unknown_actions_and_resources_no_action_uses() {
    let out = ecrsim(
        &["explain", &fixture("mistakes.json"), "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["allowed"], Value::Array(vec![]));
    let codes: Vec<(&str, u64)> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["code"].as_str().unwrap(), w["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [("unknown-action", 7), ("resource-type-mismatch", 13)]
    );
    assert!(
        v["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(did you mean `ecr:PutImage`?)")
    );
    let text = stdout(&ecrsim(&["explain", &fixture("mistakes.json")], ""));
    assert!(
        text.starts_with("Nothing is allowed or denied.\n"),
        "{text}"
    );
}

#[test]
fn explain_summarizes_star_as_all_services_and_reads_stdin() {
    let out = ecrsim(&["explain", "--managed-policy", "AdministratorAccess"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(
            "Allowed:\n  All services: every action of every service\n      on all resources (*)\n"
        ),
        "{}",
        stdout(&out)
    );

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"ecr:Get*","Resource":"*"}]}"#;
    let v = json(&ecrsim(&["explain", "-", "--format", "json"], policy));
    let all = &v["allServices"][0];
    assert_eq!(all["effect"], "Deny");
    assert_eq!(strings(&all["notActions"]), ["ecr:Get*"]);
    assert_eq!(
        all["description"],
        "every action of every service except ecr:Get*"
    );
    // Within ECR, everything but the Get* actions is denied.
    let denied = &v["denied"][0];
    assert_eq!(denied["service"], "ecr");
    let names: Vec<&str> = denied["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["actions"].as_array().unwrap())
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"ecr:PutImage"));
    assert!(!names.iter().any(|n| n.starts_with("ecr:Get")), "{names:?}");
}

#[test]
fn explain_bad_input_exits_2() {
    let out = ecrsim(&["explain"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("give at least one policy"));

    let out = ecrsim(&["explain", &fixture("no-such-file.json")], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));

    let out = ecrsim(&["explain", "-"], r#"{"Statement": ["#);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<stdin>:1:"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// diff

#[test]
fn diff_motivating_against_fixed_shows_login_gained_and_exits_1() {
    let out = ecrsim(&["diff", &motivating(), &fixed()], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
Amazon Elastic Container Registry (ecr):
  + ecr:GetAuthorizationToken on *

1 gained, 0 lost (95 requests over 1 service: ecr).
"
    );
}

#[test]
fn diff_json_lists_gained_and_lost() {
    let out = ecrsim(&["diff", &motivating(), &fixed(), "--format", "json"], "");
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(
        v["gained"],
        serde_json::json!([{
            "service": "ecr",
            "action": "ecr:GetAuthorizationToken",
            "resource": "*",
            "sampleFor": null,
            "before": "denied",
            "after": "allowed",
            "text": "+ ecr:GetAuthorizationToken on *",
        }])
    );
    assert_eq!(v["lost"], Value::Array(vec![]));
    assert_eq!(strings(&v["services"]), ["ecr"]);

    // The other way round it is a loss, and a loss alone exits 0.
    let out = ecrsim(&["diff", &fixed(), &motivating(), "--format", "json"], "");
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["gained"], Value::Array(vec![]));
    assert_eq!(v["lost"][0]["text"], "- ecr:GetAuthorizationToken on *");
    assert_eq!(v["lost"].as_array().unwrap().len(), 1);
}

#[test]
fn diff_of_identical_policies_is_empty_and_exits_0() {
    let out = ecrsim(&["diff", &motivating(), &motivating()], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "No access gained or lost (95 requests over 1 service: ecr).\n"
    );
}

#[test]
fn diff_samples_wildcard_repositories_and_reports_conditional_grants() {
    let out = ecrsim(
        &["diff", &motivating(), &fixture("push-all-repos.json")],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(&"  + ecr:GetAuthorizationToken on *"),
        "{text}"
    );
    assert!(
        lines.contains(&"  + ecr:PutImage on arn:aws:ecr:us-east-1:123456789012:repository/team-<any> (only when conditions hold; sample for `arn:aws:ecr:us-east-1:123456789012:repository/team-*`)"),
        "{text}"
    );
    assert!(
        lines.contains(
            &"  - ecr:PutImage on arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"
        ),
        "{text}"
    );
    assert!(
        lines.contains(&"6 gained, 11 lost (130 requests over 1 service: ecr)."),
        "{text}"
    );
    assert!(text.contains("note: `<any>` marks a sample"), "{text}");

    let v = json(&ecrsim(
        &[
            "diff",
            &motivating(),
            &fixture("push-all-repos.json"),
            "--format",
            "json",
        ],
        "",
    ));
    let put = v["gained"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "ecr:PutImage")
        .expect("PutImage gained");
    assert_eq!(put["after"], "conditional");
    assert_eq!(
        put["resource"],
        "arn:aws:ecr:us-east-1:123456789012:repository/team-<any>"
    );
    assert_eq!(
        put["sampleFor"],
        "arn:aws:ecr:us-east-1:123456789012:repository/team-*"
    );
}

#[test]
fn diff_resource_policies_with_a_principal() {
    let old = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:BatchGetImage"}]}"#;
    let new_path =
        std::env::temp_dir().join(format!("ecrsim-diff-new-{}.json", std::process::id()));
    std::fs::write(
        &new_path,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:BatchGetImage","ecr:PutImage"]}]}"#,
    )
    .unwrap();
    let repo = "arn:aws:ecr:us-east-1:444455556666:repository/app";
    let out = ecrsim(
        &[
            "diff",
            "--kind",
            "resource",
            "-",
            new_path.to_str().unwrap(),
            "--principal",
            "arn:aws:iam::111122223333:role/ci",
            "--resource",
            repo,
            "--format",
            "json",
        ],
        old,
    );
    std::fs::remove_file(&new_path).ok();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    let gained: Vec<&str> = v["gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert!(
        gained.contains(&format!("+ ecr:PutImage on {repo}").as_str()),
        "{gained:?}"
    );
    assert!(
        gained.iter().all(|g| g.starts_with("+ ecr:PutImage on ")),
        "{gained:?}"
    );
}

#[test]
fn diff_bad_input_exits_2() {
    let out = ecrsim(&["diff", &motivating()], "");
    assert_eq!(out.status.code(), Some(2));

    let out = ecrsim(&["diff", &motivating(), &fixture("no-such-file.json")], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));

    let out = ecrsim(&["diff", "-", "-"], "{}");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only once"), "{}", stderr(&out));

    let out = ecrsim(
        &["diff", &motivating(), &fixed(), "--resource", "my-repo"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid resource `my-repo`"),
        "{}",
        stderr(&out)
    );

    // A resource policy is not a valid identity policy.
    let out = ecrsim(
        &["diff", &motivating(), "-"],
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}"#,
    );
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// completions and man

#[test]
fn completions_name_the_command_and_its_subcommands() {
    let out = ecrsim(&["completions", "bash"], "");
    assert_eq!(out.status.code(), Some(0));
    let script = stdout(&out);
    assert!(script.contains("_ecrsim()"), "{script}");
    for sub in ["check", "explain", "diff", "lint", "completions", "man"] {
        assert!(script.contains(sub), "bash completion lacks `{sub}`");
    }
    assert!(script.contains("--format"));
    assert!(script.contains("complete -F _ecrsim"));
    // `--workflow` completes workflow names, `--managed-policy` the bundled policy names; both
    // are offered, not listed in --help.
    // Every command's `--workflow` case (check, fix, who-can, …) offers the names.
    let cases: Vec<&str> = script
        .split("--workflow)")
        .skip(1)
        .map(|rest| rest.split(";;").next().unwrap_or_default())
        .collect();
    assert!(cases.len() >= 3, "{} --workflow cases", cases.len());
    for case in cases {
        for name in ["login", "push", "public-login", "create-repository-kms"] {
            assert!(case.contains(name), "--workflow lacks `{name}`: {case}");
        }
    }
    assert!(script.contains("AmazonEC2ContainerRegistryReadOnly"));
    let help = stdout(&ecrsim(&["check", "--help"], ""));
    assert!(
        !help.contains("AmazonEC2ContainerRegistryPullOnly"),
        "{help}"
    );

    for (shell, marker) in [
        ("zsh", "#compdef ecrsim"),
        ("fish", "complete -c ecrsim"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = ecrsim(&["completions", shell], "");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("explain") && script.contains("diff"),
            "{shell}"
        );
    }

    let out = ecrsim(&["completions", "tcsh"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_prints_a_roff_page_from_the_command_line_definition() {
    let out = ecrsim(&["man"], "");
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    // roff: clap_mangen's two-line apostrophe preamble, then the title macro.
    let first_macro = page
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap();
    assert!(first_macro.starts_with(".TH ecrsim 1"), "{page}");
    assert!(page.contains(".SH NAME"));
    assert!(page.contains(".SH SUBCOMMANDS"));
    for sub in ["explain", "diff", "completions", "man"] {
        assert!(
            page.contains(&format!("ecrsim\\-{sub}(1)")),
            "man page lacks `{sub}`"
        );
    }
}

#[test]
fn every_new_subcommand_help_has_examples() {
    for (sub, example) in [
        ("explain", "ecrsim explain policy.json"),
        ("diff", "ecrsim diff policy.json policy-fixed.json"),
        ("completions", "ecrsim completions bash"),
        ("man", "ecrsim man"),
    ] {
        let out = ecrsim(&[sub, "--help"], "");
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = stdout(&out);
        assert!(help.contains("Example"), "{sub}: {help}");
        assert!(help.contains(example), "{sub}: {help}");
    }
}

#[test]
fn repository_policy_explain_speaks_of_its_grantees() {
    let out = ecrsim(
        &[
            "explain",
            "--kind",
            "resource",
            "cli/tests/fixtures/grants/repository-policy.json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let text = text(&out.stdout);
    assert!(text.starts_with("This repository policy ("), "{text}");
    assert!(
        text.contains("account 444455556666 (any of its principals its own policies allow) pull from this repository"),
        "{text}"
    );
    assert!(
        text.contains("when its condition on aws:sourceARN holds"),
        "{text}"
    );
}

#[test]
fn diff_headlines_a_repository_policy_opened_to_the_public_and_an_account() {
    let out = ecrsim(
        &[
            "diff",
            "--kind",
            "resource",
            "--format",
            "json",
            "cli/tests/fixtures/grants/repository-policy.json",
            "cli/tests/fixtures/grants/repository-policy-opened.json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "a headline fails the check");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let headlines: Vec<&str> = value["headlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(headlines.len(), 2, "{headlines:?}");
    assert!(headlines[0].contains("account 777788889999"));
    assert!(headlines[1].contains("public"));
    // The reverse change opens nothing; identity policies get no headlines.
    let back = ecrsim(
        &[
            "diff",
            "--kind",
            "resource",
            "--format",
            "json",
            "cli/tests/fixtures/grants/repository-policy-opened.json",
            "cli/tests/fixtures/grants/repository-policy.json",
        ],
        "",
    );
    let value: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    assert_eq!(value["headlines"], serde_json::json!([]));
}
