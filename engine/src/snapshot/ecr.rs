//! Amazon ECR outputs into repositories (with their policies and tags) and registries (policy and
//! policy scope): `describe-repositories`, `get-repository-policy`, `get-registry-policy`,
//! `get-account-setting --name REGISTRY_POLICY_SCOPE`, `list-tags-for-resource` and
//! `resourcegroupstaggingapi get-resources`.

use std::collections::{BTreeMap, BTreeSet};

use crate::eval::registry::RegistryScope;
use crate::model::policy::{Policy, PolicyKind};
use crate::snapshot::{
    Account, Repository, Shape, SnapshotError, SnapshotFile, fail, named, read_tags,
};
use crate::syntax::json::{Json, Value};

fn string<'a>(json: &'a Json, key: &str) -> Option<&'a str> {
    match &json.get(key)?.value.value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn need<'a>(json: &'a Json, key: &str, file: &str, shape: Shape) -> Result<&'a str, SnapshotError> {
    string(json, key).map_or_else(
        || {
            fail(format!(
                "{file}:{}: missing `{key}` (expected {})",
                json.pos,
                shape.describe()
            ))
        },
        Ok,
    )
}

fn account_id(
    value: &str,
    file: &str,
    pos: crate::syntax::json::Pos,
) -> Result<String, SnapshotError> {
    if crate::model::arn::is_account_id(value) {
        Ok(value.to_string())
    } else {
        fail(format!(
            "{file}:{pos}: `{value}` is not a 12-digit account id"
        ))
    }
}

/// What a file without an account of its own says, waiting for its folder's account.
enum Pending {
    Scope {
        file: String,
        scope: RegistryScope,
    },
    Tags {
        file: String,
        repository: String,
        tags: BTreeMap<String, String>,
    },
}

/// Collects the ECR outputs of every file.
#[derive(Default)]
pub(crate) struct EcrReader {
    repositories: Vec<(String, Repository)>,
    policies: Vec<(String, String, String, Policy)>,
    registry_policies: Vec<(String, String, Policy)>,
    tagged: Vec<(String, String, BTreeMap<String, String>)>,
    pending: Vec<(String, Pending)>,
    /// The accounts each folder's files name.
    pub(crate) dir_accounts: BTreeMap<String, BTreeSet<String>>,
}

impl EcrReader {
    /// Reads one ECR (or tagging API) output.
    pub(crate) fn read(
        &mut self,
        file: &SnapshotFile,
        shape: Shape,
        json: &Json,
    ) -> Result<(), SnapshotError> {
        let path = file.path.clone();
        let dir = file.dir().to_string();
        match shape {
            Shape::Repositories => {
                let Some(Value::Array(items)) = json.get("repositories").map(|m| &m.value.value)
                else {
                    return fail(format!("{path}: `repositories` must be a list"));
                };
                for item in items {
                    let arn = need(item, "repositoryArn", &path, shape)?;
                    let name = need(item, "repositoryName", &path, shape)?;
                    let fields: Vec<&str> = arn.splitn(6, ':').collect();
                    let (Some(&"ecr"), Some(region), Some(account)) =
                        (fields.get(2), fields.get(3), fields.get(4))
                    else {
                        return fail(format!(
                            "{path}:{}: `{arn}` is not an ECR repository ARN",
                            item.pos
                        ));
                    };
                    let account = account_id(account, &path, item.pos)?;
                    if arn
                        != format!(
                            "arn:{}:ecr:{region}:{account}:repository/{name}",
                            fields.get(1).unwrap_or(&"aws")
                        )
                    {
                        return fail(format!(
                            "{path}:{}: `repositoryArn` {arn} does not name repository `{name}`",
                            item.pos
                        ));
                    }
                    self.note(&dir, &account);
                    self.repositories.push((
                        path.clone(),
                        Repository {
                            name: name.to_string(),
                            arn: arn.to_string(),
                            account,
                            region: region.to_string(),
                            policy: None,
                            tags: BTreeMap::new(),
                        },
                    ));
                }
            }
            Shape::RepositoryPolicy => {
                let account = account_id(need(json, "registryId", &path, shape)?, &path, json.pos)?;
                let name = need(json, "repositoryName", &path, shape)?.to_string();
                let policy =
                    crate::parse::parse_policy_input(&path, &file.bytes, PolicyKind::Resource)
                        .map_err(|e| SnapshotError {
                            message: e.render(),
                        })?;
                let policy = named(
                    policy,
                    &format!("repository {name} in {account}: repository policy"),
                );
                self.note(&dir, &account);
                self.policies.push((path, account, name, policy));
            }
            Shape::RegistryPolicy => {
                let account = account_id(need(json, "registryId", &path, shape)?, &path, json.pos)?;
                let policy =
                    crate::parse::parse_policy_input(&path, &file.bytes, PolicyKind::Registry)
                        .map_err(|e| SnapshotError {
                            message: e.render(),
                        })?;
                let policy = named(policy, &format!("registry {account}: registry policy"));
                self.note(&dir, &account);
                self.registry_policies.push((path, account, policy));
            }
            Shape::RegistryPolicyScope => {
                let value = need(json, "value", &path, shape)?;
                let Some(scope) = RegistryScope::from_name(value) else {
                    return fail(format!(
                        "{path}: registry policy scope `{value}`: expected V1 or V2"
                    ));
                };
                self.pending
                    .push((dir, Pending::Scope { file: path, scope }));
            }
            Shape::RepositoryTags => {
                let base = path.rsplit('/').next().unwrap_or(&path);
                let Some(stem) = base.strip_suffix(".tags.json") else {
                    return fail(format!(
                        "{path}: an `aws ecr list-tags-for-resource` output does not say its repository: name the file after it, `NAME.tags.json` (`/` in NAME written `+`, e.g. `team+app.tags.json`), or use `aws resourcegroupstaggingapi get-resources --resource-type-filters ecr:repository` (docs/snapshot.md)"
                    ));
                };
                let tags = read_tags(json.get("tags").map(|m| &m.value), &path)?;
                self.pending.push((
                    dir,
                    Pending::Tags {
                        file: path.clone(),
                        repository: stem.replace('+', "/"),
                        tags,
                    },
                ));
            }
            Shape::TaggedResources => {
                let Some(Value::Array(items)) =
                    json.get("ResourceTagMappingList").map(|m| &m.value.value)
                else {
                    return fail(format!("{path}: `ResourceTagMappingList` must be a list"));
                };
                for item in items {
                    let arn = need(item, "ResourceARN", &path, shape)?;
                    if !(arn.contains(":ecr:") && arn.contains(":repository/")) {
                        return fail(format!(
                            "{path}:{}: `{arn}` is not an ECR repository: collect with `--resource-type-filters ecr:repository`",
                            item.pos
                        ));
                    }
                    let tags = read_tags(item.get("Tags").map(|m| &m.value), &path)?;
                    self.tagged.push((path.clone(), arn.to_string(), tags));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Records that a folder's files name `account`.
    pub(crate) fn note(&mut self, dir: &str, account: &str) {
        self.dir_accounts
            .entry(dir.to_string())
            .or_default()
            .insert(account.to_string());
    }

    /// Puts everything in its account.
    pub(crate) fn finish(
        self,
        accounts: &mut BTreeMap<String, Account>,
    ) -> Result<(), SnapshotError> {
        let mut seen = BTreeMap::new();
        for (file, repository) in self.repositories {
            if let Some(first) = seen.insert(repository.arn.clone(), file.clone()) {
                return fail(format!(
                    "{file}: repository {} is also in {first}: give each repository once",
                    repository.arn
                ));
            }
            let account = accounts.entry(repository.account.clone()).or_default();
            account.id = repository.account.clone();
            account.has_repositories = true;
            account.repositories.push(repository);
        }
        for (file, account_id, name, policy) in self.policies {
            let account = accounts.get_mut(&account_id);
            let matching: Vec<&mut Repository> = account
                .map(|a| {
                    a.repositories
                        .iter_mut()
                        .filter(|r| r.name == name)
                        .collect()
                })
                .unwrap_or_default();
            match matching.len() {
                1 => {
                    for repository in matching {
                        if repository.policy.is_some() {
                            return fail(format!(
                                "{file}: a second repository policy for {}",
                                repository.arn
                            ));
                        }
                        repository.policy = Some(policy.clone());
                    }
                }
                0 => {
                    return fail(format!(
                        "{file}: the policy of repository `{name}` of account {account_id}, which no `aws ecr describe-repositories` output of the snapshot lists"
                    ));
                }
                _ => {
                    return fail(format!(
                        "{file}: account {account_id} has a repository `{name}` in several Regions, and `get-repository-policy` does not say which: collect one Region per snapshot"
                    ));
                }
            }
        }
        for (file, account_id, policy) in self.registry_policies {
            let account = accounts.entry(account_id.clone()).or_default();
            account.id = account_id.clone();
            if account.registry_policy.is_some() {
                return fail(format!(
                    "{file}: a second registry policy for account {account_id}"
                ));
            }
            let regions: BTreeSet<&str> = account
                .repositories
                .iter()
                .map(|r| r.region.as_str())
                .collect();
            if regions.len() > 1 {
                return fail(format!(
                    "{file}: account {account_id} has repositories in several Regions ({}), and a registry policy belongs to one Region's registry: collect one Region per snapshot",
                    regions.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            account.registry_policy = Some(policy);
        }
        for (file, arn, tags) in self.tagged {
            let Some(repository) = accounts
                .values_mut()
                .flat_map(|a| a.repositories.iter_mut())
                .find(|r| r.arn == arn)
            else {
                return fail(format!(
                    "{file}: tags of {arn}, which no `aws ecr describe-repositories` output of the snapshot lists"
                ));
            };
            repository.tags.extend(tags);
        }
        let dir_accounts = self.dir_accounts;
        for (dir, pending) in self.pending {
            let file = match &pending {
                Pending::Scope { file, .. } | Pending::Tags { file, .. } => file.clone(),
            };
            let account_id = match dir_accounts.get(&dir).map(|s| s.iter().collect::<Vec<_>>()) {
                Some(list) if list.len() == 1 => list[0].clone(),
                Some(list) if list.len() > 1 => {
                    return fail(format!(
                        "{file}: this output does not say its account, and the other files of its folder name several ({}): give each account a folder of its own",
                        list.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                _ => {
                    return fail(format!(
                        "{file}: this output does not say its account, and no other file of its folder does: put it beside its account's `get-account-authorization-details` or `describe-repositories` output"
                    ));
                }
            };
            let account = accounts.entry(account_id.clone()).or_default();
            account.id = account_id.clone();
            match pending {
                Pending::Scope { scope, .. } => {
                    if account.registry_scope_given {
                        return fail(format!(
                            "{file}: a second registry policy scope for account {account_id}"
                        ));
                    }
                    account.registry_scope = scope;
                    account.registry_scope_given = true;
                }
                Pending::Tags {
                    repository, tags, ..
                } => {
                    let matching: Vec<&mut Repository> = account
                        .repositories
                        .iter_mut()
                        .filter(|r| r.name == repository)
                        .collect();
                    if matching.len() != 1 {
                        return fail(format!(
                            "{file}: tags of repository `{repository}`, which {} `aws ecr describe-repositories` output of account {account_id} lists",
                            if matching.is_empty() {
                                "no"
                            } else {
                                "more than one Region of the"
                            }
                        ));
                    }
                    for r in matching {
                        r.tags.extend(tags.clone());
                    }
                }
            }
        }
        for account in accounts.values() {
            if let Some(policy) = &account.registry_policy {
                let unsupported =
                    crate::eval::registry::unsupported_actions(policy, account.registry_scope);
                if let Some(first) = unsupported.first() {
                    return fail(format!(
                        "{}: statement {} has `{}`, which a registry with policy scope V1 rejects",
                        policy.source.name, first.statement, first.action
                    ));
                }
            }
        }
        Ok(())
    }
}
