//! The decision, over every policy type (docs/semantics.md#how-policy-types-combine): an explicit
//! Deny anywhere wins; then the organization guardrails (SCPs, RCPs) and the VPC endpoint policy
//! must allow; then a grant is needed — from identity-based policies (within the permissions
//! boundary and session policy) or from the resource-based policy, combined differently within one
//! account and across accounts.
//!
//! This is the fast path: it answers *what*, *which statements* and, for an implicit deny, *which
//! layer* — the same words as AWS's access-denied messages. [`mod@crate::explain`] answers *why*
//! statement by statement, and is tested to agree with it.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::eval::mandatory::{IdentityPolicies, MandatoryPolicy, Refusal, Requirement};
use crate::eval::registry::RegistryScope;
use crate::model::condition::ConditionFailure;
use crate::model::organization::NodeRef;
use crate::model::policy::{Effect, Policy, PolicyKind, Statement};
use crate::request::Request;
use crate::request::principal::{
    PrincipalKind, PrincipalMatch, match_clause, not_principal_exempts,
};

/// The three outcomes of IAM evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Some statement allows the request and none denies it.
    Allow,
    /// A `Deny` statement matches the request.
    ExplicitDeny,
    /// Nothing allows the request.
    ImplicitDeny,
}

impl Decision {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`, as in ecrsim's output formats.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Parses the names written by [`Decision::as_str`].
    pub fn from_name(name: &str) -> Option<Decision> {
        match name {
            "Allow" => Some(Decision::Allow),
            "ExplicitDeny" => Some(Decision::ExplicitDeny),
            "ImplicitDeny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part a policy plays in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PolicyRole {
    /// An identity-based policy of the caller (inline, managed, or a group's).
    Identity,
    /// The resource-based policy of the requested resource (an ECR repository policy).
    Resource,
    /// The caller's permissions boundary.
    Boundary,
    /// The session policy of the caller's session.
    Session,
    /// A service control policy at an organization level (0 = root, then OUs, then the account).
    Scp(usize),
    /// A resource control policy at an organization level.
    Rcp(usize),
    /// The policy of the VPC endpoint the request goes through.
    VpcEndpoint,
    /// The ECR registry policy of the resource's registry, with the registry's policy scope: a
    /// second resource-based policy beside the repository policy
    /// (docs/semantics.md#registry-policy).
    Registry(RegistryScope),
}

impl PolicyRole {
    /// The policy kind its documents are parsed as.
    pub fn kind(self) -> PolicyKind {
        match self {
            PolicyRole::Identity => PolicyKind::Identity,
            PolicyRole::Resource => PolicyKind::Resource,
            PolicyRole::Boundary => PolicyKind::Boundary,
            PolicyRole::Session => PolicyKind::Session,
            PolicyRole::Scp(_) => PolicyKind::Scp,
            PolicyRole::Rcp(_) => PolicyKind::Rcp,
            PolicyRole::VpcEndpoint => PolicyKind::VpcEndpoint,
            PolicyRole::Registry(_) => PolicyKind::Registry,
        }
    }
}

impl fmt::Display for PolicyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyRole::Scp(level) => {
                write!(f, "service control policy (organization level {level})")
            }
            PolicyRole::Rcp(level) => {
                write!(f, "resource control policy (organization level {level})")
            }
            other => f.write_str(other.kind().describe()),
        }
    }
}

/// A policy could not be added to a [`PolicySet`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct PolicySetError {
    /// What kind of problem it is, for callers to match on (the message is for people).
    pub kind: PolicySetErrorKind,
    /// What is wrong, lower case, no final period.
    pub message: String,
}

/// What kind of problem a [`PolicySetError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicySetErrorKind {
    /// The policy was parsed as another kind than the role takes.
    WrongKind,
    /// A second policy for a role a request has at most one of (resource policy, boundary,
    /// session policy, VPC endpoint policy).
    DuplicateRole,
    /// An organization level (of SCPs or RCPs) with no policy: AWS keeps at least one policy
    /// attached at every level, so an empty level is a mistake in the input, not a deny.
    EmptyLevel,
}

/// Every policy that applies to a request, each with its role, compiled for evaluation: the
/// statements are indexed by the (lower-cased) actions and services their `Action` lists name,
/// so a request only looks at the statements that can match its action.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    policies: Vec<(PolicyRole, Policy)>,
    /// Where each organization level's policies are attached, when an organization file said.
    origins: Vec<(PolicyRole, NodeRef)>,
    roles: Roles,
    /// Built on the first decision (or by [`PolicySet::compile`]) and shared by clones.
    index: OnceLock<Arc<Index>>,
}

/// Which roles a set has, kept up to date by [`PolicySet::add_as`].
#[derive(Clone, Debug, Default)]
struct Roles {
    /// The organization levels that have SCPs, sorted, without duplicates.
    scp_levels: Vec<usize>,
    has_boundary: bool,
    has_session: bool,
    has_vpce: bool,
    has_resource: bool,
    /// Statements in all policies.
    statements: usize,
}

impl PolicySet {
    /// An empty set: every request is implicitly denied.
    pub fn new() -> PolicySet {
        PolicySet::default()
    }

    /// Adds a policy in the role its kind implies; SCPs and RCPs go to organization level 0
    /// (a flat list is one level).
    pub fn add(&mut self, policy: Policy) -> Result<(), PolicySetError> {
        let role = match policy.kind {
            PolicyKind::Identity => PolicyRole::Identity,
            PolicyKind::Resource => PolicyRole::Resource,
            PolicyKind::Boundary => PolicyRole::Boundary,
            PolicyKind::Session => PolicyRole::Session,
            PolicyKind::Scp => PolicyRole::Scp(0),
            PolicyKind::Rcp => PolicyRole::Rcp(0),
            PolicyKind::VpcEndpoint => PolicyRole::VpcEndpoint,
            PolicyKind::Registry => PolicyRole::Registry(RegistryScope::default()),
        };
        self.add_as(role, policy)
    }

    /// Adds a policy in an explicit role (e.g. an SCP at level 2). A request has at most one
    /// resource policy, boundary, session policy and VPC endpoint policy.
    pub fn add_as(&mut self, role: PolicyRole, policy: Policy) -> Result<(), PolicySetError> {
        if policy.kind != role.kind() {
            return Err(PolicySetError {
                kind: PolicySetErrorKind::WrongKind,
                message: format!(
                    "{} was loaded as a {}, not as a {}",
                    policy.source.name,
                    policy.kind.describe(),
                    role.kind().describe()
                ),
            });
        }
        let single = matches!(
            role,
            PolicyRole::Resource
                | PolicyRole::Boundary
                | PolicyRole::Session
                | PolicyRole::VpcEndpoint
                | PolicyRole::Registry(_)
        );
        let same = |r: &PolicyRole| match (r, role) {
            (PolicyRole::Registry(_), PolicyRole::Registry(_)) => true,
            _ => *r == role,
        };
        if single && self.policies.iter().any(|(r, _)| same(r)) {
            return Err(PolicySetError {
                kind: PolicySetErrorKind::DuplicateRole,
                message: format!("a request has at most one {role}"),
            });
        }
        match role {
            PolicyRole::Boundary => self.roles.has_boundary = true,
            PolicyRole::Session => self.roles.has_session = true,
            PolicyRole::VpcEndpoint => self.roles.has_vpce = true,
            PolicyRole::Resource => self.roles.has_resource = true,
            PolicyRole::Scp(level) => {
                if let Err(i) = self.roles.scp_levels.binary_search(&level) {
                    self.roles.scp_levels.insert(i, level);
                }
            }
            _ => {}
        }
        self.roles.statements += policy.statements.len();
        self.index = OnceLock::new();
        self.policies.push((role, policy));
        Ok(())
    }

    /// Adds one organization level of SCPs or RCPs (`role` is `Scp(level)` or `Rcp(level)`). A
    /// level without policies is an error ([`PolicySetErrorKind::EmptyLevel`]): every root, OU
    /// and account has at least one SCP (and, with RCPs enabled, `RCPFullAWSAccess`) attached —
    /// AWS Organizations user guide, *Service control policies*
    /// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>)
    /// and *Resource control policies*
    /// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>).
    pub fn add_level(
        &mut self,
        role: PolicyRole,
        policies: Vec<Policy>,
    ) -> Result<(), PolicySetError> {
        if policies.is_empty() {
            let (what, level) = match role {
                PolicyRole::Scp(level) => ("service control policy", level),
                PolicyRole::Rcp(level) => ("resource control policy", level),
                other => {
                    return Err(PolicySetError {
                        kind: PolicySetErrorKind::WrongKind,
                        message: format!("a {other} has no organization levels"),
                    });
                }
            };
            return Err(PolicySetError {
                kind: PolicySetErrorKind::EmptyLevel,
                message: format!(
                    "organization level {level} has no {what}: AWS keeps at least one attached at every level (the root, each OU and the account)"
                ),
            });
        }
        for policy in policies {
            self.add_as(role, policy)?;
        }
        Ok(())
    }

    /// Records where the policies of an organization level (`Scp(level)` or `Rcp(level)`) are
    /// attached, for the explanation to name it.
    pub(crate) fn set_origin(&mut self, role: PolicyRole, node: NodeRef) {
        self.origins.retain(|(r, _)| *r != role);
        self.origins.push((role, node));
    }

    /// Where the policies of an organization level are attached, if known.
    pub fn origin(&self, role: PolicyRole) -> Option<&NodeRef> {
        self.origins
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| n)
    }

    /// Every known origin of an organization level.
    pub(crate) fn origins(&self) -> &[(PolicyRole, NodeRef)] {
        &self.origins
    }

    /// All policies with their roles, in the order added.
    pub fn policies(&self) -> &[(PolicyRole, Policy)] {
        &self.policies
    }

    /// Whether any policy has this role.
    pub(crate) fn has(&self, role: PolicyRole) -> bool {
        match role {
            PolicyRole::Boundary => self.roles.has_boundary,
            PolicyRole::Session => self.roles.has_session,
            PolicyRole::VpcEndpoint => self.roles.has_vpce,
            PolicyRole::Resource => self.roles.has_resource,
            _ => self.policies.iter().any(|(r, _)| *r == role),
        }
    }

    /// The organization levels that have SCPs, in order.
    fn scp_levels(&self) -> &[usize] {
        &self.roles.scp_levels
    }

    /// Compiles the set for evaluation now: indexes its statements by the actions and services
    /// they name. Otherwise this happens on the set's first decision.
    pub fn compile(&self) {
        self.index();
    }

    fn index(&self) -> &Index {
        self.index
            .get_or_init(|| Arc::new(Index::build(&self.policies)))
    }

    /// Looks up a statement by reference.
    pub fn statement(&self, at: StatementRef) -> Option<(PolicyRole, &Policy, &Statement)> {
        let (role, policy) = self.policies.get(at.policy)?;
        Some((*role, policy, policy.statements.get(at.statement)?))
    }
}

/// Names a statement of a [`PolicySet`]: the policy's position and the statement's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// Index of the policy in [`PolicySet::policies`].
    pub policy: usize,
    /// Index of the statement in the policy.
    pub statement: usize,
}

/// Why the decision is what it is, in the words of AWS's access-denied messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Allowed by the deciding statements.
    Allowed,
    /// Allowed with no statement: the caller is the root user of the account that owns the
    /// resource (or, for an account-level action, of its own account), which has full access
    /// unless a Deny or a guardrail stops it (IAM User Guide, policy evaluation logic; see
    /// `docs/semantics.md`, "The root user").
    RootUserOfResourceAccount,
    /// A Deny statement matched, in a policy of this role.
    ExplicitDeny(PolicyRole),
    /// No SCP at this organization level allows the action.
    NoScpAllows(usize),
    /// No RCP at this organization level allows the action.
    NoRcpAllows(usize),
    /// The VPC endpoint policy does not allow the request.
    NoVpcEndpointAllows,
    /// Cross-account: the resource policy does not allow the caller.
    NoResourcePolicyAllows,
    /// No identity-based policy allows (and, same-account, no resource-based policy either).
    NoIdentityAllows,
    /// The permissions boundary does not allow the action.
    NoBoundaryAllows,
    /// The session policy does not allow the action (or a federated session has none).
    NoSessionAllows,
    /// The resource's own policy must allow the request, even within one account, and it does
    /// not: a role trust policy, a KMS key policy (see `crate::eval::mandatory`). Identity-based
    /// policies alone never allow such a request.
    ResourcePolicyMustAllow {
        /// Which policy.
        policy: MandatoryPolicy,
        /// Whether the request's policy set has it at all.
        given: bool,
    },
    /// AWS refuses the request whatever the policies say (see `crate::eval::mandatory`).
    Refused(Refusal),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Allowed => f.write_str("allowed"),
            Reason::RootUserOfResourceAccount => f.write_str(
                "allowed: the caller is the root user of the account that owns the resource",
            ),
            Reason::ExplicitDeny(role) => {
                let article = if *role == PolicyRole::Identity {
                    "an"
                } else {
                    "a"
                };
                write!(f, "with an explicit deny in {article} {role}")
            }
            Reason::NoScpAllows(level) => write!(
                f,
                "because no service control policy allows it (organization level {level})"
            ),
            Reason::NoRcpAllows(level) => write!(
                f,
                "because no resource control policy allows it (organization level {level})"
            ),
            Reason::NoVpcEndpointAllows => f.write_str("because no VPC endpoint policy allows it"),
            Reason::NoResourcePolicyAllows => {
                f.write_str("because no resource-based policy allows it")
            }
            Reason::NoIdentityAllows => f.write_str("because no identity-based policy allows it"),
            Reason::NoBoundaryAllows => f.write_str("because no permissions boundary allows it"),
            Reason::NoSessionAllows => f.write_str("because no session policy allows it"),
            Reason::ResourcePolicyMustAllow { policy, given } => {
                let policy = match policy {
                    MandatoryPolicy::TrustPolicy => "the role's trust policy",
                    MandatoryPolicy::KeyPolicy => "the key policy",
                };
                let outcome = if *given {
                    " and does not"
                } else {
                    ", and none was given"
                };
                write!(f, "because {policy} must allow it{outcome}")
            }
            Reason::Refused(refusal) => f.write_str(match refusal {
                Refusal::AwsManagedPolicy => {
                    "refused whatever the policies say: AWS managed policies cannot be changed"
                }
                Refusal::ReservedRole => {
                    "refused whatever the policies say: roles under /aws-reserved/ are modifiable only by AWS"
                }
                Refusal::AwsManagedKeyAlias => {
                    "refused whatever the policies say: aliases beginning with alias/aws/ are reserved for AWS managed keys"
                }
            }),
        }
    }
}

/// The decision and the statements that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The outcome.
    pub decision: Decision,
    /// For `ExplicitDeny` every matching Deny; for `Allow` every matching Allow of the
    /// identity-based and resource-based policies (the grants); else empty.
    pub deciding: Vec<StatementRef>,
    /// The reason, naming the policy type that decided.
    pub reason: Reason,
}

/// One element of a statement that does not cover the request: the typed fact an explanation
/// renders.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// `Action` lists no pattern matching the action.
    ActionNotListed {
        /// The request action.
        action: String,
        /// The listed values.
        listed: Vec<String>,
        /// The listed value closest to the action, when one is a plausible typo.
        closest: Option<String>,
    },
    /// `NotAction` lists a pattern matching the action.
    ActionExcluded {
        /// The request action.
        action: String,
        /// The `NotAction` value that matches it.
        by: String,
    },
    /// `Resource` lists no value matching the resource.
    ResourceNotMatched {
        /// The request resource.
        resource: String,
        /// The listed values.
        listed: Vec<String>,
    },
    /// The action is account-level (evaluated on `*`) and `Resource` has no literal `*`.
    AccountLevelAction {
        /// The request action.
        action: String,
        /// The listed values.
        listed: Vec<String>,
    },
    /// `NotResource` lists a value matching the resource.
    ResourceExcluded {
        /// The request resource.
        resource: String,
        /// The `NotResource` value that matches it.
        by: String,
    },
    /// `Principal` does not name the caller (or no caller was given).
    PrincipalNotNamed {
        /// The caller, if given.
        caller: Option<String>,
        /// The listed principals.
        listed: Vec<String>,
    },
    /// `NotPrincipal` lists every level of the caller, so the Deny exempts it.
    PrincipalExempted {
        /// The caller.
        caller: String,
    },
    /// A condition clause does not hold.
    Condition {
        /// The condition key.
        key: String,
        /// The operator as written.
        operator: String,
        /// The policy values as written.
        values: Vec<String>,
        /// Why it does not hold, with the request value(s).
        failure: ConditionFailure,
    },
}

/// The element of a statement a [`Mismatch`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Element {
    /// `Action` / `NotAction`.
    Action,
    /// `Resource` / `NotResource`.
    Resource,
    /// `Principal` / `NotPrincipal`.
    Principal,
    /// `Condition`.
    Condition,
}

impl Element {
    /// `action`, `resource`, `principal` or `condition`.
    pub fn as_str(self) -> &'static str {
        match self {
            Element::Action => "action",
            Element::Resource => "resource",
            Element::Principal => "principal",
            Element::Condition => "condition",
        }
    }
}

impl Mismatch {
    /// The element that failed.
    pub fn element(&self) -> Element {
        match self {
            Mismatch::ActionNotListed { .. } | Mismatch::ActionExcluded { .. } => Element::Action,
            Mismatch::ResourceNotMatched { .. }
            | Mismatch::AccountLevelAction { .. }
            | Mismatch::ResourceExcluded { .. } => Element::Resource,
            Mismatch::Condition { .. } => Element::Condition,
            Mismatch::PrincipalNotNamed { .. } | Mismatch::PrincipalExempted { .. } => {
                Element::Principal
            }
        }
    }

    /// The variant's name, as in the JSON report (`ActionNotListed`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
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
}

/// Where [`check_statement`] puts the elements that fail: nowhere on the decision path (it stops
/// at the first), every one of them when an explanation traces the statement.
pub(crate) trait Misses {
    /// Whether to go on after a mismatch.
    const ALL: bool;
    /// Records a mismatch; the closure runs only when it is kept.
    fn miss(&mut self, mismatch: impl FnOnce() -> Mismatch);
}

/// Stops at the first mismatch and keeps nothing: no allocation.
pub(crate) struct FirstMiss;

impl Misses for FirstMiss {
    const ALL: bool = false;
    fn miss(&mut self, _: impl FnOnce() -> Mismatch) {}
}

impl Misses for Vec<Mismatch> {
    const ALL: bool = true;
    fn miss(&mut self, mismatch: impl FnOnce() -> Mismatch) {
        self.push(mismatch());
    }
}

/// The one check of a statement against a request, element by element: `Principal`, `Action`
/// (skipped when `action_known`: the index already matched it), `Resource`, then each condition
/// clause. Returns how the principal element names the caller when every element covers the
/// request, `None` otherwise; `misses` receives the failing elements (see [`Misses`]).
pub(crate) fn check_statement<M: Misses>(
    statement: &Statement,
    kind: PolicyKind,
    request: &Request,
    has_boundary: bool,
    action_known: bool,
    misses: &mut M,
) -> Option<Option<PrincipalMatch>> {
    let mut applies = true;
    let mut how = None;
    if let Some(clause) = &statement.principal {
        match principal_applies(clause, kind, request, has_boundary) {
            Ok(m) => how = m,
            Err(PrincipalMiss::Exempted) => {
                applies = false;
                misses.miss(|| Mismatch::PrincipalExempted {
                    caller: request.principal().unwrap_or("anonymous").to_string(),
                });
            }
            Err(PrincipalMiss::NotNamed | PrincipalMiss::UnknownCaller) => {
                applies = false;
                misses.miss(|| Mismatch::PrincipalNotNamed {
                    caller: request.principal().map(str::to_string),
                    listed: clause.principals.iter().map(describe_principal).collect(),
                });
            }
        }
        if !applies && !M::ALL {
            return None;
        }
    }
    if !action_known {
        let clause = &statement.action;
        match (clause.negated, clause.first_match(request.action_lower())) {
            (false, None) => {
                applies = false;
                misses.miss(|| {
                    let listed: Vec<String> =
                        clause.patterns.iter().map(|p| p.text.clone()).collect();
                    let closest = crate::matching::fuzzy::closest(
                        request.action(),
                        listed.iter().map(String::as_str),
                    )
                    .map(str::to_string);
                    Mismatch::ActionNotListed {
                        action: request.action().to_string(),
                        listed,
                        closest,
                    }
                });
            }
            (true, Some(by)) => {
                applies = false;
                misses.miss(|| Mismatch::ActionExcluded {
                    action: request.action().to_string(),
                    by: by.text.clone(),
                });
            }
            _ => {}
        }
        if !applies && !M::ALL {
            return None;
        }
    }
    if let Some(clause) = &statement.resource {
        match (
            clause.negated,
            clause.first_match_lazy(request.resource(), || request.context()),
        ) {
            (false, None) => {
                applies = false;
                misses.miss(|| {
                    let listed = clause
                        .patterns
                        .iter()
                        .map(|p| p.text().to_string())
                        .collect();
                    if request.is_account_level() {
                        Mismatch::AccountLevelAction {
                            action: request.action().to_string(),
                            listed,
                        }
                    } else {
                        Mismatch::ResourceNotMatched {
                            resource: request.resource().to_string(),
                            listed,
                        }
                    }
                });
            }
            (true, Some(by)) => {
                applies = false;
                misses.miss(|| Mismatch::ResourceExcluded {
                    resource: request.resource().to_string(),
                    by: by.text().to_string(),
                });
            }
            _ => {}
        }
        if !applies && !M::ALL {
            return None;
        }
    }
    for clause in statement.condition.iter().flat_map(|c| &c.clauses) {
        let held = if M::ALL {
            match clause.check::<ConditionFailure>(request.context()) {
                Ok(()) => true,
                Err(failure) => {
                    misses.miss(|| Mismatch::Condition {
                        key: clause.key.clone(),
                        operator: clause.operator.to_string(),
                        values: clause.written.clone(),
                        failure,
                    });
                    false
                }
            }
        } else {
            clause.check::<()>(request.context()).is_ok()
        };
        if !held {
            applies = false;
            if !M::ALL {
                return None;
            }
        }
    }
    applies.then_some(how)
}

/// A principal value as written, with its type for the non-`AWS` ones (`Service:…`).
fn describe_principal(value: &crate::model::policy::PrincipalValue) -> String {
    use crate::model::policy::PrincipalValue as V;
    match value {
        V::Anyone => "*".to_string(),
        V::Aws(v) => v.clone(),
        V::Service(v) => format!("Service:{v}"),
        V::Federated(v) => format!("Federated:{v}"),
        V::CanonicalUser(v) => format!("CanonicalUser:{v}"),
    }
}

/// Why a `Principal`/`NotPrincipal` element does not apply to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalMiss {
    /// No caller was given, and the element names specific principals.
    UnknownCaller,
    /// `Principal` does not name the caller.
    NotNamed,
    /// `NotPrincipal` names every level of the caller, so the Deny exempts it.
    Exempted,
}

/// Whether a principal element applies to the request's caller, and how it names it.
pub(crate) fn principal_applies(
    clause: &crate::model::policy::PrincipalClause,
    kind: PolicyKind,
    request: &Request,
    has_boundary: bool,
) -> Result<Option<PrincipalMatch>, PrincipalMiss> {
    let Some(caller) = request.caller() else {
        // Without a known caller only "everyone" can be named.
        let anyone = clause
            .principals
            .contains(&crate::model::policy::PrincipalValue::Anyone);
        return match (clause.negated, anyone) {
            (false, true) => Ok(Some(PrincipalMatch::Anyone)),
            (true, true) => Err(PrincipalMiss::Exempted),
            _ => Err(PrincipalMiss::UnknownCaller),
        };
    };
    if clause.negated {
        return if not_principal_exempts(clause, caller, kind, request.partition(), has_boundary) {
            Err(PrincipalMiss::Exempted)
        } else {
            Ok(None)
        };
    }
    match_clause(clause, caller, kind, request.partition())
        .map(Some)
        .ok_or(PrincipalMiss::NotNamed)
}

/// Whether policies in `role` take part in this request at all.
pub(crate) fn role_applies(role: PolicyRole, request: &Request) -> bool {
    role_exclusion(role, request).is_none()
}

/// Why the policies of a role take no part in a request (the rows of `crate::eval::scope::SCOPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exclusion {
    /// The action is account-level (its resource is `*`): resource-based policies and RCPs
    /// govern only requests on a concrete resource.
    AccountLevelAction,
    /// Service control policies do not apply to AWS service principals.
    ServiceCaller,
    /// Service control policies do not apply to anonymous callers: they limit IAM users and
    /// roles of member accounts.
    AnonymousCaller,
    /// Neither SCPs nor RCPs apply to service-linked roles.
    ServiceLinkedRole,
    /// SCPs do not apply to the users and roles of the management account.
    ManagementAccountCaller,
    /// RCPs do not apply to the resources of the management account.
    ManagementAccountResource,
    /// The registry policy's scope does not cover the action: V1 enforces only three actions,
    /// V2 every ECR action (and nothing of other services).
    RegistryScope(RegistryScope),
}

impl Exclusion {
    /// `accountLevelAction`, `serviceCaller`, `anonymousCaller`, `serviceLinkedRole`,
    /// `managementAccountCaller`, `managementAccountResource`, `registryScope`: a stable key for
    /// JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::AccountLevelAction => "accountLevelAction",
            Exclusion::ServiceCaller => "serviceCaller",
            Exclusion::AnonymousCaller => "anonymousCaller",
            Exclusion::ServiceLinkedRole => "serviceLinkedRole",
            Exclusion::ManagementAccountCaller => "managementAccountCaller",
            Exclusion::ManagementAccountResource => "managementAccountResource",
            Exclusion::RegistryScope(_) => "registryScope",
        }
    }
}

/// Why policies in `role` do not take part in this request, if they don't.
pub(crate) fn role_exclusion(role: PolicyRole, request: &Request) -> Option<Exclusion> {
    match role {
        PolicyRole::Registry(_) if request.is_account_level() => {
            Some(Exclusion::AccountLevelAction)
        }
        PolicyRole::Registry(scope) if !scope.governs(request.action()) => {
            Some(Exclusion::RegistryScope(scope))
        }
        _ => crate::eval::scope::exclusion(role, request),
    }
}

/// The compiled form of a [`PolicySet`]: one entry per statement, and the statements listed by
/// the lower-cased actions (exact `Action` values) and services (`Action` values with a wildcard
/// after a literal service prefix) they can match. Statements with `NotAction`, or with a
/// wildcard in the service prefix, can match any action: they are always candidates.
#[derive(Clone, Debug, Default)]
struct Index {
    entries: Vec<Entry>,
    /// Sorted by action (see [`key_order`]); each list sorted by entry.
    exact: Vec<(Box<str>, Vec<u32>)>,
    /// Sorted by service prefix (see [`key_order`]); each list sorted by entry.
    by_service: Vec<(Box<str>, Vec<u32>)>,
    /// Entries that may match any action, sorted.
    always: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    at: StatementRef,
    role: PolicyRole,
    effect: Effect,
}

/// The order of index keys: by length, then by text, so that most comparisons of a lookup are
/// decided by the lengths alone.
fn key_order(k: &str, key: &str) -> std::cmp::Ordering {
    k.len().cmp(&key.len()).then_with(|| k.cmp(key))
}

/// Sets with at most this many statements are scanned unless already indexed.
const SCAN_BELOW: usize = 16;

/// Adds `id` to the list of `key` in a map kept sorted by key.
fn push_keyed(map: &mut Vec<(Box<str>, Vec<u32>)>, key: &str, id: u32) {
    match map.binary_search_by(|(k, _)| key_order(k, key)) {
        Ok(i) => {
            if let Some((_, list)) = map.get_mut(i)
                && list.last() != Some(&id)
            {
                list.push(id);
            }
        }
        Err(i) => map.insert(i, (key.into(), vec![id])),
    }
}

fn lookup<'a>(map: &'a [(Box<str>, Vec<u32>)], key: &str) -> &'a [u32] {
    match map.binary_search_by(|(k, _)| key_order(k, key)) {
        Ok(i) => map.get(i).map_or(&[], |(_, list)| list.as_slice()),
        Err(_) => &[],
    }
}

impl Index {
    fn build(policies: &[(PolicyRole, Policy)]) -> Index {
        let mut index = Index::default();
        for (p, (role, policy)) in policies.iter().enumerate() {
            index.add(p, *role, policy);
        }
        index
    }

    fn add(&mut self, policy_index: usize, role: PolicyRole, policy: &Policy) {
        for (s, statement) in policy.statements.iter().enumerate() {
            let Ok(id) = u32::try_from(self.entries.len()) else {
                // Four billion statements: not a case worth a second code path.
                continue;
            };
            self.entries.push(Entry {
                at: StatementRef {
                    policy: policy_index,
                    statement: s,
                },
                role,
                effect: statement.effect,
            });
            let clause = &statement.action;
            let any_service = clause.negated
                || clause.patterns.iter().any(|p| {
                    let text = p.text.as_str();
                    text.split_once(':')
                        .is_none_or(|(service, _)| service.contains(['*', '?']))
                });
            if any_service {
                self.always.push(id);
                continue;
            }
            for pattern in &clause.patterns {
                let lower = pattern.lowercase();
                if !pattern.has_wildcard() {
                    push_keyed(&mut self.exact, lower, id);
                } else if let Some((service, _)) = lower.split_once(':') {
                    push_keyed(&mut self.by_service, service, id);
                }
            }
        }
    }
}

/// The entries that can match an action, in order, each once: a merge of three sorted lists.
/// Entries from the `exact` list are known to match the action.
struct Candidates<'a> {
    exact: &'a [u32],
    service: &'a [u32],
    always: &'a [u32],
}

impl Iterator for Candidates<'_> {
    /// The entry, and whether its `Action` is known to list the action.
    type Item = (u32, bool);

    fn next(&mut self) -> Option<(u32, bool)> {
        let head = |l: &[u32]| l.first().copied().unwrap_or(u32::MAX);
        let id = head(self.exact)
            .min(head(self.service))
            .min(head(self.always));
        if id == u32::MAX {
            return None;
        }
        let mut known = false;
        if let Some((&first, rest)) = self.exact.split_first()
            && first == id
        {
            self.exact = rest;
            known = true;
        }
        for list in [&mut self.service, &mut self.always] {
            if let Some((&first, rest)) = list.split_first()
                && first == id
            {
                *list = rest;
            }
        }
        Some((id, known))
    }
}

/// What matched, without the statements: enough to decide, and never allocates (unless a set
/// has more than 64 SCP levels).
#[derive(Clone, Default)]
pub(crate) struct Tally {
    first_deny: Option<PolicyRole>,
    identity_allows: bool,
    /// How the strongest resource-policy grant names the caller.
    best_resource_grant: Option<PrincipalMatch>,
    boundary_allows: bool,
    session_allows: bool,
    vpce_allows: bool,
    /// Bit `i`: the `i`-th SCP level of the set (in [`Index::scp_levels`]) has an Allow.
    scp_allowing: u64,
    /// The same for levels past the 64th.
    scp_allowing_more: Vec<usize>,
}

impl Tally {
    /// Records an applying statement; an SCP Allow needs the set, see [`Tally::record_in`].
    fn record(&mut self, role: PolicyRole, effect: Effect, principal: Option<PrincipalMatch>) {
        match (effect, role) {
            (Effect::Deny, _) => {
                self.first_deny.get_or_insert(role);
            }
            (Effect::Allow, PolicyRole::Identity) => self.identity_allows = true,
            // The repository policy and the registry policy are both resource-based policies of
            // the resource's account: a grant in either counts (docs/semantics.md#registry-policy).
            (Effect::Allow, PolicyRole::Resource | PolicyRole::Registry(_)) => {
                let how = principal.unwrap_or(PrincipalMatch::Anyone);
                self.best_resource_grant =
                    Some(self.best_resource_grant.map_or(how, |b| b.min(how)));
            }
            (Effect::Allow, PolicyRole::Boundary) => self.boundary_allows = true,
            (Effect::Allow, PolicyRole::Session) => self.session_allows = true,
            (Effect::Allow, PolicyRole::VpcEndpoint) => self.vpce_allows = true,
            // Recorded by `scp_allows`, which knows the set's levels.
            (Effect::Allow, PolicyRole::Scp(_)) => {}
            // RCPFullAWSAccess is attached at every level and cannot be detached, so every RCP
            // level allows; only RCP Deny statements matter.
            (Effect::Allow, PolicyRole::Rcp(_)) => {}
        }
    }

    /// Records an applying statement of `set`.
    fn record_in(
        &mut self,
        scp_levels: &[usize],
        role: PolicyRole,
        effect: Effect,
        principal: Option<PrincipalMatch>,
    ) {
        match (effect, role) {
            (Effect::Allow, PolicyRole::Scp(level)) => self.scp_allows(scp_levels, level),
            _ => self.record(role, effect, principal),
        }
    }

    /// Notes that SCP level `level` (one of `scp_levels`, the set's) has an Allow that applies.
    fn scp_allows(&mut self, scp_levels: &[usize], level: usize) {
        let slot = scp_levels.binary_search(&level).unwrap_or(usize::MAX);
        match u32::try_from(slot).ok().and_then(|s| 1u64.checked_shl(s)) {
            Some(bit) => self.scp_allowing |= bit,
            None => self.scp_allowing_more.push(level),
        }
    }

    fn scp_level_allows(&self, slot: usize, level: usize) -> bool {
        match u32::try_from(slot).ok().and_then(|s| 1u64.checked_shl(s)) {
            Some(bit) => self.scp_allowing & bit != 0,
            None => self.scp_allowing_more.contains(&level),
        }
    }
}

/// Which of the applying statements decide, once the decision is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deciding {
    /// Every applying Deny.
    Denies,
    /// Every applying Allow of the identity-based and resource-based policies.
    Grants,
    /// Every applying Allow of the resource-based policy.
    ResourceGrants,
    /// None.
    Nothing,
}

impl Deciding {
    fn includes(self, role: PolicyRole, effect: Effect) -> bool {
        match (self, effect) {
            (Deciding::Denies, Effect::Deny) => true,
            (Deciding::Grants, Effect::Allow) => {
                matches!(
                    role,
                    PolicyRole::Identity | PolicyRole::Resource | PolicyRole::Registry(_)
                )
            }
            (Deciding::ResourceGrants, Effect::Allow) => {
                matches!(role, PolicyRole::Resource | PolicyRole::Registry(_))
            }
            _ => false,
        }
    }
}

/// What matched, gathered in one pass over every statement: the tally, and the statements that
/// may decide (the applying Denies and the Allows of identity-based and resource-based
/// policies), in order. Used by [`crate::explain`], which traces every statement anyway.
#[derive(Default)]
pub(crate) struct Matches {
    tally: Tally,
    /// The SCP levels with an applying Allow (the tally's SCP bits need the set).
    scp_levels_allowing: Vec<usize>,
    applying: Vec<(StatementRef, PolicyRole, Effect)>,
}

impl Matches {
    /// Records a statement that applies to the request.
    pub(crate) fn record(
        &mut self,
        at: StatementRef,
        role: PolicyRole,
        effect: Effect,
        principal: Option<PrincipalMatch>,
    ) {
        match (effect, role) {
            (Effect::Allow, PolicyRole::Scp(level)) => self.scp_levels_allowing.push(level),
            _ => self.tally.record(role, effect, principal),
        }
        if Deciding::Denies.includes(role, effect) || Deciding::Grants.includes(role, effect) {
            self.applying.push((at, role, effect));
        }
    }
}

/// Evaluates every statement that can match the request; `on_match` sees each applying one, in
/// policy order then statement order.
fn gather(
    set: &PolicySet,
    request: &Request,
    on_match: impl FnMut(&Entry, Option<PrincipalMatch>),
) {
    gather_in(set, request, set.roles.has_boundary, on_match);
}

/// [`gather`] over one part of a [`Joined`] set: `has_boundary` is the whole's.
fn gather_in(
    set: &PolicySet,
    request: &Request,
    has_boundary: bool,
    mut on_match: impl FnMut(&Entry, Option<PrincipalMatch>),
) {
    // A few statements are scanned as fast as they are looked up: a set built for one decision
    // (the explanation's verified fixes) is not worth indexing.
    let index = match set.index.get() {
        Some(index) => index,
        None if set.roles.statements <= SCAN_BELOW => {
            scan(set, request, has_boundary, on_match);
            return;
        }
        None => set.index(),
    };
    let action = request.action_lower();
    // A byte search: `split_once(':')`'s char searcher cost a tenth of a decision.
    let service = action
        .bytes()
        .position(|b| b == b':')
        .and_then(|at| action.get(..at))
        .unwrap_or(action);
    let candidates = Candidates {
        exact: lookup(&index.exact, action),
        service: lookup(&index.by_service, service),
        always: &index.always,
    };
    for (id, action_known) in candidates {
        let Some(entry) = index.entries.get(id as usize) else {
            continue;
        };
        if !role_applies(entry.role, request) {
            continue;
        }
        let Some((_, policy)) = set.policies.get(entry.at.policy) else {
            continue;
        };
        if let Some(statement) = policy.statements.get(entry.at.statement) {
            visit(
                has_boundary,
                request,
                entry,
                policy.kind,
                statement,
                action_known,
                &mut on_match,
            );
        }
    }
}

/// [`gather`] without the index: every statement in order.
#[inline(never)]
fn scan(
    set: &PolicySet,
    request: &Request,
    has_boundary: bool,
    mut on_match: impl FnMut(&Entry, Option<PrincipalMatch>),
) {
    let action = request.action_lower();
    for (p, (role, policy)) in set.policies.iter().enumerate() {
        if !role_applies(*role, request) {
            continue;
        }
        for (s, statement) in policy.statements.iter().enumerate() {
            if !statement.action.covers(action) {
                continue;
            }
            let entry = Entry {
                at: StatementRef {
                    policy: p,
                    statement: s,
                },
                role: *role,
                effect: statement.effect,
            };
            visit(
                has_boundary,
                request,
                &entry,
                policy.kind,
                statement,
                true,
                &mut on_match,
            );
        }
    }
}

/// Checks one statement whose action may match (`action_known`: it does) and hands it to
/// `on_match` when it applies; `has_boundary` is the whole set's (a [`Joined`] set's too).
#[inline(always)]
fn visit(
    has_boundary: bool,
    request: &Request,
    entry: &Entry,
    kind: PolicyKind,
    statement: &Statement,
    action_known: bool,
    on_match: &mut impl FnMut(&Entry, Option<PrincipalMatch>),
) {
    let checked = check_statement(
        statement,
        kind,
        request,
        has_boundary,
        action_known,
        &mut FirstMiss,
    );
    if let Some(principal) = checked {
        on_match(entry, principal);
    }
}

/// Decides the request.
pub fn authorize(set: &PolicySet, request: &Request) -> Response {
    let mut deciding = Vec::new();
    let (decision, reason) = authorize_into(set, request, &mut deciding);
    Response {
        decision,
        deciding,
        reason,
    }
}

/// [`authorize`] into a caller's buffer: `deciding` is cleared and receives the deciding
/// statements, and the decision and reason are returned. With a buffer reused from one request
/// to the next, nothing is allocated.
pub fn authorize_into(
    set: &PolicySet,
    request: &Request,
    deciding: &mut Vec<StatementRef>,
) -> (Decision, Reason) {
    deciding.clear();
    let mut tally = Tally::default();
    gather(set, request, |entry, principal| {
        tally.record_in(set.scp_levels(), entry.role, entry.effect, principal);
        if Deciding::Denies.includes(entry.role, entry.effect)
            || Deciding::Grants.includes(entry.role, entry.effect)
        {
            deciding.push(entry.at);
        }
    });
    let (decision, reason, which) = verdict(&Facts::of(set), request, &tally);
    match which {
        // Nothing denied (or the decision would be a Deny): every recorded statement is a grant.
        Deciding::Grants => {}
        Deciding::Nothing => deciding.clear(),
        Deciding::Denies | Deciding::ResourceGrants => deciding.retain(|at| {
            set.statement(*at)
                .is_some_and(|(role, _, statement)| which.includes(role, statement.effect))
        }),
    }
    (decision, reason)
}

/// The decision and its reason alone, without the deciding statements: no allocation.
pub fn decide_only(set: &PolicySet, request: &Request) -> (Decision, Reason) {
    let mut tally = Tally::default();
    gather(set, request, |entry, principal| {
        tally.record_in(set.scp_levels(), entry.role, entry.effect, principal);
    });
    let (decision, reason, _) = verdict(&Facts::of(set), request, &tally);
    (decision, reason)
}

/// The combining algorithm of docs/semantics.md#how-policy-types-combine, over what matched, with
/// the deciding statements.
pub(crate) fn decide(set: &PolicySet, request: &Request, m: &Matches) -> Response {
    let mut tally = m.tally.clone();
    for &level in &m.scp_levels_allowing {
        tally.scp_allows(set.scp_levels(), level);
    }
    let (decision, reason, which) = verdict(&Facts::of(set), request, &tally);
    let deciding = m
        .applying
        .iter()
        .filter(|(_, role, effect)| which.includes(*role, *effect))
        .map(|(at, _, _)| *at)
        .collect();
    Response {
        decision,
        deciding,
        reason,
    }
}

/// What the combining algorithm needs to know of the set besides what matched.
struct Facts<'a> {
    scp_levels: &'a [usize],
    has_boundary: bool,
    has_session: bool,
    has_vpce: bool,
    has_resource: bool,
}

impl Facts<'_> {
    fn of(set: &PolicySet) -> Facts<'_> {
        Facts {
            scp_levels: set.scp_levels(),
            has_boundary: set.roles.has_boundary,
            has_session: set.roles.has_session,
            has_vpce: set.roles.has_vpce,
            has_resource: set.roles.has_resource,
        }
    }

    fn has(&self, role: PolicyRole) -> bool {
        match role {
            PolicyRole::Boundary => self.has_boundary,
            PolicyRole::Session => self.has_session,
            PolicyRole::VpcEndpoint => self.has_vpce,
            PolicyRole::Resource => self.has_resource,
            _ => false,
        }
    }
}

/// Several compiled sets decided as the one set holding their policies in order (the first
/// part's, then the second's, …): a principal's policies compiled once and a repository's
/// compiled once are joined for each pair without copying or re-indexing a policy. Deciding
/// statements are named by part ([`Joined::statement`]).
#[derive(Clone, Debug)]
pub(crate) struct Joined<'a> {
    parts: Vec<&'a PolicySet>,
    scp_levels: Vec<usize>,
    has_boundary: bool,
    has_session: bool,
    has_vpce: bool,
    has_resource: bool,
}

impl<'a> Joined<'a> {
    /// The parts, in order. A set of one request at most one resource policy, boundary, … has:
    /// the parts together must keep that rule (see [`PolicySet::add_as`]); this is the caller's
    /// to ensure, as for one set built from the same policies.
    pub(crate) fn new(parts: Vec<&'a PolicySet>) -> Joined<'a> {
        let mut scp_levels: Vec<usize> = parts
            .iter()
            .flat_map(|p| p.scp_levels().iter().copied())
            .collect();
        scp_levels.sort_unstable();
        scp_levels.dedup();
        for part in &parts {
            part.compile();
        }
        Joined {
            scp_levels,
            has_boundary: parts.iter().any(|p| p.roles.has_boundary),
            has_session: parts.iter().any(|p| p.roles.has_session),
            has_vpce: parts.iter().any(|p| p.roles.has_vpce),
            has_resource: parts.iter().any(|p| p.roles.has_resource),
            parts,
        }
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            scp_levels: &self.scp_levels,
            has_boundary: self.has_boundary,
            has_session: self.has_session,
            has_vpce: self.has_vpce,
            has_resource: self.has_resource,
        }
    }

    /// Looks up a statement by part and reference.
    pub(crate) fn statement(
        &self,
        part: usize,
        at: StatementRef,
    ) -> Option<(PolicyRole, &'a Policy, &'a Statement)> {
        self.parts.get(part)?.statement(at)
    }

    /// [`authorize_into`] over the joined set: `deciding` receives `(part, statement)` pairs, in
    /// the order the one set would list them.
    pub(crate) fn authorize_into(
        &self,
        request: &Request,
        deciding: &mut Vec<(usize, StatementRef)>,
    ) -> (Decision, Reason) {
        deciding.clear();
        let mut tally = Tally::default();
        for (i, set) in self.parts.iter().enumerate() {
            gather_in(set, request, self.has_boundary, |entry, principal| {
                tally.record_in(&self.scp_levels, entry.role, entry.effect, principal);
                if Deciding::Denies.includes(entry.role, entry.effect)
                    || Deciding::Grants.includes(entry.role, entry.effect)
                {
                    deciding.push((i, entry.at));
                }
            });
        }
        let (decision, reason, which) = verdict(&self.facts(), request, &tally);
        match which {
            Deciding::Grants => {}
            Deciding::Nothing => deciding.clear(),
            Deciding::Denies | Deciding::ResourceGrants => deciding.retain(|(part, at)| {
                self.statement(*part, *at)
                    .is_some_and(|(role, _, statement)| which.includes(role, statement.effect))
            }),
        }
        (decision, reason)
    }
}

/// The combining algorithm of docs/semantics.md#how-policy-types-combine, over the tally of what
/// matched.
fn verdict(set: &Facts<'_>, request: &Request, m: &Tally) -> (Decision, Reason, Deciding) {
    let deny = |reason: Reason| (Decision::ImplicitDeny, reason, Deciding::Nothing);

    // 1. An explicit Deny in any applicable policy overrides everything.
    if let Some(role) = m.first_deny {
        return (
            Decision::ExplicitDeny,
            Reason::ExplicitDeny(role),
            Deciding::Denies,
        );
    }

    // What the mandatory-policy table requires: requests AWS refuses whatever the policies say
    // stop here; a role's trust policy or a key's key policy must allow (see `mandatory`).
    let mandatory = match crate::eval::mandatory::requirement(request) {
        Some(Requirement::Refused(refusal)) => return deny(Reason::Refused(refusal)),
        Some(Requirement::ResourcePolicy(rule)) => Some(rule),
        None => None,
    };

    // 2. Guardrails: every SCP level must allow. (RCP levels always do: RCPFullAWSAccess.)
    // Without SCP levels there is nothing to find, so the scope rows are not asked.
    if !set.scp_levels.is_empty()
        && role_applies(PolicyRole::Scp(0), request)
        && let Some(&level) = set
            .scp_levels
            .iter()
            .enumerate()
            .find(|&(slot, &level)| !m.scp_level_allows(slot, level))
            .map(|(_, level)| level)
    {
        return deny(Reason::NoScpAllows(level));
    }
    if set.has(PolicyRole::VpcEndpoint) && !m.vpce_allows {
        return deny(Reason::NoVpcEndpointAllows);
    }

    // 3. Grants.
    let caller = request.caller();
    let kind = caller.map(|c| c.kind);
    let best_resource_grant = m.best_resource_grant;
    let allow = (Decision::Allow, Reason::Allowed, Deciding::Grants);

    // A policy the resource must have: without its Allow, nothing else grants.
    if let Some(rule) = mandatory
        && best_resource_grant.is_none()
    {
        return deny(Reason::ResourcePolicyMustAllow {
            policy: rule.policy,
            given: set.has(PolicyRole::Resource),
        });
    }

    if matches!(
        kind,
        Some(PrincipalKind::Service | PrincipalKind::Anonymous)
    ) {
        // No identity policies: only a resource policy naming the caller (or everyone) grants,
        // so only its statements decide.
        return match best_resource_grant {
            Some(PrincipalMatch::Anyone | PrincipalMatch::Direct) => {
                (Decision::Allow, Reason::Allowed, Deciding::ResourceGrants)
            }
            _ => deny(Reason::NoResourcePolicyAllows),
        };
    }
    let same_account = match (
        caller.and_then(|c| c.account.as_deref()),
        request.resource_account(),
    ) {
        // A resource no account owns (an AWS managed policy, `arn:aws:iam::aws:policy/…`) is
        // used from the caller's own account.
        (Some(caller_account), Some(resource_account)) => {
            caller_account == resource_account
                || !resource_account.bytes().all(|b| b.is_ascii_digit())
        }
        // Unknown caller or account-level action: the caller's own account.
        _ => true,
    };
    let root = kind == Some(PrincipalKind::Root);
    if root && same_account && mandatory.is_none() {
        // The root user has full access in its own account: the statements that also allow it
        // decide if there are any, else the ownership rule does.
        return if m.identity_allows || best_resource_grant.is_some() {
            allow
        } else {
            (
                Decision::Allow,
                Reason::RootUserOfResourceAccount,
                Deciding::Nothing,
            )
        };
    }
    let identity_allows = root || m.identity_allows;
    let boundary_ok = !set.has(PolicyRole::Boundary) || m.boundary_allows;
    let session_ok = if set.has(PolicyRole::Session) {
        m.session_allows
    } else {
        kind != Some(PrincipalKind::FederatedUser)
    };
    let limits_ok = boundary_ok && session_ok;
    // The first limit that fails, for the message.
    let limit_reason = if boundary_ok {
        Reason::NoSessionAllows
    } else {
        Reason::NoBoundaryAllows
    };

    if let Some(rule) = mandatory {
        let must_allow = Reason::ResourcePolicyMustAllow {
            policy: rule.policy,
            given: true,
        };
        let direct_ok = limits_ok || !rule.limits_direct_grant;
        if rule.identity == IdentityPolicies::Never {
            // No identity-based policies: only a statement naming the caller (or everyone).
            return match best_resource_grant {
                Some(PrincipalMatch::Anyone | PrincipalMatch::Direct) => allow,
                _ => deny(must_allow),
            };
        }
        if same_account {
            // Naming the caller (or its role) allows on its own; naming the account delegates
            // to the identity-based policies, which must then allow too.
            return match best_resource_grant {
                Some(PrincipalMatch::Anyone | PrincipalMatch::Direct) if direct_ok => allow,
                Some(PrincipalMatch::ViaRole) if limits_ok => allow,
                Some(PrincipalMatch::ViaAccount) if !identity_allows => {
                    deny(Reason::NoIdentityAllows)
                }
                Some(PrincipalMatch::ViaAccount) if limits_ok => allow,
                Some(_) => deny(limit_reason),
                None => deny(must_allow),
            };
        }
    }

    if same_account {
        // Within one account the union applies, but how the resource policy names the caller
        // decides whether the boundary and session policy still limit it
        // (docs/semantics.md#same-account-requests).
        return match best_resource_grant {
            Some(PrincipalMatch::Anyone | PrincipalMatch::Direct) => allow,
            Some(PrincipalMatch::ViaRole) if limits_ok => allow,
            _ if identity_allows && limits_ok => allow,
            _ if identity_allows || best_resource_grant == Some(PrincipalMatch::ViaRole) => {
                deny(limit_reason)
            }
            _ => deny(Reason::NoIdentityAllows),
        };
    }
    // Across accounts both sides must allow: the resource policy (any way of naming the caller)
    // and the caller's identity-based policies within its limits
    // (docs/semantics.md#cross-account-requests).
    if !identity_allows {
        return deny(Reason::NoIdentityAllows);
    }
    if !limits_ok {
        return deny(limit_reason);
    }
    if best_resource_grant.is_none() {
        return deny(Reason::NoResourcePolicyAllows);
    }
    allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::explain;
    use crate::model::context::{Context, ContextValue};
    use crate::parse::parse_policy;

    const ACCOUNT: &str = "123456789012";
    const OTHER: &str = "111122223333";

    /// Identity-based statements: exact actions, service wildcards, wildcard services,
    /// `NotAction`, `NotResource`, conditions, variables, Denies.
    const IDENTITY: &[&str] = &[
        r#"{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage","ECR:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}"#,
        r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#,
        r#"{"Effect":"Allow","Action":"ecr:Describe*","Resource":"*"}"#,
        r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:ecr:*:*:repository/team-?/*"}"#,
        r#"{"Effect":"Allow","Action":"e*:List*","Resource":"*"}"#,
        r#"{"Effect":"Deny","NotAction":["ecr:Get*","ecr:BatchGetImage","ecr:Describe*"],"Resource":"arn:aws:ecr:*:*:repository/prod-*"}"#,
        r#"{"Effect":"Deny","Action":"ecr:Delete*","NotResource":"arn:aws:ecr:*:*:repository/scratch"}"#,
        r#"{"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"}"#,
        r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}"#,
        r#"{"Effect":"Deny","Action":["ecr:PutImage","s3:GetObject"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        r#"{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket","arn:aws:s3:::bucket/*"]}"#,
        r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/open"}"#,
    ];

    const RESOURCE: &[&str] = &[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}"#,
        r#"{"Effect":"Allow","Principal":"*","Action":"ecr:DescribeImages"}"#,
        r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/mallory"},"Action":"ecr:*"}"#,
        r#"{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"ecr:BatchGetImage"}"#,
    ];

    const GUARDRAIL: &[&str] = &[
        r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"}"#,
        r#"{"Effect":"Allow","Action":["ecr:Get*","ecr:Batch*","ecr:Describe*","s3:*"],"Resource":"*"}"#,
        r#"{"Effect":"Deny","Action":"ecr:DeleteRepository","Resource":"*"}"#,
    ];

    fn document(statements: &[&str]) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        )
    }

    fn policy(statements: &[&str], kind: PolicyKind) -> Policy {
        parse_policy("p.json", document(statements).as_bytes(), kind).unwrap()
    }

    /// Deterministic sets: slices of the statement lists above in each role.
    fn sets() -> Vec<PolicySet> {
        let mut sets = vec![PolicySet::new()];
        for start in 0..IDENTITY.len() {
            for len in [1, 3, IDENTITY.len()] {
                let end = (start + len).min(IDENTITY.len());
                let mut set = PolicySet::new();
                set.add(policy(&IDENTITY[start..end], PolicyKind::Identity))
                    .unwrap();
                if start % 2 == 0 {
                    set.add(policy(RESOURCE, PolicyKind::Resource)).unwrap();
                }
                match start % 4 {
                    1 => set
                        .add(policy(&GUARDRAIL[1..2], PolicyKind::Boundary))
                        .unwrap(),
                    2 => {
                        set.add_as(PolicyRole::Scp(0), policy(&GUARDRAIL[..1], PolicyKind::Scp))
                            .unwrap();
                        set.add_as(PolicyRole::Scp(2), policy(&GUARDRAIL[1..], PolicyKind::Scp))
                            .unwrap();
                    }
                    3 => set
                        .add(policy(&GUARDRAIL[1..2], PolicyKind::Session))
                        .unwrap(),
                    _ => {}
                }
                sets.push(set);
            }
        }
        sets
    }

    fn requests() -> Vec<Request> {
        let repo = |name: &str| format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}");
        let actions = [
            "ecr:PutImage",
            "ecr:BatchGetImage",
            "ecr:GetAuthorizationToken",
            "ecr:DescribeImages",
            "ecr:DeleteRepository",
            "ecr:ListImages",
            "ecr:GetDownloadUrlForLayer",
        ];
        let resources = [
            repo("app"),
            repo("prod-api"),
            repo("team-a/web"),
            repo("scratch"),
            repo("dev"),
            repo("open"),
        ];
        let principals = [
            None,
            Some(format!("arn:aws:iam::{ACCOUNT}:user/dev")),
            Some(format!("arn:aws:iam::{OTHER}:user/mallory")),
            Some(format!("arn:aws:iam::{OTHER}:role/ci")),
            Some("codebuild.amazonaws.com".to_string()),
            Some(format!("arn:aws:iam::{ACCOUNT}:root")),
        ];
        let mut out = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            for (j, resource) in resources.iter().enumerate() {
                let principal = principals[(i + j) % principals.len()].as_deref();
                let Ok(mut request) = Request::new(action, resource, principal) else {
                    continue;
                };
                if (i * j) % 3 == 1 {
                    let mut context = Context::new();
                    context.insert("aws:SecureTransport", ContextValue::Single("false".into()));
                    context.insert(
                        "aws:RequestedRegion",
                        ContextValue::Single("eu-west-1".into()),
                    );
                    request = request.with_context(context);
                }
                out.push(request);
            }
        }
        out.push(Request::new("s3:GetObject", "arn:aws:s3:::bucket/key", None).unwrap());
        out.push(Request::new("s3:ListBucket", "arn:aws:s3:::bucket", None).unwrap());
        out.push(Request::new("iam:ListUsers", "*", None).unwrap());
        out
    }

    #[test]
    fn empty_organization_levels_are_errors() {
        let mut set = PolicySet::new();
        let e = set.add_level(PolicyRole::Scp(1), Vec::new()).unwrap_err();
        assert_eq!(e.kind, PolicySetErrorKind::EmptyLevel);
        assert!(e.message.contains("organization level 1"), "{e}");
        let e = set.add_level(PolicyRole::Rcp(0), Vec::new()).unwrap_err();
        assert_eq!(e.kind, PolicySetErrorKind::EmptyLevel);
        let scp = policy(&[GUARDRAIL[0]], PolicyKind::Scp);
        set.add_level(PolicyRole::Scp(0), vec![scp]).unwrap();
        assert!(set.has(PolicyRole::Scp(0)));
    }

    #[test]
    fn a_role_arn_caller_is_a_session_capped_by_its_boundary() {
        let mut set = PolicySet::new();
        set.add(policy(
            &[r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":["ecr:PutImage","ecr:BatchGetImage"]}"#],
            PolicyKind::Resource,
        ))
        .unwrap();
        set.add(policy(
            &[r#"{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}"#],
            PolicyKind::Boundary,
        ))
        .unwrap();
        let role = Some("arn:aws:iam::123456789012:role/ci");
        let push = Request::new(
            "ecr:PutImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/app",
            role,
        )
        .unwrap();
        let r = authorize(&set, &push);
        assert_eq!(
            (r.decision, r.reason),
            (Decision::ImplicitDeny, Reason::NoBoundaryAllows)
        );
        let pull = Request::new(
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/app",
            role,
        )
        .unwrap();
        assert_eq!(authorize(&set, &pull).decision, Decision::Allow);
    }

    #[test]
    fn the_fast_decision_agrees_with_explain() {
        let mut buffer = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for set in sets() {
            // Small sets are scanned unless compiled: check both ways.
            let indexed = set.clone();
            indexed.compile();
            for request in requests() {
                let explained = explain(&set, &request).response;
                let response = authorize(&set, &request);
                assert_eq!(response, explained, "{request:?}\n{set:?}");
                assert_eq!(authorize(&indexed, &request), explained, "indexed");
                let (decision, reason) = authorize_into(&set, &request, &mut buffer);
                assert_eq!((decision, reason), (response.decision, response.reason));
                assert_eq!(buffer, response.deciding);
                assert_eq!(decide_only(&set, &request), (decision, reason));
                seen.insert(format!("{decision:?} {reason:?}"));
            }
        }
        // The cases cover every decision and the main reasons.
        for expected in [
            "Allow Allowed",
            "Allow RootUserOfResourceAccount",
            "ExplicitDeny ExplicitDeny(Identity)",
            "ExplicitDeny ExplicitDeny(Resource)",
            "ImplicitDeny NoIdentityAllows",
            "ImplicitDeny NoResourcePolicyAllows",
            "ImplicitDeny NoBoundaryAllows",
            "ImplicitDeny NoSessionAllows",
            "ImplicitDeny NoScpAllows(2)",
        ] {
            assert!(seen.contains(expected), "{expected} not covered: {seen:?}");
        }
    }

    #[test]
    fn statements_are_indexed_by_action_and_service() {
        let set = {
            let mut set = PolicySet::new();
            set.add(policy(IDENTITY, PolicyKind::Identity)).unwrap();
            set
        };
        let index = set.index();
        assert_eq!(lookup(&index.exact, "ecr:batchgetimage"), [0]);
        assert_eq!(lookup(&index.exact, "ecr:putimage"), [0, 8, 9]);
        assert_eq!(lookup(&index.by_service, "ecr"), [2, 6, 7]);
        assert_eq!(index.always, [3, 4, 5, 11]);
        let merged: Vec<(u32, bool)> = Candidates {
            exact: lookup(&index.exact, "ecr:putimage"),
            service: lookup(&index.by_service, "ecr"),
            always: &index.always,
        }
        .collect();
        assert_eq!(
            merged,
            [
                (0, true),
                (2, false),
                (3, false),
                (4, false),
                (5, false),
                (6, false),
                (7, false),
                (8, true),
                (9, true),
                (11, false)
            ]
        );
    }

    #[test]
    fn more_than_64_scp_levels_are_decided_too() {
        let mut set = PolicySet::new();
        set.add(policy(&GUARDRAIL[..1], PolicyKind::Identity))
            .unwrap();
        for level in 0..70 {
            let statements = if level == 67 {
                &GUARDRAIL[2..]
            } else {
                &GUARDRAIL[..1]
            };
            set.add_as(PolicyRole::Scp(level), policy(statements, PolicyKind::Scp))
                .unwrap();
        }
        let request = Request::new(
            "ecr:PutImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/app",
            None,
        )
        .unwrap();
        assert_eq!(decide_only(&set, &request).0, Decision::ImplicitDeny);
        assert_eq!(authorize(&set, &request), explain(&set, &request).response);
        assert_eq!(authorize(&set, &request).reason, Reason::NoScpAllows(67));
    }

    /// The reason a mandatory resource-based policy denies names the policy and whether one was
    /// given, word for word.
    #[test]
    fn a_mandatory_policy_reason_says_which_and_whether_given() {
        use MandatoryPolicy::{KeyPolicy, TrustPolicy};
        let cases = [
            (
                TrustPolicy,
                true,
                "because the role's trust policy must allow it and does not",
            ),
            (
                TrustPolicy,
                false,
                "because the role's trust policy must allow it, and none was given",
            ),
            (
                KeyPolicy,
                true,
                "because the key policy must allow it and does not",
            ),
            (
                KeyPolicy,
                false,
                "because the key policy must allow it, and none was given",
            ),
        ];
        for (policy, given, expected) in cases {
            let reason = Reason::ResourcePolicyMustAllow { policy, given };
            assert_eq!(reason.to_string(), expected, "{policy:?} given={given}");
        }
    }
}
