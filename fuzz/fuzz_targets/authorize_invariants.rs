//! Arbitrary policy sets (identity, resource, boundary, SCP) and requests from a small grammar:
//! no panic; `explain` agrees with `authorize`; reordering or duplicating statements keeps the
//! decision; an added Deny never allows, an added Allow never denies, a removed Allow never
//! allows.
#![no_main]

#[path = "../../engine/tests/support/generators.rs"]
mod generators;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|scenario: generators::Scenario| {
    generators::check_authorize(&scenario);
});
