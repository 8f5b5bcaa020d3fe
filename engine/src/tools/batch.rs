//! Batch evaluation of JSON Lines: each line carries a request and, optionally, the policies to
//! decide it with; a [`Session`] compiles a policy set repeated across lines once, decides a
//! repeated request once, and hands back typed results for the caller to render.
//!
//! The line schema (README.md, "Batch") is read with serde: the top level and the `request`
//! object as their known members (`TOP_FIELDS`, `REQUEST_FIELDS`), each kept as raw JSON text
//! (the policies, the `id` and the request context stay so; strings are then read from it). Policy
//! documents and contexts are then validated by the engine's own reader ([`crate::syntax::json`],
//! [`crate::parse`]), so positions, duplicate keys and messages are those of policy files, and
//! the raw text of a line's policies is the key of its compiled set. A line serde does not accept
//! (or that fails validation) is read again with the engine's reader, which words the error
//! exactly (the field, the type found, the column).
//!
//! What a session caches, each bounded (cleared when full):
//!
//! - compiled policy sets, keyed by the raw text of the line's policy fields (and, for a set
//!   whose policies carry warnings, the columns they start at, since warnings quote them);
//! - results, keyed by (compiled set, raw text of the `request` value): the caller's rendering
//!   of the [`Explanation`], made once;
//! - the catalog's answers for (action, resource) pairs (`Validator`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::eval::authorize::{PolicyRole, PolicySet};
use crate::eval::caller::settle_caller;
use crate::eval::registry::{RegistryScope, unsupported_actions};
use crate::explain::{Detail, Explanation, evaluate};
use crate::model::context::Context;
use crate::model::policy::{Policy, PolicyKind, Source};
use crate::parse::{parse_policy_input, policy_from_json};
use crate::request::{Request, Validator};
use crate::syntax::json::{self, Json, Value as JsonValue};

/// The fields of an input line.
pub(crate) const TOP_FIELDS: &[&str] = &[
    "id",
    "identityPolicies",
    "resourcePolicy",
    "permissionBoundary",
    "scps",
    "rcps",
    "sessionPolicy",
    "vpcEndpointPolicy",
    "registryPolicy",
    "registryPolicyScope",
    "request",
];

/// The fields of a line's `request` object.
pub(crate) const REQUEST_FIELDS: &[&str] = &[
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "region",
    "at",
    "managementAccount",
];

/// Compiled sets kept before the cache is emptied.
const MAX_SETS: usize = 256;
/// Results kept before the cache is emptied.
const MAX_RESULTS: usize = 1 << 16;

/// The index of `name` in `names` (a compile-time error if it is missing).
const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such field")
}

/// A member's raw value, `None` for `null`.
fn not_null(raw: Option<&RawValue>) -> Option<&RawValue> {
    raw.filter(|raw| raw.get() != "null")
}

/// The string value of a member: `Some(None)` when absent or `null`, `None` when it is not a
/// string.
fn string_member(raw: Option<&RawValue>) -> Option<Option<Cow<'_, str>>> {
    let Some(raw) = not_null(raw) else {
        return Some(None);
    };
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(borrowed) => Some(Some(Cow::Borrowed(borrowed))),
        Err(_) => serde_json::from_str::<String>(raw.get())
            .ok()
            .map(|s| Some(Cow::Owned(s))),
    }
}

/// Reads `text`, a JSON object whose keys are all among `names`, into `values`: the raw text of
/// each member at the index of its name. False when serde rejects it, or a key is unknown,
/// repeated, or written with escapes (the line then goes to the engine's reader, which words
/// what is wrong).
fn read_members<'a>(
    text: &'a str,
    names: &'static [&'static str],
    values: &mut [Option<&'a RawValue>],
) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = MembersInto { names, values };
    serde::de::DeserializeSeed::deserialize(seed, &mut de).is_ok() && de.end().is_ok()
}

/// The serde seed of [`read_members`].
struct MembersInto<'s, 'a> {
    names: &'static [&'static str],
    values: &'s mut [Option<&'a RawValue>],
}

impl<'a> serde::de::DeserializeSeed<'a> for MembersInto<'_, 'a> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'a> serde::de::Visitor<'a> for MembersInto<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        while let Some(key) = map.next_key::<&'a str>()? {
            let slot = self
                .names
                .iter()
                .position(|n| *n == key)
                .and_then(|at| self.values.get_mut(at))
                .ok_or_else(|| A::Error::unknown_field(key, self.names))?;
            if slot.is_some() {
                return Err(A::Error::custom("duplicate key"));
            }
            *slot = Some(map.next_value()?);
        }
        Ok(())
    }
}

/// Policies shared by every line that carries none of its own.
#[derive(Debug)]
pub struct Shared {
    set: PolicySet,
    names: Vec<String>,
}

impl Shared {
    /// Compiles `set`; its policies are named by their source names (file paths).
    pub fn new(set: PolicySet) -> Shared {
        set.compile();
        let names = set
            .policies()
            .iter()
            .map(|(_, p)| p.source.name.clone())
            .collect();
        Shared { set, names }
    }
}

/// What a caller renders once per distinct (policy set, request).
#[derive(Debug)]
#[non_exhaustive]
pub struct Evaluated<'a> {
    /// The policies.
    pub set: &'a PolicySet,
    /// How the policies are named in output: `identityPolicies[0]`, `scps[r-1][0]`, or the
    /// file path of a shared policy.
    pub names: &'a [String],
    /// The validated request.
    pub request: &'a Request,
    /// The evaluation, at the session's [`Detail`].
    pub explanation: &'a Explanation,
}

/// A bad line: what is wrong, in words (lowercase, no final period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The message.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LineError {}

impl From<String> for LineError {
    fn from(message: String) -> LineError {
        LineError { message }
    }
}

impl From<&str> for LineError {
    fn from(message: &str) -> LineError {
        LineError {
            message: message.to_string(),
        }
    }
}

/// A rendered result: from the session's cache, or made for this line alone.
#[derive(Debug)]
pub enum Decided<'s, R> {
    /// Kept by the session (the same policies and request were seen before, or will be reused).
    Cached(&'s R),
    /// Made for this line (a line read by the slow path).
    Once(R),
}

impl<R> std::ops::Deref for Decided<'_, R> {
    type Target = R;
    fn deref(&self) -> &R {
        match self {
            Decided::Cached(r) => r,
            Decided::Once(r) => r,
        }
    }
}

/// The answer to one line: its `id` (`null` when absent or unreadable) and its result.
#[derive(Debug)]
#[non_exhaustive]
pub struct Line<'s, R> {
    /// The line's `id`, to echo.
    pub id: LineId<'s>,
    /// The rendered decision, or why the line could not be decided.
    pub result: Result<Decided<'s, R>, LineError>,
}

/// A line's `id` as it is echoed: serialized, it gives the bytes serde_json gives for the value
/// read (`1.0` stays `1.0`, `"\u0041"` becomes `"A"`, an object loses its spaces).
#[derive(Debug, Clone)]
pub enum LineId<'a> {
    /// The input's own text, which serde_json would write back unchanged: `null`, `true`,
    /// `false`, an integer of at most 18 digits without a leading zero, a string without `\`.
    Verbatim(&'a RawValue),
    /// Any other value, read.
    Value(serde_json::Value),
}

impl LineId<'_> {
    /// `null`: no `id`, or none could be read.
    pub const NULL: LineId<'static> = LineId::Verbatim(RawValue::NULL);

    /// The id of a value serde_json read.
    fn from_raw(raw: &RawValue) -> LineId<'_> {
        if writes_back_unchanged(raw.get()) {
            LineId::Verbatim(raw)
        } else {
            LineId::Value(serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null))
        }
    }
}

impl serde::Serialize for LineId<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LineId::Verbatim(raw) => raw.serialize(serializer),
            LineId::Value(value) => value.serialize(serializer),
        }
    }
}

/// Whether serde_json, reading `raw` (a JSON value it accepted, without surrounding spaces) into
/// a `Value` and writing it, gives `raw` again: the literals, integers that stay integers
/// (`-0` becomes `-0.0`; more than 18 digits may become a float), strings without escapes
/// (serde_json escapes only `"`, `\` and control characters, which a string read without a
/// backslash cannot hold).
fn writes_back_unchanged(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    match bytes.first() {
        Some(b'"') => !bytes.contains(&b'\\'),
        Some(b'n' | b't' | b'f') => matches!(raw, "null" | "true" | "false"),
        Some(_) => {
            let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
            let canonical = match digits {
                [b'0'] => digits.len() == bytes.len(),
                [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
                _ => false,
            };
            canonical && digits.len() <= 18
        }
        None => false,
    }
}

/// A compiled set from a line, with what its cache entry is checked against.
#[derive(Debug)]
struct Compiled {
    /// The raw text of the policy fields it was compiled from, each with its field index.
    raw: Vec<(usize, Box<str>)>,
    set: PolicySet,
    names: Vec<String>,
    /// For a set with warnings: the character column of each policy field's value (warnings
    /// quote positions in the line). `None` when no position is shown.
    columns: Option<Vec<usize>>,
}

type Fast = foldhash::fast::RandomState;

/// Evaluates lines one after the other, keeping compiled sets and results; `R` is what the
/// caller renders from an [`Evaluated`] (once per distinct policy set and request).
#[derive(Debug)]
pub struct Session<R> {
    shared: Option<Arc<Shared>>,
    detail: Detail,
    /// Whether caches are used; without, every line is read as if it were alone.
    reuse: bool,
    /// By the hash of the policy fields' raw text (each set keeps its text to check it).
    set_index: HashMap<u64, usize, Fast>,
    hasher: Fast,
    sets: Vec<Compiled>,
    result_index: HashMap<Box<[u8]>, usize, Fast>,
    results: Vec<R>,
    validator: Validator,
    key: Vec<u8>,
}

/// What the fast reading found, or that the line needs the slow one.
enum Fast1<'a> {
    /// The line's compiled set and the raw text of its request.
    Ready {
        id: LineId<'a>,
        set: usize,
        request: &'a RawValue,
    },
    /// A policy failed to load: the message, as the slow path would word it.
    Error(LineId<'a>, LineError),
    /// Read it again with the engine's reader.
    Slow,
}

/// The set index of the shared policies (in results' keys; no compiled set has it).
const SHARED: usize = usize::MAX;

impl<R> Session<R> {
    /// A session deciding lines with `shared` policies for lines that carry none, recording
    /// `detail` (at least [`Detail::Trace`], which gives the notes).
    pub fn new(shared: Option<Arc<Shared>>, detail: Detail) -> Session<R> {
        Session {
            shared,
            detail: detail.max(Detail::Trace),
            reuse: true,
            set_index: HashMap::default(),
            hasher: Fast::default(),
            sets: Vec::new(),
            result_index: HashMap::default(),
            results: Vec::new(),
            validator: Validator::new(),
            key: Vec::new(),
        }
    }

    /// Turns the caches off (each line is read and decided as if alone) or on; for tests that
    /// check the caches change nothing.
    pub fn reuse(mut self, reuse: bool) -> Session<R> {
        self.reuse = reuse;
        self
    }

    /// Decides line `number` (1-based, for messages) given as bytes without its line ending.
    pub fn line<'a>(
        &'a mut self,
        bytes: &'a [u8],
        number: usize,
        render: impl FnOnce(&Evaluated<'_>) -> R,
    ) -> Line<'a, R> {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                return error(
                    LineId::NULL,
                    format!(
                        "line {number}: invalid UTF-8 at byte {}: input lines must be UTF-8 text",
                        e.valid_up_to() + 1
                    ),
                );
            }
        };
        if !self.reuse {
            self.clear();
        }
        let (id, set, request) = match self.fast(text, number) {
            Fast1::Ready { id, set, request } => (id, set, request),
            Fast1::Error(id, e) => return error(id, e.message),
            Fast1::Slow => return self.slow(text, number, render),
        };
        // The result, by (set, request text).
        self.key.clear();
        self.key.extend_from_slice(&set.to_le_bytes());
        self.key.extend_from_slice(request.get().as_bytes());
        let known = self.result_index.get(self.key.as_slice()).copied();
        if let Some(at) = known.filter(|at| *at < self.results.len()) {
            return cached(id, &self.results, at);
        }
        let Some(request) = self.request(request.get()) else {
            return self.slow(text, number, render);
        };
        let (set, names) = match self.sets.get(set) {
            Some(c) => (&c.set, &c.names),
            None => match &self.shared {
                Some(shared) => (&shared.set, &shared.names),
                None => return self.slow(text, number, render),
            },
        };
        let Ok(request) = settle_caller(set, request) else {
            return self.slow(text, number, render);
        };
        let rendered = decide(set, names, &request, self.detail, render);
        if self.results.len() >= MAX_RESULTS {
            self.results.clear();
            self.result_index.clear();
        }
        let at = self.results.len();
        self.results.push(rendered);
        self.result_index.insert(self.key.as_slice().into(), at);
        cached(id, &self.results, at)
    }

    fn clear(&mut self) {
        self.set_index.clear();
        self.sets.clear();
        self.result_index.clear();
        self.results.clear();
        self.validator = Validator::new();
    }

    /// Reads the line with serde and finds (or compiles) its policy set.
    fn fast<'a>(&mut self, text: &'a str, number: usize) -> Fast1<'a> {
        let mut line = [None; TOP_FIELDS.len()];
        if !read_members(text, TOP_FIELDS, &mut line) {
            return Fast1::Slow;
        }
        const ID: usize = index_of(TOP_FIELDS, "id");
        const REQUEST: usize = index_of(TOP_FIELDS, "request");
        let id = match not_null(line[ID]) {
            None => LineId::NULL,
            Some(raw) => {
                // Serde's map keeps the last of duplicate keys; the engine's reader rejects them.
                if raw.get().starts_with(['{', '[']) && json::parse_str(raw.get()).is_err() {
                    return Fast1::Slow;
                }
                LineId::from_raw(raw)
            }
        };
        let Some(request) = not_null(line[REQUEST]) else {
            return Fast1::Slow;
        };
        // The policy fields present (not `null`), each with its index in TOP_FIELDS.
        let present = || {
            line.iter()
                .enumerate()
                .filter(|(field, _)| *field != ID && *field != REQUEST)
                .filter_map(|(field, raw)| not_null(*raw).map(|raw| (field, raw.get())))
        };
        if present().next().is_none() && self.shared.is_some() {
            return Fast1::Ready {
                id,
                set: SHARED,
                request,
            };
        }
        let hash = {
            let mut h = self.hasher.build_hasher();
            for (field, raw) in present() {
                h.write_usize(field);
                h.write(raw.as_bytes());
            }
            h.finish()
        };
        let columns = || -> Vec<usize> {
            present()
                .map(|(_, raw)| {
                    let offset = (raw.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                    text.get(..offset).map_or(0, |p| p.chars().count())
                })
                .collect()
        };
        if let Some(&at) = self.set_index.get(&hash)
            && let Some(compiled) = self.sets.get(at)
            && compiled.raw.len() == present().count()
            && compiled
                .raw
                .iter()
                .zip(present())
                .all(|((f, a), (field, b))| *f == field && **a == *b)
            && compiled.columns.as_ref().is_none_or(|c| *c == columns())
        {
            return Fast1::Ready {
                id,
                set: at,
                request,
            };
        }
        // A set not seen (at these columns): load it from the engine's reading of the line, so
        // positions in warnings and errors are those of the line.
        let Ok(parsed) = json::parse_str(text) else {
            return Fast1::Slow;
        };
        let (set, names) = match load_line_policies(&parsed, text, number) {
            Ok(loaded) => loaded,
            Err(e) => return Fast1::Error(id, e),
        };
        set.compile();
        let warnings = set.policies().iter().any(|(_, p)| !p.warnings.is_empty());
        if self.sets.len() >= MAX_SETS {
            self.clear();
        }
        let at = self.sets.len();
        self.sets.push(Compiled {
            raw: present().map(|(field, raw)| (field, raw.into())).collect(),
            set,
            names,
            columns: warnings.then(columns),
        });
        self.set_index.insert(hash, at);
        Fast1::Ready {
            id,
            set: at,
            request,
        }
    }

    /// The request from the raw text of its object; `None` for anything the slow path must word.
    fn request(&mut self, raw: &str) -> Option<Request> {
        let mut fields = [None; REQUEST_FIELDS.len()];
        if !read_members(raw, REQUEST_FIELDS, &mut fields) {
            return None;
        }
        let field = |name| fields[index_of(REQUEST_FIELDS, name)];
        let string = |name| string_member(field(name));
        let (action, resource) = (string("action")??, string("resource")??);
        let resource_account = string("resourceAccount")?;
        if let Some(account) = &resource_account {
            crate::request::check_account(account).ok()?;
        }
        let principal = string("principal")?;
        let mut request = self
            .validator
            .request(&action, &resource, principal.as_deref())
            .ok()?;
        if let Some(context) = not_null(field("context")) {
            let json = json::parse_str(context.get()).ok()?;
            request = request
                .with_checked_context(Context::from_json(&json).ok()?)
                .ok()?;
        }
        if let Some(account) = &resource_account {
            request = request.with_resource_account(account);
        }
        if let Some(region) = string("region")? {
            request = request.with_region(&region).ok()?;
        }
        if let Some(at) = string("at")? {
            request = request.with_time(crate::request::assume::parse_time(&at).ok()?);
        }
        if let Some(account) = string("managementAccount")? {
            crate::request::check_account(&account).ok()?;
            request = request.with_org_scope(management_scope(&account));
        }
        Some(request)
    }

    /// The line read by the engine's reader, decided without caches: the exact error message of
    /// a bad line.
    fn slow(
        &mut self,
        text: &str,
        number: usize,
        render: impl FnOnce(&Evaluated<'_>) -> R,
    ) -> Line<'_, R> {
        let parsed = match json::parse_str(text) {
            Ok(parsed) => parsed,
            Err(e) => {
                return error(
                    LineId::NULL,
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
            .map_or(LineId::NULL, LineId::Value);
        let (own_set, own_names) = match load_line_policies(&parsed, text, number) {
            Ok(loaded) => loaded,
            Err(e) => return error(id, e.message),
        };
        let (set, names) = match &self.shared {
            Some(shared) if !carries_policies(&parsed) => (&shared.set, &shared.names),
            _ => (&own_set, &own_names),
        };
        let request = match parsed.get("request") {
            None => Err(LineError::from("missing `request`")),
            Some(m) => request_from_json(&m.value),
        };
        let request =
            match request.and_then(|r| settle_caller(set, r).map_err(|e| e.to_string().into())) {
                Ok(request) => request,
                Err(e) => return error(id, e.message),
            };
        Line {
            id,
            result: Ok(Decided::Once(decide(
                set,
                names,
                &request,
                self.detail,
                render,
            ))),
        }
    }
}

/// Evaluates `request` at `detail` and renders the result.
fn decide<R>(
    set: &PolicySet,
    names: &[String],
    request: &Request,
    detail: Detail,
    render: impl FnOnce(&Evaluated<'_>) -> R,
) -> R {
    let explanation = evaluate(set, request, detail);
    render(&Evaluated {
        set,
        names,
        request,
        explanation: &explanation,
    })
}

/// The answer of a line whose result is `results[at]`.
fn cached<'s, R>(id: LineId<'s>, results: &'s [R], at: usize) -> Line<'s, R> {
    Line {
        id,
        result: results
            .get(at)
            .map(Decided::Cached)
            .ok_or_else(|| LineError::from("internal error: a cached result is missing")),
    }
}

fn error<'s, R>(id: LineId<'s>, message: String) -> Line<'s, R> {
    Line {
        id,
        result: Err(LineError { message }),
    }
}

/// Whether a line has a policy field that is not `null`.
fn carries_policies(line: &Json) -> bool {
    TOP_FIELDS
        .iter()
        .filter(|key| !matches!(**key, "id" | "request"))
        .any(|key| {
            line.get(key)
                .is_some_and(|m| m.value.value != JsonValue::Null)
        })
}

/// Checks that `value` is an object whose keys are all `known`: else `{not_object}, found …` or
/// `unknown field `{prefix}KEY`: expected one of …`.
fn known_fields(
    value: &Json,
    not_object: &str,
    prefix: &str,
    known: &[&str],
) -> Result<(), LineError> {
    let JsonValue::Object(members) = &value.value else {
        return Err(format!("{not_object}, found {}", value.value.type_name()).into());
    };
    match members.iter().find(|m| !known.contains(&m.key.as_str())) {
        Some(m) => Err(format!(
            "unknown field `{prefix}{}`: expected one of {}",
            m.key,
            known.join(", ")
        )
        .into()),
        None => Ok(()),
    }
}

/// Validates the `request` object of a line against the catalog.
fn request_from_json(request: &Json) -> Result<Request, LineError> {
    known_fields(
        request,
        "`request` must be an object",
        "request.",
        REQUEST_FIELDS,
    )?;
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
        crate::request::check_account(account)
            .map_err(|e| format!("`request.resourceAccount`: {e}"))?;
    }
    let context = match request.get("context") {
        None => Context::new(),
        Some(m) if m.value.value == JsonValue::Null => Context::new(),
        Some(m) => Context::from_json(&m.value)
            .map_err(|(_, message)| format!("`request.context`: {message}"))?,
    };
    let mut request = Request::new(action, resource, principal)
        .map_err(|e| e.to_string())?
        .with_checked_context(context)
        .map_err(|e| format!("`request.context`: {e}"))?;
    if let Some(account) = resource_account {
        request = request.with_resource_account(account);
    }
    if let Some(region) = string_field("region")? {
        request = request
            .with_region(region)
            .map_err(|e| format!("`request.region`: {e}"))?;
    }
    if let Some(at) = string_field("at")? {
        let seconds =
            crate::request::assume::parse_time(at).map_err(|e| format!("`request.at`: {e}"))?;
        request = request.with_time(seconds);
    }
    if let Some(account) = string_field("managementAccount")? {
        crate::request::check_account(account)
            .map_err(|e| format!("`request.managementAccount`: {e}"))?;
        request = request.with_org_scope(management_scope(account));
    }
    Ok(request)
}

/// What `request.managementAccount` tells: the management account, no organization file.
fn management_scope(account: &str) -> Arc<crate::model::organization::OrgScope> {
    Arc::new(crate::model::organization::OrgScope {
        management_account: Some(account.to_string()),
        organization: None,
    })
}

/// A policy given inline, as a JSON object or as a string holding JSON text (which may also be
/// one of the AWS CLI output shapes). Its positions refer to the line; messages name the line.
fn load_embedded(
    doc: &Json,
    line: &str,
    number: usize,
    name: &str,
    kind: PolicyKind,
) -> Result<Policy, String> {
    let loaded = match &doc.value {
        JsonValue::String(text) => parse_policy_input(name, text.as_bytes(), kind),
        _ => {
            let source = Arc::new(Source {
                name: name.to_string(),
                text: Arc::from(line),
            });
            policy_from_json(source, doc, kind)
        }
    };
    loaded.map_err(|e| format!("line {number}: {e}"))
}

/// The policies a line carries, each in its role, and their names for output.
fn load_line_policies(
    line: &Json,
    text: &str,
    number: usize,
) -> Result<(PolicySet, Vec<String>), LineError> {
    known_fields(
        line,
        &format!("line {number}: expected a JSON object"),
        "",
        TOP_FIELDS,
    )?;
    let mut set = PolicySet::new();
    let mut names = Vec::new();
    let mut add = |role: PolicyRole, doc: &Json, name: String| -> Result<(), String> {
        let policy = load_embedded(doc, text, number, &name, role.kind())?;
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
            )
            .into());
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
    if let Some(doc) = field("registryPolicy") {
        let scope = match field("registryPolicyScope").map(|v| &v.value) {
            None => RegistryScope::default(),
            Some(JsonValue::String(name)) => RegistryScope::from_name(name).ok_or_else(|| {
                format!("`registryPolicyScope` must be \"V1\" or \"V2\", found \"{name}\"")
            })?,
            Some(other) => {
                return Err(format!(
                    "`registryPolicyScope` must be \"V1\" or \"V2\", found {}",
                    other.type_name()
                )
                .into());
            }
        };
        let policy = load_embedded(doc, text, number, "registryPolicy", PolicyKind::Registry)?;
        if let Some(bad) = unsupported_actions(&policy, scope).first() {
            return Err(format!(
                "`registryPolicy` statement {} has `{}`, which a registry with policy scope V1 rejects",
                bad.statement, bad.action
            )
            .into());
        }
        set.add_as(PolicyRole::Registry(scope), policy)
            .map_err(|e| e.to_string())?;
        names.push("registryPolicy".to_string());
    } else if field("registryPolicyScope").is_some() {
        return Err("`registryPolicyScope` needs `registryPolicy`"
            .to_string()
            .into());
    }
    Ok((set, names))
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
        if items.is_empty() {
            return Err(format!(
                "`{key}` is an empty organization level: every root, OU and account has at least one policy attached, and a level with none would deny every request; give the level's policies or leave `{key}` out"
            ));
        }
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
        if docs.is_empty() {
            return Err(format!(
                "`{key}[{level}].policies` is empty: every root, OU and account has at least one policy attached, and a level with none would deny every request"
            ));
        }
        for (i, doc) in docs.iter().enumerate() {
            out.push((level, format!("{key}[{id}][{i}]"), doc));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop loudly")]

    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Repo","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}]}"#;
    const UNVERSIONED: &str =
        r#"{"Statement":[{"Sid":"Repo","Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}]}"#;

    fn push(id: &str, policy: &str, repo: &str) -> String {
        format!(
            r#"{{"id":{id},"identityPolicies":[{policy}],"request":{{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/{repo}"}}}}"#
        )
    }

    /// Renders the decision and the notes (with warnings' positions).
    fn decide(session: &mut Session<String>, line: &str) -> Result<String, String> {
        let answer = session.line(line.as_bytes(), 3, |e| {
            let notes: Vec<String> = e
                .explanation
                .notes
                .iter()
                // What ecrsim assumed is said on every line; these tests look at the rest.
                .filter(|n| !matches!(n, crate::explain::Note::Assumed { .. }))
                .map(|n| format!("{n:?}"))
                .collect();
            format!("{} {}", e.explanation.response.decision, notes.join(";"))
        });
        answer.result.map(|r| r.clone()).map_err(|e| e.message)
    }

    #[test]
    fn an_id_is_echoed_as_serde_json_writes_the_value_it_read() {
        // (raw id, whether it is echoed without being read into a Value)
        let ids = [
            ("null", true),
            ("true", true),
            ("false", true),
            ("0", true),
            ("7", true),
            ("-12", true),
            ("123456789012345678", true),
            ("1234567890123456789", false),
            ("12345678901234567890", false),
            ("123456789012345678901", false),
            ("-0", false),
            ("1.0", false),
            ("1e2", false),
            ("-1E-2", false),
            ("\"a\"", true),
            ("\"\"", true),
            ("\"é ☃ /\"", true),
            ("\"a\\u0041\\n\\/\"", false),
            ("[1, 2.50, \"x\"]", false),
            ("{\"b\": 1, \"a\": {}}", false),
        ];
        for (raw, verbatim) in ids {
            let value: serde_json::Value = serde_json::from_str(raw).unwrap();
            let expected = serde_json::to_string(&value).unwrap();
            let parsed: &RawValue = serde_json::from_str(raw).unwrap();
            let id = LineId::from_raw(parsed);
            assert_eq!(serde_json::to_string(&id).unwrap(), expected, "{raw}");
            assert_eq!(matches!(id, LineId::Verbatim(_)), verbatim, "{raw}");
        }
    }

    #[test]
    fn a_repeated_policy_is_compiled_once_and_a_repeated_request_decided_once() {
        let mut session = Session::new(None, Detail::Trace);
        assert_eq!(
            decide(&mut session, &push("1", POLICY, "app")).unwrap(),
            "Allow "
        );
        assert_eq!(
            decide(&mut session, &push("2", POLICY, "app")).unwrap(),
            "Allow "
        );
        assert_eq!(
            decide(&mut session, &push("3", POLICY, "other")).unwrap(),
            "ImplicitDeny "
        );
        assert_eq!((session.sets.len(), session.results.len()), (1, 2));
    }

    #[test]
    fn a_management_account_exempts_its_callers_from_scps_on_both_paths() {
        let line = |management: &str| {
            format!(
                r#"{{"identityPolicies":[{POLICY}],"scps":[{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*"}}]}}],"request":{{"principal":"arn:aws:iam::123456789012:user/dev","action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"{management}}}}}"#
            )
        };
        let mut session = Session::new(None, Detail::Trace);
        let member = decide(&mut session, &line("")).unwrap();
        let managed = decide(
            &mut session,
            &line(r#","managementAccount":"123456789012""#),
        )
        .unwrap();
        assert!(member.starts_with("ExplicitDeny"), "{member}");
        assert!(managed.starts_with("Allow"), "{managed}");
        assert!(managed.contains("ManagementAccountCaller"), "{managed}");
        // The slow path words a bad account.
        let mut fresh = Session::new(None, Detail::Trace);
        let bad = decide(&mut fresh, &line(r#","managementAccount":"mgmt""#)).unwrap_err();
        assert!(bad.contains("`request.managementAccount`"), "{bad}");
    }

    #[test]
    fn registry_policy_with_its_scope() {
        let mut session = Session::new(None, Detail::Trace);
        let line = |registry: &str, scope: &str| {
            format!(
                r#"{{"identityPolicies":[{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"ecr:ReplicateImage","Resource":"*"}}]}}],{registry}{scope}"request":{{"action":"ecr:ReplicateImage","resource":"arn:aws:ecr:us-west-2:444455556666:repository/app","principal":"arn:aws:iam::111122223333:role/r"}}}}"#
            )
        };
        let grant = |action: &str| {
            format!(
                r#""registryPolicy":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"{action}","Resource":"*"}}]}},"#
            )
        };
        let without = decide(&mut session, &line("", "")).unwrap();
        assert!(without.starts_with("ImplicitDeny"), "{without}");
        let with = decide(&mut session, &line(&grant("ecr:ReplicateImage"), "")).unwrap();
        assert!(with.starts_with("Allow"), "{with}");
        let v1 = r#""registryPolicyScope":"V1","#;
        let with_v1 = decide(&mut session, &line(&grant("ecr:ReplicateImage"), v1)).unwrap();
        assert!(with_v1.starts_with("Allow"), "{with_v1}");
        let rejected = decide(&mut session, &line(&grant("ecr:BatchGetImage"), v1)).unwrap_err();
        assert!(rejected.contains("policy scope V1"), "{rejected}");
        let bad_scope = decide(
            &mut session,
            &line(
                &grant("ecr:ReplicateImage"),
                r#""registryPolicyScope":"V9","#,
            ),
        )
        .unwrap_err();
        assert!(bad_scope.contains("\"V1\" or \"V2\""), "{bad_scope}");
    }

    #[test]
    fn warnings_keep_the_column_of_the_line_they_are_on() {
        let mut session = Session::new(None, Detail::Trace);
        let a = decide(&mut session, &push("1", UNVERSIONED, "app")).unwrap();
        let b = decide(&mut session, &push("22", UNVERSIONED, "app")).unwrap();
        assert!(a.contains("column: 29"), "{a}");
        assert!(b.contains("column: 30"), "{b}");
        let c = decide(&mut session, &push("33", UNVERSIONED, "app")).unwrap();
        assert_eq!(b, c);
    }

    #[test]
    fn bad_lines_are_worded_by_the_engine_reader() {
        let mut session = Session::new(None, Detail::Trace);
        let cases = [
            (
                r#"{"request":{"action":"ecr:PutImage","resource":7}}"#,
                "`request.resource` must be a string, found a number",
            ),
            (
                r#"{"request":{"action":"ecr:PutImage","resource":"*"},"request":1}"#,
                "line 3: invalid JSON at column 53: duplicate key `request` (first at line 1, column 2): remove one of them",
            ),
            (
                r#"{"request":null}"#,
                "`request` must be an object, found null",
            ),
            (r#"{"id":1}"#, "missing `request`"),
            (
                r#"{"id":{"a":1,"a":2},"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "line 3: invalid JSON at column 14: duplicate key `a`",
            ),
        ];
        for (line, expected) in cases {
            let error = decide(&mut session, line).unwrap_err();
            assert!(error.starts_with(expected), "{line}: {error}");
        }
        let error = session
            .line(b"{\"id\":\xff}", 9, |_| String::new())
            .result
            .unwrap_err();
        assert_eq!(
            error.message,
            "line 9: invalid UTF-8 at byte 7: input lines must be UTF-8 text"
        );
    }
}
