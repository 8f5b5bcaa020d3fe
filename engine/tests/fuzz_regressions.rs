//! Findings of the fuzz targets and the hostile-input corpus, minimised, kept as tests, each with
//! its diagnosis. A new finding lands here as `#[ignore = "fuzz finding: …"]` until it is fixed;
//! the fix removes the `ignore` so the test guards it. All current findings are fixed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

use std::time::{Duration, Instant};

use ecrsim_engine::{PolicyKind, parse_policy};

/// Times `f`, giving up on the property (not the process) after it returns.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// Found by the hostile corpus (150,000 statements written on one line, as minified JSON and the
/// AWS CLI's `policyText` are): `ecrsim check` had not finished after 5 minutes in release.
///
/// Diagnosis: `ecrsim_engine::Reader::pos` computes the column of every value and key by counting the
/// characters from the start of the line (`text[line_start..at].chars().count()`), so reading a
/// document on one line is quadratic in its length: in release, 5,000 statements (0.6 MB) take
/// 8 s, 10,000 take 28 s, 20,000 take 77 s; `perf` shows 95 % of the time in `do_count_chars`.
/// The same document with one statement per line reads in linear time.
/// Fix: keep the column incrementally (remember the offset and column of the last position and
/// count only the characters since then).
#[test]
fn a_long_single_line_document_reads_in_linear_time() {
    // 200,000 numbers on one line (400 KB) against the same numbers one per line.
    let n = 200_000;
    let one_line = format!("[{}0]", "0,".repeat(n));
    let many_lines = format!("[{}0]", "0,\n".repeat(n));
    let (ok, multi) = timed(|| ecrsim_engine::parse_json(many_lines.as_bytes()).is_ok());
    assert!(ok);
    let (ok, single) = timed(|| ecrsim_engine::parse_json(one_line.as_bytes()).is_ok());
    assert!(ok);
    assert!(
        single < multi * 20 + Duration::from_secs(2),
        "one line: {single:?}, one value per line: {multi:?}"
    );
}

/// The same finding through `parse_policy`, at the size of a real minified policy set.
#[test]
fn a_minified_policy_with_many_statements_parses_quickly() {
    let statement = r#"{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/r"}"#;
    let minified = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        vec![statement; 10_000].join(",")
    );
    let pretty = format!(
        "{{\n\"Version\":\"2012-10-17\",\n\"Statement\":[\n{}\n]}}",
        vec![statement; 10_000].join(",\n")
    );
    let (ok, multi) = timed(|| parse_policy("p.json", pretty.as_bytes(), PolicyKind::Identity));
    assert_eq!(ok.unwrap().statements.len(), 10_000);
    let (ok, single) = timed(|| parse_policy("p.json", minified.as_bytes(), PolicyKind::Identity));
    assert_eq!(ok.unwrap().statements.len(), 10_000);
    assert!(
        single < multi * 5 + Duration::from_secs(2),
        "one line: {single:?}, one statement per line: {multi:?}"
    );
}

/// Found by the hostile corpus (a 20 MB string as the service prefix of an `Action`):
/// `ecrsim check` had not finished after 2 minutes in release.
///
/// Diagnosis: an unknown action gets a did-you-mean warning. `Catalog::suggest_action` looks for
/// the closest service prefix with `fuzzy::closest`, whose `edit_distance` is the full
/// O(len(a) × len(b)) Levenshtein with no bound, against each of the ~450 service prefixes: a
/// prefix of n characters costs about 450 × 10 × n steps (the action-name part already uses
/// `bounded_edit_distance`). A 200,000-character prefix takes 162 s in a debug build. The same
/// `fuzzy::closest` runs on unknown keys, where a 20 MB key takes 6 s in release. Fix: skip
/// candidates whose length differs by more than the typo limit (a prefix far longer than every
/// service name cannot be a typo), or use `bounded_edit_distance` there too.
#[test]
fn a_long_unknown_service_prefix_is_rejected_or_warned_quickly() {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{}:PutImage","Resource":"*"}}}}"#,
        "x".repeat(20_000)
    );
    let (parsed, took) =
        timed(|| parse_policy("p.json", policy.as_bytes(), PolicyKind::Identity).is_ok());
    assert!(parsed, "a well-formed unknown action is a warning");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// Found by the hostile corpus (absurd dates): `DateLessThan "9999-12-31T23:59:59Z"` — the usual
/// way to write "no end date" — is rejected at load time as "not a date", so a valid policy does
/// not load (fails closed: an error, never an Allow).
///
/// Diagnosis: `condition::parse_date` converts through `jiff::Timestamp`, whose range ends at
/// 9999-12-30T22:00:00Z (jiff keeps room for any UTC offset); every instant after that in year
/// 9999 is refused. Fix: compute nanoseconds from the civil date-time and the offset directly (or
/// clamp), since the result is an `i128` anyway.
#[test]
fn the_end_of_year_9999_is_a_date() {
    use ecrsim_engine::parse_date;
    assert!(parse_date("9999-12-30T21:59:59Z").is_some());
    assert!(parse_date("9999-12-31").is_some());
    assert!(parse_date("9999-12-31T23:59:59Z").is_some());
    assert!(parse_date("9999-12-31T23:59:59-12:00").is_some());
}

/// Found by `json_reader` (crash input `22e22557`): JSON's grammar puts no limit on a number, so
/// the reader accepts it while serde_json refuses it as out of range; the fuzz target now allows
/// that one divergence. The danger was downstream: a condition value that large was read as
/// infinity, so `NumericLessThan 1e999` held for every request. Typed values now reject it.
#[test]
fn numbers_beyond_a_double_are_json_but_not_condition_values() {
    assert!(ecrsim_engine::parse_json(b"22e22557").is_ok());
    assert_eq!(ecrsim_engine::parse_number("22e22557"), None);
    assert_eq!(ecrsim_engine::parse_number("-1e999"), None);
    assert_eq!(ecrsim_engine::parse_number("1e308"), Some(1e308));
}
