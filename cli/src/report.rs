//! The reports of `ecrsim test`: for people (`human`), and for CI (`junit`, `json`, `tap`),
//! plus the check that names the unknown fields of a `cases.toml` with their line.

use std::fmt::Write as _;

use clap::ValueEnum;
use serde_json::json;

use crate::corpus::{FileResult, Report};

/// The examples and exit codes `ecrsim test --help` ends with.
pub const TEST_EXAMPLE: &str = "\
Examples:

  ecrsim test corpus/
  ecrsim test corpus/ --format junit > ecrsim-junit.xml
  ecrsim test corpus/ --filter 'corpus/examples/*/login'

Exit codes: 0 every case passed, 1 some case failed, 2 a path or case file could not be read
(an unknown field is reported by name, with its line).";

/// Output format of `test`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Every failure with its reproducer, then `N passed, M failed`.
    #[default]
    Human,
    /// JUnit XML: one testsuite per cases.toml, one testcase per case (GitHub, GitLab, Jenkins).
    Junit,
    /// One JSON object: the counts, then every file and case.
    Json,
    /// Test Anything Protocol, version 13.
    Tap,
}

/// The report in `format`; `verbose` lists passing cases in the human format.
pub fn render(report: &Report, format: TestFormat, verbose: bool) -> String {
    match format {
        TestFormat::Human => human(report, verbose),
        TestFormat::Junit => junit(report),
        TestFormat::Json => {
            let mut out = serde_json::to_string_pretty(&json_value(report)).unwrap_or_default();
            out.push('\n');
            out
        }
        TestFormat::Tap => tap(report),
    }
}

fn human(report: &Report, verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        for pass in &report.passed {
            let _ = write!(out, "PASS {pass}\n\n");
        }
    }
    for failure in &report.failures {
        let _ = write!(out, "FAIL {failure}\n\n");
    }
    let _ = writeln!(out, "{}", report.summary());
    out
}

/// The body of a failure: what went wrong, then the command that reproduces it.
fn failure_text(problems: &str, reproducer: Option<&str>) -> String {
    match reproducer {
        Some(command) => format!("{problems}\n  to reproduce: {command}"),
        None => problems.to_string(),
    }
}

/// The first line of a failure, trimmed: the `message` attribute that CI lists show.
fn headline(problems: &str) -> &str {
    problems.lines().next().unwrap_or_default().trim()
}

/// Escapes text for XML content and attribute values. Characters XML 1.0 cannot hold at all
/// (control characters other than tab, newline and carriage return) become `\u{..}`.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn file_counts(file: &FileResult) -> (usize, usize, usize) {
    let failed = file.cases.iter().filter(|c| !c.passed()).count();
    let errors = usize::from(file.error.is_some());
    (file.cases.len() + errors, failed, errors)
}

/// JUnit XML as GitHub (test-reporter, dorny), GitLab (`artifacts:reports:junit`) and Jenkins
/// read it. A case file that cannot be read is one testcase with an `<error>`.
pub fn junit(report: &Report) -> String {
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    let mut suites = String::new();
    for file in &report.files {
        let (t, f, e) = file_counts(file);
        tests += t;
        failures += f;
        errors += e;
        let name = xml_escape(&file.file.display().to_string());
        let classname = xml_escape(&file.folder());
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{name}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"0\">"
        );
        if let Some(error) = &file.error {
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{classname}\" name=\"cases.toml\" file=\"{name}\">\n      \
                 <error message=\"{}\" type=\"InvalidCaseFile\">{}</error>\n    </testcase>",
                xml_escape(headline(error)),
                xml_escape(error)
            );
        }
        for case in &file.cases {
            let _ = write!(
                suites,
                "    <testcase classname=\"{classname}\" name=\"{}\" file=\"{name}\"",
                xml_escape(&case.name)
            );
            match &case.problems {
                None => {
                    let _ = writeln!(suites, "/>");
                }
                Some(problems) => {
                    let _ = writeln!(
                        suites,
                        ">\n      <failure message=\"{}\" type=\"ExpectationNotMet\">{}</failure>\n    </testcase>",
                        xml_escape(headline(problems)),
                        xml_escape(&failure_text(problems, case.reproducer.as_deref()))
                    );
                }
            }
        }
        let _ = writeln!(suites, "  </testsuite>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ecrsim test\" tests=\"{tests}\" \
         failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

/// The JSON report: `passed`, `failed`, `errors` (unreadable case files), then `files`, each
/// with its `cases` (`name`, `id`, `status` pass|fail, `rule`, `problems`, `reproducer`).
pub fn json_value(report: &Report) -> serde_json::Value {
    let passed: usize = report
        .files
        .iter()
        .map(|f| f.cases.iter().filter(|c| c.passed()).count())
        .sum();
    let failed: usize = report
        .files
        .iter()
        .map(|f| f.cases.iter().filter(|c| !c.passed()).count())
        .sum();
    let errors = report.files.iter().filter(|f| f.error.is_some()).count();
    let files: Vec<serde_json::Value> = report
        .files
        .iter()
        .map(|file| {
            let folder = file.folder();
            let cases: Vec<serde_json::Value> = file
                .cases
                .iter()
                .map(|case| {
                    json!({
                        "name": case.name,
                        "id": format!("{folder}/{}", case.name),
                        "status": if case.passed() { "pass" } else { "fail" },
                        "rule": case.rule,
                        "problems": case.problems,
                        "reproducer": case.reproducer,
                    })
                })
                .collect();
            json!({
                "file": file.file.display().to_string(),
                "folder": folder,
                "error": file.error,
                "cases": cases,
            })
        })
        .collect();
    json!({"passed": passed, "failed": failed, "errors": errors, "files": files})
}

/// A TAP 13 stream: one test point per case (and per unreadable file), the failure and its
/// reproducer in a YAML block.
pub fn tap(report: &Report) -> String {
    let mut points = Vec::new();
    for file in &report.files {
        let folder = file.folder();
        if let Some(error) = &file.error {
            points.push((
                format!("{} (case file)", file.file.display()),
                Some(error.clone()),
                None,
            ));
        }
        for case in &file.cases {
            points.push((
                format!("{folder}/{}", case.name),
                case.problems.clone(),
                case.reproducer.clone(),
            ));
        }
    }
    let mut out = format!("TAP version 13\n1..{}\n", points.len());
    for (i, (id, problems, reproducer)) in points.iter().enumerate() {
        // `#` starts a directive in a description: keep it out.
        let id = id.replace('#', "\\#").replace('\n', " ");
        match problems {
            None => {
                let _ = writeln!(out, "ok {} - {id}", i + 1);
            }
            Some(problems) => {
                let _ = writeln!(out, "not ok {} - {id}\n  ---\n  message: |", i + 1);
                for line in problems.lines() {
                    let _ = writeln!(out, "    {line}");
                }
                if let Some(command) = reproducer {
                    let _ = writeln!(out, "  reproducer: {}", yaml_quote(command));
                }
                let _ = writeln!(out, "  ...");
            }
        }
    }
    out
}

fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Fields a `cases.toml` may set at the top level (besides the shared policy fields).
const FILE_FIELDS: &[&str] = &["policies", "case"];
/// Fields a `[[case]]` may set (besides the shared policy fields).
const CASE_FIELDS: &[&str] = &[
    "name",
    "rule",
    "policies",
    "action",
    "resource",
    "kms_key",
    "principal",
    "context",
    "workflow",
    "resource_tags",
    "principal_tags",
    "request_tags",
    "resource_account",
    "region",
    "called_via",
    "at",
    "expect",
    "deciding",
    "explain_contains",
    "error_contains",
];
/// Policy fields allowed both at the top level and in a case.
const POLICY_FIELDS: &[&str] = &[
    "managed_policies",
    "resource_policy",
    "trust_policy",
    "key_policy",
    "boundary",
    "session_policy",
    "scps",
    "scp_levels",
    "rcps",
    "rcp_levels",
    "vpc_endpoint_policy",
    "org",
    "management_account",
    "registry_policy",
    "registry_policy_scope",
    "snapshot",
];

/// Improves serde's message for a case file that does not deserialize: every field unknown to
/// ecrsim is named with its line and column, where it is, the closest known field and the fields
/// allowed there. (`#[serde(flatten)]` makes serde report an unknown field, or the required field
/// it replaced, at line 1, column 1.) Falls back to `serde_message` when every field is known.
pub fn explain_case_file_error(text: &str, serde_message: &str) -> String {
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return serde_message.to_string();
    };
    let mut unknown = Vec::new();
    let mut check = |table: &toml::de::DeTable<'_>, fields: &[&str], place: String| {
        let allowed: Vec<&str> = fields.iter().chain(POLICY_FIELDS).copied().collect();
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let (line, column) = line_column(text, key.span().start);
            let hint = ecrsim_engine::closest(name, allowed.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            unknown.push(format!(
                "line {line}, column {column}: unknown field `{name}` {place}{hint}; allowed: {}",
                allowed.join(", ")
            ));
        }
    };
    check(table.get_ref(), FILE_FIELDS, "at the top level".into());
    let cases = table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "case");
    if let Some((_, value)) = cases
        && let toml::de::DeValue::Array(items) = value.get_ref()
    {
        for (i, item) in items.iter().enumerate() {
            if let toml::de::DeValue::Table(case) = item.get_ref() {
                let name = case
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == "name")
                    .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
                let place = match name {
                    Some(name) => format!("in case `{name}`"),
                    None => format!("in case #{}", i + 1),
                };
                check(case, CASE_FIELDS, place);
            }
        }
    }
    if unknown.is_empty() {
        serde_message.to_string()
    } else {
        unknown.join("\n")
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_case_field_is_named_with_its_line() {
        let text =
            "[[case]]\nname = \"a\"\nworkflows = \"push\"\nresource = \"*\"\nexpect = \"Allow\"\n";
        let message = explain_case_file_error(text, "missing field `action`");
        assert!(
            message.starts_with("line 3, column 1: unknown field `workflows` in case `a`"),
            "{message}"
        );
        assert!(message.contains("allowed: name, rule,"), "{message}");
    }

    #[test]
    fn a_misspelt_field_gets_a_suggestion() {
        let text = "polices = [\"a.json\"]\n";
        let message = explain_case_file_error(text, "unknown field");
        assert!(
            message.contains("line 1, column 1: unknown field `polices` at the top level (did you mean `policies`?)"),
            "{message}"
        );
    }

    #[test]
    fn known_fields_keep_serdes_message() {
        let text = "[[case]]\nname = \"a\"\nresource = \"*\"\nexpect = \"Allow\"\n";
        assert_eq!(
            explain_case_file_error(text, "missing field `action`"),
            "missing field `action`"
        );
    }

    #[test]
    fn xml_escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"c\"'d'\u{1}\te"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\\u{1}\te"
        );
    }

    #[test]
    fn a_glob_filter_matches_the_whole_id_and_a_plain_one_any_part() {
        use crate::corpus::selected;
        assert!(selected("login", "corpus/examples/ecr-login/token"));
        assert!(selected(
            "corpus/*/token",
            "corpus/examples/ecr-login/token"
        ));
        assert!(!selected("corpus/*/tok", "corpus/examples/ecr-login/token"));
        assert!(selected("*ecr-?ogin*", "corpus/examples/ecr-login/token"));
        assert!(!selected("push", "corpus/examples/ecr-login/token"));
    }
}
