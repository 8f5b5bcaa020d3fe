//! `ecrsim batch`: JSON Lines in, one JSON line out per input line, in order.
//!
//! The input schema is a contract shared with other simulators (README.md, "Batch"). A bad line
//! yields an `"Error"` line and the batch goes on. Fields for policy types that are not evaluated
//! yet yield an `"Error"` naming the field, never a decision that ignores them.

use std::io::{BufRead, BufWriter, Write};
use std::sync::Arc;

use ecrsim_engine::json::{self, Json, Value as JsonValue};
use ecrsim_engine::policy::Source;
use ecrsim_engine::{
    Context, Policy, PolicyKind, PolicyRole, PolicySet, Request, explain, parse_policy_input,
    policy_from_json,
};
use serde_json::{Value, json};

use crate::input::check_account;
use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, render};

const TOP_FIELDS: &[&str] = &[
    "id",
    "identityPolicies",
    "resourcePolicy",
    "permissionBoundary",
    "scps",
    "rcps",
    "sessionPolicy",
    "vpcEndpointPolicy",
    "request",
];
const REQUEST_FIELDS: &[&str] = &[
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
];

/// Runs `batch` over standard input; exit 0 unless input could not be read.
pub fn run() -> u8 {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match process(stdin, stdout) {
        Ok(()) => EXIT_ALLOWED,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

/// Evaluates every line of `input` and writes one result line per input line to `output`.
pub fn process(input: impl BufRead, output: impl Write) -> std::io::Result<()> {
    let mut output = BufWriter::new(output);
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let result = evaluate_line(&line, i + 1);
        serde_json::to_writer(&mut output, &result)?;
        output.write_all(b"\n")?;
    }
    output.flush()
}

/// Evaluates one input line (1-based `number`, used in messages) into its output object.
pub fn evaluate_line(line: &str, number: usize) -> Value {
    let parsed = match json::parse_str(line) {
        Ok(parsed) => parsed,
        Err(e) => {
            return error_line(
                Value::Null,
                format!(
                    "line {number}: invalid JSON at column {}: {}",
                    e.pos.column, e.message
                ),
            );
        }
    };
    let id = parsed
        .get("id")
        .and_then(|m| serde_json::from_str(&m.value.to_json_string()).ok())
        .unwrap_or(Value::Null);
    match decide(&parsed, line, number) {
        Ok(value) => {
            let mut value = value;
            if let Value::Object(map) = &mut value {
                map.insert("id".into(), id);
            }
            value
        }
        Err(message) => error_line(id, message),
    }
}

fn error_line(id: Value, message: String) -> Value {
    json!({"id": id, "decision": "Error", "error": message})
}

fn decide(line: &Json, text: &str, number: usize) -> Result<Value, String> {
    let JsonValue::Object(members) = &line.value else {
        return Err(format!(
            "line {number}: expected a JSON object, found {}",
            line.value.type_name()
        ));
    };
    for m in members {
        if !TOP_FIELDS.contains(&m.key.as_str()) {
            return Err(format!(
                "unknown field `{}`: expected one of {}",
                m.key,
                TOP_FIELDS.join(", ")
            ));
        }
    }
    let mut set = PolicySet::new();
    let mut names = Vec::new();
    let mut add = |role: PolicyRole, doc: &Json, name: String| -> Result<(), String> {
        let policy = load_embedded(doc, text, &format!("line {number}: {name}"), role.kind())?;
        set.add_as(role, policy).map_err(|e| e.to_string())?;
        names.push(name);
        Ok(())
    };
    let field = |key: &str| {
        line.get(key)
            .map(|m| &m.value)
            .filter(|v| v.value != JsonValue::Null)
    };
    if let Some(docs) = field("identityPolicies") {
        let JsonValue::Array(docs) = &docs.value else {
            return Err(format!(
                "`identityPolicies` must be an array of policy documents, found {}",
                docs.value.type_name()
            ));
        };
        for (i, doc) in docs.iter().enumerate() {
            add(PolicyRole::Identity, doc, format!("identityPolicies[{i}]"))?;
        }
    }
    let singles = [
        ("resourcePolicy", PolicyRole::Resource),
        ("permissionBoundary", PolicyRole::Boundary),
        ("sessionPolicy", PolicyRole::Session),
        ("vpcEndpointPolicy", PolicyRole::VpcEndpoint),
    ];
    for (key, role) in singles {
        if let Some(doc) = field(key) {
            add(role, doc, key.to_string())?;
        }
    }
    for (key, scp) in [("scps", true), ("rcps", false)] {
        let Some(value) = field(key) else { continue };
        for (level, name, doc) in organization_levels(value, key)? {
            let role = if scp {
                PolicyRole::Scp(level)
            } else {
                PolicyRole::Rcp(level)
            };
            add(role, doc, name)?;
        }
    }
    let request = line.get("request").ok_or("missing `request`")?;
    let JsonValue::Object(fields) = &request.value.value else {
        return Err(format!(
            "`request` must be an object, found {}",
            request.value.value.type_name()
        ));
    };
    for f in fields {
        if !REQUEST_FIELDS.contains(&f.key.as_str()) {
            return Err(format!(
                "unknown field `request.{}`: expected one of {}",
                f.key,
                REQUEST_FIELDS.join(", ")
            ));
        }
    }
    let string_field = |key: &str| -> Result<Option<&str>, String> {
        match request.value.get(key).map(|m| &m.value.value) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(JsonValue::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(format!(
                "`request.{key}` must be a string, found {}",
                other.type_name()
            )),
        }
    };
    let action = string_field("action")?.ok_or("missing `request.action`")?;
    let resource = string_field("resource")?.ok_or("missing `request.resource`")?;
    let principal = string_field("principal")?;
    let resource_account = string_field("resourceAccount")?;
    if let Some(account) = resource_account {
        check_account(account).map_err(|e| format!("`request.resourceAccount`: {e}"))?;
    }
    let context = match request.value.get("context") {
        None => Context::new(),
        Some(m) if m.value.value == JsonValue::Null => Context::new(),
        Some(m) => Context::from_json(&m.value)
            .map_err(|(_, message)| format!("`request.context`: {message}"))?,
    };
    let mut request = Request::new(action, resource, principal)
        .map_err(|e| e.to_string())?
        .with_context(context);
    if let Some(account) = resource_account {
        request = request.with_resource_account(account);
    }
    let explanation = explain(&set, &request);
    let deciding: Vec<Value> = explanation
        .response
        .deciding
        .iter()
        .map(|&at| render::statement_ref_json(&set, at, &names))
        .collect();
    Ok(json!({
        "decision": explanation.response.decision.as_str(),
        "reason": render::short_reason(&explanation),
        "action": request.action(),
        "resource": request.resource(),
        "deciding": deciding,
        "notes": explanation.notes,
    }))
}

/// A policy given inline, as a JSON object or as a string holding JSON text (which may also be
/// one of the AWS CLI output shapes).
fn load_embedded(doc: &Json, line: &str, name: &str, kind: PolicyKind) -> Result<Policy, String> {
    match &doc.value {
        JsonValue::String(text) => {
            parse_policy_input(name, text.as_bytes(), kind).map_err(|e| e.to_string())
        }
        _ => {
            let source = Arc::new(Source {
                name: name.to_string(),
                text: Arc::from(line),
            });
            policy_from_json(source, doc, kind).map_err(|e| e.to_string())
        }
    }
}

/// `scps`/`rcps`: a list of documents (one level), or `[{"orgIdentifier", "policies"}]` (one
/// level each, root first). Returns (level, name, document).
fn organization_levels<'j>(
    value: &'j Json,
    key: &str,
) -> Result<Vec<(usize, String, &'j Json)>, String> {
    let JsonValue::Array(items) = &value.value else {
        return Err(format!(
            "`{key}` must be an array, found {}",
            value.value.type_name()
        ));
    };
    let leveled = items
        .iter()
        .any(|i| i.get("policies").is_some() || i.get("orgIdentifier").is_some());
    if !leveled {
        return Ok(items
            .iter()
            .enumerate()
            .map(|(i, doc)| (0, format!("{key}[{i}]"), doc))
            .collect());
    }
    let mut out = Vec::new();
    for (level, item) in items.iter().enumerate() {
        let JsonValue::Object(members) = &item.value else {
            return Err(format!(
                "`{key}[{level}]` must be an object with `orgIdentifier` and `policies`"
            ));
        };
        if let Some(m) = members
            .iter()
            .find(|m| m.key != "orgIdentifier" && m.key != "policies")
        {
            return Err(format!(
                "unknown field `{key}[{level}].{}`: expected orgIdentifier, policies",
                m.key
            ));
        }
        let id = match item.get("orgIdentifier").map(|m| &m.value.value) {
            Some(JsonValue::String(s)) => s.clone(),
            None => format!("level{level}"),
            Some(other) => {
                return Err(format!(
                    "`{key}[{level}].orgIdentifier` must be a string, found {}",
                    other.type_name()
                ));
            }
        };
        let Some(JsonValue::Array(docs)) = item.get("policies").map(|m| &m.value.value) else {
            return Err(format!(
                "`{key}[{level}].policies` must be an array of policy documents"
            ));
        };
        for (i, doc) in docs.iter().enumerate() {
            out.push((level, format!("{key}[{id}][{i}]"), doc));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Repo","Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;

    fn line(request: &str) -> String {
        format!(r#"{{"id":7,"identityPolicies":[{POLICY}],"request":{request}}}"#)
    }

    #[test]
    fn decides_and_echoes_the_id() {
        let out = evaluate_line(
            &line(
                r#"{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}"#,
            ),
            1,
        );
        assert_eq!(out["decision"], "Allow");
        assert_eq!(out["id"], 7);
        assert_eq!(out["deciding"][0]["sid"], "Repo");
        let out = evaluate_line(
            &line(r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#),
            1,
        );
        assert_eq!(out["decision"], "ImplicitDeny");
        assert!(
            out["reason"]
                .as_str()
                .unwrap()
                .contains("does not support resource-level permissions")
        );
    }

    #[test]
    fn bad_lines_are_error_lines() {
        let cases = [
            ("{", "invalid JSON"),
            (
                r#"{"request":{"action":"ecr:PutImages","resource":"*"}}"#,
                "did you mean `ecr:PutImage`",
            ),
            (
                r#"{"resourcePolicy":{"Statement":{"Effect":"Allow","Action":"ecr:*"}},"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "missing `Principal`",
            ),
            (
                r#"{"scps":[{"orgIdentifier":"r-1","policy":[]}],"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "unknown field `scps[0].policy`",
            ),
            (r#"{"extra":1,"request":{}}"#, "unknown field `extra`"),
            (
                r#"{"identityPolicies":[{"Statement":{"Effect":"allow","Action":"ecr:*","Resource":"*"}}],"request":{"action":"ecr:PutImage","resource":"*"}}"#,
                "/Statement/Effect",
            ),
            (
                r#"{"request":{"action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:1:repository/a","context":{"k":{}}}}"#,
                "context key `k`",
            ),
        ];
        for (input, expected) in cases {
            let out = evaluate_line(input, 1);
            assert_eq!(out["decision"], "Error", "{input}");
            let error = out["error"].as_str().unwrap();
            assert!(error.contains(expected), "{input}: {error}");
        }
    }

    #[test]
    fn one_output_line_per_input_line() {
        let input = format!(
            "{}\n\n{}\n",
            line(r#"{"action":"ecr:PutImage","resource":"*"}"#),
            line(r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#)
        );
        let mut out = Vec::new();
        process(input.as_bytes(), &mut out).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let decisions: Vec<&str> = lines
            .iter()
            .map(|l| l["decision"].as_str().unwrap())
            .collect();
        assert_eq!(decisions, ["Error", "Error", "ImplicitDeny"]);
    }
}
