//! Why a decision was made: for every statement, whether it applied and, if not, which element
//! failed and with what value; typed notes about the request; and the smallest change that
//! would allow a denied request, verified by evaluating again.
//!
//! Everything here is data: [`Mismatch`], [`Note`] and [`Advice`] are rendered into words by the
//! caller (the `ecrsim` CLI has one render module). The statements are traced by the same
//! element checks the decision uses ([`crate::eval::authorize`]), and the decision is made by the same
//! combining function, so the two cannot disagree.

pub(crate) mod denial;
pub(crate) mod fixer;

use std::collections::BTreeSet;

use crate::eval::authorize::{
    Decision, Exclusion, Matches, Mismatch, PolicyRole, PolicySet, Reason, Response, StatementRef,
    authorize, check_statement, decide, role_exclusion,
};
use crate::model::organization::NodeRef;
use crate::model::policy::{Effect, Policy, PolicyKind, Statement};
use crate::parse::parse_policy;
use crate::request::Request;
use crate::request::principal::PrincipalKind;

/// The full account of one decision.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explanation {
    /// The decision and deciding statements, as [`crate::eval::authorize::authorize`] gives them.
    pub response: Response,
    /// One trace per statement, in policy order.
    pub statements: Vec<StatementTrace>,
    /// Facts about the request worth knowing (e.g. an ARN replaced by `*`).
    pub notes: Vec<Note>,
    /// For a denied request: what to change.
    pub fix: Option<Fix>,
    /// Where each organization level's policies are attached, when an organization file gave
    /// the levels (the root, an OU, an account).
    pub levels: Vec<(PolicyRole, NodeRef)>,
}

impl Explanation {
    /// Where the policies of an organization level are attached, if known.
    pub fn origin(&self, role: PolicyRole) -> Option<&NodeRef> {
        self.levels.iter().find(|(r, _)| *r == role).map(|(_, n)| n)
    }
}

/// How one statement fared.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementTrace {
    /// Which statement.
    pub at: StatementRef,
    /// The part its policy plays.
    pub role: PolicyRole,
    /// Its `Sid`, if it has one.
    pub sid: Option<String>,
    /// Its `Sid`, or `#index`.
    pub label: String,
    /// The policy's name (file path).
    pub policy_name: String,
    /// The line the statement starts on.
    pub line: u32,
    /// Its effect.
    pub effect: Effect,
    /// Why it does not apply; empty when it applies.
    pub mismatches: Vec<Mismatch>,
}

impl StatementTrace {
    /// Whether every element of the statement covers the request.
    pub fn applies(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// A fact about the request or the policies worth knowing beside the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// The action is account-level, so the given ARN was replaced by `*`.
    AccountLevelResource {
        /// The action.
        action: String,
        /// The resource as given.
        given: String,
    },
    /// A policy takes no part in this request.
    PolicyNotEvaluated {
        /// The policy's name.
        policy: String,
        /// Its role.
        role: PolicyRole,
        /// Why.
        because: Exclusion,
    },
    /// The caller and the resource are in different accounts.
    CrossAccount {
        /// The caller's account.
        caller_account: String,
        /// The resource's account.
        resource_account: String,
    },
    /// A policy carries a validator warning.
    PolicyWarning {
        /// The policy's name.
        policy: String,
        /// Line of the warning.
        line: u32,
        /// Column of the warning.
        column: u32,
        /// What is suspicious.
        message: String,
    },
    /// Keys the policies read that the request does not carry: AWS sees them as absent.
    AbsentKeys {
        /// The keys, sorted.
        keys: Vec<String>,
    },
    /// Keys AWS always sends that ecrsim filled in, with their values and sources (see
    /// `crate::request::assume`); any of them can be given instead.
    Assumed {
        /// The keys, in report order.
        assumed: Vec<crate::request::assume::Assumed>,
    },
    /// Keys the policies read that AWS would send with a value ecrsim cannot know: they were
    /// evaluated as absent, so the decision holds only if they are absent or do not change it.
    DependsOn {
        /// The keys, sorted, with why each is unknown.
        keys: Vec<crate::request::assume::UnknownKey>,
    },
    /// The resource was given as an ECR registry URI and converted to the repository ARN.
    RegistryUri {
        /// The URI as given.
        given: String,
        /// The repository ARN.
        arn: String,
    },
    /// The caller was given as a role ARN: it is evaluated as a session of that role.
    RoleAsSession {
        /// The role ARN.
        role: String,
    },
    /// A condition key the Service Authorization Reference does not list for the action.
    KeyNotInCatalog {
        /// The key.
        key: String,
        /// The action.
        action: String,
        /// The request's resource type, when known.
        resource_type: Option<String>,
    },
}

/// What would turn a denial into an Allow: advice, and the statements to add (verified by
/// re-evaluating the request with them).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fix {
    /// What to change and where.
    pub advice: Advice,
    /// Statements to add, in order; empty when the fix is to narrow a Deny.
    pub changes: Vec<Change>,
}

/// The advice of a [`Fix`], as data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Advice {
    /// An explicit Deny decides: narrow or remove these statements.
    NarrowDeny {
        /// The deciding Deny statements.
        statements: Vec<StatementRef>,
    },
    /// An account-level action needs `"Resource": "*"` in the caller's identity policy.
    AccountLevelWildcard {
        /// An identity statement that lists the action but scopes it to resources.
        scoped: Option<StatementRef>,
    },
    /// A statement would allow but for its conditions: the request must meet them. ecrsim
    /// never suggests a grant that steps around a condition (its trace says what failed).
    ConditionBlocks {
        /// The statement.
        statement: StatementRef,
    },
    /// An identity statement allows the action, but not on this resource.
    AddResource {
        /// The statement.
        statement: StatementRef,
    },
    /// No identity statement comes near: add the statement.
    AddStatement,
    /// Add the statements of [`Fix::changes`] to the policies they name.
    AddToPolicies,
}

/// One statement to add to one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The policy it goes in.
    pub role: PolicyRole,
    /// The statement.
    pub statement: SuggestedStatement,
}

/// A statement ecrsim suggests, as a value: `{"Effect":"Allow",["Principal":…,]"Action":…[,"Resource":…]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SuggestedStatement {
    /// Who it names, for resource-based and VPC endpoint policies.
    pub principal: Option<SuggestedPrincipal>,
    /// The action.
    pub action: String,
    /// The resource; `None` in a resource-based policy (the resource carrying it).
    pub resource: Option<String>,
}

/// The `Principal` of a [`SuggestedStatement`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SuggestedPrincipal {
    /// `"*"`.
    Anyone,
    /// `{"AWS": ARN}`.
    Aws(String),
    /// `{"Service": NAME}`.
    Service(String),
}

impl SuggestedStatement {
    /// `{"Effect":"Allow","Action":A,"Resource":R}`.
    pub(crate) fn allow(action: &str, resource: &str) -> SuggestedStatement {
        SuggestedStatement {
            principal: None,
            action: action.to_string(),
            resource: Some(resource.to_string()),
        }
    }

    /// The statement as compact JSON, members in the order IAM documents use.
    pub fn to_json(&self) -> String {
        use crate::syntax::json::write_string;
        let mut out = String::from("{\"Effect\":\"Allow\",");
        match &self.principal {
            None => {}
            Some(SuggestedPrincipal::Anyone) => out.push_str("\"Principal\":\"*\","),
            Some(SuggestedPrincipal::Aws(arn)) => {
                out.push_str("\"Principal\":{\"AWS\":");
                write_string(arn, &mut out);
                out.push_str("},");
            }
            Some(SuggestedPrincipal::Service(name)) => {
                out.push_str("\"Principal\":{\"Service\":");
                write_string(name, &mut out);
                out.push_str("},");
            }
        }
        out.push_str("\"Action\":");
        write_string(&self.action, &mut out);
        if let Some(resource) = &self.resource {
            out.push_str(",\"Resource\":");
            write_string(resource, &mut out);
        }
        out.push('}');
        out
    }
}

/// Traces one statement element by element, with the decision's own checks; also says how its
/// `Principal` names the caller when it applies.
fn trace(
    statement: &Statement,
    policy: &Policy,
    request: &Request,
    has_boundary: bool,
) -> (
    Vec<Mismatch>,
    Option<crate::request::principal::PrincipalMatch>,
) {
    let mut mismatches = Vec::new();
    let how = check_statement(
        statement,
        policy.kind,
        request,
        has_boundary,
        false,
        &mut mismatches,
    );
    (mismatches, how.flatten())
}

/// Notes about the condition keys read by statements that cover the action: keys absent from
/// the request, and keys the catalog says a request for this action never carries.
fn condition_key_notes(set: &PolicySet, request: &Request, traces: &[StatementTrace]) -> Vec<Note> {
    let mut absent = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    let mut inapplicable = BTreeSet::new();
    let via_vpce = crate::eval::caller::via_vpc_endpoint(set);
    let mut missing = |key: &str| {
        if request.context().contains(key) {
            return;
        }
        match crate::request::assume::unknowable(key, request, via_vpce) {
            Some(because) => {
                unknown.insert(crate::request::assume::UnknownKey {
                    key: key.to_string(),
                    because,
                });
            }
            None => {
                absent.insert(key.to_string());
            }
        }
    };
    // Only statements that would apply but for their conditions (or variables) matter here.
    let relevant = traces
        .iter()
        .filter(|t| {
            t.mismatches.iter().all(|m| {
                matches!(
                    m.element(),
                    crate::eval::authorize::Element::Condition
                        | crate::eval::authorize::Element::Resource
                )
            })
        })
        .filter(|t| {
            !t.mismatches
                .iter()
                .any(|m| matches!(m, Mismatch::AccountLevelAction { .. }))
        });
    let statements = relevant
        .filter_map(|t| set.statement(t.at))
        .map(|(_, _, s)| s);
    for statement in statements {
        let clauses = statement.condition.iter().flat_map(|c| &c.clauses);
        for clause in clauses {
            let variables = clause_variable_keys(clause);
            for key in std::iter::once(clause.key.as_str()).chain(variables) {
                missing(key);
            }
            if !key_can_apply(request, &clause.key) {
                inapplicable.insert(clause.key.clone());
            }
        }
        let resource_values = statement.resource.iter().flat_map(|r| &r.patterns);
        for key in resource_values.flat_map(|v| v.variable_keys()) {
            missing(key);
        }
    }
    let mut notes = Vec::new();
    if !unknown.is_empty() {
        notes.push(Note::DependsOn {
            keys: unknown.into_iter().collect(),
        });
    }
    if !absent.is_empty() {
        notes.push(Note::AbsentKeys {
            keys: absent.into_iter().collect(),
        });
    }
    for key in inapplicable {
        notes.push(Note::KeyNotInCatalog {
            key,
            action: request.action().to_string(),
            resource_type: request.resource_type().map(str::to_string),
        });
    }
    notes
}

fn clause_variable_keys(clause: &crate::model::condition::Clause) -> Vec<&str> {
    match &clause.values {
        crate::model::condition::Values::Text(values) => {
            values.iter().flat_map(|v| v.variable_keys()).collect()
        }
        _ => Vec::new(),
    }
}

/// Whether a request for this action can carry `key`. Global `aws:` keys are assumed to apply,
/// except the tag keys, which the catalog lists per action and resource type; service keys
/// (`ecr:…`) must be listed.
fn key_can_apply(request: &Request, key: &str) -> bool {
    let lower = key.to_lowercase();
    let tag_key = lower.starts_with("aws:requesttag/")
        || lower.starts_with("aws:resourcetag/")
        || lower == "aws:tagkeys";
    if lower.starts_with("aws:") && !tag_key {
        return true;
    }
    let Some(action) = crate::data::catalog::Catalog::builtin().action(request.action()) else {
        return true;
    };
    let mut listed: Vec<&str> = action.condition_keys().collect();
    if let Some(name) = request.resource_type() {
        for resource_type in action.resource_types().filter(|t| t.name() == name) {
            listed.extend(resource_type.condition_keys());
            listed.extend(resource_type.action_condition_keys());
        }
    }
    listed
        .iter()
        .any(|pattern| crate::data::catalog::condition_key_matches(pattern, key))
}

/// How much an evaluation records: each level adds to the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Detail {
    /// The decision and its reason: nothing is allocated.
    Decision,
    /// Also the deciding statements.
    Deciding,
    /// Also every statement's trace (which element failed, with what value) and the notes.
    Trace,
    /// Also the verified fix of a denial (evaluates again with the suggested statements).
    Fix,
}

/// Evaluates `request` against `set`, recording as much as `detail` asks. Every level decides
/// with the same statement check and the same combining function; [`Detail::Decision`] and
/// [`Detail::Deciding`] walk only the statements the set's action index can match, the others
/// trace every statement.
pub fn evaluate(set: &PolicySet, request: &Request, detail: Detail) -> Explanation {
    let response = match detail {
        Detail::Decision => {
            let (decision, reason) = crate::eval::authorize::decide_only(set, request);
            Response {
                decision,
                deciding: Vec::new(),
                reason,
            }
        }
        Detail::Deciding => authorize(set, request),
        Detail::Trace | Detail::Fix => return trace_all(set, request, detail == Detail::Fix),
    };
    Explanation {
        response,
        statements: Vec::new(),
        notes: Vec::new(),
        fix: None,
        levels: set.origins().to_vec(),
    }
}

/// Explains the decision on `request`: [`evaluate`] with [`Detail::Fix`].
pub fn explain(set: &PolicySet, request: &Request) -> Explanation {
    evaluate(set, request, Detail::Fix)
}

/// Traces every statement, decides from the traces, adds the notes and, if asked, the fix.
fn trace_all(set: &PolicySet, request: &Request, with_fix: bool) -> Explanation {
    let has_boundary = set.has(PolicyRole::Boundary);
    let mut notes = request_notes(request);
    if request.resource_was_rewritten() {
        notes.push(Note::AccountLevelResource {
            action: request.action().to_string(),
            given: request.given_resource().to_string(),
        });
    }
    let mut statements = Vec::new();
    let mut matches = Matches::default();
    for (p, (role, policy)) in set.policies().iter().enumerate() {
        if let Some(because) = role_exclusion(*role, request) {
            notes.push(Note::PolicyNotEvaluated {
                policy: policy.source.name.clone(),
                role: *role,
                because,
            });
            continue;
        }
        for (s, statement) in policy.statements.iter().enumerate() {
            let at = StatementRef {
                policy: p,
                statement: s,
            };
            let (mismatches, how) = trace(statement, policy, request, has_boundary);
            if mismatches.is_empty() {
                matches.record(at, *role, statement.effect, how);
            }
            statements.push(StatementTrace {
                at,
                role: *role,
                sid: statement.sid.clone(),
                label: statement.label(),
                policy_name: policy.source.name.clone(),
                line: statement.pos.line,
                effect: statement.effect,
                mismatches,
            });
        }
    }
    let response = decide(set, request, &matches);
    if let (Some(caller), Some(resource_account)) = (
        request.caller().and_then(|c| c.account.as_deref()),
        request.resource_account(),
    ) && caller != resource_account
        // `arn:aws:iam::aws:policy/…` (AWS managed policies) belongs to no account.
        && resource_account.bytes().all(|b| b.is_ascii_digit())
    {
        notes.push(Note::CrossAccount {
            caller_account: caller.to_string(),
            resource_account: resource_account.to_string(),
        });
    }
    for (_, policy) in set.policies() {
        for w in &policy.warnings {
            notes.push(Note::PolicyWarning {
                policy: policy.source.name.clone(),
                line: w.pos.line,
                column: w.pos.column,
                message: w.message.clone(),
            });
        }
    }
    notes.extend(condition_key_notes(set, request, &statements));
    let fix = if with_fix {
        suggest_fix(set, request, &response, &statements)
    } else {
        None
    };
    Explanation {
        response,
        statements,
        notes,
        fix,
        levels: set.origins().to_vec(),
    }
}

/// Notes about the request itself: the resource given as a registry URI, a role ARN evaluated as
/// a session, and the keys ecrsim filled in.
fn request_notes(request: &Request) -> Vec<Note> {
    let mut notes = Vec::new();
    if let Some(uri) = request.registry_uri() {
        notes.push(Note::RegistryUri {
            given: uri.to_string(),
            arn: request.given_resource().to_string(),
        });
    }
    if let Some(caller) = request.caller().filter(|c| c.is_role_arn()) {
        notes.push(Note::RoleAsSession {
            role: caller.text.clone(),
        });
    }
    let assumed = crate::request::assume::assumptions(request);
    if !assumed.is_empty() {
        notes.push(Note::Assumed { assumed });
    }
    notes
}

fn suggest_fix(
    set: &PolicySet,
    request: &Request,
    response: &Response,
    traces: &[StatementTrace],
) -> Option<Fix> {
    match response.decision {
        Decision::Allow => None,
        Decision::ExplicitDeny => Some(Fix {
            advice: Advice::NarrowDeny {
                statements: response.deciding.clone(),
            },
            changes: Vec::new(),
        }),
        Decision::ImplicitDeny => match verified_changes(set, request, response.reason) {
            Ok(changes) => {
                let advice = match response.reason {
                    Reason::NoIdentityAllows => identity_advice(request, traces),
                    _ => Advice::AddToPolicies,
                };
                Some(Fix { advice, changes })
            }
            Err(Unfixable::Guarded(statement)) => Some(Fix {
                advice: Advice::ConditionBlocks { statement },
                changes: Vec::new(),
            }),
            Err(Unfixable::NoChange) => None,
        },
    }
}

/// The kinds of policy that lift an implicit-deny reason when they allow.
///
/// Compared by [`PolicyKind::as_named_by_aws`], so every resource-based policy of the resource
/// (the repository policy and the registry policy) counts as one.
fn granting_kinds(reason: Reason) -> &'static [PolicyKind] {
    match reason {
        // Within one account the resource policy grants too.
        Reason::NoIdentityAllows => &[PolicyKind::Identity, PolicyKind::Resource],
        Reason::NoResourcePolicyAllows | Reason::ResourcePolicyMustAllow { .. } => {
            &[PolicyKind::Resource]
        }
        Reason::NoBoundaryAllows => &[PolicyKind::Boundary],
        Reason::NoSessionAllows => &[PolicyKind::Session],
        Reason::NoVpcEndpointAllows => &[PolicyKind::VpcEndpoint],
        _ => &[],
    }
}

/// An Allow statement, in a policy that could lift `reason`, that covers the request in every
/// element but its conditions: a guard the user wrote. A fix must keep it, so ecrsim never
/// adds an unconditioned grant beside it.
fn guarding_allow(set: &PolicySet, request: &Request, reason: Reason) -> Option<StatementRef> {
    use crate::eval::authorize::Element;
    let kinds = granting_kinds(reason);
    let has_boundary = set.has(PolicyRole::Boundary);
    for (p, (role, policy)) in set.policies().iter().enumerate() {
        let in_scope = kinds.contains(&role.kind().as_named_by_aws())
            || matches!((reason, role), (Reason::NoScpAllows(l), PolicyRole::Scp(r)) if l == *r);
        if !in_scope || role_exclusion(*role, request).is_some() {
            continue;
        }
        for (s, statement) in policy.statements.iter().enumerate() {
            if statement.effect != Effect::Allow {
                continue;
            }
            let mut misses = Vec::new();
            check_statement(
                statement,
                policy.kind,
                request,
                has_boundary,
                false,
                &mut misses,
            );
            if !misses.is_empty() && misses.iter().all(|m| m.element() == Element::Condition) {
                return Some(StatementRef {
                    policy: p,
                    statement: s,
                });
            }
        }
    }
    None
}

/// The advice for a request no identity-based policy allows, pointing at the nearest statement.
fn identity_advice(request: &Request, traces: &[StatementTrace]) -> Advice {
    use crate::eval::authorize::Element;
    let allow_in_identity =
        |t: &&StatementTrace| t.effect == Effect::Allow && t.role == PolicyRole::Identity;
    // A statement that lists the action but not the resource is the natural place to fix.
    let near_miss = traces
        .iter()
        .filter(allow_in_identity)
        .find(|t| t.mismatches.len() == 1 && t.mismatches[0].element() == Element::Resource);
    if request.is_account_level() {
        return Advice::AccountLevelWildcard {
            scoped: near_miss.map(|t| t.at),
        };
    }
    match near_miss {
        Some(t) => Advice::AddResource { statement: t.at },
        None => Advice::AddStatement,
    }
}

/// The statement that lifts one implicit-deny reason, and the policy it goes in.
fn change_for(reason: Reason, request: &Request) -> Option<Change> {
    let plain = SuggestedStatement::allow(request.action(), request.resource());
    let (role, statement) = match reason {
        Reason::NoIdentityAllows => (PolicyRole::Identity, plain),
        Reason::NoBoundaryAllows => (PolicyRole::Boundary, plain),
        Reason::NoSessionAllows => (PolicyRole::Session, plain),
        Reason::NoScpAllows(level) => (PolicyRole::Scp(level), plain),
        Reason::NoVpcEndpointAllows => (
            PolicyRole::VpcEndpoint,
            SuggestedStatement {
                principal: Some(SuggestedPrincipal::Anyone),
                ..plain
            },
        ),
        Reason::NoResourcePolicyAllows => {
            let caller = request.caller()?;
            let principal = match caller.kind {
                PrincipalKind::Service => SuggestedPrincipal::Service(caller.text.clone()),
                PrincipalKind::Anonymous => return None,
                // The caller as given (user, role or session), never its whole account.
                _ => SuggestedPrincipal::Aws(caller.text.clone()),
            };
            (
                PolicyRole::Resource,
                SuggestedStatement {
                    principal: Some(principal),
                    action: request.action().to_string(),
                    resource: None,
                },
            )
        }
        Reason::ResourcePolicyMustAllow { .. } => {
            // The trust (key) policy statement naming the caller itself: within one account it
            // allows on its own; across accounts the identity side is the next change.
            let caller = request.caller()?;
            let principal = match caller.kind {
                PrincipalKind::Service => SuggestedPrincipal::Service(caller.text.clone()),
                PrincipalKind::Anonymous => return None,
                // `aws:PrincipalArn`: a session is named by its role.
                _ => SuggestedPrincipal::Aws(caller.arn.clone()?),
            };
            (
                PolicyRole::Resource,
                SuggestedStatement {
                    principal: Some(principal),
                    action: request.action().to_string(),
                    resource: None,
                },
            )
        }
        _ => return None,
    };
    Some(Change { role, statement })
}

/// Why no statements can be suggested.
enum Unfixable {
    /// A policy that could allow has an Allow held back only by its conditions.
    Guarded(StatementRef),
    /// No added statement would allow the request (a Deny, or a layer ecrsim cannot change).
    NoChange,
}

/// Adds the statement for each missing layer in turn until the request is allowed, re-evaluating
/// after each: a fix is printed only if it really allows the request, and never if a Deny
/// would still stop it or if it would step around a condition the user wrote.
fn verified_changes(
    set: &PolicySet,
    request: &Request,
    first: Reason,
) -> Result<Vec<Change>, Unfixable> {
    let mut changes: Vec<Change> = Vec::new();
    let mut current = set.clone();
    let mut reason = first;
    for _ in 0..8 {
        if let Some(guard) = guarding_allow(&current, request, reason) {
            return Err(Unfixable::Guarded(guard));
        }
        let change = change_for(reason, request).ok_or(Unfixable::NoChange)?;
        current =
            with_statement(&current, change.role, &change.statement).ok_or(Unfixable::NoChange)?;
        changes.push(change);
        let response = authorize(&current, request);
        match response.decision {
            Decision::Allow => return Ok(changes),
            Decision::ExplicitDeny => return Err(Unfixable::NoChange),
            Decision::ImplicitDeny if response.reason == reason => {
                return Err(Unfixable::NoChange);
            }
            Decision::ImplicitDeny => reason = response.reason,
        }
    }
    Err(Unfixable::NoChange)
}

/// The set with `statement` added to the first policy in `role` (or to a new one). The
/// statement goes through the policy parser, so the verification evaluates exactly what a user
/// who pastes it would have.
fn with_statement(
    set: &PolicySet,
    role: PolicyRole,
    statement: &SuggestedStatement,
) -> Option<PolicySet> {
    let document = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
        statement.to_json()
    );
    let mut addition: Policy =
        parse_policy("suggested fix", document.as_bytes(), role.kind()).ok()?;
    let mut fixed = PolicySet::new();
    let mut merged = false;
    for (r, policy) in set.policies() {
        let mut policy = policy.clone();
        if *r == role && !merged {
            for mut s in addition.statements.drain(..) {
                s.index = policy.statements.len();
                policy.statements.push(s);
            }
            merged = true;
        }
        fixed.add_as(*r, policy).ok()?;
    }
    if !merged {
        fixed.add_as(role, addition).ok()?;
    }
    Some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::condition::ConditionFailure;
    use crate::model::policy::PolicyKind;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

    fn set(text: &str) -> PolicySet {
        let mut set = PolicySet::new();
        set.add(parse_policy("p.json", text.as_bytes(), PolicyKind::Identity).unwrap())
            .unwrap();
        set
    }

    fn why(text: &str, action: &str, resource: &str) -> Explanation {
        let set = set(text);
        let request = Request::new(action, resource, None).unwrap();
        let explanation = explain(&set, &request);
        assert_eq!(
            explanation.response,
            authorize(&set, &request),
            "explain agrees with authorize"
        );
        explanation
    }

    fn at(statement: usize) -> StatementRef {
        StatementRef {
            policy: 0,
            statement,
        }
    }

    #[test]
    fn every_failing_element_is_reported_with_its_value() {
        let e = why(
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:PutImag","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/other","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#,
            "ecr:PutImage",
            REPO,
        );
        assert_eq!(e.response.decision, Decision::ImplicitDeny);
        assert_eq!(
            e.statements[0].mismatches,
            [
                Mismatch::ActionNotListed {
                    action: "ecr:PutImage".into(),
                    listed: vec!["ecr:PutImag".into()],
                    closest: Some("ecr:PutImag".into()),
                },
                Mismatch::ResourceNotMatched {
                    resource: REPO.into(),
                    listed: vec!["arn:aws:ecr:us-east-1:123456789012:repository/other".into()],
                },
                Mismatch::Condition {
                    key: "aws:MultiFactorAuthPresent".into(),
                    operator: "Bool".into(),
                    values: vec!["true".into()],
                    failure: ConditionFailure::Absent,
                },
            ]
        );
        // The statement does not list the action, so the keys it reads do not matter.
        assert!(!e.notes.iter().any(|n| matches!(n, Note::AbsentKeys { .. })));
    }

    #[test]
    fn negated_elements_name_the_excluding_value() {
        let e = why(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"ecr:Put*","NotResource":"arn:aws:ecr:*:*:repository/my-*"}]}"#,
            "ecr:PutImage",
            REPO,
        );
        assert_eq!(
            e.statements[0].mismatches,
            [
                Mismatch::ActionExcluded {
                    action: "ecr:PutImage".into(),
                    by: "ecr:Put*".into()
                },
                Mismatch::ResourceExcluded {
                    resource: REPO.into(),
                    by: "arn:aws:ecr:*:*:repository/my-*".into()
                },
            ]
        );
    }

    #[test]
    fn explicit_deny_fix_names_the_deny_and_adds_nothing() {
        let e = why(
            r#"{"Statement":[{"Sid":"All","Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":"ecr:BatchDeleteImage","Resource":"*"}]}"#,
            "ecr:BatchDeleteImage",
            REPO,
        );
        assert_eq!(e.response.decision, Decision::ExplicitDeny);
        assert_eq!(e.response.deciding, [at(1)]);
        let fix = e.fix.unwrap();
        assert_eq!(
            fix.advice,
            Advice::NarrowDeny {
                statements: vec![at(1)]
            }
        );
        assert!(fix.changes.is_empty());
    }

    #[test]
    fn implicit_deny_fix_is_the_exact_statement_and_points_at_the_near_miss() {
        let e = why(
            r#"{"Statement":[{"Sid":"Repo","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/other"}]}"#,
            "ecr:PutImage",
            REPO,
        );
        let fix = e.fix.unwrap();
        assert_eq!(
            fix.changes.first().map(|c| c.statement.to_json()),
            Some(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app"}"#
                    .to_string()
            )
        );
        assert_eq!(fix.advice, Advice::AddResource { statement: at(0) });
    }

    #[test]
    fn account_level_fix_points_at_the_scoped_statement() {
        let e = why(
            r#"{"Statement":[{"Sid":"Repo","Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app"}]}"#,
            "ecr:GetAuthorizationToken",
            REPO,
        );
        assert!(e.notes.contains(&Note::AccountLevelResource {
            action: "ecr:GetAuthorizationToken".into(),
            given: REPO.into()
        }));
        let fix = e.fix.unwrap();
        assert_eq!(
            fix.advice,
            Advice::AccountLevelWildcard {
                scoped: Some(at(0))
            }
        );
        assert_eq!(
            fix.changes[0].statement,
            SuggestedStatement::allow("ecr:GetAuthorizationToken", "*")
        );
    }

    #[test]
    fn allowed_requests_have_no_fix_and_name_every_allow() {
        let e = why(
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:*"}]}"#,
            "ecr:PutImage",
            REPO,
        );
        assert_eq!(e.response.decision, Decision::Allow);
        assert_eq!(e.response.deciding.len(), 2);
        assert!(e.fix.is_none());
    }

    #[test]
    fn every_detail_level_gives_the_same_decision() {
        let set = set(
            r#"{"Statement":[{"Sid":"Repo","Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app"},{"Effect":"Deny","Action":"ecr:DeleteRepository","Resource":"*"}]}"#,
        );
        for (action, resource) in [
            ("ecr:PutImage", REPO),
            ("ecr:DeleteRepository", REPO),
            ("ecr:GetAuthorizationToken", "*"),
            (
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/other",
            ),
        ] {
            let request = Request::new(action, resource, None).unwrap();
            let full = evaluate(&set, &request, Detail::Fix);
            let trace = evaluate(&set, &request, Detail::Trace);
            let deciding = evaluate(&set, &request, Detail::Deciding);
            let decision = evaluate(&set, &request, Detail::Decision);
            assert_eq!(trace.response, full.response, "{action}");
            assert_eq!(trace.statements, full.statements);
            assert!(trace.fix.is_none());
            assert_eq!(
                full.fix.is_some(),
                full.response.decision != Decision::Allow
            );
            assert_eq!(deciding.response, full.response, "{action}");
            assert!(deciding.statements.is_empty() && deciding.notes.is_empty());
            assert_eq!(
                (decision.response.decision, decision.response.reason),
                (full.response.decision, full.response.reason)
            );
            assert!(decision.response.deciding.is_empty());
        }
    }

    #[test]
    fn a_conditional_registry_policy_allow_is_a_guard_too() {
        // Cross-account pull: the caller's identity policy allows; the registry policy allows
        // the caller's account only from its VPC endpoint. The fix must keep that condition,
        // not add an unconditioned repository-policy grant beside it.
        let mut set = set(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}]}"#,
        );
        let registry = r#"{"Version":"2012-10-17","Statement":[{"Sid":"FromVpce","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:BatchGetImage","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#;
        set.add_as(
            PolicyRole::Registry(crate::eval::registry::RegistryScope::V2),
            parse_policy("registry.json", registry.as_bytes(), PolicyKind::Registry).unwrap(),
        )
        .unwrap();
        let request = Request::new(
            "ecr:BatchGetImage",
            REPO,
            Some("arn:aws:iam::111122223333:role/ci"),
        )
        .unwrap();
        let e = explain(&set, &request);
        assert_eq!(e.response.decision, Decision::ImplicitDeny);
        let fix = e.fix.unwrap();
        assert_eq!(
            fix.advice,
            Advice::ConditionBlocks {
                statement: StatementRef {
                    policy: 1,
                    statement: 0
                }
            }
        );
        assert!(fix.changes.is_empty(), "{:?}", fix.changes);
    }

    #[test]
    fn suggested_statements_are_json_in_iam_order() {
        let s = SuggestedStatement {
            principal: Some(SuggestedPrincipal::Aws(
                "arn:aws:iam::111122223333:root".into(),
            )),
            action: "ecr:BatchGetImage".into(),
            resource: None,
        };
        assert_eq!(
            s.to_json(),
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:BatchGetImage"}"#
        );
    }
}
