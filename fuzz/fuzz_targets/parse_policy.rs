//! Policy parsing never panics; an accepted document has at least one statement; a rejected one
//! always says where (a line and column inside the text); and the document re-serialised (compact
//! and pretty-printed) parses to the same statements — count, effects, labels, elements — or
//! fails with the same message at the same JSON pointer.
#![no_main]

#[path = "../../engine/tests/support/generators.rs"]
mod generators;

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 8192 {
        return Corpus::Reject;
    }
    generators::check_parse(data);
    Corpus::Keep
});
