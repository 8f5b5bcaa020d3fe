//! What identity policies grant, summarized the way the IAM console's policy summary does: per
//! service, per access level, the actions with their resources and conditions, denies apart, and
//! warnings for statements (or parts of them) that grant nothing.
//!
//! Action wildcards and `NotAction` are expanded over the catalog's actions of the services the
//! policies mention; `"Action": "*"` (or a `*` service part, or a `NotAction`, which reaches every
//! other service) is summarized as *all services* rather than enumerated over every action AWS
//! has. A `Resource` value is shown for an action only when it can match that action's request
//! resource: `*` always; for an account-level action (no resource type,
//! docs/semantics.md#account-level-actions) only
//! `*`; otherwise an ARN pattern that can match one of the action's resource-type ARN formats.
//!
//! ```
//! use ecrsim_engine::{parse_policy, PolicyKind};
//! use ecrsim_engine::{summarize, WarningKind};
//!
//! let text = r#"{"Version": "2012-10-17", "Statement": [{
//!   "Effect": "Allow",
//!   "Action": ["ecr:GetAuthorizationToken", "ecr:PutImage"],
//!   "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/my-app"
//! }]}"#;
//! let policy = parse_policy("policy.json", text.as_bytes(), PolicyKind::Identity)?;
//! let summary = summarize(&[policy]);
//! let ecr = &summary.allowed[0];
//! assert_eq!(ecr.prefix, "ecr");
//! assert_eq!(ecr.granted_actions(), 1); // PutImage; GetAuthorizationToken gets nothing
//! assert_eq!(summary.warnings[0].kind, WarningKind::AccountLevelActionScoped);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use crate::data::catalog::{AccessLevel, ActionInfo, Catalog, arn_matches_format};
use crate::explain::SuggestedStatement;
use crate::matching::pattern::Wildcard;
use crate::model::arn::{Arn, Token, fits_format, format_tokens, intersection, value_tokens};
use crate::model::policy::{ActionPattern, Effect, Policy, ResourceValue, Statement, Version};

/// The access levels in the order the IAM console lists them.
pub(crate) const LEVELS: [AccessLevel; 5] = [
    AccessLevel::List,
    AccessLevel::Read,
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
    AccessLevel::Tagging,
];

/// The summary of one or more policies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The policies summarized, by name.
    pub policies: Vec<String>,
    /// Per service, what `Allow` statements grant; sorted by service prefix.
    pub allowed: Vec<ServiceSummary>,
    /// Per service, what `Deny` statements deny; sorted by service prefix.
    pub denied: Vec<ServiceSummary>,
    /// Statements that reach every service (`"Action": "*"`, `*:…`, `NotAction`).
    pub all_services: Vec<AllServices>,
    /// Statements, or parts of them, that grant (or deny) nothing, and parser warnings.
    pub warnings: Vec<SummaryWarning>,
}

/// What one effect does in one service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceSummary {
    /// The service prefix, e.g. `ecr`.
    pub prefix: String,
    /// The display name, e.g. `Amazon Elastic Container Registry`.
    pub name: String,
    /// Every access level in console order, with the service's action count; levels without
    /// granted actions have an empty `actions`.
    pub levels: Vec<LevelSummary>,
}

impl ServiceSummary {
    /// How many actions are granted, over all levels.
    pub fn granted_actions(&self) -> usize {
        self.levels.iter().map(|l| l.actions.len()).sum()
    }

    /// How many actions the service has.
    pub fn total_actions(&self) -> usize {
        self.levels.iter().map(|l| l.total).sum()
    }

    /// The console's access column: `Full access`, or e.g. `Full: List; Limited: Read, Write`.
    pub fn access(&self) -> String {
        if self.granted_actions() == self.total_actions() {
            return "Full access".into();
        }
        let used = self.levels.iter().filter(|l| !l.actions.is_empty());
        let (full, limited): (Vec<&LevelSummary>, Vec<&LevelSummary>) =
            used.partition(|l| l.actions.len() == l.total);
        let names = |ls: &[&LevelSummary]| {
            ls.iter()
                .map(|l| l.level.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !full.is_empty() {
            parts.push(format!("Full: {}", names(&full)));
        }
        if !limited.is_empty() {
            parts.push(format!("Limited: {}", names(&limited)));
        }
        parts.join("; ")
    }
}

/// One access level of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LevelSummary {
    /// The level.
    pub level: AccessLevel,
    /// How many actions of this level the service has.
    pub total: usize,
    /// The granted actions, sorted by name.
    pub actions: Vec<ActionSummary>,
}

/// One granted action and every way it is granted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActionSummary {
    /// `service:Name` in canonical spelling.
    pub action: String,
    /// The action name without the prefix.
    pub name: String,
    /// One scope per statement that grants it, in policy order.
    pub scopes: Vec<Scope>,
}

/// Where and under which conditions one statement grants an action.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scope {
    /// The resources.
    pub resources: Resources,
    /// The condition clauses (all must hold); empty when unconditional.
    pub conditions: Vec<ConditionSummary>,
    /// The statement.
    pub source: StatementSource,
}

impl Scope {
    fn same_terms(&self, other: &Scope) -> bool {
        self.resources == other.resources && self.conditions == other.conditions
    }
}

/// The resources of a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resources {
    /// Every resource (`"Resource": "*"`).
    All,
    /// The listed values that can match the action.
    Listed(Vec<ResourceSummary>),
    /// Every resource but these (`NotResource`).
    AllExcept(Vec<ResourceSummary>),
    /// No `Resource` element: the resource carrying the policy (resource-based policies).
    ThisResource,
}

impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |rs: &[ResourceSummary]| {
            rs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Resources::All => f.write_str("all resources (*)"),
            Resources::Listed(rs) => f.write_str(&list(rs)),
            Resources::AllExcept(rs) => write!(f, "all resources except {}", list(rs)),
            Resources::ThisResource => f.write_str("the resource carrying the policy"),
        }
    }
}

/// One `Resource` value, with the repository name when it is an ECR repository ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceSummary {
    /// The value as written.
    pub text: String,
    /// For `arn:…:ecr:REGION:ACCOUNT:repository/NAME`: `NAME` (may contain wildcards).
    pub repository: Option<String>,
    /// The Region field of an ECR repository ARN.
    pub region: Option<String>,
    /// The account field of an ECR repository ARN.
    pub account: Option<String>,
}

impl ResourceSummary {
    /// Describes a `Resource` value.
    pub fn new(text: &str) -> ResourceSummary {
        let parts = Arn::parse(text).and_then(|arn| {
            let name = arn.resource.strip_prefix("repository/")?;
            (arn.service == "ecr").then(|| {
                (
                    name.to_string(),
                    arn.region.to_string(),
                    arn.account.to_string(),
                )
            })
        });
        let (repository, region, account) = match parts {
            Some((name, region, account)) => (Some(name), Some(region), Some(account)),
            None => (None, None, None),
        };
        ResourceSummary {
            text: text.to_string(),
            repository,
            region,
            account,
        }
    }
}

impl fmt::Display for ResourceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repository, &self.region, &self.account) {
            (Some(name), Some(region), Some(account)) => {
                let region = if region == "*" { "any region" } else { region };
                let account = if account == "*" {
                    "any account"
                } else {
                    account
                };
                write!(f, "repository {name} ({region}, {account})")
            }
            _ if self.text == "*" => f.write_str("*"),
            _ => f.write_str(&self.text),
        }
    }
}

/// One condition clause.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConditionSummary {
    /// The operator as written, e.g. `StringEquals`.
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The values as written (any one may match).
    pub values: Vec<String>,
}

impl fmt::Display for ConditionSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.operator,
            self.key,
            self.values.join(", ")
        )
    }
}

/// Which statement, for provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementSource {
    /// The policy's name.
    pub policy: String,
    /// `Sid`, or `#index`.
    pub label: String,
    /// 0-based index in the policy.
    pub index: usize,
    /// The line the statement starts on.
    pub line: u32,
}

impl fmt::Display for StatementSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} (statement {})",
            self.policy, self.line, self.label
        )
    }
}

/// A statement that reaches every service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AllServices {
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// True for `NotAction`: every action *except* `patterns`.
    pub except: bool,
    /// The action values as written (`*`, `*:Get*`, or the `NotAction` list).
    pub patterns: Vec<String>,
    /// The resources as written.
    pub resources: Resources,
    /// The condition clauses.
    pub conditions: Vec<ConditionSummary>,
    /// The statement.
    pub source: StatementSource,
}

impl AllServices {
    /// `every action of every service`, `actions matching *:Get* in every service`, or
    /// `every action of every service except …`.
    pub fn describe(&self) -> String {
        if self.except {
            format!(
                "every action of every service except {}",
                self.patterns.join(", ")
            )
        } else if self.patterns.iter().any(|p| p == "*") {
            "every action of every service".into()
        } else {
            format!(
                "the actions matching {} in every service",
                self.patterns.join(", ")
            )
        }
    }
}

/// What a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// A listed account-level action in a statement without `"Resource": "*"`: it gets nothing.
    AccountLevelActionScoped,
    /// An action wildcard covers account-level actions the statement cannot grant.
    AccountLevelActionsScoped,
    /// A listed action that acts on none of the statement's resources.
    ResourceTypeMismatch,
    /// A `Resource` value none of the statement's actions can act on.
    ResourceUnused,
    /// An action the catalog does not have (or a wildcard matching none).
    UnknownAction,
    /// A service prefix the catalog does not have.
    UnknownService,
    /// The statement grants (or denies) nothing at all.
    GrantsNothing,
    /// A warning from the parser: valid, but probably not what was meant.
    Parser,
}

impl WarningKind {
    /// A stable identifier for output formats.
    pub fn code(self) -> &'static str {
        match self {
            WarningKind::AccountLevelActionScoped => "account-level-action-scoped",
            WarningKind::AccountLevelActionsScoped => "account-level-actions-scoped",
            WarningKind::ResourceTypeMismatch => "resource-type-mismatch",
            WarningKind::ResourceUnused => "resource-unused",
            WarningKind::UnknownAction => "unknown-action",
            WarningKind::UnknownService => "unknown-service",
            WarningKind::GrantsNothing => "grants-nothing",
            WarningKind::Parser => "parser",
        }
    }
}

/// A statement, or part of one, that grants nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SummaryWarning {
    /// What it is about.
    pub kind: WarningKind,
    /// The statement (for parser warnings: the policy, with the warning's line).
    pub source: StatementSource,
    /// The line and column of the value concerned.
    pub line: u32,
    /// The column of the value concerned.
    pub column: u32,
    /// The action concerned, in canonical spelling when known.
    pub action: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

/// Summarizes identity policies (other kinds work too; their `Principal` is not shown).
pub fn summarize(policies: &[Policy]) -> Summary {
    let catalog = Catalog::builtin();
    let mentioned = mentioned_services(policies, catalog);
    let mut builder = Builder::default();
    for policy in policies {
        let first = builder.warnings.len();
        for statement in &policy.statements {
            builder.statement(policy, statement, &mentioned, catalog);
        }
        // The parser's warnings, unless one here already speaks of the same value.
        for w in &policy.warnings {
            let said = builder
                .warnings
                .get(first..)
                .unwrap_or(&[])
                .iter()
                .any(|s| (s.line, s.column) == (w.pos.line, w.pos.column));
            if said {
                continue;
            }
            builder.warnings.push(SummaryWarning {
                kind: WarningKind::Parser,
                source: StatementSource {
                    policy: policy.source.name.clone(),
                    label: w.pointer.clone(),
                    index: 0,
                    line: w.pos.line,
                },
                line: w.pos.line,
                column: w.pos.column,
                action: None,
                message: w.message.clone(),
            });
        }
        if let Some(these) = builder.warnings.get_mut(first..) {
            these.sort_by_key(|w| (w.line, w.column));
        }
    }
    builder.finish(policies, catalog)
}

/// The concrete services named by the action values of the policies (service wildcards such as
/// `ec*` expanded; `*` and `*:…` name none).
pub(crate) fn mentioned_services(policies: &[Policy], catalog: &Catalog) -> BTreeSet<String> {
    let mut services = BTreeSet::new();
    for statement in policies.iter().flat_map(|p| &p.statements) {
        for pattern in &statement.action.patterns {
            services.extend(pattern_services(&pattern.text, catalog));
        }
    }
    services
}

/// Whether an action value reaches every service: `*`, or a service part that is only `*`.
pub(crate) fn reaches_every_service(value: &str) -> bool {
    value == "*" || value.split_once(':').is_some_and(|(s, _)| s == "*")
}

/// The catalog services an action value can match (none for values reaching every service).
fn pattern_services(value: &str, catalog: &Catalog) -> Vec<String> {
    if reaches_every_service(value) {
        return Vec::new();
    }
    let Some((service, _)) = value.split_once(':') else {
        return Vec::new();
    };
    let lower = service.to_ascii_lowercase();
    if lower.contains(['*', '?']) {
        let matcher = Wildcard::new(&lower);
        catalog
            .service_prefixes()
            .filter(|p| matcher.is_match(&p.to_ascii_lowercase()))
            .map(str::to_string)
            .collect()
    } else if catalog.has_service(&lower) {
        vec![lower]
    } else {
        Vec::new()
    }
}

/// The catalog actions a statement's action element covers within `services`, each with the
/// value that selected it (`None` for `NotAction`, which selects by not listing).
pub(crate) fn covered_actions<'c>(
    statement: &Statement,
    services: &BTreeSet<String>,
    catalog: &'c Catalog,
) -> Vec<(ActionInfo<'c>, Option<ActionPattern>)> {
    let mut out = Vec::new();
    for service in services {
        for info in catalog.service_actions(service).unwrap_or_default() {
            let lower = info.full_name().to_lowercase();
            if statement.action.negated {
                if statement.action.covers(&lower) {
                    out.push((info, None));
                }
            } else if let Some(p) = statement.action.first_match(&lower) {
                out.push((info, Some(p.clone())));
            }
        }
    }
    out
}

/// Lower-cased action name → (action name, access level, scopes).
type ServiceGrants = BTreeMap<String, (String, AccessLevel, Vec<Scope>)>;

#[derive(Default)]
struct Builder {
    /// (effect is Deny, prefix) → lower-cased action name → (info name, level, scopes).
    grants: BTreeMap<(bool, String), ServiceGrants>,
    all_services: Vec<AllServices>,
    warnings: Vec<SummaryWarning>,
}

fn source_of(policy: &Policy, statement: &Statement) -> StatementSource {
    StatementSource {
        policy: policy.source.name.clone(),
        label: statement.label(),
        index: statement.index,
        line: statement.pos.line,
    }
}

fn conditions_of(statement: &Statement) -> Vec<ConditionSummary> {
    statement
        .condition
        .iter()
        .flat_map(|c| &c.clauses)
        .map(|c| ConditionSummary {
            operator: c.operator.to_string(),
            key: c.key.clone(),
            values: c.written.clone(),
        })
        .collect()
}

/// The values in backticks, separated by commas (for messages).
pub(crate) fn quoted<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(|v| format!("`{}`", v.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Builder {
    fn warn(
        &mut self,
        kind: WarningKind,
        source: &StatementSource,
        at: crate::syntax::json::Pos,
        action: Option<String>,
        message: String,
    ) {
        self.warnings.push(SummaryWarning {
            kind,
            source: source.clone(),
            line: at.line,
            column: at.column,
            action,
            message,
        });
    }

    fn statement(
        &mut self,
        policy: &Policy,
        statement: &Statement,
        mentioned: &BTreeSet<String>,
        catalog: &Catalog,
    ) {
        let source = source_of(policy, statement);
        let conditions = conditions_of(statement);
        let variables = policy.version == Some(Version::V2012_10_17);
        let deny = statement.effect == Effect::Deny;
        let (grants_word, nothing) = if deny {
            ("denies", "is denied nothing")
        } else {
            ("grants", "is granted nothing")
        };
        let warnings_before = self.warnings.len();

        // Values that reach every service, and unknown services or actions.
        let mut every_service: Vec<String> = Vec::new();
        if statement.action.negated {
            every_service = statement
                .action
                .patterns
                .iter()
                .map(|p| p.text.clone())
                .collect();
        }
        for p in &statement.action.patterns {
            if statement.action.negated {
                break;
            }
            if reaches_every_service(&p.text) {
                every_service.push(p.text.clone());
                continue;
            }
            let services = pattern_services(&p.text, catalog);
            let service = p.text.split_once(':').map_or(p.text.as_str(), |(s, _)| s);
            if services.is_empty() {
                let message = if p.text.contains(':') {
                    format!(
                        "`{}` {nothing}: there is no service with the prefix `{service}`",
                        p.text
                    )
                } else {
                    format!(
                        "`{}` {nothing}: an action is written `service:ActionName`",
                        p.text
                    )
                };
                self.warn(WarningKind::UnknownService, &source, p.pos, None, message);
                continue;
            }
            let any = services.iter().any(|s| {
                catalog
                    .service_actions(s)
                    .unwrap_or_default()
                    .iter()
                    .any(|a| p.is_match(&a.full_name().to_lowercase()))
            });
            if !any {
                let message = if p.has_wildcard() {
                    format!("`{}` matches no action of `{service}`", p.text)
                } else {
                    let hint = catalog
                        .suggest_action(&p.text)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    format!(
                        "`{}` is not an action of {}: it {grants_word} nothing{hint}",
                        p.text,
                        catalog.service_display_name(service).unwrap_or(service)
                    )
                };
                self.warn(WarningKind::UnknownAction, &source, p.pos, None, message);
            }
        }
        if !every_service.is_empty() {
            self.all_services.push(AllServices {
                effect: statement.effect,
                except: statement.action.negated,
                patterns: every_service,
                resources: written_resources(statement),
                conditions: conditions.clone(),
                source: source.clone(),
            });
        }

        // Actions of the mentioned services, each with the resources that can match it.
        let services: BTreeSet<String> = if statement.action.negated {
            mentioned.clone()
        } else {
            statement
                .action
                .patterns
                .iter()
                .flat_map(|p| pattern_services(&p.text, catalog))
                .collect()
        };
        let covered = covered_actions(statement, &services, catalog);
        let mut granted_any = false;
        let mut scoped_away: BTreeMap<String, (crate::syntax::json::Pos, Vec<String>)> =
            BTreeMap::new();
        for (info, pattern) in &covered {
            match resources_for(statement, info, variables) {
                Some(resources) => {
                    granted_any = true;
                    let key = (deny, info.service().to_string());
                    let entry = self
                        .grants
                        .entry(key)
                        .or_default()
                        .entry(info.name().to_lowercase())
                        .or_insert_with(|| {
                            (info.name().to_string(), info.access_level(), Vec::new())
                        });
                    entry.2.push(Scope {
                        resources,
                        conditions: conditions.clone(),
                        source: source.clone(),
                    });
                }
                None => {
                    let Some(pattern) = pattern else { continue };
                    if pattern.has_wildcard() {
                        if info.is_account_level() {
                            scoped_away
                                .entry(pattern.text.clone())
                                .or_insert_with(|| (pattern.pos, Vec::new()))
                                .1
                                .push(info.full_name());
                        }
                        continue;
                    }
                    let (kind, message) = self.nothing_for(statement, info, nothing);
                    self.warn(kind, &source, pattern.pos, Some(info.full_name()), message);
                }
            }
        }
        for (pattern, (pos, actions)) in scoped_away {
            let shown: Vec<&str> = actions.iter().take(3).map(String::as_str).collect();
            let more = if actions.len() > shown.len() {
                ", …"
            } else {
                ""
            };
            let message = format!(
                "`{pattern}` covers {} account-level action{} ({}{more}) that this statement {grants_word} nothing for: they do not support resource-level permissions and need \"Resource\": \"*\"",
                actions.len(),
                if actions.len() == 1 { "" } else { "s" },
                quoted(&shown)
            );
            self.warn(
                WarningKind::AccountLevelActionsScoped,
                &source,
                pos,
                None,
                message,
            );
        }

        // Resource values no listed action can use (only when the actions are all known).
        let typed: Vec<&ActionInfo<'_>> = covered
            .iter()
            .map(|(info, _)| info)
            .filter(|info| !info.is_account_level())
            .collect();
        if let Some(clause) = &statement.resource
            && !clause.negated
            && !statement.action.negated
            && every_service_is_empty(statement)
            && !typed.is_empty()
            && (granted_any || self.warnings.len() == warnings_before)
        {
            for value in &clause.patterns {
                if value.pattern.is_any() {
                    continue;
                }
                if !typed.iter().any(|info| fits(value, info, variables)) {
                    let mut types: Vec<String> = typed
                        .iter()
                        .flat_map(|i| i.resource_types().map(|t| t.name().to_string()))
                        .collect();
                    types.sort();
                    types.dedup();
                    let message = format!(
                        "`{}` is not a resource any of the statement's actions acts on (they act on: {}); it {grants_word} nothing",
                        value.text(),
                        types.join(", ")
                    );
                    self.warn(
                        WarningKind::ResourceUnused,
                        &source,
                        value.pos,
                        None,
                        message,
                    );
                }
            }
        }

        if !granted_any
            && self.all_services.last().is_none_or(|a| a.source != source)
            && self.warnings.len() == warnings_before
        {
            let message = format!("the statement {grants_word} nothing");
            self.warn(
                WarningKind::GrantsNothing,
                &source,
                statement.pos,
                None,
                message,
            );
        }
    }

    /// Why a listed action gets nothing from the statement's resources.
    fn nothing_for(
        &self,
        statement: &Statement,
        info: &ActionInfo<'_>,
        nothing: &str,
    ) -> (WarningKind, String) {
        let action = info.full_name();
        let listed: Vec<&str> = statement
            .resource
            .iter()
            .flat_map(|c| c.patterns.iter().map(ResourceValue::text))
            .collect();
        let negated = statement.resource.as_ref().is_some_and(|c| c.negated);
        if info.is_account_level() {
            let fix = if statement.effect == Effect::Allow {
                format!(
                    "; add a separate statement {}",
                    SuggestedStatement::allow(&action, "*").to_json()
                )
            } else {
                "; a Deny scoped to ARNs never blocks it".into()
            };
            let what = if negated {
                "its `NotResource` excludes `*`".to_string()
            } else {
                format!("the statement lists only {}", quoted(&listed))
            };
            return (
                WarningKind::AccountLevelActionScoped,
                format!(
                    "`{action}` {nothing}: it does not support resource-level permissions, so it requires \"Resource\": \"*\", and {what}{fix}"
                ),
            );
        }
        let formats: Vec<String> = info
            .resource_types()
            .flat_map(|t| {
                t.arn_formats()
                    .iter()
                    .map(|f| format!("{} ({f})", t.name()))
                    .collect::<Vec<_>>()
            })
            .collect();
        (
            WarningKind::ResourceTypeMismatch,
            format!(
                "`{action}` {nothing}: {} a resource it acts on; it takes {}",
                match listed.as_slice() {
                    [one] => format!("`{one}` is not"),
                    _ => format!("none of {} is", quoted(&listed)),
                },
                formats.join(" or ")
            ),
        )
    }

    fn finish(mut self, policies: &[Policy], catalog: &Catalog) -> Summary {
        // An account-level action scoped away in one statement may be granted by another.
        for w in &mut self.warnings {
            let Some(action) = &w.action else { continue };
            let Some((prefix, name)) = action.split_once(':') else {
                continue;
            };
            let granted = self
                .grants
                .get(&(false, prefix.to_string()))
                .is_some_and(|g| g.contains_key(&name.to_lowercase()));
            if w.kind == WarningKind::AccountLevelActionScoped
                && granted
                && let Some((head, _)) = w.message.split_once("; add a separate statement")
            {
                w.message = format!(
                    "{head}; another statement grants it, so listing it here has no effect"
                );
            }
        }
        let mut allowed = Vec::new();
        let mut denied = Vec::new();
        for ((deny, prefix), actions) in std::mem::take(&mut self.grants) {
            let all = catalog.service_actions(&prefix).unwrap_or_default();
            let levels = LEVELS
                .iter()
                .map(|&level| LevelSummary {
                    level,
                    total: all.iter().filter(|a| a.access_level() == level).count(),
                    actions: actions
                        .values()
                        .filter(|(_, l, _)| *l == level)
                        .map(|(name, _, scopes)| ActionSummary {
                            action: format!("{prefix}:{name}"),
                            name: name.clone(),
                            scopes: scopes.clone(),
                        })
                        .collect(),
                })
                .collect();
            let summary = ServiceSummary {
                name: catalog
                    .service_display_name(&prefix)
                    .unwrap_or(&prefix)
                    .to_string(),
                prefix,
                levels,
            };
            if deny {
                denied.push(summary);
            } else {
                allowed.push(summary);
            }
        }
        Summary {
            policies: policies.iter().map(|p| p.source.name.clone()).collect(),
            allowed,
            denied,
            all_services: self.all_services,
            warnings: self.warnings,
        }
    }
}

fn every_service_is_empty(statement: &Statement) -> bool {
    !statement
        .action
        .patterns
        .iter()
        .any(|p| reaches_every_service(&p.text))
}

/// The resources of a statement as written.
fn written_resources(statement: &Statement) -> Resources {
    match &statement.resource {
        None => Resources::ThisResource,
        Some(c) if !c.negated && c.patterns.iter().any(|v| v.pattern.is_any()) => Resources::All,
        Some(c) => {
            let values = c
                .patterns
                .iter()
                .map(|v| ResourceSummary::new(v.text()))
                .collect();
            if c.negated {
                Resources::AllExcept(values)
            } else {
                Resources::Listed(values)
            }
        }
    }
}

/// The statement's resources that can match the action's request resource; `None` when none can.
fn resources_for(
    statement: &Statement,
    info: &ActionInfo<'_>,
    variables: bool,
) -> Option<Resources> {
    let Some(clause) = &statement.resource else {
        return Some(Resources::ThisResource);
    };
    if clause.negated {
        if clause.patterns.iter().any(|v| v.pattern.is_any()) {
            return None;
        }
        // The request resource of an account-level action is `*`, which no ARN excludes.
        if info.is_account_level() {
            return Some(Resources::All);
        }
        return Some(Resources::AllExcept(
            clause
                .patterns
                .iter()
                .map(|v| ResourceSummary::new(v.text()))
                .collect(),
        ));
    }
    if clause.patterns.iter().any(|v| v.pattern.is_any()) {
        return Some(Resources::All);
    }
    let fitting: Vec<ResourceSummary> = clause
        .patterns
        .iter()
        .filter(|v| fits(v, info, variables))
        .map(|v| ResourceSummary::new(v.text()))
        .collect();
    (!fitting.is_empty()).then_some(Resources::Listed(fitting))
}

/// Whether a `Resource` value can match some request resource of the action: `*` always; for an
/// account-level action nothing else; otherwise when the value can match one of the action's
/// ARN formats ([`fits_format`]).
pub(crate) fn fits(value: &ResourceValue, info: &ActionInfo<'_>, variables: bool) -> bool {
    if value.pattern.is_any() {
        return true;
    }
    if info.is_account_level() {
        return false;
    }
    info.resource_types().any(|t| {
        t.arn_formats()
            .iter()
            .any(|f| fits_format(value.text(), f, variables).is_some())
    })
}

/// A concrete resource that the `Resource` value matches and that fits the ARN `format`, to stand
/// for the value in a request (for `*`: a sample of the format). Wildcards become `<any>` (`aws`
/// in the partition field), or `x` per character where `<any>` would not match (`?`); `None`
/// when the value cannot match any ARN of the format.
pub(crate) fn sample_resource(value: &str, format: &str, variables: bool) -> Option<String> {
    let tokens = value_tokens(value, variables);
    let format_tokens = format_tokens(format);
    // Prefer a sample in which every `*` of the value stands for something.
    let nonempty: Vec<Token> = tokens
        .iter()
        .flat_map(|&t| match t {
            Token::Star { crosses_colon } => vec![Token::One { crosses_colon }, t],
            t => vec![t],
        })
        .collect();
    let witness = intersection(&nonempty, &format_tokens)
        .or_else(|| intersection(&tokens, &format_tokens))?;
    let verify = |candidate: &str| {
        let literal: Vec<Token> = candidate.chars().map(Token::Char).collect();
        arn_matches_format(format, candidate) && intersection(&tokens, &literal).is_some()
    };
    let mut fields: Vec<String> = witness
        .render(SAMPLE)
        .splitn(6, ':')
        .map(str::to_string)
        .collect();
    if let Some(partition) = fields.get_mut(1)
        && partition == SAMPLE
    {
        *partition = "aws".into();
    }
    let readable = fields.join(":");
    if verify(&readable) {
        return Some(readable);
    }
    let plain = witness.example();
    verify(&plain).then_some(plain)
}

/// The text that stands for a wildcard in samples.
pub(crate) const SAMPLE: &str = "<any>";

impl Summary {
    /// Whether nothing is allowed or denied.
    pub(crate) fn is_empty(&self) -> bool {
        self.allowed.is_empty() && self.denied.is_empty() && self.all_services.is_empty()
    }

    /// The human report.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let every = |effect: Effect| self.all_services.iter().filter(move |a| a.effect == effect);
        for (effect, title, services) in [
            (Effect::Allow, "Allowed", &self.allowed),
            (Effect::Deny, "Denied", &self.denied),
        ] {
            if services.is_empty() && every(effect).next().is_none() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "{title}:");
            for all in every(effect) {
                let _ = writeln!(out, "  All services: {}", all.describe());
                let _ = writeln!(
                    out,
                    "      on {}{}",
                    all.resources,
                    conditions_text(&all.conditions)
                );
                let _ = writeln!(out, "      from {}", all.source);
            }
            for service in services {
                render_service(&mut out, service);
            }
        }
        if self.is_empty() {
            out.push_str("Nothing is allowed or denied.\n");
        }
        if !self.warnings.is_empty() {
            out.push('\n');
            let _ = writeln!(out, "Warnings:");
            for w in &self.warnings {
                let label = match w.kind {
                    WarningKind::Parser => String::new(),
                    _ => format!(" (statement {})", w.source.label),
                };
                let _ = writeln!(
                    out,
                    "  {}:{}:{}{label}: {}",
                    w.source.policy, w.line, w.column, w.message
                );
            }
        }
        out
    }
}

fn conditions_text(conditions: &[ConditionSummary]) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let clauses: Vec<String> = conditions.iter().map(ToString::to_string).collect();
    format!(" when {}", clauses.join(" and "))
}

fn render_service(out: &mut String, service: &ServiceSummary) {
    let _ = writeln!(
        out,
        "  {} ({}): {} — {} of {} actions",
        service.name,
        service.prefix,
        service.access(),
        service.granted_actions(),
        service.total_actions()
    );
    for level in service.levels.iter().filter(|l| !l.actions.is_empty()) {
        // Group the actions that have the same scopes.
        let mut groups: Vec<(Vec<&str>, &[Scope])> = Vec::new();
        for action in &level.actions {
            let same = |(_, scopes): &&mut (Vec<&str>, &[Scope])| {
                scopes.len() == action.scopes.len()
                    && scopes
                        .iter()
                        .zip(&action.scopes)
                        .all(|(a, b)| a.same_terms(b))
            };
            match groups.iter_mut().find(|g| same(g)) {
                Some(group) => group.0.push(&action.name),
                None => groups.push((vec![&action.name], &action.scopes)),
            }
        }
        let full = level.actions.len() == level.total;
        let count = if full {
            format!("all {}", level.total)
        } else {
            format!("{} of {}", level.actions.len(), level.total)
        };
        let _ = writeln!(out, "    {} ({count}):", level.level);
        for (names, scopes) in groups {
            if full && names.len() == level.total {
                let _ = writeln!(out, "      every {} action", level.level);
            } else {
                let _ = writeln!(out, "      {}", names.join(", "));
            }
            let mut shown: Vec<&Scope> = Vec::new();
            for scope in scopes {
                if shown.iter().any(|s| s.same_terms(scope)) {
                    continue;
                }
                shown.push(scope);
                let _ = writeln!(
                    out,
                    "        on {}{}",
                    scope.resources,
                    conditions_text(&scope.conditions)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop loudly")]

    use super::*;
    use crate::model::policy::PolicyKind;
    use crate::parse::parse_policy;

    fn policy(text: &str) -> Policy {
        parse_policy("p.json", text.as_bytes(), PolicyKind::Identity).unwrap()
    }

    const REPO_FORMAT: &str =
        "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}";

    #[test]
    fn samples_stand_for_wildcards() {
        let cases = [
            (
                "arn:aws:ecr:us-east-1:123456789012:repository/*",
                Some("arn:aws:ecr:us-east-1:123456789012:repository/<any>"),
            ),
            ("*", Some("arn:aws:ecr:<any>:<any>:repository/<any>")),
            (
                "arn:aws:ecr:*",
                Some("arn:aws:ecr:<any>:<any>:repository/<any>"),
            ),
            (
                "arn:aws:ecr:us-east-1:1:repository/app?",
                Some("arn:aws:ecr:us-east-1:1:repository/appx"),
            ),
            (
                "arn:aws:ecr:us-east-1:1:repository/${aws:username}/*",
                Some("arn:aws:ecr:us-east-1:1:repository/<any>/<any>"),
            ),
            ("arn:aws:s3:::bucket", None),
            ("arn:aws:ecr:us-east-1:repository/x", None),
            ("arn:aws:ecr:us-east-1:1:user/x", None),
        ];
        for (value, sample) in cases {
            assert_eq!(
                sample_resource(value, REPO_FORMAT, true).as_deref(),
                sample,
                "sample for `{value}`"
            );
        }
    }

    #[test]
    fn motivating_policy_names_ecr_levels_repository_and_warns() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../corpus/examples/ecr-login/policy.json"
        ))
        .unwrap();
        let summary = summarize(&[policy(&text)]);
        assert_eq!(summary.allowed.len(), 1);
        let ecr = &summary.allowed[0];
        assert_eq!(ecr.name, "Amazon Elastic Container Registry");
        assert_eq!(ecr.granted_actions(), 11);
        let used: Vec<&str> = ecr
            .levels
            .iter()
            .filter(|l| !l.actions.is_empty())
            .map(|l| l.level.as_str())
            .collect();
        assert_eq!(used, ["List", "Read", "Write"]);
        assert_eq!(ecr.access(), "Limited: List, Read, Write");
        let scope = &ecr.levels[2].actions[0].scopes[0];
        match &scope.resources {
            Resources::Listed(rs) => assert_eq!(rs[0].repository.as_deref(), Some("my-app-repo")),
            other => panic!("{other:?}"),
        }
        assert_eq!(summary.warnings.len(), 1);
        let w = &summary.warnings[0];
        assert_eq!(w.kind, WarningKind::AccountLevelActionScoped);
        assert_eq!(w.action.as_deref(), Some("ecr:GetAuthorizationToken"));
        assert_eq!((w.line, w.column), (7, 17));
        assert!(
            w.message.contains(
                r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#
            )
        );
        let text = summary.render_text();
        assert!(
            text.contains("repository my-app-repo (us-east-1, 123456789012)"),
            "{text}"
        );
    }

    #[test]
    fn wildcards_not_action_and_every_service() {
        let summary = summarize(&[policy(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"ecr:Batch*","Resource":"*"},
              {"Effect":"Allow","Action":"*","Resource":"*"},
              {"Effect":"Deny","NotAction":"ecr:Get*","Resource":"arn:aws:ecr:*:*:repository/prod-*"},
              {"Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:1:repository/x"}
            ]}"#,
        )]);
        assert_eq!(summary.all_services.len(), 2);
        assert_eq!(
            summary.all_services[1].describe(),
            "every action of every service except ecr:Get*"
        );
        let denied = &summary.denied[0];
        // Account-level ecr actions are never denied by an ARN-scoped Deny.
        assert!(
            denied
                .levels
                .iter()
                .flat_map(|l| &l.actions)
                .all(|a| a.name != "GetAuthorizationToken" && a.name != "DescribeRegistry")
        );
        assert!(
            denied
                .levels
                .iter()
                .flat_map(|l| &l.actions)
                .any(|a| a.name == "PutImage")
        );
        assert!(
            summary
                .warnings
                .iter()
                .any(|w| w.kind == WarningKind::AccountLevelActionsScoped
                    && w.message.starts_with("`ecr:*` covers"))
        );
    }

    #[test]
    fn unknown_actions_and_unused_resources_are_warned() {
        let summary = summarize(&[policy(
            r#"{"Version":"2012-10-17","Statement":[
              {"Sid":"Typo","Effect":"Allow","Action":"ecr:PutImages","Resource":"*"},
              {"Effect":"Allow","Action":"ecr:PutImage","Resource":["arn:aws:s3:::bucket","arn:aws:ecr:us-east-1:1:repository/x"]},
              {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:ecr:us-east-1:1:repository/x"},
              {"Effect":"Allow","Action":"nosuch:Thing","Resource":"*"}
            ]}"#,
        )]);
        let kinds: Vec<WarningKind> = summary.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(
            kinds,
            [
                WarningKind::UnknownAction,
                WarningKind::ResourceUnused,
                WarningKind::ResourceTypeMismatch,
                WarningKind::UnknownService
            ]
        );
        assert!(
            summary.warnings[0]
                .message
                .contains("did you mean `ecr:PutImage`")
        );
    }
}
