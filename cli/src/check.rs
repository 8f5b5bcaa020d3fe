//! `ecrsim check`: one request, or every action of a workflow, against the given policies.

use ecrsim_engine::Workflow;
use ecrsim_engine::printable;
use ecrsim_engine::{Decision, Explanation, PolicySet, Request, explain};
use serde_json::json;

use crate::input::{build_requests, load_policy_set};
use crate::{CheckArgs, EXIT_ALLOWED, EXIT_DENIED, Format, render, use_color, write_stdout};

/// Runs `check` and returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    // No policy at all is a question too: the root user needs none in its own account, and
    // anyone else is implicitly denied (the report says "no statements").
    let policy = &args.policy;
    if policy.snapshot.is_some() {
        return match crate::snapshot::load(policy, &args.request) {
            Ok(l) => report(args, l.set, l.requests, l.workflow),
            Err(e) => crate::errors::fail(args.format == Format::Json, &e.to_string()),
        };
    }
    let loaded =
        load_policy_set(policy).and_then(|set| build_requests(&args.request).map(|r| (set, r)));
    let loaded = loaded.and_then(|(mut set, (requests, workflow))| {
        let requests = crate::input::settle_callers(&set, requests)?;
        let requests = crate::input::apply_organization(policy, &mut set, requests)?;
        Ok((set, (requests, workflow)))
    });
    let (set, (requests, workflow)) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return crate::errors::fail(args.format == Format::Json, &e.to_string()),
    };
    report(args, set, requests, workflow)
}

/// Decides and prints the requests; the exit code.
fn report(
    args: &CheckArgs,
    set: PolicySet,
    requests: Vec<Request>,
    workflow: Option<&'static Workflow>,
) -> u8 {
    let explanations: Vec<Explanation> = requests.iter().map(|r| explain(&set, r)).collect();
    let output = match (workflow, args.format) {
        (None, Format::Human) => explanations
            .iter()
            .zip(&requests)
            .map(|(e, r)| render::human(e, r, use_color()))
            .collect::<String>(),
        (None, Format::Json) => explanations
            .iter()
            .zip(&requests)
            .map(|(e, r)| {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&render::json(e, r, &set)).unwrap_or_default()
                )
            })
            .collect(),
        (None, Format::Markdown) => explanations
            .iter()
            .zip(&requests)
            .map(|(e, r)| crate::markdown::check(&render::json(e, r, &set)))
            .collect::<Vec<_>>()
            .join("\n"),
        (Some(w), Format::Human) => workflow_human(w, &requests, &explanations, use_color()),
        (Some(w), Format::Markdown) => {
            crate::markdown::workflow(&workflow_json(w, &requests, &explanations, &set))
        }
        (Some(w), Format::Json) => {
            let value = workflow_json(w, &requests, &explanations, &set);
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
    };
    if !args.quiet {
        write_stdout(output.as_bytes());
    }
    if explanations
        .iter()
        .all(|e| e.response.decision == Decision::Allow)
    {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// The workflow's verdict: Allow only when every action is allowed; else the first denial's kind.
fn verdict(explanations: &[Explanation]) -> Decision {
    let decisions = explanations.iter().map(|e| e.response.decision);
    if decisions.clone().any(|d| d == Decision::ExplicitDeny) {
        Decision::ExplicitDeny
    } else if decisions.clone().all(|d| d == Decision::Allow) {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A decision's name padded to `width`, in its colour on a terminal (the padding outside the
/// colour codes, so columns stay aligned).
fn decision_cell(decision: Decision, width: usize, color: bool) -> String {
    let pad = " ".repeat(width.saturating_sub(decision.as_str().len()));
    if color {
        format!("{}{pad}", render::paint(decision))
    } else {
        format!("{}{pad}", decision.as_str())
    }
}

fn workflow_human(
    workflow: &Workflow,
    requests: &[Request],
    explanations: &[Explanation],
    color: bool,
) -> String {
    let mut out = String::new();
    for (e, r) in explanations.iter().zip(requests) {
        let reason = match e.response.decision {
            Decision::Allow => String::new(),
            _ => format!("  {}", e.response.reason),
        };
        out.push_str(&format!(
            "{} {} on {}{reason}\n",
            decision_cell(e.response.decision, 13, color),
            r.action(),
            printable(r.resource())
        ));
    }
    let denied = explanations
        .iter()
        .filter(|e| e.response.decision != Decision::Allow)
        .count();
    let decision = verdict(explanations);
    out.push_str(&format!(
        "{}: {} ({} of {} actions denied) — {}\n",
        workflow.name,
        decision_cell(decision, 0, color),
        denied,
        explanations.len(),
        workflow.description
    ));
    out.push_str(&repository_region_line(requests));
    if !workflow.documented.is_empty() {
        out.push_str(&format!(
            "warning: the AWS guide also lists {} for this task; not every client needs it, so the verdict leaves it out (source: {})\n",
            workflow.documented.join(", "),
            workflow.source
        ));
    }
    for (e, r) in explanations.iter().zip(requests) {
        let Some(fix) = e
            .fix
            .as_ref()
            .filter(|_| e.response.decision != Decision::Allow)
        else {
            continue;
        };
        out.push_str(&format!(
            "fix for {}: {}\n",
            r.action(),
            printable(&render::advice(fix, e, r))
        ));
        for change in &fix.changes {
            out.push_str(&format!(
                "  in the {}: {}\n",
                change.role,
                change.statement.to_json()
            ));
        }
    }
    if denied > 0 {
        out.push_str("(run `ecrsim check` with --action for the statement-by-statement explanation, or `ecrsim fix` for the corrected policy)\n");
    }
    out
}

/// The `assumed:` line for the account-level actions of a workflow sent to its repository's
/// Region (`docker login`), or nothing.
fn repository_region_line(requests: &[Request]) -> String {
    use ecrsim_engine::AssumedSource;
    let mut region = None;
    let mut actions = Vec::new();
    for r in requests {
        if let Some((value, AssumedSource::WorkflowRepository)) = r.requested_region() {
            region = Some(value);
            actions.push(r.action());
        }
    }
    match region {
        Some(region) => format!(
            "assumed: aws:RequestedRegion={region} for {} (the Region of the workflow's repository, whose registry docker logs in to; pin it with --region)\n",
            actions.join(", ")
        ),
        None => String::new(),
    }
}

fn workflow_json(
    workflow: &Workflow,
    requests: &[Request],
    explanations: &[Explanation],
    set: &PolicySet,
) -> serde_json::Value {
    let results: Vec<serde_json::Value> = explanations
        .iter()
        .zip(requests)
        .map(|(e, r)| render::json(e, r, set))
        .collect();
    json!({
        "decision": verdict(explanations).as_str(),
        "workflow": workflow.name,
        "description": workflow.description,
        "documented": workflow.documented,
        "source": workflow.source,
        "results": results,
    })
}

#[cfg(test)]
mod color_tests {
    use super::*;

    #[test]
    fn a_workflow_row_colours_its_decision_and_keeps_the_column() {
        assert_eq!(decision_cell(Decision::Allow, 13, false), "Allow        ");
        assert_eq!(
            decision_cell(Decision::ImplicitDeny, 13, true),
            "\x1b[1;33mImplicitDeny\x1b[0m "
        );
        assert_eq!(
            decision_cell(Decision::ExplicitDeny, 0, true),
            "\x1b[1;31mExplicitDeny\x1b[0m"
        );
    }
}
