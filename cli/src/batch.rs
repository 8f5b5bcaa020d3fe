//! `ecrsim batch`: JSON Lines in, one JSON line out per input line, in order.
//!
//! The input schema is a contract shared with other simulators (README.md, "Batch"). A bad line
//! yields an `"Error"` line and the batch goes on. Fields for policy types that are not evaluated
//! yet yield an `"Error"` naming the field, never a decision that ignores them.
//!
//! # Throughput
//!
//! Every line has a plain path ([`evaluate_line`]: parse the whole line, load its policies,
//! [`explain`]) and most lines take a fast path that gives byte-identical output:
//!
//! - the policy fields of a line are compared, as raw text, with those of the line before; when
//!   they are identical the compiled [`PolicySet`] is reused, and only the `id` and `request`
//!   values are parsed;
//! - a line with no policy of its own uses the shared policies given on the command line
//!   (`--identity-policy FILE`, `--resource-policy FILE`, …), compiled once;
//! - the decision comes from [`authorize_into`] with a reused buffer, and the output line is
//!   written from text rendered once per policy set. Lines whose output needs the statement by
//!   statement explanation (an implicit deny, whose reason carries the fix; notes about
//!   condition keys, excluded policies, a cross-account request or an ARN replaced by `*`) are
//!   explained with the compiled policies (renamed for the line, as loading it would name them);
//! - anything unusual (an error, escapes in keys, …) takes the plain path.
//!
//! With `--jobs N`, chunks of lines are evaluated on N threads and written in input order.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufWriter, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use ecrsim_engine::eval::authorize::{authorize_into, role_exclusion};
use ecrsim_engine::model::policy::Source;
use ecrsim_engine::request::Validator;
use ecrsim_engine::syntax::json::{self, Json, Value as JsonValue};
use ecrsim_engine::{
    Context, Decision, Policy, PolicyKind, PolicyRole, PolicySet, Reason, Request, StatementRef,
    explain, parse_policy_input, policy_from_json,
};
use serde_json::{Value, json};

use crate::input::{LoadError, check_account, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, PolicyArgs, render};

const TOP_FIELDS: &[&str] = &[
    "id",
    "identityPolicies",
    "resourcePolicy",
    "permissionBoundary",
    "scps",
    "rcps",
    "sessionPolicy",
    "vpcEndpointPolicy",
    "request",
];
const REQUEST_FIELDS: &[&str] = &[
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
];
/// The fields of [`TOP_FIELDS`] that carry policies.
const POLICY_FIELDS: &[&str] = &[
    "identityPolicies",
    "resourcePolicy",
    "permissionBoundary",
    "scps",
    "rcps",
    "sessionPolicy",
    "vpcEndpointPolicy",
];

/// Lines per chunk handed to a worker thread with `--jobs`.
const CHUNK_LINES: usize = 512;

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
}

/// How [`process_with`] runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Threads evaluating lines (1: the calling thread alone).
    pub jobs: usize,
    /// Policies for lines that carry none.
    pub shared: Option<Arc<SharedPolicies>>,
    /// Whether to use the fast path (reused compiled policies, direct output). Without it every
    /// line takes the plain path; the output is the same.
    pub fast: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: 1,
            shared: None,
            fast: true,
        }
    }
}

/// Policies given on the command line, for request-only lines.
#[derive(Debug)]
pub struct SharedPolicies {
    compiled: Compiled,
}

impl SharedPolicies {
    /// Compiles a set; its policies are named by their source names (file paths) in output.
    pub fn new(set: PolicySet) -> SharedPolicies {
        let names = render::policy_names(&set);
        SharedPolicies {
            compiled: Compiled::new(set, names, None),
        }
    }
}

/// Runs `batch` over standard input; exit 0 unless input could not be read (or the shared
/// policies could not be loaded).
pub fn run(args: &BatchArgs) -> u8 {
    let shared = match shared_policies(&args.policy) {
        Ok(shared) => shared,
        Err(e) => {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let jobs = match args.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let options = Options {
        jobs,
        shared,
        fast: true,
    };
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    match process_with(stdin, stdout, &options) {
        Ok(()) => EXIT_ALLOWED,
        Err(e) => {
            say!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

fn shared_policies(args: &PolicyArgs) -> Result<Option<Arc<SharedPolicies>>, LoadError> {
    if args.files().any(|p| p.as_os_str() == "-") {
        return Err(LoadError(
            "batch reads its lines from standard input: give shared policies as files, not `-`"
                .into(),
        ));
    }
    let any = args.files().next().is_some() || !args.managed_policies.is_empty();
    if !any {
        return Ok(None);
    }
    Ok(Some(Arc::new(SharedPolicies::new(load_policy_set(args)?))))
}

/// Evaluates every line of `input` and writes one result line per input line to `output`.
pub fn process(input: impl BufRead, output: impl Write) -> io::Result<()> {
    process_with(input, output, &Options::default())
}

/// [`process`] with shared policies, threads, or the fast path turned off.
pub fn process_with(
    mut input: impl BufRead,
    output: impl Write,
    options: &Options,
) -> io::Result<()> {
    let mut output = BufWriter::with_capacity(1 << 16, output);
    if options.jobs > 1 {
        process_parallel(input, &mut output, options)?;
        return output.flush();
    }
    let mut evaluator = Evaluator::new(options);
    let mut line = String::new();
    let mut out = Vec::with_capacity(1024);
    let mut number = 0;
    while next_line(&mut input, &mut line)? {
        number += 1;
        out.clear();
        evaluator.evaluate(&line, number, &mut out);
        output.write_all(&out)?;
    }
    output.flush()
}

/// Whether line `number` would take the fast path (for tests and measurements): its output
/// when it does.
pub fn fast_path_output(line: &str, number: usize, options: &Options) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    Evaluator::new(options).fast(line, number, &mut out)?;
    Some(out)
}

/// Marks a line that was not UTF-8: it cannot start a JSON text, so such a line is an `Error`
/// line whatever follows, and the batch goes on.
const NOT_UTF8: char = '\u{FFFF}';

/// Reads the next line as `BufRead::lines` does (without `\n` or `\r\n`); false at the end.
/// A line that is not UTF-8 becomes [`NOT_UTF8`] followed by the offset of its first bad byte.
fn next_line(input: &mut impl BufRead, line: &mut String) -> io::Result<bool> {
    line.clear();
    let mut bytes = Vec::new();
    if input.read_until(b'\n', &mut bytes)? == 0 {
        return Ok(false);
    }
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => *line = text,
        Err(e) => {
            line.push(NOT_UTF8);
            line.push_str(&e.utf8_error().valid_up_to().to_string());
        }
    }
    Ok(true)
}

/// A chunk of lines for a worker: its sequence number, the number of its first line, the lines.
type Chunk = (usize, usize, Vec<String>);

/// `--jobs`: this thread reads chunks of lines and writes their results in order (standard
/// input and output stay on it); `options.jobs` workers evaluate the chunks.
fn process_parallel(
    mut input: impl BufRead,
    output: &mut impl Write,
    options: &Options,
) -> io::Result<()> {
    let jobs = options.jobs;
    let max_in_flight = jobs * 4;
    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>();
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<u8>)>();
        for _ in 0..jobs {
            let chunk_rx = Arc::clone(&chunk_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                let mut evaluator = Evaluator::new(options);
                loop {
                    let next = match chunk_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, first, lines)) = next else {
                        return;
                    };
                    let mut out = Vec::with_capacity(lines.len() * 256);
                    for (i, line) in lines.iter().enumerate() {
                        evaluator.evaluate(line, first + i, &mut out);
                    }
                    if done_tx.send((seq, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut writer = InOrder {
            output,
            pending: BTreeMap::new(),
            next: 0,
            result: Ok(()),
        };
        let mut sent = 0;
        let mut number = 1;
        let mut line = String::new();
        let mut read_result = Ok(());
        loop {
            let mut lines = Vec::with_capacity(CHUNK_LINES);
            while lines.len() < CHUNK_LINES {
                match next_line(&mut input, &mut line) {
                    Ok(true) => lines.push(line.clone()),
                    Ok(false) => break,
                    Err(e) => {
                        read_result = Err(e);
                        break;
                    }
                }
            }
            let full = lines.len() == CHUNK_LINES;
            if !lines.is_empty() {
                let count = lines.len();
                if chunk_tx.send((sent, number, lines)).is_err() {
                    break;
                }
                sent += 1;
                number += count;
            }
            // Write what is ready; wait when too much is in flight.
            while let Ok((seq, out)) = done_rx.try_recv() {
                writer.accept(seq, out);
            }
            while sent - writer.next > max_in_flight {
                match done_rx.recv() {
                    Ok((seq, out)) => writer.accept(seq, out),
                    Err(_) => break,
                }
            }
            if read_result.is_err() || !full || writer.result.is_err() {
                break;
            }
        }
        drop(chunk_tx);
        while writer.next < sent {
            match done_rx.recv() {
                Ok((seq, out)) => writer.accept(seq, out),
                Err(_) => break,
            }
        }
        writer.result?;
        if writer.next < sent {
            return Err(io::Error::other("a batch worker thread stopped"));
        }
        read_result
    })
}

/// Writes chunk results in sequence order.
struct InOrder<'w, W: Write> {
    output: &'w mut W,
    pending: BTreeMap<usize, Vec<u8>>,
    next: usize,
    result: io::Result<()>,
}

impl<W: Write> InOrder<'_, W> {
    fn accept(&mut self, seq: usize, out: Vec<u8>) {
        self.pending.insert(seq, out);
        while let Some(out) = self.pending.remove(&self.next) {
            if self.result.is_ok() {
                self.result = self.output.write_all(&out);
            }
            self.next += 1;
        }
    }
}

/// Evaluates lines one after the other, keeping the compiled policies of the last line.
struct Evaluator<'o> {
    options: &'o Options,
    /// The compiled policies of the last line that carried policies, with their raw text.
    cache: Option<CachedSet>,
    deciding: Vec<StatementRef>,
    /// Remembers the catalog's answers for recent (action, resource) pairs.
    validator: Validator,
}

struct CachedSet {
    /// The policy members of the line: key and raw value text, in order.
    members: Vec<(&'static str, String)>,
    /// The character column of each policy member's value: positions matter only when the set
    /// has warnings (they quote line and column).
    columns: Vec<usize>,
    compiled: Compiled,
}

impl<'o> Evaluator<'o> {
    fn new(options: &'o Options) -> Evaluator<'o> {
        Evaluator {
            options,
            cache: None,
            deciding: Vec::new(),
            validator: Validator::new(),
        }
    }

    /// Appends the output line (with its newline) for input line `number`.
    fn evaluate(&mut self, line: &str, number: usize, out: &mut Vec<u8>) {
        if self.options.fast && self.fast(line, number, out).is_some() {
            return;
        }
        let shared = self.options.shared.as_deref();
        let result = evaluate_line_with(line, number, shared);
        // Writing to a Vec cannot fail, and a Value always serializes.
        let _ = serde_json::to_writer(&mut *out, &result);
        out.push(b'\n');
    }

    /// The fast path; `None` when the line needs the plain path (`out` is then unchanged).
    fn fast(&mut self, line: &str, number: usize, out: &mut Vec<u8>) -> Option<()> {
        let known = self
            .cache
            .as_ref()
            .map_or(&[][..], |c| c.members.as_slice());
        let top = scan_line(line, known)?;
        let carries_policies = top.policies.iter().any(|(_, raw, _)| *raw != "null");
        let compiled = if carries_policies {
            cached(&mut self.cache, line, number, &top)?
        } else {
            match &self.options.shared {
                Some(shared) => &shared.compiled,
                None => return None,
            }
        };
        let request = match &top.simple {
            Some(simple) => simple.build(&mut self.validator)?,
            None => request_from_text(top.request?).ok()?,
        };
        let id = match top.id {
            None => RawId::Text("null"),
            Some(raw) => raw_id(raw)?,
        };
        let deciding = &mut self.deciding;
        let (decision, reason) = authorize_into(&compiled.set, &request, deciding);
        if compiled.fast_path_fits(&request, decision) {
            compiled.write_line(out, &request, decision, reason, deciding, number, &id);
            return Some(());
        }
        // The explanation is needed: of the compiled policies, named as this line names them.
        let mut value = match &compiled.line_names {
            None => explained(&compiled.set, &compiled.names, &request),
            Some(suffixes) => {
                let renamed = renamed(&compiled.set, suffixes, number)?;
                explained(&renamed, &compiled.names, &request)
            }
        };
        if let Value::Object(map) = &mut value {
            let id = match id {
                RawId::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                RawId::Value(value) => value,
            };
            map.insert("id".into(), id);
        }
        let _ = serde_json::to_writer(&mut *out, &value);
        out.push(b'\n');
        Some(())
    }
}

/// The compiled policies of the line, from the cache or compiled now (through the plain path's
/// loader, so any error takes the plain path).
fn cached<'c>(
    cache: &'c mut Option<CachedSet>,
    line: &str,
    number: usize,
    top: &TopLevel<'_>,
) -> Option<&'c Compiled> {
    let columns = || -> Vec<usize> {
        top.policies
            .iter()
            .map(|(_, _, offset)| line.get(..*offset).map_or(0, |p| p.chars().count()))
            .collect()
    };
    let hit = cache.as_ref().is_some_and(|c| {
        c.members.len() == top.policies.len()
            && c.members
                .iter()
                .zip(&top.policies)
                .all(|((key, raw), (k, r, _))| key == k && raw == r)
            && (c.compiled.warnings.is_empty() || c.columns == columns())
    });
    if !hit {
        let parsed = json::parse_str(line).ok()?;
        let (set, names) = load_line_policies(&parsed, line, number).ok()?;
        *cache = Some(CachedSet {
            members: top
                .policies
                .iter()
                .map(|(key, raw, _)| (*key, raw.to_string()))
                .collect(),
            columns: columns(),
            compiled: Compiled::new(set, names, Some(number)),
        });
    }
    cache.as_ref().map(|c| &c.compiled)
}

/// An `id` to echo: raw text that serde_json would write back unchanged, or a value to write.
enum RawId<'a> {
    Text(&'a str),
    Value(Value),
}

/// The `id` as the plain path writes it (`serde_json` reading its compact text).
fn raw_id(raw: &str) -> Option<RawId<'_>> {
    let bytes = raw.as_bytes();
    let plain_integer = !bytes.is_empty()
        && bytes.len() <= 18
        && bytes.iter().all(u8::is_ascii_digit)
        && (bytes.len() == 1 || bytes.first() != Some(&b'0'));
    let plain_string = bytes.len() >= 2
        && bytes.first() == Some(&b'"')
        && bytes.last() == Some(&b'"')
        && !raw.contains('\\')
        && !bytes.iter().any(|b| *b < 0x20)
        && !raw.get(1..raw.len() - 1).is_some_and(|s| s.contains('"'));
    if plain_integer || plain_string || matches!(raw, "null" | "true" | "false") {
        return Some(RawId::Text(raw));
    }
    let parsed = json::parse_str(raw).ok()?;
    Some(RawId::Value(
        serde_json::from_str(&parsed.to_json_string()).unwrap_or(Value::Null),
    ))
}

/// A policy set with what its output lines need rendered once.
#[derive(Debug)]
struct Compiled {
    set: PolicySet,
    /// How output lines name the policies (`identityPolicies[0]`, or a file name).
    names: Vec<String>,
    /// For policies that came from a line: each source name without its `line N: ` prefix.
    line_names: Option<Vec<String>>,
    /// Per policy, per statement: the `deciding` entry as JSON text, and the label as `reason`
    /// quotes it.
    statements: Vec<Vec<(String, String)>>,
    /// Per warning: the policy's name without its `line N: ` prefix (for embedded policies,
    /// whose names carry the line number), and the rest of the note after the name.
    warnings: Vec<(String, String)>,
    /// Whether the policies came from a line (their names start with `line N: `).
    embedded: bool,
    /// Statements that read the request context (conditions, policy variables in resources):
    /// they may add notes, so a request their `Action` covers takes the plain path.
    contextual: Vec<StatementRef>,
    /// The roles in the set, each once.
    roles: Vec<PolicyRole>,
}

impl Compiled {
    /// `line`: the number of the line the policies come from, for embedded policies.
    fn new(set: PolicySet, names: Vec<String>, line: Option<usize>) -> Compiled {
        set.compile();
        let prefix = line.map(|n| format!("line {n}: "));
        let line_names = prefix.as_ref().map(|prefix| {
            set.policies()
                .iter()
                .map(|(_, p)| {
                    let name = p.source.name.as_str();
                    name.strip_prefix(prefix.as_str())
                        .unwrap_or(name)
                        .to_string()
                })
                .collect()
        });
        let mut statements = Vec::new();
        let mut warnings = Vec::new();
        let mut contextual = Vec::new();
        let mut roles = Vec::new();
        for (p, (role, policy)) in set.policies().iter().enumerate() {
            if !roles.contains(role) {
                roles.push(*role);
            }
            let mut rendered = Vec::new();
            for (s, statement) in policy.statements.iter().enumerate() {
                let at = StatementRef {
                    policy: p,
                    statement: s,
                };
                let entry = render::statement_ref_json(&set, at, &names).to_string();
                rendered.push((entry, format!("`{}`", statement.label())));
                let variables = statement
                    .resource
                    .iter()
                    .flat_map(|r| &r.patterns)
                    .any(|v| v.variable_keys().next().is_some());
                if statement.condition.is_some() || variables {
                    contextual.push(at);
                }
            }
            statements.push(rendered);
            let name = &policy.source.name;
            let name = match &prefix {
                Some(prefix) => name.strip_prefix(prefix.as_str()).unwrap_or(name),
                None => name,
            };
            for w in &policy.warnings {
                warnings.push((
                    name.to_string(),
                    format!(":{}:{}: {}", w.pos.line, w.pos.column, w.message),
                ));
            }
        }
        Compiled {
            set,
            names,
            line_names,
            statements,
            warnings,
            embedded: line.is_some(),
            contextual,
            roles,
        }
    }

    /// Whether the output line for this request can be written without the explanation: its
    /// reason needs no fix, and its notes are the policies' warnings alone — none of the notes
    /// [`explain`] adds about the request (an ARN replaced by `*`, a policy type that does not
    /// take part, a cross-account request, condition keys). This mirrors `explain`; the tests in
    /// `cli/tests/batch.rs` compare both paths on a varied input.
    fn fast_path_fits(&self, request: &Request, decision: Decision) -> bool {
        let cross_account = matches!(
            (
                request.caller().and_then(|c| c.account.as_deref()),
                request.resource_account(),
            ),
            (Some(caller), Some(resource)) if caller != resource
        );
        decision != Decision::ImplicitDeny
            && !cross_account
            && !request.resource_was_rewritten()
            && self
                .roles
                .iter()
                .all(|role| role_exclusion(*role, request).is_none())
            && self.contextual.iter().all(|at| {
                self.set
                    .statement(*at)
                    .is_none_or(|(_, _, s)| !s.action.covers(request.action_lower()))
            })
    }

    /// Writes the output line, as the plain path's `serde_json` would.
    #[allow(clippy::too_many_arguments)]
    fn write_line(
        &self,
        out: &mut Vec<u8>,
        request: &Request,
        decision: Decision,
        reason: Reason,
        deciding: &[StatementRef],
        number: usize,
        id: &RawId<'_>,
    ) {
        let statement = |at: &StatementRef| {
            self.statements
                .get(at.policy)
                .and_then(|p| p.get(at.statement))
        };
        let mut text = match (decision, reason) {
            (Decision::Allow, Reason::Allowed) => String::from("allowed by "),
            // Allowed by a rule, not by statements (the root user in its own account).
            (Decision::Allow, rule) => rule.to_string(),
            _ => format!("denied {reason} by "),
        };
        for (i, (_, label)) in deciding.iter().filter_map(statement).enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(label);
        }
        out.extend_from_slice(b"{\"decision\":");
        write_json_str(out, decision.as_str());
        out.extend_from_slice(b",\"reason\":");
        write_json_str(out, &text);
        out.extend_from_slice(b",\"action\":");
        write_json_str(out, request.action());
        out.extend_from_slice(b",\"resource\":");
        write_json_str(out, request.resource());
        out.extend_from_slice(b",\"deciding\":[");
        for (i, (entry, _)) in deciding.iter().filter_map(statement).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(entry.as_bytes());
        }
        out.extend_from_slice(b"],\"notes\":[");
        for (i, (name, rest)) in self.warnings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let note = if self.embedded {
                format!("warning: line {number}: {name}{rest}")
            } else {
                format!("warning: {name}{rest}")
            };
            write_json_str(out, &note);
        }
        out.extend_from_slice(b"],\"id\":");
        match id {
            RawId::Text(text) => out.extend_from_slice(text.as_bytes()),
            RawId::Value(value) => {
                let _ = serde_json::to_writer(&mut *out, value);
            }
        }
        out.extend_from_slice(b"}\n");
    }
}

/// A JSON string as `serde_json` writes it.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// The top level of a line, scanned without building a tree: the raw text of `id` and
/// `request`, and each policy member as (key, raw value, byte offset of the value).
struct TopLevel<'a> {
    id: Option<&'a str>,
    request: Option<&'a str>,
    /// The request, when it is a plain object of strings (read while scanning).
    simple: Option<SimpleRequest<'a>>,
    policies: Vec<(&'static str, &'a str, usize)>,
}

/// Scans `{"key": value, …}`. `None` for anything the fast path does not handle, valid or
/// not: unknown or repeated keys, escapes in keys, nesting near the depth limit, trailing text.
/// The values of `id` and `request` are checked later by the JSON reader, and policy values by
/// comparison with text it accepted before.
fn scan_line<'a>(line: &'a str, known: &[(&'static str, String)]) -> Option<TopLevel<'a>> {
    let bytes = line.as_bytes();
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_ws(bytes, at + 1);
    let mut top = TopLevel {
        id: None,
        request: None,
        simple: None,
        policies: Vec::new(),
    };
    let mut seen = 0u16;
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = at + 1 + bytes.get(at + 1..)?.iter().position(|b| *b == b'"')?;
        let key = line.get(at + 1..key_end)?;
        let field = TOP_FIELDS.iter().position(|f| *f == key)?;
        if seen & (1 << field) != 0 {
            return None;
        }
        seen |= 1 << field;
        at = skip_ws(bytes, key_end + 1);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, at + 1);
        // A policy value identical to the last line's is skipped by comparison, not scanned.
        let same = known.iter().find(|(k, _)| *k == key).and_then(|(_, raw)| {
            let end = start + raw.len();
            let delimited = matches!(
                bytes.get(end),
                None | Some(b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
            );
            (delimited && bytes.get(start..end) == Some(raw.as_bytes())).then_some(end)
        });
        let simple = match (same, key) {
            (None, "request") => simple_request_at(line, start),
            _ => None,
        };
        let end = match (same, &simple) {
            (Some(end), _) => end,
            (None, Some((_, end))) => *end,
            (None, None) => skip_value(bytes, start)?,
        };
        if let Some((simple, _)) = simple {
            top.simple = Some(simple);
        }
        let raw = line.get(start..end)?;
        match TOP_FIELDS.get(field).copied() {
            Some("id") => top.id = Some(raw),
            Some("request") => top.request = Some(raw),
            Some(name) => top.policies.push((name, raw, start)),
            None => return None,
        }
        at = skip_ws(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    (skip_ws(bytes, at + 1) == bytes.len()).then_some(top)
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at
}

/// The end of the JSON value starting at `at`, found by matching brackets outside strings.
/// Exact for valid JSON; `None` on unbalanced text or nesting close to the reader's limit.
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' => skip_string(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match *bytes.get(i)? {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        depth += 1;
                        if depth + 2 > json::MAX_DEPTH {
                            return None;
                        }
                    }
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let len = bytes
                .get(at..)?
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(bytes.len() - at);
            (len > 0).then_some(at + len)
        }
    }
}

/// The end of the string whose opening quote is at `at`.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        match *bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// Evaluates one input line (1-based `number`, used in messages) into its output object.
pub fn evaluate_line(line: &str, number: usize) -> Value {
    evaluate_line_with(line, number, None)
}

/// [`evaluate_line`], with shared policies for a line that carries none.
pub fn evaluate_line_with(line: &str, number: usize, shared: Option<&SharedPolicies>) -> Value {
    if let Some(offset) = line.strip_prefix(NOT_UTF8) {
        return error_line(
            Value::Null,
            format!(
                "line {number}: invalid UTF-8 at byte {}: input lines must be UTF-8 text",
                offset.parse::<usize>().map_or(0, |o| o + 1)
            ),
        );
    }
    let parsed = match json::parse_str(line) {
        Ok(parsed) => parsed,
        Err(e) => {
            return error_line(
                Value::Null,
                format!(
                    "line {number}: invalid JSON at column {}: {}",
                    e.pos.column, e.message
                ),
            );
        }
    };
    let id = parsed
        .get("id")
        .and_then(|m| serde_json::from_str(&m.value.to_json_string()).ok())
        .unwrap_or(Value::Null);
    match decide(&parsed, line, number, shared) {
        Ok(value) => {
            let mut value = value;
            if let Value::Object(map) = &mut value {
                map.insert("id".into(), id);
            }
            value
        }
        Err(message) => error_line(id, message),
    }
}

fn error_line(id: Value, message: String) -> Value {
    json!({"id": id, "decision": "Error", "error": message})
}

/// The policies a line carries, each in its role, and their names for output.
fn load_line_policies(
    line: &Json,
    text: &str,
    number: usize,
) -> Result<(PolicySet, Vec<String>), String> {
    let JsonValue::Object(members) = &line.value else {
        return Err(format!(
            "line {number}: expected a JSON object, found {}",
            line.value.type_name()
        ));
    };
    for m in members {
        if !TOP_FIELDS.contains(&m.key.as_str()) {
            return Err(format!(
                "unknown field `{}`: expected one of {}",
                m.key,
                TOP_FIELDS.join(", ")
            ));
        }
    }
    let mut set = PolicySet::new();
    let mut names = Vec::new();
    let mut add = |role: PolicyRole, doc: &Json, name: String| -> Result<(), String> {
        let policy = load_embedded(doc, text, &format!("line {number}: {name}"), role.kind())?;
        set.add_as(role, policy).map_err(|e| e.to_string())?;
        names.push(name);
        Ok(())
    };
    let field = |key: &str| {
        line.get(key)
            .map(|m| &m.value)
            .filter(|v| v.value != JsonValue::Null)
    };
    if let Some(docs) = field("identityPolicies") {
        let JsonValue::Array(docs) = &docs.value else {
            return Err(format!(
                "`identityPolicies` must be an array of policy documents, found {}",
                docs.value.type_name()
            ));
        };
        for (i, doc) in docs.iter().enumerate() {
            add(PolicyRole::Identity, doc, format!("identityPolicies[{i}]"))?;
        }
    }
    let singles = [
        ("resourcePolicy", PolicyRole::Resource),
        ("permissionBoundary", PolicyRole::Boundary),
        ("sessionPolicy", PolicyRole::Session),
        ("vpcEndpointPolicy", PolicyRole::VpcEndpoint),
    ];
    for (key, role) in singles {
        if let Some(doc) = field(key) {
            add(role, doc, key.to_string())?;
        }
    }
    for (key, scp) in [("scps", true), ("rcps", false)] {
        let Some(value) = field(key) else { continue };
        for (level, name, doc) in organization_levels(value, key)? {
            let role = if scp {
                PolicyRole::Scp(level)
            } else {
                PolicyRole::Rcp(level)
            };
            add(role, doc, name)?;
        }
    }
    Ok((set, names))
}

/// Whether a line has a policy field that is not `null`.
fn carries_policies(line: &Json) -> bool {
    POLICY_FIELDS.iter().any(|key| {
        line.get(key)
            .is_some_and(|m| m.value.value != JsonValue::Null)
    })
}

fn decide(
    line: &Json,
    text: &str,
    number: usize,
    shared: Option<&SharedPolicies>,
) -> Result<Value, String> {
    let (own_set, own_names) = load_line_policies(line, text, number)?;
    let (set, names) = match shared {
        Some(shared) if !carries_policies(line) => (&shared.compiled.set, &shared.compiled.names),
        _ => (&own_set, &own_names),
    };
    let request = line.get("request").ok_or("missing `request`")?;
    let request = request_from_json(&request.value)?;
    Ok(explained(set, names, &request))
}

/// The output object of a decided line (without its `id`), from the explanation.
fn explained(set: &PolicySet, names: &[String], request: &Request) -> Value {
    let explanation = explain(set, request);
    let deciding: Vec<Value> = explanation
        .response
        .deciding
        .iter()
        .map(|&at| render::statement_ref_json(set, at, names))
        .collect();
    json!({
        "decision": explanation.response.decision.as_str(),
        "reason": render::short_reason(&explanation, request),
        "action": request.action(),
        "resource": request.resource(),
        "deciding": deciding,
        "notes": render::notes(&explanation),
    })
}

/// A copy of a set compiled from an earlier line, its policies named as line `number` names
/// them (`line N: identityPolicies[0]`): what loading this line would give, without parsing.
fn renamed(set: &PolicySet, suffixes: &[String], number: usize) -> Option<PolicySet> {
    let mut renamed = PolicySet::new();
    for ((role, policy), suffix) in set.policies().iter().zip(suffixes) {
        let mut policy = policy.clone();
        policy.source = Arc::new(Source {
            name: format!("line {number}: {suffix}"),
            text: Arc::clone(&policy.source.text),
        });
        renamed.add_as(*role, policy).ok()?;
    }
    Some(renamed)
}

/// A `request` object whose members are all plain strings (no escapes) among `action`,
/// `resource`, `principal` and `resourceAccount`: read without building a tree.
#[derive(Debug, Default, PartialEq, Eq)]
struct SimpleRequest<'a> {
    action: Option<&'a str>,
    resource: Option<&'a str>,
    principal: Option<&'a str>,
    resource_account: Option<&'a str>,
}

impl SimpleRequest<'_> {
    /// The request, as [`request_from_json`] builds it; `None` where it reports an error.
    fn build(&self, validator: &mut Validator) -> Option<Request> {
        if let Some(account) = self.resource_account {
            check_account(account).ok()?;
        }
        let request = validator
            .request(self.action?, self.resource?, self.principal)
            .ok()?;
        Some(match self.resource_account {
            Some(account) => request.with_resource_account(account),
            None => request,
        })
    }
}

/// Reads `{"action": "…", …}` at byte `at` of `text`, and where it ends; `None` for anything
/// else (the JSON reader then decides).
fn simple_request_at(text: &str, at: usize) -> Option<(SimpleRequest<'_>, usize)> {
    let bytes = text.as_bytes();
    let mut request = SimpleRequest::default();
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut at = skip_ws(bytes, at + 1);
    let plain_string = |at: usize| -> Option<(&str, usize)> {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let len = plain_string_len(bytes.get(at + 1..)?)?;
        Some((text.get(at + 1..at + 1 + len)?, at + len + 2))
    };
    loop {
        let (key, next) = plain_string(at)?;
        at = skip_ws(bytes, next);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let (value, next) = plain_string(skip_ws(bytes, at + 1))?;
        let slot = match key {
            "action" => &mut request.action,
            "resource" => &mut request.resource,
            "principal" => &mut request.principal,
            "resourceAccount" => &mut request.resource_account,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
        at = skip_ws(bytes, next);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => return Some((request, at + 1)),
            _ => return None,
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is `"`, `\` or a control character (below 0x20):
/// the bytes a JSON string escapes. The lowest flagged byte is exact (higher ones may be false
/// alarms after a flagged byte), which is all the callers use.
fn escape_flags(word: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    zero(word ^ (ONES * u64::from(b'"')))
        | zero(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
}

/// The eight bytes at `at`, if there are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?))
}

/// The index of the first byte a JSON string escapes, eight bytes at a time.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(word) = word_at(bytes, i) {
        let flags = escape_flags(word);
        if flags != 0 {
            return Some(i + (flags.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = bytes.get(i..)?;
    rest.iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|k| i + k)
}

/// Whether a JSON string of these bytes needs an escape.
fn needs_escape(bytes: &[u8]) -> bool {
    first_escape(bytes).is_some()
}

/// The length of a plain string's content (`bytes` starts after the opening quote): up to the
/// closing quote, with no escape or control character before it.
fn plain_string_len(bytes: &[u8]) -> Option<usize> {
    let end = first_escape(bytes)?;
    (bytes.get(end) == Some(&b'"')).then_some(end)
}

/// The request of a line, from the raw text of its `request` value.
fn request_from_text(raw: &str) -> Result<Request, String> {
    let json = json::parse_str(raw).map_err(|e| e.message)?;
    request_from_json(&json)
}

/// Validates the `request` object of a line against the catalog.
fn request_from_json(request: &Json) -> Result<Request, String> {
    let JsonValue::Object(fields) = &request.value else {
        return Err(format!(
            "`request` must be an object, found {}",
            request.value.type_name()
        ));
    };
    for f in fields {
        if !REQUEST_FIELDS.contains(&f.key.as_str()) {
            return Err(format!(
                "unknown field `request.{}`: expected one of {}",
                f.key,
                REQUEST_FIELDS.join(", ")
            ));
        }
    }
    let string_field = |key: &str| -> Result<Option<&str>, String> {
        match request.get(key).map(|m| &m.value.value) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(JsonValue::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(format!(
                "`request.{key}` must be a string, found {}",
                other.type_name()
            )),
        }
    };
    let action = string_field("action")?.ok_or("missing `request.action`")?;
    let resource = string_field("resource")?.ok_or("missing `request.resource`")?;
    let principal = string_field("principal")?;
    let resource_account = string_field("resourceAccount")?;
    if let Some(account) = resource_account {
        check_account(account).map_err(|e| format!("`request.resourceAccount`: {e}"))?;
    }
    let context = match request.get("context") {
        None => Context::new(),
        Some(m) if m.value.value == JsonValue::Null => Context::new(),
        Some(m) => Context::from_json(&m.value)
            .map_err(|(_, message)| format!("`request.context`: {message}"))?,
    };
    let mut request = Request::new(action, resource, principal)
        .map_err(|e| e.to_string())?
        .with_context(context);
    if let Some(account) = resource_account {
        request = request.with_resource_account(account);
    }
    Ok(request)
}

/// A policy given inline, as a JSON object or as a string holding JSON text (which may also be
/// one of the AWS CLI output shapes).
fn load_embedded(doc: &Json, line: &str, name: &str, kind: PolicyKind) -> Result<Policy, String> {
    match &doc.value {
        JsonValue::String(text) => {
            parse_policy_input(name, text.as_bytes(), kind).map_err(|e| e.to_string())
        }
        _ => {
            let source = Arc::new(Source {
                name: name.to_string(),
                text: Arc::from(line),
            });
            policy_from_json(source, doc, kind).map_err(|e| e.to_string())
        }
    }
}

/// `scps`/`rcps`: a list of documents (one level), or `[{"orgIdentifier", "policies"}]` (one
/// level each, root first). Returns (level, name, document).
fn organization_levels<'j>(
    value: &'j Json,
    key: &str,
) -> Result<Vec<(usize, String, &'j Json)>, String> {
    let JsonValue::Array(items) = &value.value else {
        return Err(format!(
            "`{key}` must be an array, found {}",
            value.value.type_name()
        ));
    };
    let leveled = items
        .iter()
        .any(|i| i.get("policies").is_some() || i.get("orgIdentifier").is_some());
    if !leveled {
        return Ok(items
            .iter()
            .enumerate()
            .map(|(i, doc)| (0, format!("{key}[{i}]"), doc))
            .collect());
    }
    let mut out = Vec::new();
    for (level, item) in items.iter().enumerate() {
        let JsonValue::Object(members) = &item.value else {
            return Err(format!(
                "`{key}[{level}]` must be an object with `orgIdentifier` and `policies`"
            ));
        };
        if let Some(m) = members
            .iter()
            .find(|m| m.key != "orgIdentifier" && m.key != "policies")
        {
            return Err(format!(
                "unknown field `{key}[{level}].{}`: expected orgIdentifier, policies",
                m.key
            ));
        }
        let id = match item.get("orgIdentifier").map(|m| &m.value.value) {
            Some(JsonValue::String(s)) => s.clone(),
            None => format!("level{level}"),
            Some(other) => {
                return Err(format!(
                    "`{key}[{level}].orgIdentifier` must be a string, found {}",
                    other.type_name()
                ));
            }
        };
        let Some(JsonValue::Array(docs)) = item.get("policies").map(|m| &m.value.value) else {
            return Err(format!(
                "`{key}[{level}].policies` must be an array of policy documents"
            ));
        };
        for (i, doc) in docs.iter().enumerate() {
            out.push((level, format!("{key}[{id}][{i}]"), doc));
        }
    }
    Ok(out)
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
        assert!(
            out["reason"]
                .as_str()
                .unwrap()
                .contains("does not support resource-level permissions")
        );
    }

    #[test]
    fn escapes_are_found_eight_bytes_at_a_time() {
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', b'\n', 0x1f, 0] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    // The byte after a special one is no escape.
                    if at + 1 < len {
                        bytes[at + 1] = special.wrapping_add(1).max(0x20);
                    }
                    assert_eq!(first_escape(&bytes), Some(at), "{bytes:?}");
                }
            }
            let plain: Vec<u8> = (0..len)
                .map(|i| [b'a', b'~', 0x7f, 0xc3, b' ', b'!', b'#', b']'][i % 8])
                .collect();
            assert_eq!(first_escape(&plain), None, "{plain:?}");
            let mut quoted = plain.clone();
            quoted.push(b'"');
            assert_eq!(plain_string_len(&quoted), Some(len));
        }
        assert_eq!(plain_string_len(br#"ab\"c""#), None);
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
    fn one_output_line_per_input_line() {
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
        assert_eq!(decisions, ["Error", "Error", "ImplicitDeny"]);
    }
}
