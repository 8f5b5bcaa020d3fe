//! The compiled matchers agree with independent oracles: `Wildcard` with the `regex` crate and
//! with `reference_match`; `Action` values (case-insensitive) with a case-insensitive regex; and
//! `Resource` values with a regex written straight from the rule of
//! docs/semantics.md#resources-and-arns.
#![no_main]

#[path = "../../engine/tests/support/generators.rs"]
mod generators;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: generators::PatternCase| {
    generators::check_patterns(&case);
});
