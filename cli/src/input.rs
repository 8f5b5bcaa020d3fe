//! Reading policy documents from files and standard input, with errors that name the file.

use std::io::Read;
use std::path::Path;

use ecrsim_engine::{Policy, PolicyKind, parse_policy};

/// A policy file could not be loaded: the message is ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads and validates a policy; `-` is standard input.
pub fn load_policy(path: &Path, kind: PolicyKind) -> Result<Policy, LoadError> {
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError(format!("cannot read standard input: {e}")))?;
        ("<stdin>".to_string(), bytes)
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
        (path.display().to_string(), bytes)
    };
    parse_policy(&name, &bytes, kind).map_err(|e| LoadError(e.render()))
}
