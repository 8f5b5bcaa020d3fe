//! Words for the engine's facts: every sentence ecrsim prints about a decision is made here, from
//! the typed [`Explanation`] (mismatches, notes, advice), and nowhere else. CLI flag names appear
//! only in this module. The JSON report is a `serde::Serialize` view of the same facts; its
//! schema is documented in README.md.

use ecrsim_engine::ConditionFailure;
use ecrsim_engine::Edit;
use ecrsim_engine::MandatoryPolicy;
use ecrsim_engine::printable;
use ecrsim_engine::{
    Advice, Decision, Effect, Exclusion, Explanation, Fix, Mismatch, Note, PolicyRole, PolicySet,
    Reason, Request, StatementRef, StatementTrace, SuggestedPrincipal, SuggestedStatement,
};
use ecrsim_engine::{AssumedSource, Unknowable};
use ecrsim_engine::{Evaluated, LineId, LineSubject as Subject};
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
    use ecrsim_engine::RegistryScope;
    match because {
        Exclusion::AccountLevelAction => {
            "the action is account-level (its resource is `*`), so resource-based policies and resource control policies do not take part"
        }
        Exclusion::ServiceCaller => "SCPs do not apply: AWS service principal",
        Exclusion::AnonymousCaller => "SCPs do not apply: anonymous caller",
        Exclusion::ServiceLinkedRole => "SCPs and RCPs do not apply: service-linked role",
        Exclusion::ManagementAccountCaller => {
            "SCPs do not apply: the caller is in the management account"
        }
        Exclusion::ManagementAccountResource => {
            "RCPs do not apply: the resource is in the management account"
        }
        Exclusion::RegistryScope(RegistryScope::V1) => {
            "the registry policy scope is V1, which enforces only ecr:ReplicateImage, ecr:BatchImportUpstreamImage and ecr:CreateRepository at registry level"
        }
        Exclusion::RegistryScope(RegistryScope::V2) => {
            "the registry policy governs ECR actions only"
        }
        _ => "it does not apply to this request",
    }
}

/// The decision's reason as AWS words it; for a reason that names an organization level
/// given by an organization file, with where its policies are attached: `with an explicit deny
/// in a service control policy (OU Workloads, organization level 1)`.
pub fn reason(explanation: &Explanation) -> String {
    let reason = explanation.response.reason;
    let text = reason.to_string();
    let role = match reason {
        Reason::ExplicitDeny(role @ (PolicyRole::Scp(_) | PolicyRole::Rcp(_))) => role,
        Reason::NoScpAllows(level) => PolicyRole::Scp(level),
        Reason::NoRcpAllows(level) => PolicyRole::Rcp(level),
        _ => return text,
    };
    let (PolicyRole::Scp(level) | PolicyRole::Rcp(level)) = role else {
        return text;
    };
    match explanation.origin(role) {
        Some(node) => text.replace(
            &format!("(organization level {level})"),
            &format!("({}, organization level {level})", node.label()),
        ),
        None => text,
    }
}

/// Where an organization level's policies are attached: `{"kind": "root"|"ou"|"account",
/// "id", "name"}` (`name` for an OU).
#[derive(Debug, Serialize)]
pub struct AttachedJson {
    kind: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl AttachedJson {
    fn new(node: &ecrsim_engine::NodeRef) -> AttachedJson {
        use ecrsim_engine::NodeKind;
        let (kind, name) = match &node.kind {
            NodeKind::Root => ("root", None),
            NodeKind::Unit(name) => ("ou", Some(name.clone())),
            NodeKind::Account => ("account", None),
        };
        AttachedJson {
            kind,
            id: node.id.clone(),
            name,
        }
    }
}

/// A policy that takes no part in the request, and why: `{"policy", "policyType", "exclusion",
/// "message", "source"}` (`source`: the AWS page that says so).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotEvaluatedJson {
    policy: String,
    policy_type: String,
    exclusion: &'static str,
    message: &'static str,
    source: Option<&'static str>,
}

/// The policies of an explanation that take no part, as data.
pub fn not_evaluated(explanation: &Explanation) -> Vec<NotEvaluatedJson> {
    explanation
        .notes
        .iter()
        .filter_map(|n| match n {
            Note::PolicyNotEvaluated {
                policy,
                role,
                because,
            } => Some(NotEvaluatedJson {
                policy: policy.clone(),
                policy_type: role.to_string(),
                exclusion: because.as_str(),
                message: exclusion(*because),
                source: ecrsim_engine::exclusion_source(*role, *because),
            }),
            _ => None,
        })
        .collect()
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
        Note::Assumed { assumed } => assumed_line(assumed),
        Note::DependsOn { keys } => format!(
            "{}: AWS sends them, but their value cannot be known offline, so they were evaluated as absent; give them with --context KEY=VALUE to decide for a given value",
            keys.iter()
                .map(|k| format!("`{}` ({})", k.key, unknowable(k.because)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Note::RegistryUri { given, arn } => format!(
            "the registry URI `{given}` names the repository `{arn}`; ECR authorizes image actions on the repository, whatever the tag or digest"
        ),
        Note::RoleAsSession { role } => format!(
            "the caller `{role}` is a role ARN: it is evaluated as a session of that role, so a resource-based policy naming the role ARN still leaves the permissions boundary and session policy in force (give the session ARN `arn:…:sts::ACCOUNT:assumed-role/NAME/SESSION` to check a named session)"
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

/// The `assumed:` line: the keys grouped by where their values come from, an assumed caller
/// shown once by its ARN.
fn assumed_line(assumed: &[ecrsim_engine::Assumed]) -> String {
    let derived_from_caller = ["aws:PrincipalAccount", "aws:PrincipalType", "aws:username"];
    let mut groups: Vec<(AssumedSource, Vec<String>)> = Vec::new();
    for a in assumed {
        if a.source == AssumedSource::AssumedCaller && derived_from_caller.contains(&a.key) {
            continue;
        }
        let item = format!("{}={}", a.key, a.value);
        match groups.iter_mut().find(|(s, _)| *s == a.source) {
            Some((_, items)) => items.push(item),
            None => groups.push((a.source, vec![item])),
        }
    }
    let groups: Vec<String> = groups
        .iter()
        .map(|(s, items)| format!("{} ({})", items.join(", "), source(*s)))
        .collect();
    format!(
        "{}; give any key with --context KEY=VALUE to change it",
        groups.join("; ")
    )
}

/// Where an assumed value comes from, in a few words.
fn source(source: AssumedSource) -> &'static str {
    match source {
        AssumedSource::ResourceArn => "from the resource ARN",
        AssumedSource::GivenRegion => "--region",
        AssumedSource::WorkflowRepository => {
            "the Region of the workflow's repository, whose registry docker logs in to; pin it with --region"
        }
        AssumedSource::GivenTime => "--at",
        AssumedSource::Clock => "now; pin it with --at",
        AssumedSource::AwsDefault => "AWS defaults",
        AssumedSource::Caller => "from the caller",
        AssumedSource::AssumedCaller => {
            "no --principal: the caller is assumed to be an IAM user of the resource's account"
        }
        AssumedSource::Organization => "from --org",
        AssumedSource::SourceArn => "from aws:SourceArn",
        AssumedSource::CalledVia => "from --called-via",
        _ => "assumed",
    }
}

/// Why a key's value cannot be known offline, in a few words.
fn unknowable(because: Unknowable) -> &'static str {
    match because {
        Unknowable::ClientAddress => "the client's IP address",
        Unknowable::VpcEndpoint => "sent through the VPC endpoint",
        Unknowable::UserAgent => "the client's user agent",
        Unknowable::UniqueId => "the user's or role's unique id",
        Unknowable::Organization => "whether and where the account is in an organization",
        Unknowable::Region => "the Region of a request on `*`; give --region",
        Unknowable::Mfa => "depends on the credentials used",
        Unknowable::TokenIssueTime => "when the temporary credentials were issued",
        Unknowable::PrincipalTag => "the caller's tags",
        Unknowable::ResourceTag => "the resource's tags",
        Unknowable::ServiceSource => "the resource the service acts for",
        Unknowable::Caller => "no caller was given; give --principal",
        _ => "unknown",
    }
}

/// Whether a note has a line (and a JSON field) of its own rather than a `note:` line.
fn has_own_line(n: &Note) -> bool {
    matches!(n, Note::Assumed { .. } | Note::DependsOn { .. })
}

/// Every note of an explanation, as sentences (the assumed and depends-on keys excepted: they
/// have their own lines and JSON fields).
pub fn notes(explanation: &Explanation) -> Vec<String> {
    explanation
        .notes
        .iter()
        .filter(|n| !has_own_line(n))
        .map(note)
        .collect()
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
        Advice::ConditionBlocks { statement: at } => {
            let trace = trace_of(explanation, *at);
            let needs: Vec<String> = trace
                .iter()
                .flat_map(|t| &t.mismatches)
                .map(mismatch)
                .collect();
            let place = trace
                .filter(|t| t.role != PolicyRole::Identity)
                .map(|t| format!(" in the {}", t.role))
                .unwrap_or_default();
            format!(
                "{}{place} allows `{action}` here only when its condition holds, and for this request it does not: {}. ecrsim keeps every condition you wrote: send the request so that it holds, or change the condition yourself if it is wrong",
                statement(at).unwrap_or_default(),
                needs.join("; ")
            )
        }
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
                .map(|c| format!("the {}", role_name(c.role, explanation.response.reason)))
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
        line(format!("why: {}", reason(explanation)));
        if let Some(rule) = mandatory_rule(response.reason) {
            line(rule);
        }
    } else if response.reason == Reason::RootUserOfResourceAccount {
        line(root_user_rule(request));
    }
    for n in &explanation.notes {
        match n {
            Note::Assumed { .. } => line(format!("assumed: {}", note(n))),
            Note::DependsOn { .. } => line(format!("depends on: {}", note(n))),
            _ => line(format!("note: {}", note(n))),
        }
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
                line(format!(
                    "  in the {}:",
                    role_name(change.role, explanation.response.reason)
                ));
            }
            line(format!("  {}", change.statement.to_json()));
        }
    }
    out
}

/// A policy role's name, naming the trust or key policy when that is what the resource policy is.
fn role_name(role: PolicyRole, reason: Reason) -> String {
    match (role, reason) {
        (PolicyRole::Resource, Reason::ResourcePolicyMustAllow { policy, .. }) => match policy {
            MandatoryPolicy::TrustPolicy => "role's trust policy".to_string(),
            MandatoryPolicy::KeyPolicy => "key policy".to_string(),
        },
        _ => role.to_string(),
    }
}

/// The rule behind a denial by the mandatory-policy table (`ecrsim_engine::eval::mandatory`): which
/// policy to give, how identity-based policies count, and the AWS page.
fn mandatory_rule(reason: Reason) -> Option<String> {
    match reason {
        Reason::ResourcePolicyMustAllow { policy, given } => {
            let source = policy.rule().map(|r| r.source).unwrap_or_default();
            let (what, flag, rule) = match policy {
                MandatoryPolicy::TrustPolicy => (
                    "the role's trust policy",
                    "--trust-policy",
                    "a role can be assumed only if its trust policy allows it, in the same account too; a trust policy naming the caller (or its role) allows on its own, one naming the caller's account (arn:aws:iam::ACCOUNT:root) lets the caller's identity-based policies decide",
                ),
                MandatoryPolicy::KeyPolicy => (
                    "the key policy",
                    "--key-policy",
                    "IAM policies have no effect on a KMS key unless its key policy allows it: a key policy naming the caller allows on its own, one naming the caller's account (arn:aws:iam::ACCOUNT:root) enables the caller's identity-based policies",
                ),
            };
            let give = if given {
                String::new()
            } else {
                format!("give {what} with {flag} FILE; ")
            };
            Some(format!("rule: {give}{rule} ({source})"))
        }
        Reason::Refused(refusal) => {
            let source = refusal.rule().map(|r| r.source).unwrap_or_default();
            Some(format!(
                "rule: AWS refuses this request whatever the policies say, so no statement can allow it ({source})"
            ))
        }
        _ => None,
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    attached_to: Option<AttachedJson>,
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
            attached_to: found
                .and_then(|(role, _, _)| set.origin(role))
                .map(AttachedJson::new),
        }
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    attached_to: Option<AttachedJson>,
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
    not_evaluated: Vec<NotEvaluatedJson>,
    assumed: Vec<AssumedJson>,
    depends_on: Vec<DependsOnJson>,
    fix: Option<FixJson<'a>>,
}

/// A key ecrsim filled in: `{"key", "value", "source"}`.
#[derive(Serialize)]
struct AssumedJson {
    key: &'static str,
    value: String,
    source: &'static str,
}

/// A key the answer depends on: `{"key", "reason"}`.
#[derive(Serialize)]
struct DependsOnJson {
    key: String,
    reason: &'static str,
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
                attached_to: explanation.origin(t.role).map(AttachedJson::new),
            })
            .collect();
        let fix = explanation
            .fix
            .as_ref()
            .map(|fix| FixJson::new(fix, explanation, request));
        Report {
            decision: response.decision.as_str(),
            reason: reason(explanation),
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
            not_evaluated: not_evaluated(explanation),
            assumed: explanation
                .notes
                .iter()
                .flat_map(|n| match n {
                    Note::Assumed { assumed } => assumed.as_slice(),
                    _ => &[],
                })
                .map(|a| AssumedJson {
                    key: a.key,
                    value: a.value.clone(),
                    source: a.source.as_str(),
                })
                .collect(),
            depends_on: explanation
                .notes
                .iter()
                .flat_map(|n| match n {
                    Note::DependsOn { keys } => keys.as_slice(),
                    _ => &[],
                })
                .map(|k| DependsOnJson {
                    key: k.key.clone(),
                    reason: k.because.as_str(),
                })
                .collect(),
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
    let why = reason(explanation);
    let deciding: Vec<String> = response
        .deciding
        .iter()
        .filter_map(|at| trace_of(explanation, *at))
        .map(|t| format!("`{}`", t.label))
        .collect();
    match response.decision {
        Decision::Allow if deciding.is_empty() => why,
        Decision::Allow => format!("allowed by {}", deciding.join(", ")),
        Decision::ExplicitDeny => {
            format!("denied {why} by {}", deciding.join(", "))
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
                    "denied {why}: statement `{}` of {} {first}{more}",
                    t.label, t.policy_name
                )
            }
            None => format!("denied {why}"),
        },
    }
}

/// `statement `Sid`` or `the statement without Sid`.
fn statement_named(sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("statement `{sid}`"),
        None => "the statement without Sid".to_string(),
    }
}

/// One edit `ecrsim fix` made to the policy document, for people.
pub fn edit(edit: &Edit) -> String {
    match edit {
        Edit::CorrectedTypo { sid, wrong, action } => format!(
            "corrected `{wrong}` to `{action}` in {}: `{wrong}` is no action",
            statement_named(sid.as_deref())
        ),
        Edit::ResourceMadeStar { sid } => format!(
            "{} granted only account-level actions on specific resources, which never matches: its Resource is now \"*\"",
            statement_named(sid.as_deref())
        ),
        Edit::RemovedAccountLevel { sid, actions } => format!(
            "removed {} from {}: account-level actions are evaluated on \"*\" and never match its Resource",
            actions.join(", "),
            statement_named(sid.as_deref())
        ),
        Edit::AddedOnStar { sid, actions } => format!(
            "added {} to {} (Resource \"*\")",
            actions.join(", "),
            statement_named(sid.as_deref())
        ),
        Edit::NewStarStatement { sid, actions } => format!(
            "added statement `{sid}` granting {} on \"*\" (account-level actions have no resource type)",
            actions.join(", ")
        ),
        Edit::AddedOnResource {
            sid,
            actions,
            resource,
        } => format!(
            "added {} to {}, which is scoped to exactly `{resource}`",
            actions.join(", "),
            statement_named(sid.as_deref())
        ),
        Edit::NewResourceStatement {
            sid,
            actions,
            resource,
        } => format!(
            "added statement `{sid}` granting {} on `{resource}` only",
            actions.join(", ")
        ),
        _ => format!("{edit:?}"),
    }
}

/// What a batch line says about one (policy set, request), rendered once and reused by every
/// line that repeats them: the line as serde serializes it, up to the value of its last member,
/// `id`, which each line supplies.
#[derive(Debug)]
pub struct BatchResult {
    /// `{"decision":…,"notes":…,"id":` (or, for a `request.message` line, the `why --format
    /// json` members then `"id":`): serde's serialization of the line with a placeholder `id`,
    /// cut before the placeholder.
    head: Box<[u8]>,
}

/// A value serialized once (`None`, written as null, if it cannot be).
fn raw<T: Serialize + ?Sized>(value: &T) -> Option<Box<RawValue>> {
    serde_json::value::to_raw_value(value).ok()
}

impl BatchResult {
    /// The result of a line: a decision, or an explained `request.message`.
    pub fn of(subject: Subject<'_>, with_fix: bool) -> BatchResult {
        let why = match subject {
            Subject::Decided(e) => return BatchResult::new(&e, with_fix),
            Subject::Message(m) => match crate::why::batch_message(&m, with_fix) {
                serde_json::Value::Object(map) => map,
                _ => serde_json::Map::new(),
            },
            _ => serde_json::Map::new(),
        };
        BatchResult::with_placeholder(&MessageLine {
            why: &why,
            id: RawValue::NULL,
        })
    }

    /// The line's fields as a JSON object, without `id` (the report of a `request.message`
    /// line's verdict, an action of a workflow line).
    pub fn report(&self) -> serde_json::Value {
        let mut line = Vec::with_capacity(self.head.len() + PLACEHOLDER.len());
        self.write_line(&LineId::NULL, &mut line);
        let mut value: serde_json::Value = serde_json::from_slice(&line).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("id");
        }
        value
    }

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
        let not_evaluated = not_evaluated(explanation);
        BatchResult::with_placeholder(&BatchLine {
            decision: explanation.response.decision.as_str(),
            reason: brief_reason(explanation),
            action: e.request.action(),
            resource: e.request.resource(),
            deciding,
            notes: notes(explanation),
            not_evaluated: (!not_evaluated.is_empty()).then_some(not_evaluated),
            fix: fix.as_ref().map(Option::as_deref),
            id: RawValue::NULL,
        })
    }

    /// `line` (whose last member is `"id":null`) serialized, cut before the `null`.
    fn with_placeholder(line: &impl Serialize) -> BatchResult {
        // Serializing these types to memory cannot fail; the line ends with the placeholder.
        let mut head = serde_json::to_vec(line).unwrap_or_default();
        head.truncate(head.len().saturating_sub(PLACEHOLDER.len()));
        BatchResult { head: head.into() }
    }

    /// Appends the output line (without its newline) with the input line's `id`.
    pub fn write_line(&self, id: &LineId<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head);
        match id {
            LineId::Verbatim(id) => out.extend_from_slice(id.as_bytes()),
            // Writing to a Vec cannot fail, and a Value always serializes.
            LineId::Value(value) => drop(serde_json::to_writer(&mut *out, value)),
        }
        out.push(b'}');
    }
}

/// What ends a line serialized with the placeholder `id`.
const PLACEHOLDER: &str = "null}";

/// A `request.message` line: the `why --format json` object, then `id`.
#[derive(Serialize)]
struct MessageLine<'a> {
    #[serde(flatten)]
    why: &'a serde_json::Map<String, serde_json::Value>,
    id: &'a RawValue,
}

/// A decided batch line (README.md, "Batch"): the fields in this order, `id` last.
#[derive(Serialize)]
struct BatchLine<'a> {
    decision: &'static str,
    reason: String,
    action: &'a str,
    resource: &'a str,
    deciding: Vec<StatementRefJson>,
    notes: Vec<String>,
    #[serde(rename = "notEvaluated", skip_serializing_if = "Option::is_none")]
    not_evaluated: Option<Vec<NotEvaluatedJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Option<&'a RawValue>>,
    id: &'a RawValue,
}

/// A batch line that could not be decided; `I`: its `id` as read ([`LineId`] or a JSON value).
#[derive(Serialize)]
pub struct BatchError<'a, I: Serialize> {
    id: &'a I,
    decision: &'static str,
    error: &'a str,
}

impl<'a, I: Serialize> BatchError<'a, I> {
    /// The `Error` line for `message`.
    pub fn new(id: &'a I, message: &'a str) -> BatchError<'a, I> {
        BatchError {
            id,
            decision: "Error",
            error: message,
        }
    }
}

/// The flags a workflow needs beyond `--workflow NAME --resource ARN`, for the human listing (the
/// engine's descriptions name no flag).
fn workflow_flags(name: &str) -> Option<&'static str> {
    match name {
        "public-push" => Some("--image public.ecr.aws/ALIAS/NAME --resource-account ACCOUNT"),
        "replicate" | "replicate-new-repo" => {
            Some("the destination repository as --resource, its --registry-policy")
        }
        "create-repository-kms" => Some("--kms-key ARN"),
        _ => None,
    }
}

/// `ecrsim workflows`: every workflow with its required and documented actions and its source.
pub fn workflows(format: crate::Format) -> String {
    use ecrsim_engine::WORKFLOWS;
    match format {
        crate::Format::Json => {
            let list: Vec<serde_json::Value> = WORKFLOWS
                .iter()
                .map(|w| {
                    serde_json::json!({
                        "name": w.name,
                        "description": w.description,
                        "required": w.actions,
                        "documented": w.documented,
                        "source": w.source,
                    })
                })
                .collect();
            format!("{}\n", serde_json::Value::Array(list))
        }
        crate::Format::Markdown => {
            let mut out = String::from(
                "| workflow | required actions | documented only | source |\n|---|---|---|---|\n",
            );
            for w in WORKFLOWS {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    w.name,
                    w.actions.join(", "),
                    w.documented.join(", "),
                    w.source
                ));
            }
            out
        }
        crate::Format::Human => {
            let mut out = String::new();
            for w in WORKFLOWS {
                out.push_str(&format!("{}: {}\n", w.name, w.description));
                if let Some(flags) = workflow_flags(w.name) {
                    out.push_str(&format!("  give:       {flags}\n"));
                }
                out.push_str(&format!("  required:   {}\n", w.actions.join(", ")));
                if !w.documented.is_empty() {
                    out.push_str(&format!("  documented: {}\n", w.documented.join(", ")));
                }
                out.push_str(&format!("  source:     {}\n", w.source));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";

    fn actions(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn every_edit_is_worded_with_its_statement_actions_and_resource() {
        let cases = [
            (
                Edit::CorrectedTypo {
                    sid: None,
                    wrong: "ecr:PutImages".into(),
                    action: "ecr:PutImage".into(),
                },
                "corrected `ecr:PutImages` to `ecr:PutImage` in the statement without Sid: `ecr:PutImages` is no action",
            ),
            (
                Edit::ResourceMadeStar {
                    sid: Some("Login".into()),
                },
                "statement `Login` granted only account-level actions on specific resources, which never matches: its Resource is now \"*\"",
            ),
            (
                Edit::RemovedAccountLevel {
                    sid: Some("Repo".into()),
                    actions: actions(&["ecr:GetAuthorizationToken", "ecr:DescribeRegistry"]),
                },
                "removed ecr:GetAuthorizationToken, ecr:DescribeRegistry from statement `Repo`: account-level actions are evaluated on \"*\" and never match its Resource",
            ),
            (
                Edit::AddedOnStar {
                    sid: None,
                    actions: actions(&["ecr:GetAuthorizationToken"]),
                },
                "added ecr:GetAuthorizationToken to the statement without Sid (Resource \"*\")",
            ),
            (
                Edit::NewStarStatement {
                    sid: "AllowAccountLevelActions".into(),
                    actions: actions(&["ecr:GetAuthorizationToken"]),
                },
                "added statement `AllowAccountLevelActions` granting ecr:GetAuthorizationToken on \"*\" (account-level actions have no resource type)",
            ),
            (
                Edit::AddedOnResource {
                    sid: Some("Repo".into()),
                    actions: actions(&["ecr:PutImage", "ecr:UploadLayerPart"]),
                    resource: REPO.into(),
                },
                "added ecr:PutImage, ecr:UploadLayerPart to statement `Repo`, which is scoped to exactly `arn:aws:ecr:us-east-1:123456789012:repository/app`",
            ),
            (
                Edit::NewResourceStatement {
                    sid: "AllowRepositoryAccess2".into(),
                    actions: actions(&["ecr:PutImage"]),
                    resource: REPO.into(),
                },
                "added statement `AllowRepositoryAccess2` granting ecr:PutImage on `arn:aws:ecr:us-east-1:123456789012:repository/app` only",
            ),
        ];
        for (e, expected) in cases {
            assert_eq!(edit(&e), expected);
        }
    }
}
