//! The hostile-input corpus: what `ecrsim` does with broken, strange and huge input. Every case
//! states its exact outcome — exit 2 with the message and its `file:line:column`, or (for huge but
//! valid input) the decision, reached in bounded time. Small inputs are files in
//! `fixtures/hostile/`; big ones (megabytes, deep nesting, invalid bytes) are generated into
//! `CARGO_TARGET_TMPDIR` at test time, so the repository holds no large files.
//!
//! A case that exposes a bug lands as `#[ignore = "fuzz finding: …"]` until the fix removes the
//! marker; all current findings are fixed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test should stop loudly on unexpected input"
)]

#[path = "../../engine/tests/support/batch_lines.rs"]
mod batch_lines;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::{Closed, ecrsim_with_closed};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

// No test here asserts a duration: a busy CI machine must not fail a test. That huge inputs are
// read in linear time is shown by the benchmarks (benches/README.md); a hang is still caught by
// the support module's kill after 300 s.

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name)
}

/// A generated input, written once per test run.
fn generated(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs `ecrsim` with `args` and `stdin`; returns the output and how long it took.
fn ecrsim(args: &[&str], stdin: &[u8]) -> (Output, Duration) {
    let start = Instant::now();
    let output = support::ecrsim(args, stdin);
    (output, start.elapsed())
}

/// What a case must give.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 2; stderr has `at` (such as `empty.json:1:1: `, or "" when the input is not a file)
    /// and `message`; stdout is empty.
    Error {
        at: &'static str,
        message: &'static str,
    },
    /// Exit 0 for `Allow`, 1 otherwise, with stdout starting `DECISION: `.
    Decision(&'static str),
}

/// Checks one run; returns a description of what is wrong, if anything.
fn verify(name: &str, output: &Output, took: Duration, expect: Expect) -> Option<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shorten = |s: &str| s.chars().take(600).collect::<String>();
    let problem = match expect {
        Expect::Error { at, message } => {
            if output.status.code() != Some(2) {
                Some(format!("exit {:?}, expected 2", output.status.code()))
            } else if !stderr.contains(message) {
                Some(format!("stderr lacks {message:?}"))
            } else if !at.is_empty() && !stderr.contains(at) {
                Some(format!("stderr lacks the location {at:?}"))
            } else if !stdout.is_empty() {
                Some("an error printed to stdout".to_string())
            } else {
                None
            }
        }
        Expect::Decision(decision) => {
            let code = if decision == "Allow" { 0 } else { 1 };
            if output.status.code() != Some(code) {
                Some(format!("exit {:?}, expected {code}", output.status.code()))
            } else if !stdout.starts_with(&format!("{decision}: ")) {
                Some(format!("stdout does not start with {decision:?}"))
            } else {
                None
            }
        }
    };
    problem.map(|p| {
        format!(
            "{name} ({took:?}): {p}\n  stdout: {}\n  stderr: {}",
            shorten(&stdout),
            shorten(&stderr)
        )
    })
}

fn check_policy(path: &Path, extra: &[&str]) -> (Output, Duration) {
    let mut args = vec![
        "check",
        path.to_str().unwrap(),
        "--action",
        "ecr:PutImage",
        "--resource",
        REPO,
    ];
    args.extend_from_slice(extra);
    ecrsim(&args, b"")
}

/// Runs every case and reports all failures at once.
fn run_all(cases: &[(String, Vec<String>, Vec<u8>, Expect)]) -> usize {
    let mut failures = Vec::new();
    for (name, args, stdin, expect) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (output, took) = ecrsim(&args, stdin);
        failures.extend(verify(name, &output, took, *expect));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

const fn err(at: &'static str, message: &'static str) -> Expect {
    Expect::Error { at, message }
}

/// The fixtures: policy files given to `check --action ecr:PutImage --resource REPO`.
const FIXTURES: &[(&str, Expect)] = &[
    // Empty and truncated input.
    (
        "empty.json",
        err(" is empty\n", "= help: a policy is a JSON object"),
    ),
    (
        "whitespace-only.json",
        err(" is empty\n", "= help: a policy is a JSON object"),
    ),
    (
        "truncated-object.json",
        err(
            ":4:49: /Statement/0: ",
            "invalid JSON: expected `,` or `}` after an object member, found the end of the document",
        ),
    ),
    (
        "truncated-string.json",
        err(
            ":1:51: /Statement/Effect: ",
            "invalid JSON: unterminated string: add the closing `\"`",
        ),
    ),
    (
        "truncated-after-colon.json",
        err(
            ":1:14: /Statement: ",
            "invalid JSON: expected a JSON value (object, array, string, number, true, false or null), found the end of the document",
        ),
    ),
    (
        "truncated-escape.json",
        err(":1:33: /Statement/Effect: ", "invalid JSON: invalid escape"),
    ),
    // Trailing garbage.
    (
        "trailing-garbage.json",
        err(
            ":7:1: ",
            "invalid JSON: expected the end of the document after the top-level value",
        ),
    ),
    (
        "trailing-second-document.json",
        err(
            ":7:1: ",
            "invalid JSON: expected the end of the document after the top-level value",
        ),
    ),
    (
        "trailing-comma-array.json",
        err(
            ":4:51: /Statement/0/Action: ",
            "invalid JSON: expected a value, found `]` (JSON does not allow a trailing comma)",
        ),
    ),
    (
        "trailing-comma-object.json",
        err(
            ":4:67: /Statement/0: ",
            "invalid JSON: expected a quoted key, found `}` (JSON does not allow a trailing comma)",
        ),
    ),
    // Not JSON: comments, single quotes, bare keys.
    (
        "line-comment.json",
        err(
            ":1:1: ",
            "invalid JSON: expected a JSON value (object, array, string, number, true, false or null), found `/`",
        ),
    ),
    (
        "block-comment.json",
        err(":2:3: ", "invalid JSON: expected a quoted key, found `/`"),
    ),
    (
        "hash-comment.json",
        err(":2:28: ", "invalid JSON: expected a quoted key, found `#`"),
    ),
    (
        "single-quotes.json",
        err(":2:3: ", "invalid JSON: expected a quoted key, found `'`"),
    ),
    (
        "unquoted-keys.json",
        err(":2:3: ", "invalid JSON: expected a quoted key, found `V`"),
    ),
    (
        "bad-escape.json",
        err(
            ":4:15: /Statement/0/Sid: ",
            "invalid JSON: invalid escape `\\x` in a string",
        ),
    ),
    (
        "lone-surrogate.json",
        err(
            ":4:20: /Statement/0/Sid: ",
            "invalid JSON: a high surrogate `\\u` escape must be followed by a low surrogate",
        ),
    ),
    (
        "leading-zero-number.json",
        err(
            ":4:129: /Statement/0/Condition/NumericLessThan: ",
            "invalid JSON: expected `,` or `}` after an object member, found `1`",
        ),
    ),
    // The wrong top-level value.
    (
        "top-level-array.json",
        err(
            ":1:1: ",
            "expected a policy document (a JSON object), found an array",
        ),
    ),
    (
        "top-level-string.json",
        err(
            ":1:1: ",
            "expected a policy document (a JSON object), found a string",
        ),
    ),
    (
        "top-level-null.json",
        err(
            ":1:1: ",
            "expected a policy document (a JSON object), found null",
        ),
    ),
    (
        "top-level-number.json",
        err(
            ":1:1: ",
            "expected a policy document (a JSON object), found a number",
        ),
    ),
    (
        "top-level-true.json",
        err(
            ":1:1: ",
            "expected a policy document (a JSON object), found a boolean",
        ),
    ),
    // Statement missing or of the wrong shape.
    (
        "missing-statement.json",
        err(":1:1: ", "missing `Statement`"),
    ),
    ("empty-object.json", err(":1:1: ", "missing `Statement`")),
    (
        "statement-empty-array.json",
        err(":3:16: /Statement: ", "`Statement` is an empty array"),
    ),
    (
        "statement-string.json",
        err(
            ":3:16: /Statement: ",
            "expected `Statement` to be an object or an array of objects, found a string",
        ),
    ),
    (
        "statement-null.json",
        err(
            ":3:16: /Statement: ",
            "expected `Statement` to be an object or an array of objects, found null",
        ),
    ),
    (
        "statement-array-of-strings.json",
        err(
            ":3:17: /Statement/0: ",
            "expected a statement (a JSON object), found a string",
        ),
    ),
    // Typo'd and unknown keys.
    (
        "typo-statement-key.json",
        err(
            ":3:3: /Statment: ",
            "unknown key `Statment` in a policy document: did you mean `Statement`?",
        ),
    ),
    (
        "typo-effect-key.json",
        err(
            ":4:6: /Statement/0/Efect: ",
            "unknown key `Efect` in a statement: did you mean `Effect`?",
        ),
    ),
    (
        "typo-action-key.json",
        err(
            ":4:25: /Statement/0/Actions: ",
            "unknown key `Actions` in a statement: did you mean `Action`?",
        ),
    ),
    (
        "typo-resource-key.json",
        err(
            ":4:51: /Statement/0/Resources: ",
            "unknown key `Resources` in a statement: did you mean `Resource`?",
        ),
    ),
    (
        "lowercase-key.json",
        err(
            ":4:6: /Statement/0/effect: ",
            "unknown key `effect` in a statement: did you mean `Effect`?",
        ),
    ),
    (
        "unknown-top-key.json",
        err(
            ":4:3: /Comment: ",
            "unknown key `Comment` in a policy document",
        ),
    ),
    // Wrong types and values, element by element.
    (
        "effect-lowercase.json",
        err(
            ":4:16: /Statement/0/Effect: ",
            "invalid `Effect` `allow`: expected `Allow` or `Deny`",
        ),
    ),
    (
        "effect-number.json",
        err(
            ":4:16: /Statement/0/Effect: ",
            "expected `Effect` (a JSON string), found a number",
        ),
    ),
    (
        "effect-array.json",
        err(
            ":4:16: /Statement/0/Effect: ",
            "expected `Effect` (a JSON string), found an array",
        ),
    ),
    (
        "effect-missing.json",
        err(":4:5: /Statement/0: ", "missing `Effect`"),
    ),
    (
        "action-number.json",
        err(
            ":4:35: /Statement/0/Action: ",
            "expected `Action` to be a string or an array of strings, found a number",
        ),
    ),
    (
        "action-object.json",
        err(
            ":4:35: /Statement/0/Action: ",
            "expected `Action` to be a string or an array of strings, found an object",
        ),
    ),
    (
        "action-nested-array.json",
        err(":4:36: /Statement/0/Action/0: ", "found an array"),
    ),
    (
        "action-empty-array.json",
        err(":4:35: /Statement/0/Action: ", "`Action` is an empty array"),
    ),
    (
        "action-null.json",
        err(
            ":4:35: /Statement/0/Action: ",
            "expected `Action` to be a string or an array of strings, found null",
        ),
    ),
    (
        "action-and-notaction.json",
        err(
            ":4:51: /Statement/0/NotAction: ",
            "a statement cannot have both `Action` and `NotAction`",
        ),
    ),
    (
        "action-no-service.json",
        err(
            ":4:35: /Statement/0/Action: ",
            "invalid action `PutImage`: expected `service:ActionName` or `*`",
        ),
    ),
    (
        "action-two-colons.json",
        err(
            ":4:35: /Statement/0/Action: ",
            "invalid action `ecr:Put:Image`: an action has exactly one `:`",
        ),
    ),
    (
        "resource-number.json",
        err(
            ":4:63: /Statement/0/Resource: ",
            "expected `Resource` to be a string or an array of strings, found a number",
        ),
    ),
    (
        "resource-not-arn.json",
        err(
            ":4:63: /Statement/0/Resource: ",
            "invalid Resource `my-app-repo`: expected an ARN (`arn:…`) or `*`",
        ),
    ),
    (
        "resource-missing.json",
        err(
            ":4:5: /Statement/0: ",
            "missing `Resource` (or `NotResource`)",
        ),
    ),
    (
        "principal-in-identity-policy.json",
        err(
            ":4:25: /Statement/0/Principal: ",
            "`Principal` is not allowed in an identity-based policy",
        ),
    ),
    (
        "version-number.json",
        err(
            ":2:14: /Version: ",
            "expected `Version` (a JSON string), found a number",
        ),
    ),
    (
        "version-wrong-date.json",
        err(
            ":2:14: /Version: ",
            "invalid `Version` `2024-01-01`: expected `2012-10-17` or `2008-10-17`",
        ),
    ),
    (
        "sid-number.json",
        err(
            ":4:13: /Statement/0/Sid: ",
            "expected `Sid` (a JSON string), found a number",
        ),
    ),
    (
        "condition-array.json",
        err(
            ":4:81: /Statement/0/Condition: ",
            "expected `Condition` to be an object, found an array",
        ),
    ),
    (
        "condition-operator-string.json",
        err(
            ":4:98: /Statement/0/Condition/StringEquals: ",
            "expected `StringEquals` to map condition keys to values (a JSON object), found a string",
        ),
    ),
    (
        "condition-unknown-operator.json",
        err(
            ":4:82: /Statement/0/Condition/StringEqual: ",
            "unknown condition operator `StringEqual`: did you mean `StringEquals`?",
        ),
    ),
    (
        "condition-value-object.json",
        err(
            ":4:115: /Statement/0/Condition/StringEquals/aws:username: ",
            "expected a condition value (a string, number or boolean), found an object",
        ),
    ),
    // Absurd numbers and dates in conditions.
    (
        "numeric-not-a-number.json",
        err(
            ":4:128: /Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge: ",
            "`NaN` is not a number, as `NumericLessThan` requires",
        ),
    ),
    (
        "date-year-9999999.json",
        err(
            ":4:118: /Statement/0/Condition/DateLessThan/aws:CurrentTime: ",
            "`9999999-01-01` is not a date (ISO 8601 such as 2026-11-28T10:00:00Z, or epoch seconds), as `DateLessThan` requires",
        ),
    ),
    (
        "date-month-13.json",
        err(
            ":4:118: /Statement/0/Condition/DateLessThan/aws:CurrentTime: ",
            "`2026-13-01` is not a date",
        ),
    ),
    (
        "date-epoch-overflow.json",
        err(
            ":4:121: /Statement/0/Condition/DateGreaterThan/aws:CurrentTime: ",
            "`99999999999999999999` is not a date",
        ),
    ),
    (
        "ip-invalid.json",
        err(
            ":4:112: /Statement/0/Condition/IpAddress/aws:SourceIp: ",
            "`999.1.1.1/99` is not an IP address or CIDR range",
        ),
    ),
    (
        "bool-invalid.json",
        err(
            ":4:114: /Statement/0/Condition/Bool/aws:SecureTransport: ",
            "`yes` is not `true` or `false`, as `Bool` requires",
        ),
    ),
    // `1e999` is valid JSON but no number a double can hold: rejected, never read as infinity
    // (which every finite request value is below, an Allow nobody wrote).
    (
        "numeric-huge.json",
        err(
            ":4:128: /Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge: ",
            "`1e999` is not a number, as `NumericLessThan` requires",
        ),
    ),
    // Duplicate keys (IAM's grammar forbids them; generic parsers keep the last one).
    (
        "duplicate-top-key.json",
        err(
            ":4:3: ",
            "invalid JSON: duplicate key `Version` (first at line 2, column 3): remove one of them",
        ),
    ),
    (
        "duplicate-effect.json",
        err(
            ":4:67: /Statement/0: ",
            "invalid JSON: duplicate key `Effect` (first at line 4, column 6): remove one of them",
        ),
    ),
    (
        "duplicate-condition-operator.json",
        err(
            ":4:125: /Statement/0/Condition: ",
            "invalid JSON: duplicate key `StringEquals` (first at line 4, column 82)",
        ),
    ),
    (
        "duplicate-sid.json",
        err(
            ":5:5: /Statement/1/Sid: ",
            "duplicate `Sid` `Push` (also statement 0 at line 4): Sids must be unique within a policy",
        ),
    ),
    // An escaped NUL is valid JSON: the Sid gets a warning, the policy is evaluated.
    ("escaped-nul-in-sid.json", Expect::Decision("Allow")),
    // The AWS CLI's output shape: the location is inside the embedded document.
    (
        "cli-wrapper-bad-inner.json",
        err(
            "cli-wrapper-bad-inner.json (policyText):3:28: /Statement/0/Effect: ",
            "invalid `Effect` `allow`: expected `Allow` or `Deny`",
        ),
    ),
];

#[test]
fn policy_fixtures_give_their_exact_outcome() {
    let dir = fixture("");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every fixture has exactly one expectation");

    let mut failures = Vec::new();
    for (file, expect) in FIXTURES {
        let (output, took) = check_policy(&fixture(file), &[]);
        let expect = match *expect {
            Expect::Error { at, message } if at.starts_with(':') => Expect::Error {
                // `name.json:L:C: ` — leak the small string; the test process is short-lived.
                at: Box::leak(format!("{file}{at}").into_boxed_str()),
                message,
            },
            other => other,
        };
        failures.extend(verify(file, &output, took, expect));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn doc(statement: &str) -> String {
    format!("{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {statement}\n  ]\n}}\n")
}

const OK_STATEMENT: &str = r#"{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}"#;

#[test]
fn invalid_bytes_are_located() {
    let sid = |bytes: &[u8]| -> Vec<u8> {
        let text =
            doc(r#"{"Sid": "@@", "Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*"}"#);
        let (before, after) = text.split_once("@@").unwrap();
        [before.as_bytes(), bytes, after.as_bytes()].concat()
    };
    let ok = doc(OK_STATEMENT);
    let utf16le: Vec<u8> = ok.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16_bom: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(ok.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        (
            "invalid-utf8.json",
            sid(b"caf\xff"),
            err(
                ":4:17: ",
                "invalid JSON: invalid UTF-8: policy documents must be UTF-8 text",
            ),
        ),
        (
            "overlong-utf8.json",
            sid(b"a\xc0\xafb"),
            err(":4:15: ", "invalid JSON: invalid UTF-8"),
        ),
        (
            "truncated-multibyte.json",
            [ok.as_bytes(), b"\xc3"].concat(),
            err(":7:1: ", "invalid JSON: invalid UTF-8"),
        ),
        (
            "utf8-bom.json",
            // A UTF-8 byte-order mark is accepted (cli/src/friendly.rs).
            [b"\xef\xbb\xbf".as_slice(), ok.as_bytes()].concat(),
            Expect::Decision("Allow"),
        ),
        (
            "utf16le.json",
            utf16le,
            err(":1:2: ", "invalid JSON: expected a quoted key"),
        ),
        (
            "utf16-bom.json",
            utf16_bom,
            err(":1:1: ", "invalid JSON: invalid UTF-8"),
        ),
        (
            "nul-in-string.json",
            sid(b"a\0b"),
            err(
                ":4:15: /Statement/0/Sid: ",
                "invalid JSON: control character in a string",
            ),
        ),
        (
            "nul-between-tokens.json",
            ok.replace("\"Statement\"", "\0\"Statement\"").into_bytes(),
            err(":3:3: ", "invalid JSON: expected a quoted key"),
        ),
        (
            "nul-only.json",
            b"\0\0\0\0".to_vec(),
            err(":1:1: ", "invalid JSON: expected a JSON value"),
        ),
        (
            "nul-after-document.json",
            [ok.as_bytes(), b"\0"].concat(),
            err(
                ":7:1: ",
                "invalid JSON: expected the end of the document after the top-level value",
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (name, bytes, expect) in &cases {
        let (output, took) = check_policy(&generated(name, bytes), &[]);
        let expect = match *expect {
            Expect::Error { at, message } => Expect::Error {
                at: Box::leak(format!("{name}{at}").into_boxed_str()),
                message,
            },
            other => other,
        };
        failures.extend(verify(name, &output, took, expect));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// 200,000 levels of nesting: a clean error at the 129th level, never a stack overflow.
#[test]
fn deep_nesting_is_a_clean_error() {
    let depth = 200_000;
    let arrays = |inner: &str| format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let nesting = "invalid JSON: nesting deeper than 128 levels";
    let files: Vec<(&str, String, &str)> = vec![
        (
            "deep-statement.json",
            format!(r#"{{"Statement":{}}}"#, arrays("")),
            "deep-statement.json:1:142: /Statement/0/0",
        ),
        (
            "deep-objects.json",
            format!(r#"{{"Statement":{objects}}}"#),
            "deep-objects.json:1:654: /Statement/a/a",
        ),
        ("deep-top.json", arrays(""), "deep-top.json:1:130: /0/0"),
        (
            "deep-unclosed.json",
            "[".repeat(depth),
            "deep-unclosed.json:1:130: /0/0",
        ),
        (
            "deep-condition.json",
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{{"StringEquals":{{"aws:username":{}}}}}}}}}"#,
                arrays(r#""a""#)
            ),
            "deep-condition.json:1:263: /Statement/Condition/StringEquals/aws:username/0/0",
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, at) in &files {
        let (output, took) = check_policy(&generated(name, text.as_bytes()), &[]);
        failures.extend(verify(name, &output, took, err(at, nesting)));
    }
    // The request context file, and a batch line.
    let ok = generated("ok.json", doc(OK_STATEMENT).as_bytes());
    let context = generated(
        "deep-context.json",
        format!(r#"{{"aws:username":{}}}"#, arrays("")).as_bytes(),
    );
    let (output, took) = check_policy(&ok, &["--context-file", context.to_str().unwrap()]);
    failures.extend(verify(
        "deep-context.json",
        &output,
        took,
        err("deep-context.json:1:145: ", nesting),
    ));
    let line = format!("{{\"request\":{}}}\n", arrays(""));
    let (output, _) = ecrsim(&["batch"], line.as_bytes());
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.code() != Some(0)
        || !stdout.contains(r#""decision":"Error""#)
        || !stdout.contains("line 1: invalid JSON at column 140: nesting deeper than 128 levels")
    {
        failures.push(format!("batch deep line: {output:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A 20 MB string where a policy has text: a decision (or the error), in bounded time.
#[test]
fn twenty_megabyte_strings() {
    let big = "x".repeat(20 * 1024 * 1024);
    let ok = |sid: &str, resource: &str, condition: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Sid":"{sid}","Effect":"Allow","Action":"ecr:PutImage","Resource":"{resource}"{condition}}}}}"#
        )
    };
    let cases: Vec<(&str, String, &[&str], Expect)> = vec![
        (
            "big-sid.json",
            ok(&big, "*", ""),
            &[],
            Expect::Decision("Allow"),
        ),
        (
            "big-resource.json",
            ok(
                "S",
                &format!("arn:aws:ecr:us-east-1:123456789012:repository/{big}"),
                "",
            ),
            &[],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "big-wildcard-resource.json",
            ok(
                "S",
                &format!("arn:aws:ecr:us-east-1:123456789012:repository/*{big}*"),
                "",
            ),
            &[],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "big-condition-value.json",
            ok(
                "S",
                "*",
                &format!(r#","Condition":{{"StringLike":{{"aws:username":"{big}*"}}}}"#),
            ),
            &["--principal", "arn:aws:iam::123456789012:user/alice"],
            Expect::Decision("ImplicitDeny"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, extra, expect) in &cases {
        let (output, took) = check_policy(&generated(name, text.as_bytes()), extra);
        failures.extend(verify(name, &output, took, *expect));
    }
    // In a batch line: the embedded policy's Sid.
    let line = format!(
        r#"{{"identityPolicies":[{}],"request":{{"action":"ecr:PutImage","resource":"{REPO}"}}}}"#,
        ok(&big, "*", "")
    );
    let (output, took) = ecrsim(&["batch"], format!("{line}\n").as_bytes());
    if !String::from_utf8_lossy(&output.stdout).contains(r#""decision":"Allow""#) {
        failures.push(format!("batch big line ({took:?}): {:?}", output.status));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The did-you-mean search on a huge unknown name: see engine/tests/fuzz_regressions.rs.
#[test]
fn twenty_megabyte_unknown_names_are_handled_quickly() {
    let big = "x".repeat(20 * 1024 * 1024);
    let cases = [
        (
            "big-action-service.json",
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{big}:PutImage","Resource":"*"}}}}"#
            ),
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "big-key.json",
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"{big}":"Allow","Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}}}}"#
            ),
            err("big-key.json:1:38: ", "unknown key"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, expect) in &cases {
        let (output, took) = check_policy(&generated(name, text.as_bytes()), &[]);
        failures.extend(verify(name, &output, took, *expect));
        // A quadratic did-you-mean search on 20 MiB takes hours, so the generous budget still
        // catches it, without failing on a busy machine (it took 54 s beside two CPU hogs).
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn many_statements(n: usize, separator: &str) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/r{i}"}}"#
            )
        })
        .collect();
    format!(
        "{{{separator}\"Version\":\"2012-10-17\",{separator}\"Statement\":[{separator}{}{separator}]}}",
        statements.join(&format!(",{separator}"))
    )
}

/// 150,000 statements, one per line (17 MB): the right decision in bounded time.
#[test]
fn one_hundred_fifty_thousand_statements() {
    let path = generated(
        "many-statements.json",
        many_statements(150_000, "\n").as_bytes(),
    );
    let last = "arn:aws:ecr:us-east-1:123456789012:repository/r149999";
    let (output, took) = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            last,
        ],
        b"",
    );
    let failure = verify(
        "many-statements.json",
        &output,
        took,
        Expect::Decision("Allow"),
    );
    assert!(failure.is_none(), "{failure:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("many-statements.json #149999 (line 150003): Allow (decides)"),
        "the last statement decides"
    );
    let (output, took) = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:PutImage",
            "--resource",
            last,
        ],
        b"",
    );
    let failure = verify(
        "many-statements.json",
        &output,
        took,
        Expect::Decision("ImplicitDeny"),
    );
    assert!(failure.is_none(), "{failure:?}");
}

/// The same 150,000 statements minified onto one line: see engine/tests/fuzz_regressions.rs.
#[test]
fn one_hundred_fifty_thousand_statements_on_one_line() {
    let path = generated(
        "many-statements-minified.json",
        many_statements(150_000, "").as_bytes(),
    );
    let (output, took) = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            "arn:aws:ecr:us-east-1:123456789012:repository/r149999",
        ],
        b"",
    );
    let failure = verify(
        "many-statements-minified.json",
        &output,
        took,
        Expect::Decision("Allow"),
    );
    assert!(failure.is_none(), "{failure:?}");
}

/// Patterns with 3,000 stars, in every place a pattern can be: linear-time matching.
#[test]
fn three_thousand_star_patterns() {
    let stars = |piece: &str| piece.repeat(3_000);
    let statement = |action: &str, resource: &str, condition: &str| {
        doc(&format!(
            r#"{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"{condition}}}"#
        ))
    };
    let repo_prefix = "arn:aws:ecr:us-east-1:123456789012:repository/";
    let cases: Vec<(&str, String, Vec<&str>, Expect)> = vec![
        // Consecutive stars are one star.
        (
            "stars-action-run.json",
            statement(&format!("ecr:{}PutImage", stars("*")), "*", ""),
            vec![],
            Expect::Decision("Allow"),
        ),
        // `*u` 3,000 times needs 3,000 `u`s: no match, found without backtracking.
        (
            "stars-action-pieces.json",
            statement(&format!("ecr:{}", stars("*u")), "*", ""),
            vec![],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-action-one.json",
            statement(&format!("ecr:P{}", stars("*?")), "*", ""),
            vec![],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-resource-field.json",
            statement(
                "ecr:PutImage",
                &format!("{repo_prefix}{}*", stars("*m")),
                "",
            ),
            vec![],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-resource-matching.json",
            statement("ecr:PutImage", &format!("{repo_prefix}{}", stars("*")), ""),
            vec![],
            Expect::Decision("Allow"),
        ),
        (
            "stars-resource-head.json",
            statement(
                "ecr:PutImage",
                &format!("arn:{}:ecr:*:*:repository/*", stars("a*")),
                "",
            ),
            vec![],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-condition.json",
            statement(
                "ecr:PutImage",
                "*",
                &format!(
                    r#", "Condition": {{"StringLike": {{"aws:username": "{}"}}}}"#,
                    stars("*a")
                ),
            ),
            vec![
                "--context",
                "aws:username=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            ],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-arnlike.json",
            statement(
                "ecr:PutImage",
                "*",
                &format!(
                    r#", "Condition": {{"ArnLike": {{"aws:PrincipalArn": "arn:aws:iam::123456789012:{}"}}}}"#,
                    stars("*/")
                ),
            ),
            vec!["--principal", "arn:aws:iam::123456789012:user/alice"],
            Expect::Decision("ImplicitDeny"),
        ),
        (
            "stars-notresource.json",
            doc(&format!(
                r#"{{"Effect": "Deny", "Action": "ecr:*", "NotResource": "{repo_prefix}{}"}}, {OK_STATEMENT}"#,
                stars("*x")
            )),
            vec![],
            Expect::Decision("ExplicitDeny"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, extra, expect) in &cases {
        let (output, took) = check_policy(&generated(name, text.as_bytes()), extra);
        failures.extend(verify(name, &output, took, *expect));
        // Backtracking over thousands of stars would take far beyond the generous budget.
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Absurd numbers and dates, in the policy and in the request context.
#[test]
fn absurd_numbers_and_dates() {
    let policy = |operator: &str, key: &str, value: &str| {
        doc(&format!(
            r#"{{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*", "Condition": {{"{operator}": {{"{key}": {value}}}}}}}"#
        ))
    };
    let age = "aws:MultiFactorAuthAge";
    let time = "aws:CurrentTime";
    let cases: Vec<(&str, String, String, Expect)> = vec![
        // Out of a double's range: not a number (a load error), never infinity.
        (
            "num-inf.json",
            policy("NumericLessThan", age, "1e999"),
            format!("{age}=99999999"),
            Expect::Error {
                at: "",
                message: "`1e999` is not a number, as `NumericLessThan` requires",
            },
        ),
        (
            "num-neg-inf.json",
            policy("NumericGreaterThan", age, "-1e999"),
            format!("{age}=-5"),
            Expect::Error {
                at: "",
                message: "`-1e999` is not a number, as `NumericGreaterThan` requires",
            },
        ),
        (
            "num-tiny.json",
            policy("NumericEquals", age, "1e-999"),
            format!("{age}=0"),
            Expect::Decision("Allow"),
        ),
        // Request values that are not numbers: AWS never sends them, so the request is an error.
        (
            "num-3600.json",
            policy("NumericLessThan", age, "3600"),
            format!("{age}=NaN"),
            err("", "which is not a number"),
        ),
        (
            "num-3600.json",
            policy("NumericLessThan", age, "3600"),
            format!("{age}=inf"),
            err("", "which is not a number"),
        ),
        (
            "num-3600.json",
            policy("NumericLessThan", age, "3600"),
            format!("{age}=0x10"),
            err("", "which is not a number"),
        ),
        (
            "num-3600.json",
            policy("NumericLessThan", age, "3600"),
            format!("{age}=-1e999"),
            // Out of range in the request too: not a number, so the request is an error.
            err("", "which is not a number"),
        ),
        // Dates far away.
        (
            "date-2030.json",
            policy("DateLessThan", time, r#""2030-01-01T00:00:00Z""#),
            format!("{time}=99999999999999999999"),
            err("", "which is not a date"),
        ),
        (
            "date-2030.json",
            policy("DateLessThan", time, r#""2030-01-01T00:00:00Z""#),
            format!("{time}=9999999-01-01"),
            err("", "which is not a date"),
        ),
        (
            "date-2030.json",
            policy("DateLessThan", time, r#""2030-01-01T00:00:00Z""#),
            format!("{time}=-99999999999"),
            Expect::Decision("Allow"),
        ),
        (
            "date-2030.json",
            policy("DateLessThan", time, r#""2030-01-01T00:00:00Z""#),
            format!("{time}=2029-12-31T23:59:59Z"),
            Expect::Decision("Allow"),
        ),
        (
            "date-2030.json",
            policy("DateLessThan", time, r#""2030-01-01T00:00:00Z""#),
            format!("{time}=2030-01-01T00:00:00+99:00"),
            err("", "which is not a date"),
        ),
        (
            "date-far.json",
            policy("DateLessThan", time, r#""9000-12-31T23:59:59Z""#),
            format!("{time}=2026-01-01"),
            Expect::Decision("Allow"),
        ),
        (
            "date-bad-policy.json",
            policy("DateLessThan", time, r#""0000-00-00""#),
            format!("{time}=2026-01-01"),
            err("date-bad-policy.json:4:118: ", "`0000-00-00` is not a date"),
        ),
        (
            "num-bad-policy.json",
            policy("NumericLessThan", age, r#""1e999e9""#),
            format!("{age}=1"),
            err("num-bad-policy.json:4:128: ", "`1e999e9` is not a number"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, context, expect) in &cases {
        let (output, took) =
            check_policy(&generated(name, text.as_bytes()), &["--context", context]);
        failures.extend(verify(
            &format!("{name} with {context}"),
            &output,
            took,
            *expect,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The last second of year 9999, a common way to write "no end date", is a valid ISO 8601 date.
#[test]
fn the_last_second_of_9999_is_a_date() {
    let text = doc(
        r#"{"Effect": "Allow", "Action": "ecr:PutImage", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "9999-12-31T23:59:59Z"}}}"#,
    );
    let (output, took) = check_policy(
        &generated("date-9999.json", text.as_bytes()),
        &["--context", "aws:CurrentTime=2026-01-01"],
    );
    let failure = verify("date-9999.json", &output, took, Expect::Decision("Allow"));
    assert!(failure.is_none(), "{failure:?}");
}

/// Malformed requests on the command line: exit 2 and what is wrong.
#[test]
fn malformed_requests_on_the_command_line() {
    let ok = generated("request-ok.json", doc(OK_STATEMENT).as_bytes());
    let ok = ok.to_str().unwrap();
    let bad_context = generated("bad-context.json", br#"{"aws:username": alice}"#);
    let array_context = generated("array-context.json", br#"["aws:username", "alice"]"#);
    let check = |action: &str, resource: &str, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["check", ok, "--action", action, "--resource", resource]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let invalid_arn = "expected an ARN (`arn:partition:service:region:account:resource`) or `*`";
    let not_ecr = "is not a resource that `ecr:PutImage` acts on";
    let long_arn = format!("{REPO}{}", "a".repeat(100_000));
    let cases: Vec<(String, Vec<String>, Vec<u8>, Expect)> = vec![
        // Malformed request ARNs.
        ("too few fields", check("ecr:PutImage", "arn:aws:ecr", &[]), err("invalid resource `arn:aws:ecr`", invalid_arn)),
        ("not an ARN", check("ecr:PutImage", "repository/app", &[]), err("invalid resource `repository/app`", invalid_arn)),
        ("empty resource", check("ecr:PutImage", "", &[]), err("invalid resource ``", invalid_arn)),
        ("empty resource field", check("ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:", &[]), err("", invalid_arn)),
        ("empty partition", check("ecr:PutImage", "arn::ecr:us-east-1:123456789012:repository/app", &[]), err("", invalid_arn)),
        ("upper-case ARN prefix", check("ecr:PutImage", "ARN:AWS:ECR:us-east-1:123456789012:repository/app", &[]), err("", invalid_arn)),
        ("S3 ARN for an ECR action", check("ecr:PutImage", "arn:aws:s3:::bucket", &[]), err("`arn:aws:s3:::bucket` ", not_ecr)),
        ("no resource type", check("ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:repositoryapp", &[]), err("", not_ecr)),
        ("star for a repository action", check("ecr:PutImage", "*", &[]), err("", "`ecr:PutImage` acts on a repository: the request resource must be its ARN, not `*`")),
        ("non-ARN for an account-level action", check("ecr:GetAuthorizationToken", "my-repo", &[]), err("invalid resource `my-repo`", invalid_arn)),
        // Odd but well-formed ARNs get a decision.
        ("unicode repository", check("ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:repository/ünïcødé", &[]), Expect::Decision("Allow")),
        ("100 KB repository name", check("ecr:PutImage", &long_arn, &[]), Expect::Decision("Allow")),
        // Unknown and malformed actions.
        ("misspelt action", check("ecr:PutImages", REPO, &[]), err("unknown action `ecr:PutImages`", "did you mean `ecr:PutImage`?")),
        ("no service prefix", check("PutImage", REPO, &[]), err("unknown action `PutImage`", "write the action as `service:ActionName`")),
        ("unknown service", check("foo:Bar", REPO, &[]), err("", "unknown action `foo:Bar`: there is no service with the prefix `foo`")),
        ("wildcard action", check("ecr:*", REPO, &[]), err("", "the request action `ecr:*` has a wildcard: a request names one concrete action")),
        ("question-mark action", check("ecr:Put?mage", REPO, &[]), err("", "the request action `ecr:Put?mage` has a wildcard")),
        ("empty action", check("", REPO, &[]), err("", "unknown action ``")),
        ("space in action", check("ecr:Put Image", REPO, &[]), err("unknown action `ecr:Put Image`", "did you mean `ecr:PutImage`?")),
        ("two colons", check("ecr:PutImage:x", REPO, &[]), err("unknown action `ecr:PutImage:x`", "did you mean `ecr:PutImage`?")),
        ("leading space", check(" ecr:PutImage", REPO, &[]), err("", "there is no service with the prefix ` ecr`")),
        ("dot for colon", check("ecr.PutImage", REPO, &[]), err("unknown action `ecr.PutImage`", "did you mean `ecr:PutImage`?")),
        ("upper-case action", check("ECR:PUTIMAGE", REPO, &[]), Expect::Decision("Allow")),
        // The caller, the context and the resource account.
        ("bare principal name", check("ecr:PutImage", REPO, &["--principal", "alice"]), err("invalid principal `alice`", "expected an IAM user, role or root ARN")),
        ("context without =", check("ecr:PutImage", REPO, &["--context", "noequals"]), err("invalid --context `noequals`", "expected KEY=VALUE")),
        ("context key without :", check("ecr:PutImage", REPO, &["--context", "nocolon=1"]), err("invalid --context key `nocolon`", "expected `service:KeyName`")),
        ("context file not JSON", check("ecr:PutImage", REPO, &["--context-file", bad_context.to_str().unwrap()]), err("bad-context.json:1:18: ", "invalid JSON: expected a JSON value")),
        ("context file an array", check("ecr:PutImage", REPO, &["--context-file", array_context.to_str().unwrap()]), err("array-context.json:1:1: ", "expected the context to be an object of key → value, found an array")),
        ("short account id", check("ecr:PutImage", REPO, &["--resource-account", "12345"]), err("", "invalid account id `12345`: expected 12 digits")),
        // Files.
        ("missing policy file", vec!["check".into(), "/nonexistent/policy.json".into(), "--action".into(), "ecr:PutImage".into(), "--resource".into(), REPO.into()], err("cannot read /nonexistent/policy.json", "No such file or directory")),
        // A directory is every *.json in it (issue 14): one without any is an error that says so.
        ("directory without policies", vec!["check".into(), env!("CARGO_MANIFEST_DIR").into(), "--action".into(), "ecr:PutImage".into(), "--resource".into(), REPO.into()], err("", "is a directory with no *.json file")),
        ("stdin twice", check("ecr:PutImage", REPO, &["-", "-"]), err("", "`-` (standard input) can be given only once")),
        ("no policy", vec!["check".into(), "--action".into(), "ecr:PutImage".into(), "--resource".into(), REPO.into()], Expect::Decision("ImplicitDeny")),
    ]
    .into_iter()
    .map(|(name, args, expect)| (name.to_string(), args, Vec::new(), expect))
    .collect();
    run_all(&cases);
}

/// Broken lines in `ecrsim batch` become `Error` lines (a blank line has none); the batch goes
/// on.
#[test]
fn hostile_batch_lines() {
    let input = b"\n\0\n{\"request\":{}}\n[]\n\"\xe2\x82\xac\"\n{\"request\":{\"action\":\"ecr:PutImage\",\"resource\":\"*\"},\"request\":1}\n";
    let (output, _) = ecrsim(&["batch"], input);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let errors: Vec<&str> = lines.iter().map(|l| l["error"].as_str().unwrap()).collect();
    assert_eq!(
        errors,
        [
            "line 2: invalid JSON at column 1: expected a JSON value (object, array, string, number, true, false or null), found `\0`",
            "missing `request.action`",
            "line 4: expected a JSON object, found an array",
            "line 5: expected a JSON object, found a string",
            "line 6: invalid JSON at column 53: duplicate key `request` (first at line 1, column 2): remove one of them",
        ]
    );
}

/// A line that is not UTF-8 in `ecrsim batch`.
#[test]
fn batch_answers_a_line_of_invalid_utf8_and_goes_on() {
    let (output, _) = ecrsim(
        &["batch"],
        b"{\"request\":{}}\n\xff\xfe\n{\"request\":{}}\n",
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
}

/// Text from a policy is printed for people: it must not carry terminal control sequences or line
/// breaks that forge output.
#[test]
fn policy_text_cannot_inject_terminal_control_sequences() {
    let policy = generated(
        "escape-sid.json",
        br#"{"Version":"2012-10-17","Statement":[{"Sid":"x\u001b[2J\u001b]0;pwned\u0007\nAllow: forged","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}"#,
    );
    let (output, _) = check_policy(&policy, &[]);
    assert_eq!(output.status.code(), Some(1));
    let shown = [output.stdout, output.stderr].concat();
    assert!(!shown.contains(&0x1b), "ESC reaches the terminal");
    assert!(
        !String::from_utf8_lossy(&shown)
            .lines()
            .any(|l| l.starts_with("Allow: forged")),
        "a forged line"
    );
}

/// Runs `check` on `policy` with stdout or stderr closed from the start (as `| head -1` does).
fn with_closed(policy: &Path, closed: Closed) -> Output {
    ecrsim_with_closed(
        &[
            "check",
            policy.to_str().unwrap(),
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            REPO,
        ],
        closed,
    )
}

/// `ecrsim check … | head -1`: a closed stdout is not a panic.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let path = generated(
        "closed-stdout.json",
        many_statements(2_000, "\n").as_bytes(),
    );
    let output = with_closed(&path, Closed::Stdout);
    assert_ne!(output.status.code(), Some(101), "{output:?}");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{output:?}"
    );
}

/// `ecrsim check … 2>&1 | head -1` on a long error: a closed stderr is not a panic either.
#[test]
fn a_closed_stderr_is_not_a_panic() {
    let deep = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
    let path = generated("closed-stderr.json", deep.as_bytes());
    let output = with_closed(&path, Closed::Stderr);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

/// The `batch_line` fuzz target's property on stable: 10,000 lines from a fixed seed.
#[test]
fn batch_line_property() {
    let mut next = seeded(0x5EED_0004);
    let mut decisions = std::collections::BTreeMap::new();
    for _ in 0..10_000 {
        let len = (next() % 256) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let line = batch_lines::line_from_bytes(&bytes);
        let out = ecrsim_cli::batch::evaluate_line(&line, 1);
        batch_lines::check_batch_output(&line, &out);
        *decisions
            .entry(out["decision"].as_str().unwrap_or("").to_string())
            .or_insert(0) += 1;
    }
    eprintln!("batch_line decisions: {decisions:?}");
    assert!(
        decisions.len() == 4,
        "every outcome is reached: {decisions:?}"
    );
}

/// The `batch_cache` fuzz target's property on stable: with a shared policy, lines that repeat
/// requests under many framings and ids give the same bytes with the session's caches (on one
/// thread and on three) as without; 600 inputs from a fixed seed.
#[test]
fn batch_cache_property() {
    use batch_lines::batch_with_shared_policy as batch;
    let mut next = seeded(0x5EED_0005);
    let mut allowed = 0;
    for _ in 0..600 {
        let len = (next() % 512) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let input = batch_lines::repeated_lines_from_bytes(&bytes);
        let alone = String::from_utf8(batch(&input, 1, false)).unwrap();
        for jobs in [1, 3] {
            let cached = String::from_utf8(batch(&input, jobs, true)).unwrap();
            assert_eq!(cached, alone, "--jobs {jobs}: {input}");
        }
        allowed += alone.matches("\"decision\":\"Allow\"").count();
    }
    // The inputs do decide requests (not only errors).
    assert!(allowed > 1000, "{allowed} allowed lines");
}

/// A xorshift generator of the stable twins of fuzz targets, from `seed`.
fn seeded(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
