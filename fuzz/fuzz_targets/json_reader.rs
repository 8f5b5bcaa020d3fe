//! The position-keeping JSON reader accepts exactly what serde_json accepts (up to duplicate
//! keys and nesting depth, which ours rejects on purpose) and reads the same value.
#![no_main]

use ecrsim_engine::JsonErrorKind;
use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    if data.len() > 4096 {
        return Corpus::Reject;
    }
    let ours = ecrsim_engine::parse_json(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => {
            let back: serde_json::Value =
                serde_json::from_str(&ours.to_json_string()).expect("our output is valid JSON");
            assert_eq!(
                back,
                theirs,
                "different values for {:?}",
                String::from_utf8_lossy(data)
            );
        }
        // JSON's grammar has no range limit; serde_json refuses numbers a double cannot hold
        // (`22e22557`). The reader keeps number text, and typed values reject such numbers.
        (Ok(_), Err(e)) if e.to_string().contains("number out of range") => {}
        (Ok(_), Err(e)) => panic!(
            "accepted what serde_json rejects ({e}): {:?}",
            String::from_utf8_lossy(data)
        ),
        (Err(e), Ok(_)) => {
            // Allowed only for our deliberate extra rules.
            assert!(
                matches!(e.kind, JsonErrorKind::DuplicateKey | JsonErrorKind::TooDeep),
                "rejected valid JSON ({e}): {:?}",
                String::from_utf8_lossy(data)
            );
        }
        (Err(_), Err(_)) => {}
    }
    Corpus::Keep
});
