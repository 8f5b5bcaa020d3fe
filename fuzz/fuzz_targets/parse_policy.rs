//! Policy parsing never panics; an accepted document has at least one statement, and a
//! rejected one always says where (a line and column inside the text).
#![no_main]

use ecrsim_engine::{PolicyKind, parse_policy};
use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 8192 {
        return Corpus::Reject;
    }
    for kind in [PolicyKind::Identity, PolicyKind::Resource] {
        match parse_policy("fuzz.json", data, kind) {
            Ok(policy) => assert!(!policy.statements.is_empty()),
            Err(e) => {
                assert!(e.pos.line >= 1 && e.pos.column >= 1, "{e}");
                assert!(e.pos.offset <= data.len(), "{e}");
            }
        }
    }
    Corpus::Keep
});
