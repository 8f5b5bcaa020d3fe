//! `ecrsim diff OLD NEW`: the access gained and lost between two versions of a policy.

use std::path::PathBuf;

use crate::input::KindArg;
use ecrsim_engine::PolicyKind;
use ecrsim_engine::{AccessChange, DiffNote, DiffOptions, PolicyDiff, diff};
use ecrsim_engine::{Widening, widenings};
use serde_json::{Value, json};

use crate::input::load_policy;
use crate::{EXIT_ALLOWED, EXIT_DENIED, Format};

const DIFF_EXAMPLE: &str = "\
Example: what does adding a login statement open up?

  ecrsim diff policy.json policy-fixed.json

  Amazon Elastic Container Registry (ecr):
    + ecr:GetAuthorizationToken on *

  1 gained, 0 lost (95 requests over 1 service: ecr).

Every catalog action of the services the policies mention is checked on `*` (account-level
actions) or on the resources the policies name; a wildcard resource is checked on a sample ARN
such as repository/<any>, and the change says which value it stands for. Conditions are
evaluated both ways: a grant that depends on them is reported as conditional.

With --kind resource or --kind registry, headlines (`!`) say when the new version opens the
policy to every AWS account, to an account no statement named before, or (registry policies) to
every repository.

Exit codes: 0 no access gained, 1 access gained or a headline (fail a CI check), 2 bad input.";

/// Arguments of `diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = DIFF_EXAMPLE)]
pub struct DiffArgs {
    /// The policy before the change (JSON, or any shape the AWS CLI prints, or a directory
    /// holding one `*.json`); `-` reads standard input.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The policy after the change, read as OLD is; `-` reads standard input.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// The kind of policy both files are (a boundary, session policy, SCP or RCP is checked under
    /// an identity policy that allows everything).
    #[arg(long, value_enum, default_value_t)]
    pub kind: KindArg,
    /// The caller's ARN: who a resource-based policy's Principal is matched against (and the
    /// aws:Principal* context keys).
    #[arg(long, short)]
    pub principal: Option<String>,
    /// Another resource to check (`*` or an ARN, wildcards allowed), besides those the
    /// policies name; repeatable.
    #[arg(long = "resource", short, value_name = "ARN")]
    pub resources: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs `diff` and returns the exit code: 1 when access was gained.
pub fn run(args: &DiffArgs) -> u8 {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return crate::errors::fail(
            args.format == Format::Json,
            "`-` (standard input) can be given only once",
        );
    }
    let kind = args.kind.policy_kind();
    let (old, new) = match (load_policy(&args.old, kind), load_policy(&args.new, kind)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            return crate::errors::fail(args.format == Format::Json, &e.to_string());
        }
    };
    let mut options = DiffOptions::default();
    options.principal = args.principal.clone();
    options.resources = args.resources.clone();
    let result = match diff(&old, &new, &options) {
        Ok(result) => result,
        Err(e) => {
            return crate::errors::fail(args.format == Format::Json, &e.to_string());
        }
    };
    let resource_kind = matches!(kind, PolicyKind::Resource | PolicyKind::Registry);
    let headlines: Vec<String> = if resource_kind {
        widenings(&old, &new)
            .iter()
            .map(|w| headline_text(w, kind))
            .collect()
    } else {
        Vec::new()
    };
    let text = match args.format {
        Format::Human => {
            let mut text: String = headlines.iter().map(|h| format!("! {h}\n")).collect();
            if !headlines.is_empty() {
                text.push('\n');
            }
            text.push_str(&result.render_text_with(note_text));
            ecrsim_engine::printable_lines(&text)
        }
        Format::Json => {
            let mut value = diff_json(&result);
            if let Value::Object(map) = &mut value
                && resource_kind
            {
                map.insert("headlines".into(), json!(headlines));
            }
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        Format::Markdown => {
            let mut text: String = headlines.iter().map(|h| format!("> **{h}**\n")).collect();
            if !headlines.is_empty() {
                text.push('\n');
            }
            text + &crate::markdown::diff(&diff_json(&result))
        }
    };
    crate::write_stdout(text.as_bytes());
    if result.has_gains() || !headlines.is_empty() {
        EXIT_DENIED
    } else {
        EXIT_ALLOWED
    }
}

/// The JSON report of `diff --format json`.
pub fn diff_json(result: &PolicyDiff) -> Value {
    json!({
        "gained": result.gained.iter().map(change_json).collect::<Vec<_>>(),
        "lost": result.lost.iter().map(change_json).collect::<Vec<_>>(),
        "services": result.services,
        "requests": result.requests,
        "notes": result.notes.iter().map(note_text).collect::<Vec<_>>(),
    })
}

/// A note of the report, naming this command's options where the engine's wording cannot.
fn note_text(note: &DiffNote) -> String {
    match note {
        DiffNote::UnknownCaller => {
            "no --principal: only statements whose Principal is \"*\" apply to the unknown caller"
                .into()
        }
        other => other.to_string(),
    }
}

fn change_json(change: &AccessChange) -> Value {
    json!({
        "service": change.service,
        "action": change.action,
        "resource": change.resource,
        "sampleFor": change.sample_for,
        "before": change.before.as_str(),
        "after": change.after.as_str(),
        "text": change.to_string(),
    })
}

/// One headline of a repository or registry policy change.
fn headline_text(widening: &Widening, kind: PolicyKind) -> String {
    let policy = match kind {
        PolicyKind::Registry => "registry",
        _ => "repository",
    };
    match widening {
        Widening::Public {
            condition_keys,
            statement,
        } if condition_keys.is_empty() => format!(
            "opens this {policy} to every AWS account: \"Principal\": \"*\" without a condition (statement {statement}) — public"
        ),
        Widening::Public {
            condition_keys,
            statement,
        } => format!(
            "opens this {policy} to every AWS account that meets the condition on {} (statement {statement})",
            condition_keys.join(", ")
        ),
        Widening::Account { account, statement } => format!(
            "opens this {policy} to account {account}, which no statement named before (statement {statement})"
        ),
        Widening::AllRepositories { grantee, statement } => format!(
            "widens what {} gets to every repository of this registry (statement {statement})",
            crate::summary::grantee_text(grantee)
        ),
    }
}
