//! Criterion benchmarks of the hot paths: wildcard matching, resource matching, and one
//! authorization of the motivating twelve-action policy.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ecrsim_engine::arn::ResourcePattern;
use ecrsim_engine::pattern::{Wildcard, reference_match};
use ecrsim_engine::{PolicyKind, PolicySet, Request, authorize, explain, parse_policy};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

const TWELVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Repo","Effect":"Allow","Action":[
"ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy",
"ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage","ecr:InitiateLayerUpload",
"ecr:UploadLayerPart","ecr:CompleteLayerUpload","ecr:PutImage"],
"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;

fn wildcard(c: &mut Criterion) {
    let mut group = c.benchmark_group("wildcard");
    for (name, pattern) in [
        ("exact", "ecr:putimage"),
        ("prefix", "ecr:batch*"),
        ("suffix", "*image"),
        ("general", "ecr:*lay?r*"),
    ] {
        let compiled = Wildcard::new(pattern);
        group.bench_function(name, |b| {
            b.iter(|| compiled.is_match(black_box("ecr:batchchecklayeravailability")))
        });
    }
    group.bench_function("reference_general", |b| {
        b.iter(|| {
            reference_match(
                black_box("ecr:*lay?r*"),
                black_box("ecr:batchchecklayeravailability"),
            )
        })
    });
    let adversarial = Wildcard::new(&("*a".repeat(1000) + "*b"));
    let subject = "a".repeat(64 * 1024);
    group.bench_function("adversarial_1000_stars_64KiB", |b| {
        b.iter(|| adversarial.is_match(black_box(&subject)))
    });
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
        ("short_general", "arn:aws:ecr:*"),
    ] {
        let compiled = ResourcePattern::new(pattern);
        group.bench_function(name, |b| b.iter(|| compiled.is_match(black_box(REPO))));
    }
    group.finish();
}

fn evaluate(c: &mut Criterion) {
    let mut set = PolicySet::new();
    set.add(parse_policy("twelve.json", TWELVE.as_bytes(), PolicyKind::Identity).expect("valid"))
        .expect("identity");
    let push = Request::new("ecr:PutImage", REPO, None).expect("valid");
    let login = Request::new("ecr:GetAuthorizationToken", "*", None).expect("valid");
    c.bench_function("authorize/twelve_actions_allow", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&push)))
    });
    c.bench_function("authorize/twelve_actions_login_denied", |b| {
        b.iter(|| authorize(black_box(&set), black_box(&login)))
    });
    c.bench_function("explain/twelve_actions_login_denied", |b| {
        b.iter(|| explain(black_box(&set), black_box(&login)))
    });
    c.bench_function("parse/twelve_actions", |b| {
        b.iter(|| {
            parse_policy(
                "twelve.json",
                black_box(TWELVE.as_bytes()),
                PolicyKind::Identity,
            )
        })
    });
    c.bench_function("request/validate_put_image", |b| {
        b.iter(|| Request::new(black_box("ecr:PutImage"), black_box(REPO), None))
    });
}

criterion_group!(benches, wildcard, resource, evaluate);
criterion_main!(benches);
