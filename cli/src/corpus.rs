//! `ecrsim test`: runs corpus case files (`cases.toml`, format in corpus/README.md) and reports
//! every failure (with `--verbose`, every case) with a command that reproduces it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ecrsim_engine::{
    Context, ContextValue, Decision, Policy, PolicySet, Request, authorize, explain,
};
use serde::Deserialize;

use crate::PolicyArgs;
use crate::input::{PolicyLevel, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED};

/// A `cases.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// Identity policies for every case, relative to the file; default: every `*.json` beside it
    /// that no other policy field names.
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    /// Other policy types for every case (a case's own fields replace these).
    #[serde(flatten)]
    pub other: OtherPolicies,
    /// The cases.
    #[serde(rename = "case", default)]
    pub cases: Vec<Case>,
}

/// Policies other than the identity-based ones, as paths relative to the case file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherPolicies {
    /// AWS managed policies attached to the caller, by name or ARN.
    #[serde(default)]
    pub managed_policies: Option<Vec<String>>,
    /// The resource-based policy (repository, role trust or KMS key policy).
    #[serde(default, alias = "trust_policy", alias = "key_policy")]
    pub resource_policy: Option<String>,
    /// The permissions boundary.
    #[serde(default)]
    pub boundary: Option<String>,
    /// The session policy.
    #[serde(default)]
    pub session_policy: Option<String>,
    /// SCPs forming one organization level.
    #[serde(default)]
    pub scps: Option<Vec<String>>,
    /// SCPs by organization level, root first.
    #[serde(default)]
    pub scp_levels: Option<Vec<Vec<String>>>,
    /// RCPs forming one organization level.
    #[serde(default)]
    pub rcps: Option<Vec<String>>,
    /// RCPs by organization level, root first.
    #[serde(default)]
    pub rcp_levels: Option<Vec<Vec<String>>>,
    /// The VPC endpoint policy.
    #[serde(default)]
    pub vpc_endpoint_policy: Option<String>,
    /// An organization file (docs/organization.md), relative to the case file: `--org`.
    #[serde(default)]
    pub org: Option<String>,
    /// The management account: `--management-account`.
    #[serde(default)]
    pub management_account: Option<String>,
    /// The ECR registry policy.
    #[serde(default)]
    pub registry_policy: Option<String>,
    /// The registry policy scope, `V1` or `V2` (default).
    #[serde(default, deserialize_with = "registry_scope")]
    pub registry_policy_scope: Option<ecrsim_engine::RegistryScope>,
    /// A snapshot folder (docs/snapshot.md), relative to the case file: `--snapshot`; the
    /// case's `principal` is then a user or role of the snapshot (`role/NAME`).
    #[serde(default)]
    pub snapshot: Option<String>,
}

impl OtherPolicies {
    /// Fields set here win over `defaults`.
    fn or(&self, defaults: &OtherPolicies) -> OtherPolicies {
        OtherPolicies {
            managed_policies: self
                .managed_policies
                .clone()
                .or_else(|| defaults.managed_policies.clone()),
            resource_policy: self
                .resource_policy
                .clone()
                .or_else(|| defaults.resource_policy.clone()),
            boundary: self.boundary.clone().or_else(|| defaults.boundary.clone()),
            session_policy: self
                .session_policy
                .clone()
                .or_else(|| defaults.session_policy.clone()),
            scps: self.scps.clone().or_else(|| defaults.scps.clone()),
            scp_levels: self
                .scp_levels
                .clone()
                .or_else(|| defaults.scp_levels.clone()),
            rcps: self.rcps.clone().or_else(|| defaults.rcps.clone()),
            rcp_levels: self
                .rcp_levels
                .clone()
                .or_else(|| defaults.rcp_levels.clone()),
            vpc_endpoint_policy: self
                .vpc_endpoint_policy
                .clone()
                .or_else(|| defaults.vpc_endpoint_policy.clone()),
            org: self.org.clone().or_else(|| defaults.org.clone()),
            management_account: self
                .management_account
                .clone()
                .or_else(|| defaults.management_account.clone()),
            registry_policy: self
                .registry_policy
                .clone()
                .or_else(|| defaults.registry_policy.clone()),
            registry_policy_scope: self
                .registry_policy_scope
                .or(defaults.registry_policy_scope),
            snapshot: self.snapshot.clone().or_else(|| defaults.snapshot.clone()),
        }
    }

    /// Every file named, for excluding them from the default identity policies.
    fn files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = [
            &self.resource_policy,
            &self.boundary,
            &self.session_policy,
            &self.vpc_endpoint_policy,
            &self.org,
            &self.registry_policy,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        files.extend(self.scps.iter().flatten().map(String::as_str));
        files.extend(self.rcps.iter().flatten().map(String::as_str));
        for levels in [&self.scp_levels, &self.rcp_levels] {
            files.extend(levels.iter().flatten().flatten().map(String::as_str));
        }
        files
    }
}

/// Reads `registry_policy_scope = "V1"`.
fn registry_scope<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<ecrsim_engine::RegistryScope>, D::Error> {
    let text = String::deserialize(de)?;
    crate::input::parse_registry_scope(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// One expected decision (or expected error).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique within the file.
    pub name: String,
    /// The rule the case checks.
    #[serde(default)]
    pub rule: Option<String>,
    /// Per-case override of the file's policies.
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    /// Per-case policies of other types.
    #[serde(flatten)]
    pub other: OtherPolicies,
    /// The request action (or give `workflow`).
    #[serde(default)]
    pub action: String,
    /// A client workflow instead of one action (`ecrsim workflows` lists them): `expect` is the
    /// workflow's verdict, `resource` its repository.
    #[serde(default)]
    pub workflow: Option<String>,
    /// The request resource (ARN or `*`).
    pub resource: String,
    /// The KMS key a workflow's `kms:` actions act on.
    #[serde(default)]
    pub kms_key: Option<String>,
    /// The caller.
    #[serde(default)]
    pub principal: Option<String>,
    /// The request context: key → string, number, boolean, or an array (multi-valued key).
    #[serde(default)]
    pub context: Option<toml::Table>,
    /// Resource tags, `KEY = "VALUE"` (as `--resource-tag`).
    #[serde(default)]
    pub resource_tags: Option<std::collections::BTreeMap<String, String>>,
    /// Caller tags (as `--principal-tag`).
    #[serde(default)]
    pub principal_tags: Option<std::collections::BTreeMap<String, String>>,
    /// Request tags (as `--request-tag`).
    #[serde(default)]
    pub request_tags: Option<std::collections::BTreeMap<String, String>>,
    /// The account owning the resource (`aws:ResourceAccount`).
    #[serde(default)]
    pub resource_account: Option<String>,
    /// The Region the request is sent to (`aws:RequestedRegion`); default: the ARN's.
    #[serde(default)]
    pub region: Option<String>,
    /// The services the request was made through, first to last (`--called-via`).
    #[serde(default)]
    pub called_via: Vec<String>,
    /// When the request is made (`aws:CurrentTime`), e.g. `2026-01-01T00:00:00Z`; default: now.
    #[serde(default)]
    pub at: Option<String>,
    /// `Allow`, `ExplicitDeny`, `ImplicitDeny` or `Error`.
    pub expect: String,
    /// The exact set of deciding statements (Sid, `#N`, `file.json:Sid`, `file.json#N`).
    #[serde(default)]
    pub deciding: Option<Vec<String>>,
    /// Substrings of the human explanation.
    #[serde(default)]
    pub explain_contains: Vec<String>,
    /// Substrings of the error message (with `expect = "Error"`).
    #[serde(default)]
    pub error_contains: Vec<String>,
}

/// The outcome of a corpus run.
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per case whose expectations were met: `FILE [NAME]`, then the reproducer.
    pub passed: Vec<String>,
    /// One message per failed case (or unreadable case file), with a reproducer.
    pub failures: Vec<String>,
    /// Every case file, in order, with the outcome of each case run: what the machine-readable
    /// formats (`--format junit|json|tap`) are made from.
    pub files: Vec<FileResult>,
}

/// The outcome of one `cases.toml`.
#[derive(Debug, Default)]
pub struct FileResult {
    /// The case file, as found.
    pub file: PathBuf,
    /// Why the file could not be read or parsed (no case ran).
    pub error: Option<String>,
    /// The cases run (those the filter kept), in file order.
    pub cases: Vec<CaseResult>,
}

impl FileResult {
    /// The folder holding the case file: the JUnit class name and the filter's prefix.
    pub fn folder(&self) -> String {
        self.file
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The rule the case checks, if it says.
    pub rule: Option<String>,
    /// What went wrong (empty when the case passed).
    pub problems: Option<String>,
    /// The `ecrsim check` command that reproduces the case (none for a duplicate name).
    pub reproducer: Option<String>,
}

impl CaseResult {
    /// Whether every expectation of the case was met.
    pub fn passed(&self) -> bool {
        self.problems.is_none()
    }
}

impl Report {
    /// The closing line, `N passed, M failed`.
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed",
            self.passed.len(),
            self.failures.len()
        )
    }
}

/// Runs `ecrsim test` and returns the exit code: 0 every case passed, 1 some case failed, 2 a
/// path or case file could not be read (the other files still run and are reported).
pub fn run(args: &crate::TestArgs) -> u8 {
    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(e) = find_case_files(path, &mut files) {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    if files.is_empty() {
        say!(
            "error: no cases.toml found under {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return EXIT_BAD_INPUT;
    }
    let report = run_files_filtered(&files, args.filter.as_deref());
    if !args.quiet {
        let out = crate::report::render(&report, args.format, args.verbose);
        crate::write_stdout(out.as_bytes());
    }
    if report.unreadable() {
        EXIT_BAD_INPUT
    } else if report.failures.is_empty() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// Collects `cases.toml` files under `path` (or `path` itself), sorted.
pub fn find_case_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            find_case_files(&entry, out)?;
        } else if entry.file_name().is_some_and(|n| n == "cases.toml") {
            out.push(entry);
        }
    }
    Ok(())
}

/// Runs every case of every file.
pub fn run_files(files: &[PathBuf]) -> Report {
    run_files_filtered(files, None)
}

/// Runs the cases of every file whose `folder/case-name` matches `filter` (a substring, or a
/// glob when it holds `*` or `?`); every case without a filter.
pub fn run_files_filtered(files: &[PathBuf], filter: Option<&str>) -> Report {
    let mut report = Report::default();
    for file in files {
        run_file(file, filter, &mut report);
    }
    report
}

impl Report {
    /// Whether some case file could not be read or parsed (exit 2).
    pub fn unreadable(&self) -> bool {
        self.files.iter().any(|f| f.error.is_some())
    }
}

/// Whether `folder/name` is selected by `filter`: a glob (`*` any text, `?` one character) when
/// the filter holds one of them, else a substring.
pub fn selected(filter: &str, id: &str) -> bool {
    if !filter.contains(['*', '?']) {
        return id.contains(filter);
    }
    fn glob(p: &[char], s: &[char]) -> bool {
        // Iterative matching with one backtrack point: linear in practice, never exponential.
        let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
        while si < s.len() {
            match p.get(pi) {
                Some('*') => {
                    star = Some(pi);
                    mark = si;
                    pi += 1;
                }
                Some(&c) if c == '?' || c == s[si] => {
                    pi += 1;
                    si += 1;
                }
                _ => match star {
                    Some(at) => {
                        pi = at + 1;
                        mark += 1;
                        si = mark;
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }
    let p: Vec<char> = filter.chars().collect();
    let s: Vec<char> = id.chars().collect();
    glob(&p, &s)
}

fn run_file(file: &Path, filter: Option<&str>, report: &mut Report) {
    let mut result = FileResult {
        file: file.to_path_buf(),
        ..FileResult::default()
    };
    let parsed = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|text| parse_case_file(&text).map_err(|e| format!("invalid case file: {e}")));
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            report.failures.push(format!("{}: {e}", file.display()));
            result.error = Some(e);
            report.files.push(result);
            return;
        }
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let folder = result.folder();
    let mut names = BTreeSet::new();
    for case in &parsed.cases {
        if filter.is_some_and(|f| !selected(f, &format!("{folder}/{}", case.name))) {
            continue;
        }
        if !names.insert(case.name.as_str()) {
            let problem = format!("duplicate case name `{}`", case.name);
            report
                .failures
                .push(format!("{}: {problem}", file.display()));
            result.cases.push(CaseResult {
                name: case.name.clone(),
                rule: case.rule.clone(),
                problems: Some(problem),
                reproducer: None,
            });
            continue;
        }
        let policies = case_policies(case, &parsed, dir);
        let command = reproducer(case, &policies);
        let outcome = run_case(case, &policies);
        match &outcome {
            Ok(()) => report.passed.push(format!(
                "{} [{}]\n  to reproduce: {command}",
                file.display(),
                case.name,
            )),
            Err(problems) => report.failures.push(format!(
                "{} [{}]{}\n{problems}\n  to reproduce: {command}",
                file.display(),
                case.name,
                case.rule
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
            )),
        }
        result.cases.push(CaseResult {
            name: case.name.clone(),
            rule: case.rule.clone(),
            problems: outcome.err(),
            reproducer: Some(command),
        });
    }
    report.files.push(result);
}

/// Parses a case file; an unknown field is reported by name, with its line and the fields that
/// are allowed there (serde cannot: `#[serde(flatten)]` hides unknown fields until a required
/// one is found missing, at line 1).
pub fn parse_case_file(text: &str) -> Result<CaseFile, String> {
    toml::from_str(text).map_err(|e| crate::report::explain_case_file_error(text, &e.to_string()))
}

/// The case's policies as `check` flags would give them, paths resolved against `dir`.
fn case_policies(case: &Case, file: &CaseFile, dir: &Path) -> PolicyArgs {
    let other = case.other.or(&file.other);
    let named = other.files();
    let identity = match case.policies.as_ref().or(file.policies.as_ref()) {
        Some(list) => list.iter().map(|p| dir.join(p)).collect(),
        // A snapshot gives the principal's policies.
        None if other.snapshot.is_some() => Vec::new(),
        None => json_files(dir)
            .into_iter()
            .filter(|p| !named.iter().any(|n| dir.join(n) == *p))
            .collect(),
    };
    let path = |p: &String| dir.join(p);
    let level = |level: &Vec<String>| PolicyLevel {
        files: level.iter().map(path).collect(),
    };
    // `scps = []` / `rcps = []` is an empty organization level: kept as one, so it is an error.
    let levels = |flat: &Option<Vec<String>>, by_level: &Option<Vec<Vec<String>>>| match flat {
        Some(files) if files.is_empty() => vec![PolicyLevel::default()],
        _ => by_level.iter().flatten().map(level).collect(),
    };
    PolicyArgs {
        policies: identity,
        identity_policies: Vec::new(),
        managed_policies: other.managed_policies.clone().unwrap_or_default(),
        resource_policy: other.resource_policy.as_ref().map(path),
        boundary: other.boundary.as_ref().map(path),
        session_policy: other.session_policy.as_ref().map(path),
        scps: other.scps.iter().flatten().map(path).collect(),
        scp_levels: levels(&other.scps, &other.scp_levels),
        rcps: other.rcps.iter().flatten().map(path).collect(),
        rcp_levels: levels(&other.rcps, &other.rcp_levels),
        vpc_endpoint_policy: other.vpc_endpoint_policy.as_ref().map(path),
        org: other.org.as_ref().map(path),
        management_account: other.management_account.clone(),
        registry_policy: other.registry_policy.as_ref().map(path),
        registry_policy_scope: other.registry_policy_scope,
        snapshot: other.snapshot.as_ref().map(path),
    }
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn reproducer(case: &Case, policies: &PolicyArgs) -> String {
    let mut cmd = String::from("ecrsim check");
    let quoted = |p: &PathBuf| shell_quote(&p.display().to_string());
    for p in &policies.policies {
        let _ = write!(cmd, " {}", quoted(p));
    }
    for name in &policies.managed_policies {
        let _ = write!(cmd, " --managed-policy {}", shell_quote(name));
    }
    let singles = [
        ("--resource-policy", &policies.resource_policy),
        ("--boundary", &policies.boundary),
        ("--session-policy", &policies.session_policy),
        ("--vpc-endpoint-policy", &policies.vpc_endpoint_policy),
        ("--registry-policy", &policies.registry_policy),
    ];
    for (flag, path) in singles {
        if let Some(path) = path {
            let _ = write!(cmd, " {flag} {}", quoted(path));
        }
    }
    if let Some(scope) = policies.registry_policy_scope {
        let _ = write!(cmd, " --registry-policy-scope {}", scope.as_str());
    }
    for p in &policies.scps {
        let _ = write!(cmd, " --scp {}", quoted(p));
    }
    for level in &policies.scp_levels {
        let _ = write!(cmd, " --scp-level {}", shell_quote(&level.to_string()));
    }
    for p in &policies.rcps {
        let _ = write!(cmd, " --rcp {}", quoted(p));
    }
    for level in &policies.rcp_levels {
        let _ = write!(cmd, " --rcp-level {}", shell_quote(&level.to_string()));
    }
    if let Some(org) = &policies.org {
        let _ = write!(cmd, " --org {}", quoted(org));
    }
    if let Some(account) = &policies.management_account {
        let _ = write!(cmd, " --management-account {}", shell_quote(account));
    }
    if let Some(dir) = &policies.snapshot {
        let _ = write!(cmd, " --snapshot {}", quoted(dir));
    }
    match &case.workflow {
        Some(name) => {
            let _ = write!(cmd, " --workflow {}", shell_quote(name));
        }
        None => {
            let _ = write!(cmd, " --action {}", shell_quote(&case.action));
        }
    }
    let _ = write!(cmd, " --resource {}", shell_quote(&case.resource));
    if let Some(key) = &case.kms_key {
        let _ = write!(cmd, " --kms-key {}", shell_quote(key));
    }
    if let Some(principal) = &case.principal {
        let _ = write!(cmd, " --principal {}", shell_quote(principal));
    }
    if let Some(account) = &case.resource_account {
        let _ = write!(cmd, " --resource-account {}", shell_quote(account));
    }
    if let Some(region) = &case.region {
        let _ = write!(cmd, " --region {}", shell_quote(region));
    }
    if let Some(at) = &case.at {
        let _ = write!(cmd, " --at {}", shell_quote(at));
    }
    for service in &case.called_via {
        let _ = write!(cmd, " --called-via {}", shell_quote(service));
    }
    if let Ok(context) = case_context(case) {
        for (key, value) in context.iter() {
            for v in value.values() {
                let _ = write!(cmd, " --context {}", shell_quote(&format!("{key}={v}")));
            }
        }
    }
    cmd
}

/// The case's `context` table as a request context.
fn case_context(case: &Case) -> Result<Context, String> {
    let mut context = Context::new();
    let tags = |t: &Option<std::collections::BTreeMap<String, String>>| -> Vec<String> {
        t.iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    };
    let pairs = crate::input::tag_context(
        &tags(&case.resource_tags),
        &tags(&case.principal_tags),
        &tags(&case.request_tags),
    )?;
    for pair in pairs {
        if let Some((key, value)) = pair.split_once('=') {
            context.push(key, value.to_string());
        }
    }
    let Some(table) = &case.context else {
        return Ok(context);
    };
    let scalar = |key: &str, value: &toml::Value| -> Result<String, String> {
        match value {
            toml::Value::String(s) => Ok(s.clone()),
            toml::Value::Integer(i) => Ok(i.to_string()),
            toml::Value::Float(f) => Ok(f.to_string()),
            toml::Value::Boolean(b) => Ok(b.to_string()),
            other => Err(format!(
                "context key `{key}`: expected a string, number, boolean or array of them, found {}",
                other.type_str()
            )),
        }
    };
    for (key, value) in table {
        let value = match value {
            toml::Value::Array(items) => ContextValue::Multi(
                items
                    .iter()
                    .map(|v| scalar(key, v))
                    .collect::<Result<_, _>>()?,
            ),
            other => ContextValue::Single(scalar(key, other)?),
        };
        context.insert(key, value);
    }
    Ok(context)
}

/// What a case produced: a decision with its explanation, or an error message.
enum Outcome {
    Decided {
        decision: Decision,
        deciding: Vec<Vec<String>>,
        explanation: String,
    },
    Failed(String),
}

/// The `check` flags of a case's request, for `--snapshot` (which builds its requests as `check`
/// does).
fn request_args(case: &Case) -> Result<crate::RequestArgs, String> {
    let context = case_context(case).map_err(|e| format!("  invalid case: {e}"))?;
    let pairs = context
        .iter()
        .flat_map(|(key, value)| value.values().iter().map(move |v| format!("{key}={v}")))
        .collect();
    Ok(crate::RequestArgs {
        action: (!case.action.is_empty()).then(|| case.action.clone()),
        workflow: case.workflow.clone(),
        resource: Some(case.resource.clone()),
        image: None,
        principal: case.principal.clone(),
        region: case.region.clone(),
        at: case.at.clone(),
        context: pairs,
        resource_tags: Vec::new(),
        principal_tags: Vec::new(),
        request_tags: Vec::new(),
        context_file: None,
        resource_account: case.resource_account.clone(),
        called_via: case.called_via.clone(),
        kms_key: case.kms_key.clone(),
    })
}

fn evaluate(case: &Case, policies: &PolicyArgs) -> Result<Outcome, String> {
    if policies.snapshot.is_some() {
        let args = request_args(case)?;
        return match crate::snapshot::load(policies, &args) {
            Ok(loaded) => decide(&loaded.set, loaded.requests),
            Err(e) => Ok(Outcome::Failed(e.0)),
        };
    }
    let mut set = match load_policy_set(policies) {
        Ok(set) => set,
        Err(e) => return Ok(Outcome::Failed(e.0)),
    };
    let context = case_context(case).map_err(|e| format!("  invalid case: {e}"))?;
    let actions: Vec<&str> = match (&case.workflow, case.action.is_empty()) {
        (None, false) => vec![case.action.as_str()],
        (Some(name), true) => match ecrsim_engine::find_workflow(name) {
            Some(w) => w.actions.to_vec(),
            None => return Ok(Outcome::Failed(format!("unknown workflow `{name}`"))),
        },
        _ => return Err("  invalid case: give either `action` or `workflow`".into()),
    };
    let mut requests = Vec::new();
    for action in actions {
        match case_request(case, action, context.clone(), &set) {
            Ok(r) => requests.push(r),
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        }
    }
    let requests = match crate::input::apply_organization(policies, &mut set, requests) {
        Ok(requests) => requests,
        Err(e) => return Ok(Outcome::Failed(e.0)),
    };
    decide(&set, requests)
}

/// Decides a case's requests (one, or a workflow's) and gathers what the case checks.
fn decide(set: &PolicySet, requests: Vec<Request>) -> Result<Outcome, String> {
    let multi = set.policies().len() > 1;
    let mut decisions = Vec::new();
    let mut deciding = Vec::new();
    let mut explanation = String::new();
    for request in requests {
        let fast = authorize(set, &request);
        let why = explain(set, &request);
        if why.response != fast {
            return Err(format!(
                "  engine disagreement: authorize says {:?}, explain says {:?}",
                fast, why.response
            ));
        }
        deciding.extend(
            fast.deciding
                .iter()
                .filter_map(|&at| set.statement(at))
                .map(|(_, policy, statement)| statement_names(policy, statement, multi, set)),
        );
        decisions.push(fast.decision);
        explanation.push_str(&crate::render::text(&why, &request));
    }
    // A workflow's verdict, as `check --workflow` gives it.
    let decision = if decisions.contains(&Decision::ExplicitDeny) {
        Decision::ExplicitDeny
    } else if decisions.iter().all(|d| *d == Decision::Allow) {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    };
    deciding.sort();
    deciding.dedup();
    Ok(Outcome::Decided {
        decision,
        deciding,
        explanation,
    })
}

/// The case's request, built and checked as `check` builds it: context types, resource account,
/// time, Region, then the caller settled against the policies.
fn case_request(
    case: &Case,
    action: &str,
    context: Context,
    set: &PolicySet,
) -> Result<Request, ecrsim_engine::RequestError> {
    // A workflow's action is built as `check --workflow` builds it (account-level actions on
    // `*` in the repository's Region, `kms:` actions on the key): one home for that rule.
    let request = match &case.workflow {
        Some(_) => {
            use ecrsim_engine::{WorkflowError, requests_with_key};
            let built = requests_with_key(
                &[action],
                Some(&case.resource),
                case.kms_key.as_deref(),
                case.principal.as_deref(),
            );
            match built.map(|mut one| one.pop()) {
                Ok(Some(request)) => request,
                Ok(None) => Request::new(action, &case.resource, case.principal.as_deref())?,
                Err(WorkflowError::Request(e)) => return Err(e),
                // A `kms:` action without `kms_key`: decided on the resource as given.
                Err(_) => Request::new(action, &case.resource, case.principal.as_deref())?,
            }
        }
        None => Request::new(action, &case.resource, case.principal.as_deref())?,
    };
    let mut request = request.with_checked_context(context)?;
    if let Some(account) = &case.resource_account {
        request = request.with_resource_account(account);
    }
    if let Some(at) = &case.at {
        request = request.with_time(ecrsim_engine::parse_time(at)?);
    }
    if let Some(region) = &case.region {
        request = request.with_region(region)?;
    }
    if !case.called_via.is_empty() {
        request = request.with_called_via(case.called_via.clone());
    }
    ecrsim_engine::settle_caller(set, request)
}

/// The names a case may use for a statement: `file.json:Sid` / `file.json#N`, and the bare
/// `Sid` / `#N` when it is unambiguous in the case's policies.
fn statement_names(
    policy: &Policy,
    statement: &ecrsim_engine::Statement,
    multi: bool,
    set: &PolicySet,
) -> Vec<String> {
    let file = Path::new(&policy.source.name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let qualified = match &statement.sid {
        Some(sid) => format!("{file}:{sid}"),
        None => format!("{file}#{}", statement.index),
    };
    let label = statement.label();
    let uses = set
        .policies()
        .iter()
        .flat_map(|(_, p)| p.statements.iter())
        .filter(|s| s.label() == label)
        .count();
    let mut names = vec![qualified];
    if !multi || uses == 1 {
        names.push(label);
    }
    names
}

fn run_case(case: &Case, policies: &PolicyArgs) -> Result<(), String> {
    let mut problems = String::new();
    let outcome = evaluate(case, policies)?;
    match (&outcome, case.expect.as_str()) {
        (Outcome::Failed(message), "Error") => {
            for needle in &case.error_contains {
                if !message.contains(needle.as_str()) {
                    let _ = writeln!(problems, "  error lacks `{needle}`:\n{}", indent(message));
                }
            }
        }
        (Outcome::Failed(message), expected) => {
            let _ = writeln!(
                problems,
                "  expected {expected}, got an error:\n{}",
                indent(message)
            );
        }
        (
            Outcome::Decided {
                decision,
                deciding,
                explanation,
            },
            expected,
        ) => {
            if Decision::from_name(expected).is_none() && expected != "Error" {
                let _ = writeln!(
                    problems,
                    "  invalid expect `{expected}`: use Allow, ExplicitDeny, ImplicitDeny or Error"
                );
            } else if decision.as_str() != expected {
                let _ = writeln!(
                    problems,
                    "  expected {expected}, got {decision}:\n{}",
                    indent(explanation)
                );
            } else {
                if let Some(expected_deciding) = &case.deciding
                    && !same_statements(expected_deciding, deciding)
                {
                    let got: Vec<&str> = deciding
                        .iter()
                        .filter_map(|n| n.last().map(String::as_str))
                        .collect();
                    let _ = writeln!(
                        problems,
                        "  expected deciding {expected_deciding:?}, got {got:?}"
                    );
                }
                for needle in &case.explain_contains {
                    if !explanation.contains(needle.as_str()) {
                        let _ = writeln!(
                            problems,
                            "  explanation lacks `{needle}`:\n{}",
                            indent(explanation)
                        );
                    }
                }
            }
            if !case.error_contains.is_empty() && expected != "Error" {
                let _ = writeln!(
                    problems,
                    "  error_contains is only meaningful with expect = \"Error\""
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.trim_end().to_string())
    }
}

/// Whether the expected names pick out exactly the deciding statements, one each.
fn same_statements(expected: &[String], deciding: &[Vec<String>]) -> bool {
    if expected.len() != deciding.len() {
        return false;
    }
    let mut used = vec![false; deciding.len()];
    expected.iter().all(|name| {
        let found = deciding
            .iter()
            .enumerate()
            .find(|(i, names)| !used[*i] && names.contains(name));
        match found {
            Some((i, _)) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
