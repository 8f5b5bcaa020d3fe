//! The reproducers `ecrsim test --verbose` prints must reproduce: for every case of the corpus,
//! the printed `ecrsim check …` command, split into words as a POSIX shell would and run from
//! the workspace root, gives the case's expected decision (exit 0 for Allow, 1 for a denial, 2 for
//! an expected error) and, with `--format json` appended, exactly that decision. One test per
//! scenario folder, named like those of the `corpus` test (`cargo test --test reproducers --
//! ecr-login`).
//!
//! A few reproducers cannot reproduce yet, because `check` has no flag for what the case needs;
//! they are listed in [`KNOWN_GAPS`] and must still fail, so that closing a gap forces the
//! entry's removal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ecrsim_cli::corpus::CaseFile;
use libtest_mimic::{Arguments, Failed, Trial};
use support::{ecrsim, text};

/// `--context KEY=VALUE` makes a key multi-valued only when repeated, so a one-element list (which
/// the case's context gives as `["value"]`) cannot be written on the command line.
const ONE_ELEMENT_LIST: &str = "--context cannot give a multi-valued key with one value";

/// Reproducers known not to reproduce: (scenario, case, why).
const KNOWN_GAPS: &[(&str, &str, &str)] = &[
    (
        "conditions/missing-qualifier",
        "one-element-array-without-qualifier-implicit-deny",
        ONE_ELEMENT_LIST,
    ),
    (
        "conditions/missing-qualifier",
        "negated-operator-on-array-without-qualifier-is-false-allowed",
        ONE_ELEMENT_LIST,
    ),
    (
        "conditions/missing-qualifier",
        "like-on-array-without-qualifier-implicit-deny",
        ONE_ELEMENT_LIST,
    ),
    (
        "conditions/missing-qualifier",
        "if-exists-on-array-without-qualifier-implicit-deny",
        ONE_ELEMENT_LIST,
    ),
    (
        "variables/unresolved",
        "resource-multivalued-key-as-variable-unresolved-implicit-deny",
        ONE_ELEMENT_LIST,
    ),
    (
        "variables/unresolved",
        "condition-multivalued-key-as-variable-unresolved-implicit-deny",
        ONE_ELEMENT_LIST,
    ),
];

fn main() {
    let args = Arguments::from_args();
    let trials = support::scenarios()
        .into_iter()
        .map(|scenario| {
            let name = scenario.clone();
            Trial::test(name, move || reproducers_reproduce(&scenario))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Runs every reproducer printed for one scenario folder; fails listing each one that does not
/// give its case's decision.
fn reproducers_reproduce(scenario: &str) -> Result<(), Failed> {
    let folder = format!("corpus/{scenario}");
    let file: PathBuf = [&folder, "cases.toml"].iter().collect();
    let cases: CaseFile = toml::from_str(&std::fs::read_to_string(
        support::workspace_root().join(&file),
    )?)?;
    let listing = ecrsim(&["test", "--verbose", &file.to_string_lossy()], "");
    let listing = text(&listing.stdout);
    let printed = reproducers(&listing);
    let mut problems = Vec::new();
    for case in &cases.cases {
        let Some(command) = printed.get(&case.name) else {
            problems.push(format!("[{}]: no reproducer printed", case.name));
            continue;
        };
        let gap = KNOWN_GAPS
            .iter()
            .find(|(s, c, _)| *s == scenario && *c == case.name)
            .map(|(_, _, why)| why);
        match (reproduce(command, &case.expect), gap) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(problem), None) => problems.push(format!(
                "[{}] expects {}: {problem}\n  reproducer: {command}",
                case.name, case.expect
            )),
            (Ok(()), Some(why)) => problems.push(format!(
                "[{}] reproduces now ({why} no longer holds): remove it from KNOWN_GAPS",
                case.name
            )),
        }
    }
    for (_, name, _) in KNOWN_GAPS.iter().filter(|(s, _, _)| *s == scenario) {
        if !cases.cases.iter().any(|case| case.name == *name) {
            problems.push(format!(
                "KNOWN_GAPS names [{name}], which is not a case here"
            ));
        }
    }
    if printed.len() != cases.cases.len() {
        problems.push(format!(
            "{} cases, {} reproducers printed:\n{listing}",
            cases.cases.len(),
            printed.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} reproducers in {} do not reproduce:\n\n{}",
            problems.len(),
            cases.cases.len(),
            file.display(),
            problems.join("\n\n")
        )
        .into())
    }
}

/// Case name → reproducer command, from the `PASS`/`FAIL` blocks of `ecrsim test --verbose`.
fn reproducers(listing: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut case = None;
    for line in listing.lines() {
        if let Some(header) = line
            .strip_prefix("PASS ")
            .or_else(|| line.strip_prefix("FAIL "))
        {
            case = header
                .split_once(" [")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(name, _)| name.to_string());
        } else if let Some(command) = line.strip_prefix("  to reproduce: ")
            && let Some(name) = case.take()
        {
            found.insert(name, command.to_string());
        }
    }
    found
}

/// Runs `command` (with `--format json`) and compares its exit code and decision with `expect`.
fn reproduce(command: &str, expect: &str) -> Result<(), String> {
    let words = shell_words::split(command).map_err(|e| format!("cannot split: {e}"))?;
    let Some(("ecrsim", args)) = words.split_first().map(|(w, rest)| (w.as_str(), rest)) else {
        return Err("does not start with `ecrsim`".into());
    };
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let output = ecrsim(&args, "");
    let code = output.status.code();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected_code = match expect {
        "Allow" => 0,
        "ExplicitDeny" | "ImplicitDeny" => 1,
        _ => 2,
    };
    if code != Some(expected_code) {
        return Err(format!(
            "exit {code:?}, expected {expected_code}\n  stdout: {stdout}\n  stderr: {stderr}"
        ));
    }
    if expected_code == 2 {
        return Ok(());
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout).map_err(|e| format!("stdout is not JSON ({e}): {stdout}"))?;
    match json["decision"].as_str() {
        Some(decision) if decision == expect => Ok(()),
        other => Err(format!("decision {other:?}\n  stdout: {stdout}")),
    }
}
