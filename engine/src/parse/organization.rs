//! Reads an organization file (format in `docs/organization.md`) into an [`Organization`].
//!
//! Policies are given by file path (relative to the organization file, read through the caller's
//! loader: the engine does no I/O), inline as a document, or as the output of
//! `aws organizations describe-policy`. A node the file gives no `scps` has `FullAWSAccess`, as
//! AWS attaches it to every new root, OU and account; an explicit empty list is an error, since
//! AWS keeps at least one SCP attached at every level.

use std::sync::Arc;

use serde_json::Value;

use crate::model::organization::{Node, NodeKind, Organization};
use crate::model::policy::{Policy, PolicyKind, Source};
use crate::parse::parse_policy_input;

/// The SCP AWS attaches to every root, OU and account when SCPs are enabled.
pub(crate) const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// An organization file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct OrganizationError {
    /// What is wrong, lower case, no final period.
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, OrganizationError> {
    Err(OrganizationError {
        message: message.into(),
    })
}

/// Reads the organization file `name` (its text in `bytes`); `load` reads a policy file named
/// relative to it.
pub fn parse_organization(
    name: &str,
    bytes: &[u8],
    load: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<Organization, OrganizationError> {
    let json: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return err(format!("{name}: not JSON: {e}")),
    };
    let Some(top) = json.as_object() else {
        return err(format!("{name}: expected a JSON object"));
    };
    for key in top.keys() {
        if !matches!(key.as_str(), "id" | "managementAccount" | "root") {
            return err(format!(
                "{name}: unknown field `{key}` (expected id, managementAccount, root)"
            ));
        }
    }
    let id = match top.get("id").and_then(Value::as_str) {
        Some(id) if id.starts_with("o-") => id.to_string(),
        _ => return err(format!("{name}: `id` must be the organization id, `o-…`")),
    };
    let management_account = match top.get("managementAccount") {
        None => None,
        Some(Value::String(a)) if crate::model::arn::is_account_id(a) => Some(a.clone()),
        Some(other) => {
            return err(format!(
                "{name}: `managementAccount` must be a 12-digit account id, found {other}"
            ));
        }
    };
    let Some(root) = top.get("root") else {
        return err(format!("{name}: missing `root`"));
    };
    let mut reader = Reader { file: name, load };
    let root = reader.node(root, NodeKind::Root, "root")?;
    let org = Organization {
        id,
        management_account,
        root,
    };
    let mut seen = std::collections::BTreeSet::new();
    check_unique(&org.root, &mut seen, name)?;
    if let Some(m) = &org.management_account
        && !org.contains(m)
    {
        return err(format!(
            "{name}: the management account {m} is not under the root: list it in an `accounts` array"
        ));
    }
    Ok(org)
}

fn check_unique<'a>(
    node: &'a Node,
    seen: &mut std::collections::BTreeSet<&'a str>,
    file: &str,
) -> Result<(), OrganizationError> {
    if !seen.insert(node.id.as_str()) {
        return err(format!("{file}: `{}` appears twice", node.id));
    }
    node.children
        .iter()
        .try_for_each(|c| check_unique(c, seen, file))
}

struct Reader<'a> {
    file: &'a str,
    load: &'a mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
}

impl Reader<'_> {
    fn node(&mut self, value: &Value, kind: NodeKind, at: &str) -> Result<Node, OrganizationError> {
        let file = self.file;
        if kind == NodeKind::Account
            && let Value::String(id) = value
        {
            return self.account(id, None, at);
        }
        let Some(object) = value.as_object() else {
            return err(format!("{file}: {at}: expected an object"));
        };
        let allowed: &[&str] = match kind {
            NodeKind::Root => &["id", "policies", "ous", "accounts"],
            NodeKind::Unit(_) => &["id", "name", "policies", "ous", "accounts"],
            NodeKind::Account => &["id", "name", "policies"],
        };
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                return err(format!(
                    "{file}: {at}: unknown field `{key}` (expected {})",
                    allowed.join(", ")
                ));
            }
        }
        let id = object.get("id").and_then(Value::as_str).unwrap_or("");
        let (prefix, what) = match kind {
            NodeKind::Root => ("r-", "a root id, `r-…`"),
            NodeKind::Unit(_) => ("ou-", "an OU id, `ou-…`"),
            NodeKind::Account => ("", "a 12-digit account id"),
        };
        if kind == NodeKind::Account {
            return self.account(id, object.get("policies"), at);
        }
        if !id.starts_with(prefix) {
            return err(format!("{file}: {at}: `id` must be {what}"));
        }
        let kind = match kind {
            NodeKind::Unit(_) => match object.get("name").and_then(Value::as_str) {
                Some(name) if !name.is_empty() => NodeKind::Unit(name.to_string()),
                _ => return err(format!("{file}: {at} ({id}): an OU needs a `name`")),
            },
            other => other,
        };
        let mut node = Node {
            id: id.to_string(),
            kind,
            ..Node::default()
        };
        let label = node.label();
        (node.scps, node.rcps) = self.policies(object.get("policies"), &label)?;
        for (key, child_kind) in [
            ("ous", NodeKind::Unit(String::new())),
            ("accounts", NodeKind::Account),
        ] {
            match object.get(key) {
                None => {}
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let child_at = format!("{label}: {key}[{i}]");
                        node.children
                            .push(self.node(item, child_kind.clone(), &child_at)?);
                    }
                }
                Some(_) => return err(format!("{file}: {label}: `{key}` must be an array")),
            }
        }
        Ok(node)
    }

    fn account(
        &mut self,
        id: &str,
        policies: Option<&Value>,
        at: &str,
    ) -> Result<Node, OrganizationError> {
        if !crate::model::arn::is_account_id(id) {
            return err(format!(
                "{}: {at}: an account must be a 12-digit account id, found `{id}`",
                self.file
            ));
        }
        let mut node = Node {
            id: id.to_string(),
            kind: NodeKind::Account,
            ..Node::default()
        };
        let label = node.label();
        (node.scps, node.rcps) = self.policies(policies, &label)?;
        Ok(node)
    }

    /// The `policies` object of a node: its SCPs (default `FullAWSAccess`) and RCPs.
    fn policies(
        &mut self,
        value: Option<&Value>,
        label: &str,
    ) -> Result<(Vec<Policy>, Vec<Policy>), OrganizationError> {
        let file = self.file;
        let object = match value {
            None => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => return err(format!("{file}: {label}: `policies` must be an object")),
        };
        if let Some(object) = object {
            for key in object.keys() {
                if !matches!(key.as_str(), "scps" | "rcps") {
                    return err(format!(
                        "{file}: {label}: unknown field `policies.{key}` (expected scps, rcps)"
                    ));
                }
            }
        }
        let list = |key: &str| object.and_then(|o| o.get(key));
        let scps = match list("scps") {
            None => vec![named(
                builtin_full_access()?,
                &format!("SCP FullAWSAccess at {label}"),
            )],
            Some(Value::Array(items)) if items.is_empty() => {
                return err(format!(
                    "{file}: {label} has no SCP: AWS keeps at least one attached at every level (leave `scps` out for the default FullAWSAccess)"
                ));
            }
            Some(v) => self.list(v, PolicyKind::Scp, label)?,
        };
        let rcps = match list("rcps") {
            None => Vec::new(),
            Some(v) => self.list(v, PolicyKind::Rcp, label)?,
        };
        Ok((scps, rcps))
    }

    fn list(
        &mut self,
        value: &Value,
        kind: PolicyKind,
        label: &str,
    ) -> Result<Vec<Policy>, OrganizationError> {
        let file = self.file;
        let (what, key) = match kind {
            PolicyKind::Scp => ("SCP", "scps"),
            _ => ("RCP", "rcps"),
        };
        let Value::Array(items) = value else {
            return err(format!("{file}: {label}: `{key}` must be an array"));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (name, policy) = match item {
                Value::String(s) if s == "FullAWSAccess" && kind == PolicyKind::Scp => {
                    ("FullAWSAccess".to_string(), builtin_full_access()?)
                }
                Value::String(s) if s == "RCPFullAWSAccess" && kind == PolicyKind::Rcp => {
                    // Attached everywhere already: listing it changes nothing.
                    continue;
                }
                Value::String(path) => {
                    let bytes = (self.load)(path)
                        .or_else(|e| err(format!("{file}: {label}: {key}[{i}]: {e}")))?;
                    let policy = parse_policy_input(path, &bytes, kind)
                        .or_else(|e| err(format!("{file}: {label}: {key}[{i}]: {e}")))?;
                    // A `describe-policy` output names its policy; a bare document is named
                    // after its file.
                    let name = serde_json::from_slice::<Value>(&bytes)
                        .ok()
                        .and_then(|v| {
                            v.pointer("/Policy/PolicySummary/Name")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| stem(path));
                    (name, policy)
                }
                Value::Object(o) => {
                    let (name, document) = match (o.get("name"), o.get("document")) {
                        (Some(Value::String(n)), Some(d)) => (n.clone(), d.clone()),
                        _ => {
                            let n = item
                                .pointer("/Policy/PolicySummary/Name")
                                .and_then(Value::as_str)
                                .map_or_else(|| format!("{key}[{i}]"), str::to_string);
                            (n, item.clone())
                        }
                    };
                    let text = document.to_string();
                    let source = format!("{file} ({label}, {key}[{i}])");
                    let policy = parse_policy_input(&source, text.as_bytes(), kind)
                        .or_else(|e| err(format!("{e}")))?;
                    (name, policy)
                }
                _ => {
                    return err(format!(
                        "{file}: {label}: {key}[{i}] must be a file path or a policy document"
                    ));
                }
            };
            out.push(named(policy, &format!("{what} {name} at {label}")));
        }
        Ok(out)
    }
}

fn builtin_full_access() -> Result<Policy, OrganizationError> {
    parse_policy_input("FullAWSAccess", FULL_AWS_ACCESS.as_bytes(), PolicyKind::Scp)
        .or_else(|e| err(e.to_string()))
}

/// A file path's name without folders and `.json`.
fn stem(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base.strip_suffix(".json").unwrap_or(base).to_string()
}

/// The policy under the name the explanation shows (`SCP DenyRegions at OU Workloads`).
fn named(mut policy: Policy, name: &str) -> Policy {
    policy.source = Arc::new(Source {
        name: name.to_string(),
        text: policy.source.text.clone(),
    });
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Organization, OrganizationError> {
        let mut load = |path: &str| -> Result<Vec<u8>, String> {
            match path {
                "deny.json" => Ok(
                    br#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecr:*","Resource":"*"}]}"#
                        .to_vec(),
                ),
                other => Err(format!("cannot read {other}")),
            }
        };
        parse_organization("org.json", text.as_bytes(), &mut load)
    }

    #[test]
    fn nodes_without_scps_get_full_aws_access_and_policies_are_named_by_where_they_are() {
        let org = read(
            r#"{"id":"o-abc","managementAccount":"999999999999","root":{"id":"r-ab12",
                "accounts":["999999999999"],
                "ous":[{"id":"ou-ab12-1","name":"Workloads","policies":{"scps":["FullAWSAccess","deny.json"]},
                        "accounts":[{"id":"111122223333","name":"prod"}]}]}}"#,
        )
        .unwrap();
        let path = org.path("111122223333").unwrap();
        let names: Vec<Vec<&str>> = path
            .iter()
            .map(|n| n.scps.iter().map(|p| p.source.name.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            [
                vec!["SCP FullAWSAccess at root"],
                vec![
                    "SCP FullAWSAccess at OU Workloads",
                    "SCP deny at OU Workloads"
                ],
                vec!["SCP FullAWSAccess at account 111122223333"],
            ]
        );
        assert_eq!(org.management_account.as_deref(), Some("999999999999"));
    }

    #[test]
    fn an_explicit_empty_scp_list_an_unknown_field_and_a_missing_file_are_errors() {
        let empty = read(r#"{"id":"o-abc","root":{"id":"r-1","policies":{"scps":[]}}}"#);
        assert!(empty.unwrap_err().message.contains("root has no SCP"));
        let unknown = read(r#"{"id":"o-abc","root":{"id":"r-1","children":[]}}"#);
        assert!(
            unknown
                .unwrap_err()
                .message
                .contains("unknown field `children`")
        );
        let missing = read(r#"{"id":"o-abc","root":{"id":"r-1","policies":{"rcps":["x.json"]}}}"#);
        assert!(missing.unwrap_err().message.contains("cannot read x.json"));
        let outside =
            read(r#"{"id":"o-abc","managementAccount":"999999999999","root":{"id":"r-1"}}"#);
        assert!(outside.unwrap_err().message.contains("not under the root"));
    }

    #[test]
    fn describe_policy_output_is_accepted_inline_with_its_name() {
        let org = read(
            r#"{"id":"o-abc","root":{"id":"r-1","policies":{"rcps":[{"Policy":{"PolicySummary":{"Name":"KeepInOrg"},
               "Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}]}"}}]},
               "accounts":["111122223333"]}}"#,
        )
        .unwrap();
        assert_eq!(org.root.rcps[0].source.name, "RCP KeepInOrg at root");
    }
}
