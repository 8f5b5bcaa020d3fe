//! A batch session's caches change nothing: lines that repeat requests under many framings and
//! ids (some answered from the result cache without reading JSON), decided with shared policies,
//! give the same bytes with caches as without, on one thread and on three.
#![no_main]

#[path = "../../engine/tests/support/batch_lines.rs"]
mod batch_lines;

use std::sync::{Arc, LazyLock};

use ecrsim_cli::batch::{Options, process_with};
use ecrsim_engine::{PolicyKind, PolicySet, Shared, parse_policy_input};
use libfuzzer_sys::{Corpus, fuzz_target};

static SHARED: LazyLock<Arc<Shared>> = LazyLock::new(|| {
    let policy = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:PutImage","ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}]}"#;
    let mut set = PolicySet::new();
    set.add(parse_policy_input("shared.json", policy, PolicyKind::Identity).unwrap())
        .unwrap();
    Arc::new(Shared::new(set))
});

fn run(input: &str, jobs: usize, reuse: bool) -> Vec<u8> {
    let options = Options {
        jobs,
        shared: Some(SHARED.clone()),
        fix: false,
        reuse,
    };
    let mut out = Vec::new();
    process_with(input.as_bytes(), &mut out, &options).unwrap();
    out
}

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 4096 {
        return Corpus::Reject;
    }
    let input = batch_lines::repeated_lines_from_bytes(data);
    let alone = run(&input, 1, false);
    assert!(run(&input, 1, true) == alone, "{input}");
    assert!(run(&input, 3, true) == alone, "{input}");
    Corpus::Keep
});
