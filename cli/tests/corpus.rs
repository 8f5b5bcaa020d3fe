//! Runs the whole regression corpus (`corpus/`) through the same runner as `ecrsim test`, and
//! checks that the runner really reports failures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

use std::path::{Path, PathBuf};

use ecrsim_cli::corpus::{find_case_files, run_files};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

#[test]
fn corpus_passes() {
    let mut files = Vec::new();
    find_case_files(&corpus_root(), &mut files).expect("corpus/ is readable");
    assert!(!files.is_empty(), "no cases.toml under corpus/");
    let report = run_files(&files);
    for failure in &report.failures {
        eprintln!("FAIL {failure}\n");
    }
    assert!(report.failures.is_empty(), "{}", report.summary());
    assert!(
        report.passed >= 40,
        "the corpus must hold at least 40 cases, has {}",
        report.passed
    );
}

#[test]
fn runner_reports_wrong_expectations_with_a_reproducer() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/failing/cases.toml");
    let report = run_files(&[fixture]);
    assert_eq!(report.summary(), "1 passed, 3 failed");
    let all = report.failures.join("\n");
    assert!(
        all.contains("[wrong-decision]") && all.contains("expected Allow, got ImplicitDeny"),
        "{all}"
    );
    assert!(
        all.contains("[wrong-deciding-sid]")
            && all.contains("expected deciding [\"NotThisOne\"], got [\"Repo\"]"),
        "{all}"
    );
    assert!(all.contains("[expected-error-but-decided]"), "{all}");
    assert!(
        all.contains("to reproduce: ecrsim check ") && all.contains("--action ecr:PutImage --resource arn:aws:ecr:us-east-1:123456789012:repository/other"),
        "{all}"
    );
}
