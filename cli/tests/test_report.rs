//! `ecrsim test` for CI: the JUnit, JSON and TAP reports, `--filter`, `--quiet`, unknown fields
//! of a case file, and the exit codes (0 all passed, 1 some failed, 2 unreadable).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text};

const FIXTURE: &str = "cli/tests/fixtures/ci-report";

#[test]
fn junit_has_one_suite_per_file_and_one_escaped_testcase_per_case() {
    let out = ecrsim(
        &[
            "test",
            FIXTURE,
            "cli/tests/fixtures/failing",
            "--format",
            "junit",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let xml = text(&out.stdout);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuites name=\"ecrsim test\" tests=\"6\" failures=\"4\" errors=\"0\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert_eq!(xml.matches("</testsuite>").count(), 2, "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 6, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 4, "{xml}");
    assert!(
        xml.contains(
            "<testsuite name=\"cli/tests/fixtures/ci-report/cases.toml\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\">"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testcase classname=\"cli/tests/fixtures/ci-report\" name=\"push &lt;allowed&gt; &amp; &quot;quoted&quot;\" file=\"cli/tests/fixtures/ci-report/cases.toml\"/>"
        ),
        "{xml}"
    );
    assert!(xml.contains("name=\"it&apos;s denied\""), "{xml}");
    assert!(
        xml.contains(
            "<failure message=\"expected Allow, got ImplicitDeny:\" type=\"ExpectationNotMet\">"
        ),
        "{xml}"
    );
    // The reproducer is in the failure, its quotes escaped.
    assert!(
        xml.contains("to reproduce: ecrsim check cli/tests/fixtures/ci-report/policy.json --action ecr:PutImage --resource arn:aws:ecr:us-east-1:123456789012:repository/other</failure>"),
        "{xml}"
    );
    // Nothing unescaped slips through: every `&` starts an entity, and no raw quote or markup
    // sits inside an attribute value.
    for (i, _) in xml.match_indices('&') {
        let rest = &xml[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare & at {i}: {xml}"
        );
    }
}

#[test]
fn an_unreadable_case_file_is_a_junit_error_and_exit_2() {
    let out = ecrsim(
        &[
            "test",
            "cli/tests/fixtures/unknown-field",
            FIXTURE,
            "--format",
            "junit",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let xml = text(&out.stdout);
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<error message=\"invalid case file: line 4, column 1: unknown field `workflows` in case `push` (did you mean `workflow`?);"),
        "{xml}"
    );
}

#[test]
fn an_unknown_case_field_is_named_with_its_line() {
    let out = ecrsim(&["test", "cli/tests/fixtures/unknown-field"], "");
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("cases.toml: invalid case file: line 4, column 1: unknown field `workflows` in case `push` (did you mean `workflow`?); allowed: name, rule, policies, action,"),
        "{stdout}"
    );
    assert!(!stdout.contains("missing field"), "{stdout}");
}

#[test]
fn json_lists_counts_files_and_cases() {
    let out = ecrsim(&["test", FIXTURE, "--format", "json"], "");
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["passed"], 1);
    assert_eq!(value["failed"], 1);
    assert_eq!(value["errors"], 0);
    let cases = &value["files"][0]["cases"];
    assert_eq!(cases[0]["status"], "pass");
    assert_eq!(cases[1]["status"], "fail");
    assert_eq!(cases[1]["id"], "cli/tests/fixtures/ci-report/it's denied");
    assert_eq!(
        cases[1]["reproducer"],
        "ecrsim check cli/tests/fixtures/ci-report/policy.json --action ecr:PutImage --resource arn:aws:ecr:us-east-1:123456789012:repository/other"
    );
}

#[test]
fn tap_has_a_plan_and_one_point_per_case() {
    let out = ecrsim(&["test", FIXTURE, "--format", "tap"], "");
    assert_eq!(out.status.code(), Some(1));
    let tap = text(&out.stdout);
    assert!(tap.starts_with("TAP version 13\n1..2\n"), "{tap}");
    assert!(
        tap.contains("\nok 1 - cli/tests/fixtures/ci-report/push <allowed> & \"quoted\"\n"),
        "{tap}"
    );
    assert!(
        tap.contains("\nnot ok 2 - cli/tests/fixtures/ci-report/it's denied\n  ---\n  message: |\n      expected Allow, got ImplicitDeny:\n"),
        "{tap}"
    );
    assert!(tap.contains("\n  reproducer: 'ecrsim check "), "{tap}");
    assert!(tap.ends_with("  ...\n"), "{tap}");
}

#[test]
fn filter_selects_by_substring_or_glob_on_folder_and_name() {
    let out = ecrsim(
        &["test", FIXTURE, "--filter", "quoted", "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (value["passed"].as_u64(), value["failed"].as_u64()),
        (Some(1), Some(0))
    );

    let out = ecrsim(
        &[
            "test",
            FIXTURE,
            "cli/tests/fixtures/failing",
            "--filter",
            "*/failing/wrong-*",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).ends_with("\n0 passed, 2 failed\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_code() {
    let out = ecrsim(&["test", FIXTURE, "--quiet"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let out = ecrsim(&["test", "corpus/examples", "-q"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
}
