//! End-to-end tests of `ecrsim lint`: positions, codes, formats and exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use support::{ecrsim, text};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

const MOTIVATING: &str = "corpus/examples/ecr-login/policy.json";

fn fixture(name: &str) -> String {
    format!("cli/tests/fixtures/lint/{name}")
}

fn json_findings(out: &Output) -> Vec<Value> {
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    value.as_array().expect("an array").clone()
}

fn codes(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn motivating_policy_reports_the_login_action_with_its_position() {
    let out = ecrsim(&["lint", MOTIVATING], "");
    assert_eq!(out.status.code(), Some(1), "a warning fails by default");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "{MOTIVATING}:7:17: warning[W103]: `ecr:GetAuthorizationToken` is an account-level action"
        )),
        "{stdout}"
    );
    assert!(
        lines[0].ends_with("the statement grants nothing for it"),
        "{stdout}"
    );
    assert_eq!(lines[1], "  |");
    assert_eq!(
        lines[2],
        "7 |                 \"ecr:GetAuthorizationToken\","
    );
    assert_eq!(lines[3], "  |                 ^");
    assert!(
        lines[4].starts_with("  = help: move it to a separate statement with \"Resource\": \"*\": {\"Effect\":\"Allow\",\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\"}"),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"0 errors, 1 warning, 0 notes"));
    assert!(!stdout.contains('\x1b'), "no colour off a terminal");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn motivating_policy_as_json() {
    let out = ecrsim(&["lint", "--format", "json", MOTIVATING], "");
    assert_eq!(out.status.code(), Some(1));
    let findings = json_findings(&out);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["file"], MOTIVATING);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(17))
    );
    assert_eq!(f["code"], "W103");
    assert_eq!(f["name"], "account-level-action-scoped");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["pointer"], "/Statement/0/Action/0");
    assert!(f["help"].as_str().unwrap().contains(r#""Resource":"*""#));
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "file", "line", "column", "code", "name", "severity", "message", "help", "pointer"
        ]
    );
}

#[test]
fn misspelt_action_suggests_the_real_one() {
    let out = ecrsim(&["lint", &fixture("typo.json")], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "{}:9:17: warning[W101]: unknown action `ecr:PutImages`: it matches no request; did you mean `ecr:PutImage`?\n",
            fixture("typo.json")
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("  = help: replace it with `ecr:PutImage`\n"),
        "{stdout}"
    );
}

#[test]
fn repository_arn_without_account_is_flagged() {
    let out = ecrsim(
        &["lint", "--format", "json", &fixture("missing-account.json")],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let findings = json_findings(&out);
    assert_eq!(codes(&findings), ["W104"], "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(8), Some(25))
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "`arn:aws:ecr:us-east-1:repository/x` matches no resource of the listed actions"
        ),
        "{message}"
    );
    assert!(
        message.contains("account id is probably missing"),
        "{message}"
    );
}

#[test]
fn allow_with_not_action_is_flagged() {
    let path = fixture("not-action.json");
    let out = ecrsim(&["lint", &path], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "{path}:7:13: warning[W109]: `Allow` with `NotAction` allows every action of every AWS service except `iam:*`"
        )),
        "{stdout}"
    );
}

#[test]
fn clean_policy_exits_zero_with_the_counts() {
    let out = ecrsim(&["lint", &fixture("clean.json")], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout), "0 errors, 0 warnings, 0 notes\n");
    let out = ecrsim(&["lint", "--format", "json", &fixture("clean.json")], "");
    assert_eq!(text(&out.stdout).trim(), "[]");
}

#[test]
fn invalid_documents_give_one_error_each() {
    let out = ecrsim(
        &[
            "lint",
            "--format",
            "json",
            &fixture("invalid-json.json"),
            &fixture("invalid-effect.json"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let findings = json_findings(&out);
    assert_eq!(codes(&findings), ["E002", "E001"], "sorted by file name");
    let effect = &findings[0];
    assert_eq!(effect["file"], fixture("invalid-effect.json"));
    assert_eq!(
        (effect["line"].as_u64(), effect["column"].as_u64()),
        (Some(4), Some(19))
    );
    assert_eq!(effect["pointer"], "/Statement/Effect");
    assert!(effect["help"].as_str().unwrap().contains("write \"Allow\""));
    let json = &findings[1];
    assert_eq!(
        (json["line"].as_u64(), json["column"].as_u64()),
        (Some(8), Some(9))
    );
    assert!(json["message"].as_str().unwrap().contains("trailing comma"));
    assert_eq!(json["help"], Value::Null);
}

#[test]
fn fail_on_sets_the_threshold() {
    let notes = fixture("duplicate.json");
    let out = ecrsim(&["lint", &notes], "");
    assert_eq!(out.status.code(), Some(0), "notes do not fail by default");
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": note[I113]: "), "{stdout}");
    assert!(
        stdout.ends_with("0 errors, 0 warnings, 1 note\n"),
        "{stdout}"
    );
    assert_eq!(
        ecrsim(&["lint", "--fail-on", "info", &notes], "")
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ecrsim(&["lint", "--fail-on", "error", MOTIVATING], "")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ecrsim(
            &["lint", "--fail-on", "none", &fixture("invalid-json.json")],
            ""
        )
        .status
        .code(),
        Some(0)
    );
    let out = ecrsim(&["lint", "--ignore", "W103", MOTIVATING], "");
    assert_eq!(out.status.code(), Some(0));
    let out = ecrsim(
        &[
            "lint",
            "--ignore",
            "account-level-action-scoped,I113",
            MOTIVATING,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let out = ecrsim(&["lint", "--ignore", "W999", MOTIVATING], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown lint code `W999`"));
}

#[test]
fn unreadable_file_exits_two_and_the_others_are_still_linted() {
    let out = ecrsim(&["lint", "no-such-policy.json", MOTIVATING], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: cannot read no-such-policy.json"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("warning[W103]"));
    let out = ecrsim(&["lint"], "");
    assert_eq!(out.status.code(), Some(2), "a POLICY is required");
}

#[test]
fn standard_input_and_shapes() {
    let actions: Vec<String> = (0..200).map(|i| format!("\"ecr:PutImage{i}\"")).collect();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    let size_findings = |shape: &str| {
        let out = ecrsim(
            &[
                "lint", "--format", "json", "--shape", shape, "--ignore", "W101", "-",
            ],
            &policy,
        );
        json_findings(&out)
    };
    let user = size_findings("user-inline");
    assert_eq!(codes(&user), ["W114"]);
    assert_eq!(user[0]["file"], "<stdin>");
    assert!(
        user[0]["message"]
            .as_str()
            .unwrap()
            .contains("over the 2048 allowed for a user's inline policies"),
        "{user:#?}"
    );
    assert!(size_findings("managed").is_empty());
}

#[test]
fn repository_policies_are_linted_as_resource_policies() {
    let path = fixture("repository-policy.json");
    let out = ecrsim(
        &["lint", "--format", "json", "--kind", "resource", &path],
        "",
    );
    let findings = json_findings(&out);
    assert_eq!(codes(&findings), ["E120"], "{findings:#?}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("no repository policy can grant")
    );
    // --shape repository implies the resource kind; as an identity policy it is invalid.
    let out = ecrsim(
        &["lint", "--format", "json", "--shape", "repository", &path],
        "",
    );
    assert_eq!(codes(&json_findings(&out)), ["E120"]);
    let out = ecrsim(&["lint", "--format", "json", &path], "");
    let findings = json_findings(&out);
    assert_eq!(codes(&findings), ["E002"]);
    assert!(
        findings[0]["help"]
            .as_str()
            .unwrap()
            .contains("--kind resource"),
        "{findings:#?}"
    );
}

#[test]
fn every_check_at_its_line() {
    let out = ecrsim(&["lint", "--format", "json", &fixture("many.json")], "");
    let findings = json_findings(&out);
    let at: Vec<(u64, &str)> = findings
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        at,
        [
            (1, "I115"),
            (6, "W111"),
            (9, "I112"),
            (12, "W102"),
            (13, "W105"),
            (14, "W107"),
            (16, "I112"),
            (20, "W110"),
        ],
        "{findings:#?}"
    );
    let human = text(&ecrsim(&["lint", &fixture("many.json")], "").stdout);
    assert!(
        human.ends_with("0 errors, 5 warnings, 3 notes\n"),
        "{human}"
    );
}

#[test]
fn sarif_is_structurally_valid_2_1_0() {
    let out = ecrsim(
        &[
            "lint",
            "--format",
            "sarif",
            MOTIVATING,
            &fixture("many.json"),
            &fixture("invalid-json.json"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "ecrsim");
    assert!(driver["version"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for rule in rules {
        assert!(rule["name"].is_string());
        assert!(
            rule["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level), "{level}");
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    for result in results {
        let id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        let level = result["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level), "{level}");
        assert_eq!(rules[index]["defaultConfiguration"]["level"], level);
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            [
                MOTIVATING.to_string(),
                fixture("many.json"),
                fixture("invalid-json.json")
            ]
            .contains(&uri.to_string()),
            "{uri}"
        );
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(physical["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let login = results
        .iter()
        .find(|r| r["ruleId"] == "W103")
        .expect("the login finding");
    let region = &login["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(7), Some(17))
    );
    assert_eq!(
        login["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        MOTIVATING
    );
}

#[test]
fn sarif_reports_unreadable_files_as_notifications() {
    let out = ecrsim(&["lint", "--format", "sarif", "missing.json"], "");
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert!(
        note["message"]["text"]
            .as_str()
            .unwrap()
            .contains("missing.json")
    );
}

#[test]
fn help_shows_an_example_and_the_exit_codes() {
    let out = ecrsim(&["lint", "--help"], "");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ecrsim lint policy.json"), "{stdout}");
    assert!(stdout.contains("--format sarif"), "{stdout}");
    assert!(stdout.contains("Exit codes: 0"), "{stdout}");
    assert!(stdout.contains("user-inline"), "{stdout}");
}

/// The fixtures named by the tests exist (a typo in a name would read as an unreadable file).
#[test]
fn fixtures_exist() {
    let dir = PathBuf::from(MANIFEST_DIR).join("tests/fixtures/lint");
    for name in [
        "clean.json",
        "typo.json",
        "missing-account.json",
        "not-action.json",
        "invalid-json.json",
        "invalid-effect.json",
        "duplicate.json",
        "repository-policy.json",
        "many.json",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
}

#[test]
fn registry_policies_are_checked_against_their_scope() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:ReplicateImage","ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}]}"#;
    let args = |scope: &'static str| -> Vec<&'static str> {
        let mut args = vec!["lint", "--format", "json", "--kind", "registry", "-"];
        if !scope.is_empty() {
            args.extend(["--registry-policy-scope", scope]);
        }
        args
    };
    let v1 = ecrsim(&args("V1"), policy);
    assert_eq!(v1.status.code(), Some(1));
    let findings = json_findings(&v1);
    assert_eq!(codes(&findings), ["E123"], "{findings:#?}");
    assert_eq!(findings[0]["line"], 1);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("`ecr:BatchGetImage`")
    );
    for scope in ["V2", ""] {
        let out = ecrsim(&args(scope), policy);
        assert_eq!(out.status.code(), Some(0), "{scope}");
        assert!(json_findings(&out).is_empty());
    }
    // The scope is about registry policies only.
    let out = ecrsim(&["lint", "--registry-policy-scope", "V1", "-"], policy);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--kind registry"));
}

#[test]
fn account_says_who_owns_a_repository_policy() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Ops","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ops"},"Action":["ecr:BatchGetImage","ecr:DeleteRepository"]}]}"#;
    let run = |extra: &[&'static str]| {
        let mut args = vec!["lint", "--format", "json", "--kind", "resource", "-"];
        args.extend_from_slice(extra);
        ecrsim(&args, policy)
    };
    // A role of an unknown owner is not taken as another account.
    assert!(json_findings(&run(&[])).is_empty());
    let foreign = run(&["--account", "123456789012"]);
    assert_eq!(codes(&json_findings(&foreign)), ["W122"]);
    let own = run(&["--account", "444455556666"]);
    assert!(json_findings(&own).is_empty());
    let bad = run(&["--account", "12345"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("12 digits"));
}

#[test]
fn an_image_reference_as_resource_gets_the_repository_arn() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2"}]}"#;
    let out = ecrsim(&["lint", "--format", "json", "-"], policy);
    let findings = json_findings(&out);
    assert_eq!(codes(&findings), ["E119"]);
    assert!(
        findings[0]["help"]
            .as_str()
            .unwrap()
            .contains("arn:aws:ecr:us-east-1:123456789012:repository/app")
    );
}
