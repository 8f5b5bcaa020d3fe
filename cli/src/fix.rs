//! `ecrsim fix`: the identity policy corrected so that a request or workflow is allowed.
//!
//! The corrected document goes to standard output, the edits and what still blocks to standard
//! error. What only another policy can unblock is printed as one statement per policy (all the
//! actions it must allow), and a repository-policy change as a complete document ready for
//! `aws ecr set-repository-policy`.

use std::path::PathBuf;

use ecrsim_engine::{
    Advice, Change, Decision, PolicyKind, PolicyRole, PolicySet, SuggestedPrincipal,
    SuggestedStatement,
};
use ecrsim_engine::{EMPTY_POLICY, FixOutcome, Remaining, fix_identity_policy};
use serde_json::{Value, json};

use crate::input::{build_requests, check_stdin_once, load_document, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED, FixArgs, render};

/// Runs `fix`: the document on stdout, the changes on stderr.
pub fn run(args: &FixArgs) -> u8 {
    if args.policy.snapshot.is_some() {
        return crate::snapshot::fix(args);
    }
    let paths = args.target.iter().map(PathBuf::as_path);
    if let Err(e) = check_stdin_once(paths.chain(args.policy.files())) {
        say!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    // The target goes through the input layer like every policy (any AWS CLI shape, `-`, a
    // directory holding one file), is validated there with exact positions, and the fixer edits
    // the document itself: the corrected output is a plain policy, ready for put-role-policy.
    let (name, text) = match &args.target {
        None => ("new inline policy".to_string(), EMPTY_POLICY.to_string()),
        Some(path) => match load_document(path, PolicyKind::Identity) {
            Ok((policy, input)) => (policy.source.name.clone(), input.document_text()),
            Err(e) => {
                say!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        },
    };
    let loaded = load_policy_set(&args.policy)
        .and_then(|set| build_requests(&args.request).map(|r| (set, r)));
    let loaded = loaded.and_then(|(mut set, (requests, workflow))| {
        let requests = crate::input::settle_callers(&set, requests)?;
        let requests = crate::input::apply_organization(&args.policy, &mut set, requests)?;
        Ok((set, (requests, workflow)))
    });
    let (others, (requests, _)) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let outcome = match fix_identity_policy(&name, &text, &others, &requests) {
        Ok(outcome) => outcome,
        Err(e) => {
            say!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    crate::write_stdout(outcome.document.as_bytes());
    report(&name, &outcome, &others);
    if outcome.remaining.is_empty() {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// The edits, then every request still denied with what blocks it, on standard error.
pub(crate) fn report(name: &str, outcome: &FixOutcome, others: &PolicySet) {
    let deny_here = outcome
        .remaining
        .iter()
        .any(|r| denied_by_target(r, others.policies().len()));
    if outcome.edits.is_empty() && !deny_here {
        say!("{name}: no change needed in this policy");
    }
    for edit in &outcome.edits {
        say!("{name}: {}", render::edit(edit));
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
        if let Some(fix) = &why.fix
            && fix.changes.is_empty()
        {
            say!("  {}", render::advice(fix, why, request));
        }
        if denied_by_target(remaining, others.policies().len()) {
            say!("  the Deny is in {name} itself: ecrsim does not remove or narrow a Deny for you");
        }
    }
    for (role, statement) in merged_changes(&outcome.remaining) {
        if role == PolicyRole::Resource {
            let document = repository_policy(others, statement);
            say!(
                "  the repository policy must allow it; the complete policy, for `aws ecr set-repository-policy --repository-name NAME --policy-text file://repository-policy.json`:"
            );
            say!(
                "{}",
                serde_json::to_string_pretty(&document).unwrap_or_default()
            );
        } else {
            say!("  add to the {role}: {statement}");
        }
    }
}

/// Whether an explicit Deny of the fixed policy itself (policy `target` of the set) blocks it.
fn denied_by_target(remaining: &Remaining, target: usize) -> bool {
    let why = &remaining.explanation;
    why.response.decision == Decision::ExplicitDeny
        && matches!(&why.fix, Some(f) if matches!(&f.advice, Advice::NarrowDeny { statements } if statements.iter().any(|at| at.policy == target)))
}

/// The statements other policies need, one per policy (and principal and resource): the
/// actions of every remaining request merged into its `Action` list.
fn merged_changes(remaining: &[Remaining]) -> Vec<(PolicyRole, Value)> {
    let mut merged: Vec<(PolicyRole, &SuggestedStatement, Vec<&str>)> = Vec::new();
    let changes = remaining
        .iter()
        .filter_map(|r| r.explanation.fix.as_ref())
        .flat_map(|f| &f.changes);
    for Change {
        role, statement, ..
    } in changes
    {
        let same = |(r, s, _): &&mut (PolicyRole, &SuggestedStatement, Vec<&str>)| {
            r == role && s.principal == statement.principal && s.resource == statement.resource
        };
        match merged.iter_mut().find(same) {
            Some((_, _, actions)) => {
                if !actions.contains(&statement.action.as_str()) {
                    actions.push(&statement.action);
                }
            }
            None => merged.push((*role, statement, vec![&statement.action])),
        }
    }
    merged
        .into_iter()
        .map(|(role, s, actions)| (role, statement_json(s, &actions)))
        .collect()
}

/// A suggested statement with several actions, as IAM JSON.
fn statement_json(s: &SuggestedStatement, actions: &[&str]) -> Value {
    let mut statement = serde_json::Map::new();
    statement.insert("Effect".into(), json!("Allow"));
    match &s.principal {
        None => {}
        Some(SuggestedPrincipal::Aws(arn)) => {
            statement.insert("Principal".into(), json!({"AWS": arn}));
        }
        Some(SuggestedPrincipal::Service(name)) => {
            statement.insert("Principal".into(), json!({"Service": name}));
        }
        Some(_) => {
            statement.insert("Principal".into(), json!("*"));
        }
    }
    let action = match actions {
        [one] => json!(one),
        many => json!(many),
    };
    statement.insert("Action".into(), action);
    if let Some(resource) = &s.resource {
        statement.insert("Resource".into(), json!(resource));
    }
    Value::Object(statement)
}

/// The repository policy given (or a new one) with `statement` appended.
fn repository_policy(others: &PolicySet, statement: Value) -> Value {
    let existing = others
        .policies()
        .iter()
        .find(|(role, _)| *role == PolicyRole::Resource)
        // The document itself, also when it came in an AWS CLI shape (`policyText`…).
        .and_then(|(_, p)| {
            ecrsim_engine::read_policy_input(&p.source.name, p.source.text.as_bytes()).ok()
        })
        .and_then(|input| serde_json::from_str::<Value>(&input.document_text()).ok());
    let mut document = existing
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
    let statements = match document.get_mut("Statement") {
        Some(Value::Array(items)) => items,
        Some(single) => {
            let one = single.take();
            *single = Value::Array(vec![one]);
            match single {
                Value::Array(items) => items,
                _ => return document,
            }
        }
        None => {
            document["Statement"] = json!([]);
            match document.get_mut("Statement") {
                Some(Value::Array(items)) => items,
                _ => return document,
            }
        }
    };
    statements.push(statement);
    document
}
