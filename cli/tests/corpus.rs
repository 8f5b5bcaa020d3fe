//! The regression corpus (`corpus/`) as one test per scenario folder, named by its path relative
//! to `corpus/`, so `cargo test --test corpus -- ecr-login` runs one folder and a failure names
//! its folder, each failing case and the command that reproduces it. The cases run through the
//! same runner as `ecrsim test`. Two more tests check that the corpus keeps its size and that the
//! runner really reports failures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};

use ecrsim_cli::corpus::{CaseFile, run_files};
use libtest_mimic::{Arguments, Failed, Trial};

/// The corpus must not shrink by accident (a deleted folder, a `[[case]]` typo).
const MIN_CASES: usize = 40;

fn main() {
    let args = Arguments::from_args();
    // From the workspace root, the paths in failure messages and reproducers are the ones a user
    // types there. Nothing else runs yet, so changing the directory cannot race.
    std::env::set_current_dir(support::workspace_root()).expect("the workspace root exists");
    let mut trials: Vec<Trial> = support::scenarios()
        .into_iter()
        .map(|scenario| {
            let file = Path::new("corpus").join(&scenario).join("cases.toml");
            Trial::test(scenario, move || run_scenario(&file))
        })
        .collect();
    trials.push(Trial::test(
        "corpus-holds-enough-cases",
        corpus_holds_enough_cases,
    ));
    trials.push(Trial::test(
        "runner-reports-wrong-expectations-with-a-reproducer",
        runner_reports_wrong_expectations_with_a_reproducer,
    ));
    libtest_mimic::run(&args, trials).exit();
}

/// Runs one `cases.toml`; fails with every failing case and its reproducer.
fn run_scenario(file: &Path) -> Result<(), Failed> {
    let report = run_files(&[file.to_path_buf()]);
    if !report.failures.is_empty() {
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("FAIL {f}"))
            .collect();
        return Err(format!("{}\n\n{}", report.summary(), failures.join("\n\n")).into());
    }
    if report.passed.is_empty() {
        return Err(format!("{} holds no [[case]]", file.display()).into());
    }
    Ok(())
}

/// Counts the cases of every scenario (parsing only; the scenario tests run them).
fn corpus_holds_enough_cases() -> Result<(), Failed> {
    let mut count = 0;
    for scenario in support::scenarios() {
        let file: PathBuf = ["corpus", &scenario, "cases.toml"].iter().collect();
        let text = std::fs::read_to_string(&file)?;
        let parsed: CaseFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        count += parsed.cases.len();
    }
    if count < MIN_CASES {
        return Err(format!("the corpus must hold at least {MIN_CASES} cases, has {count}").into());
    }
    Ok(())
}

fn runner_reports_wrong_expectations_with_a_reproducer() -> Result<(), Failed> {
    let report = run_files(&[PathBuf::from("cli/tests/fixtures/failing/cases.toml")]);
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
        all.contains("to reproduce: ecrsim check cli/tests/fixtures/failing/policy.json --action ecr:PutImage --resource arn:aws:ecr:us-east-1:123456789012:repository/other"),
        "{all}"
    );
    Ok(())
}
