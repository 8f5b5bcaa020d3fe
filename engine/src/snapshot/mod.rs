//! A snapshot of real accounts: a directory of unmodified AWS CLI outputs, recognized by their
//! shape, read into every principal's policies, every repository's and registry's policies and
//! the organization (format and commands in `docs/snapshot.md`).
//!
//! The engine does no I/O: the caller reads the directory and hands over every file with its
//! path relative to the snapshot ([`SnapshotFile`]). A file of an unknown shape, a malformed one,
//! or a policy a principal has attached that neither the dump nor the bundled AWS managed
//! policies hold is an error naming the file and what was expected; nothing is skipped.
//!
//! [`Snapshot::assemble`] gives the policies of one principal against one repository (or an
//! account-level `*`) as a [`crate::PolicySet`] plus the context the snapshot knows (principal
//! and resource tags, the organization); [`query`] answers who-can and can-what over it.

pub(crate) mod ecr;
pub(crate) mod iam;
pub(crate) mod matrix;
pub(crate) mod query;
pub(crate) mod shape;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::eval::authorize::{PolicyRole, PolicySet};
use crate::eval::registry::RegistryScope;
use crate::model::context::{Context, ContextValue};
use crate::model::organization::{OrgScope, Organization};
use crate::model::policy::{Policy, PolicyKind, Source};
use crate::request::Request;

pub(crate) use shape::Shape;

/// One file of the snapshot directory.
#[derive(Clone, Debug)]
pub struct SnapshotFile {
    /// The path relative to the snapshot directory, `/`-separated (`prod/iam.json`).
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl SnapshotFile {
    /// The folder part of the path (`prod` for `prod/iam.json`, empty at the top).
    pub(crate) fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
}

/// A snapshot could not be read: the message names the file and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct SnapshotError {
    /// What is wrong, lower case, no final period.
    pub message: String,
}

pub(crate) fn fail<T>(message: impl Into<String>) -> Result<T, SnapshotError> {
    Err(SnapshotError {
        message: message.into(),
    })
}

/// An IAM user or role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdentityKind {
    /// An IAM user.
    User,
    /// An IAM role (a request comes from a session of it).
    Role,
}

impl IdentityKind {
    /// `user` or `role`, as in ARNs and policy names.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IdentityKind::User => "user",
            IdentityKind::Role => "role",
        }
    }
}

display_as_str!(IdentityKind);

/// An inline policy as the dump holds it, for `fix` to edit.
#[derive(Clone, Debug)]
pub struct InlinePolicy {
    /// The policy name (`PolicyName`).
    pub name: String,
    /// How the explanation names it (`role ci-push: inline push`).
    pub label: String,
    /// The document's JSON text.
    pub document: String,
}

/// A user or role of the snapshot with every policy that applies to it.
#[derive(Clone, Debug)]
pub struct Identity {
    /// User or role.
    pub kind: IdentityKind,
    /// `UserName` / `RoleName`.
    pub name: String,
    /// The user's or role's ARN (with its path).
    pub arn: String,
    /// Its account.
    pub account: String,
    /// Its tags, `Key` → `Value`.
    pub tags: BTreeMap<String, String>,
    /// Its identity-based policies (inline, attached managed, and for a user its groups'), then
    /// its permissions boundary, each named by its real name and attachment.
    pub policies: Vec<(PolicyRole, Policy)>,
    /// Its own inline policies (not its groups'), in the dump's order.
    pub inline: Vec<InlinePolicy>,
    /// For a user, its groups.
    pub groups: Vec<String>,
    /// For a role, its trust policy's JSON text (read as the resource-based policy of
    /// `sts:AssumeRole` requests on the role).
    pub trust_policy: Option<String>,
    /// The file it was read from.
    pub file: String,
}

impl Identity {
    /// `role/ci-push`, `user/alice`.
    pub(crate) fn short_name(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// An ECR repository of the snapshot.
#[derive(Clone, Debug)]
pub struct Repository {
    /// The repository name (`team/app`).
    pub name: String,
    /// `arn:aws:ecr:REGION:ACCOUNT:repository/NAME`.
    pub arn: String,
    /// Its account.
    pub account: String,
    /// Its Region.
    pub region: String,
    /// Its repository policy, if it has one.
    pub policy: Option<Policy>,
    /// Its tags, `Key` → `Value`.
    pub tags: BTreeMap<String, String>,
}

/// One account of the snapshot.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// Its users and roles, users first, each sorted by name.
    pub identities: Vec<Identity>,
    /// Its repositories, sorted by ARN.
    pub repositories: Vec<Repository>,
    /// Its registry policy, if it has one.
    pub registry_policy: Option<Policy>,
    /// Its registry policy scope (V2 unless `get-account-setting` says V1).
    pub registry_scope: RegistryScope,
    /// Whether the registry policy scope was read from the snapshot (else V2 is assumed).
    pub registry_scope_given: bool,
    /// Whether the snapshot holds this account's IAM data (a `get-account-authorization-details`
    /// dump).
    pub has_iam: bool,
    /// Whether the snapshot holds this account's repositories (`describe-repositories`).
    pub has_repositories: bool,
}

/// A whole snapshot.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every account, by id.
    pub accounts: BTreeMap<String, Account>,
    /// The organization, if the snapshot has an organization file.
    pub organization: Option<Arc<OrgScope>>,
    /// Every file read, with the shape it was recognized as.
    pub files: Vec<(String, Shape)>,
    /// Repository ARN → (account, position in its account's list), and user or role ARN →
    /// (account, position), built by [`load`].
    index: Index,
}

#[derive(Clone, Debug, Default)]
struct Index {
    repositories: std::collections::HashMap<String, (String, usize)>,
    identities: std::collections::HashMap<String, (String, usize)>,
}

/// The caller a principal name or ARN stands for.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    /// The snapshot's user or role.
    pub identity: &'a Identity,
}

/// The policies and context of one principal against one resource, ready to decide requests.
#[derive(Clone, Debug)]
pub struct Assembly {
    /// Every policy that takes part, compiled (shared by the resources whose policies are the
    /// same, see `CallerSets`).
    pub set: Arc<PolicySet>,
    /// Context keys the snapshot knows: `aws:PrincipalTag/…`, `aws:ResourceTag/…` and
    /// `ecr:ResourceTag/…`. A key the request gives wins.
    pub context: Context,
    /// The organization, if the snapshot has one.
    pub org: Option<Arc<OrgScope>>,
}

impl Assembly {
    /// The request with the snapshot's context keys (unless the request gives them) and the
    /// organization.
    pub fn prepare(&self, request: Request) -> Request {
        let request = if self.context.is_empty() {
            request
        } else {
            let mut context = self.context.clone();
            for (key, value) in request.given_context().iter() {
                context.insert(key, value.clone());
            }
            request.with_context(context)
        };
        match &self.org {
            Some(org) => request.with_org_scope(org.clone()),
            None => request,
        }
    }
}

/// What a resource brings to a request: its repository, if it is one of the snapshot's, and
/// its account.
struct ResourceSide<'a> {
    repository: Option<&'a Repository>,
    /// A role of the snapshot, for requests on it (`sts:AssumeRole`): its trust policy applies.
    role: Option<&'a Identity>,
    account: Option<&'a str>,
}

/// One principal's policies against many resources, each distinct policy set compiled once: the
/// set depends on the resource only through its repository policy, its account's registry policy
/// and its account's RCP levels, so every repository without a policy of one account shares a
/// set (only the context, with the repository's tags, differs). Built for who-can, can-what and
/// the matrix: one per principal, then [`CallerSets::assembly`] per resource.
pub(crate) struct CallerSets<'s> {
    snapshot: &'s Snapshot,
    identity: Option<&'s Identity>,
    caller_account: Option<String>,
    /// Compiled sets by (resource account, repository with a policy).
    sets: std::collections::HashMap<(Option<String>, Option<String>), Arc<PolicySet>>,
}

impl<'s> CallerSets<'s> {
    /// The sets of `identity` (a snapshot user or role; `None` for a caller outside the
    /// snapshot) calling from `caller_account`.
    pub(crate) fn new(
        snapshot: &'s Snapshot,
        identity: Option<&'s Identity>,
        caller_account: Option<&str>,
    ) -> CallerSets<'s> {
        CallerSets {
            snapshot,
            identity,
            caller_account: caller_account.map(str::to_string),
            sets: std::collections::HashMap::new(),
        }
    }

    /// What [`Snapshot::assemble`] gives for `resource`, compiling its set only the first time a
    /// resource with the same policies is asked.
    pub(crate) fn assembly(&mut self, resource: Option<&str>) -> Result<Assembly, SnapshotError> {
        let side = self.snapshot.resource_side(resource)?;
        let key = (
            side.account.map(str::to_string),
            side.repository
                .filter(|r| r.policy.is_some())
                .map(|r| r.arn.clone())
                .or_else(|| side.role.map(|r| r.arn.clone())),
        );
        let set = match self.sets.get(&key) {
            Some(set) => set.clone(),
            None => {
                let set = Arc::new(self.snapshot.policy_set(
                    self.identity,
                    self.caller_account.as_deref(),
                    &side,
                )?);
                self.sets.insert(key, set.clone());
                set
            }
        };
        Ok(Assembly {
            set,
            context: self.snapshot.context(self.identity, side.repository),
            org: self.snapshot.organization.clone(),
        })
    }

    /// The snapshot.
    pub(crate) fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    /// How many distinct sets were compiled.
    #[cfg(test)]
    pub(crate) fn compiled(&self) -> usize {
        self.sets.len()
    }
}

/// Reads a snapshot from its files.
pub fn load(files: &[SnapshotFile]) -> Result<Snapshot, SnapshotError> {
    let mut reader = Reader::default();
    let mut shapes = Vec::new();
    for file in files {
        let json = crate::syntax::json::parse(
            file.bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(&file.bytes),
        )
            .map_err(|e| SnapshotError {
                message: format!(
                    "{}:{}: not JSON ({}): every file of a snapshot is the JSON output of an AWS CLI command (docs/snapshot.md)",
                    file.path, e.pos, e.message
                ),
            })?;
        let shape = shape::recognize(&file.path, &json)?;
        shapes.push((file, shape, json));
    }
    // Policy files the organization file names are read through it; nothing else may be.
    let org_files: Vec<&(&SnapshotFile, Shape, _)> = shapes
        .iter()
        .filter(|(_, s, _)| *s == Shape::Organization)
        .collect();
    let mut referenced = BTreeSet::new();
    let mut organization: Option<Organization> = None;
    if org_files.len() > 1 {
        return fail(format!(
            "{} and {} are both organization files: a snapshot holds one organization",
            org_files[0].0.path, org_files[1].0.path
        ));
    }
    if let Some((file, _, _)) = org_files.first() {
        let dir = file.dir().to_string();
        let mut load = |name: &str| -> Result<Vec<u8>, String> {
            let path = join(&dir, name);
            match files.iter().find(|f| f.path == path) {
                Some(f) => {
                    referenced.insert(path);
                    Ok(f.bytes.clone())
                }
                None => Err(format!("`{path}` is not in the snapshot")),
            }
        };
        let org =
            crate::parse::organization::parse_organization(&file.path, &file.bytes, &mut load)
                .map_err(|e| SnapshotError { message: e.message })?;
        organization = Some(org);
    }
    for (file, shape, json) in &shapes {
        match shape {
            Shape::Organization => {}
            Shape::OrganizationPolicy | Shape::PolicyDocument => {
                if !referenced.contains(&file.path) {
                    return fail(format!(
                        "{}: {} that the organization file does not name: list it under the `scps` or `rcps` of the root, OU or account it is attached to (docs/organization.md){}",
                        file.path,
                        shape.describe(),
                        if org_files.is_empty() {
                            "; the snapshot has no organization file"
                        } else {
                            ""
                        }
                    ));
                }
            }
            _ => reader.read(file, *shape, json)?,
        }
    }
    let mut snapshot = reader.finish()?;
    snapshot.files = shapes
        .iter()
        .map(|(f, s, _)| (f.path.clone(), *s))
        .collect();
    for account in snapshot.accounts.values() {
        for (i, r) in account.repositories.iter().enumerate() {
            snapshot
                .index
                .repositories
                .insert(r.arn.clone(), (account.id.clone(), i));
        }
        for (i, identity) in account.identities.iter().enumerate() {
            snapshot
                .index
                .identities
                .insert(identity.arn.clone(), (account.id.clone(), i));
        }
    }
    snapshot.organization = organization.map(|org| {
        Arc::new(OrgScope {
            management_account: org.management_account.clone(),
            organization: Some(org),
        })
    });
    Ok(snapshot)
}

fn join(dir: &str, name: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Collects what the files say, per account.
#[derive(Default)]
struct Reader {
    iam: iam::IamReader,
    ecr: ecr::EcrReader,
}

impl Reader {
    fn read(
        &mut self,
        file: &SnapshotFile,
        shape: Shape,
        json: &crate::syntax::json::Json,
    ) -> Result<(), SnapshotError> {
        match shape {
            Shape::AuthorizationDetails => {
                for account in self.iam.read(file, json)? {
                    self.ecr.note(file.dir(), &account);
                }
                Ok(())
            }
            _ => self.ecr.read(file, shape, json),
        }
    }

    fn finish(self) -> Result<Snapshot, SnapshotError> {
        let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
        for identity in self.iam.finish()? {
            let account = accounts.entry(identity.account.clone()).or_default();
            account.id = identity.account.clone();
            account.has_iam = true;
            account.identities.push(identity);
        }
        for account in self.iam.accounts() {
            let entry = accounts.entry(account.clone()).or_default();
            entry.id = account;
            entry.has_iam = true;
        }
        self.ecr.finish(&mut accounts)?;
        for account in accounts.values_mut() {
            account
                .identities
                .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
            account.repositories.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        Ok(Snapshot {
            accounts,
            ..Snapshot::default()
        })
    }
}

/// Whether an ARN names an ECR repository (`arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME`).
pub(crate) fn is_repository_arn(arn: &str) -> bool {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    fields.get(2) == Some(&"ecr") && fields.get(5).is_some_and(|r| r.starts_with("repository/"))
}

/// The policy under the name the explanation shows (`role ci-push: inline push`).
pub(crate) fn named(mut policy: Policy, name: &str) -> Policy {
    policy.source = Arc::new(Source {
        name: name.to_string(),
        text: policy.source.text.clone(),
    });
    policy
}

/// Tags as AWS CLI outputs write them: `[{"Key": …, "Value": …}]` (IAM, tagging API) or
/// `[{"key": …, "value": …}]`… ECR writes `Key`/`Value` too.
pub(crate) fn read_tags(
    value: Option<&crate::syntax::json::Json>,
    file: &str,
) -> Result<BTreeMap<String, String>, SnapshotError> {
    use crate::syntax::json::Value;
    let mut tags = BTreeMap::new();
    let Some(value) = value else {
        return Ok(tags);
    };
    let Value::Array(items) = &value.value else {
        return fail(format!(
            "{file}:{}: expected a list of tags, `[{{\"Key\": …, \"Value\": …}}]`",
            value.pos
        ));
    };
    for item in items {
        let key = item.get("Key").or_else(|| item.get("key"));
        let val = item.get("Value").or_else(|| item.get("value"));
        match (key.map(|m| &m.value.value), val.map(|m| &m.value.value)) {
            (Some(Value::String(k)), Some(Value::String(v))) => {
                tags.insert(k.clone(), v.clone());
            }
            _ => {
                return fail(format!(
                    "{file}:{}: expected a tag, `{{\"Key\": …, \"Value\": …}}`",
                    item.pos
                ));
            }
        }
    }
    Ok(tags)
}

impl Snapshot {
    /// Every user and role, account by account (users first, by name).
    pub(crate) fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.accounts.values().flat_map(|a| &a.identities)
    }

    /// Every repository, account by account, sorted by ARN.
    pub fn repositories(&self) -> impl Iterator<Item = &Repository> {
        self.accounts.values().flat_map(|a| &a.repositories)
    }

    /// The repository with this ARN, if the snapshot has it.
    pub fn repository(&self, arn: &str) -> Option<&Repository> {
        let (account, i) = self.index.repositories.get(arn)?;
        self.accounts.get(account)?.repositories.get(*i)
    }

    /// The user or role with this ARN (with its path), if the snapshot has it.
    pub(crate) fn identity(&self, arn: &str) -> Option<&Identity> {
        let (account, i) = self.index.identities.get(arn)?;
        self.accounts.get(account)?.identities.get(*i)
    }

    /// The user or role a principal stands for: `NAME` (unique in the snapshot), `role/NAME`,
    /// `user/NAME`, a user or role ARN, or an assumed-role session ARN
    /// (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
    pub fn find(&self, spec: &str) -> Result<Caller<'_>, SnapshotError> {
        let (account, kind, name): (Option<&str>, Option<IdentityKind>, &str) = if let Some(rest) =
            spec.strip_prefix("arn:")
        {
            let fields: Vec<&str> = rest.splitn(5, ':').collect();
            let (Some(service), Some(account), Some(resource)) =
                (fields.get(1), fields.get(3), fields.get(4))
            else {
                return fail(format!("`{spec}` is not a user, role or assumed-role ARN"));
            };
            match (*service, resource.split_once('/')) {
                ("iam", Some(("user", path))) => (
                    Some(*account),
                    Some(IdentityKind::User),
                    path.rsplit('/').next().unwrap_or(path),
                ),
                ("iam", Some(("role", path))) => (
                    Some(*account),
                    Some(IdentityKind::Role),
                    path.rsplit('/').next().unwrap_or(path),
                ),
                ("sts", Some(("assumed-role", session))) => (
                    Some(*account),
                    Some(IdentityKind::Role),
                    session.split('/').next().unwrap_or(session),
                ),
                _ => {
                    return fail(format!(
                        "`{spec}` is not a user, role or assumed-role ARN: a snapshot principal is `NAME`, `role/NAME`, `user/NAME` or the ARN of one"
                    ));
                }
            }
        } else if let Some(name) = spec.strip_prefix("role/") {
            (None, Some(IdentityKind::Role), name)
        } else if let Some(name) = spec.strip_prefix("user/") {
            (None, Some(IdentityKind::User), name)
        } else {
            (None, None, spec)
        };
        let found: Vec<&Identity> = self
            .identities()
            .filter(|i| {
                i.name == name
                    && kind.is_none_or(|k| k == i.kind)
                    && account.is_none_or(|a| a == i.account)
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(Caller { identity: one }),
            [] => {
                let names: Vec<String> = self.identities().map(Identity::short_name).collect();
                let hint = crate::matching::fuzzy::closest(
                    &format!("{}/{name}", kind.map_or("role", IdentityKind::as_str)),
                    names.iter().map(String::as_str),
                )
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
                fail(format!(
                    "no {} `{name}`{} in the snapshot{hint} (it has {})",
                    kind.map_or("user or role", IdentityKind::as_str),
                    account
                        .map(|a| format!(" in account {a}"))
                        .unwrap_or_default(),
                    if names.is_empty() {
                        "no users or roles".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            }
            many => fail(format!(
                "`{spec}` is ambiguous in the snapshot: {}; give `role/NAME`, `user/NAME` or the ARN",
                many.iter()
                    .map(|i| i.arn.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The policies of `identity` (a snapshot user or role; `None` for a caller outside the
    /// snapshot, which brings no identity-side policy) for requests on `resource` (a repository
    /// ARN, another service's ARN, or `*`), with the context the snapshot knows. A repository
    /// ARN must be one of the snapshot's repositories, since its policy would be unknown. To
    /// decide one principal on many resources, `CallerSets` compiles each distinct set once.
    pub fn assemble(
        &self,
        identity: Option<&Identity>,
        caller_account: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Assembly, SnapshotError> {
        let side = self.resource_side(resource)?;
        let set = self.policy_set(identity, caller_account, &side)?;
        Ok(Assembly {
            set: Arc::new(set),
            context: self.context(identity, side.repository),
            org: self.organization.clone(),
        })
    }

    /// What the resource brings: its repository (if it is one) and its account.
    fn resource_side<'a>(
        &'a self,
        resource: Option<&'a str>,
    ) -> Result<ResourceSide<'a>, SnapshotError> {
        let resource = resource.filter(|r| *r != "*");
        let repository = match resource {
            Some(arn) if is_repository_arn(arn) => Some(self.resource_repository(arn)?),
            _ => None,
        };
        // Another service's resource: its resource-based policy is not in a snapshot; its
        // account still decides the RCP levels.
        let account = match repository {
            Some(r) => Some(r.account.as_str()),
            None => resource
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|a| crate::model::arn::is_account_id(a)),
        };
        let role = match resource {
            Some(arn) if arn.starts_with("arn:") && arn.split(':').nth(2) == Some("iam") => self
                .find(arn)
                .ok()
                .map(|c| c.identity)
                .filter(|i| i.kind == IdentityKind::Role),
            _ => None,
        };
        Ok(ResourceSide {
            repository,
            role,
            account,
        })
    }

    /// Every policy that takes part, compiled.
    fn policy_set(
        &self,
        identity: Option<&Identity>,
        caller_account: Option<&str>,
        side: &ResourceSide<'_>,
    ) -> Result<PolicySet, SnapshotError> {
        let mut set = PolicySet::new();
        let add = |set: &mut PolicySet, role: PolicyRole, policy: Policy| {
            set.add_as(role, policy)
                .map_err(|e| SnapshotError { message: e.message })
        };
        for (role, policy) in identity.iter().flat_map(|i| &i.policies) {
            add(&mut set, *role, policy.clone())?;
        }
        if let Some(repository) = side.repository {
            if let Some(policy) = &repository.policy {
                add(&mut set, PolicyRole::Resource, policy.clone())?;
            }
            if let Some(account) = self.accounts.get(&repository.account)
                && let Some(policy) = &account.registry_policy
            {
                add(
                    &mut set,
                    PolicyRole::Registry(account.registry_scope),
                    policy.clone(),
                )?;
            }
        }
        if let Some(role) = side.role
            && let Some(text) = &role.trust_policy
        {
            let name = format!("role {}: trust policy", role.name);
            let policy = crate::parse::parse_policy(&name, text.as_bytes(), PolicyKind::Resource)
                .map_err(|e| SnapshotError {
                message: format!("{}: {}", role.file, e.render()),
            })?;
            add(&mut set, PolicyRole::Resource, policy)?;
        }
        if let Some(org) = self
            .organization
            .as_ref()
            .and_then(|o| o.organization.as_ref())
        {
            crate::eval::organization::add_org_levels(org, &mut set, caller_account, side.account)
                .map_err(|e| SnapshotError { message: e.message })?;
        }
        set.compile();
        Ok(set)
    }

    /// The principal's tags and the repository's, as context keys.
    fn context(&self, identity: Option<&Identity>, repository: Option<&Repository>) -> Context {
        let mut context = Context::new();
        for (key, value) in identity.iter().flat_map(|i| &i.tags) {
            context.insert(
                &format!("aws:PrincipalTag/{key}"),
                ContextValue::Single(value.clone()),
            );
        }
        for (key, value) in repository.iter().flat_map(|r| &r.tags) {
            for prefix in ["aws", "ecr"] {
                context.insert(
                    &format!("{prefix}:ResourceTag/{key}"),
                    ContextValue::Single(value.clone()),
                );
            }
        }
        context
    }

    /// The repository an ARN names, which the snapshot must hold.
    pub(crate) fn resource_repository(&self, arn: &str) -> Result<&Repository, SnapshotError> {
        if let Some(repository) = self.repository(arn) {
            return Ok(repository);
        }
        let account = arn.split(':').nth(4).unwrap_or("");
        let known: Vec<&str> = self.repositories().map(|r| r.arn.as_str()).collect();
        match self.accounts.get(account) {
            Some(a) if a.has_repositories => fail(format!(
                "repository {arn} is not in the snapshot's `aws ecr describe-repositories` output of account {account} (it lists {})",
                a.repositories
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => fail(format!(
                "the snapshot has no `aws ecr describe-repositories` output for account {account}, so the policy of {arn} is unknown{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (its repositories: {})", known.join(", "))
                }
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SnapshotFile {
        SnapshotFile {
            path: path.to_string(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    const ROLE: &str = r#"{"RoleDetailList":[{"RoleName":"ci","Path":"/build/","Arn":"arn:aws:iam::111122223333:role/build/ci",
        "RolePolicyList":[{"PolicyName":"login","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Sid":"Login","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}}],
        "AttachedManagedPolicies":[{"PolicyName":"AmazonEC2ContainerRegistryReadOnly","PolicyArn":"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"}],
        "Tags":[{"Key":"team","Value":"payments"}]}],"IsTruncated":true,"Marker":"m"}"#;
    const USER: &str = r#"{"UserDetailList":[{"UserName":"ci","Arn":"arn:aws:iam::111122223333:user/ci","GroupList":[]}],"IsTruncated":false}"#;

    #[test]
    fn pages_merge_and_principals_are_found_by_name_kind_or_arn() {
        let snapshot = load(&[file("a/p1.json", ROLE), file("a/p2.json", USER)]).unwrap();
        assert_eq!(snapshot.identities().count(), 2);
        let role = snapshot.find("role/ci").unwrap().identity;
        assert_eq!(role.arn, "arn:aws:iam::111122223333:role/build/ci");
        assert_eq!(role.tags.get("team").map(String::as_str), Some("payments"));
        let names: Vec<&str> = role
            .policies
            .iter()
            .map(|(_, p)| p.source.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "role ci: inline login",
                "role ci: attached AWS managed AmazonEC2ContainerRegistryReadOnly"
            ]
        );
        assert_eq!(
            snapshot
                .find("arn:aws:sts::111122223333:assumed-role/ci/s1")
                .unwrap()
                .identity
                .arn,
            role.arn
        );
        assert_eq!(
            snapshot.find("user/ci").unwrap().identity.kind,
            IdentityKind::User
        );
        let ambiguous = snapshot.find("ci").unwrap_err().message;
        assert!(ambiguous.contains("is ambiguous"), "{ambiguous}");
        let missing = snapshot.find("role/cj").unwrap_err().message;
        assert!(missing.contains("did you mean `role/ci`?"), "{missing}");
    }

    #[test]
    fn a_file_without_an_account_takes_its_folders_and_needs_one() {
        let scope = r#"{"name":"REGISTRY_POLICY_SCOPE","value":"V1"}"#;
        let snapshot = load(&[file("a/p1.json", ROLE), file("a/scope.json", scope)]).unwrap();
        let account = &snapshot.accounts["111122223333"];
        assert_eq!(account.registry_scope, RegistryScope::V1);
        assert!(account.registry_scope_given);
        let alone = load(&[file("a/p1.json", ROLE), file("b/scope.json", scope)]).unwrap_err();
        assert!(
            alone
                .message
                .contains("b/scope.json: this output does not say its account"),
            "{}",
            alone.message
        );
    }

    #[test]
    fn one_principal_compiles_one_set_per_distinct_resource_side() {
        let repos = r#"{"repositories":[
            {"repositoryArn":"arn:aws:ecr:us-east-1:111122223333:repository/a","registryId":"111122223333","repositoryName":"a"},
            {"repositoryArn":"arn:aws:ecr:us-east-1:111122223333:repository/b","registryId":"111122223333","repositoryName":"b"},
            {"repositoryArn":"arn:aws:ecr:us-east-1:111122223333:repository/c","registryId":"111122223333","repositoryName":"c"}]}"#;
        let policy = r#"{"registryId":"111122223333","repositoryName":"c","policyText":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"ecr:PutImage\"}]}"}"#;
        let snapshot = load(&[
            file("a/p1.json", ROLE),
            file("a/repos.json", repos),
            file("a/policy-c.json", policy),
        ])
        .unwrap();
        let role = snapshot.find("role/ci").unwrap().identity;
        let mut sets = CallerSets::new(&snapshot, Some(role), Some("111122223333"));
        let mut statements = Vec::new();
        for repository in snapshot.repositories() {
            let assembly = sets.assembly(Some(&repository.arn)).unwrap();
            statements.push(assembly.set.policies().len());
        }
        assert_eq!(statements, [2, 2, 3], "c adds its repository policy");
        assert_eq!(sets.compiled(), 2, "a and b share one set");
        let fresh = snapshot
            .assemble(
                Some(role),
                Some("111122223333"),
                Some("arn:aws:ecr:us-east-1:111122223333:repository/c"),
            )
            .unwrap();
        assert_eq!(fresh.set.policies().len(), 3);
    }

    #[test]
    fn relative_paths_of_the_organization_file_resolve_inside_the_snapshot() {
        assert_eq!(join("org", "policies/p.json"), "org/policies/p.json");
        assert_eq!(join("org", "../p.json"), "p.json");
        assert_eq!(join("", "./p.json"), "p.json");
        assert!(is_repository_arn(
            "arn:aws:ecr:us-east-1:111122223333:repository/team/app"
        ));
        assert!(!is_repository_arn("arn:aws:s3:::bucket/repository/x"));
    }
}
