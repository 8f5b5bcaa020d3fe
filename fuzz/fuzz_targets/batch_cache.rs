//! A batch session's caches change nothing: lines that repeat requests under many framings and
//! ids (some answered from the result cache without reading JSON), decided with a shared
//! policy, give the same bytes with caches as without, on one thread and on three.
#![no_main]

#[path = "../../engine/tests/support/batch_lines.rs"]
mod batch_lines;

use batch_lines::batch_with_shared_policy as batch;
use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 4096 {
        return Corpus::Reject;
    }
    let input = batch_lines::repeated_lines_from_bytes(data);
    let alone = batch(&input, 1, false);
    assert!(batch(&input, 1, true) == alone, "{input}");
    assert!(batch(&input, 3, true) == alone, "{input}");
    Corpus::Keep
});
