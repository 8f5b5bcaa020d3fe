//! `ecrsim batch`: JSON Lines in, one JSON line out per input line, in order.
//!
//! The input schema is a contract shared with other simulators (README.md, "Batch"). Lines are
//! read and decided by the engine ([`ecrsim_engine::Session`], which compiles a policy
//! set repeated across lines once and decides a repeated request once); this module reads the
//! arguments and standard input, renders each result once with [`render::BatchResult`], and
//! writes the lines. A bad line yields an `"Error"` line and the batch goes on.
//!
//! With `--jobs N`, N workers each read, decide and write blocks of lines (each with its own
//! session), in input order ([`run_blocks`]).

use std::io::{self, Read, Write};
use std::sync::Arc;

use ecrsim_engine::Detail;
use ecrsim_engine::{BlockLines, Blocks, FirstLine, Line, Session, Shared, run_blocks};
use serde_json::Value;

use crate::input::{LoadError, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, PolicyArgs, render};

/// Arguments of `batch`.
#[derive(Debug, Default, clap::Args)]
pub struct BatchArgs {
    /// Shared policies, applied to every line that carries none of its own (no policy field, or
    /// only `null` ones); each file is read and compiled once. `-` is not accepted: standard
    /// input holds the lines.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Evaluate on N threads (0: one per CPU); output stays in input order.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Add a `fix` field to every decided line: for a denial, the verified change that would
    /// allow it (as in `check --format json`), computed once per distinct request; else null.
    #[arg(long)]
    pub fix: bool,
}

/// How [`process_with`] runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Threads evaluating lines (1: the calling thread alone).
    pub jobs: usize,
    /// Policies for lines that carry none.
    pub shared: Option<Arc<Shared>>,
    /// Whether lines carry a `fix` field.
    pub fix: bool,
    /// Whether compiled policies and results are reused across lines. Without, every line is
    /// decided as if it were alone; the output is the same (the tests check it).
    pub reuse: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: 1,
            shared: None,
            fix: false,
            reuse: true,
        }
    }
}

/// Runs `batch` over standard input; exit 0 unless input could not be read (or the shared
/// policies could not be loaded).
pub fn run(args: &BatchArgs) -> u8 {
    let shared = match shared_policies(&args.policy) {
        Ok(shared) => shared,
        Err(e) => return fail(&e.to_string()),
    };
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let options = Options {
        jobs,
        shared,
        fix: args.fix,
        reuse: true,
    };
    match process_with(io::stdin(), io::stdout(), &options) {
        Ok(()) => EXIT_ALLOWED,
        Err(e) => fail(&format!("cannot read the input lines: {e}")),
    }
}

/// The batch cannot run (its shared policies cannot be loaded, or its input cannot be read):
/// `error: …` on standard error, and one line on standard output, the JSON error object of the
/// other commands (`{"decision": "Error", "error": {kind, file, line, column, pointer, message,
/// help}}`, no `id`: it belongs to no input line); exit 2.
fn fail(message: &str) -> u8 {
    say!("error: {message}");
    let line = serde_json::to_string(&crate::errors::json(message)).unwrap_or_default();
    crate::write_stdout(format!("{line}\n").as_bytes());
    EXIT_BAD_INPUT
}

fn shared_policies(args: &PolicyArgs) -> Result<Option<Arc<Shared>>, LoadError> {
    if args.files().any(|p| p.as_os_str() == "-") {
        return Err(LoadError(
            "batch reads its lines from standard input: give shared policies as files, not `-`"
                .into(),
        ));
    }
    if args.snapshot.is_some() {
        return Err(LoadError(
            "batch takes a snapshot per line: give each line `\"snapshot\": \"DIR\"` and the snapshot principal in `request.principal`".into(),
        ));
    }
    let any = args.files().next().is_some() || !args.managed_policies.is_empty();
    let org = args.org.is_some() || args.management_account.is_some();
    if !any && !org {
        return Ok(None);
    }
    // The organization's levels depend on each line's caller and resource: added per line.
    let shared = Shared::new(load_policy_set(args)?);
    if !org {
        return Ok(Some(Arc::new(shared)));
    }
    let scope = crate::input::org_scope(args)?;
    Ok(Some(Arc::new(shared.with_org(scope))))
}

/// Evaluates every line of `input` and writes one result line per input line to `output`.
pub fn process(input: impl Read + Send, output: impl Write + Send) -> io::Result<()> {
    process_with(input, output, &Options::default())
}

/// [`process`] with shared policies, threads, the fix, or without reuse: blocks of lines are
/// read, decided and written in order by [`run_blocks`], each worker with its own session.
pub fn process_with(
    input: impl Read + Send,
    output: impl Write + Send,
    options: &Options,
) -> io::Result<()> {
    run_blocks(input, output, options.jobs, || Worker::new(options))
}

/// Decides one input line (1-based `number`, used in messages) into its output object, as
/// `batch` writes it (without caches from other lines).
pub fn evaluate_line(line: &str, number: usize) -> Value {
    let options = Options::default();
    let mut out = Vec::new();
    Worker::new(&options).line(line.as_bytes(), number, &mut out);
    serde_json::from_slice(&out).unwrap_or_default()
}

/// A session and what its lines are rendered with.
struct Worker {
    session: Session<render::BatchResult>,
    fix: bool,
    /// The snapshots lines name (`"snapshot": "DIR"`), read once per worker.
    snapshots: crate::snapshot::BatchSnapshots,
}

impl Worker {
    fn new(options: &Options) -> Worker {
        let detail = if options.fix {
            Detail::Fix
        } else {
            Detail::Trace
        };
        Worker {
            session: Session::new(options.shared.clone(), detail)
                .reuse(options.reuse)
                .with_loader(Arc::new(|path: &str| {
                    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
                })),
            fix: options.fix,
            snapshots: crate::snapshot::BatchSnapshots::default(),
        }
    }

    /// Appends the output line (with its newline) of a plain line (a request with its policies,
    /// [`Session::plain_line`]); false, with nothing appended, for any other line.
    fn plain_line(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> bool {
        let fix = self.fix;
        let Some(line) = self
            .session
            .plain_line(bytes, |subject| render::BatchResult::of(subject, fix))
        else {
            return false;
        };
        write_line(&line, out);
        true
    }

    /// Appends the output line (with its newline) for input line `number`.
    fn line(&mut self, bytes: &[u8], number: usize, out: &mut Vec<u8>) {
        // Most lines: a plain request line, read once (it has no `snapshot` and no
        // `request.workflow`, so it needs none of the searches of `other_line`).
        if !self.plain_line(bytes, out) {
            self.other_line(bytes, number, out);
        }
    }

    /// [`Worker::line`] for a line that is not plain: a workflow or snapshot line, or a line
    /// whose error the session words.
    fn other_line(&mut self, bytes: &[u8], number: usize, out: &mut Vec<u8>) {
        let fix = self.fix;
        if let Some(workflow) = workflow_line(bytes) {
            let value = match workflow {
                Ok(line) => self.workflow(&line, number),
                Err((id, message)) => {
                    serde_json::to_value(render::BatchError::new(&id, &message)).unwrap_or_default()
                }
            };
            let _ = serde_json::to_writer(&mut *out, &value);
            out.push(b'\n');
            return;
        }
        if self.snapshots.line(bytes, fix, out) {
            return;
        }
        let line = self.session.line(bytes, number, |subject| {
            render::BatchResult::of(subject, fix)
        });
        write_line(&line, out);
    }

    /// The output of a `request.workflow` line: each required action decided as a line of its
    /// own, and the workflow's verdict as `check --workflow` gives it.
    fn workflow(&mut self, line: &WorkflowLine, number: usize) -> Value {
        let fix = self.fix;
        let mut actions = Vec::new();
        let mut decisions = Vec::new();
        for (action, text) in &line.lines {
            let decided = self.session.line(text.as_bytes(), number, |subject| {
                render::BatchResult::of(subject, fix)
            });
            match &decided.result {
                Ok(result) => {
                    let value = result.report();
                    decisions.push(value["decision"].as_str().unwrap_or("Error").to_string());
                    actions.push(value);
                }
                Err(e) => {
                    let message = format!("{action}: {}", e.message);
                    return serde_json::to_value(render::BatchError::new(&line.id, &message))
                        .unwrap_or_default();
                }
            }
        }
        let verdict = if decisions.iter().any(|d| d == "ExplicitDeny") {
            "ExplicitDeny"
        } else if decisions.iter().all(|d| d == "Allow") {
            "Allow"
        } else {
            "ImplicitDeny"
        };
        serde_json::json!({
            "decision": verdict,
            "workflow": line.workflow.name,
            "actions": actions,
            "documented": line.workflow.documented,
            "source": line.workflow.source,
            "id": line.id,
        })
    }
}

impl Blocks for Worker {
    fn block(&mut self, lines: BlockLines<'_>, first: &mut FirstLine<'_>, out: &mut Vec<u8>) {
        for (i, line) in lines.enumerate() {
            // A blank line (nothing but whitespace) asks nothing and has no output line.
            if line.iter().all(u8::is_ascii_whitespace) || self.plain_line(line, out) {
                continue;
            }
            // Any other line may show its number (in an error).
            let Some(first) = first.get() else {
                return;
            };
            self.other_line(line, first + i, out);
        }
    }
}

/// Appends a decided line (or its error line) and its newline.
fn write_line(line: &Line<'_, render::BatchResult>, out: &mut Vec<u8>) {
    match &line.result {
        Ok(result) => result.write_line(&line.id, out),
        // Writing to a Vec cannot fail, and this struct always serializes.
        Err(e) => drop(serde_json::to_writer(
            &mut *out,
            &render::BatchError::new(&line.id, &e.message),
        )),
    }
    out.push(b'\n');
}

/// A line whose request names a workflow: one line per required action.
struct WorkflowLine {
    id: Value,
    workflow: &'static ecrsim_engine::Workflow,
    /// Each required action, with the line that asks for it alone.
    lines: Vec<(&'static str, String)>,
}

/// `Some` when the line's `request` has a `workflow` field: the line split into one line per
/// required action (account-level ones on `*`, `kms:` ones on `request.kmsKey`, the others on
/// `request.resource`), or the `Error` line's id and message. `None` for every other line, which
/// the session reads as it is (the bytes are searched before anything is parsed).
fn workflow_line(bytes: &[u8]) -> Option<Result<WorkflowLine, (Value, String)>> {
    const FIELD: &[u8] = b"\"workflow\"";
    // Built once (building a searcher costs more than searching a line); this runs on every line.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(FIELD));
    FINDER.find(bytes)?;
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let name = value.get("request")?.get("workflow")?.clone();
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    let fail = |message: String| Some(Err((id.clone(), message)));
    let Some(name) = name.as_str() else {
        return fail("`request.workflow` must be a string".into());
    };
    let Some(found) = ecrsim_engine::find_workflow(name) else {
        return fail(format!(
            "unknown workflow `{name}`: expected one of {}",
            ecrsim_engine::workflow_names().join(", ")
        ));
    };
    let request = value.get_mut("request")?.as_object_mut()?;
    if request.contains_key("action") {
        return fail("give either `request.action` or `request.workflow`, not both".into());
    }
    request.remove("workflow");
    let key = request.remove("kmsKey");
    let resource = request.get("resource").cloned();
    let catalog = ecrsim_engine::Catalog::builtin();
    let mut lines = Vec::new();
    for action in found.actions {
        let target = if catalog.action(action).is_some_and(|a| a.is_account_level()) {
            Value::String("*".into())
        } else if action.starts_with("kms:") {
            match &key {
                Some(key) => key.clone(),
                None => {
                    return fail(format!(
                        "`{action}` acts on a KMS key: give `request.kmsKey`"
                    ));
                }
            }
        } else {
            match &resource {
                Some(resource) => resource.clone(),
                None => {
                    return fail(format!(
                        "`{action}` acts on a repository: give `request.resource`"
                    ));
                }
            }
        };
        let mut one = value.clone();
        if let Some(request) = one.get_mut("request").and_then(Value::as_object_mut) {
            request.insert("action".into(), Value::String(action.to_string()));
            request.insert("resource".into(), target);
        }
        lines.push((*action, one.to_string()));
    }
    Some(Ok(WorkflowLine {
        id,
        workflow: found,
        lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Repo","Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;

    fn line(request: &str) -> String {
        format!(r#"{{"id":7,"identityPolicies":[{POLICY}],"request":{request}}}"#)
    }

    #[test]
    fn decides_and_echoes_the_id() {
        let out = evaluate_line(
            &line(
                r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}"#,
            ),
            1,
        );
        assert_eq!(out["decision"], "Allow");
        assert_eq!(out["id"], 7);
        assert_eq!(out["deciding"][0]["sid"], "Repo");
        let out = evaluate_line(
            &line(r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#),
            1,
        );
        assert_eq!(out["decision"], "ImplicitDeny");
        assert_eq!(
            out["reason"],
            "denied because no identity-based policy allows it: statement `Repo` of identityPolicies[0] is scoped to resources, but `ecr:GetAuthorizationToken` does not support resource-level permissions: only \"Resource\": \"*\" matches it"
        );
        assert!(out.get("fix").is_none());
    }

    #[test]
    fn bad_lines_are_error_lines() {
        let cases = [
            ("{", "invalid JSON"),
            (
                r#"{"request":{"action":"ecr:PutImages","resource":"*"}}"#,
                "did you mean `ecr:PutImage`",
            ),
            (
                r#"{"resourcePolicy":{"Statement":{"Effect":"Allow","Action":"ecr:*"}},"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "missing `Principal`",
            ),
            (
                r#"{"scps":[{"orgIdentifier":"r-1","policy":[]}],"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "unknown field `scps[0].policy`",
            ),
            (r#"{"extra":1,"request":{}}"#, "unknown field `extra`"),
            (
                r#"{"identityPolicies":[{"Statement":{"Effect":"allow","Action":"ecr:*","Resource":"*"}}],"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "/Statement/Effect",
            ),
            (
                r#"{"request":{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:1:repository/a","context":{"k":{}}}}"#,
                "context key `k`",
            ),
        ];
        for (input, expected) in cases {
            let out = evaluate_line(input, 1);
            assert_eq!(out["decision"], "Error", "{input}");
            let error = out["error"].as_str().unwrap();
            assert!(error.contains(expected), "{input}: {error}");
        }
    }

    #[test]
    fn one_output_line_per_input_line_and_none_for_a_blank_line() {
        let input = format!(
            "{}\n\n{}\n",
            line(r#"{"action":"ecr:PutImage","resource":"*"}"#),
            line(r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#)
        );
        let mut out = Vec::new();
        process(input.as_bytes(), &mut out).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let decisions: Vec<&str> = lines
            .iter()
            .map(|l| l["decision"].as_str().unwrap())
            .collect();
        assert_eq!(decisions, ["Error", "ImplicitDeny"]);
    }
}
