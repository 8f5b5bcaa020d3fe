//! Which AWS CLI command printed a snapshot file, told by the file's top-level keys.

use crate::snapshot::{SnapshotError, fail};
use crate::syntax::json::{Json, Value};

/// The kinds of file a snapshot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// `aws iam get-account-authorization-details` (one page or the whole dump).
    AuthorizationDetails,
    /// `aws ecr describe-repositories`.
    Repositories,
    /// `aws ecr get-repository-policy`.
    RepositoryPolicy,
    /// `aws ecr get-registry-policy`.
    RegistryPolicy,
    /// `aws ecr get-account-setting --name REGISTRY_POLICY_SCOPE`.
    RegistryPolicyScope,
    /// `aws ecr list-tags-for-resource` (named after its repository, docs/snapshot.md).
    RepositoryTags,
    /// `aws resourcegroupstaggingapi get-resources`.
    TaggedResources,
    /// An organization file (docs/organization.md).
    Organization,
    /// `aws organizations describe-policy`, named by the organization file.
    OrganizationPolicy,
    /// A policy document, named by the organization file.
    PolicyDocument,
}

impl Shape {
    /// The command (or format) the shape is, for messages and `docs/snapshot.md`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Shape::AuthorizationDetails => {
                "the output of `aws iam get-account-authorization-details`"
            }
            Shape::Repositories => "the output of `aws ecr describe-repositories`",
            Shape::RepositoryPolicy => "the output of `aws ecr get-repository-policy`",
            Shape::RegistryPolicy => "the output of `aws ecr get-registry-policy`",
            Shape::RegistryPolicyScope => {
                "the output of `aws ecr get-account-setting --name REGISTRY_POLICY_SCOPE`"
            }
            Shape::RepositoryTags => "the output of `aws ecr list-tags-for-resource`",
            Shape::TaggedResources => "the output of `aws resourcegroupstaggingapi get-resources`",
            Shape::Organization => "an organization file (docs/organization.md)",
            Shape::OrganizationPolicy => "the output of `aws organizations describe-policy`",
            Shape::PolicyDocument => "a policy document",
        }
    }
}

/// Every shape, in the order `docs/snapshot.md` lists them.
pub(crate) const ALL: [Shape; 10] = [
    Shape::AuthorizationDetails,
    Shape::Repositories,
    Shape::RepositoryPolicy,
    Shape::RegistryPolicy,
    Shape::RegistryPolicyScope,
    Shape::RepositoryTags,
    Shape::TaggedResources,
    Shape::Organization,
    Shape::OrganizationPolicy,
    Shape::PolicyDocument,
];

/// The shape of a file, from its top-level keys; an error naming the shapes expected otherwise.
pub(crate) fn recognize(path: &str, json: &Json) -> Result<Shape, SnapshotError> {
    let Value::Object(members) = &json.value else {
        return fail(format!(
            "{path}: found {}, expected a JSON object: {}",
            json.value.type_name(),
            expected()
        ));
    };
    let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
    let has = |k: &str| keys.contains(&k);
    let only = |allowed: &[&str]| keys.iter().all(|k| allowed.contains(k));
    const GAAD: [&str; 7] = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
        "IsTruncated",
        "Marker",
        "NextToken",
    ];
    let shape = if GAAD[..4].iter().any(|k| has(k)) {
        if let Some(k) = keys.iter().find(|k| !GAAD.contains(k)) {
            return fail(format!(
                "{path}: unknown key `{k}` in an `aws iam get-account-authorization-details` output (expected {})",
                GAAD.join(", ")
            ));
        }
        Shape::AuthorizationDetails
    } else if has("repositories") && only(&["repositories", "nextToken", "NextToken"]) {
        Shape::Repositories
    } else if has("policyText") && has("repositoryName") {
        Shape::RepositoryPolicy
    } else if has("policyText") && has("registryId") && only(&["policyText", "registryId"]) {
        Shape::RegistryPolicy
    } else if has("name") && has("value") && only(&["name", "value"]) {
        match json.get("name").map(|m| &m.value.value) {
            Some(Value::String(n)) if n == "REGISTRY_POLICY_SCOPE" => Shape::RegistryPolicyScope,
            _ => {
                return fail(format!(
                    "{path}: an `aws ecr get-account-setting` output for another setting than REGISTRY_POLICY_SCOPE: only the registry policy scope takes part in a decision; leave this file out"
                ));
            }
        }
    } else if has("tags") && only(&["tags"]) {
        Shape::RepositoryTags
    } else if has("ResourceTagMappingList") && only(&["ResourceTagMappingList", "PaginationToken"])
    {
        Shape::TaggedResources
    } else if has("id") && has("root") {
        Shape::Organization
    } else if json
        .get("Policy")
        .is_some_and(|p| p.value.get("Content").is_some())
    {
        Shape::OrganizationPolicy
    } else if has("Statement") {
        Shape::PolicyDocument
    } else {
        return fail(format!(
            "{path}: not a snapshot file (top-level keys: {}): {}",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            },
            expected()
        ));
    };
    Ok(shape)
}

fn expected() -> String {
    let list: Vec<&str> = ALL.iter().map(|s| s.describe()).collect();
    format!("expected one of {} (docs/snapshot.md)", list.join("; "))
}
