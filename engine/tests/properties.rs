//! The fuzz targets' properties on stable, from a fixed seed: 10,000 inputs each, deterministic,
//! so CI checks them on every run without nightly or libFuzzer. The generators and the property
//! checks are the fuzz targets' own (`support/generators.rs`); a failure prints a reproducer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test should stop loudly on unexpected input"
)]

#[path = "support/generators.rs"]
mod generators;

use ecrsim_engine::Decision;
use generators::{ParseCase, PatternCase, Scenario, for_each_input};

const INPUTS: usize = 10_000;

#[test]
fn pattern_vs_oracle() {
    for_each_input(0x5EED_0001, INPUTS, 256, |_, case: PatternCase| {
        generators::check_patterns(&case);
    });
}

#[test]
fn authorize_invariants() {
    let mut decided = [0usize; 3];
    let mut rejected = 0;
    for_each_input(0x5EED_0002, INPUTS, 512, |_, scenario: Scenario| {
        match generators::check_authorize(&scenario) {
            Some(Decision::Allow) => decided[0] += 1,
            Some(Decision::ExplicitDeny) => decided[1] += 1,
            Some(Decision::ImplicitDeny) => decided[2] += 1,
            None => rejected += 1,
        }
    });
    // The generator must reach every outcome often, or the properties say little.
    eprintln!("Allow/ExplicitDeny/ImplicitDeny/rejected request: {decided:?} {rejected}");
    for count in decided {
        assert!(count >= INPUTS / 50, "{decided:?}");
    }
}

#[test]
fn parse_policy_round_trip() {
    let mut accepted = 0;
    for_each_input(0x5EED_0003, INPUTS, 384, |_, case: ParseCase| {
        let bytes = case.bytes();
        generators::check_parse(&bytes);
        if ecrsim_engine::parse_policy("x", &bytes, ecrsim_engine::PolicyKind::Identity).is_ok() {
            accepted += 1;
        }
    });
    eprintln!("accepted as identity policies: {accepted}");
    assert!(accepted >= INPUTS / 10, "{accepted}");
}
