//! `aws iam get-account-authorization-details` dumps (one or several pages) into users and roles
//! with every policy that applies to them: inline, attached managed (customer and AWS, the
//! latter from the bundled data when the dump omits their documents), the groups' of a user, and
//! the permissions boundary.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::eval::authorize::PolicyRole;
use crate::model::policy::{Policy, PolicyKind, Source};
use crate::snapshot::{
    Identity, IdentityKind, InlinePolicy, SnapshotError, SnapshotFile, fail, named, read_tags,
};
use crate::syntax::json::{Json, Value};

/// A user, group or role entry of a dump, not yet resolved.
struct Entry {
    file: String,
    text: Arc<str>,
    json: Json,
}

/// Collects the entries of every page.
#[derive(Default)]
pub(crate) struct IamReader {
    users: Vec<Entry>,
    groups: Vec<Entry>,
    roles: Vec<Entry>,
    /// Managed policies the dumps hold, by ARN: the file and the policy (named by its ARN).
    managed: BTreeMap<String, (String, Policy)>,
    /// Accounts seen in any dump (by ARN), also those with no user or role.
    accounts: Vec<String>,
}

fn string<'a>(json: &'a Json, key: &str) -> Option<&'a str> {
    match &json.get(key)?.value.value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn array<'a>(json: &'a Json, key: &str) -> &'a [Json] {
    match json.get(key).map(|m| &m.value.value) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

fn need<'a>(json: &'a Json, key: &str, file: &str, what: &str) -> Result<&'a str, SnapshotError> {
    string(json, key).map_or_else(
        || {
            fail(format!(
                "{file}:{}: {what} without a `{key}` string (expected the shape of `aws iam get-account-authorization-details`)",
                json.pos
            ))
        },
        Ok,
    )
}

/// The account of an IAM ARN (`arn:aws:iam::111122223333:role/x`).
fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    crate::model::arn::is_account_id(account).then_some(account)
}

/// A policy document as a dump holds it: a JSON object (the AWS CLI decodes it) or a
/// URL-encoded string (the raw API).
fn document(
    file: &str,
    text: &Arc<str>,
    doc: &Json,
    kind: PolicyKind,
    name: &str,
) -> Result<(Policy, String), SnapshotError> {
    let wrap = |e: crate::PolicyError| SnapshotError {
        message: format!("{file}: {name}: {}", e.render()),
    };
    match &doc.value {
        Value::String(encoded) => {
            let decoded = crate::parse::percent_decode_document(encoded);
            let policy =
                crate::parse::parse_policy(&format!("{file} ({name})"), decoded.as_bytes(), kind)
                    .map_err(wrap)?;
            Ok((policy, decoded))
        }
        Value::Object(_) => {
            let source = Arc::new(Source {
                name: file.to_string(),
                text: text.clone(),
            });
            let policy = crate::parse::policy_from_json(source, doc, kind).map_err(wrap)?;
            Ok((policy, doc.to_pretty_string()))
        }
        other => fail(format!(
            "{file}:{}: {name}: found {}, expected a policy document",
            doc.pos,
            other.type_name()
        )),
    }
}

impl IamReader {
    /// Reads one page of a dump; returns the accounts it names.
    pub(crate) fn read(
        &mut self,
        file: &SnapshotFile,
        json: &Json,
    ) -> Result<Vec<String>, SnapshotError> {
        let mut page_accounts: Vec<String> = Vec::new();
        let text: Arc<str> = String::from_utf8_lossy(&file.bytes).into();
        let path = &file.path;
        for (key, list) in [
            ("UserDetailList", &mut self.users),
            ("GroupDetailList", &mut self.groups),
            ("RoleDetailList", &mut self.roles),
        ] {
            match json.get(key).map(|m| &m.value) {
                None => {}
                Some(Json {
                    value: Value::Array(items),
                    ..
                }) => {
                    for item in items {
                        let arn = need(item, "Arn", path, key)?;
                        if let Some(a) = arn_account(arn)
                            && !page_accounts.iter().any(|x| x == a)
                        {
                            page_accounts.push(a.to_string());
                        }
                        match arn_account(arn) {
                            Some(a) if !self.accounts.iter().any(|x| x == a) => {
                                self.accounts.push(a.to_string());
                            }
                            Some(_) => {}
                            None => {
                                return fail(format!(
                                    "{path}:{}: `{arn}` is not an IAM ARN with a 12-digit account",
                                    item.pos
                                ));
                            }
                        }
                        list.push(Entry {
                            file: path.clone(),
                            text: text.clone(),
                            json: item.clone(),
                        });
                    }
                }
                Some(other) => {
                    return fail(format!("{path}:{}: `{key}` must be a list", other.pos));
                }
            }
        }
        for policy in array(json, "Policies") {
            let arn = need(policy, "Arn", path, "a managed policy")?;
            let default = need(policy, "DefaultVersionId", path, "a managed policy")?;
            let version = array(policy, "PolicyVersionList").iter().find(|v| {
                string(v, "VersionId") == Some(default)
                    || matches!(
                        v.get("IsDefaultVersion").map(|m| &m.value.value),
                        Some(Value::Bool(true))
                    )
            });
            let Some(doc) = version.and_then(|v| v.get("Document")) else {
                return fail(format!(
                    "{path}:{}: managed policy {arn} has no document for its default version {default} in `PolicyVersionList`",
                    policy.pos
                ));
            };
            let (parsed, _) = document(path, &text, &doc.value, PolicyKind::Identity, arn)?;
            if let Some((first, _)) = self.managed.get(arn) {
                return fail(format!(
                    "{path}: managed policy {arn} is also in {first}: give each page of the dump once"
                ));
            }
            self.managed.insert(arn.to_string(), (path.clone(), parsed));
        }
        Ok(page_accounts)
    }

    /// The accounts the dumps hold.
    pub(crate) fn accounts(&self) -> Vec<String> {
        self.accounts.clone()
    }

    /// Every user and role with its policies resolved.
    pub(crate) fn finish(&self) -> Result<Vec<Identity>, SnapshotError> {
        let mut seen = BTreeMap::new();
        for entry in self.users.iter().chain(&self.groups).chain(&self.roles) {
            let arn = string(&entry.json, "Arn").unwrap_or_default();
            if let Some(first) = seen.insert(arn.to_string(), entry.file.clone()) {
                return fail(format!(
                    "{}: {arn} is also in {first}: give each page of the dump once",
                    entry.file
                ));
            }
        }
        let mut identities = Vec::new();
        for entry in &self.users {
            identities.push(self.identity(entry, IdentityKind::User)?);
        }
        for entry in &self.roles {
            identities.push(self.identity(entry, IdentityKind::Role)?);
        }
        Ok(identities)
    }

    fn identity(&self, entry: &Entry, kind: IdentityKind) -> Result<Identity, SnapshotError> {
        let file = &entry.file;
        let json = &entry.json;
        let (name_key, inline_key) = match kind {
            IdentityKind::User => ("UserName", "UserPolicyList"),
            IdentityKind::Role => ("RoleName", "RolePolicyList"),
        };
        let name = need(json, name_key, file, kind.as_str())?.to_string();
        let arn = need(json, "Arn", file, kind.as_str())?.to_string();
        let account = arn_account(&arn).unwrap_or_default().to_string();
        let owner = format!("{kind} {name}");
        let mut identity = Identity {
            kind,
            name,
            arn,
            account,
            tags: read_tags(json.get("Tags").map(|m| &m.value), file)?,
            policies: Vec::new(),
            inline: Vec::new(),
            groups: Vec::new(),
            trust_policy: match json.get("AssumeRolePolicyDocument").map(|m| &m.value) {
                Some(Json {
                    value: Value::String(encoded),
                    ..
                }) => Some(crate::parse::percent_decode_document(encoded)),
                Some(doc) if kind == IdentityKind::Role => Some(doc.to_pretty_string()),
                _ => None,
            },
            file: file.clone(),
        };
        self.attach(entry, inline_key, &owner, &mut identity, true)?;
        if kind == IdentityKind::User {
            for group in array(json, "GroupList") {
                let Value::String(group_name) = &group.value else {
                    return fail(format!(
                        "{file}:{}: `GroupList` must list group names",
                        group.pos
                    ));
                };
                let Some(group_entry) = self.groups.iter().find(|g| {
                    string(&g.json, "GroupName") == Some(group_name)
                        && string(&g.json, "Arn").and_then(arn_account)
                            == Some(identity.account.as_str())
                }) else {
                    return fail(format!(
                        "{file}:{}: {owner} is in group `{group_name}`, which no `GroupDetailList` of account {} holds: give every page of the dump",
                        group.pos, identity.account
                    ));
                };
                identity.groups.push(group_name.clone());
                let label = format!("{owner}: group {group_name}");
                self.attach(group_entry, "GroupPolicyList", &label, &mut identity, false)?;
            }
        }
        if let Some(boundary) = json.get("PermissionsBoundary") {
            let Some(policy_arn) = string(&boundary.value, "PermissionsBoundaryArn") else {
                return fail(format!(
                    "{file}:{}: `PermissionsBoundary` without a `PermissionsBoundaryArn`",
                    boundary.value.pos
                ));
            };
            let (label, policy) = self.managed_policy(policy_arn, file, &owner)?;
            // A boundary takes the same elements as an identity-based policy.
            let policy = Policy {
                kind: PolicyKind::Boundary,
                ..policy
            };
            identity.policies.push((
                PolicyRole::Boundary,
                named(policy, &format!("{owner}: permissions boundary {label}")),
            ));
        }
        Ok(identity)
    }

    /// Adds the inline and attached managed policies of `entry` (the identity itself, or one of
    /// a user's groups) to `identity`.
    fn attach(
        &self,
        entry: &Entry,
        inline_key: &str,
        owner: &str,
        identity: &mut Identity,
        own: bool,
    ) -> Result<(), SnapshotError> {
        let file = &entry.file;
        for inline in array(&entry.json, inline_key) {
            let name = need(inline, "PolicyName", file, "an inline policy")?;
            let Some(doc) = inline.get("PolicyDocument") else {
                return fail(format!(
                    "{file}:{}: inline policy `{name}` without a `PolicyDocument`",
                    inline.pos
                ));
            };
            let label = format!("{owner}: inline {name}");
            let (policy, text) =
                document(file, &entry.text, &doc.value, PolicyKind::Identity, &label)?;
            identity
                .policies
                .push((PolicyRole::Identity, named(policy, &label)));
            if own {
                identity.inline.push(InlinePolicy {
                    name: name.to_string(),
                    label,
                    document: text,
                });
            }
        }
        for attached in array(&entry.json, "AttachedManagedPolicies") {
            let policy_arn = need(attached, "PolicyArn", file, "an attached managed policy")?;
            let (label, policy) = self.managed_policy(policy_arn, file, owner)?;
            identity.policies.push((
                PolicyRole::Identity,
                named(policy, &format!("{owner}: attached {label}")),
            ));
        }
        Ok(())
    }

    /// A managed policy by ARN: from the dump, else (AWS managed) from the bundled data. The
    /// label says which kind it is (`AWS managed NAME`, `customer managed NAME`).
    fn managed_policy(
        &self,
        arn: &str,
        file: &str,
        owner: &str,
    ) -> Result<(String, Policy), SnapshotError> {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let aws_managed = arn.split(':').nth(4) == Some("aws");
        let label = if aws_managed {
            format!("AWS managed {name}")
        } else {
            format!("customer managed {name}")
        };
        if let Some((_, policy)) = self.managed.get(arn) {
            return Ok((label, policy.clone()));
        }
        if aws_managed && let Some(bundled) = crate::data::managed::find(arn) {
            let policy = crate::parse::parse_policy(
                &format!("managed:{}", bundled.name()),
                bundled.document().as_bytes(),
                PolicyKind::Identity,
            )
            .map_err(|e| SnapshotError {
                message: format!("bundled AWS managed policy {arn}: {e}"),
            })?;
            return Ok((label, policy));
        }
        fail(format!(
            "{file}: {owner} has {arn} attached, but no page of the dump holds its document{}",
            if aws_managed {
                " and ecrsim's bundled AWS managed policies do not have it: dump with `--filter LocalManagedPolicy AWSManagedPolicy ...` (or without --filter)"
            } else {
                ": give every page of `aws iam get-account-authorization-details` of its account"
            }
        ))
    }
}
