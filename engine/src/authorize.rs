//! The decision, over every policy type (iam-semantics §7): an explicit Deny anywhere wins; then
//! the organization guardrails (SCPs, RCPs) and the VPC endpoint policy must allow; then a grant
//! is needed — from identity-based policies (within the permissions boundary and session policy)
//! or from the resource-based policy, combined differently within one account and across
//! accounts.
//!
//! This is the fast path: it answers *what*, *which statements* and, for an implicit deny, *which
//! layer* — the same words as AWS's access-denied messages. [`crate::explain`] answers *why*
//! statement by statement, and is tested to agree with it.

use std::fmt;

use crate::policy::{Effect, Policy, PolicyKind, Statement};
use crate::principal::{PrincipalKind, PrincipalMatch, match_clause, not_principal_exempts};
use crate::request::Request;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySetError(pub String);

impl fmt::Display for PolicySetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicySetError {}

/// Every policy that applies to a request, each with its role.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    policies: Vec<(PolicyRole, Policy)>,
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
        };
        self.add_as(role, policy)
    }

    /// Adds a policy in an explicit role (e.g. an SCP at level 2). A request has at most one
    /// resource policy, boundary, session policy and VPC endpoint policy.
    pub fn add_as(&mut self, role: PolicyRole, policy: Policy) -> Result<(), PolicySetError> {
        if policy.kind != role.kind() {
            return Err(PolicySetError(format!(
                "{} was loaded as a {}, not as a {}",
                policy.source.name,
                policy.kind.describe(),
                role.kind().describe()
            )));
        }
        let single = matches!(
            role,
            PolicyRole::Resource
                | PolicyRole::Boundary
                | PolicyRole::Session
                | PolicyRole::VpcEndpoint
        );
        if single && self.policies.iter().any(|(r, _)| *r == role) {
            return Err(PolicySetError(format!("a request has at most one {role}")));
        }
        self.policies.push((role, policy));
        Ok(())
    }

    /// All policies with their roles, in the order added.
    pub fn policies(&self) -> &[(PolicyRole, Policy)] {
        &self.policies
    }

    /// The policies in a role.
    pub fn in_role(&self, role: PolicyRole) -> impl Iterator<Item = &Policy> {
        self.policies
            .iter()
            .filter(move |(r, _)| *r == role)
            .map(|(_, p)| p)
    }

    /// The identity-based policies, in the order added.
    pub fn identity(&self) -> impl Iterator<Item = &Policy> {
        self.in_role(PolicyRole::Identity)
    }

    /// Whether any policy has this role.
    pub fn has(&self, role: PolicyRole) -> bool {
        self.policies.iter().any(|(r, _)| *r == role)
    }

    /// The organization levels that have SCPs, in order.
    fn scp_levels(&self) -> Vec<usize> {
        let mut levels: Vec<usize> = self
            .policies
            .iter()
            .filter_map(|(r, _)| match r {
                PolicyRole::Scp(l) => Some(*l),
                _ => None,
            })
            .collect();
        levels.sort_unstable();
        levels.dedup();
        levels
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
pub enum Reason {
    /// Allowed.
    Allowed,
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
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Allowed => f.write_str("allowed"),
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
        }
    }
}

/// The decision and the statements that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The outcome.
    pub decision: Decision,
    /// For `ExplicitDeny` every matching Deny; for `Allow` every matching Allow of the
    /// identity-based and resource-based policies (the grants); else empty.
    pub deciding: Vec<StatementRef>,
    /// The reason, naming the policy type that decided.
    pub reason: Reason,
}

/// How one statement relates to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// The statement applies; for statements with a `Principal`, how it names the caller.
    Yes(Option<PrincipalMatch>),
    /// It does not.
    No,
}

/// Whether a statement's action, resource and condition elements cover the request. (A
/// statement without `Resource`, in a resource policy, covers the resource carrying it.)
pub fn statement_covers(statement: &Statement, request: &Request) -> bool {
    statement.action.covers(request.action_lower())
        && statement
            .resource
            .as_ref()
            .is_none_or(|r| r.covers(request.resource(), request.context()))
        && statement
            .condition
            .as_ref()
            .is_none_or(|c| c.holds(request.context()))
}

/// Whether a statement applies to the request, including its `Principal`/`NotPrincipal`.
pub fn statement_applies(
    statement: &Statement,
    kind: PolicyKind,
    request: &Request,
    has_boundary: bool,
) -> Applies {
    if !statement_covers(statement, request) {
        return Applies::No;
    }
    match &statement.principal {
        None => Applies::Yes(None),
        Some(clause) => match principal_applies(clause, kind, request, has_boundary) {
            Ok(how) => Applies::Yes(how),
            Err(_) => Applies::No,
        },
    }
}

/// Why a `Principal`/`NotPrincipal` element does not apply to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalMiss {
    /// No caller was given, and the element names specific principals.
    UnknownCaller,
    /// `Principal` does not name the caller.
    NotNamed,
    /// `NotPrincipal` names every level of the caller, so the Deny exempts it.
    Exempted,
}

/// Whether a principal element applies to the request's caller, and how it names it.
pub fn principal_applies(
    clause: &crate::policy::PrincipalClause,
    kind: PolicyKind,
    request: &Request,
    has_boundary: bool,
) -> Result<Option<PrincipalMatch>, PrincipalMiss> {
    let Some(caller) = request.caller() else {
        // Without a known caller only "everyone" can be named.
        let anyone = clause
            .principals
            .contains(&crate::policy::PrincipalValue::Anyone);
        return match (clause.negated, anyone) {
            (false, true) => Ok(Some(PrincipalMatch::Anyone)),
            (true, true) => Err(PrincipalMiss::Exempted),
            _ => Err(PrincipalMiss::UnknownCaller),
        };
    };
    if clause.negated {
        return if not_principal_exempts(clause, caller, kind, has_boundary) {
            Err(PrincipalMiss::Exempted)
        } else {
            Ok(None)
        };
    }
    match_clause(clause, caller, kind)
        .map(Some)
        .ok_or(PrincipalMiss::NotNamed)
}

/// Whether policies in `role` take part in this request at all.
pub fn role_applies(role: PolicyRole, request: &Request) -> bool {
    role_exclusion(role, request).is_none()
}

/// Why policies in `role` do not take part in this request, if they don't.
pub fn role_exclusion(role: PolicyRole, request: &Request) -> Option<&'static str> {
    let service_caller = request
        .caller()
        .is_some_and(|c| c.kind == PrincipalKind::Service);
    match role {
        // Resource-side policies govern only requests on a concrete resource: never an
        // account-level action (§3.6, §7.2).
        PolicyRole::Resource | PolicyRole::Rcp(_) if request.is_account_level() => Some(
            "the action is account-level (its resource is `*`), so resource-based policies and resource control policies do not take part",
        ),
        // SCPs do not apply to service principals (service-linked roles).
        PolicyRole::Scp(_) if service_caller => {
            Some("service control policies do not apply to service principals")
        }
        _ => None,
    }
}

/// What matched, gathered in one pass over every statement.
#[derive(Default)]
pub(crate) struct Matches {
    denies: Vec<(StatementRef, PolicyRole)>,
    identity_allows: Vec<StatementRef>,
    resource_allows: Vec<(StatementRef, PrincipalMatch)>,
    boundary_allows: bool,
    session_allows: bool,
    vpce_allows: bool,
    scp_levels_allowing: Vec<usize>,
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
            (Effect::Deny, _) => self.denies.push((at, role)),
            (Effect::Allow, PolicyRole::Identity) => self.identity_allows.push(at),
            (Effect::Allow, PolicyRole::Resource) => self
                .resource_allows
                .push((at, principal.unwrap_or(PrincipalMatch::Anyone))),
            (Effect::Allow, PolicyRole::Boundary) => self.boundary_allows = true,
            (Effect::Allow, PolicyRole::Session) => self.session_allows = true,
            (Effect::Allow, PolicyRole::VpcEndpoint) => self.vpce_allows = true,
            (Effect::Allow, PolicyRole::Scp(level)) => self.scp_levels_allowing.push(level),
            // RCPFullAWSAccess is attached at every level and cannot be detached, so every RCP
            // level allows; only RCP Deny statements matter.
            (Effect::Allow, PolicyRole::Rcp(_)) => {}
        }
    }
}

fn gather(set: &PolicySet, request: &Request) -> Matches {
    let has_boundary = set.has(PolicyRole::Boundary);
    let mut m = Matches::default();
    for (p, (role, policy)) in set.policies.iter().enumerate() {
        if !role_applies(*role, request) {
            continue;
        }
        for (s, statement) in policy.statements.iter().enumerate() {
            if let Applies::Yes(principal) =
                statement_applies(statement, policy.kind, request, has_boundary)
            {
                let at = StatementRef {
                    policy: p,
                    statement: s,
                };
                m.record(at, *role, statement.effect, principal);
            }
        }
    }
    m
}

/// Decides the request.
pub fn authorize(set: &PolicySet, request: &Request) -> Response {
    decide(set, request, &gather(set, request))
}

/// The combining algorithm of §7.6, over what matched.
pub(crate) fn decide(set: &PolicySet, request: &Request, m: &Matches) -> Response {
    let deny = |reason: Reason| Response {
        decision: Decision::ImplicitDeny,
        deciding: Vec::new(),
        reason,
    };

    // 1. An explicit Deny in any applicable policy overrides everything.
    if let Some(&(_, role)) = m.denies.first() {
        return Response {
            decision: Decision::ExplicitDeny,
            deciding: m.denies.iter().map(|(at, _)| *at).collect(),
            reason: Reason::ExplicitDeny(role),
        };
    }

    // 2. Guardrails: every SCP level must allow. (RCP levels always do: RCPFullAWSAccess.)
    if role_applies(PolicyRole::Scp(0), request)
        && let Some(level) = set
            .scp_levels()
            .into_iter()
            .find(|l| !m.scp_levels_allowing.contains(l))
    {
        return deny(Reason::NoScpAllows(level));
    }
    if set.has(PolicyRole::VpcEndpoint) && !m.vpce_allows {
        return deny(Reason::NoVpcEndpointAllows);
    }

    // 3. Grants.
    let caller = request.caller();
    let kind = caller.map(|c| c.kind);
    let best_resource_grant = m.resource_allows.iter().map(|(_, how)| *how).min();
    let mut deciding: Vec<StatementRef> = m.identity_allows.clone();
    deciding.extend(m.resource_allows.iter().map(|(at, _)| *at));
    deciding.sort_unstable();
    let allow = Response {
        decision: Decision::Allow,
        deciding,
        reason: Reason::Allowed,
    };

    if matches!(
        kind,
        Some(PrincipalKind::Service | PrincipalKind::Anonymous)
    ) {
        // No identity policies: only a resource policy naming the caller (or everyone) grants,
        // so only its statements decide.
        return match best_resource_grant {
            Some(PrincipalMatch::Anyone | PrincipalMatch::Direct) => Response {
                decision: Decision::Allow,
                deciding: m.resource_allows.iter().map(|(at, _)| *at).collect(),
                reason: Reason::Allowed,
            },
            _ => deny(Reason::NoResourcePolicyAllows),
        };
    }
    let same_account = match (
        caller.and_then(|c| c.account.as_deref()),
        request.resource_account(),
    ) {
        (Some(caller_account), Some(resource_account)) => caller_account == resource_account,
        // Unknown caller or account-level action: the caller's own account.
        _ => true,
    };
    let root = kind == Some(PrincipalKind::Root);
    if root && same_account {
        return allow;
    }
    let identity_allows = root || !m.identity_allows.is_empty();
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

    if same_account {
        // Within one account the union applies, but how the resource policy names the caller
        // decides whether the boundary and session policy still limit it (§7.3).
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
    // and the caller's identity-based policies within its limits (§7.5).
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

/// The combining rule for identity-based policies alone, kept on its own so it can be fuzzed:
/// any Deny wins, then any Allow.
pub fn combine(denies: Vec<StatementRef>, allows: Vec<StatementRef>) -> Response {
    match (denies.is_empty(), allows.is_empty()) {
        // A matching Deny overrides every Allow.
        (false, _) => Response {
            decision: Decision::ExplicitDeny,
            deciding: denies,
            reason: Reason::ExplicitDeny(PolicyRole::Identity),
        },
        // No Deny, and at least one Allow.
        (true, false) => Response {
            decision: Decision::Allow,
            deciding: allows,
            reason: Reason::Allowed,
        },
        // Nothing matched: the default.
        (true, true) => Response {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
            reason: Reason::NoIdentityAllows,
        },
    }
}
