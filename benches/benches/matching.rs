//! Criterion benchmarks of the hot paths (figures in benches/README.md):
//!
//! - `matcher/<strategy>/<impl>`: one IAM wildcard per strategy of `pattern::Wildcard`, against
//!   the `regex` crate and the `glob` crate compiled from the same pattern;
//! - `adversarial/…`: 1,000 stars against 64 KiB;
//! - `resource/…`: `Resource` values (ARN rules);
//! - `authorize/<case>/<statements>`: allow-hit, deny-hit and no-match over 1 to 1,000
//!   statements;
//! - `parse/…`: parse + compile of a small and a large document;
//! - `motivating/…`: the twelve-action policy of the issue, compiled and end to end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ecrsim_engine::ResourcePattern;
use ecrsim_engine::{PolicyKind, PolicySet, Request, authorize, explain, parse_policy};
use ecrsim_engine::{Strategy, Wildcard, reference_match};
use ecrsim_engine::{authorize_into, decide_only};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

/// The motivating policy (corpus/motivating/a-twelve-actions-repo-scoped/policy.json).
const TWELVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PushPullMyAppRepo","Effect":"Allow","Action":[
"ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy",
"ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage","ecr:InitiateLayerUpload",
"ecr:UploadLayerPart","ecr:CompleteLayerUpload","ecr:PutImage"],
"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;

/// The `regex` equivalent of an IAM wildcard: `*` any run, `?` one character, anchored.
fn to_regex(pattern: &str) -> regex::Regex {
    let body = regex::escape(pattern)
        .replace("\\*", ".*")
        .replace("\\?", ".");
    regex::Regex::new(&format!("^(?s:{body})$")).unwrap()
}

fn glob_options() -> glob::MatchOptions {
    glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: false,
        require_literal_leading_dot: false,
    }
}

fn matcher(c: &mut Criterion) {
    let mut group = c.benchmark_group("matcher");
    let subject = "ecr:batchchecklayeravailability";
    let cases = [
        ("exact", "ecr:batchchecklayeravailability"),
        ("prefix", "ecr:batch*"),
        ("suffix", "*availability"),
        ("contains", "*layer*"),
        ("any", "*"),
        ("general", "ecr:*lay?r*"),
        ("general_stars", "ecr:*check*layer*ability"),
    ];
    for (name, pattern) in cases {
        let ours = Wildcard::new(pattern);
        let regex = to_regex(pattern);
        let glob = glob::Pattern::new(pattern).unwrap();
        let options = glob_options();
        assert!(ours.is_match(subject) && regex.is_match(subject));
        assert!(glob.matches_with(subject, options));
        group.bench_with_input(BenchmarkId::new(name, "ecrsim"), &subject, |b, s| {
            b.iter(|| ours.is_match(black_box(s)))
        });
        group.bench_with_input(BenchmarkId::new(name, "regex"), &subject, |b, s| {
            b.iter(|| regex.is_match(black_box(s)))
        });
        group.bench_with_input(BenchmarkId::new(name, "glob"), &subject, |b, s| {
            b.iter(|| glob.matches_with(black_box(s), options))
        });
    }
    group.bench_function(BenchmarkId::new("general", "reference_dp"), |b| {
        b.iter(|| reference_match(black_box("ecr:*lay?r*"), black_box(subject)))
    });
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    let mut group = c.benchmark_group("adversarial");
    let kib64 = 64 * 1024;
    let stars = "*a".repeat(1000) + "*b";
    let compiled = Wildcard::new(&stars);
    assert!(matches!(compiled.strategy(), Strategy::General(_)));
    let regex = to_regex(&stars);
    let matching = "a".repeat(kib64 - 1) + "b";
    // The last piece matches, the first middle piece is nowhere: a full scan.
    let middle_fails = "x".repeat(kib64 - 1) + "b";
    let no_final_b = "a".repeat(kib64);
    let cases = [
        ("1000_stars_64KiB_match", &matching, true),
        ("1000_stars_64KiB_middle_fails", &middle_fails, false),
        ("1000_stars_64KiB_last_fails", &no_final_b, false),
    ];
    for (name, subject, expected) in cases {
        assert_eq!(compiled.is_match(subject), expected);
        assert_eq!(regex.is_match(subject), expected);
        group.bench_function(BenchmarkId::new(name, "ecrsim"), |b| {
            b.iter(|| compiled.is_match(black_box(subject)))
        });
        group.bench_function(BenchmarkId::new(name, "regex"), |b| {
            b.iter(|| regex.is_match(black_box(subject)))
        });
    }
    // `?` pieces cannot be searched as text: each start is tried.
    let anyone = "*a?".repeat(1000) + "*b";
    let compiled = Wildcard::new(&anyone);
    assert!(compiled.is_match(&matching));
    group.bench_function(
        BenchmarkId::new("1000_stars_with_?_64KiB_match", "ecrsim"),
        |b| b.iter(|| compiled.is_match(black_box(&matching))),
    );
    // The same on a Resource value: the sixth field takes the wildcard strategies.
    let resource = ResourcePattern::new(&format!("arn:aws:s3:::{stars}"));
    let arn = format!("arn:aws:s3:::{matching}");
    assert!(resource.is_match(&arn));
    group.bench_function(
        BenchmarkId::new("1000_stars_64KiB_resource", "ecrsim"),
        |b| b.iter(|| resource.is_match(black_box(&arn))),
    );
    group.finish();
}

fn resource(c: &mut Criterion) {
    let mut group = c.benchmark_group("resource");
    for (name, pattern) in [
        ("exact", REPO),
        (
            "repository_star",
            "arn:aws:ecr:us-east-1:123456789012:repository/*",
        ),
        ("head_wildcards", "arn:aws:ecr:*:*:repository/my-*"),
        ("short_general", "arn:aws:ecr:*"),
        ("star", "*"),
    ] {
        let compiled = ResourcePattern::new(pattern);
        assert!(compiled.is_match(REPO));
        group.bench_function(name, |b| b.iter(|| compiled.is_match(black_box(REPO))));
    }
    group.finish();
}

/// Statement `i` of the synthetic sets: a third list exact ECR actions, a third use a service
/// wildcard, a third name another service; each on its own repository.
fn statement(i: usize) -> String {
    let action = match i % 3 {
        0 => r#"["ecr:BatchGetImage","ecr:PutImage","ecr:InitiateLayerUpload"]"#,
        1 => r#""ecr:Batch*""#,
        _ => r#"["s3:GetObject","s3:PutObject"]"#,
    };
    format!(
        r#"{{"Sid":"S{i}","Effect":"Allow","Action":{action},"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app-{i}"}}"#
    )
}

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn compile(text: &str) -> PolicySet {
    let mut set = PolicySet::new();
    set.add(parse_policy("bench.json", text.as_bytes(), PolicyKind::Identity).unwrap())
        .unwrap();
    set.compile();
    set
}

fn repo(name: &str) -> String {
    format!("arn:aws:ecr:us-east-1:123456789012:repository/{name}")
}

fn authorize_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorize");
    for n in [1usize, 10, 100, 1000] {
        // allow-hit: the last statement allows ecr:PutImage on its repository.
        let mut statements: Vec<String> = (0..n - 1).map(statement).collect();
        statements.push(format!(
            r#"{{"Sid":"Hit","Effect":"Allow","Action":"ecr:PutImage","Resource":"{}"}}"#,
            repo("target")
        ));
        let allow = compile(&document(&statements));
        // deny-hit: the same, and a Deny of ecr:PutImage on every repository last.
        statements.push(
            r#"{"Sid":"Deny","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}"#.into(),
        );
        let deny = compile(&document(&statements));
        // no-match: n statements, none on the requested repository.
        let none = compile(&document(&(0..n).map(statement).collect::<Vec<_>>()));
        let request = Request::new("ecr:PutImage", &repo("target"), None).unwrap();
        let cases = [
            ("allow_hit", &allow, "Allow"),
            ("deny_hit", &deny, "ExplicitDeny"),
            ("no_match", &none, "ImplicitDeny"),
        ];
        for (name, set, expected) in cases {
            assert_eq!(authorize(set, &request).decision.as_str(), expected);
            group.bench_with_input(BenchmarkId::new(name, n), set, |b, set| {
                b.iter(|| authorize(black_box(set), black_box(&request)))
            });
        }
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    let statements: Vec<String> = (0..1000).map(statement).collect();
    // One statement per line, as people and the AWS CLI write large documents.
    let large = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[\n{}\n]}}",
        statements.join(",\n")
    );
    // The same minified on one line (the JSON reader counts columns from the line start).
    let one_line = document(&statements);
    for (name, text) in [
        ("small_twelve_actions", TWELVE),
        ("large_1000_statements", &large),
        ("large_1000_statements_one_line", &one_line),
    ] {
        group.bench_function(BenchmarkId::new("parse_and_compile", name), |b| {
            b.iter(|| compile(black_box(text)))
        });
    }
    group.finish();
}

fn motivating(c: &mut Criterion) {
    let mut group = c.benchmark_group("motivating");
    let set = compile(TWELVE);
    let push = Request::new("ecr:PutImage", REPO, None).unwrap();
    let login = Request::new("ecr:GetAuthorizationToken", "*", None).unwrap();
    let mut buffer = Vec::new();
    group.bench_function("authorize_put_image_allowed", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&push)))
    });
    group.bench_function("authorize_into_put_image_allowed", |b| {
        b.iter(|| authorize_into(black_box(&set), black_box(&push), &mut buffer))
    });
    group.bench_function("decide_only_put_image_allowed", |b| {
        b.iter(|| decide_only(black_box(&set), black_box(&push)))
    });
    group.bench_function("authorize_login_denied", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&login)))
    });
    group.bench_function("explain_login_denied", |b| {
        b.iter(|| explain(black_box(&set), black_box(&login)))
    });
    group.bench_function("request_validate_put_image", |b| {
        b.iter(|| Request::new(black_box("ecr:PutImage"), black_box(REPO), None))
    });
    group.bench_function("end_to_end_put_image", |b| {
        b.iter(|| {
            let request = Request::new(black_box("ecr:PutImage"), black_box(REPO), None).unwrap();
            authorize(black_box(&set), &request).decision
        })
    });
    group.bench_function("end_to_end_with_parse", |b| {
        b.iter(|| {
            let set = compile(black_box(TWELVE));
            let request = Request::new(black_box("ecr:PutImage"), black_box(REPO), None).unwrap();
            authorize(&set, &request).decision
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    matcher,
    adversarial,
    resource,
    authorize_scaling,
    parse,
    motivating
);
criterion_main!(benches);
