//! Any input line of `ecrsim batch` gives an object whose decision is Allow, ExplicitDeny,
//! ImplicitDeny or Error, never a panic. Lines are raw bytes or built from the bytes by a small
//! grammar of batch fields, policies and requests.
#![no_main]

#[path = "../../engine/tests/support/batch_lines.rs"]
mod batch_lines;

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 4096 {
        return Corpus::Reject;
    }
    let line = batch_lines::line_from_bytes(data);
    let out = ecrsim_cli::batch::evaluate_line(&line, 1);
    batch_lines::check_batch_output(&line, &out);
    Corpus::Keep
});
