//! `ecrsim fix`: the identity policy corrected so that a request or workflow is allowed.

use ecrsim_engine::fixer::fix_identity_policy;

use crate::input::{build_requests, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED, FixArgs};

/// Runs `fix`: the document on stdout, the changes on stderr.
pub fn run(args: &FixArgs) -> u8 {
    let text = match std::fs::read(&args.target).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            say!(
                "error: {}: invalid UTF-8: policy documents must be UTF-8 text",
                args.target.display()
            );
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            say!("error: cannot read {}: {e}", args.target.display());
            return EXIT_BAD_INPUT;
        }
    };
    let loaded = load_policy_set(&args.policy)
        .and_then(|set| build_requests(&args.request).map(|r| (set, r)));
    let loaded = loaded.and_then(|(set, (requests, workflow))| {
        crate::input::settle_callers(&set, requests).map(|requests| (set, (requests, workflow)))
    });
    let (others, (requests, _)) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let name = args.target.display().to_string();
    let outcome = match fix_identity_policy(&name, &text, &others, &requests) {
        Ok(outcome) => outcome,
        Err(e) => {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    crate::write_stdout(outcome.document.as_bytes());
    if outcome.edits.is_empty() {
        say!("{name}: no change needed in this policy");
    }
    for edit in &outcome.edits {
        say!("{name}: {edit}");
    }
    for remaining in &outcome.remaining {
        let (request, why) = (&remaining.request, &remaining.explanation);
        say!(
            "still denied: {} on {} ({} {})",
            request.action(),
            request.resource(),
            why.response.decision,
            why.response.reason
        );
        let Some(fix) = &why.fix else { continue };
        if fix.changes.is_empty() {
            say!("  {}", crate::render::advice(fix, why, request));
        }
        for change in &fix.changes {
            say!(
                "  add to the {}: {}",
                change.role,
                change.statement.to_json()
            );
        }
    }
    if outcome.remaining.is_empty() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}
