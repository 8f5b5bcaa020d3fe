//! Why a decision was made: for every statement, whether it applied and, if not, which element
//! failed and with what value; and the smallest change that would allow a denied request.
//!
//! This is the slow path, computed on demand. It evaluates each statement element by element and
//! derives the decision again from those traces; tests assert it always equals
//! [`crate::authorize::authorize`].

use std::collections::BTreeSet;
use std::fmt;

use crate::authorize::{
    Decision, Matches, PolicyRole, PolicySet, PrincipalMiss, Reason, Response, StatementRef,
    authorize, decide, principal_applies, role_exclusion,
};
use crate::fuzzy;
use crate::json::write_string;
use crate::parse::parse_policy;
use crate::policy::{Effect, Policy, PolicyKind, Statement};
use crate::principal::{PrincipalKind, PrincipalMatch};
use crate::printable::printable;
use crate::request::Request;

/// The full account of one decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The decision and deciding statements, as [`crate::authorize::authorize`] gives them.
    pub response: Response,
    /// One trace per statement, in policy order.
    pub statements: Vec<StatementTrace>,
    /// Facts about the request worth knowing (e.g. an ARN replaced by `*`).
    pub notes: Vec<String>,
    /// For a denied request: what to change.
    pub fix: Option<Fix>,
}

/// How one statement fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementTrace {
    /// Which statement.
    pub at: StatementRef,
    /// The part its policy plays.
    pub role: PolicyRole,
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

/// One element of a statement that does not cover the request.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        /// Why it does not hold: the request value (or its absence) and the policy values.
        reason: String,
    },
}

impl Mismatch {
    /// The element that failed: `action`, `resource`, `principal` or `condition`.
    pub fn element(&self) -> &'static str {
        match self {
            Mismatch::ActionNotListed { .. } | Mismatch::ActionExcluded { .. } => "action",
            Mismatch::ResourceNotMatched { .. }
            | Mismatch::AccountLevelAction { .. }
            | Mismatch::ResourceExcluded { .. } => "resource",
            Mismatch::Condition { .. } => "condition",
            Mismatch::PrincipalNotNamed { .. } | Mismatch::PrincipalExempted { .. } => "principal",
        }
    }
}

fn quoted_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::ActionNotListed {
                action,
                listed,
                closest,
            } => {
                write!(
                    f,
                    "action `{action}` is not in Action [{}]",
                    quoted_list(listed)
                )?;
                if let Some(closest) = closest {
                    write!(f, " (closest: `{closest}`)")?;
                }
                Ok(())
            }
            Mismatch::ActionExcluded { action, by } => {
                write!(f, "action `{action}` is excluded by NotAction `{by}`")
            }
            Mismatch::ResourceNotMatched { resource, listed } => write!(
                f,
                "resource `{resource}` matches no Resource value [{}]",
                quoted_list(listed)
            ),
            Mismatch::AccountLevelAction { action, listed } => write!(
                f,
                "`{action}` does not support resource-level permissions: it is evaluated on resource `*`, which only a literal \"*\" in Resource matches, not [{}]",
                quoted_list(listed)
            ),
            Mismatch::ResourceExcluded { resource, by } => {
                write!(f, "resource `{resource}` is excluded by NotResource `{by}`")
            }
            Mismatch::Condition { reason, .. } => f.write_str(reason),
            Mismatch::PrincipalNotNamed {
                caller: Some(caller),
                listed,
            } => write!(
                f,
                "caller `{caller}` is not named by Principal [{}]",
                quoted_list(listed)
            ),
            Mismatch::PrincipalNotNamed {
                caller: None,
                listed,
            } => write!(
                f,
                "Principal names [{}], and no caller was given (use --principal)",
                quoted_list(listed)
            ),
            Mismatch::PrincipalExempted { caller } => {
                write!(
                    f,
                    "caller `{caller}` is exempted by NotPrincipal (every level of it is listed)"
                )
            }
        }
    }
}

/// What would turn a denial into an Allow: advice, and the statements to add (verified by
/// re-evaluating the request with them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// One or two sentences saying what to change and where.
    pub summary: String,
    /// Statements to add, in order; empty when the fix is to narrow a Deny.
    pub changes: Vec<Change>,
}

/// One statement to add to one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The policy it goes in.
    pub role: PolicyRole,
    /// The statement, as compact JSON.
    pub statement: String,
}

/// The statement `{"Effect":"Allow","Action":A,"Resource":R}` as compact JSON.
pub fn allow_statement_json(action: &str, resource: &str) -> String {
    let mut out = String::from("{\"Effect\":\"Allow\",\"Action\":");
    write_string(action, &mut out);
    out.push_str(",\"Resource\":");
    write_string(resource, &mut out);
    out.push('}');
    out
}

/// Traces one statement element by element; also says how its `Principal` names the caller.
fn trace(
    statement: &Statement,
    kind: PolicyKind,
    request: &Request,
    has_boundary: bool,
) -> (Vec<Mismatch>, Option<PrincipalMatch>) {
    let mut mismatches = Vec::new();
    let mut how = None;
    if let Some(clause) = &statement.principal {
        match principal_applies(clause, kind, request, has_boundary) {
            Ok(m) => how = m,
            Err(PrincipalMiss::Exempted) => mismatches.push(Mismatch::PrincipalExempted {
                caller: request.principal().unwrap_or("anonymous").to_string(),
            }),
            Err(PrincipalMiss::NotNamed | PrincipalMiss::UnknownCaller) => {
                mismatches.push(Mismatch::PrincipalNotNamed {
                    caller: request.principal().map(str::to_string),
                    listed: clause.principals.iter().map(describe_principal).collect(),
                })
            }
        }
    }
    let action = request.action().to_string();
    let clause = &statement.action;
    match (clause.negated, clause.first_match(request.action_lower())) {
        (false, None) => {
            let listed: Vec<String> = clause.patterns.iter().map(|p| p.text.clone()).collect();
            let closest =
                fuzzy::closest(&action, listed.iter().map(String::as_str)).map(str::to_string);
            mismatches.push(Mismatch::ActionNotListed {
                action: action.clone(),
                listed,
                closest,
            });
        }
        (true, Some(by)) => mismatches.push(Mismatch::ActionExcluded {
            action: action.clone(),
            by: by.text.clone(),
        }),
        _ => {}
    }
    if let Some(clause) = &statement.resource {
        let resource = request.resource().to_string();
        match (
            clause.negated,
            clause.first_match(&resource, request.context()),
        ) {
            (false, None) => {
                let listed: Vec<String> = clause
                    .patterns
                    .iter()
                    .map(|p| p.text().to_string())
                    .collect();
                mismatches.push(if request.is_account_level() {
                    Mismatch::AccountLevelAction { action, listed }
                } else {
                    Mismatch::ResourceNotMatched { resource, listed }
                });
            }
            (true, Some(by)) => mismatches.push(Mismatch::ResourceExcluded {
                resource,
                by: by.text().to_string(),
            }),
            _ => {}
        }
    }
    for clause in statement.condition.iter().flat_map(|c| &c.clauses) {
        if let Err(reason) = clause.evaluate(request.context()) {
            mismatches.push(Mismatch::Condition {
                key: clause.key.clone(),
                operator: clause.operator.to_string(),
                reason,
            });
        }
    }
    (mismatches, how)
}

fn describe_principal(value: &crate::policy::PrincipalValue) -> String {
    use crate::policy::PrincipalValue as V;
    match value {
        V::Anyone => "*".to_string(),
        V::Aws(v) => v.clone(),
        V::Service(v) => format!("Service:{v}"),
        V::Federated(v) => format!("Federated:{v}"),
        V::CanonicalUser(v) => format!("CanonicalUser:{v}"),
    }
}

/// Notes about the condition keys read by statements that cover the action: keys absent from
/// the request, and keys the catalog says a request for this action never carries.
fn condition_key_notes(
    set: &PolicySet,
    request: &Request,
    traces: &[StatementTrace],
) -> Vec<String> {
    let mut absent = BTreeSet::new();
    let mut inapplicable = BTreeSet::new();
    // Only statements that would apply but for their conditions (or variables) matter here.
    let relevant = traces
        .iter()
        .filter(|t| {
            t.mismatches
                .iter()
                .all(|m| matches!(m.element(), "condition" | "resource"))
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
                if !request.context().contains(key) {
                    absent.insert(key.to_string());
                }
            }
            if !key_can_apply(request, &clause.key) {
                inapplicable.insert(clause.key.clone());
            }
        }
        let resource_values = statement.resource.iter().flat_map(|r| &r.patterns);
        for key in resource_values.flat_map(|v| v.variable_keys()) {
            if !request.context().contains(key) {
                absent.insert(key.to_string());
            }
        }
    }
    let mut notes = Vec::new();
    if !absent.is_empty() {
        notes.push(format!(
            "keys the policies read but the request does not carry (absent, as AWS would see them unless you give them with --context): {}",
            absent.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    for key in inapplicable {
        notes.push(format!(
            "warning: the Service Authorization Reference lists no condition key `{key}` for `{}`{}: a real request would not carry it",
            request.action(),
            request.resource_type().map(|t| format!(" on a {t}")).unwrap_or_default()
        ));
    }
    notes
}

fn clause_variable_keys(clause: &crate::condition::Clause) -> Vec<&str> {
    match &clause.values {
        crate::condition::Values::Text(values) => {
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
    let Some(action) = crate::catalog::Catalog::builtin().action(request.action()) else {
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
        .any(|pattern| crate::catalog::condition_key_matches(pattern, key))
}

/// Explains the decision on `request`.
pub fn explain(set: &PolicySet, request: &Request) -> Explanation {
    let has_boundary = set.has(PolicyRole::Boundary);
    let mut notes = Vec::new();
    if request.resource_was_rewritten() {
        notes.push(format!(
            "`{}` is an account-level action: it supports no resource type, so AWS evaluates it on resource `*`, not on `{}`; a statement scoped to a repository never matches it",
            request.action(),
            request.given_resource()
        ));
    }
    let mut statements = Vec::new();
    let mut matches = Matches::default();
    for (p, (role, policy)) in set.policies().iter().enumerate() {
        if let Some(why) = role_exclusion(*role, request) {
            notes.push(format!(
                "{} ({role}) is not evaluated: {why}",
                policy.source.name
            ));
            continue;
        }
        for (s, statement) in policy.statements.iter().enumerate() {
            let at = StatementRef {
                policy: p,
                statement: s,
            };
            let (mismatches, how) = trace(statement, policy.kind, request, has_boundary);
            if mismatches.is_empty() {
                matches.record(at, *role, statement.effect, how);
            }
            statements.push(StatementTrace {
                at,
                role: *role,
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
    {
        notes.push(format!(
            "the request is cross-account (caller account {caller}, resource account {resource_account}): the caller's identity-based policies and the resource's policy must both allow it"
        ));
    }
    for (_, policy) in set.policies() {
        for w in &policy.warnings {
            notes.push(format!(
                "warning: {}:{}:{}: {}",
                policy.source.name, w.pos.line, w.pos.column, w.message
            ));
        }
    }
    notes.extend(condition_key_notes(set, request, &statements));
    let fix = suggest_fix(set, request, &response, &statements);
    Explanation {
        response,
        statements,
        notes,
        fix,
    }
}

fn describe_statement(t: &StatementTrace) -> String {
    format!(
        "statement `{}` of {} (line {})",
        t.label, t.policy_name, t.line
    )
}

fn suggest_fix(
    set: &PolicySet,
    request: &Request,
    response: &Response,
    traces: &[StatementTrace],
) -> Option<Fix> {
    match response.decision {
        Decision::Allow => None,
        Decision::ExplicitDeny => {
            let names: Vec<String> = response
                .deciding
                .iter()
                .filter_map(|at| traces.iter().find(|t| t.at == *at))
                .map(|t| format!("{} ({})", describe_statement(t), t.role))
                .collect();
            Some(Fix {
                summary: format!(
                    "an explicit Deny overrides every Allow: narrow {} so that it no longer covers `{}` on `{}`, or remove it",
                    names.join(" and "),
                    request.action(),
                    request.resource()
                ),
                changes: Vec::new(),
            })
        }
        Decision::ImplicitDeny => {
            let changes = verified_changes(set, request, response.reason)?;
            let summary = match response.reason {
                Reason::NoIdentityAllows => identity_summary(request, traces),
                _ => {
                    let targets: Vec<String> =
                        changes.iter().map(|c| format!("the {}", c.role)).collect();
                    format!("add the statement(s) below to {}", targets.join(", then "))
                }
            };
            Some(Fix { summary, changes })
        }
    }
}

/// The fix for a request no identity-based policy allows, pointing at the nearest statement.
fn identity_summary(request: &Request, traces: &[StatementTrace]) -> String {
    let allow_in_identity =
        |t: &&StatementTrace| t.effect == Effect::Allow && t.role == PolicyRole::Identity;
    // A statement that lists the action but not the resource is the natural place to fix.
    let near_miss = traces
        .iter()
        .filter(allow_in_identity)
        .find(|t| t.mismatches.len() == 1 && t.mismatches[0].element() == "resource");
    let conditional = traces.iter().filter(allow_in_identity).find(|t| {
        !t.mismatches.is_empty() && t.mismatches.iter().all(|m| m.element() == "condition")
    });
    if request.is_account_level() {
        let scoped = match near_miss {
            Some(t) => format!(
                " {} lists it but scopes it to specific resources, which can never match;",
                describe_statement(t)
            ),
            None => String::new(),
        };
        let token = if request.action() == "ecr:GetAuthorizationToken" {
            " (the token does not widen access: every later call is still authorized per repository)"
        } else {
            ""
        };
        return format!(
            "`{}` does not support resource-level permissions, so it requires a wildcard (\"*\") in the Resource element.{scoped} add a separate statement for it with \"Resource\": \"*\" to the caller's identity-based policy{token}",
            request.action()
        );
    }
    if let Some(t) = conditional {
        return format!(
            "{} allows `{}` on this resource only when its condition holds, and it does not for this request (see above): send the request under those conditions, or add this statement without them",
            describe_statement(t),
            request.action()
        );
    }
    match near_miss {
        Some(t) => format!(
            "{} allows `{}` but not on this resource: add `{}` to its Resource, or add this statement",
            describe_statement(t),
            request.action(),
            request.resource()
        ),
        None => format!(
            "no statement allows `{}` on `{}`: add this statement to the caller's identity-based policy",
            request.action(),
            request.resource()
        ),
    }
}

/// The statement that lifts one implicit-deny reason, and the policy it goes in.
fn change_for(reason: Reason, request: &Request) -> Option<Change> {
    let plain = allow_statement_json(request.action(), request.resource());
    let (role, statement) = match reason {
        Reason::NoIdentityAllows => (PolicyRole::Identity, plain),
        Reason::NoBoundaryAllows => (PolicyRole::Boundary, plain),
        Reason::NoSessionAllows => (PolicyRole::Session, plain),
        Reason::NoScpAllows(level) => (PolicyRole::Scp(level), plain),
        Reason::NoVpcEndpointAllows => {
            let mut out = String::from("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":");
            write_string(request.action(), &mut out);
            out.push_str(",\"Resource\":");
            write_string(request.resource(), &mut out);
            out.push('}');
            (PolicyRole::VpcEndpoint, out)
        }
        Reason::NoResourcePolicyAllows => {
            let caller = request.caller()?;
            let principal = match caller.kind {
                PrincipalKind::Service => format!("{{\"Service\":\"{}\"}}", caller.text),
                PrincipalKind::Anonymous => return None,
                _ => format!(
                    "{{\"AWS\":\"arn:aws:iam::{}:root\"}}",
                    caller.account.as_deref()?
                ),
            };
            let mut out = format!("{{\"Effect\":\"Allow\",\"Principal\":{principal},\"Action\":");
            write_string(request.action(), &mut out);
            out.push('}');
            (PolicyRole::Resource, out)
        }
        Reason::Allowed
        | Reason::RootUserOfResourceAccount
        | Reason::ExplicitDeny(_)
        | Reason::NoRcpAllows(_) => return None,
    };
    Some(Change { role, statement })
}

/// Adds the statement for each missing layer in turn until the request is allowed, re-evaluating
/// after each: a fix is printed only if it really allows the request, and never if a Deny
/// would still stop it.
fn verified_changes(set: &PolicySet, request: &Request, first: Reason) -> Option<Vec<Change>> {
    let mut changes: Vec<Change> = Vec::new();
    let mut current = set.clone();
    let mut reason = first;
    for _ in 0..8 {
        let change = change_for(reason, request)?;
        current = with_statement(&current, change.role, &change.statement)?;
        changes.push(change);
        let response = authorize(&current, request);
        match response.decision {
            Decision::Allow => return Some(changes),
            Decision::ExplicitDeny => return None,
            Decision::ImplicitDeny if response.reason == reason => return None,
            Decision::ImplicitDeny => reason = response.reason,
        }
    }
    None
}

/// The set with `statement` added to the first policy in `role` (or to a new one).
fn with_statement(set: &PolicySet, role: PolicyRole, statement: &str) -> Option<PolicySet> {
    let document = format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{statement}]}}");
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

/// The `why:` line of an Allow by the root-user rule, naming the account.
fn root_user_rule(request: &Request) -> String {
    let account = request
        .caller()
        .and_then(|c| c.account.as_deref())
        .unwrap_or("?");
    let owns = if request.is_account_level() {
        "and the action is account-level, so it acts in that account"
    } else {
        "which owns the resource"
    };
    format!(
        "why: the caller is the root user of account {account}, {owns}; the root user has full access to its own account unless a Deny or a service control policy stops it"
    )
}

impl Explanation {
    /// A plain-text report: decision first, then each statement, notes and the fix. Text that
    /// comes from policies or the request is escaped (see [`crate::printable`]), so one report
    /// line is always one line.
    pub fn render(&self, request: &Request) -> String {
        let mut out = String::new();
        let mut line = |text: String| {
            out.push_str(&printable(&text));
            out.push('\n');
        };
        line(format!(
            "{}: {} on {}",
            self.response.decision,
            request.action(),
            request.resource()
        ));
        if self.response.decision != Decision::Allow {
            line(format!("why: {}", self.response.reason));
        } else if self.response.reason == Reason::RootUserOfResourceAccount {
            line(root_user_rule(request));
        }
        for note in &self.notes {
            line(format!("note: {note}"));
        }
        for t in &self.statements {
            let deciding = self.response.deciding.contains(&t.at);
            let verdict = match (t.applies(), deciding) {
                (true, true) => format!("{} (decides)", t.effect),
                (true, false) => format!("{} (applies)", t.effect),
                (false, _) => "does not apply".to_string(),
            };
            let sid = if t.label.starts_with('#') {
                String::new()
            } else {
                format!(" `{}`", t.label)
            };
            let role = if t.role == PolicyRole::Identity {
                String::new()
            } else {
                format!(" [{}]", t.role)
            };
            line(format!(
                "  {}{role} #{}{sid} (line {}): {verdict}",
                t.policy_name, t.at.statement, t.line
            ));
            for m in &t.mismatches {
                line(format!("      - {m}"));
            }
        }
        if self.statements.is_empty() {
            line("  no statements: nothing allows the request".to_string());
        }
        if let Some(fix) = &self.fix {
            line(format!("fix: {}", fix.summary));
            for change in &fix.changes {
                if change.role != PolicyRole::Identity {
                    line(format!("  in the {}:", change.role));
                }
                line(format!("  {}", change.statement));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn every_failing_element_is_reported_with_its_value() {
        let e = why(
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:PutImag","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/other"}]}"#,
            "ecr:PutImage",
            REPO,
        );
        assert_eq!(e.response.decision, Decision::ImplicitDeny);
        let messages: Vec<String> = e.statements[0]
            .mismatches
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "action `ecr:PutImage` is not in Action [`ecr:PutImag`] (closest: `ecr:PutImag`)",
                "resource `arn:aws:ecr:us-east-1:123456789012:repository/my-app` matches no Resource value [`arn:aws:ecr:us-east-1:123456789012:repository/other`]",
            ]
        );
    }

    #[test]
    fn negated_elements_name_the_excluding_value() {
        let e = why(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"ecr:Put*","NotResource":"arn:aws:ecr:*:*:repository/my-*"}]}"#,
            "ecr:PutImage",
            REPO,
        );
        let kinds: Vec<String> = e.statements[0]
            .mismatches
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(
            kinds,
            [
                "action `ecr:PutImage` is excluded by NotAction `ecr:Put*`",
                "resource `arn:aws:ecr:us-east-1:123456789012:repository/my-app` is excluded by NotResource `arn:aws:ecr:*:*:repository/my-*`",
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
        assert_eq!(
            e.response.deciding,
            [StatementRef {
                policy: 0,
                statement: 1
            }]
        );
        let fix = e.fix.unwrap();
        assert!(
            fix.summary.contains("statement `NoDelete`"),
            "{}",
            fix.summary
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
            fix.changes.first().map(|c| c.statement.as_str()),
            Some(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app"}"#
            )
        );
        assert!(
            fix.summary.contains("statement `Repo`")
                && fix.summary.contains(
                    "add `arn:aws:ecr:us-east-1:123456789012:repository/my-app` to its Resource"
                ),
            "{}",
            fix.summary
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
}
