//! Who and what the organization policies (and resource-based policies) govern, as one table:
//! [`SCOPE`]. Each row names the policy family, the request it leaves out, the
//! [`Exclusion`] the explanation reports, and the AWS page that says so.
//! `docs/semantics.md` ("Who organization policies govern") prints the same table in words.

use crate::eval::authorize::{Exclusion, PolicyRole};
use crate::request::Request;
use crate::request::principal::PrincipalKind;

/// The policies a row of `SCOPE` is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Service control policies, every level.
    Scp,
    /// Resource control policies, every level.
    Rcp,
    /// The resource-based policy of the requested resource.
    Resource,
}

impl Family {
    /// The family a role belongs to, if any of the table's.
    pub(crate) fn of(role: PolicyRole) -> Option<Family> {
        match role {
            PolicyRole::Scp(_) => Some(Family::Scp),
            PolicyRole::Rcp(_) => Some(Family::Rcp),
            PolicyRole::Resource => Some(Family::Resource),
            _ => None,
        }
    }
}

/// One row: policies of `family` take no part in a request for which `exclusion` holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScopeRule {
    /// Which policies.
    pub family: Family,
    /// Which requests they leave out (tested by [`holds`]).
    pub exclusion: Exclusion,
    /// The AWS page that says so.
    pub source: &'static str,
}

const SCP_PAGE: &str =
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html";
const RCP_PAGE: &str =
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html";

/// The scope of organization policies, in the order the explanation checks them. SCPs limit the
/// IAM users and roles of member accounts, so they leave out callers that are none of those;
/// RCPs limit access to the resources of member accounts by anyone, AWS service principals and
/// anonymous callers included, except service-linked roles.
pub(crate) const SCOPE: &[ScopeRule] = &[
    ScopeRule {
        family: Family::Resource,
        exclusion: Exclusion::AccountLevelAction,
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html",
    },
    ScopeRule {
        family: Family::Rcp,
        exclusion: Exclusion::AccountLevelAction,
        source: RCP_PAGE,
    },
    ScopeRule {
        family: Family::Scp,
        exclusion: Exclusion::AnonymousCaller,
        source: SCP_PAGE,
    },
    ScopeRule {
        family: Family::Scp,
        exclusion: Exclusion::ServiceCaller,
        source: SCP_PAGE,
    },
    ScopeRule {
        family: Family::Scp,
        exclusion: Exclusion::ServiceLinkedRole,
        source: SCP_PAGE,
    },
    ScopeRule {
        family: Family::Rcp,
        exclusion: Exclusion::ServiceLinkedRole,
        source: RCP_PAGE,
    },
    ScopeRule {
        family: Family::Scp,
        exclusion: Exclusion::ManagementAccountCaller,
        source: SCP_PAGE,
    },
    ScopeRule {
        family: Family::Rcp,
        exclusion: Exclusion::ManagementAccountResource,
        source: RCP_PAGE,
    },
];

/// Whether the request is one `exclusion` describes.
pub(crate) fn holds(exclusion: Exclusion, request: &Request) -> bool {
    let caller = request.caller();
    let management = |account: Option<&str>| {
        account.is_some_and(|a| request.org_scope().is_some_and(|s| s.is_management(a)))
    };
    match exclusion {
        Exclusion::AccountLevelAction => request.is_account_level(),
        Exclusion::AnonymousCaller => caller.is_some_and(|c| c.kind == PrincipalKind::Anonymous),
        Exclusion::ServiceCaller => caller.is_some_and(|c| c.kind == PrincipalKind::Service),
        Exclusion::ServiceLinkedRole => caller.is_some_and(|c| c.is_service_linked_role()),
        Exclusion::ManagementAccountCaller => management(caller.and_then(|c| c.account.as_deref())),
        Exclusion::ManagementAccountResource => management(request.resource_account()),
        // Not a row of the table: the registry policy's scope is decided in `role_exclusion`.
        Exclusion::RegistryScope(_) => false,
    }
}

/// The first row of [`SCOPE`] that leaves `role`'s policies out of the request.
pub(crate) fn exclusion(role: PolicyRole, request: &Request) -> Option<Exclusion> {
    let family = Family::of(role)?;
    SCOPE
        .iter()
        .find(|rule| rule.family == family && holds(rule.exclusion, request))
        .map(|rule| rule.exclusion)
}

/// The AWS page that says `role`'s policies leave out requests `exclusion` describes, from
/// `SCOPE`; `None` for an exclusion that is not a row of it (the registry policy's scope).
pub fn source(role: PolicyRole, exclusion: Exclusion) -> Option<&'static str> {
    let family = Family::of(role)?;
    SCOPE
        .iter()
        .find(|rule| rule.family == family && rule.exclusion == exclusion)
        .map(|rule| rule.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::organization::OrgScope;
    use std::sync::Arc;

    const REPO: &str = "arn:aws:ecr:us-east-1:111122223333:repository/app";

    fn request(principal: &str, resource: &str) -> Request {
        Request::new("ecr:BatchGetImage", resource, Some(principal)).unwrap()
    }

    #[test]
    fn scps_leave_out_anonymous_service_and_service_linked_callers() {
        let cases = [
            ("anonymous", Some(Exclusion::AnonymousCaller)),
            ("codebuild.amazonaws.com", Some(Exclusion::ServiceCaller)),
            (
                "arn:aws:iam::111122223333:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication",
                Some(Exclusion::ServiceLinkedRole),
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECRReplication/s",
                Some(Exclusion::ServiceLinkedRole),
            ),
            ("arn:aws:iam::111122223333:role/ci", None),
        ];
        for (principal, expected) in cases {
            assert_eq!(
                exclusion(PolicyRole::Scp(0), &request(principal, REPO)),
                expected,
                "{principal}"
            );
        }
    }

    #[test]
    fn rcps_leave_out_service_linked_roles_and_management_resources_but_not_services() {
        let scope = Arc::new(OrgScope {
            management_account: Some("111122223333".into()),
            organization: None,
        });
        let service = request("codebuild.amazonaws.com", REPO);
        assert_eq!(exclusion(PolicyRole::Rcp(0), &service), None);
        let managed =
            request("arn:aws:iam::444455556666:role/ci", REPO).with_org_scope(scope.clone());
        assert_eq!(
            exclusion(PolicyRole::Rcp(1), &managed),
            Some(Exclusion::ManagementAccountResource)
        );
        assert_eq!(exclusion(PolicyRole::Scp(0), &managed), None);
        let own = request("arn:aws:iam::111122223333:role/ci", REPO).with_org_scope(scope);
        assert_eq!(
            exclusion(PolicyRole::Scp(2), &own),
            Some(Exclusion::ManagementAccountCaller)
        );
    }
}
