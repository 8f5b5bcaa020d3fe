//! `ecrsim lint`: findings with stable codes, severities and exact positions, for people
//! (`human`), programs (`json`) and code scanning (`sarif`, SARIF 2.1.0).
//!
//! Exit codes: 0 no finding reaches `--fail-on`, 1 some finding does, 2 a file could not be read
//! or the command line is wrong. The rules are documented in `ecrsim_engine::tools::lint`.

use std::path::PathBuf;

use clap::ValueEnum;
use ecrsim_engine::PolicyKind;

use crate::input::KindArg;
use ecrsim_engine::{
    Finding, LintOptions, PolicyShape, RULES, Rule, Severity, find_rule, lint_input,
};
use serde_json::{Value, json};

use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED, use_color};

const LINT_EXAMPLE: &str = "\
Example: why does `docker login` fail with this policy?

  ecrsim lint policy.json

  policy.json:7:17: warning[W103]: `ecr:GetAuthorizationToken` is an account-level action: ...
    |
  7 |                 \"ecr:GetAuthorizationToken\",
    |                 ^
    = help: move it to a separate statement with \"Resource\": \"*\": ...
  0 errors, 1 warning, 0 notes

For GitHub code scanning:

  ecrsim lint --format sarif --fail-on none policies/*.json > ecrsim.sarif

Exit codes: 0 no finding reaches --fail-on (default: warning), 1 some finding does,
2 a file cannot be read or bad usage.";

/// Output format of `lint`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// `file:line:col: severity[CODE]: message`, the line, a caret and the help; then the counts.
    #[default]
    Human,
    /// One JSON array of findings: file, line, column, code, name, severity, message, help, pointer.
    Json,
    /// A Markdown table of findings, for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

/// The least severe finding that makes `lint` exit 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    #[default]
    Warning,
    /// Any finding, notes included.
    Info,
    /// Never: always exit 0 unless a file cannot be read.
    None,
}

impl FailOn {
    fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::None => false,
        }
    }
}

/// Where the policies are used: decides the size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shape {
    /// Customer managed policy: 6,144 characters without whitespace.
    Managed,
    /// Inline policies of a role: 10,240 characters without whitespace, all together.
    RoleInline,
    /// Inline policies of a user: 2,048 characters without whitespace, all together.
    UserInline,
    /// Inline policies of a group: 5,120 characters without whitespace, all together.
    GroupInline,
    /// ECR repository policy: 10,240 characters, whitespace included.
    Repository,
}

impl Shape {
    fn engine(self) -> PolicyShape {
        match self {
            Shape::Managed => PolicyShape::ManagedPolicy,
            Shape::RoleInline => PolicyShape::RoleInline,
            Shape::UserInline => PolicyShape::UserInline,
            Shape::GroupInline => PolicyShape::GroupInline,
            Shape::Repository => PolicyShape::EcrRepositoryPolicy,
        }
    }
}

/// Arguments of the subcommand.
#[derive(Debug, clap::Args)]
#[command(after_help = LINT_EXAMPLE)]
pub struct LintArgs {
    /// Policy files (JSON, or any shape the AWS CLI prints), directories (every `*.json` in
    /// them) or `-` for standard input.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: LintFormat,
    /// Print nothing on standard output: the exit code says it all.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Where the policies are used, for the size limit [default: managed, or repository with
    /// --kind resource].
    #[arg(long, value_enum)]
    pub shape: Option<Shape>,
    /// How to read the policies [default: identity, or resource with --shape repository].
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The registry policy scope of the registry a `--kind registry` policy is for: with V1, any
    /// action other than ecr:ReplicateImage, ecr:BatchImportUpstreamImage and
    /// ecr:CreateRepository is an error (E123), as AWS rejects it on save.
    #[arg(long, value_name = "V1|V2", value_parser = crate::input::parse_registry_scope)]
    pub registry_policy_scope: Option<ecrsim_engine::RegistryScope>,
    /// The account (12 digits) that owns the repository or registry of a `--kind resource` or
    /// `--kind registry` policy: who counts as another account for W122 and W124 [default: the
    /// account of the policy's Resource ARNs; else account principals count as other accounts].
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// Leave out findings with this code or name, e.g. `I113` or `duplicate-action`
    /// (repeat the flag, or separate with commas).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// A finding in a file.
struct Located {
    file: String,
    finding: Finding,
    /// For a document decoded from a JSON string (`policyText`): the file itself and where the
    /// string starts in it, which is what SARIF viewers can show.
    origin: Option<(String, ecrsim_engine::Pos)>,
}

/// Runs the subcommand and returns the exit code.
pub fn run(args: &LintArgs) -> u8 {
    let mut ignored: Vec<&'static str> = Vec::new();
    for name in &args.ignore {
        match find_rule(name.trim()) {
            Some(rule) => ignored.push(rule.code),
            None => {
                say!(
                    "error: unknown lint code `{name}` in --ignore: the codes are E001 to {}",
                    RULES.last().map_or("", |r| r.code)
                );
                return EXIT_BAD_INPUT;
            }
        }
    }
    if let Err(e) = crate::input::check_stdin_once(args.policies.iter().map(PathBuf::as_path)) {
        say!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let kind = match (args.kind, args.shape) {
        (Some(kind), _) => kind.policy_kind(),
        (None, Some(Shape::Repository)) => PolicyKind::Resource,
        (None, _) => PolicyKind::Identity,
    };
    let shape = args
        .shape
        .map_or_else(|| PolicyShape::default_for(kind), Shape::engine);
    if let Some(account) = &args.account
        && !ecrsim_engine::is_account_id(account)
    {
        say!("error: invalid --account `{account}`: expected an account id of 12 digits");
        return EXIT_BAD_INPUT;
    }
    if args.registry_policy_scope.is_some() && kind != PolicyKind::Registry {
        say!("error: --registry-policy-scope applies to registry policies: give --kind registry");
        return EXIT_BAD_INPUT;
    }
    let mut options = LintOptions::new(kind, shape);
    options.registry_scope = args.registry_policy_scope;
    options.account = args.account.clone();

    let mut texts: Vec<(String, String)> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut found: Vec<Located> = Vec::new();
    // Every file through the one input layer: `-`, directories, a byte-order mark; a document
    // in an AWS CLI shape is linted where it is (a `policyText` string in its decoded text,
    // reported as `FILE (policyText)`).
    let files = args
        .policies
        .iter()
        .map(|path| crate::input::read_inputs(path));
    for file in files.flat_map(|read| match read {
        Ok(files) => files.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    }) {
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                say!("error: {e}");
                unreadable.push(e.0);
                continue;
            }
        };
        let mut linted = lint_input(&file.name, &file.bytes, &options);
        if let [only] = linted.findings.as_mut_slice()
            && only.code == "E002"
            && args.kind.is_none()
            && args.shape.is_none()
            && linted.source.text.contains("\"Principal\"")
        {
            only.help = Some(
                "the document names a `Principal`, so it is a resource-based policy: lint an ECR repository policy with --kind resource, a registry policy with --kind registry"
                    .to_string(),
            );
        }
        let name = linted.source.name.clone();
        for mut finding in linted.findings {
            if ignored.contains(&finding.code) {
                continue;
            }
            refused_as_mistake(&mut finding, &file, kind);
            found.push(Located {
                file: name.clone(),
                finding,
                origin: linted.field_pos.map(|pos| (file.name.clone(), pos)),
            });
        }
        texts.push((name, linted.source.text.to_string()));
    }
    found.sort_by(|a, b| {
        (
            &a.file,
            a.finding.pos.line,
            a.finding.pos.column,
            a.finding.code,
        )
            .cmp(&(
                &b.file,
                b.finding.pos.line,
                b.finding.pos.column,
                b.finding.code,
            ))
    });

    match args.format {
        _ if args.quiet => {}
        LintFormat::Markdown => print!(
            "{}",
            crate::markdown::lint(&json_findings(&found), &unreadable)
        ),
        LintFormat::Human => print!("{}", human(&found, &texts, use_color())),
        LintFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json_findings(&found)).unwrap_or_default()
        ),
        LintFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif(&found, &unreadable)).unwrap_or_default()
        ),
    }
    if !unreadable.is_empty() {
        EXIT_BAD_INPUT
    } else if found.iter().any(|l| args.fail_on.fails(l.finding.severity)) {
        EXIT_DENIED
    } else {
        EXIT_ALLOWED
    }
}

/// A refused document (E001, E002) that is one of the common mistakes (YAML, an empty file, a
/// trust policy, an authorization-details dump) says so, at the same position.
fn refused_as_mistake(finding: &mut Finding, file: &crate::input::InputFile, kind: PolicyKind) {
    if !matches!(finding.code, "E001" | "E002") {
        return;
    }
    if let Some((_, message, help)) = crate::friendly::diagnose(&file.name, &file.bytes, kind) {
        finding.message = message;
        finding.help = Some(help);
    }
}

/// How a severity is named in human output and SARIF (`note` for info, as compilers do).
fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The human report: each finding with its line and a caret, then the counts.
fn human(found: &[Located], texts: &[(String, String)], color: bool) -> String {
    use ecrsim_engine::printable;
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for l in found {
        let f = &l.finding;
        let severity = label(f.severity);
        let tag = match f.severity {
            Severity::Error => paint("1;31", &format!("{severity}[{}]", f.code)),
            Severity::Warning => paint("1;33", &format!("{severity}[{}]", f.code)),
            Severity::Info => paint("1;36", &format!("{severity}[{}]", f.code)),
        };
        out.push_str(&format!(
            "{}:{}:{}: {tag}: {}\n",
            printable(&l.file),
            f.pos.line,
            f.pos.column,
            printable(&f.message)
        ));
        let source = texts
            .iter()
            .find(|(name, _)| *name == l.file)
            .map_or("", |(_, text)| text.as_str());
        if let Some(line) = source.lines().nth(f.pos.line.saturating_sub(1) as usize) {
            let number = f.pos.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_indent: String = line
                .chars()
                .take(f.pos.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{gutter} |\n{number} | {}\n{gutter} | {caret_indent}{}\n",
                printable(line.trim_end()),
                paint("1;34", "^")
            ));
        }
        if let Some(help) = &f.help {
            out.push_str(&format!("  = help: {}\n", printable(help)));
        }
    }
    let count = |s: Severity| found.iter().filter(|l| l.finding.severity == s).count();
    out.push_str(&format!(
        "{}, {}, {}\n",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "note")
    ));
    out
}

fn json_findings(found: &[Located]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|l| {
                let f = &l.finding;
                json!({
                    "file": l.file,
                    "line": f.pos.line,
                    "column": f.pos.column,
                    "code": f.code,
                    "name": f.name,
                    "severity": f.severity.as_str(),
                    "message": f.message,
                    "help": f.help,
                    "pointer": f.pointer,
                })
            })
            .collect(),
    )
}

/// A file name as a relative URI reference: `\` becomes `/`, a leading `./` goes, and every
/// byte but unreserved characters and `/` is percent-encoded.
fn uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let file = file.strip_prefix("./").unwrap_or(&file);
    let mut out = String::new();
    if file.starts_with('/') {
        out.push_str("file://");
    }
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sarif_rule(rule: &Rule) -> Value {
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "defaultConfiguration": { "level": label(rule.severity) },
    })
}

/// The SARIF 2.1.0 log: one run, every rule, one result per finding.
fn sarif(found: &[Located], unreadable: &[String]) -> Value {
    let results: Vec<Value> = found
        .iter()
        .map(|l| {
            let f = &l.finding;
            let mut text = match &f.help {
                Some(help) => format!("{} (help: {help})", f.message),
                None => f.message.clone(),
            };
            // A finding inside a decoded string is shown at the string, with its own position
            // in the message.
            let (file, pos) = match &l.origin {
                Some((file, pos)) => {
                    text = format!("{}:{}:{}: {text}", l.file, f.pos.line, f.pos.column);
                    (file.as_str(), *pos)
                }
                None => (l.file.as_str(), f.pos),
            };
            let mut result = json!({
                "ruleId": f.code,
                "level": label(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(file) },
                        "region": { "startLine": pos.line, "startColumn": pos.column },
                    },
                }],
            });
            if let (Some(index), Value::Object(map)) =
                (RULES.iter().position(|r| r.code == f.code), &mut result)
            {
                map.insert("ruleIndex".into(), json!(index));
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = unreadable
        .iter()
        .map(|message| json!({ "level": "error", "message": { "text": message } }))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ecrsim",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": RULES.iter().map(sarif_rule).collect::<Vec<_>>(),
                },
            },
            "invocations": [{
                "executionSuccessful": unreadable.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(uri("./policies/a b.json"), "policies/a%20b.json");
        assert_eq!(uri("dir\\p#1.json"), "dir/p%231.json");
        assert_eq!(uri("/abs/p.json"), "file:///abs/p.json");
        assert_eq!(uri("é.json"), "%C3%A9.json");
    }

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Warning.fails(Severity::Error));
        assert!(FailOn::Warning.fails(Severity::Warning));
        assert!(!FailOn::Warning.fails(Severity::Info));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Info.fails(Severity::Info));
        assert!(!FailOn::None.fails(Severity::Error));
    }
}
