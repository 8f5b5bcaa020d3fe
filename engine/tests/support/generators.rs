//! Input generators and property checks shared by the stable property tests
//! (`engine/tests/properties.rs`) and the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, which
//! include this file with `#[path = "../../engine/tests/support/generators.rs"] mod generators;`).
//!
//! Every input type is built with `arbitrary` from a byte string, so libFuzzer's mutations and
//! the tests' seeded byte streams drive the same code. Each one's `Debug` prints a reproducer: Rust
//! code that rebuilds the case with the public API. The `check_*` functions hold the properties;
//! they panic with the reproducer when one fails.

#![allow(
    dead_code,
    reason = "each includer (a fuzz target, the property tests) uses a different part"
)]

use std::fmt::{self, Write as _};

use arbitrary::{Arbitrary, Unstructured};
use ecrsim_engine::ActionPattern;
use ecrsim_engine::ResourcePattern;
use ecrsim_engine::{
    Context, Decision, Effect, Policy, PolicyKind, PolicyRole, PolicySet, Request, Response,
    authorize, explain, parse_policy,
};
use ecrsim_engine::{JsonValue as Value, Pos};
use ecrsim_engine::{Wildcard, reference_match};

// ---------------------------------------------------------------------------------------------
// Deterministic byte streams for the stable tests.

/// xorshift64*: a tiny, fixed PRNG, so CI sees the same inputs on every run.
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a non-zero seed (zero is replaced).
    pub fn new(seed: u64) -> XorShift {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or(&bytes));
        }
    }

    /// A random length in `min..=max`.
    pub fn len_between(&mut self, min: usize, max: usize) -> usize {
        min + (self.next_u64() as usize) % (max - min + 1)
    }
}

/// Calls `f` on `count` values of `T` built from seeded random byte strings of up to
/// `max_bytes` bytes each (the length varies, so the "not enough data" defaults of `arbitrary`
/// are exercised too).
pub fn for_each_input<T>(seed: u64, count: usize, max_bytes: usize, mut f: impl FnMut(usize, T))
where
    T: for<'a> Arbitrary<'a>,
{
    let mut rng = XorShift::new(seed);
    let mut buf = vec![0u8; max_bytes];
    let mut made = 0;
    while made < count {
        let len = rng.len_between(1, max_bytes);
        let bytes = buf.get_mut(..len).unwrap_or_default();
        rng.fill(bytes);
        if let Ok(value) = T::arbitrary_take_rest(Unstructured::new(bytes)) {
            f(made, value);
            made += 1;
        }
    }
}

fn rust_bytes(text: &str) -> String {
    // A raw byte string literal needs enough `#`s not to end early.
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("br{hashes}\"{text}\"{hashes}")
}

// ---------------------------------------------------------------------------------------------
// pattern_vs_oracle

/// A character from a small alphabet that makes wildcards, colons and multi-byte text meet often:
/// mostly the named symbols, sometimes any Latin-1 character, rarely any character at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    A,
    B,
    C,
    Colon,
    Slash,
    Star,
    Question,
    Dash,
    Upper,
    Accent,
    Latin1(u8),
    Any(char),
}

impl<'a> Arbitrary<'a> for Sym {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Sym> {
        let b = u8::arbitrary(u)?;
        Ok(match b % 16 {
            _ if b == 255 => Sym::Any(char::arbitrary(u)?),
            0 => Sym::A,
            1 => Sym::B,
            2 => Sym::C,
            3 | 4 => Sym::Colon,
            5 => Sym::Slash,
            6 | 7 => Sym::Star,
            8 | 9 => Sym::Question,
            10 => Sym::Dash,
            11 => Sym::Upper,
            12 => Sym::Accent,
            _ => Sym::Latin1(u8::arbitrary(u)?),
        })
    }
}

impl Sym {
    fn char(self) -> char {
        match self {
            Sym::A => 'a',
            Sym::B => 'b',
            Sym::C => 'c',
            Sym::Colon => ':',
            Sym::Slash => '/',
            Sym::Star => '*',
            Sym::Question => '?',
            Sym::Dash => '-',
            Sym::Upper => 'A',
            Sym::Accent => 'é',
            Sym::Latin1(b) => char::from(b),
            Sym::Any(c) => c,
        }
    }
}

fn text(syms: &[Sym], max: usize) -> String {
    syms.iter().take(max).map(|s| s.char()).collect()
}

/// How the subject is chosen: free text, or an instance of the pattern (each `*` replaced by a
/// fill, each `?` by one character), possibly with one character changed — so that matches and
/// near misses are frequent.
#[derive(Arbitrary, Clone, Debug)]
pub enum SubjectSpec {
    Free(Vec<Sym>),
    Instance {
        fills: Vec<Vec<Sym>>,
        /// Put a `:` in the middle of what each `*` matches.
        colon: bool,
        mutation: Option<(u8, Option<Sym>)>,
    },
}

fn subject(pattern: &str, spec: &SubjectSpec) -> String {
    match spec {
        SubjectSpec::Free(syms) => text(syms, 64),
        SubjectSpec::Instance {
            fills,
            colon,
            mutation,
        } => {
            let mut out: Vec<char> = Vec::new();
            let mut k = 0;
            for c in pattern.chars() {
                let fill = fills.get(k % fills.len().max(1));
                match c {
                    '*' => {
                        k += 1;
                        let mut run: Vec<char> = fill
                            .map(|f| text(f, 8))
                            .unwrap_or_default()
                            .chars()
                            .collect();
                        if *colon {
                            run.insert(run.len() / 2, ':');
                        }
                        out.extend(run);
                    }
                    '?' => {
                        k += 1;
                        out.push(fill.and_then(|f| f.first()).map_or('x', |s| s.char()));
                    }
                    c => out.push(c),
                }
            }
            if let Some((at, replacement)) = mutation {
                let at = usize::from(*at) % (out.len() + 1);
                match replacement {
                    Some(s) if at < out.len() => {
                        if let Some(slot) = out.get_mut(at) {
                            *slot = s.char();
                        }
                    }
                    Some(s) => out.push(s.char()),
                    None if at < out.len() => {
                        out.remove(at);
                    }
                    None => {}
                }
            }
            out.into_iter().collect()
        }
    }
}

/// One input of `pattern_vs_oracle`: a plain wildcard case, an `Action` case and a `Resource`
/// (ARN) case, all from the same bytes.
#[derive(Arbitrary, Clone)]
pub struct PatternCase {
    arn: ArnSpec,
    wildcard: (Vec<Sym>, SubjectSpec),
    action: (ActionPatternSpec, u8),
}

/// A `Resource` value: mostly six colon-separated fields (the rule of
/// docs/semantics.md#resources-and-arns is about where a `*` or `?` stands among them), sometimes
/// fewer or more, against a subject that is often the value's instance with colons inside what the
/// wildcards matched.
#[derive(Arbitrary, Clone, Debug)]
pub struct ArnSpec {
    field_count: u8,
    arn_prefix: bool,
    fields: [Vec<Sym>; 7],
    subject: SubjectSpec,
}

/// An `Action` value: a catalog action with parts replaced by wildcards and its case changed, or
/// free text.
#[derive(Arbitrary, Clone, Debug)]
pub enum ActionPatternSpec {
    Derived {
        from: u8,
        edits: Vec<(u8, ActionEdit)>,
    },
    Free(Vec<Sym>),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ActionEdit {
    /// Replace the character with `?`.
    One,
    /// Replace this and the next n characters with `*`.
    Star(u8),
    /// Flip the character's ASCII case.
    Case,
}

/// Request actions used by the generators.
pub const REQUEST_ACTIONS: &[&str] = &[
    "ecr:PutImage",
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:DescribeRepositories",
    "ecr:CreateRepository",
    "ecr:TagResource",
    "ecr:DescribeRegistry",
    "ecr:SetRepositoryPolicy",
    "ecr:BatchCheckLayerAvailability",
];

impl PatternCase {
    /// The three (pattern, subject) pairs this case checks.
    pub fn pairs(&self) -> (String, String, String, String, String, String) {
        let wildcard = text(&self.wildcard.0, 24);
        let wildcard_subject = subject(&wildcard, &self.wildcard.1);

        let action = pick(REQUEST_ACTIONS, self.action.1).to_string();
        let action_pattern = match &self.action.0 {
            ActionPatternSpec::Free(syms) => text(syms, 24),
            ActionPatternSpec::Derived { from, edits } => {
                let mut chars: Vec<char> = pick(REQUEST_ACTIONS, *from).chars().collect();
                for (at, edit) in edits.iter().take(4) {
                    let at = usize::from(*at) % chars.len().max(1);
                    match edit {
                        ActionEdit::One => {
                            if let Some(c) = chars.get_mut(at) {
                                *c = '?';
                            }
                        }
                        ActionEdit::Case => {
                            if let Some(c) = chars.get_mut(at) {
                                *c = if c.is_ascii_lowercase() {
                                    c.to_ascii_uppercase()
                                } else {
                                    c.to_ascii_lowercase()
                                };
                            }
                        }
                        ActionEdit::Star(n) => {
                            let end = (at + usize::from(*n % 8)).min(chars.len());
                            if at < end {
                                chars.splice(at..end, ['*']);
                            } else {
                                chars.insert(at.min(chars.len()), '*');
                            }
                        }
                    }
                }
                chars.into_iter().collect()
            }
        };

        let spec = &self.arn;
        let count = match spec.field_count % 8 {
            5 => 3,
            6 => 4,
            7 => 7,
            _ => 6,
        };
        let mut fields: Vec<String> = spec.fields.iter().take(count).map(|f| text(f, 6)).collect();
        if spec.arn_prefix
            && let Some(first) = fields.first_mut()
        {
            *first = "arn".to_string();
        }
        let arn_pattern = fields.join(":");
        let arn_subject = match &spec.subject {
            SubjectSpec::Free(syms) if syms.first() == Some(&Sym::Star) => "*".to_string(),
            spec => subject(&arn_pattern, spec),
        };
        (
            wildcard,
            wildcard_subject,
            action_pattern,
            action,
            arn_pattern,
            arn_subject,
        )
    }
}

impl fmt::Debug for PatternCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, ws, ap, a, rp, rs) = self.pairs();
        writeln!(f, "Wildcard::new({w:?}).is_match({ws:?})")?;
        writeln!(
            f,
            "ActionPattern::new({ap:?}, Pos::default()).is_match(&{a:?}.to_lowercase())"
        )?;
        write!(f, "ResourcePattern::new({rp:?}).is_match({rs:?})")
    }
}

/// One element of an oracle regex, before it is written for the `regex` crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Re {
    /// A literal character.
    Lit(char),
    /// Any one character (`.` with `s`).
    One,
    /// Any one character but `:`.
    OneNotColon,
    /// Any run (`.*`).
    Run,
    /// Any run without `:`.
    RunNotColon,
}

/// The oracle for an IAM wildcard (`*` any run, `?` one character, all else literal).
pub fn wildcard_regex(pattern: &str) -> Vec<Re> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Re::Run,
            '?' => Re::One,
            c => Re::Lit(c),
        })
        .collect()
}

/// The oracle for a `Resource` value, written straight from docs/semantics.md#resources-and-arns: a
/// `*` in the sixth field (after the fifth colon) matches anything; a `*` at the end of a
/// colon-delimited field (followed by `:` or the end) matches anything, colons included; any other
/// `*` in the first five fields matches a run without `:`; `?` is one character, not `:` in the
/// first five fields.
pub fn resource_regex(pattern: &str) -> Vec<Re> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut colons = 0;
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let sixth = colons >= 5;
        out.push(match c {
            '*' => {
                let ends_field = matches!(chars.get(i + 1), None | Some(':'));
                if sixth || ends_field {
                    Re::Run
                } else {
                    Re::RunNotColon
                }
            }
            '?' if sixth => Re::One,
            '?' => Re::OneNotColon,
            c => {
                if c == ':' {
                    colons += 1;
                }
                Re::Lit(c)
            }
        });
    }
    out
}

/// Writes the oracle as regex syntax; `ignore_case` adds `i`.
pub fn regex_text(items: &[Re], ignore_case: bool, unicode: bool) -> String {
    let mut re = String::from("^(?s");
    if ignore_case {
        re.push('i');
    }
    if !unicode {
        re.push_str("-u");
    }
    re.push(':');
    for item in items {
        match item {
            Re::Lit(c) if unicode => re.push_str(&regex::escape(&c.to_string())),
            // One byte per character (Latin-1): letters and digits as themselves (so `i` folds
            // their ASCII case), anything else as a hex escape.
            Re::Lit(c) if c.is_ascii_alphanumeric() => re.push(*c),
            Re::Lit(c) => re.push_str(&format!("\\x{:02X}", u32::from(*c))),
            Re::One => re.push('.'),
            Re::OneNotColon => re.push_str("[^:]"),
            Re::Run => re.push_str(".*"),
            Re::RunNotColon => re.push_str("[^:]*"),
        }
    }
    re.push_str(")$");
    re
}

/// Matches with the `regex` crate. When every character of the pattern and the subject is in
/// Latin-1, the regex is compiled over bytes (one byte per character, so `.` is still exactly one
/// character): Unicode-mode compilation of `.` costs about a millisecond in a debug build, which
/// would make the stable test too slow. `None` if the regex crate refuses the pattern (size).
pub fn regex_match(items: &[Re], subject: &str, ignore_case: bool) -> Option<bool> {
    let latin1 = |c: char| u32::from(c) <= 0xFF;
    let narrow = subject.chars().all(latin1)
        && items.iter().all(|i| match i {
            Re::Lit(c) => latin1(*c),
            _ => true,
        });
    if narrow {
        let bytes: Vec<u8> = subject.chars().map(|c| u32::from(c) as u8).collect();
        regex::bytes::Regex::new(&regex_text(items, ignore_case, false))
            .ok()
            .map(|r| r.is_match(&bytes))
    } else {
        regex::Regex::new(&regex_text(items, ignore_case, true))
            .ok()
            .map(|r| r.is_match(subject))
    }
}

/// The property of `pattern_vs_oracle`.
pub fn check_patterns(case: &PatternCase) {
    let (w, ws, ap, a, rp, rs) = case.pairs();

    let compiled = Wildcard::new(&w).is_match(&ws);
    let reference = reference_match(&w, &ws);
    assert_eq!(compiled, reference, "Wildcard vs reference_match\n{case:?}");
    if let Some(oracle) = regex_match(&wildcard_regex(&w), &ws, false) {
        assert_eq!(compiled, oracle, "Wildcard vs regex\n{case:?}");
    }

    let action = ActionPattern::new(&ap, Pos::default()).is_match(&a.to_lowercase());
    if ap.is_ascii()
        && let Some(oracle) = regex_match(&wildcard_regex(&ap), &a, true)
    {
        assert_eq!(action, oracle, "ActionPattern vs regex\n{case:?}");
    }

    let resource = ResourcePattern::new(&rp).is_match(&rs);
    let oracle = if rs == "*" {
        // docs/semantics.md#resources-and-arns and #account-level-actions: the request resource `*`
        // (account-level action) is matched by `*` alone.
        Some(rp == "*")
    } else if rp == "*" {
        Some(true)
    } else {
        regex_match(&resource_regex(&rp), &rs, false)
    };
    if let Some(oracle) = oracle {
        assert_eq!(
            resource, oracle,
            "ResourcePattern vs docs/semantics.md#resources-and-arns regex\n{case:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// authorize_invariants

fn pick<T: Copy>(items: &[T], i: u8) -> T {
    // Every table below is non-empty.
    items[usize::from(i) % items.len()]
}

const ACTION_PATTERNS: &[&str] = &[
    "*",
    "ecr:*",
    "ecr:PutImage",
    "ecr:putimage",
    "ECR:GetAuthorizationToken",
    "ecr:Get*",
    "ecr:Batch*",
    "ecr:*Image",
    "ecr:?etAuthorizationToken",
    "ecr:Describe*",
    "s3:*",
    "ecr-public:*",
    "ecr:*Repository*",
    "ecr:PutImag?",
    "ec*:*",
    "ecr:PutImages",
    "ecr:CreateRepository",
    "ecr:TagResource",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:ecr:us-east-1:123456789012:repository/*",
    "arn:aws:ecr:us-east-1:123456789012:repository/app",
    "arn:aws:ecr:*:123456789012:repository/app",
    "arn:aws:ecr:us-east-1:*:repository/*",
    "arn:aws:ecr:*",
    "arn:aws:ecr:us-east-1:123456789012:repository/team-?",
    "arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}",
    "arn:aws:ecr:*:*:repository/team/*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:ecr:us-east-1:210987654321:repository/*",
    "arn:aws:ecr:us-*:123456789012:*",
    "arn:aws:ecr:us-east-1:123456789012:repository/${aws:PrincipalTag/team}-*",
];

/// Request resources.
pub const REQUEST_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:ecr:us-east-1:123456789012:repository/app",
    "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
    "arn:aws:ecr:eu-west-1:123456789012:repository/app",
    "arn:aws:ecr:us-east-1:210987654321:repository/app",
    "arn:aws:ecr:us-east-1:123456789012:repository/alice",
    "arn:aws:ecr:us-east-1:123456789012:repository/team-a",
    "arn:aws:ecr:us-east-1:123456789012:repository/dev-x",
];

/// Request principals (`None` is an unknown caller).
pub const REQUEST_PRINCIPALS: &[Option<&str>] = &[
    None,
    Some("arn:aws:iam::123456789012:user/alice"),
    Some("arn:aws:iam::123456789012:root"),
    Some("arn:aws:sts::123456789012:assumed-role/deploy/session1"),
    Some("arn:aws:iam::123456789012:role/deploy"),
    Some("arn:aws:iam::210987654321:user/bob"),
    Some("codebuild.amazonaws.com"),
    Some("anonymous"),
    Some("arn:aws:sts::123456789012:federated-user/fed"),
];

const POLICY_PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS":"*"}"#,
    r#"{"AWS":"123456789012"}"#,
    r#"{"AWS":"arn:aws:iam::123456789012:root"}"#,
    r#"{"AWS":"arn:aws:iam::123456789012:user/alice"}"#,
    r#"{"AWS":"arn:aws:iam::123456789012:role/deploy"}"#,
    r#"{"AWS":"arn:aws:sts::123456789012:assumed-role/deploy/session1"}"#,
    r#"{"AWS":"arn:aws:iam::210987654321:root"}"#,
    r#"{"Service":"codebuild.amazonaws.com"}"#,
    r#"{"AWS":["arn:aws:iam::210987654321:user/bob","123456789012"]}"#,
];

/// (operator, key, possible values; a value starting with `#` is written as a bare JSON
/// number or boolean).
const CONDITIONS: &[(&str, &str, &[&str])] = &[
    ("StringEquals", "aws:username", &["alice", "bob"]),
    ("StringLike", "aws:PrincipalTag/team", &["dev*", "ops"]),
    ("StringNotEquals", "aws:PrincipalTag/team", &["dev", "ops"]),
    (
        "StringEqualsIgnoreCase",
        "ecr:ResourceTag/env",
        &["PROD", "dev"],
    ),
    ("IpAddress", "aws:SourceIp", &["10.0.0.0/8", "192.0.2.1"]),
    ("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]),
    (
        "Bool",
        "aws:MultiFactorAuthPresent",
        &["true", "#true", "false"],
    ),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]),
    (
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        &["3600", "#3600", "0.5"],
    ),
    (
        "DateLessThan",
        "aws:CurrentTime",
        &["2026-01-01T00:00:00Z", "2030"],
    ),
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        &["2020-01-01", "#1700000000"],
    ),
    ("Null", "aws:SourceVpc", &["true", "false"]),
    ("ForAnyValue:StringEquals", "aws:TagKeys", &["env", "team"]),
    ("ForAllValues:StringLike", "aws:TagKeys", &["env", "t*"]),
    ("StringEquals", "aws:SourceVpc", &["vpc-1"]),
    (
        "ArnLike",
        "aws:PrincipalArn",
        &[
            "arn:aws:iam::123456789012:*",
            "arn:aws:sts::*:assumed-role/deploy/*",
        ],
    ),
    ("StringEquals", "aws:PrincipalAccount", &["123456789012"]),
    ("StringLike", "aws:ResourceAccount", &["1234*"]),
    ("StringNotLikeIfExists", "aws:PrincipalTag/team", &["ops*"]),
    (
        "StringEquals",
        "ecr:ResourceTag/owner",
        &["${aws:username}"],
    ),
];

const CONTEXT: &[(&str, &[&str])] = &[
    ("aws:username", &["alice", "bob"]),
    ("aws:PrincipalTag/team", &["dev", "devops", "ops"]),
    ("ecr:ResourceTag/env", &["prod", "PROD"]),
    ("aws:SourceIp", &["10.1.2.3", "192.0.2.1", "not-an-ip"]),
    ("aws:MultiFactorAuthPresent", &["true", "false"]),
    ("aws:MultiFactorAuthAge", &["100", "5000", "abc"]),
    (
        "aws:CurrentTime",
        &["2025-06-01T00:00:00Z", "2031-01-01T00:00:00Z"],
    ),
    ("aws:SourceVpc", &["vpc-1", "vpc-2"]),
    ("aws:TagKeys", &["env", "team", "other"]),
    ("ecr:ResourceTag/owner", &["alice", "carol"]),
];

/// One statement, as indexes into the vocabulary tables.
#[derive(Arbitrary, Clone, Debug)]
pub struct StatementSpec {
    pub sid: bool,
    pub deny: bool,
    pub not_action: bool,
    pub actions: Vec<u8>,
    pub not_resource: bool,
    pub resources: Vec<u8>,
    /// Resource policies only: leave `Resource` out (the repository itself).
    pub omit_resource: bool,
    pub not_principal: bool,
    pub principal: u8,
    pub conditions: Vec<(u8, Vec<u8>)>,
}

/// A policy document.
#[derive(Arbitrary, Clone, Debug)]
pub struct PolicySpec {
    /// 0: `2012-10-17`, 1: `2008-10-17`, else absent.
    pub version: u8,
    pub first: StatementSpec,
    pub rest: Vec<StatementSpec>,
}

impl PolicySpec {
    fn statements(&self) -> Vec<StatementSpec> {
        std::iter::once(self.first.clone())
            .chain(self.rest.iter().take(5).cloned())
            .collect()
    }
}

/// A condition key and its values.
type KeyValues = (&'static str, Vec<&'static str>);

fn render_statement(s: &StatementSpec, index: usize, role: PolicyRole, out: &mut String) {
    let list = |ids: &[u8], table: &[&str]| -> String {
        let mut items: Vec<String> = ids
            .iter()
            .take(3)
            .map(|&i| {
                let mut q = String::new();
                ecrsim_engine::write_string(pick(table, i), &mut q);
                q
            })
            .collect();
        items.dedup();
        match items.as_slice() {
            [] => {
                let mut q = String::new();
                ecrsim_engine::write_string(pick(table, 0), &mut q);
                q
            }
            [one] => one.clone(),
            many => format!("[{}]", many.join(",")),
        }
    };
    out.push('{');
    if s.sid {
        let _ = write!(out, r#""Sid":"S{index}","#);
    }
    let effect = if s.deny { "Deny" } else { "Allow" };
    let _ = write!(out, r#""Effect":"{effect}""#);
    let has_principal = role.kind().has_principal();
    if has_principal {
        let element = if s.not_principal && s.deny {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let _ = write!(
            out,
            r#","{element}":{}"#,
            pick(POLICY_PRINCIPALS, s.principal)
        );
    }
    let action = if s.not_action { "NotAction" } else { "Action" };
    let _ = write!(out, r#","{action}":{}"#, list(&s.actions, ACTION_PATTERNS));
    if !(s.omit_resource && role.kind().resource_optional()) {
        let resource = if s.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        let _ = write!(
            out,
            r#","{resource}":{}"#,
            list(&s.resources, RESOURCE_PATTERNS)
        );
    }
    // Group the clauses by operator, then key; values are merged (JSON keys must be unique).
    let mut blocks: Vec<(&str, Vec<KeyValues>)> = Vec::new();
    for (c, values) in s.conditions.iter().take(3) {
        let (op, key, vocab) = pick(CONDITIONS, *c);
        let chosen: Vec<&str> = if values.is_empty() {
            vec![pick(vocab, 0)]
        } else {
            values.iter().take(2).map(|&v| pick(vocab, v)).collect()
        };
        let block = match blocks.iter_mut().position(|(o, _)| *o == op) {
            Some(i) => &mut blocks[i].1,
            None => {
                blocks.push((op, Vec::new()));
                &mut blocks.last_mut().expect("just pushed").1
            }
        };
        match block.iter_mut().find(|(k, _)| *k == key) {
            Some((_, vs)) => vs.extend(chosen),
            None => block.push((key, chosen)),
        }
    }
    if !blocks.is_empty() {
        out.push_str(r#","Condition":{"#);
        for (i, (op, keys)) in blocks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, r#""{op}":{{"#);
            for (j, (key, values)) in keys.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let rendered: Vec<String> = values
                    .iter()
                    .map(|v| match v.strip_prefix('#') {
                        Some(bare) => bare.to_string(),
                        None => {
                            let mut q = String::new();
                            ecrsim_engine::write_string(v, &mut q);
                            q
                        }
                    })
                    .collect();
                let value = if rendered.len() == 1 {
                    rendered.concat()
                } else {
                    format!("[{}]", rendered.join(","))
                };
                let _ = write!(out, r#""{key}":{value}"#);
            }
            out.push('}');
        }
        out.push('}');
    }
    out.push('}');
}

/// Renders a policy document of the given role.
pub fn render_policy(version: u8, statements: &[StatementSpec], role: PolicyRole) -> String {
    let mut out = String::from("{");
    match version % 3 {
        0 => out.push_str(r#""Version":"2012-10-17","#),
        1 => out.push_str(r#""Version":"2008-10-17","#),
        _ => {}
    }
    out.push_str(r#""Statement":["#);
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        render_statement(s, i, role, &mut out);
    }
    out.push_str("]}");
    out
}

/// A request, as indexes into the vocabulary tables.
#[derive(Arbitrary, Clone, Debug)]
pub struct RequestSpec {
    pub action: u8,
    pub resource: u8,
    pub principal: u8,
    pub context: Vec<(u8, u8)>,
    pub resource_account: Option<bool>,
}

impl RequestSpec {
    fn parts(&self) -> (&'static str, &'static str, Option<&'static str>) {
        let action = pick(REQUEST_ACTIONS, self.action);
        let mut resource = pick(REQUEST_RESOURCES, self.resource);
        // An action on a repository needs its ARN: rather than waste the case, name one.
        if resource == "*" && Request::new(action, resource, None).is_err() {
            resource = REQUEST_RESOURCES[1];
        }
        (action, resource, pick(REQUEST_PRINCIPALS, self.principal))
    }

    fn context_pairs(&self) -> Vec<(&'static str, &'static str)> {
        self.context
            .iter()
            .take(6)
            .map(|&(k, v)| {
                let (key, values) = pick(CONTEXT, k);
                (key, pick(values, v))
            })
            .collect()
    }

    fn account(&self) -> Option<&'static str> {
        self.resource_account.map(|other| {
            if other {
                "210987654321"
            } else {
                "123456789012"
            }
        })
    }

    /// The request, or `None` when the catalog rejects the combination (e.g. `PutImage` on `*`).
    pub fn build(&self) -> Option<Request> {
        let (action, resource, principal) = self.parts();
        let mut context = Context::new();
        for (k, v) in self.context_pairs() {
            context.push(k, v.to_string());
        }
        let request = Request::new(action, resource, principal)
            .ok()?
            .with_context(context);
        Some(match self.account() {
            Some(a) => request.with_resource_account(a),
            None => request,
        })
    }

    fn reproducer(&self) -> String {
        let (action, resource, principal) = self.parts();
        let mut out = format!(
            "let mut context = Context::new();\n{}let request = Request::new({action:?}, {resource:?}, {principal:?}).unwrap().with_context(context)",
            self.context_pairs()
                .iter()
                .map(|(k, v)| format!("context.push({k:?}, {v:?}.into());\n"))
                .collect::<String>()
        );
        if let Some(a) = self.account() {
            let _ = write!(out, ".with_resource_account({a:?})");
        }
        out.push_str(";\n");
        out
    }
}

/// What to do to the scenario's policies to test a metamorphic property.
#[derive(Arbitrary, Clone, Debug)]
pub struct Mutation {
    /// Permutation seed for every policy's statements.
    pub shuffle: u64,
    /// (policy, statement) to duplicate.
    pub duplicate: (u8, u8),
    /// Which policy gets the extra statements, and which Allow statement is removed.
    pub target: u8,
    pub remove: u8,
    /// The statement added (once as Deny, once as Allow).
    pub extra: StatementSpec,
}

/// One input of `authorize_invariants`: up to three identity-based policies, optional resource
/// policy, permissions boundary and SCP, a request, and the mutations to apply.
#[derive(Arbitrary, Clone)]
pub struct Scenario {
    pub identity: Vec<PolicySpec>,
    pub resource: Option<PolicySpec>,
    pub boundary: PolicySpec,
    pub scp: PolicySpec,
    /// Which limits take part: 1 the boundary, 2 the SCP, 3 both, anything else neither (so
    /// most scenarios can reach Allow).
    pub limits: u8,
    pub request: RequestSpec,
    pub mutation: Mutation,
}

/// A set of policy documents: (role, version, statements).
type Layout = Vec<(PolicyRole, u8, Vec<StatementSpec>)>;

impl Scenario {
    fn layout(&self) -> Layout {
        let mut out: Layout = self
            .identity
            .iter()
            .take(3)
            .map(|p| (PolicyRole::Identity, p.version, p.statements()))
            .collect();
        let boundary = matches!(self.limits % 8, 1 | 3).then_some(&self.boundary);
        let scp = matches!(self.limits % 8, 2 | 3).then_some(&self.scp);
        for (spec, role) in [
            (self.resource.as_ref(), PolicyRole::Resource),
            (boundary, PolicyRole::Boundary),
            (scp, PolicyRole::Scp(0)),
        ] {
            if let Some(p) = spec {
                out.push((role, p.version, p.statements()));
            }
        }
        out
    }
}

fn role_code(role: PolicyRole) -> String {
    match role {
        PolicyRole::Scp(l) => format!("PolicyRole::Scp({l})"),
        PolicyRole::Rcp(l) => format!("PolicyRole::Rcp({l})"),
        other => format!("PolicyRole::{other:?}"),
    }
}

fn kind_code(kind: PolicyKind) -> String {
    format!("PolicyKind::{kind:?}")
}

fn layout_reproducer(layout: &Layout) -> String {
    let mut out = String::from("let mut set = PolicySet::new();\n");
    for (i, (role, version, statements)) in layout.iter().enumerate() {
        let text = render_policy(*version, statements, *role);
        let _ = writeln!(
            out,
            "set.add_as({}, parse_policy(\"p{i}.json\", {}, {}).unwrap()).unwrap();",
            role_code(*role),
            rust_bytes(&text),
            kind_code(role.kind()),
        );
    }
    out
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "// policies and request")?;
        f.write_str(&layout_reproducer(&self.layout()))?;
        f.write_str(&self.request.reproducer())?;
        writeln!(f, "let response = authorize(&set, &request);")?;
        write!(f, "// mutation: {:?}", self.mutation)
    }
}

/// A policy set under test: per policy its role, version, statement specs (to print) and the
/// parsed policy. Variants edit the specs and the parsed statements side by side, so each document
/// is parsed once per scenario.
type Parsed = Vec<(PolicyRole, u8, Vec<StatementSpec>, Policy)>;

fn parse_layout(layout: &Layout, base: &Scenario) -> Parsed {
    layout
        .iter()
        .enumerate()
        .map(|(i, (role, version, statements))| {
            let text = render_policy(*version, statements, *role);
            match parse_policy(&format!("p{i}.json"), text.as_bytes(), role.kind()) {
                Ok(policy) => (*role, *version, statements.clone(), policy),
                Err(e) => panic!(
                    "generated policy rejected: {}\n{text}\n{base:?}",
                    e.render()
                ),
            }
        })
        .collect()
}

/// `spec` parsed as a statement of a policy with this role and version.
fn parse_statement(
    spec: &StatementSpec,
    role: PolicyRole,
    version: u8,
    base: &Scenario,
) -> ecrsim_engine::Statement {
    let text = render_policy(version, std::slice::from_ref(spec), role);
    match parse_policy("extra.json", text.as_bytes(), role.kind()) {
        Ok(mut policy) if policy.statements.len() == 1 => policy.statements.remove(0),
        Ok(_) => panic!("one statement expected\n{text}\n{base:?}"),
        Err(e) => panic!(
            "generated statement rejected: {}\n{text}\n{base:?}",
            e.render()
        ),
    }
}

fn reindex(parsed: &mut Parsed) {
    for (_, _, _, policy) in parsed.iter_mut() {
        for (i, statement) in policy.statements.iter_mut().enumerate() {
            statement.index = i;
        }
    }
}

fn specs_of(parsed: &Parsed) -> Layout {
    parsed
        .iter()
        .map(|(role, version, specs, _)| (*role, *version, specs.clone()))
        .collect()
}

/// Builds the set and decides; with `explain_too`, also checks that `explain` agrees (explain is
/// the slow path: it is checked on the base set and the reordered one, not on every variant).
fn decide(
    parsed: Parsed,
    request: &Request,
    what: &str,
    base: &Scenario,
    explain_too: bool,
) -> Response {
    let layout = specs_of(&parsed);
    let mut set = PolicySet::new();
    for (role, _, _, policy) in parsed {
        if let Err(e) = set.add_as(role, policy) {
            panic!("{what}: {e}\n{base:?}");
        }
    }
    let response = authorize(&set, request);
    if explain_too {
        let explanation = explain(&set, request);
        assert_eq!(
            explanation.response,
            response,
            "{what}: explain() disagrees with authorize()\n{}{}\n// base scenario:\n{base:?}",
            layout_reproducer(&layout),
            base.request.reproducer()
        );
    }
    for &at in &response.deciding {
        let Some((_, _, statement)) = set.statement(at) else {
            panic!("{what}: deciding statement {at:?} does not exist\n{base:?}");
        };
        let expected = match response.decision {
            Decision::Allow => Effect::Allow,
            Decision::ExplicitDeny => Effect::Deny,
            Decision::ImplicitDeny => {
                panic!("{what}: an implicit deny names deciding statements\n{base:?}")
            }
        };
        assert_eq!(
            statement.effect, expected,
            "{what}: {:?} is decided by a {} statement\n{base:?}",
            response.decision, statement.effect
        );
    }
    if response.decision == Decision::ExplicitDeny {
        assert!(
            !response.deciding.is_empty(),
            "{what}: an explicit deny without a deciding Deny statement\n{base:?}"
        );
    }
    response
}

fn permutation(len: usize, seed: u64) -> Vec<usize> {
    let mut out: Vec<usize> = (0..len).collect();
    let mut rng = XorShift::new(seed);
    for i in (1..out.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

/// The properties of `authorize_invariants`. Returns the base decision (or `None` when the
/// catalog rejects the request), for the tests' statistics.
pub fn check_authorize(s: &Scenario) -> Option<Decision> {
    let request = s.request.build()?;
    let parsed = parse_layout(&s.layout(), s);
    let base = decide(parsed.clone(), &request, "base", s, true).decision;
    let m = &s.mutation;

    // Reordering and duplicating statements keeps the decision.
    let mut reordered = parsed.clone();
    for (i, (_, _, specs, policy)) in reordered.iter_mut().enumerate() {
        let order = permutation(specs.len(), m.shuffle.wrapping_add(i as u64));
        *specs = order.iter().map(|&k| specs[k].clone()).collect();
        policy.statements = order
            .iter()
            .map(|&k| policy.statements[k].clone())
            .collect();
    }
    if !reordered.is_empty() {
        let p = usize::from(m.duplicate.0) % reordered.len();
        let (_, _, specs, policy) = &mut reordered[p];
        let k = usize::from(m.duplicate.1) % specs.len();
        specs.insert(k, specs[k].clone());
        policy.statements.insert(k, policy.statements[k].clone());
    }
    reindex(&mut reordered);
    let shown = specs_of(&reordered);
    let after = decide(reordered, &request, "reordered and duplicated", s, true).decision;
    assert_eq!(
        after,
        base,
        "reordering/duplicating statements changed the decision\n{}// base scenario:\n{s:?}",
        layout_reproducer(&shown)
    );

    if parsed.is_empty() {
        return Some(base);
    }
    let target = usize::from(m.target) % parsed.len();
    let (role, version) = (parsed[target].0, parsed[target].1);
    let with_extra = |deny: bool| {
        let mut spec = m.extra.clone();
        spec.deny = deny;
        let statement = parse_statement(&spec, role, version, s);
        let mut out = parsed.clone();
        out[target].2.push(spec);
        out[target].3.statements.push(statement);
        reindex(&mut out);
        out
    };

    // Adding a Deny statement never turns a non-Allow into Allow, nor lifts an explicit deny.
    let with_deny = with_extra(true);
    let shown = specs_of(&with_deny);
    let after = decide(with_deny, &request, "with an extra Deny", s, false).decision;
    if base != Decision::Allow {
        assert_ne!(
            after,
            Decision::Allow,
            "adding a Deny statement to p{target} allowed a denied request\n{}// base scenario:\n{s:?}",
            layout_reproducer(&shown)
        );
    }
    if base == Decision::ExplicitDeny {
        assert_eq!(
            after,
            Decision::ExplicitDeny,
            "adding a Deny statement lifted an explicit deny\n{}// base scenario:\n{s:?}",
            layout_reproducer(&shown)
        );
    }

    // Adding an Allow statement never turns an Allow into a deny.
    let with_allow = with_extra(false);
    let shown = specs_of(&with_allow);
    let after = decide(with_allow, &request, "with an extra Allow", s, false).decision;
    if base == Decision::Allow {
        assert_eq!(
            after,
            Decision::Allow,
            "adding an Allow statement to p{target} denied an allowed request\n{}// base scenario:\n{s:?}",
            layout_reproducer(&shown)
        );
    }

    // Removing an Allow statement never turns a non-Allow into Allow. (A policy keeps at least
    // one statement: removing a whole boundary or SCP would widen permissions legitimately.)
    let allows: Vec<usize> = parsed[target]
        .3
        .statements
        .iter()
        .enumerate()
        .filter(|(_, st)| st.effect == Effect::Allow)
        .map(|(i, _)| i)
        .collect();
    if parsed[target].2.len() > 1 && !allows.is_empty() {
        let k = allows[usize::from(m.remove) % allows.len()];
        let mut without = parsed.clone();
        without[target].2.remove(k);
        without[target].3.statements.remove(k);
        reindex(&mut without);
        let shown = specs_of(&without);
        let after = decide(without, &request, "without an Allow", s, false).decision;
        if base != Decision::Allow {
            assert_ne!(
                after,
                Decision::Allow,
                "removing Allow statement {k} of p{target} allowed a denied request\n{}// base scenario:\n{s:?}",
                layout_reproducer(&shown)
            );
        }
    }
    Some(base)
}

/// The policy documents a scenario renders, for seeding the parse round trip.
pub fn scenario_documents(s: &Scenario) -> Vec<String> {
    s.layout()
        .iter()
        .map(|(role, version, statements)| render_policy(*version, statements, *role))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// parse_policy round trip

/// Everything about a parsed policy that does not depend on the layout of its text.
#[derive(Debug, PartialEq)]
struct Summary {
    version: Option<String>,
    id: Option<String>,
    statements: Vec<String>,
    warnings: usize,
}

fn summary(p: &Policy) -> Summary {
    Summary {
        version: p.version.map(|v| format!("{v:?}")),
        id: p.id.clone(),
        statements: p
            .statements
            .iter()
            .map(|s| {
                let actions: Vec<&str> =
                    s.action.patterns.iter().map(|a| a.text.as_str()).collect();
                let resources = s.resource.as_ref().map(|r| {
                    (
                        r.negated,
                        r.patterns
                            .iter()
                            .map(|v| v.text().to_string())
                            .collect::<Vec<_>>(),
                    )
                });
                let principal = s
                    .principal
                    .as_ref()
                    .map(|p| (p.negated, format!("{:?}", p.principals)));
                let condition = s.condition.as_ref().map(|c| {
                    c.clauses
                        .iter()
                        .map(|k| format!("{} {} {:?}", k.operator, k.key, k.written))
                        .collect::<Vec<_>>()
                });
                format!(
                    "{} {} {}{actions:?} {resources:?} {principal:?} {condition:?}",
                    s.label(),
                    s.effect,
                    if s.action.negated { "Not" } else { "" },
                )
            })
            .collect(),
        warnings: p.warnings.len(),
    }
}

/// The message with line numbers masked (some messages cite another statement's line).
fn masked(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = rest[i + 5..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

fn write_pretty(value: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", n));
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(indent + 1, out);
                write_pretty(&item.value, indent + 1, out);
            }
            pad(indent, out);
            out.push(']');
        }
        Value::Object(members) if !members.is_empty() => {
            out.push('{');
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(indent + 1, out);
                ecrsim_engine::write_string(&m.key, out);
                out.push_str(" : ");
                write_pretty(&m.value.value, indent + 1, out);
            }
            pad(indent, out);
            out.push('}');
        }
        other => out.push_str(
            &ecrsim_engine::Json {
                value: other.clone(),
                pos: Pos::default(),
            }
            .to_json_string(),
        ),
    }
}

/// A policy document as bytes, with the reproducer as its `Debug`.
pub struct Document<'a>(pub &'a [u8]);

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.0) {
            Ok(text) => write!(
                f,
                "parse_policy(\"fuzz.json\", {}, PolicyKind::Identity)",
                rust_bytes(text)
            ),
            Err(_) => write!(
                f,
                "parse_policy(\"fuzz.json\", &{:?}, PolicyKind::Identity)",
                self.0
            ),
        }
    }
}

/// The properties of `parse_policy`: never a panic; an accepted document has statements; a
/// rejected one says where; and the document re-serialised (compact, and pretty-printed) parses
/// to the same statements (count, effects, labels, elements) or to the same error.
pub fn check_parse(data: &[u8]) {
    let doc = Document(data);
    let Ok(tree) = ecrsim_engine::parse_json(data) else {
        for kind in [PolicyKind::Identity, PolicyKind::Resource] {
            let e = parse_policy("fuzz.json", data, kind).expect_err("invalid JSON was accepted");
            assert!(e.pos.line >= 1 && e.pos.column >= 1, "{e}\n{doc:?}");
            assert!(e.pos.offset <= data.len(), "{e}\n{doc:?}");
        }
        return;
    };
    let compact = tree.to_json_string();
    let mut pretty = String::new();
    write_pretty(&tree.value, 0, &mut pretty);
    for kind in [PolicyKind::Identity, PolicyKind::Resource] {
        let first = parse_policy("fuzz.json", data, kind);
        if let Err(e) = &first {
            assert!(e.pos.line >= 1 && e.pos.column >= 1, "{e}\n{doc:?}");
            assert!(e.pos.offset <= data.len(), "{e}\n{doc:?}");
        }
        if let Ok(p) = &first {
            assert!(!p.statements.is_empty(), "no statements\n{doc:?}");
        }
        for (how, text) in [("compact", &compact), ("pretty", &pretty)] {
            let again = parse_policy("fuzz.json", text.as_bytes(), kind);
            match (&first, &again) {
                (Ok(a), Ok(b)) => assert_eq!(
                    summary(a),
                    summary(b),
                    "{kind:?}: the {how} re-serialisation parses differently\n{doc:?}\n{how}: {text}"
                ),
                (Err(a), Err(b)) => {
                    assert_eq!(
                        (&a.pointer, masked(&a.message)),
                        (&b.pointer, masked(&b.message)),
                        "{kind:?}: the {how} re-serialisation fails differently\n{doc:?}\n{how}: {text}"
                    );
                }
                (Ok(_), Err(e)) => panic!(
                    "{kind:?}: accepted, but the {how} re-serialisation is rejected: {e}\n{doc:?}\n{how}: {text}"
                ),
                (Err(e), Ok(_)) => panic!(
                    "{kind:?}: rejected ({e}), but the {how} re-serialisation is accepted\n{doc:?}\n{how}: {text}"
                ),
            }
        }
    }
}

/// Byte-level damage to a valid document, for the stable round-trip test (libFuzzer mutates on
/// its own).
#[derive(Arbitrary, Clone, Debug)]
pub enum Damage {
    None,
    Truncate(u16),
    Flip(u16, u8),
    Insert(u16, DamageToken),
    Delete(u16, u8),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum DamageToken {
    Comma,
    Quote,
    Brace,
    Bracket,
    Colon,
    Null,
    Number,
    Key,
    Nul,
    BadUtf8,
}

/// A policy from the scenario grammar, damaged or not.
#[derive(Arbitrary, Clone, Debug)]
pub struct ParseCase {
    pub policy: PolicySpec,
    pub resource_role: bool,
    pub damage: Vec<Damage>,
}

impl ParseCase {
    /// The document's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let role = if self.resource_role {
            PolicyRole::Resource
        } else {
            PolicyRole::Identity
        };
        let mut bytes =
            render_policy(self.policy.version, &self.policy.statements(), role).into_bytes();
        for d in self.damage.iter().take(3) {
            let at = |i: u16, len: usize| usize::from(i) % (len + 1);
            match *d {
                Damage::None => {}
                Damage::Truncate(i) => bytes.truncate(at(i, bytes.len())),
                Damage::Flip(i, b) => {
                    let i = at(i, bytes.len());
                    if let Some(x) = bytes.get_mut(i) {
                        *x ^= b;
                    }
                }
                Damage::Insert(i, t) => {
                    let i = at(i, bytes.len());
                    let token: &[u8] = match t {
                        DamageToken::Comma => b",",
                        DamageToken::Quote => b"\"",
                        DamageToken::Brace => b"{}",
                        DamageToken::Bracket => b"[",
                        DamageToken::Colon => b":",
                        DamageToken::Null => b"null",
                        DamageToken::Number => b"1e999",
                        DamageToken::Key => b"\"Effect\":\"Allow\",",
                        DamageToken::Nul => b"\0",
                        DamageToken::BadUtf8 => b"\xff",
                    };
                    bytes.splice(i..i, token.iter().copied());
                }
                Damage::Delete(i, n) => {
                    let i = at(i, bytes.len());
                    let end = (i + usize::from(n % 16)).min(bytes.len());
                    bytes.drain(i..end);
                }
            }
        }
        bytes
    }
}
