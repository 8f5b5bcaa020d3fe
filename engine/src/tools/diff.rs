//! The access gained and lost between two versions of a policy, so a reviewer sees
//! `+ ecr:GetAuthorizationToken on *` before merging.
//!
//! Both versions are evaluated with [`authorize`] on the same requests: every catalog action of
//! every service either version mentions (all services when a value reaches every service:
//! `"Action": "*"`, `*:…`, or a `NotAction`), each on
//!
//! - `*` for an account-level action (docs/semantics.md#account-level-actions), and for an action
//!   whose resource types are all optional;
//! - otherwise every resource value either version names (in `Resource` or `NotResource`), plus
//!   `*`, that can match one of the action's ARN formats — a value with wildcards made concrete
//!   by a sample ARN in which each wildcard becomes `<any>` (`repository/*` →
//!   `repository/<any>`), which the change then names as standing for the value.
//!
//! Conditions are not guessed: a statement with a `Condition` (or a policy variable in its
//! `Resource`) is evaluated both ways. A request is [`Access::Allowed`] when it is allowed with
//! every conditional `Allow` left out and every conditional `Deny` applied,
//! [`Access::Conditional`] when it is allowed only with the conditional `Allow`s in and the
//! conditional `Deny`s out, and [`Access::Denied`] otherwise. Policy variables take the sample
//! value `<any>`.
//!
//! ```
//! use ecrsim_engine::{parse_policy, PolicyKind};
//! use ecrsim_engine::{diff, Access, DiffOptions};
//!
//! let repo = r#"{"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:PutImage"],
//!   "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/my-app"}"#;
//! let token = r#"{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}"#;
//! let old = format!(r#"{{"Version": "2012-10-17", "Statement": [{repo}]}}"#);
//! let new = format!(r#"{{"Version": "2012-10-17", "Statement": [{repo}, {token}]}}"#);
//! let old = parse_policy("old.json", old.as_bytes(), PolicyKind::Identity)?;
//! let new = parse_policy("new.json", new.as_bytes(), PolicyKind::Identity)?;
//! let changes = diff(&old, &new, &DiffOptions::default())?;
//! assert_eq!(changes.gained.len(), 1);
//! assert_eq!(changes.gained[0].to_string(), "+ ecr:GetAuthorizationToken on *");
//! assert_eq!(changes.gained[0].after, Access::Allowed);
//! assert!(changes.lost.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};

use crate::data::catalog::{ActionInfo, Catalog};
use crate::eval::authorize::{Decision, PolicyRole, PolicySet, authorize};
use crate::model::arn::Arn;
use crate::model::context::Context;
use crate::model::policy::{Effect, Policy, PolicyKind, Statement, Version};
use crate::parse::parse_policy;
use crate::request::Request;
use crate::request::principal::Principal;
use crate::tools::summary::{SAMPLE, mentioned_services, reaches_every_service, sample_resource};

/// How much access one version gives a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Access {
    /// Not allowed, whatever the conditions.
    Denied,
    /// Allowed only when conditions hold.
    Conditional,
    /// Allowed whatever the conditions.
    Allowed,
}

impl Access {
    /// `denied`, `conditional` or `allowed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Denied => "denied",
            Access::Conditional => "conditional",
            Access::Allowed => "allowed",
        }
    }
}

display_as_str!(Access);

/// One request whose access differs between the versions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessChange {
    /// The service prefix.
    pub service: String,
    /// `service:Name` in canonical spelling.
    pub action: String,
    /// The request resource: `*`, an ARN named by a policy, or a sample ARN.
    pub resource: String,
    /// For a sample: the policy value it stands for.
    pub sample_for: Option<String>,
    /// Access in the old version.
    pub before: Access,
    /// Access in the new version.
    pub after: Access,
}

impl AccessChange {
    /// Whether access grew.
    pub(crate) fn is_gain(&self) -> bool {
        self.after > self.before
    }

    /// What changed about conditions, if anything: e.g. `only when conditions hold`.
    pub(crate) fn qualifier(&self) -> Option<&'static str> {
        use Access::{Allowed, Conditional, Denied};
        match (self.before, self.after) {
            (Denied, Conditional) => Some("only when conditions hold"),
            (Conditional, Allowed) => Some("was allowed only when conditions hold, now always"),
            (Allowed, Conditional) => Some("now only when conditions hold"),
            (Conditional, Denied) => Some("was allowed when conditions hold"),
            _ => None,
        }
    }
}

impl fmt::Display for AccessChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.is_gain() { '+' } else { '-' };
        write!(f, "{sign} {} on {}", self.action, self.resource)?;
        let mut notes = Vec::new();
        if let Some(q) = self.qualifier() {
            notes.push(q.to_string());
        }
        if let Some(value) = &self.sample_for {
            notes.push(format!("sample for `{value}`"));
        }
        if !notes.is_empty() {
            write!(f, " ({})", notes.join("; "))?;
        }
        Ok(())
    }
}

/// The result of [`diff`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyDiff {
    /// Requests with more access in the new version, sorted by service, action and resource.
    pub gained: Vec<AccessChange>,
    /// Requests with less access in the new version, sorted likewise.
    pub lost: Vec<AccessChange>,
    /// The services enumerated.
    pub services: Vec<String>,
    /// Whether every service was enumerated (a value reaches every service).
    pub every_service: bool,
    /// How many requests were evaluated.
    pub requests: usize,
    /// How many requests were evaluated per service, in service order.
    pub service_requests: Vec<(String, usize)>,
    /// How to read the result.
    pub notes: Vec<DiffNote>,
}

/// A note on how to read a [`PolicyDiff`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffNote {
    /// Some changes were found on a sample ARN standing for a wildcard value.
    Samples,
    /// Statements with conditions (or variables in `Resource`) were evaluated both ways.
    Conditional,
    /// A resource-based policy was evaluated with no caller given: only statements whose
    /// `Principal` is `"*"` apply.
    UnknownCaller,
    /// A value reaches every service, so every catalog service was enumerated.
    EveryService {
        /// How many services that is.
        services: usize,
    },
}

impl fmt::Display for DiffNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiffNote::Samples => write!(
                f,
                "`{SAMPLE}` marks a sample: the change holds for resources the wildcard value matches, other than those named more precisely"
            ),
            DiffNote::Conditional => f.write_str(
                "statements with conditions (or policy variables in Resource) were evaluated both ways: `allowed` means allowed whatever the conditions, `conditional` allowed only when they hold",
            ),
            DiffNote::UnknownCaller => f.write_str(
                "no caller given: only statements whose Principal is \"*\" apply to the unknown caller",
            ),
            DiffNote::EveryService { services } => write!(
                f,
                "a value reaches every service (`*` or NotAction): all {services} services were enumerated"
            ),
        }
    }
}

/// Options of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiffOptions {
    /// The caller's ARN (needed to evaluate a resource-based policy's `Principal`).
    pub principal: Option<String>,
    /// More resources to evaluate (`*` or ARNs, wildcards allowed), besides those the policies name.
    pub resources: Vec<String>,
}

/// The versions cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct DiffError {
    /// What kind of problem it is, for callers to match on (the message is for people).
    pub kind: DiffErrorKind,
    /// What is wrong, lower case, no final period.
    pub message: String,
}

/// What kind of problem a [`DiffError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiffErrorKind {
    /// The two versions are different kinds of policy.
    KindMismatch,
    /// [`DiffOptions::principal`] is not a principal ARN.
    InvalidPrincipal,
    /// A resource of [`DiffOptions::resources`] is neither `*` nor an ARN.
    InvalidResource,
    /// The policies around the compared one could not be set up (a bug, never the input's fault).
    Internal,
}

fn diff_error(kind: DiffErrorKind, message: String) -> DiffError {
    DiffError { kind, message }
}

const ALLOW_ALL_IDENTITY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const ALLOW_ALL_RESOURCE: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}"#;

/// Compares two versions of a policy of the same kind.
///
/// An identity policy is evaluated alone; a repository or registry policy too (a registry policy
/// with scope V2). A guard (permissions boundary, session policy, SCP,
/// RCP, VPC endpoint policy) is evaluated under an identity policy that allows everything, so the
/// diff shows what it lets through. A resource-based policy is evaluated alone, for the caller in
/// `options.principal` (without one, only statements whose `Principal` is `"*"` apply). Across
/// accounts, the other side is taken to allow everything.
pub fn diff(old: &Policy, new: &Policy, options: &DiffOptions) -> Result<PolicyDiff, DiffError> {
    if old.kind != new.kind {
        return Err(diff_error(
            DiffErrorKind::KindMismatch,
            format!(
                "{} is a {} but {} is a {}: compare two versions of one kind of policy",
                old.source.name,
                old.kind.describe(),
                new.source.name,
                new.kind.describe()
            ),
        ));
    }
    let kind = old.kind;
    let caller = options
        .principal
        .as_deref()
        .map(Principal::parse)
        .transpose()
        .map_err(|e| diff_error(DiffErrorKind::InvalidPrincipal, e.0))?;
    let caller_account = caller.and_then(|c| c.account);
    for r in &options.resources {
        if r != "*" && Arn::parse(r).is_none() {
            return Err(diff_error(
                DiffErrorKind::InvalidResource,
                format!(
                    "invalid resource `{r}`: expected an ARN (`arn:partition:service:region:account:resource`) or `*`"
                ),
            ));
        }
    }

    let catalog = Catalog::builtin();
    let both = [old.clone(), new.clone()];
    let every_service = both.iter().flat_map(|p| &p.statements).any(|s| {
        s.action.negated
            || s.action
                .patterns
                .iter()
                .any(|p| reaches_every_service(&p.text))
    });
    let services: Vec<String> = if every_service {
        catalog.service_prefixes().map(str::to_string).collect()
    } else {
        mentioned_services(&both, catalog).into_iter().collect()
    };

    // The resource values to evaluate, and a context giving policy variables a sample value.
    let mut values: Vec<(String, bool)> = Vec::new();
    let mut context = Context::new();
    for policy in &both {
        let variables = policy.version == Some(Version::V2012_10_17);
        for value in policy
            .statements
            .iter()
            .flat_map(|s| &s.resource)
            .flat_map(|c| &c.patterns)
        {
            for key in value.variable_keys() {
                if !context.contains(key) {
                    context.push(key, SAMPLE.to_string());
                }
            }
            if !values.iter().any(|(v, _)| v == value.text()) {
                values.push((value.text().to_string(), variables));
            }
        }
    }
    for r in options.resources.iter().map(String::as_str).chain(["*"]) {
        if !values.iter().any(|(v, _)| v == r) {
            values.push((r.to_string(), true));
        }
    }

    let old_eval = Evaluator::new(old, kind)?;
    let new_eval = Evaluator::new(new, kind)?;
    let mut samples: HashMap<(usize, &str), Option<String>> = HashMap::new();
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    let mut requests = 0;
    let mut service_requests = Vec::new();
    for service in &services {
        let before_service = requests;
        for info in catalog.service_actions(service).unwrap_or_default() {
            for (resource, sample_for) in request_resources(&info, &values, &mut samples) {
                let Ok(request) =
                    Request::sample(&info.full_name(), &resource, options.principal.as_deref())
                else {
                    continue;
                };
                let request = request.with_context(context.clone());
                requests += 1;
                let cross = match (&caller_account, request.resource_account()) {
                    (Some(c), Some(r)) => c != r,
                    _ => false,
                };
                let before = old_eval.access(&request, cross);
                let after = new_eval.access(&request, cross);
                if before == after {
                    continue;
                }
                let change = AccessChange {
                    service: info.service().to_string(),
                    action: info.full_name(),
                    resource,
                    sample_for,
                    before,
                    after,
                };
                if change.is_gain() {
                    gained.push(change);
                } else {
                    lost.push(change);
                }
            }
        }
        service_requests.push((service.clone(), requests - before_service));
    }
    let order = |a: &AccessChange, b: &AccessChange| {
        (&a.service, a.action.to_lowercase(), &a.resource).cmp(&(
            &b.service,
            b.action.to_lowercase(),
            &b.resource,
        ))
    };
    gained.sort_by(order);
    lost.sort_by(order);

    let mut notes = Vec::new();
    if gained.iter().chain(&lost).any(|c| c.sample_for.is_some()) {
        notes.push(DiffNote::Samples);
    }
    if old_eval.conditional || new_eval.conditional {
        notes.push(DiffNote::Conditional);
    }
    if matches!(kind, PolicyKind::Resource | PolicyKind::Registry) && options.principal.is_none() {
        notes.push(DiffNote::UnknownCaller);
    }
    if every_service {
        notes.push(DiffNote::EveryService {
            services: services.len(),
        });
    }
    Ok(PolicyDiff {
        gained,
        lost,
        services,
        every_service,
        requests,
        service_requests,
        notes,
    })
}

/// The request resources for one action, each with the value a sample stands for.
fn request_resources<'c>(
    info: &ActionInfo<'c>,
    values: &[(String, bool)],
    samples: &mut HashMap<(usize, &'c str), Option<String>>,
) -> Vec<(String, Option<String>)> {
    if info.is_account_level() {
        return vec![("*".to_string(), None)];
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let required = info.resource_types().any(|t| t.required());
    if !required {
        out.push(("*".to_string(), None));
    }
    for (i, (value, variables)) in values.iter().enumerate() {
        if value == "*" && !required {
            continue;
        }
        let formats = info.resource_types().flat_map(|t| t.arn_formats().iter());
        for format in formats {
            let sample = samples
                .entry((i, format))
                .or_insert_with(|| sample_resource(value, format, *variables));
            if let Some(sample) = sample {
                if !out.iter().any(|(r, _)| r == sample) {
                    let sample_for = (sample != value).then(|| value.clone());
                    out.push((sample.clone(), sample_for));
                }
                break;
            }
        }
    }
    out
}

/// One version, ready to evaluate.
struct Evaluator {
    /// Conditional `Allow`s out, conditional `Deny`s applied.
    worst: Layers,
    /// Conditional `Allow`s in, conditional `Deny`s out; `None` when nothing is conditional.
    best: Option<Layers>,
    conditional: bool,
}

/// The policy sets for a same-account and a cross-account request.
struct Layers {
    same: PolicySet,
    cross: PolicySet,
}

fn is_conditional(statement: &Statement) -> bool {
    statement.condition.is_some()
        || statement
            .resource
            .iter()
            .flat_map(|c| &c.patterns)
            .any(|v| v.variable_keys().next().is_some())
}

/// The policy with its conditional statements resolved one way.
fn resolved(policy: &Policy, optimistic: bool) -> Policy {
    let mut policy = policy.clone();
    policy.statements.retain_mut(|s| {
        if !is_conditional(s) {
            return true;
        }
        let keep = (s.effect == Effect::Allow) == optimistic;
        if keep {
            s.condition = None;
        }
        keep
    });
    policy
}

fn helper(text: &str, kind: PolicyKind) -> Result<Policy, DiffError> {
    parse_policy("<diff>", text.as_bytes(), kind)
        .map_err(|e| diff_error(DiffErrorKind::Internal, e.to_string()))
}

impl Layers {
    fn new(policy: Policy, kind: PolicyKind) -> Result<Layers, DiffError> {
        let add = |set: &mut PolicySet, role: PolicyRole, p: Policy| {
            set.add_as(role, p)
                .map_err(|e| diff_error(DiffErrorKind::Internal, e.to_string()))
        };
        let mut same = PolicySet::new();
        // A registry policy is a resource-side policy, as a repository policy is.
        let resource_side = matches!(kind, PolicyKind::Resource | PolicyKind::Registry);
        if !matches!(kind, PolicyKind::Identity) && !resource_side {
            add(
                &mut same,
                PolicyRole::Identity,
                helper(ALLOW_ALL_IDENTITY, PolicyKind::Identity)?,
            )?;
        }
        // In the role its kind implies (`kind` is the policy's own kind).
        same.add(policy)
            .map_err(|e| diff_error(DiffErrorKind::Internal, e.to_string()))?;
        let mut cross = same.clone();
        if resource_side {
            add(
                &mut cross,
                PolicyRole::Identity,
                helper(ALLOW_ALL_IDENTITY, PolicyKind::Identity)?,
            )?;
        } else {
            add(
                &mut cross,
                PolicyRole::Resource,
                helper(ALLOW_ALL_RESOURCE, PolicyKind::Resource)?,
            )?;
        }
        Ok(Layers { same, cross })
    }

    fn allows(&self, request: &Request, cross: bool) -> bool {
        let set = if cross { &self.cross } else { &self.same };
        authorize(set, request).decision == Decision::Allow
    }
}

impl Evaluator {
    fn new(policy: &Policy, kind: PolicyKind) -> Result<Evaluator, DiffError> {
        let conditional = policy.statements.iter().any(is_conditional);
        let best = if conditional {
            Some(Layers::new(resolved(policy, true), kind)?)
        } else {
            None
        };
        Ok(Evaluator {
            worst: Layers::new(resolved(policy, false), kind)?,
            best,
            conditional,
        })
    }

    fn access(&self, request: &Request, cross: bool) -> Access {
        if self.worst.allows(request, cross) {
            Access::Allowed
        } else if self.best.as_ref().is_some_and(|b| b.allows(request, cross)) {
            Access::Conditional
        } else {
            Access::Denied
        }
    }
}

impl PolicyDiff {
    /// One line for a service whose every checked request changed the same way (e.g. when
    /// `"Action": "*"` was added), instead of one line per request.
    fn uniform(&self, changes: &[&AccessChange]) -> Option<String> {
        let first = changes.first()?;
        let checked = self
            .service_requests
            .iter()
            .find(|(s, _)| *s == first.service)
            .map_or(0, |(_, n)| *n);
        let same = changes
            .iter()
            .all(|c| (c.before, c.after) == (first.before, first.after));
        if !same || changes.len() != checked || changes.len() < 2 {
            return None;
        }
        let actions: BTreeSet<String> = changes.iter().map(|c| c.action.to_lowercase()).collect();
        let sign = if first.is_gain() { '+' } else { '-' };
        let qualifier = first
            .qualifier()
            .map(|q| format!(" ({q})"))
            .unwrap_or_default();
        Some(format!(
            "{sign} {}:* on every resource checked: all {} actions, {} requests{qualifier}",
            first.service,
            actions.len(),
            changes.len()
        ))
    }

    /// Whether any access was gained.
    pub fn has_gains(&self) -> bool {
        !self.gained.is_empty()
    }

    /// The human report: the changes grouped by service, then the counts and notes.
    #[cfg(test)]
    pub(crate) fn render_text(&self) -> String {
        self.render_text_with(DiffNote::to_string)
    }

    /// The diff as text, with each note worded by `note` (a front end names its own options
    /// there, e.g. how to give the caller).
    pub fn render_text_with(&self, note: impl Fn(&DiffNote) -> String) -> String {
        let catalog = Catalog::builtin();
        let mut out = String::new();
        let mut changes: Vec<&AccessChange> = self.gained.iter().chain(&self.lost).collect();
        changes.sort_by(|a, b| {
            (
                &a.service,
                a.action.to_lowercase(),
                &a.resource,
                !a.is_gain(),
            )
                .cmp(&(
                    &b.service,
                    b.action.to_lowercase(),
                    &b.resource,
                    !b.is_gain(),
                ))
        });
        let mut rest = changes.as_slice();
        while let Some(first) = rest.first() {
            let n = rest
                .iter()
                .take_while(|c| c.service == first.service)
                .count();
            let (these, after) = rest.split_at(n);
            rest = after;
            let name = catalog
                .service_display_name(&first.service)
                .unwrap_or(&first.service);
            let _ = writeln!(out, "{name} ({}):", first.service);
            match self.uniform(these) {
                Some(line) => {
                    let _ = writeln!(out, "  {line}");
                }
                None => {
                    for change in these {
                        let _ = writeln!(out, "  {change}");
                    }
                }
            }
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let scope = if self.every_service {
            format!("all {} services", self.services.len())
        } else if self.services.len() == 1 {
            format!("1 service: {}", self.services.join(", "))
        } else {
            format!(
                "{} services: {}",
                self.services.len(),
                self.services.join(", ")
            )
        };
        if self.gained.is_empty() && self.lost.is_empty() {
            let _ = writeln!(
                out,
                "No access gained or lost ({} requests over {scope}).",
                self.requests
            );
        } else {
            let _ = writeln!(
                out,
                "{} gained, {} lost ({} requests over {scope}).",
                self.gained.len(),
                self.lost.len(),
                self.requests
            );
        }
        for each in &self.notes {
            let _ = writeln!(out, "note: {}", note(each));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop loudly")]

    use super::*;

    fn policy(statements: &str) -> Policy {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        parse_policy("p.json", text.as_bytes(), PolicyKind::Identity).unwrap()
    }

    fn lines(d: &PolicyDiff) -> Vec<String> {
        d.gained
            .iter()
            .chain(&d.lost)
            .map(ToString::to_string)
            .collect()
    }

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

    #[test]
    fn motivating_fix_gains_exactly_the_token() {
        let repo = format!(
            r#"{{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage"],"Resource":"{REPO}"}}"#
        );
        let token = r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#;
        let d = diff(
            &policy(&repo),
            &policy(&format!("{repo},{token}")),
            &DiffOptions::default(),
        )
        .unwrap();
        assert_eq!(lines(&d), ["+ ecr:GetAuthorizationToken on *"]);
        assert_eq!(d.services, ["ecr"]);
        // Reversed, it is a loss.
        let d = diff(
            &policy(&format!("{repo},{token}")),
            &policy(&repo),
            &DiffOptions::default(),
        )
        .unwrap();
        assert!(d.gained.is_empty());
        assert_eq!(lines(&d), ["- ecr:GetAuthorizationToken on *"]);
    }

    #[test]
    fn wildcards_are_sampled_and_named() {
        let old = policy(&format!(
            r#"{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"{REPO}"}}"#
        ));
        let new = policy(
            r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}"#,
        );
        let d = diff(&old, &new, &DiffOptions::default()).unwrap();
        assert_eq!(
            lines(&d),
            [
                "+ ecr:PutImage on arn:aws:ecr:us-east-1:123456789012:repository/<any> (sample for `arn:aws:ecr:us-east-1:123456789012:repository/*`)"
            ]
        );
    }

    #[test]
    fn conditions_are_reported_as_conditional() {
        let old = policy(r#"{"Effect":"Allow","Action":"ecr:DescribeRegistry","Resource":"*"}"#);
        let new = policy(
            r#"{"Effect":"Allow","Action":"ecr:DescribeRegistry","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
               {"Effect":"Allow","Action":"ecr:GetRegistryPolicy","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}"#,
        );
        let d = diff(&old, &new, &DiffOptions::default()).unwrap();
        assert_eq!(
            lines(&d),
            [
                "+ ecr:GetRegistryPolicy on * (only when conditions hold)",
                "- ecr:DescribeRegistry on * (now only when conditions hold)"
            ]
        );
        assert_eq!(d.gained[0].after, Access::Conditional);
    }

    #[test]
    fn every_service_and_guards() {
        let old = policy(r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"}"#);
        let new = policy(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
        let d = diff(&old, &new, &DiffOptions::default()).unwrap();
        assert!(d.every_service);
        assert!(d.notes.contains(&DiffNote::EveryService {
            services: d.services.len()
        }));
        assert!(d.gained.iter().any(|c| c.action == "s3:GetObject"));
        assert!(
            d.gained
                .iter()
                .all(|c| c.service != "ecr" && c.service != "iam")
        );
        assert!(d.lost.is_empty());

        let scp = |s: &str| {
            let text = format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#);
            parse_policy("scp.json", text.as_bytes(), PolicyKind::Scp).unwrap()
        };
        let old = scp(r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"}"#);
        let new = scp(
            r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Effect":"Deny","Action":"ecr:DeleteRepository","Resource":"*"}"#,
        );
        let d = diff(&old, &new, &DiffOptions::default()).unwrap();
        assert_eq!(
            lines(&d),
            ["- ecr:DeleteRepository on arn:aws:ecr:<any>:<any>:repository/<any> (sample for `*`)"]
        );
        let identity = policy(r#"{"Effect":"Allow","Action":"ecr:*","Resource":"*"}"#);
        let e = diff(&identity, &new, &DiffOptions::default()).unwrap_err();
        assert_eq!(e.kind, DiffErrorKind::KindMismatch);
        let bad = |options: DiffOptions| diff(&identity, &identity, &options).unwrap_err().kind;
        assert_eq!(
            bad(DiffOptions {
                principal: Some("alice".into()),
                ..DiffOptions::default()
            }),
            DiffErrorKind::InvalidPrincipal
        );
        assert_eq!(
            bad(DiffOptions {
                resources: vec!["my-repo".into()],
                ..DiffOptions::default()
            }),
            DiffErrorKind::InvalidResource
        );
    }

    #[test]
    fn a_registry_policy_is_diffed_as_a_resource_side_policy() {
        let registry = |resource: &str| {
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"ecr:ReplicateImage","Resource":"arn:aws:ecr:us-west-2:444455556666:repository/{resource}"}}]}}"#
            );
            parse_policy("r.json", text.as_bytes(), PolicyKind::Registry).unwrap()
        };
        let options = DiffOptions {
            principal: Some("arn:aws:iam::111122223333:role/ecr-replication".into()),
            resources: Vec::new(),
        };
        let d = diff(&registry("prod-*"), &registry("*"), &options).unwrap();
        assert_eq!(
            lines(&d),
            [
                "+ ecr:ReplicateImage on arn:aws:ecr:us-west-2:444455556666:repository/<any> (sample for `arn:aws:ecr:us-west-2:444455556666:repository/*`)"
            ]
        );
        // Another caller account is not let in by either version.
        let other = DiffOptions {
            principal: Some("arn:aws:iam::777788889999:role/x".into()),
            resources: Vec::new(),
        };
        assert!(
            !diff(&registry("prod-*"), &registry("*"), &other)
                .unwrap()
                .has_gains()
        );
    }

    #[test]
    fn notes_are_typed_and_name_no_option() {
        let resource = |s: &str| {
            let text = format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#);
            parse_policy("repo.json", text.as_bytes(), PolicyKind::Resource).unwrap()
        };
        let old = resource(r#"{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}"#);
        let new = resource(r#"{"Effect":"Allow","Principal":"*","Action":"ecr:PutImage"}"#);
        let d = diff(&old, &new, &DiffOptions::default()).unwrap();
        assert_eq!(d.notes.last(), Some(&DiffNote::UnknownCaller));
        let text = d.render_text();
        assert!(text.ends_with("note: no caller given: only statements whose Principal is \"*\" apply to the unknown caller\n"), "{text}");
        assert!(
            d.render_text_with(|_| "worded by the caller".into())
                .ends_with("note: worded by the caller\n")
        );
        let options = DiffOptions {
            principal: Some("arn:aws:iam::123456789012:user/dev".into()),
            ..DiffOptions::default()
        };
        let d = diff(&old, &new, &options).unwrap();
        assert!(!d.notes.contains(&DiffNote::UnknownCaller));
    }
}
