//! `--snapshot DIR`: a folder of AWS CLI outputs read by the engine
//! (`engine/src/snapshot/`), for `check`/`fix --principal`, `who-can` and `can-what`.

use std::path::{Path, PathBuf};

use ecrsim_engine::Workflow;
use ecrsim_engine::{Answer, Options};
use ecrsim_engine::{Decision, PolicySet, Request};
use ecrsim_engine::{Identity, Snapshot, SnapshotFile};
use serde_json::{Value, json};

use crate::input::{LoadError, build_requests, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_DENIED, PolicyArgs, RequestArgs, write_stdout};

/// Reads every file under `dir` (sorted; names starting with `.` are left out, as version
/// control and editors keep their own files there) and hands them to the engine.
pub fn read(dir: &Path) -> Result<Snapshot, LoadError> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    if files.is_empty() {
        return Err(LoadError(format!(
            "snapshot {}: no files: expected the outputs of the commands in docs/snapshot.md (scripts/collect-snapshot.sh runs them)",
            dir.display()
        )));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    ecrsim_engine::load_snapshot(&files).map_err(|e| snapshot_error(dir, &e))
}

/// An error of the engine's snapshot reader, safe to print.
fn snapshot_error(dir: &Path, e: &ecrsim_engine::SnapshotError) -> LoadError {
    LoadError(format!(
        "snapshot {}: {}",
        dir.display(),
        ecrsim_engine::printable_lines(&e.message)
    ))
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<SnapshotFile>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError(crate::errors::io(dir, &e)))?;
    for entry in entries {
        let entry = entry.map_err(|e| LoadError(crate::errors::io(dir, &e)))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files)?;
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| LoadError(crate::errors::io(&path, &e)))?;
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.push(SnapshotFile { path: name, bytes });
    }
    Ok(())
}

/// The policy flags a snapshot gives itself: an error when one of them is given beside it.
fn check_flags(args: &PolicyArgs) -> Result<(), LoadError> {
    let given = [
        ("POLICY", !args.policies.is_empty()),
        ("--identity-policy", !args.identity_policies.is_empty()),
        ("--managed-policy", !args.managed_policies.is_empty()),
        ("--resource-policy", args.resource_policy.is_some()),
        ("--boundary", args.boundary.is_some()),
        ("--scp", !args.scps.is_empty()),
        ("--scp-level", !args.scp_levels.is_empty()),
        ("--rcp", !args.rcps.is_empty()),
        ("--rcp-level", !args.rcp_levels.is_empty()),
        ("--org", args.org.is_some()),
        ("--management-account", args.management_account.is_some()),
        ("--registry-policy", args.registry_policy.is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
        return Err(LoadError(format!(
            "{flag} cannot be given with --snapshot: the snapshot gives the principal's policies, the repository's and the registry's, and the organization's (only --session-policy and --vpc-endpoint-policy may be added)"
        )));
    }
    Ok(())
}

/// What `check` and `fix` evaluate for a snapshot principal.
pub struct Loaded {
    /// Every policy that takes part.
    pub set: PolicySet,
    /// The requests, with the snapshot's context.
    pub requests: Vec<Request>,
    /// The workflow, if one was named.
    pub workflow: Option<&'static Workflow>,
    /// The principal.
    pub identity: Identity,
}

/// The policy set and requests of `check --snapshot DIR --principal P`.
pub fn load(policy: &PolicyArgs, request: &RequestArgs) -> Result<Loaded, LoadError> {
    let Some(dir) = &policy.snapshot else {
        return Err(LoadError("no --snapshot".into()));
    };
    check_flags(policy)?;
    let snapshot = read(dir)?;
    let Some(spec) = request.principal.as_deref() else {
        return Err(LoadError(
            "--snapshot needs --principal: a user or role of the snapshot, as NAME, role/NAME, user/NAME or its ARN (an assumed-role ARN means a session of that role)".into(),
        ));
    };
    let identity = snapshot
        .find(spec)
        .map_err(|e| snapshot_error(dir, &e))?
        .identity
        .clone();
    let arn = if spec.starts_with("arn:aws:sts::") {
        spec.to_string()
    } else {
        identity.arn.clone()
    };
    let mut request = request.clone();
    request.principal = Some(arn);
    let (requests, workflow) = build_requests(&request)?;
    let resources: Vec<&str> = requests
        .iter()
        .map(Request::given_resource)
        .filter(|r| *r != "*")
        .collect();
    let resource = resources.first().copied();
    let assembly = snapshot
        .assemble(Some(&identity), Some(&identity.account), resource)
        .map_err(|e| snapshot_error(dir, &e))?;
    let mut extra = policy.clone();
    extra.snapshot = None;
    let mut set = load_policy_set(&extra)?;
    for (role, p) in assembly.set.policies() {
        set.add_as(*role, p.clone())
            .map_err(|e| LoadError(e.to_string()))?;
    }
    let requests = requests.into_iter().map(|r| assembly.prepare(r)).collect();
    let requests = crate::input::settle_callers(&set, requests)?;
    Ok(Loaded {
        set,
        requests,
        workflow,
        identity,
    })
}

/// `fix --snapshot DIR --principal P`: the principal's first inline policy corrected (or a new
/// inline policy), with the command that installs it.
pub fn fix(args: &crate::FixArgs) -> u8 {
    use ecrsim_engine::{EMPTY_POLICY, fix_identity_policy};
    if let Some(target) = &args.target {
        say!(
            "error: {} given with --snapshot: the policy to fix is the principal's own inline policy, read from the snapshot",
            target.display()
        );
        return crate::EXIT_BAD_INPUT;
    }
    let loaded = match load(&args.policy, &args.request) {
        Ok(loaded) => loaded,
        Err(e) => {
            say!("error: {e}");
            return crate::EXIT_BAD_INPUT;
        }
    };
    let identity = &loaded.identity;
    let (name, label, text) = match identity.inline.first() {
        Some(inline) => (
            inline.name.clone(),
            inline.label.clone(),
            inline.document.clone(),
        ),
        None => (
            "ecrsim-fix".to_string(),
            format!(
                "{} {}: new inline policy ecrsim-fix",
                identity.kind, identity.name
            ),
            EMPTY_POLICY.to_string(),
        ),
    };
    let mut others = PolicySet::new();
    for (role, policy) in loaded.set.policies() {
        if policy.source.name != label
            && let Err(e) = others.add_as(*role, policy.clone())
        {
            say!("error: {e}");
            return crate::EXIT_BAD_INPUT;
        }
    }
    let outcome = match fix_identity_policy(&label, &text, &others, &loaded.requests) {
        Ok(outcome) => outcome,
        Err(e) => {
            say!("error: {e}");
            return crate::EXIT_BAD_INPUT;
        }
    };
    write_stdout(outcome.document.as_bytes());
    crate::fix::report(&label, &outcome, &others);
    // Name the snapshot's policy behind each other policy type a change goes in.
    let mut named = std::collections::BTreeSet::new();
    for remaining in &outcome.remaining {
        let changes = remaining.explanation.fix.iter().flat_map(|f| &f.changes);
        for change in changes {
            for (role, policy) in others.policies() {
                if *role == change.role && *role != ecrsim_engine::PolicyRole::Identity {
                    named.insert(format!("the {role} to edit: {}", policy.source.name));
                }
            }
        }
    }
    for line in named {
        say!("  {}", ecrsim_engine::printable(&line));
    }
    if !outcome.edits.is_empty() {
        let (verb, flag) = match identity.kind {
            ecrsim_engine::IdentityKind::User => ("put-user-policy", "--user-name"),
            ecrsim_engine::IdentityKind::Role => ("put-role-policy", "--role-name"),
        };
        say!(
            "install it: aws iam {verb} {flag} {} --policy-name {name} --policy-document file://POLICY.json",
            identity.name
        );
    }
    if outcome.remaining.is_empty() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// Output formats of `who-can` and `can-what`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One line per principal (or repository), the allowed first.
    #[default]
    Human,
    /// One JSON object (schema in README.md).
    Json,
    /// CSV with a header line.
    Csv,
    /// A Markdown table.
    Markdown,
}

/// The question flags of `who-can`, `can-what` and `matrix`: workflows or actions, when and
/// where. Each command says in its own attributes whether a workflow or an action is required
/// (`who-can`) or which workflows it asks by default.
#[derive(Debug, clap::Args)]
pub struct QuestionArgs {
    /// A client workflow (login, pull, push, delete, …); repeat for several.
    #[arg(
        long,
        short,
        value_name = "NAME",
        value_parser = crate::shell::Names::workflows(),
        hide_possible_values = true
    )]
    pub workflow: Vec<String>,
    /// An action instead of a workflow (repeat for several).
    #[arg(
        long = "action",
        short,
        value_name = "ACTION",
        conflicts_with = "workflow"
    )]
    pub actions: Vec<String>,
    /// When the requests are made (aws:CurrentTime), e.g. 2026-01-01T00:00:00Z; default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The Region the requests (`docker login` too) are sent to; default: each repository's.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

/// Arguments of `who-can`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("workflow", |a| a.required_unless_present("actions")))]
#[command(mut_arg("region", |a| a.help(
    "The Region the requests (`docker login` too) are sent to; default: the repository's"
)))]
pub struct WhoCanArgs {
    /// The snapshot folder (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// The repository ARN.
    #[arg(long, short, required_unless_present = "image")]
    pub resource: Option<String>,
    /// An image reference instead of --resource (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG]`).
    #[arg(long, value_name = "REF", conflicts_with = "resource")]
    pub image: Option<String>,
    /// The workflow or actions, when and where.
    #[command(flatten)]
    pub question: QuestionArgs,
    /// Also list the principals that are denied, with the reason.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
    /// Threads deciding principals at once; default: the number of CPUs.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// Arguments of `can-what`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("workflow", |a| a.help(
    "A client workflow (repeat for several); default: login, pull, push and delete"
)))]
pub struct CanWhatArgs {
    /// The snapshot folder (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// The user or role: NAME, role/NAME, user/NAME or its ARN.
    #[arg(long, short)]
    pub principal: String,
    /// The workflows (default: login, pull, push, delete) or actions, when and where.
    #[command(flatten)]
    pub question: QuestionArgs,
    /// Also list what is denied, with the reason.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// A question's name (`push` or `ecr:PutImage`) and its actions.
type Asked = Vec<(String, Vec<String>)>;

impl QuestionArgs {
    /// The questions asked: each action given, else each workflow given, else `default`.
    pub(crate) fn asked(&self, default: &[&str]) -> Result<Asked, LoadError> {
        let (workflows, actions) = (&self.workflow, &self.actions);
        let catalog = ecrsim_engine::Catalog::builtin();
        if !actions.is_empty() {
            return actions
                .iter()
                .map(|a| match catalog.action(a) {
                    Some(found) => Ok((found.full_name(), vec![found.full_name()])),
                    None => Err(LoadError(format!(
                        "unknown action `{a}`{}",
                        catalog
                            .suggest_action(a)
                            .map(|s| format!(": did you mean `{s}`?"))
                            .unwrap_or_default()
                    ))),
                })
                .collect();
        }
        let names: Vec<String> = if workflows.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            workflows.to_vec()
        };
        names
            .iter()
            .map(|name| match ecrsim_engine::find_workflow(name) {
                Some(w) => Ok((
                    w.name.to_string(),
                    w.actions.iter().map(|a| a.to_string()).collect(),
                )),
                None => Err(LoadError(format!(
                    "unknown workflow `{name}`: expected one of {}",
                    ecrsim_engine::workflow_names().join(", ")
                ))),
            })
            .collect()
    }

    /// When and where the requests are made (`--at`, `--region`).
    pub(crate) fn options(&self) -> Result<Options, LoadError> {
        let at = self
            .at
            .as_deref()
            .map(ecrsim_engine::parse_time)
            .transpose()
            .map_err(crate::input::request_error)?;
        let mut options = Options::default();
        options.at = at;
        options.region = self.region.clone();
        Ok(options)
    }
}

fn fail(json: bool, e: &LoadError) -> u8 {
    crate::errors::fail(json, &e.to_string())
}

/// Each question's answers (`answer` gets its actions), as rows named by the question.
fn ask_each(
    asked: &Asked,
    dir: &Path,
    mut answer: impl FnMut(&[&str]) -> Result<Vec<Answer>, ecrsim_engine::SnapshotError>,
) -> Result<Vec<(String, Answer)>, LoadError> {
    let mut rows = Vec::new();
    for (name, actions) in asked {
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        let answers = answer(&actions).map_err(|e| snapshot_error(dir, &e))?;
        rows.extend(answers.into_iter().map(|a| (name.clone(), a)));
    }
    Ok(rows)
}

/// Prints a rendered list and exits 0 when any row is allowed, 1 when none is; or the error.
fn print_list(json: bool, listed: Result<(String, bool), LoadError>) -> u8 {
    match listed {
        Ok((out, any)) => {
            write_stdout(out.as_bytes());
            if any { EXIT_ALLOWED } else { EXIT_DENIED }
        }
        Err(e) => fail(json, &e),
    }
}

/// Runs `who-can`.
pub fn who_can(args: &WhoCanArgs) -> u8 {
    let json = args.format == ListFormat::Json;
    let run = || -> Result<(String, bool), LoadError> {
        let snapshot = read(&args.snapshot)?;
        let resource = match (&args.image, &args.resource) {
            (Some(image), _) => ecrsim_engine::image_to_arn(image, None)
                .map_err(|_| LoadError(format!("invalid image reference `{image}`")))?,
            (None, Some(r)) => ecrsim_engine::registry_uri_to_arn(r).unwrap_or_else(|| r.clone()),
            (None, None) => return Err(LoadError("give --resource or --image".into())),
        };
        let asked = args.question.asked(&[])?;
        let options = args.question.options()?;
        let rows = ask_each(&asked, &args.snapshot, |actions| {
            // A repository: each principal's side compiled once, rows on --jobs threads; any
            // other resource (a role and its trust policy): one principal at a time.
            if snapshot.repository(&resource).is_some() {
                ecrsim_engine::who_can_parallel(
                    &snapshot,
                    &resource,
                    actions,
                    &options,
                    crate::matrix::jobs(args.jobs),
                )
            } else {
                ecrsim_engine::who_can(&snapshot, &resource, actions, options.clone())
            }
        })?;
        let any = rows.iter().any(|(_, a)| a.decision() == Decision::Allow);
        Ok((
            render(&rows, args.format, args.all, Column::Principal, &resource),
            any,
        ))
    };
    print_list(json, run())
}

/// Runs `can-what`.
pub fn can_what(args: &CanWhatArgs) -> u8 {
    let json = args.format == ListFormat::Json;
    let run = || -> Result<(String, bool), LoadError> {
        let snapshot = read(&args.snapshot)?;
        let caller = snapshot
            .find(&args.principal)
            .map_err(|e| snapshot_error(&args.snapshot, &e))?;
        let asked = args.question.asked(&["login", "pull", "push", "delete"])?;
        let options = args.question.options()?;
        let rows = ask_each(&asked, &args.snapshot, |actions| {
            ecrsim_engine::can_what(&snapshot, caller.identity, actions, options.clone())
        })?;
        let any = rows.iter().any(|(_, a)| a.decision() == Decision::Allow);
        Ok((
            render(
                &rows,
                args.format,
                args.all,
                Column::Resource,
                &caller.identity.arn,
            ),
            any,
        ))
    };
    print_list(json, run())
}

/// Which side varies from row to row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Principal,
    Resource,
}

/// The first action of `answer` that is not allowed, whose reason a denial's `why` gives.
pub(crate) fn first_denied(answer: &Answer) -> Option<&ecrsim_engine::ActionResult> {
    answer
        .results()
        .iter()
        .find(|r| r.decision != Decision::Allow)
}

/// The deciding statements (`policy: Sid`), or for a denial the first denied action's reason.
pub(crate) fn why(answer: &Answer) -> String {
    match first_denied(answer) {
        Some(r) => format!("{}: {}", r.action, r.reason),
        None => {
            let mut seen: Vec<String> = Vec::new();
            for r in answer.results() {
                for d in &r.deciding {
                    let s = format!("{} `{}`", d.policy, d.statement);
                    if !seen.contains(&s) {
                        seen.push(s);
                    }
                }
            }
            if seen.is_empty() {
                "allowed without a statement (the root user in its own account)".into()
            } else {
                seen.join("; ")
            }
        }
    }
}

pub(crate) fn answer_json(asked: &str, answer: &Answer) -> Value {
    json!({
        "principal": answer.subject().principal(),
        "name": answer.subject().name(),
        "kind": answer.subject().kind(),
        "external": answer.subject().is_external(),
        "resource": answer.resource(),
        "question": asked,
        "decision": answer.decision().as_str(),
        "why": why(answer),
        "actions": answer.results().iter().map(|r| json!({
            "action": r.action,
            "resource": r.resource,
            "decision": r.decision.as_str(),
            "reason": r.reason.to_string(),
            "deciding": r.deciding.iter().map(|d| json!({"policy": d.policy, "statement": d.statement})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub(crate) fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn render(
    rows: &[(String, Answer)],
    format: ListFormat,
    all: bool,
    column: Column,
    about: &str,
) -> String {
    let shown: Vec<&(String, Answer)> = rows
        .iter()
        .filter(|(_, a)| all || a.decision() == Decision::Allow)
        .collect();
    let external_note = "(outside the snapshot: allowed if its own account's policies allow it)";
    match format {
        ListFormat::Json => {
            let key = match column {
                Column::Principal => "principals",
                Column::Resource => "access",
            };
            let list: Vec<Value> = shown.iter().map(|(q, a)| answer_json(q, a)).collect();
            let value = match column {
                Column::Principal => json!({"resource": about, key: list}),
                Column::Resource => json!({"principal": about, key: list}),
            };
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        ListFormat::Csv => {
            let mut out = String::from("principal,name,kind,resource,question,decision,why\n");
            for (q, a) in &shown {
                let fields = [
                    a.subject().principal(),
                    a.subject().name(),
                    a.subject().kind().to_string(),
                    a.resource().to_string(),
                    q.clone(),
                    a.decision().as_str().to_string(),
                    why(a),
                ];
                out.push_str(
                    &fields
                        .iter()
                        .map(|f| csv_field(f))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push('\n');
            }
            out
        }
        ListFormat::Markdown => {
            let mut out = match column {
                Column::Principal => format!(
                    "**Who can, on `{}`**\n\n| principal | question | decision | why |\n|---|---|---|---|\n",
                    md_cell(about)
                ),
                Column::Resource => format!(
                    "**What `{}` can do**\n\n| resource | question | decision | why |\n|---|---|---|---|\n",
                    md_cell(about)
                ),
            };
            for (q, a) in &shown {
                let who = match column {
                    Column::Principal => format!("`{}`", md_cell(&a.subject().principal())),
                    Column::Resource => format!("`{}`", md_cell(a.resource())),
                };
                out.push_str(&format!(
                    "| {who} | {} | {} | {} |\n",
                    md_cell(q),
                    a.decision(),
                    md_cell(&why(a))
                ));
            }
            if shown.is_empty() {
                out.push_str("| (none) | | | |\n");
            }
            out
        }
        ListFormat::Human => {
            let mut out = String::new();
            let printable = |s: &str| ecrsim_engine::printable(s).into_owned();
            let mut sorted = shown.clone();
            sorted.sort_by_key(|(_, a)| a.decision() != Decision::Allow);
            for (q, a) in &sorted {
                let who = match column {
                    Column::Principal => {
                        format!("{} ({})", a.subject().name(), a.subject().principal())
                    }
                    Column::Resource => a.resource().to_string(),
                };
                let note = if a.subject().is_external() && a.decision() == Decision::Allow {
                    format!(" {external_note}")
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{:<13} {q:<8} {}{note}\n    {}\n",
                    a.decision().as_str(),
                    printable(&who),
                    printable(&why(a))
                ));
            }
            let allowed = rows
                .iter()
                .filter(|(_, a)| a.decision() == Decision::Allow)
                .count();
            out.push_str(&format!(
                "{allowed} of {} allowed{}\n",
                rows.len(),
                if all || allowed == rows.len() {
                    String::new()
                } else {
                    " (--all lists the denied too)".to_string()
                }
            ));
            out
        }
    }
}

/// `batch` lines decided on a snapshot: `{"id": …, "snapshot": "DIR", "request": {"principal":
/// "role/NAME", …}}`. The line carries no policies; the snapshot gives the principal's, the
/// repository's, the registry's and the organization's, as `check --snapshot` does.
#[derive(Default)]
pub struct BatchSnapshots {
    read: std::collections::HashMap<PathBuf, Result<std::sync::Arc<Snapshot>, String>>,
}

/// The top-level fields of a snapshot line.
const SNAPSHOT_LINE_FIELDS: &[&str] = &["id", "snapshot", "request"];

impl BatchSnapshots {
    /// Decides `bytes` if it is a snapshot line, appending its output line to `out`; false (and
    /// nothing appended) for any other line.
    pub fn line(&mut self, bytes: &[u8], fix: bool, out: &mut Vec<u8>) -> bool {
        // Built once (building a searcher costs more than searching a line): every line asks.
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"snapshot\""));
        if FINDER.find(bytes).is_none() {
            return false;
        }
        let Ok(Value::Object(mut line)) = serde_json::from_slice::<Value>(bytes) else {
            return false;
        };
        let Some(dir) = line.remove("snapshot") else {
            return false;
        };
        let id = line.get("id").cloned().unwrap_or(Value::Null);
        let result = self.decide(&dir, &line, fix);
        match &result {
            Ok(result) => {
                result.write_line(&ecrsim_engine::LineId::Value(id), out);
            }
            // Writing to a Vec cannot fail, and this struct always serializes.
            Err(message) => drop(serde_json::to_writer(
                &mut *out,
                &crate::render::BatchError::new(&id, message),
            )),
        }
        out.push(b'\n');
        true
    }

    fn decide(
        &mut self,
        dir: &Value,
        line: &serde_json::Map<String, Value>,
        fix: bool,
    ) -> Result<crate::render::BatchResult, String> {
        let Value::String(dir) = dir else {
            return Err("`snapshot` must be the path of a snapshot folder".into());
        };
        if let Some(key) = line
            .keys()
            .find(|k| !SNAPSHOT_LINE_FIELDS.contains(&k.as_str()))
        {
            return Err(format!(
                "`{key}` cannot be given with `snapshot`: the snapshot gives every policy (a snapshot line has {})",
                SNAPSHOT_LINE_FIELDS.join(", ")
            ));
        }
        let path = PathBuf::from(dir);
        let snapshot = self
            .read
            .entry(path.clone())
            .or_insert_with(|| read(&path).map(std::sync::Arc::new).map_err(|e| e.0))
            .clone()?;
        let mut request = line.get("request").cloned().ok_or("missing `request`")?;
        let spec = request
            .get("principal")
            .and_then(Value::as_str)
            .ok_or("missing `request.principal`: the user or role of the snapshot (NAME, role/NAME, user/NAME or its ARN)")?
            .to_string();
        let identity = snapshot
            .find(&spec)
            .map_err(|e| snapshot_error(&path, &e).0)?
            .identity;
        if !spec.starts_with("arn:aws:sts::")
            && let Some(object) = request.as_object_mut()
        {
            object.insert("principal".into(), Value::String(identity.arn.clone()));
        }
        let text = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        let json = ecrsim_engine::parse_json(text.as_bytes()).map_err(|e| e.message)?;
        let request = ecrsim_engine::request_from_json(&json).map_err(|e| e.message)?;
        let resource = Some(request.given_resource()).filter(|r| *r != "*");
        let assembly = snapshot
            .assemble(Some(identity), Some(&identity.account), resource)
            .map_err(|e| snapshot_error(&path, &e).0)?;
        let request = assembly.prepare(request);
        let detail = if fix {
            ecrsim_engine::Detail::Fix
        } else {
            ecrsim_engine::Detail::Trace
        };
        let explanation = ecrsim_engine::evaluate(&assembly.set, &request, detail);
        let names: Vec<String> = assembly
            .set
            .policies()
            .iter()
            .map(|(_, p)| p.source.name.clone())
            .collect();
        let evaluated =
            ecrsim_engine::Evaluated::new(&assembly.set, &names, &request, &explanation);
        Ok(crate::render::BatchResult::new(&evaluated, fix))
    }
}
