//! The compiled wildcard matcher agrees with the dynamic-programming definition.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::{Corpus, fuzz_target};

#[derive(Arbitrary)]
struct Input {
    pattern: String,
    subject: String,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Wildcard::new({:?}).is_match({:?})",
            self.pattern, self.subject
        )
    }
}

fuzz_target!(|input: Input| -> Corpus {
    if input.pattern.len() > 256 || input.subject.len() > 1024 {
        return Corpus::Reject;
    }
    let compiled = ecrsim_engine::Wildcard::new(&input.pattern);
    assert_eq!(
        compiled.is_match(&input.subject),
        ecrsim_engine::reference_match(&input.pattern, &input.subject),
        "{input:?}"
    );
    Corpus::Keep
});
