//! Instruction counts of the `authorize` benchmark cases (for callgrind):
//! `scenarios CASE N ITERATIONS` with CASE allow_hit, deny_hit or no_match.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops loudly"
)]

use std::hint::black_box;

use ecrsim_engine::{PolicyKind, PolicySet, Request, authorize, parse_policy};

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

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "allow_hit".into());
    let n: usize = args.next().map_or(1, |s| s.parse().unwrap());
    let iterations: usize = args.next().map_or(10_000, |s| s.parse().unwrap());
    let target = "arn:aws:ecr:us-east-1:123456789012:repository/target";
    let mut statements: Vec<String> = match case.as_str() {
        "no_match" => (0..n).map(statement).collect(),
        _ => (0..n - 1).map(statement).collect(),
    };
    if case != "no_match" {
        statements.push(format!(
            r#"{{"Sid":"Hit","Effect":"Allow","Action":"ecr:PutImage","Resource":"{target}"}}"#
        ));
    }
    if case == "deny_hit" {
        statements.push(
            r#"{"Sid":"Deny","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}"#.into(),
        );
    }
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let mut set = PolicySet::new();
    set.add(parse_policy("p.json", text.as_bytes(), PolicyKind::Identity).unwrap())
        .unwrap();
    let request = Request::new("ecr:PutImage", target, None).unwrap();
    let first = authorize(&set, &request).decision;
    for _ in 0..iterations {
        black_box(authorize(black_box(&set), black_box(&request)));
    }
    println!("{case} {n}: {first:?}");
}
