//! Words for the engine's facts: every sentence ecrsim prints about a decision is made here, from
//! the typed [`Explanation`] (mismatches, notes, advice), and nowhere else. CLI flag names appear
//! only in this module. The JSON report is a `serde::Serialize` view of the same facts; its
//! schema is documented in README.md.

use ecrsim_engine::batch::Evaluated;
use ecrsim_engine::condition::ConditionFailure;
use ecrsim_engine::printable::printable;
use ecrsim_engine::{
    Advice, Decision, Effect, Exclusion, Explanation, Fix, Mismatch, Note, PolicyRole, PolicySet,
    Reason, Request, StatementRef, StatementTrace, SuggestedPrincipal, SuggestedStatement,
};
use serde::Serialize;
use serde_json::value::RawValue;

/// `` `a`, `b` ``: values quoted for a sentence.
fn quoted_list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One failing element, in a sentence that names the value that failed.
pub fn mismatch(m: &Mismatch) -> String {
    match m {
        Mismatch::ActionNotListed {
            action,
            listed,
            closest,
        } => {
            let closest = closest
                .as_ref()
                .map(|c| format!(" (closest: `{c}`)"))
                .unwrap_or_default();
            format!(
                "action `{action}` is not in Action [{}]{closest}",
                quoted_list(listed)
            )
        }
        Mismatch::ActionExcluded { action, by } => {
            format!("action `{action}` is excluded by NotAction `{by}`")
        }
        Mismatch::ResourceNotMatched { resource, listed } => format!(
            "resource `{resource}` matches no Resource value [{}]",
            quoted_list(listed)
        ),
        Mismatch::AccountLevelAction { action, listed } => format!(
            "`{action}` does not support resource-level permissions: it is evaluated on resource `*`, which only a literal \"*\" in Resource matches, not [{}]",
            quoted_list(listed)
        ),
        Mismatch::ResourceExcluded { resource, by } => {
            format!("resource `{resource}` is excluded by NotResource `{by}`")
        }
        Mismatch::Condition {
            key,
            operator,
            values,
            failure,
        } => condition(key, operator, values, failure),
        Mismatch::PrincipalNotNamed {
            caller: Some(caller),
            listed,
        } => format!(
            "caller `{caller}` is not named by Principal [{}]",
            quoted_list(listed)
        ),
        Mismatch::PrincipalNotNamed {
            caller: None,
            listed,
        } => format!(
            "Principal names [{}], and no caller was given (use --principal)",
            quoted_list(listed)
        ),
        Mismatch::PrincipalExempted { caller } => {
            format!("caller `{caller}` is exempted by NotPrincipal (every level of it is listed)")
        }
        _ => format!("{m:?}"),
    }
}

/// The base operator of `operator` as written: without its set qualifier and `IfExists`.
fn base_operator(operator: &str) -> &str {
    let base = operator.split_once(':').map_or(operator, |(_, base)| base);
    base.strip_suffix("IfExists").unwrap_or(base)
}

/// Why a condition clause does not hold: the key, the request value(s) and the policy values.
fn condition(key: &str, operator: &str, values: &[String], failure: &ConditionFailure) -> String {
    let prefix = format!("condition `{operator}` on `{key}`");
    let policy_values = quoted_list(values);
    let base = base_operator(operator);
    match failure {
        ConditionFailure::Absent => format!(
            "{prefix}: the key is absent from the request context, so `{base}` is false (give it with --context {key}=VALUE to simulate a request that has it)"
        ),
        ConditionFailure::NullExpectsPresent => format!(
            "{prefix}: the key is absent from the request, but the policy requires it present (Null [{policy_values}])"
        ),
        ConditionFailure::NullExpectsAbsent => format!(
            "{prefix}: the key is present in the request, but the policy requires it absent (Null [{policy_values}])"
        ),
        ConditionFailure::MultiValued { values } => format!(
            "{prefix}: the key has several values [{}], and an operator without `ForAllValues:` or `ForAnyValue:` never matches a multi-valued key",
            quoted_list(values)
        ),
        ConditionFailure::NotMatched { value } => {
            format!("{prefix}: request value `{value}` does not match [{policy_values}]")
        }
        ConditionFailure::Excluded { value } => format!(
            "{prefix}: request value `{value}` matches one of [{policy_values}], which `{base}` excludes"
        ),
        ConditionFailure::Unparseable { value, expected } => format!(
            "{prefix}: request value `{value}` is not a valid {}, so the condition is false",
            expected.name()
        ),
        ConditionFailure::NotEveryValue(inner) => format!(
            "{} (ForAllValues: every request value must satisfy it)",
            condition(key, operator, values, inner)
        ),
        ConditionFailure::NoValueSatisfies { values: request } => format!(
            "{prefix}: no request value of [{}] satisfies it with [{policy_values}] (ForAnyValue: some value must)",
            quoted_list(request)
        ),
        other => format!("{prefix}: {other:?}"),
    }
}

/// Why a policy type takes no part in the request.
fn exclusion(because: Exclusion) -> &'static str {
    match because {
        Exclusion::AccountLevelAction => {
            "the action is account-level (its resource is `*`), so resource-based policies and resource control policies do not take part"
        }
        Exclusion::ServiceCaller => "service control policies do not apply to service principals",
        _ => "it does not apply to this request",
    }
}

/// A note, as a sentence.
pub fn note(n: &Note) -> String {
    match n {
        Note::AccountLevelResource { action, given } => format!(
            "`{action}` is an account-level action: it supports no resource type, so AWS evaluates it on resource `*`, not on `{given}`; a statement scoped to a repository never matches it"
        ),
        Note::PolicyNotEvaluated {
            policy,
            role,
            because,
        } => format!(
            "{policy} ({role}) is not evaluated: {}",
            exclusion(*because)
        ),
        Note::CrossAccount {
            caller_account,
            resource_account,
        } => format!(
            "the request is cross-account (caller account {caller_account}, resource account {resource_account}): the caller's identity-based policies and the resource's policy must both allow it"
        ),
        Note::PolicyWarning {
            policy,
            line,
            column,
            message,
        } => format!("warning: {policy}:{line}:{column}: {message}"),
        Note::AbsentKeys { keys } => format!(
            "keys the policies read but the request does not carry (absent, as AWS would see them unless you give them with --context): {}",
            quoted_list(keys)
        ),
        Note::KeyNotInCatalog {
            key,
            action,
            resource_type,
        } => format!(
            "warning: the Service Authorization Reference lists no condition key `{key}` for `{action}`{}: a real request would not carry it",
            resource_type
                .as_ref()
                .map(|t| format!(" on a {t}"))
                .unwrap_or_default()
        ),
        other => format!("{other:?}"),
    }
}

/// Every note of an explanation, as sentences.
pub fn notes(explanation: &Explanation) -> Vec<String> {
    explanation.notes.iter().map(note).collect()
}

fn trace_of(explanation: &Explanation, at: StatementRef) -> Option<&StatementTrace> {
    explanation.statements.iter().find(|t| t.at == at)
}

/// `statement `Sid` of policy.json (line 4)`.
fn describe(t: &StatementTrace) -> String {
    format!(
        "statement `{}` of {} (line {})",
        t.label, t.policy_name, t.line
    )
}

/// The fix's advice, as one or two sentences.
pub fn advice(fix: &Fix, explanation: &Explanation, request: &Request) -> String {
    let (action, resource) = (request.action(), request.resource());
    let statement = |at: &StatementRef| trace_of(explanation, *at).map(describe);
    match &fix.advice {
        Advice::NarrowDeny { statements } => {
            let names: Vec<String> = statements
                .iter()
                .filter_map(|at| trace_of(explanation, *at))
                .map(|t| format!("{} ({})", describe(t), t.role))
                .collect();
            format!(
                "an explicit Deny overrides every Allow: narrow {} so that it no longer covers `{action}` on `{resource}`, or remove it",
                names.join(" and ")
            )
        }
        Advice::AccountLevelWildcard { scoped } => {
            let scoped = scoped
                .as_ref()
                .and_then(statement)
                .map(|s| {
                    format!(
                        " {s} lists it but scopes it to specific resources, which can never match;"
                    )
                })
                .unwrap_or_default();
            let token = if action == "ecr:GetAuthorizationToken" {
                " (the token does not widen access: every later call is still authorized per repository)"
            } else {
                ""
            };
            format!(
                "`{action}` does not support resource-level permissions, so it requires a wildcard (\"*\") in the Resource element.{scoped} add a separate statement for it with \"Resource\": \"*\" to the caller's identity-based policy{token}"
            )
        }
        Advice::ConditionBlocks { statement: at } => format!(
            "{} allows `{action}` on this resource only when its condition holds, and it does not for this request (see above): send the request under those conditions, or add this statement without them",
            statement(at).unwrap_or_default()
        ),
        Advice::AddResource { statement: at } => format!(
            "{} allows `{action}` but not on this resource: add `{resource}` to its Resource, or add this statement",
            statement(at).unwrap_or_default()
        ),
        Advice::AddStatement => format!(
            "no statement allows `{action}` on `{resource}`: add this statement to the caller's identity-based policy"
        ),
        Advice::AddToPolicies => {
            let targets: Vec<String> = fix
                .changes
                .iter()
                .map(|c| format!("the {}", c.role))
                .collect();
            format!("add the statement(s) below to {}", targets.join(", then "))
        }
        other => format!("{other:?}"),
    }
}

/// The plain-text report: decision first, then notes, each statement, and the fix. Text that
/// comes from policies or the request is escaped, so one report line is always one line.
pub fn text(explanation: &Explanation, request: &Request) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&printable(&text));
        out.push('\n');
    };
    let response = &explanation.response;
    line(format!(
        "{}: {} on {}",
        response.decision,
        request.action(),
        request.resource()
    ));
    if response.decision != Decision::Allow {
        line(format!("why: {}", response.reason));
    }
    for n in &explanation.notes {
        line(format!("note: {}", note(n)));
    }
    for t in &explanation.statements {
        let deciding = response.deciding.contains(&t.at);
        let verdict = match (t.applies(), deciding) {
            (true, true) => format!("{} (decides)", t.effect),
            (true, false) => format!("{} (applies)", t.effect),
            (false, _) => "does not apply".to_string(),
        };
        let sid = t
            .sid
            .as_ref()
            .map(|s| format!(" `{s}`"))
            .unwrap_or_default();
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
            line(format!("      - {}", mismatch(m)));
        }
    }
    if explanation.statements.is_empty() {
        line("  no statements: nothing allows the request".to_string());
    }
    if let Some(fix) = &explanation.fix {
        line(format!("fix: {}", advice(fix, explanation, request)));
        for change in &fix.changes {
            if change.role != PolicyRole::Identity {
                line(format!("  in the {}:", change.role));
            }
            line(format!("  {}", change.statement.to_json()));
        }
    }
    out
}

/// The human report, with the decision coloured when `color` is set.
pub fn human(explanation: &Explanation, request: &Request, color: bool) -> String {
    let text = text(explanation, request);
    if !color {
        return text;
    }
    let decision = explanation.response.decision;
    match text.strip_prefix(decision.as_str()) {
        Some(rest) => format!("{}{rest}", paint(decision)),
        None => text,
    }
}

/// The decision's name in its terminal colour (green, red, yellow).
pub fn paint(decision: Decision) -> String {
    let code = match decision {
        Decision::Allow => "32",
        Decision::ExplicitDeny => "31",
        Decision::ImplicitDeny => "33",
    };
    format!("\x1b[1;{code}m{}\x1b[0m", decision.as_str())
}

/// A deciding statement: `{"policy", "policyType", "index", "sid"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementRefJson {
    policy: String,
    policy_type: Option<String>,
    index: usize,
    sid: Option<String>,
}

impl StatementRefJson {
    /// The reference `at` of `set`, its policy named as in `policy_names`.
    pub fn new(set: &PolicySet, at: StatementRef, policy_names: &[String]) -> StatementRefJson {
        let found = set.statement(at);
        StatementRefJson {
            policy: policy_names
                .get(at.policy)
                .cloned()
                .unwrap_or_else(|| at.policy.to_string()),
            policy_type: found.map(|(role, _, _)| role.to_string()),
            index: at.statement,
            sid: found.and_then(|(_, _, s)| s.sid.clone()),
        }
    }
}

/// A deciding statement as a JSON value.
pub fn statement_ref_json(
    set: &PolicySet,
    at: StatementRef,
    policy_names: &[String],
) -> serde_json::Value {
    serde_json::to_value(StatementRefJson::new(set, at, policy_names)).unwrap_or_default()
}

/// The names of a set's policies as shown in reports: their source names.
pub fn policy_names(set: &PolicySet) -> Vec<String> {
    set.policies()
        .iter()
        .map(|(_, p)| p.source.name.clone())
        .collect()
}

#[derive(Serialize)]
struct MismatchJson {
    element: &'static str,
    kind: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<String>,
}

impl MismatchJson {
    fn new(m: &Mismatch) -> MismatchJson {
        let (key, operator) = match m {
            Mismatch::Condition { key, operator, .. } => {
                (Some(key.clone()), Some(operator.clone()))
            }
            _ => (None, None),
        };
        MismatchJson {
            element: m.element().as_str(),
            kind: m.kind(),
            message: mismatch(m),
            key,
            operator,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatementJson {
    policy: String,
    policy_type: String,
    index: usize,
    sid: Option<String>,
    line: u32,
    effect: String,
    applies: bool,
    decides: bool,
    mismatches: Vec<MismatchJson>,
}

/// A suggested statement as IAM writes it.
#[derive(Serialize)]
struct SuggestedJson<'a> {
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    principal: Option<PrincipalJson<'a>>,
    #[serde(rename = "Action")]
    action: &'a str,
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PrincipalJson<'a> {
    Anyone(&'static str),
    Aws {
        #[serde(rename = "AWS")]
        aws: &'a str,
    },
    Service {
        #[serde(rename = "Service")]
        service: &'a str,
    },
}

impl<'a> SuggestedJson<'a> {
    fn new(s: &'a SuggestedStatement) -> Option<SuggestedJson<'a>> {
        let principal = match &s.principal {
            None => None,
            Some(SuggestedPrincipal::Anyone) => Some(PrincipalJson::Anyone("*")),
            Some(SuggestedPrincipal::Aws(aws)) => Some(PrincipalJson::Aws { aws }),
            Some(SuggestedPrincipal::Service(service)) => Some(PrincipalJson::Service { service }),
            Some(_) => return None,
        };
        Some(SuggestedJson {
            effect: "Allow",
            principal,
            action: &s.action,
            resource: s.resource.as_deref(),
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeJson<'a> {
    policy_type: String,
    statement: Option<SuggestedJson<'a>>,
}

#[derive(Serialize)]
struct FixJson<'a> {
    summary: String,
    statement: Option<SuggestedJson<'a>>,
    changes: Vec<ChangeJson<'a>>,
}

impl<'a> FixJson<'a> {
    fn new(fix: &'a Fix, explanation: &Explanation, request: &Request) -> FixJson<'a> {
        FixJson {
            summary: advice(fix, explanation, request),
            statement: fix
                .changes
                .first()
                .and_then(|c| SuggestedJson::new(&c.statement)),
            changes: fix
                .changes
                .iter()
                .map(|c| ChangeJson {
                    policy_type: c.role.to_string(),
                    statement: SuggestedJson::new(&c.statement),
                })
                .collect(),
        }
    }
}

/// The report of `check --format json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    decision: &'static str,
    reason: String,
    action: &'a str,
    resource: &'a str,
    requested_resource: &'a str,
    account_level_action: bool,
    deciding: Vec<StatementRefJson>,
    statements: Vec<StatementJson>,
    notes: Vec<String>,
    fix: Option<FixJson<'a>>,
}

impl<'a> Report<'a> {
    /// The report of one explained request.
    pub fn new(explanation: &'a Explanation, request: &'a Request, set: &PolicySet) -> Report<'a> {
        let names = policy_names(set);
        let response = &explanation.response;
        let statements = explanation
            .statements
            .iter()
            .map(|t| StatementJson {
                policy: t.policy_name.clone(),
                policy_type: t.role.to_string(),
                index: t.at.statement,
                sid: t.sid.clone(),
                line: t.line,
                effect: t.effect.to_string(),
                applies: t.applies(),
                decides: response.deciding.contains(&t.at),
                mismatches: t.mismatches.iter().map(MismatchJson::new).collect(),
            })
            .collect();
        let fix = explanation
            .fix
            .as_ref()
            .map(|fix| FixJson::new(fix, explanation, request));
        Report {
            decision: response.decision.as_str(),
            reason: response.reason.to_string(),
            action: request.action(),
            resource: request.resource(),
            requested_resource: request.given_resource(),
            account_level_action: request.is_account_level(),
            deciding: response
                .deciding
                .iter()
                .map(|&at| StatementRefJson::new(set, at, &names))
                .collect(),
            statements,
            notes: notes(explanation),
            fix,
        }
    }
}

/// The JSON report of `check --format json`, as a value.
pub fn json(explanation: &Explanation, request: &Request, set: &PolicySet) -> serde_json::Value {
    serde_json::to_value(Report::new(explanation, request, set)).unwrap_or_default()
}

/// The policy role a denial's reason names, whose Allow statements could have allowed it.
fn roles_of(reason: Reason) -> &'static dyn Fn(PolicyRole) -> bool {
    match reason {
        Reason::NoIdentityAllows => &|r| matches!(r, PolicyRole::Identity | PolicyRole::Resource),
        Reason::NoResourcePolicyAllows => &|r| r == PolicyRole::Resource,
        Reason::NoBoundaryAllows => &|r| r == PolicyRole::Boundary,
        Reason::NoSessionAllows => &|r| r == PolicyRole::Session,
        Reason::NoVpcEndpointAllows => &|r| r == PolicyRole::VpcEndpoint,
        Reason::NoScpAllows(_) => &|r| matches!(r, PolicyRole::Scp(_)),
        Reason::NoRcpAllows(_) => &|r| matches!(r, PolicyRole::Rcp(_)),
        _ => &|_| true,
    }
}

/// The Allow statement of the policy type that denied which fails on the fewest elements (the
/// first of those), when there is one.
fn nearest(explanation: &Explanation) -> Option<&StatementTrace> {
    let reason = explanation.response.reason;
    let level = match reason {
        Reason::NoScpAllows(level) | Reason::NoRcpAllows(level) => Some(level),
        _ => None,
    };
    let in_role = roles_of(reason);
    explanation
        .statements
        .iter()
        .filter(|t| t.effect == Effect::Allow && !t.mismatches.is_empty() && in_role(t.role))
        .filter(|t| match (t.role, level) {
            (PolicyRole::Scp(l) | PolicyRole::Rcp(l), Some(level)) => l == level,
            _ => true,
        })
        .min_by_key(|t| t.mismatches.len())
}

/// A failing element in a few words, after "statement `X` of policy".
pub fn brief_mismatch(m: &Mismatch) -> String {
    let short = |listed: &[String]| -> String {
        let mut shown = quoted_list(listed.get(..2).unwrap_or(listed));
        if listed.len() > 2 {
            shown.push_str(", …");
        }
        shown
    };
    match m {
        Mismatch::ActionNotListed {
            action, closest, ..
        } => {
            let closest = closest
                .as_ref()
                .map(|c| format!(" (closest: `{c}`)"))
                .unwrap_or_default();
            format!("does not list `{action}` in its Action{closest}")
        }
        Mismatch::ActionExcluded { action, by } => {
            format!("excludes `{action}` with NotAction `{by}`")
        }
        Mismatch::ResourceNotMatched { resource, listed } => {
            format!("covers [{}], not `{resource}`", short(listed))
        }
        Mismatch::AccountLevelAction { action, .. } => format!(
            "is scoped to resources, but `{action}` does not support resource-level permissions: only \"Resource\": \"*\" matches it"
        ),
        Mismatch::ResourceExcluded { resource, by } => {
            format!("excludes `{resource}` with NotResource `{by}`")
        }
        Mismatch::Condition {
            key,
            operator,
            failure,
            ..
        } => match failure {
            ConditionFailure::Absent | ConditionFailure::NullExpectsPresent => {
                format!("has a condition `{operator}` on `{key}`, a key the request does not carry")
            }
            ConditionFailure::NotMatched { value } => format!(
                "has a condition `{operator}` on `{key}` that request value `{value}` does not satisfy"
            ),
            _ => {
                format!("has a condition `{operator}` on `{key}` that the request does not satisfy")
            }
        },
        Mismatch::PrincipalNotNamed {
            caller: Some(caller),
            ..
        } => format!("does not name caller `{caller}` in its Principal"),
        Mismatch::PrincipalNotNamed { caller: None, .. } => {
            "names a Principal, and the request has no caller".to_string()
        }
        Mismatch::PrincipalExempted { caller } => {
            format!("exempts caller `{caller}` with NotPrincipal")
        }
        other => mismatch(other),
    }
}

/// The `reason` of a batch line, in one sentence from the traced facts: the deciding statements,
/// or for an implicit denial the policy type that did not allow it and the nearest statement's
/// first failing element. No fix (`batch --fix` adds it as its own field).
pub fn brief_reason(explanation: &Explanation) -> String {
    let response = &explanation.response;
    let deciding: Vec<String> = response
        .deciding
        .iter()
        .filter_map(|at| trace_of(explanation, *at))
        .map(|t| format!("`{}`", t.label))
        .collect();
    match response.decision {
        Decision::Allow => format!("allowed by {}", deciding.join(", ")),
        Decision::ExplicitDeny => {
            format!("denied {} by {}", response.reason, deciding.join(", "))
        }
        Decision::ImplicitDeny => match nearest(explanation) {
            Some(t) => {
                let more = match t.mismatches.len() {
                    0 | 1 => String::new(),
                    2 => " (and one more element fails)".to_string(),
                    n => format!(" (and {} more elements fail)", n - 1),
                };
                let first = t.mismatches.first().map(brief_mismatch).unwrap_or_default();
                format!(
                    "denied {}: statement `{}` of {} {first}{more}",
                    response.reason, t.label, t.policy_name
                )
            }
            None => format!("denied {}", response.reason),
        },
    }
}

/// What a batch line says about one (policy set, request), rendered once and reused by every
/// line that repeats them: each field is serialized once, and written verbatim on every line.
#[derive(Debug)]
pub struct BatchResult {
    decision: &'static str,
    reason: Option<Box<RawValue>>,
    action: Option<Box<RawValue>>,
    resource: Option<Box<RawValue>>,
    deciding: Option<Box<RawValue>>,
    notes: Option<Box<RawValue>>,
    /// `None`: not asked for; `Some(null)`: asked for, nothing to fix.
    fix: Option<Option<Box<RawValue>>>,
}

/// A value serialized once (`None`, written as null, if it cannot be).
fn raw<T: Serialize + ?Sized>(value: &T) -> Option<Box<RawValue>> {
    serde_json::value::to_raw_value(value).ok()
}

impl BatchResult {
    /// The result of an evaluation; `with_fix`: the evaluation carries the fix, and the line
    /// shows it.
    pub fn new(e: &Evaluated<'_>, with_fix: bool) -> BatchResult {
        let explanation = e.explanation;
        let fix = with_fix.then(|| {
            explanation
                .fix
                .as_ref()
                .and_then(|fix| raw(&FixJson::new(fix, explanation, e.request)))
        });
        let deciding: Vec<StatementRefJson> = explanation
            .response
            .deciding
            .iter()
            .map(|&at| StatementRefJson::new(e.set, at, e.names))
            .collect();
        BatchResult {
            decision: explanation.response.decision.as_str(),
            reason: raw(&brief_reason(explanation)),
            action: raw(e.request.action()),
            resource: raw(e.request.resource()),
            deciding: raw(&deciding),
            notes: raw(&notes(explanation)),
            fix,
        }
    }

    /// The output line, with the input line's `id`.
    pub fn line<'a>(&'a self, id: &'a serde_json::Value) -> BatchLine<'a> {
        BatchLine {
            decision: self.decision,
            reason: self.reason.as_deref(),
            action: self.action.as_deref(),
            resource: self.resource.as_deref(),
            deciding: self.deciding.as_deref(),
            notes: self.notes.as_deref(),
            fix: self.fix.as_ref().map(Option::as_deref),
            id,
        }
    }
}

/// A decided batch line (README.md, "Batch"): the fields in this order.
#[derive(Serialize)]
pub struct BatchLine<'a> {
    decision: &'static str,
    reason: Option<&'a RawValue>,
    action: Option<&'a RawValue>,
    resource: Option<&'a RawValue>,
    deciding: Option<&'a RawValue>,
    notes: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Option<&'a RawValue>>,
    id: &'a serde_json::Value,
}

/// A batch line that could not be decided.
#[derive(Serialize)]
pub struct BatchError<'a> {
    id: &'a serde_json::Value,
    decision: &'static str,
    error: &'a str,
}

impl<'a> BatchError<'a> {
    /// The `Error` line for `message`.
    pub fn new(id: &'a serde_json::Value, message: &'a str) -> BatchError<'a> {
        BatchError {
            id,
            decision: "Error",
            error: message,
        }
    }
}
