//! Reading policy documents from files and standard input, with errors that name the file.

use std::io::Read;
use std::path::Path;

use ecrsim_engine::{Context, Policy, PolicyKind, parse_policy};

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

/// Builds the request context from `--context-file` (read first) and `--context KEY=VALUE`
/// flags; a key given by flags replaces the file's value, and a key repeated in flags becomes
/// multi-valued.
pub fn load_context(file: Option<&Path>, pairs: &[String]) -> Result<Context, LoadError> {
    let mut context = match file {
        None => Context::new(),
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
            let json = ecrsim_engine::json::parse(&bytes).map_err(|e| {
                LoadError(format!(
                    "{}:{}: invalid JSON: {}",
                    path.display(),
                    e.pos,
                    e.message
                ))
            })?;
            Context::from_json(&json).map_err(|(pos, message)| {
                LoadError(format!("{}:{pos}: {message}", path.display()))
            })?
        }
    };
    let mut from_flags = Context::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(LoadError(format!(
                "invalid --context `{pair}`: expected KEY=VALUE, e.g. --context aws:SourceIp=10.1.2.3"
            )));
        };
        if !key.contains(':') {
            return Err(LoadError(format!(
                "invalid --context key `{key}`: expected `service:KeyName`, e.g. aws:SourceIp"
            )));
        }
        from_flags.push(key, value.to_string());
    }
    for (key, value) in from_flags.iter() {
        context.insert(key, value.clone());
    }
    Ok(context)
}

/// Checks `--resource-account`: twelve digits.
pub fn check_account(account: &str) -> Result<(), LoadError> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(LoadError(format!(
            "invalid account id `{account}`: expected 12 digits"
        )))
    }
}
