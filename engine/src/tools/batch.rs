//! Batch evaluation of JSON Lines: each line carries a request and, optionally, the policies to
//! decide it with; a [`Session`] compiles a policy set repeated across lines once, decides a
//! repeated request once, and hands back typed results for the caller to render.
//!
//! The line schema (README.md, "Batch") is read with serde: the top level and the `request`
//! object as their known members ([`TOP_FIELDS`], [`REQUEST_FIELDS`]), each kept as raw JSON text
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
//! - the catalog's answers for (action, resource) pairs ([`Validator`]);
//! - for a line with an organization (its `org`, or the shared one): the set with the SCP levels
//!   of the caller's account and the RCP levels of the resource's account added, keyed by (set,
//!   caller account, resource account); the organization itself is read once per set.
//!
//! A `request.message` line carries an error text instead of an action: it is read with
//! [`crate::explain::denial::parse_message`], and a denial is evaluated against the line's
//! policies and compared with the reason AWS gave ([`compare`]); the caller renders a
//! [`Subject::Message`].

pub(crate) mod blocks;

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::eval::authorize::{PolicyRole, PolicySet};
use crate::eval::caller::settle_caller;
use crate::eval::registry::{RegistryScope, unsupported_actions};
use crate::explain::denial::{Message, Verdict, compare, parse_message};
use crate::explain::{Detail, Explanation, evaluate};
use crate::model::context::Context;
use crate::model::organization::OrgScope;
use crate::model::policy::{Policy, PolicyKind, Source};
use crate::parse::mistake::{self, Mistake};
use crate::parse::{cli_wrapped, parse_policy_input, policy_from_json, policy_input_from_json};
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
    "org",
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
    "message",
    "loginRegion",
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

/// Reads a file named in a line (an organization file given by path, and the policy files it
/// names): the engine does no I/O, so the caller lends it this.
pub(crate) type FileLoader = Arc<dyn Fn(&str) -> Result<Vec<u8>, String> + Send + Sync>;

/// Compiles `set` and names its policies by their source names (file paths), in order.
fn compile_named(set: &PolicySet) -> Vec<String> {
    set.compile();
    set.policies()
        .iter()
        .map(|(_, p)| p.source.name.clone())
        .collect()
}

/// Policies shared by every line that carries none of its own, and the organization shared by
/// every line that gives no `org`, `scps` or `rcps` of its own.
#[derive(Debug)]
pub struct Shared {
    set: PolicySet,
    names: Vec<String>,
    org: Option<Arc<OrgScope>>,
}

impl Shared {
    /// Compiles `set`; its policies are named by their source names (file paths).
    pub fn new(set: PolicySet) -> Shared {
        let names = compile_named(&set);
        Shared {
            set,
            names,
            org: None,
        }
    }

    /// Adds the organization (file and/or management account) every line without its own
    /// `org`, `scps` or `rcps` is evaluated in: the SCP levels of each line's caller account and
    /// the RCP levels of its resource account are added per line.
    pub fn with_org(mut self, org: OrgScope) -> Shared {
        self.org = Some(Arc::new(org));
        self
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

/// A line whose `request.message` holds an error text (README.md, "Batch"): what the text was
/// read as and, for an access-denied message on a line with policies, ecrsim's verdict on it.
#[derive(Debug)]
#[non_exhaustive]
pub struct MessageEvaluated<'a> {
    /// The text, read: an access-denied message or a docker/credential error.
    pub message: &'a Message,
    /// For a denial: the request AWS denied (with the line's context, Region and time).
    pub request: Option<&'a Request>,
    /// For a denial on a line with policies: the evaluation and whether it reproduces the
    /// reason AWS gave.
    pub evaluated: Option<(Evaluated<'a>, &'a Verdict)>,
}

/// What the caller renders for a line.
#[derive(Debug)]
#[non_exhaustive]
pub enum Subject<'a> {
    /// A request (`request.action` and `request.resource`), decided.
    Decided(Evaluated<'a>),
    /// A `request.message` line.
    Message(MessageEvaluated<'a>),
}

impl<'a> Evaluated<'a> {
    /// An evaluation made outside a [`Session`] (a line decided on a snapshot), to render alike.
    pub fn new(
        set: &'a PolicySet,
        names: &'a [String],
        request: &'a Request,
        explanation: &'a Explanation,
    ) -> Evaluated<'a> {
        Evaluated {
            set,
            names,
            request,
            explanation,
        }
    }
}

/// A bad line: what is wrong, in words (lowercase, no final period).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// The input's own text, which serde_json would write back unchanged.
    Verbatim(VerbatimId<'a>),
    /// Any other value, read.
    Value(serde_json::Value),
}

impl LineId<'_> {
    /// `null`: no `id`, or none could be read.
    pub const NULL: LineId<'static> = LineId::Verbatim(VerbatimId(b"null"));

    /// The id of a value serde_json read.
    fn from_raw(raw: &RawValue) -> LineId<'_> {
        if writes_back_unchanged(raw.get().as_bytes()) {
            LineId::Verbatim(VerbatimId(raw.get().as_bytes()))
        } else {
            LineId::Value(serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null))
        }
    }
}

impl serde::Serialize for LineId<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LineId::Verbatim(id) => serde_json::from_slice::<&RawValue>(id.0)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            LineId::Value(value) => value.serialize(serializer),
        }
    }
}

/// The text of an id that is one whole JSON value which serde_json writes back unchanged:
/// `null`, `true`, `false`, an integer of at most 18 digits without a leading zero, a string
/// without `\` (and, when not read by serde, of printable ASCII).
#[derive(Debug, Clone, Copy)]
pub struct VerbatimId<'a>(&'a [u8]);

impl<'a> VerbatimId<'a> {
    /// `bytes`, when it is such an id; read without serde, so a string must be printable ASCII
    /// (serde would check that any other is UTF-8 without control characters).
    fn new(bytes: &'a [u8]) -> Option<VerbatimId<'a>> {
        let plain = match bytes {
            [b'"', inner @ .., b'"'] => inner
                .iter()
                .all(|b| (b' '..=b'~').contains(b) && !matches!(b, b'"' | b'\\')),
            [b'"', ..] => false,
            _ => writes_back_unchanged(bytes),
        };
        plain.then_some(VerbatimId(bytes))
    }

    /// The id's JSON text (UTF-8).
    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }
}

/// Whether serde_json, reading `raw` (a JSON value it accepted, without surrounding spaces) into
/// a `Value` and writing it, gives `raw` again: the literals, integers that stay integers
/// (`-0` becomes `-0.0`; more than 18 digits may become a float), strings without escapes
/// (serde_json escapes only `"`, `\` and control characters, which a string read without a
/// backslash cannot hold).
fn writes_back_unchanged(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(b'"') => !bytes.contains(&b'\\'),
        Some(b'n' | b't' | b'f') => matches!(bytes, b"null" | b"true" | b"false"),
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

/// `text` cut after the id it starts with: a string id at its closing quote, any other at the
/// first comma.
fn split_id_first(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = match text.strip_prefix(b"\"") {
        Some(string) => memchr::memchr(b'"', string)? + 2,
        None => memchr::memchr(b',', text)?,
    };
    Some(text.split_at(end))
}

/// `text` cut before the id it ends with: a string id at its opening quote, any other after
/// the last colon.
fn split_id_last(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = match text.strip_suffix(b"\"") {
        Some(string) => memchr::memrchr(b'"', string)?,
        None => memchr::memrchr(b':', text)? + 1,
    };
    Some(text.split_at(start))
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
    /// The line's own organization (`org`), read once.
    org: Option<Arc<OrgScope>>,
    /// Whether the line gives `org`, `scps` or `rcps` (then the shared organization is not used).
    own_org: bool,
}

type Fast = foldhash::fast::RandomState;

/// Sets with organization levels, by (set, caller account, resource account).
type Leveled = HashMap<(usize, Option<Box<str>>, Option<Box<str>>), WithLevels, Fast>;

/// A set with the organization levels of one caller account and one resource account added.
#[derive(Debug)]
struct WithLevels {
    set: PolicySet,
    names: Vec<String>,
}

/// Evaluates lines one after the other, keeping compiled sets and results; `R` is what the
/// caller renders from a [`Subject`] (once per distinct policy set and request).
pub struct Session<R> {
    shared: Option<Arc<Shared>>,
    detail: Detail,
    /// Whether caches are used; without, every line is read as if it were alone.
    reuse: bool,
    /// By the hash of the policy fields' raw text (each set keeps its text to check it).
    set_index: HashMap<u64, usize, Fast>,
    hasher: Fast,
    sets: Vec<Compiled>,
    /// Sets with organization levels, by (set, caller account, resource account).
    leveled: Leveled,
    /// By the hash of (set, request text): the index in `results` and `result_keys`.
    result_index: HashMap<u64, usize, Fast>,
    results: Vec<R>,
    /// The (set, request text) of each result, to check a hash that matched.
    result_keys: Vec<(usize, Box<str>)>,
    validator: Validator,
    loader: Option<FileLoader>,
}

impl<R> std::fmt::Debug for Session<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("sets", &self.sets.len())
            .field("results", &self.results.len())
            .finish_non_exhaustive()
    }
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

/// What the fast path made of a line.
enum Quick<'a> {
    /// Decided: the line's id and its result's index.
    Done(LineId<'a>, usize),
    /// The line's error, worded as the slow path words it.
    Failed(LineId<'a>, String),
    /// Read it again with the engine's reader.
    Slow,
}

/// A line's `request`, built.
enum Built {
    /// An action on a resource.
    Request(Request),
    /// An error text; for a denial, the request it names.
    Message(Message, Option<Request>),
}

/// The set index of the shared policies (in results' keys; no compiled set has it).
const SHARED: usize = usize::MAX;

/// The policies a line is decided with: its set, their names, and the organization that adds
/// levels per request.
struct Base<'s> {
    set: &'s PolicySet,
    names: &'s [String],
    org: Option<&'s Arc<OrgScope>>,
}

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
            leveled: HashMap::default(),
            result_index: HashMap::default(),
            results: Vec::new(),
            result_keys: Vec::new(),
            validator: Validator::new(),
            loader: None,
        }
    }

    /// Turns the caches off (each line is read and decided as if alone) or on; for tests that
    /// check the caches change nothing.
    pub fn reuse(mut self, reuse: bool) -> Session<R> {
        self.reuse = reuse;
        self
    }

    /// Lends the session a file reader, for an `org` given as a path (and the policy files an
    /// organization names). Without one, such a line is an error line.
    pub fn with_loader(mut self, loader: FileLoader) -> Session<R> {
        self.loader = Some(loader);
        self
    }

    /// Decides line `number` (1-based, for messages) given as bytes without its line ending.
    pub fn line<'a>(
        &'a mut self,
        bytes: &'a [u8],
        number: usize,
        render: impl FnOnce(Subject<'_>) -> R,
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
        let mut render = Some(render);
        match self.quick(text, number, &mut render) {
            Quick::Done(id, at) => cached(id, &self.results, at),
            Quick::Failed(id, message) => error(id, message),
            Quick::Slow => match render {
                Some(render) => self.slow(text, number, render),
                None => error(
                    LineId::NULL,
                    "internal error: a line was rendered twice".into(),
                ),
            },
        }
    }

    /// [`Session::line`] for a plain line: one that the session reads with serde and decides
    /// (or finds decided) without an error, so its top level and `request` object hold only
    /// the known fields (`TOP_FIELDS`, `REQUEST_FIELDS`, unescaped and unrepeated: no
    /// `snapshot` and no `request.workflow`). `None` for every other line, and always when
    /// caches are off: the caller then reads the line as it reads any other, and may end with
    /// [`Session::line`], which gives the line's error. Most lines of a batch are plain, and
    /// are read once. A plain line's answer never shows its number (only errors do), so none
    /// is asked.
    pub fn plain_line<'a>(
        &'a mut self,
        bytes: &'a [u8],
        render: impl FnOnce(Subject<'_>) -> R,
    ) -> Option<Line<'a, R>> {
        if !self.reuse {
            return None;
        }
        if let Some((id, at)) = self.repeated(bytes) {
            return Some(cached(id, &self.results, at));
        }
        let text = std::str::from_utf8(bytes).ok()?;
        // The number words only errors, and a line that fails is not answered here.
        const UNSHOWN: usize = 0;
        match self.quick(text, UNSHOWN, &mut Some(render)) {
            Quick::Done(id, at) => Some(cached(id, &self.results, at)),
            Quick::Failed(..) | Quick::Slow => None,
        }
    }

    /// The fast path: the line read with serde, its set found or compiled, its result found or
    /// decided and kept.
    fn quick<'a, F: FnOnce(Subject<'_>) -> R>(
        &mut self,
        text: &'a str,
        number: usize,
        render: &mut Option<F>,
    ) -> Quick<'a> {
        let (id, set, request) = match self.fast(text, number) {
            Fast1::Ready { id, set, request } => (id, set, request),
            Fast1::Error(id, e) => return Quick::Failed(id, e.message),
            Fast1::Slow => return Quick::Slow,
        };
        let hash = self.result_hash(set, request.get().as_bytes());
        if let Some(at) = self.known_result(hash, set, request.get().as_bytes()) {
            return Quick::Done(id, at);
        }
        let Some(built) = self.request(request.get()) else {
            return Quick::Slow;
        };
        let base = match self.sets.get(set) {
            Some(c) => Base {
                set: &c.set,
                names: &c.names,
                org: c.org.as_ref().or_else(|| {
                    (!c.own_org)
                        .then(|| self.shared.as_ref()?.org.as_ref())
                        .flatten()
                }),
            },
            None => match &self.shared {
                Some(shared) => Base {
                    set: &shared.set,
                    names: &shared.names,
                    org: shared.org.as_ref(),
                },
                None => return Quick::Slow,
            },
        };
        let Some(render) = render.take() else {
            return Quick::Slow;
        };
        let rendered = match decide(base, set, &mut self.leveled, built, self.detail, render) {
            Ok(rendered) => rendered,
            // Worded as the slow path words it (the same function fails).
            Err(e) => return Quick::Failed(id, e.message),
        };
        if self.results.len() >= MAX_RESULTS {
            self.results.clear();
            self.result_keys.clear();
            self.result_index.clear();
        }
        let at = self.results.len();
        self.results.push(rendered);
        self.result_keys.push((set, request.get().into()));
        self.result_index.insert(hash, at);
        Quick::Done(id, at)
    }

    /// The hash a result is kept under: of its set and the raw text of its `request`.
    fn result_hash(&self, set: usize, request: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write_usize(set);
        h.write(request);
        h.finish()
    }

    /// The index of the result kept for (`set`, `request` text), if any: found by its hash,
    /// then the text compared.
    fn known_result(&self, hash: u64, set: usize, request: &[u8]) -> Option<usize> {
        let &at = self.result_index.get(&hash)?;
        let (known_set, known) = self.result_keys.get(at)?;
        (*known_set == set && known.as_bytes() == request).then_some(at)
    }

    /// A line without policy fields that repeats, byte for byte, the `request` text of a line
    /// this session decided with the shared policies, framed as serde_json writes a line:
    /// `{"id":ID,"request":R}`, `{"request":R,"id":ID}` or `{"request":R}`, no whitespace but
    /// JSON's at the end, `ID` a value written back unchanged ([`VerbatimId`]). Its id and the index of its
    /// result; `None` for any other line, which is then read with serde.
    ///
    /// No JSON is read here: `R` is text serde accepted as a whole value (each result's key is
    /// the raw text of the value serde read), and the framing around it is fixed, so the line
    /// is valid JSON whose only members are `id` and `request`, and is decided as that line was.
    fn repeated<'a>(&self, bytes: &'a [u8]) -> Option<(LineId<'a>, usize)> {
        self.shared.as_ref()?;
        // JSON's whitespace only (`trim_ascii_end` would also take a form feed, which serde
        // rejects).
        let end = bytes
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(0, |last| last + 1);
        let body = bytes.get(..end)?.strip_prefix(b"{")?.strip_suffix(b"}")?;
        let (id, request) = match body.strip_prefix(br#""request":"#) {
            // A request object ends with `}`, an id never does.
            Some(request) if request.ends_with(b"}") => (None, request),
            Some(rest) => {
                let (rest, id) = split_id_last(rest)?;
                (Some(id), rest.strip_suffix(br#","id":"#)?)
            }
            None => {
                let (id, rest) = split_id_first(body.strip_prefix(br#""id":"#)?)?;
                (Some(id), rest.strip_prefix(br#","request":"#)?)
            }
        };
        let id = match id {
            None => LineId::NULL,
            Some(id) => LineId::Verbatim(VerbatimId::new(id)?),
        };
        let hash = self.result_hash(SHARED, request);
        let at = self.known_result(hash, SHARED, request)?;
        Some((id, at))
    }

    fn clear(&mut self) {
        self.set_index.clear();
        self.sets.clear();
        self.leveled.clear();
        self.result_index.clear();
        self.results.clear();
        self.result_keys.clear();
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
        // The policy fields present (not `null`; `org` among them), each with its index in
        // TOP_FIELDS.
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
        let LinePolicies {
            set,
            names,
            org,
            own_org,
        } = match load_line_policies(&parsed, text, number, self.loader.as_ref()) {
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
            org,
            own_org,
        });
        self.set_index.insert(hash, at);
        Fast1::Ready {
            id,
            set: at,
            request,
        }
    }

    /// The request from the raw text of its object; `None` for anything the slow path must word.
    fn request(&mut self, raw: &str) -> Option<Built> {
        let mut fields = [None; REQUEST_FIELDS.len()];
        if !read_members(raw, REQUEST_FIELDS, &mut fields) {
            return None;
        }
        let field = |name| fields[index_of(REQUEST_FIELDS, name)];
        let string = |name| string_member(field(name));
        if string("message")?.is_some() {
            // An error text: read as the slow path reads it.
            return built_from_json(&json::parse_str(raw).ok()?).ok();
        }
        if string("loginRegion")?.is_some() {
            return None;
        }
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
        Some(Built::Request(request))
    }

    /// The line read by the engine's reader, decided without caches: the exact error message of
    /// a bad line.
    fn slow(
        &mut self,
        text: &str,
        number: usize,
        render: impl FnOnce(Subject<'_>) -> R,
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
        let own = match load_line_policies(&parsed, text, number, self.loader.as_ref()) {
            Ok(loaded) => loaded,
            Err(e) => return error(id, e.message),
        };
        let shared_org = self.shared.as_ref().and_then(|s| s.org.as_ref());
        let base = match &self.shared {
            Some(shared) if !carries_policies(&parsed) => Base {
                set: &shared.set,
                names: &shared.names,
                org: shared.org.as_ref(),
            },
            _ => Base {
                set: &own.set,
                names: &own.names,
                org: own
                    .org
                    .as_ref()
                    .or(if own.own_org { None } else { shared_org }),
            },
        };
        let built = match parsed.get("request") {
            None => Err(LineError::from("missing `request`")),
            Some(m) => built_from_json(&m.value),
        };
        let mut leveled = HashMap::default();
        match built.and_then(|built| decide(base, SHARED, &mut leveled, built, self.detail, render))
        {
            Ok(rendered) => Line {
                id,
                result: Ok(Decided::Once(rendered)),
            },
            Err(e) => error(id, e.message),
        }
    }
}

/// Settles the caller, adds the organization's levels, evaluates, and renders.
fn decide<'a, R>(
    base: Base<'a>,
    set_key: usize,
    leveled: &'a mut Leveled,
    built: Built,
    detail: Detail,
    render: impl FnOnce(Subject<'_>) -> R,
) -> Result<R, LineError> {
    match built {
        Built::Request(request) => {
            let request =
                settle_caller(base.set, request).map_err(|e| LineError::from(e.to_string()))?;
            let (set, names, request) = with_org(base, set_key, leveled, request)?;
            let explanation = evaluate(set, &request, detail);
            Ok(render(Subject::Decided(Evaluated {
                set,
                names,
                request: &request,
                explanation: &explanation,
            })))
        }
        Built::Message(message, None) => Ok(render(Subject::Message(MessageEvaluated {
            message: &message,
            request: None,
            evaluated: None,
        }))),
        Built::Message(message, Some(request)) => {
            let (set, names, request) = with_org(base, set_key, leveled, request)?;
            let denial = match &message {
                Message::Denial(denial) if !set.policies().is_empty() => denial,
                // Without policies (or for a client error) there is nothing to evaluate.
                _ => {
                    return Ok(render(Subject::Message(MessageEvaluated {
                        message: &message,
                        request: Some(&request),
                        evaluated: None,
                    })));
                }
            };
            let explanation = evaluate(set, &request, detail);
            let verdict = compare(denial, set, &explanation.response);
            Ok(render(Subject::Message(MessageEvaluated {
                message: &message,
                request: Some(&request),
                evaluated: Some((
                    Evaluated {
                        set,
                        names,
                        request: &request,
                        explanation: &explanation,
                    },
                    &verdict,
                )),
            })))
        }
    }
}

/// The set of `base` with the organization's SCP levels of the caller's account and RCP levels
/// of the resource's account added (kept in `leveled`), and the request with what is known of
/// the organization. Without an organization, `base` and the request unchanged.
fn with_org<'a>(
    base: Base<'a>,
    set_key: usize,
    leveled: &'a mut Leveled,
    request: Request,
) -> Result<(&'a PolicySet, &'a [String], Request), LineError> {
    let Some(org) = base.org else {
        return Ok((base.set, base.names, request));
    };
    let given = request
        .org_scope()
        .and_then(|s| s.management_account.clone());
    let scope = match (given, &org.management_account) {
        (Some(given), Some(known)) if given != *known => {
            return Err(format!(
                "`request.managementAccount` {given} disagrees with the organization's management account {known}"
            )
            .into());
        }
        (Some(given), None) => Arc::new(OrgScope {
            management_account: Some(given),
            organization: org.organization.clone(),
        }),
        _ => Arc::clone(org),
    };
    let request = request.with_org_scope(scope);
    let Some(organization) = &org.organization else {
        return Ok((base.set, base.names, request));
    };
    // Accounts outside the organization add no level: they share one entry.
    let member = |account: Option<&str>| {
        account
            .filter(|a| organization.contains(a))
            .map(Box::<str>::from)
    };
    let key = (
        set_key,
        member(request.caller().and_then(|c| c.account.as_deref())),
        member(request.resource_account()),
    );
    if !leveled.contains_key(&key) {
        let mut set = base.set.clone();
        crate::eval::organization::add_org_levels(
            organization,
            &mut set,
            key.1.as_deref(),
            key.2.as_deref(),
        )
        .map_err(|e| LineError::from(e.to_string()))?;
        let names = compile_named(&set);
        if leveled.len() >= MAX_SETS {
            leveled.clear();
        }
        leveled.insert(key.clone(), WithLevels { set, names });
    }
    let with = leveled
        .get(&key)
        .ok_or_else(|| LineError::from("internal error: an organization set is missing"))?;
    Ok((&with.set, &with.names, request))
}

/// A line's `request` object, built: an error text (`message`), or an action on a resource.
fn built_from_json(request: &Json) -> Result<Built, LineError> {
    let has_message = request
        .get("message")
        .is_some_and(|m| m.value.value != JsonValue::Null);
    if !has_message {
        return request_from_json(request).map(Built::Request);
    }
    request_fields(request)?;
    let text = match request.get("message").map(|m| &m.value.value) {
        Some(JsonValue::String(text)) => text,
        other => {
            return Err(format!(
                "`request.message` must be a string (an access-denied message or a docker error), found {}",
                other.map_or("nothing", JsonValue::type_name)
            )
            .into());
        }
    };
    if request
        .get("action")
        .is_some_and(|m| m.value.value != JsonValue::Null)
    {
        return Err(
            "`request.message` names the action: leave out `request.action` (or the message)"
                .into(),
        );
    }
    let mut denial = match parse_message(text).map_err(|e| format!("`request.message`: {e}"))? {
        Message::Client(client) => {
            // The Region docker logged in to, as `why --login-region`.
            let client = match string_field(request, "loginRegion")? {
                Some(region) => client.with_login_region(region),
                None => client,
            };
            return Ok(Built::Message(Message::Client(client), None));
        }
        Message::Denial(denial) => denial,
    };
    for (key, field) in [
        ("principal", &mut denial.principal),
        ("resource", &mut denial.resource),
    ] {
        match (string_field(request, key)?, &field) {
            (Some(given), Some(named)) if given != named => {
                return Err(format!(
                    "`request.{key}` `{given}` contradicts the message, which names `{named}` (the field only fills in what the message lacks)"
                )
                .into());
            }
            (Some(given), None) => *field = Some(given.to_string()),
            _ => {}
        }
    }
    let request_of_message = denial
        .request()
        .map_err(|e| format!("`request.message`: {e}"))?;
    let built = with_request_fields(request_of_message, request)?;
    Ok(Built::Message(Message::Denial(denial), Some(built)))
}

/// A string member of the `request` object (`None` when absent or null).
fn string_field<'j>(request: &'j Json, key: &str) -> Result<Option<&'j str>, String> {
    match request.get(key).map(|m| &m.value.value) {
        None | Some(JsonValue::Null) => Ok(None),
        Some(JsonValue::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!(
            "`request.{key}` must be a string, found {}",
            other.type_name()
        )),
    }
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

/// Refuses a `request` object that is not an object or has a field outside [`REQUEST_FIELDS`].
fn request_fields(request: &Json) -> Result<(), LineError> {
    known_fields(
        request,
        "`request` must be an object",
        "request.",
        REQUEST_FIELDS,
    )
}

/// Validates the `request` object of a line against the catalog.
pub fn request_from_json(request: &Json) -> Result<Request, LineError> {
    request_fields(request)?;
    if string_field(request, "loginRegion")?.is_some() {
        return Err(
            "`request.loginRegion` goes with `request.message` (a docker error): it is the Region docker logged in to"
                .into(),
        );
    }
    let action = string_field(request, "action")?.ok_or("missing `request.action`")?;
    let resource = string_field(request, "resource")?.ok_or("missing `request.resource`")?;
    let principal = string_field(request, "principal")?;
    if let Some(account) = string_field(request, "resourceAccount")? {
        crate::request::check_account(account)
            .map_err(|e| format!("`request.resourceAccount`: {e}"))?;
    }
    // The context is checked before the request, whose errors come second (as ever).
    if let Some(m) = request.get("context")
        && m.value.value != JsonValue::Null
    {
        Context::from_json(&m.value)
            .map_err(|(_, message)| format!("`request.context`: {message}"))?;
    }
    let base = Request::new(action, resource, principal).map_err(|e| e.to_string())?;
    with_request_fields(base, request)
}

/// The request with the line's `context`, `resourceAccount`, `region`, `at` and
/// `managementAccount`.
fn with_request_fields(mut request: Request, fields: &Json) -> Result<Request, LineError> {
    let resource_account = string_field(fields, "resourceAccount")?;
    if let Some(account) = resource_account {
        crate::request::check_account(account)
            .map_err(|e| format!("`request.resourceAccount`: {e}"))?;
    }
    let context = match fields.get("context") {
        None => Context::new(),
        Some(m) if m.value.value == JsonValue::Null => Context::new(),
        Some(m) => Context::from_json(&m.value)
            .map_err(|(_, message)| format!("`request.context`: {message}"))?,
    };
    request = request
        .with_checked_context(context)
        .map_err(|e| format!("`request.context`: {e}"))?;
    if let Some(account) = resource_account {
        request = request.with_resource_account(account);
    }
    if let Some(region) = string_field(fields, "region")? {
        request = request
            .with_region(region)
            .map_err(|e| format!("`request.region`: {e}"))?;
    }
    if let Some(at) = string_field(fields, "at")? {
        let seconds =
            crate::request::assume::parse_time(at).map_err(|e| format!("`request.at`: {e}"))?;
        request = request.with_time(seconds);
    }
    if let Some(account) = string_field(fields, "managementAccount")? {
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

/// A policy given inline, as a JSON object or as a string holding JSON text; either may be one of
/// the AWS CLI output shapes ([`crate::parse::read_policy_input`]). An object's positions refer
/// to the line; a string's to its own text (a `policyText` string's to its decoded text, named
/// `FIELD (policyText)`); messages name the line.
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
            match cli_wrapped(doc) {
                None => policy_from_json(source, doc, kind),
                Some(_) => {
                    policy_input_from_json(source, doc.clone()).and_then(|input| input.policy(kind))
                }
            }
        }
    };
    loaded.map_err(|e| {
        // A refused document that is one of the common mistakes says what it is.
        let mistake = match &doc.value {
            JsonValue::String(text) => mistake::diagnose(text.as_bytes(), kind),
            _ => mistake::diagnose_json(doc, kind),
        };
        let what = match mistake {
            None => return format!("line {number}: {e}"),
            Some(Mistake::Empty) => "is empty: a policy is a JSON object",
            Some(Mistake::Yaml) => "looks like YAML: policies are JSON, convert it first",
            Some(Mistake::AuthorizationDetails) => {
                "is the output of `aws iam get-account-authorization-details` (a whole account), not one policy: extract the policies you mean"
            }
            Some(Mistake::TrustPolicy) => {
                "is a role trust policy: it says who may assume the role and grants the role's sessions no permissions (to ask who may assume the role, give it as `resourcePolicy` of a request for sts:AssumeRole on the role)"
            }
        };
        format!("line {number}: `{name}` {what} ({e})")
    })
}

/// The policies a line carries, each in its role, their names for output, and its organization.
struct LinePolicies {
    set: PolicySet,
    names: Vec<String>,
    org: Option<Arc<OrgScope>>,
    /// Whether the line gives `org`, `scps` or `rcps`.
    own_org: bool,
}

/// Reads the policies a line carries (and its `org`, with `loader` for files).
fn load_line_policies(
    line: &Json,
    text: &str,
    number: usize,
    loader: Option<&FileLoader>,
) -> Result<LinePolicies, LineError> {
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
    let org = match field("org") {
        None => None,
        Some(value) => {
            if field("scps").is_some() || field("rcps").is_some() {
                return Err(
                    "`org` gives the SCPs and RCPs: leave out `scps` and `rcps` (or `org`)".into(),
                );
            }
            Some(Arc::new(line_organization(value, number, loader)?))
        }
    };
    let own_org = ["org", "scps", "rcps"].iter().any(|k| field(k).is_some());
    Ok(LinePolicies {
        set,
        names,
        org,
        own_org,
    })
}

/// A line's `org`: an organization file's content as a JSON object (or a string holding its
/// JSON text), or a string naming the file. Policy files it names are read with `loader`,
/// relative to the file (for an inline organization: to the working directory).
fn line_organization(
    value: &Json,
    number: usize,
    loader: Option<&FileLoader>,
) -> Result<OrgScope, LineError> {
    let no_loader = |what: &str| -> Result<Vec<u8>, String> {
        Err(format!(
            "`org` names the file `{what}`, and this batch reads no files"
        ))
    };
    let read = |name: &str| -> Result<Vec<u8>, String> {
        match loader {
            Some(load) => load(name),
            None => no_loader(name),
        }
    };
    let (name, text, dir) = match &value.value {
        JsonValue::Object(_) => (
            format!("line {number}: `org`"),
            value.to_json_string().into_bytes(),
            String::new(),
        ),
        JsonValue::String(s) if s.trim_start().starts_with('{') => (
            format!("line {number}: `org`"),
            s.clone().into_bytes(),
            String::new(),
        ),
        JsonValue::String(path) => {
            let bytes = read(path).map_err(|e| format!("`org`: {e}"))?;
            let dir = match path.rfind('/') {
                Some(at) => path.get(..=at).unwrap_or("").to_string(),
                None => String::new(),
            };
            (path.clone(), bytes, dir)
        }
        other => {
            return Err(format!(
                "`org` must be an organization (docs/organization.md) as an object, or the path of its file, found {}",
                other.type_name()
            )
            .into());
        }
    };
    let mut load = |file: &str| -> Result<Vec<u8>, String> {
        if file.starts_with('/') {
            read(file)
        } else {
            read(&format!("{dir}{file}"))
        }
    };
    let organization = crate::parse::organization::parse_organization(&name, &text, &mut load)
        .map_err(|e| e.to_string())?;
    Ok(OrgScope {
        management_account: organization.management_account.clone(),
        organization: Some(organization),
    })
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
        let answer = session.line(line.as_bytes(), 3, |subject| {
            let e = match subject {
                Subject::Decided(e) => e,
                Subject::Message(m) => {
                    return match m.evaluated {
                        Some((_, verdict)) => format!("message {verdict:?}"),
                        None => format!("message {:?}", m.message),
                    };
                }
            };
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

    /// A session whose shared policy is [`POLICY`].
    fn with_shared_policy() -> Session<String> {
        let mut set = PolicySet::new();
        set.add(
            parse_policy_input("shared.json", POLICY.as_bytes(), PolicyKind::Identity).unwrap(),
        )
        .unwrap();
        Session::new(Some(Arc::new(Shared::new(set))), Detail::Trace)
    }

    /// A line that repeats a decided request in serde_json's framing is answered without
    /// reading JSON, with the id and result the serde reading gives; any other line is not.
    #[test]
    fn a_repeated_request_in_a_plain_framing_is_answered_as_serde_reads_it() {
        let request = r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}"#;
        let other = r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/other"}"#;
        // A context key named `id`: the request text holds `,"id":`.
        let id_inside = r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app","context":{"aws:SecureTransport":"true","id":"x"}}"#;
        let mut session = with_shared_policy();
        let mut alone = with_shared_policy().reuse(false);
        let answer = |session: &mut Session<String>, line: &str| {
            let line = session.line(line.as_bytes(), 1, |subject| match subject {
                Subject::Decided(e) => e.explanation.response.decision.to_string(),
                Subject::Message(_) => "message".to_string(),
            });
            let id = serde_json::to_string(&line.id).unwrap();
            (id, line.result.map(|r| r.clone()).map_err(|e| e.message))
        };
        let framed = [
            format!(r#"{{"id":7,"request":{request}}}"#),
            format!(r#"{{"id":-12,"request":{request}}}"#),
            format!(r#"{{"id":"build 7, step 2: push","request":{request}}}"#),
            format!(r#"{{"id":"","request":{request}}}"#),
            format!(r#"{{"id":null,"request":{request}}}"#),
            format!(r#"{{"request":{request},"id":true}}"#),
            format!(r#"{{"request":{request},"id":"a:b,c"}}"#),
            format!(r#"{{"request":{request}}}"#),
            format!("{{\"id\":1,\"request\":{request}}} \t\r"),
            format!(r#"{{"id":2,"request":{id_inside}}}"#),
            format!(r#"{{"request":{id_inside}}}"#),
            format!(r#"{{"request":{id_inside},"id":3}}"#),
        ];
        let read = [
            // Not written back unchanged, or not JSON.
            format!(r#"{{"id":01,"request":{request}}}"#),
            format!(r#"{{"id":1.0,"request":{request}}}"#),
            format!(r#"{{"id":-0,"request":{request}}}"#),
            format!(r#"{{"id":12345678901234567890,"request":{request}}}"#),
            format!(r#"{{"id":"a\"b","request":{request}}}"#),
            format!("{{\"id\":\"caf\u{e9}\",\"request\":{request}}}"),
            format!("{{\"id\":\"a\u{1}b\",\"request\":{request}}}"),
            format!(r#"{{"id":[1],"request":{request}}}"#),
            format!(r#"{{"id":,"request":{request}}}"#),
            // Other members, spaces, another framing.
            format!(r#"{{"id":1,"request":{request},"extra":1}}"#),
            format!(r#"{{"id":1,"identityPolicies":[],"request":{request}}}"#),
            format!(r#"{{"id": 1,"request":{request}}}"#),
            format!("{{\"id\":1,\"request\":{request}}}\u{c}"),
            format!(r#" {{"id":1,"request":{request}}}"#),
            format!(r#"{{"request":{request},"id":1,"id":2}}"#),
            // A request not decided before.
            format!(r#"{{"id":1,"request":{other}}}"#),
        ];
        // Each request decided once, as the serde reading reads it.
        for request in [request, id_inside] {
            let first = format!(r#"{{"id":0,"request":{request}}}"#);
            assert!(session.repeated(first.as_bytes()).is_none());
            assert_eq!(answer(&mut session, &first).1.unwrap(), "Allow");
        }
        let lines = framed
            .iter()
            .map(|l| (l, true))
            .chain(read.iter().map(|l| (l, false)));
        for (line, answered_from_cache) in lines {
            let repeated = session.repeated(line.as_bytes()).is_some();
            assert_eq!(repeated, answered_from_cache, "{line}");
            assert_eq!(
                answer(&mut session, line),
                answer(&mut alone, line),
                "{line}"
            );
        }
        // Without shared policies no line is answered so.
        let mut own: Session<String> = Session::new(None, Detail::Trace);
        let line = push("1", POLICY, "app");
        assert_eq!(answer(&mut own, &line).1.unwrap(), "Allow");
        assert!(own.repeated(line.as_bytes()).is_none());
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
            ("00", false),
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
            let Ok(value) = serde_json::from_str::<serde_json::Value>(raw) else {
                // Not JSON (`00`): never echoed as read.
                assert!(!writes_back_unchanged(raw.as_bytes()), "{raw}");
                continue;
            };
            let expected = serde_json::to_string(&value).unwrap();
            let parsed: &RawValue = serde_json::from_str(raw).unwrap();
            let id = LineId::from_raw(parsed);
            assert_eq!(serde_json::to_string(&id).unwrap(), expected, "{raw}");
            assert_eq!(matches!(id, LineId::Verbatim(_)), verbatim, "{raw}");
        }
    }

    #[test]
    fn the_field_lists_name_every_member_the_fast_reading_looks_up() {
        // A name missing from the lists would not compile (index_of is const); this pins that
        // the lists are those of the README schema, which the slow path checks against.
        for name in [
            "id",
            "org",
            "request",
            "identityPolicies",
            "registryPolicyScope",
        ] {
            assert!(TOP_FIELDS.contains(&name), "{name}");
        }
        for name in [
            "message",
            "loginRegion",
            "managementAccount",
            "context",
            "at",
        ] {
            assert!(REQUEST_FIELDS.contains(&name), "{name}");
        }
        let mut values = [None; REQUEST_FIELDS.len()];
        assert!(read_members(
            r#"{"action": "ecr:PutImage", "loginRegion": null}"#,
            REQUEST_FIELDS,
            &mut values
        ));
        assert_eq!(
            values[index_of(REQUEST_FIELDS, "action")].map(RawValue::get),
            Some("\"ecr:PutImage\"")
        );
        assert!(not_null(values[index_of(REQUEST_FIELDS, "loginRegion")]).is_none());
        // Unknown, repeated and escaped keys go to the engine's reader.
        for text in [
            r#"{"action": "a", "kmsKey": "k"}"#,
            r#"{"action": "a", "action": "b"}"#,
            r#"{"\u0061ction": "a"}"#,
            r#"[]"#,
        ] {
            let mut values = [None; REQUEST_FIELDS.len()];
            assert!(!read_members(text, REQUEST_FIELDS, &mut values), "{text}");
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

    const LOGIN: &str = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action";

    #[test]
    fn a_message_line_is_read_and_judged_against_the_lines_policies() {
        let mut session = Session::new(None, Detail::Trace);
        let with = |request: &str| {
            format!(r#"{{"id":1,"identityPolicies":[{POLICY}],"request":{request}}}"#)
        };
        let judged = decide(&mut session, &with(&format!(r#"{{"message":"{LOGIN}"}}"#))).unwrap();
        assert!(judged.contains("reproduced: true"), "{judged}");
        assert!(judged.contains("NoIdentityAllows"), "{judged}");
        // Decided once: the same line again is the cached result.
        let again = decide(&mut session, &with(&format!(r#"{{"message":"{LOGIN}"}}"#))).unwrap();
        assert_eq!((judged, session.results.len()), (again, 1));
        // Without policies: read, not evaluated.
        let alone = decide(
            &mut session,
            &format!(r#"{{"request":{{"message":"{LOGIN}"}}}}"#),
        )
        .unwrap();
        assert!(alone.starts_with("message Denial"), "{alone}");
        let client = decide(
            &mut session,
            r#"{"request":{"message":"no basic auth credentials"}}"#,
        )
        .unwrap();
        assert!(client.contains("NoBasicAuthCredentials"), "{client}");
    }

    #[test]
    fn a_bad_message_line_is_an_error_that_says_what_was_expected() {
        let mut session = Session::new(None, Detail::Trace);
        let cases = [
            (r#"{"request":{"message":"it broke"}}"#.to_string(), "`request.message`: unrecognised message"),
            (r#"{"request":{"message":7}}"#.to_string(), "`request.message` must be a string"),
            (
                format!(r#"{{"request":{{"message":"{LOGIN}","action":"ecr:PutImage"}}}}"#),
                "leave out `request.action`",
            ),
            (
                format!(r#"{{"request":{{"message":"{LOGIN}","principal":"arn:aws:iam::123456789012:user/other"}}}}"#),
                "contradicts the message",
            ),
            (
                r#"{"request":{"message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage"}}"#.to_string(),
                "names no resource",
            ),
            (
                r#"{"request":{"action":"ecr:PutImage","resource":"*","loginRegion":"us-east-1"}}"#.to_string(),
                "`request.loginRegion` goes with `request.message`",
            ),
        ];
        for (line, expected) in cases {
            let error = decide(&mut session, &line).unwrap_err();
            assert!(error.contains(expected), "{line}: {error}");
        }
        // A resource the message lacks is filled in from the line.
        let filled = decide(
            &mut session,
            r#"{"request":{"message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}}"#,
        )
        .unwrap();
        assert!(filled.contains("repository/app"), "{filled}");
    }

    const ORG: &str = r#"{"id":"o-abc","managementAccount":"999999999999","root":{"id":"r-ab12","accounts":["999999999999"],"ous":[{"id":"ou-ab12-work","name":"Workloads","policies":{"scps":["FullAWSAccess",{"name":"DenyPush","document":{"Version":"2012-10-17","Statement":[{"Sid":"NoPush","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}}]},"accounts":["123456789012"]}]}}"#;

    #[test]
    fn an_org_line_takes_the_callers_scps_and_exempts_the_management_account() {
        let mut session = Session::new(None, Detail::Trace);
        let line = |principal: &str, resource_account: &str| {
            format!(
                r#"{{"identityPolicies":[{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"ecr:*","Resource":"*"}}]}}],"org":{ORG},"request":{{"principal":"{principal}","action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:{resource_account}:repository/app"}}}}"#
            )
        };
        let member = decide(
            &mut session,
            &line("arn:aws:iam::123456789012:role/ci", "123456789012"),
        )
        .unwrap();
        assert!(member.starts_with("ExplicitDeny"), "{member}");
        let managed = decide(
            &mut session,
            &line("arn:aws:iam::999999999999:role/admin", "999999999999"),
        )
        .unwrap();
        assert!(managed.starts_with("Allow"), "{managed}");
        assert!(managed.contains("ManagementAccountCaller"), "{managed}");
        // Compiled once; one leveled set per (caller account, resource account).
        assert_eq!((session.sets.len(), session.leveled.len()), (1, 2));
        let both = format!(
            r#"{{"org":{ORG},"scps":[{POLICY}],"request":{{"action":"ecr:PutImage","resource":"*"}}}}"#
        );
        let error = decide(&mut session, &both).unwrap_err();
        assert!(error.contains("leave out `scps`"), "{error}");
        let path = r#"{"org":"org.json","request":{"action":"ecr:PutImage","resource":"*"}}"#;
        let error = decide(&mut session, path).unwrap_err();
        assert!(error.contains("reads no files"), "{error}");
    }

    /// `plain_line` answers only the lines it reads fast and decides without an error, with the
    /// answer `line` gives; a line that may be a workflow or snapshot line, or is bad, is left
    /// to the caller.
    #[test]
    fn a_plain_line_is_answered_and_every_other_line_is_left() {
        let render = |subject: Subject<'_>| match subject {
            Subject::Decided(e) => e.explanation.response.decision.to_string(),
            Subject::Message(_) => "message".to_string(),
        };
        let repo = "arn:aws:ecr:us-east-1:123456789012:repository/app";
        let plain = [
            push("1", POLICY, "app"),
            push("2", POLICY, "other"),
            r#"{"request":{"message":"no basic auth credentials"},"id":"m"}"#.to_string(),
        ];
        let left = [
            format!(r#"{{"id":1,"request":{{"workflow":"push","resource":"{repo}"}}}}"#),
            format!(r#"{{"id":1,"request":{{"work\u0066low":"push","resource":"{repo}"}}}}"#),
            format!(
                r#"{{"id":1,"snapshot":"dir","request":{{"action":"ecr:PutImage","resource":"{repo}"}}}}"#
            ),
            format!(r#"{{"id":1,"request":{{"action":"ecr:PutImages","resource":"{repo}"}}}}"#),
            format!(
                r#"{{"id":1,"request":{{"action":"ecr:PutImage","action":"ecr:PutImage","resource":"{repo}"}}}}"#
            ),
            r#"{"id":1,"identityPolicies":[{"Statement":{}}],"request":{}}"#.to_string(),
            "not json".to_string(),
        ];
        let mut session: Session<String> = Session::new(None, Detail::Trace);
        for line in &plain {
            // Twice: decided, then found.
            for _ in 0..2 {
                let fast = session.plain_line(line.as_bytes(), render).unwrap();
                let fast = (format!("{:?}", fast.id), fast.result.unwrap().clone());
                let full = session.line(line.as_bytes(), 1, render);
                assert_eq!(
                    fast,
                    (format!("{:?}", full.id), full.result.unwrap().clone())
                );
            }
        }
        for line in &left {
            assert!(
                session.plain_line(line.as_bytes(), render).is_none(),
                "{line}"
            );
            assert!(
                session.line(line.as_bytes(), 1, render).result.is_err(),
                "{line}"
            );
        }
        let not_utf8 = b"{\"id\":\xff}";
        assert!(session.plain_line(not_utf8, render).is_none());
        // Without caches, every line is left to `line`.
        let mut alone: Session<String> = Session::new(None, Detail::Trace).reuse(false);
        assert!(alone.plain_line(plain[0].as_bytes(), render).is_none());
    }
}
