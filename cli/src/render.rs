//! Human and JSON renderings of an [`Explanation`]. The JSON schema is documented in README.md.

use ecrsim_engine::{Decision, Explanation, Mismatch, PolicySet, Request};
use serde_json::{Value, json};

/// The human report, with the decision line coloured when `color` is set.
pub fn human(explanation: &Explanation, request: &Request, color: bool) -> String {
    let text = explanation.render(request);
    if !color {
        return text;
    }
    let code = match explanation.response.decision {
        Decision::Allow => "32",
        Decision::ExplicitDeny => "31",
        Decision::ImplicitDeny => "33",
    };
    let decision = explanation.response.decision.as_str();
    match text.strip_prefix(decision) {
        Some(rest) => format!("\x1b[1;{code}m{decision}\x1b[0m{rest}"),
        None => text,
    }
}

fn mismatch_kind(m: &Mismatch) -> &'static str {
    match m {
        Mismatch::ActionNotListed { .. } => "ActionNotListed",
        Mismatch::ActionExcluded { .. } => "ActionExcluded",
        Mismatch::ResourceNotMatched { .. } => "ResourceNotMatched",
        Mismatch::AccountLevelAction { .. } => "AccountLevelAction",
        Mismatch::ResourceExcluded { .. } => "ResourceExcluded",
        Mismatch::Condition { .. } => "Condition",
        Mismatch::PrincipalNotNamed { .. } => "PrincipalNotNamed",
        Mismatch::PrincipalExempted { .. } => "PrincipalExempted",
    }
}

fn mismatch_json(m: &Mismatch) -> Value {
    let mut value = json!({
        "element": m.element(),
        "kind": mismatch_kind(m),
        "message": m.to_string(),
    });
    if let (Mismatch::Condition { key, operator, .. }, Value::Object(map)) = (m, &mut value) {
        map.insert("key".into(), Value::String(key.clone()));
        map.insert("operator".into(), Value::String(operator.clone()));
    }
    value
}

/// A deciding statement as `{"policy", "index", "sid"}`.
pub fn statement_ref_json(
    set: &PolicySet,
    at: ecrsim_engine::StatementRef,
    policy_names: &[String],
) -> Value {
    let found = set.statement(at);
    let sid = found
        .and_then(|(_, _, s)| s.sid.clone())
        .map_or(Value::Null, Value::String);
    let role = found.map_or(Value::Null, |(role, _, _)| Value::String(role.to_string()));
    let policy = policy_names
        .get(at.policy)
        .cloned()
        .unwrap_or_else(|| at.policy.to_string());
    json!({"policy": policy, "policyType": role, "index": at.statement, "sid": sid})
}

/// The names of a set's policies as shown in reports: their source names.
pub fn policy_names(set: &PolicySet) -> Vec<String> {
    set.policies()
        .iter()
        .map(|(_, p)| p.source.name.clone())
        .collect()
}

/// The JSON report of `check --format json`.
pub fn json(explanation: &Explanation, request: &Request, set: &PolicySet) -> Value {
    let names = policy_names(set);
    let deciding: Vec<Value> = explanation
        .response
        .deciding
        .iter()
        .map(|&at| statement_ref_json(set, at, &names))
        .collect();
    let statements: Vec<Value> = explanation
        .statements
        .iter()
        .map(|t| {
            let sid = set
                .statement(t.at)
                .and_then(|(_, _, s)| s.sid.clone())
                .map_or(Value::Null, Value::String);
            json!({
                "policy": t.policy_name,
                "policyType": t.role.to_string(),
                "index": t.at.statement,
                "sid": sid,
                "line": t.line,
                "effect": t.effect.to_string(),
                "applies": t.applies(),
                "decides": explanation.response.deciding.contains(&t.at),
                "mismatches": t.mismatches.iter().map(mismatch_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let fix = explanation.fix.as_ref().map_or(Value::Null, |fix| {
        let changes: Vec<Value> = fix
            .changes
            .iter()
            .map(|c| {
                let statement = serde_json::from_str::<Value>(&c.statement).unwrap_or(Value::Null);
                json!({"policyType": c.role.to_string(), "statement": statement})
            })
            .collect();
        let first = changes
            .first()
            .map_or(Value::Null, |c| c["statement"].clone());
        json!({"summary": fix.summary, "statement": first, "changes": changes})
    });
    json!({
        "decision": explanation.response.decision.as_str(),
        "reason": explanation.response.reason.to_string(),
        "action": request.action(),
        "resource": request.resource(),
        "requestedResource": request.given_resource(),
        "accountLevelAction": request.is_account_level(),
        "deciding": deciding,
        "statements": statements,
        "notes": explanation.notes,
        "fix": fix,
    })
}

/// One-line summary used by `batch`: the decision and, for denials, the first reason.
pub fn short_reason(explanation: &Explanation) -> String {
    let deciding: Vec<String> = explanation
        .response
        .deciding
        .iter()
        .filter_map(|at| explanation.statements.iter().find(|t| t.at == *at))
        .map(|t| format!("`{}`", t.label))
        .collect();
    match explanation.response.decision {
        Decision::Allow if deciding.is_empty() => explanation.response.reason.to_string(),
        Decision::Allow => format!("allowed by {}", deciding.join(", ")),
        Decision::ExplicitDeny => format!(
            "denied {} by {}",
            explanation.response.reason,
            deciding.join(", ")
        ),
        Decision::ImplicitDeny => match &explanation.fix {
            Some(fix) => format!("denied {}; {}", explanation.response.reason, fix.summary),
            None => format!("denied {}", explanation.response.reason),
        },
    }
}
