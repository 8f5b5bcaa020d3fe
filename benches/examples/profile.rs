//! A loop over one scenario, for `valgrind --tool=callgrind` (instruction counts do not depend
//! on the machine's load) or `perf`:
//!
//! ```text
//! cargo build --release -p ecrsim-benches --example profile
//! valgrind --tool=callgrind target/release/examples/profile authorize 100000
//! ```
//!
//! Scenarios: `authorize`, `authorize_into`, `decide_only` (the motivating policy, ecr:PutImage
//! allowed), `request` (validating that request), `explain_login` (the explanation of the
//! denied docker login). Subtract a run with 0 iterations for the set-up.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark should stop loudly on unexpected input"
)]

use std::hint::black_box;

use ecrsim_engine::{PolicyKind, PolicySet, Request, authorize, explain, parse_policy};
use ecrsim_engine::{authorize_into, decide_only};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

fn main() {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_else(|| "authorize".into());
    let iterations: usize = args.next().map_or(100_000, |n| n.parse().expect("a count"));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/motivating/a-twelve-actions-repo-scoped/policy.json"
    );
    let text = std::fs::read(path).expect("the motivating policy");
    let mut set = PolicySet::new();
    set.add(parse_policy("policy.json", &text, PolicyKind::Identity).unwrap())
        .unwrap();
    // Compiled, as in the criterion benchmarks and `ecrsim batch` (a small set that is not is
    // scanned instead).
    set.compile();
    let push = Request::new("ecr:PutImage", REPO, None).unwrap();
    let login = Request::new("ecr:GetAuthorizationToken", "*", None).unwrap();
    let mut buffer = Vec::new();
    let mut allowed = 0usize;
    for _ in 0..iterations {
        let decision = match scenario.as_str() {
            "authorize" => authorize(black_box(&set), black_box(&push)).decision,
            "authorize_into" => authorize_into(black_box(&set), black_box(&push), &mut buffer).0,
            "decide_only" => decide_only(black_box(&set), black_box(&push)).0,
            "request" => {
                let request = Request::new(black_box("ecr:PutImage"), black_box(REPO), None);
                black_box(request).map_or(ecrsim_engine::Decision::ImplicitDeny, |_| {
                    ecrsim_engine::Decision::Allow
                })
            }
            "explain_login" => {
                explain(black_box(&set), black_box(&login))
                    .response
                    .decision
            }
            other => panic!("unknown scenario {other}"),
        };
        allowed += usize::from(decision == ecrsim_engine::Decision::Allow);
    }
    println!("{scenario}: {iterations} iterations, {allowed} allowed");
}
