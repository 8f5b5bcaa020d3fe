//! Requests whose resource's own policy must allow them, and requests AWS refuses whatever the
//! policies say: one table each, consulted once per decision by [`mod@crate::eval::authorize`] (see
//! `docs/semantics.md#mandatory-resource-policies`).
//!
//! For most resources, within one account an Allow in the identity-based policies *or* in the
//! resource-based policy is enough. Two resource-based policies are exceptions: an IAM role's
//! trust policy and a KMS key's key policy must allow the request themselves, even within one
//! account, and identity-based policies count only when that policy names the caller's account
//! (`arn:aws:iam::ACCOUNT:root`). `RESOURCE_POLICY_RULES` lists them.
//!
//! Some requests are refused whatever the policies say: changing an AWS managed policy, a role
//! under the reserved path `/aws-reserved/`, or a KMS alias reserved for AWS managed keys.
//! `REFUSED_RULES` lists them.

use crate::model::arn::Arn;
use crate::request::Request;

/// A resource-based policy that must allow the request, even within one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MandatoryPolicy {
    /// The trust policy of an IAM role (`sts:AssumeRole` and related actions).
    TrustPolicy,
    /// The key policy of a KMS key.
    KeyPolicy,
}

impl MandatoryPolicy {
    /// `trust policy` or `key policy`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MandatoryPolicy::TrustPolicy => "trust policy",
            MandatoryPolicy::KeyPolicy => "key policy",
        }
    }

    /// The rule of the table for this policy (the first one naming it).
    pub fn rule(self) -> Option<&'static ResourcePolicyRule> {
        RESOURCE_POLICY_RULES.iter().find(|r| r.policy == self)
    }
}

display_as_str!(MandatoryPolicy);

/// How identity-based policies count toward a request a [`MandatoryPolicy`] governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityPolicies {
    /// Only where the mandatory policy names the caller's account: then they must allow too.
    /// Within one account, a mandatory policy naming the caller itself (or the role of its
    /// session, or everyone) allows without them. Across accounts they must allow as always.
    WhenAccountNamed,
    /// Never: the caller has no IAM identity (SAML and web identity federation). Only a
    /// statement naming the caller itself (or everyone) allows.
    Never,
}

/// One row of `RESOURCE_POLICY_RULES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourcePolicyRule {
    /// The service prefix, lower case.
    pub service: &'static str,
    /// The action names, lower case; empty means every action of the service on the resource
    /// type.
    pub actions: &'static [&'static str],
    /// The resource type of the request (its name in the Service Authorization Reference).
    pub resource_type: &'static str,
    /// The policy that must allow.
    pub policy: MandatoryPolicy,
    /// How identity-based policies count.
    pub identity: IdentityPolicies,
    /// Whether the caller's permissions boundary and session policy still limit a grant that
    /// names the caller directly (for most resource policies they do not, within one account).
    pub limits_direct_grant: bool,
    /// The AWS page that states the rule.
    pub source: &'static str,
}

/// Why AWS refuses a request whatever the policies say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// AWS managed policies (`arn:aws:iam::aws:policy/…`) cannot be changed or deleted.
    AwsManagedPolicy,
    /// Roles under the path `/aws-reserved/` (created by IAM Identity Center) are modifiable
    /// only by AWS.
    ReservedRole,
    /// Aliases beginning with `alias/aws/` are reserved for AWS managed keys.
    AwsManagedKeyAlias,
}

impl Refusal {
    /// The rule of the table for this refusal.
    pub fn rule(self) -> Option<&'static RefusedRule> {
        REFUSED_RULES.iter().find(|r| r.refusal == self)
    }
}

/// One row of `REFUSED_RULES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedRule {
    /// Why.
    pub refusal: Refusal,
    /// The service prefix, lower case.
    pub service: &'static str,
    /// The action names, lower case.
    pub actions: &'static [&'static str],
    /// The account field the resource ARN must have, if one.
    pub account: Option<&'static str>,
    /// The start of the resource ARN's resource part (after the account field).
    pub resource_prefix: &'static str,
    /// The AWS page that states the rule.
    pub source: &'static str,
}

const ROLE_TRUST_SOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
const ASSUME_ROLE_SOURCE: &str =
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html";
const KEY_POLICY_SOURCE: &str =
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html";

/// The resource-based policies that must allow, per service and action set.
pub(crate) const RESOURCE_POLICY_RULES: &[ResourcePolicyRule] = &[
    // AssumeRole, and the session tags and source identity set with it: the role's trust
    // policy must allow, in the same account too. A trust policy naming the account delegates
    // to the caller's identity-based policies; naming the caller needs none (STS AssumeRole
    // API reference). A permissions boundary must still allow (IAM User Guide, "Update a role
    // trust policy").
    ResourcePolicyRule {
        service: "sts",
        actions: &["assumerole", "tagsession", "setsourceidentity"],
        resource_type: "role",
        policy: MandatoryPolicy::TrustPolicy,
        identity: IdentityPolicies::WhenAccountNamed,
        limits_direct_grant: true,
        source: ASSUME_ROLE_SOURCE,
    },
    // Federated callers have no identity-based policies: only the trust policy decides.
    ResourcePolicyRule {
        service: "sts",
        actions: &["assumerolewithsaml", "assumerolewithwebidentity"],
        resource_type: "role",
        policy: MandatoryPolicy::TrustPolicy,
        identity: IdentityPolicies::Never,
        limits_direct_grant: true,
        source: ROLE_TRUST_SOURCE,
    },
    // Every KMS action on a key: "Without permission from the key policy, IAM policies that
    // allow permissions have no effect." The key policy enables them by naming the account.
    ResourcePolicyRule {
        service: "kms",
        actions: &[],
        resource_type: "key",
        policy: MandatoryPolicy::KeyPolicy,
        identity: IdentityPolicies::WhenAccountNamed,
        limits_direct_grant: false,
        source: KEY_POLICY_SOURCE,
    },
];

/// The requests AWS refuses whatever the policies say.
pub(crate) const REFUSED_RULES: &[RefusedRule] = &[
    RefusedRule {
        refusal: Refusal::AwsManagedPolicy,
        service: "iam",
        actions: &[
            "createpolicy",
            "createpolicyversion",
            "deletepolicy",
            "deletepolicyversion",
            "setdefaultpolicyversion",
            "tagpolicy",
            "untagpolicy",
        ],
        account: Some("aws"),
        resource_prefix: "policy/",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html",
    },
    RefusedRule {
        refusal: Refusal::ReservedRole,
        service: "iam",
        actions: &[
            "attachrolepolicy",
            "createrole",
            "deleterole",
            "deleterolepermissionsboundary",
            "deleterolepolicy",
            "detachrolepolicy",
            "putrolepermissionsboundary",
            "putrolepolicy",
            "tagrole",
            "untagrole",
            "updateassumerolepolicy",
            "updaterole",
            "updateroledescription",
        ],
        account: None,
        resource_prefix: "role/aws-reserved/",
        source: "https://docs.aws.amazon.com/singlesignon/latest/userguide/identity-center-and-iam-roles.html",
    },
    RefusedRule {
        refusal: Refusal::AwsManagedKeyAlias,
        service: "kms",
        actions: &["createalias", "deletealias", "updatealias"],
        account: None,
        resource_prefix: "alias/aws/",
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html",
    },
];

/// What the table requires of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// AWS refuses it whatever the policies say.
    Refused(Refusal),
    /// The resource's own policy must allow it.
    ResourcePolicy(&'static ResourcePolicyRule),
}

/// Whether an action name is in a lower-case list (an empty list means every action).
fn lists(actions: &[&str], name: &str) -> bool {
    actions.is_empty() || actions.contains(&name)
}

/// What the tables require of `request`, if anything. Only `sts`, `kms` and `iam` requests on a
/// concrete resource are looked at.
pub(crate) fn requirement(request: &Request) -> Option<Requirement> {
    // On the decision path for every request: the services of the table are told apart by
    // their first four bytes, before any splitting or parsing.
    let action = request.action_lower();
    let prefix = action.as_bytes().get(..4)?;
    if request.is_account_level() || !matches!(prefix, b"sts:" | b"kms:" | b"iam:") {
        return None;
    }
    let (service, name) = action.split_once(':')?;
    if let Some(arn) = Arn::parse(request.resource()) {
        let refused = REFUSED_RULES.iter().find(|r| {
            r.service == service
                && lists(r.actions, name)
                && r.account.is_none_or(|a| a == arn.account)
                && arn.resource.starts_with(r.resource_prefix)
        });
        if let Some(rule) = refused {
            return Some(Requirement::Refused(rule.refusal));
        }
    }
    let resource_type = request.resource_type()?;
    RESOURCE_POLICY_RULES
        .iter()
        .find(|r| {
            r.service == service && r.resource_type == resource_type && lists(r.actions, name)
        })
        .map(Requirement::ResourcePolicy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(action: &str, resource: &str) -> Option<Requirement> {
        requirement(&Request::new(action, resource, None).unwrap())
    }

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

    #[test]
    fn role_and_key_requests_need_their_policy() {
        for action in [
            "sts:AssumeRole",
            "sts:TagSession",
            "sts:SetSourceIdentity",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
        ] {
            let Some(Requirement::ResourcePolicy(rule)) = req(action, ROLE) else {
                panic!("{action} needs the trust policy");
            };
            assert_eq!(rule.policy, MandatoryPolicy::TrustPolicy);
        }
        let Some(Requirement::ResourcePolicy(rule)) = req("kms:Decrypt", KEY) else {
            panic!("kms:Decrypt needs the key policy");
        };
        assert_eq!(rule.policy, MandatoryPolicy::KeyPolicy);
        assert_eq!(rule.identity, IdentityPolicies::WhenAccountNamed);
    }

    #[test]
    fn other_requests_need_nothing() {
        assert_eq!(
            req(
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/app"
            ),
            None
        );
        assert_eq!(req("kms:CreateKey", "*"), None);
        assert_eq!(req("iam:GetRole", ROLE), None);
        assert_eq!(
            req(
                "kms:DeleteAlias",
                "arn:aws:kms:us-east-1:123456789012:alias/app"
            ),
            None
        );
        assert_eq!(
            req("iam:DeletePolicy", "arn:aws:iam::123456789012:policy/mine"),
            None
        );
    }

    #[test]
    fn reserved_resources_are_refused() {
        assert_eq!(
            req(
                "iam:CreatePolicyVersion",
                "arn:aws:iam::aws:policy/AdministratorAccess"
            ),
            Some(Requirement::Refused(Refusal::AwsManagedPolicy))
        );
        assert_eq!(
            req(
                "iam:DeleteRole",
                "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"
            ),
            Some(Requirement::Refused(Refusal::ReservedRole))
        );
        assert_eq!(
            req(
                "kms:DeleteAlias",
                "arn:aws:kms:us-east-1:123456789012:alias/aws/ecr"
            ),
            Some(Requirement::Refused(Refusal::AwsManagedKeyAlias))
        );
        // Reading them is fine.
        assert_eq!(
            req(
                "iam:GetPolicy",
                "arn:aws:iam::aws:policy/AdministratorAccess"
            ),
            None
        );
    }

    #[test]
    fn every_row_names_a_known_action_and_resource_type() {
        let catalog = crate::data::catalog::Catalog::builtin();
        for rule in RESOURCE_POLICY_RULES {
            for name in rule.actions {
                let action = catalog.action(&format!("{}:{name}", rule.service));
                let action = action.unwrap_or_else(|| panic!("{}:{name}", rule.service));
                assert!(
                    action
                        .resource_types()
                        .any(|t| t.name() == rule.resource_type),
                    "{}:{name} on {}",
                    rule.service,
                    rule.resource_type
                );
            }
        }
        for rule in REFUSED_RULES {
            for name in rule.actions {
                assert!(
                    catalog
                        .action(&format!("{}:{name}", rule.service))
                        .is_some(),
                    "{}:{name}",
                    rule.service
                );
            }
        }
    }
}
