//! Input lines for `ecrsim batch`, built from a byte string, shared by the `batch_line` fuzz
//! target and the stable test in `cli/tests/hostile.rs` (both include this file with `#[path]`).
//!
//! It needs no crate beyond std and the workspace's own (the CLI's tests have no `arbitrary`):
//! a [`Bytes`] cursor reads
//! choices from the input, and reads zeros once it is exhausted, so every byte string gives a line.
//! The checking function lives with the includers, which can call `evaluate_line`.

#![allow(
    dead_code,
    reason = "each includer (a fuzz target, the CLI's tests) uses a different part"
)]

/// Reads choices from a byte string; zeros after the end.
pub struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes { data, at: 0 }
    }

    /// The next byte, or 0.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// A number below `n` (`n > 0`), from two bytes.
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(u16::from_le_bytes([self.byte(), self.byte()])) % n.max(1)
    }

    /// A coin flip.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// One of `items` (non-empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// The rest of the input as (lossy) text.
    pub fn rest_text(&mut self) -> String {
        let rest = self.data.get(self.at..).unwrap_or_default();
        self.at = self.data.len();
        String::from_utf8_lossy(rest).into_owned()
    }

    /// A short raw string from the input (up to `max` bytes).
    pub fn raw(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        let start = self.at.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.at = end;
        String::from_utf8_lossy(self.data.get(start..end).unwrap_or_default()).into_owned()
    }
}

const GOOD_STATEMENTS: &[&str] = &[
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"}"#,
    r#"{"Sid":"Push","Effect":"Allow","Action":["ecr:PutImage","ecr:InitiateLayerUpload"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}"#,
    r#"{"Effect":"Deny","NotAction":"ecr:Get*","Resource":"*"}"#,
    r#"{"Effect":"Deny","Action":"*","NotResource":"arn:aws:ecr:*:*:repository/app","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#,
    r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":1e999}}}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["a*","b?"]}}}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
    r#"{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:s3:::*"}"#,
];

/// Statements that make a resource-based policy valid (they have a principal).
const RESOURCE_STATEMENTS: &[&str] = &[
    r#"{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}"#,
    r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"ecr:*"}"#,
    r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"ecr:*","Resource":"*"}"#,
    r#"{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"ecr:PutImage"}"#,
];

const BAD_STATEMENTS: &[&str] = &[
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"9999999-01-01"}}}"#,
    r#"{"Effect":"allow","Action":"ecr:*","Resource":"*"}"#,
    r#"{"Effect":"Allow","Action":"ecr:PutImage"}"#,
    r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"Null":{"aws:SourceVpc":"maybe"}}}"#,
    r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*","Effect":"Deny"}"#,
    r#"[]"#,
    r#""text""#,
    r#"null"#,
];

const ACTIONS: &[&str] = &[
    "ecr:PutImage",
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ECR:putimage",
    "ecr:DescribeRegistry",
    "ecr:PutImage",
    "ecr:PutImages",
    "ecr:*",
    "s3:GetObject",
    "nosuch:Thing",
    "",
];

const RESOURCES: &[&str] = &[
    "arn:aws:ecr:us-east-1:123456789012:repository/app",
    "*",
    "arn:aws:ecr:us-east-1:210987654321:repository/app",
    "arn:aws:ecr:us-east-1:123456789012:repository/alice",
    "arn:aws:ecr:us-east-1:123456789012:repository/app",
    "arn:aws:s3:::bucket/key",
    "arn:aws:ecr",
    "",
];

const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:sts::123456789012:assumed-role/deploy/s",
    "arn:aws:iam::210987654321:root",
    "codebuild.amazonaws.com",
    "anonymous",
    "alice",
    "arn:aws:iam::*:root",
];

const CONTEXT_VALUES: &[&str] = &[
    r#""10.1.2.3""#,
    r#""alice""#,
    r#"true"#,
    r#"3600"#,
    r#"["env","team"]"#,
    r#""2026-01-01T00:00:00Z""#,
    r#"{}"#,
    r#"null"#,
    r#"[[]]"#,
];

const CONTEXT_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:username",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:TagKeys",
    "aws:CurrentTime",
    "AWS:USERNAME",
    "aws:SourceVpc",
];

fn json_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// Choices read 0 once the input is exhausted, so choice 0 is always the ordinary, valid one and
// the hostile alternatives sit on other values.

fn document(b: &mut Bytes, resource_policy: bool) -> String {
    let n = 1 + b.below(3);
    let statements: Vec<&str> = (0..n)
        .map(|_| match b.below(12) {
            1 => b.pick(BAD_STATEMENTS),
            _ if resource_policy => b.pick(RESOURCE_STATEMENTS),
            _ => b.pick(GOOD_STATEMENTS),
        })
        .collect();
    let version = match b.below(16) {
        1 => "",
        2 => r#""Version":"2008-10-17","#,
        3 => r#""Version":"2013-01-01","#,
        _ => r#""Version":"2012-10-17","#,
    };
    let doc = format!(r#"{{{version}"Statement":[{}]}}"#, statements.join(","));
    match b.below(16) {
        // As a JSON string holding the document (maybe in an AWS CLI shape).
        1 => json_string(&doc),
        2 => json_string(&format!(r#"{{"policyText":{}}}"#, json_string(&doc))),
        3 => b.raw(12),
        _ => doc,
    }
}

fn value_or_garbage(b: &mut Bytes, good: String) -> String {
    match b.below(24) {
        1 => "null".into(),
        2 => "42".into(),
        3 => "[]".into(),
        4 => "{}".into(),
        _ => good,
    }
}

/// One batch input line from `data`: raw text now and then, else a line built from the
/// choices the bytes make.
pub fn line_from_bytes(data: &[u8]) -> String {
    let mut b = Bytes::new(data);
    if b.below(16) == 1 {
        return b.rest_text();
    }
    let mut fields = Vec::new();
    if b.bool() {
        fields.push(format!(
            r#""id":{}"#,
            b.pick(&["1", r#""x""#, "null", "[1]", "1e999"])
        ));
    }
    if b.below(6) != 1 {
        let n = 1 + b.below(2);
        let docs: Vec<String> = (0..n).map(|_| document(&mut b, false)).collect();
        let good = format!("[{}]", docs.join(","));
        let value = value_or_garbage(&mut b, good);
        fields.push(format!(r#""identityPolicies":{value}"#));
    }
    for (key, resource) in [
        ("resourcePolicy", true),
        ("permissionBoundary", false),
        ("sessionPolicy", false),
        ("vpcEndpointPolicy", true),
    ] {
        if b.below(6) == 1 {
            let doc = document(&mut b, resource);
            fields.push(format!(r#""{key}":{doc}"#));
        }
    }
    for key in ["scps", "rcps"] {
        if b.below(6) == 1 {
            let doc = document(&mut b, key == "rcps");
            let value = if b.bool() {
                format!("[{doc}]")
            } else {
                format!(r#"[{{"orgIdentifier":"r-1","policies":[{doc}]}}]"#)
            };
            fields.push(format!(r#""{key}":{value}"#));
        }
    }
    if b.below(32) != 1 {
        let mut request = Vec::new();
        if b.below(32) != 1 {
            let action = json_string(b.pick(ACTIONS));
            request.push(format!(r#""action":{}"#, value_or_garbage(&mut b, action)));
        }
        if b.below(32) != 1 {
            let resource = json_string(b.pick(RESOURCES));
            request.push(format!(
                r#""resource":{}"#,
                value_or_garbage(&mut b, resource)
            ));
        }
        if b.bool() {
            let principal = json_string(b.pick(PRINCIPALS));
            request.push(format!(
                r#""principal":{}"#,
                value_or_garbage(&mut b, principal)
            ));
        }
        if b.below(6) == 1 {
            let account = json_string(b.pick(&["123456789012", "210987654321", "12345"]));
            request.push(format!(r#""resourceAccount":{account}"#));
        }
        if b.below(3) == 1 {
            let n = b.below(4);
            let mut keys: Vec<&str> = (0..n).map(|_| b.pick(CONTEXT_KEYS)).collect();
            keys.dedup();
            let pairs: Vec<String> = keys
                .iter()
                .map(|k| format!(r#""{k}":{}"#, b.pick(CONTEXT_VALUES)))
                .collect();
            request.push(format!(r#""context":{{{}}}"#, pairs.join(",")));
        }
        if b.below(32) == 1 {
            request.push(r#""extra":1"#.into());
        }
        let good = format!("{{{}}}", request.join(","));
        fields.push(format!(r#""request":{}"#, value_or_garbage(&mut b, good)));
    }
    if b.below(32) == 1 {
        fields.push(r#""unknown":true"#.into());
    }
    let mut line = format!("{{{}}}", fields.join(","));
    // Now and then damage the line: cut it, or append raw bytes.
    match b.below(16) {
        1 => {
            let mut cut = b.below(line.len() + 1).min(line.len());
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
        }
        2 => line.push_str(&b.rest_text()),
        _ => {}
    }
    line
}

/// The property of `batch_line`: whatever the line, `evaluate_line` gives an object whose
/// `decision` is `Allow`, `ExplicitDeny`, `ImplicitDeny` or `Error`; an `Error` has a message and
/// a decision has its reason and deciding statements.
pub fn check_batch_output(line: &str, out: &serde_json::Value) {
    let reproducer = format!("ecrsim_cli::batch::evaluate_line({line:?}, 1)");
    let Some(object) = out.as_object() else {
        panic!("not an object: {out}\n{reproducer}");
    };
    let decision = object.get("decision").and_then(|d| d.as_str());
    match decision {
        Some("Error") => {
            let message = object.get("error").and_then(|e| e.as_str());
            assert!(
                message.is_some_and(|m| !m.is_empty()),
                "an Error without a message: {out}\n{reproducer}"
            );
        }
        Some("Allow" | "ExplicitDeny" | "ImplicitDeny") => {
            assert!(
                object.get("deciding").is_some_and(|d| d.is_array()),
                "a decision without `deciding`: {out}\n{reproducer}"
            );
            assert!(
                object.get("reason").is_some_and(|r| r.is_string()),
                "a decision without `reason`: {out}\n{reproducer}"
            );
        }
        _ => panic!("bad decision: {out}\n{reproducer}"),
    }
    assert!(object.contains_key("id"), "no `id`: {out}\n{reproducer}");
}

/// Ids as they may be written, among them ones serde_json does not write back unchanged, or that
/// are not JSON.
const IDS: &[&str] = &[
    "1",
    "0",
    "-7",
    "01",
    "-0",
    "1.5",
    "1e3",
    "123456789012345678",
    "12345678901234567890",
    "null",
    "true",
    r#""""#,
    r#""build 7, step: 2""#,
    r#""a\"b""#,
    r#""\u0041""#,
    "\"caf\u{e9}\"",
    "\"tab\there\"",
    r#"{"a":1}"#,
    "[]",
    "",
];

/// Request objects, written as a client may write them (spaces, a context key named `id`).
const REQUESTS: &[&str] = &[
    r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}"#,
    r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#,
    r#"{"principal":"arn:aws:iam::123456789012:user/alice","action":"ecr:BatchGetImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}"#,
    r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/other"}"#,
    r#"{ "action": "ecr:PutImage", "resource": "arn:aws:ecr:us-east-1:123456789012:repository/app" }"#,
    r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app","context":{"id":"x","aws:SourceIp":"10.1.2.3"}}"#,
    r#"{"action":"ecr:PutImages","resource":"*"}"#,
    r#"{"action":"ecr:PutImage"}"#,
];

/// Several batch lines from `data`, most of them request-only lines that repeat a few requests
/// under different framings and ids (the lines a session answers from its cache without reading
/// JSON, and their near misses), some of them [`line_from_bytes`] lines.
pub fn repeated_lines_from_bytes(data: &[u8]) -> String {
    let mut b = Bytes::new(data);
    let mut out = String::new();
    let lines = 1 + b.below(24);
    for _ in 0..lines {
        if b.below(8) == 1 {
            let len = b.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| b.byte()).collect();
            out.push_str(&line_from_bytes(&bytes).replace('\n', " "));
            out.push('\n');
            continue;
        }
        let (id, request) = (b.pick(IDS), b.pick(REQUESTS));
        let line = match b.below(9) {
            0 => format!(r#"{{"request":{request}}}"#),
            1 => format!(r#"{{"request":{request},"id":{id}}}"#),
            2 => format!(r#"{{"id": {id},"request":{request}}}"#),
            3 => format!(" {{\"id\":{id},\"request\":{request}}}\t\r"),
            7 => format!(
                "{{\"id\":{id},\"request\":{request}}}{}",
                b.pick(&[" \t", "\u{c}", "\r"])
            ),
            4 => format!(r#"{{"id":{id},"request":{request},"id":{id}}}"#),
            5 => format!(r#"{{"id":{id},"identityPolicies":null,"request":{request}}}"#),
            _ => format!(r#"{{"id":{id},"request":{request}}}"#),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The output of `ecrsim batch` on `input`, with a shared policy for the lines without their own
/// (it allows by resource and by a condition on `aws:SourceIp`), on `jobs` threads, with the
/// session's caches or without (`reuse`): the `batch_cache` property compares them.
pub fn batch_with_shared_policy(input: &str, jobs: usize, reuse: bool) -> Vec<u8> {
    use ecrsim_engine::{PolicyKind, PolicySet, Shared, parse_policy_input};
    let policy = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:PutImage","ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}]}"#;
    let mut set = PolicySet::new();
    let parsed = parse_policy_input("shared.json", policy, PolicyKind::Identity);
    set.add(parsed.expect("the shared policy parses"))
        .expect("one identity policy");
    let options = ecrsim_cli::batch::Options {
        jobs,
        shared: Some(std::sync::Arc::new(Shared::new(set))),
        fix: false,
        reuse,
    };
    let mut out = Vec::new();
    ecrsim_cli::batch::process_with(input.as_bytes(), &mut out, &options)
        .expect("writing to memory cannot fail");
    out
}
