//! Lint: mistakes in a policy document, each a [`Finding`] with a stable code, a severity and
//! the exact line and column of the value it is about.
//!
//! A document that is not JSON, or not a valid policy, yields exactly one finding (`E001`,
//! `E002` or `E106`, from [`crate::syntax::json`] and [`crate::parse`]) and nothing else: there is no
//! model to look at. A valid document yields the validator's own warnings, mapped to codes, and
//! the findings of the checks below. Actions are looked up, and wildcards expanded, in the
//! service [`Catalog`]; a pattern whose service part has a wildcard (`*`, `*:Get*`) is taken to
//! match anything, so checks that would need every service stay quiet for it.
//!
//! The first letter of a code is its severity: `E` error, `W` warning, `I` info (a note).
//! Codes are never reused or renumbered.
//!
//! | Code | Name | Severity | Finding |
//! |---|---|---|---|
//! | `E001` | `invalid-json` | error | The file is not JSON (RFC 8259; duplicate keys are rejected too). |
//! | `E002` | `invalid-policy` | error | The JSON is not a valid policy of the given kind (grammar of docs/semantics.md#policy-grammar): the validator's error, with its help. |
//! | `W100` | `validator-warning` | warning | Reserved for validator warnings without a code of their own (none today). |
//! | `W101` | `unknown-action` | warning | An action the service does not have (with a did-you-mean), or a wildcard that matches none of its actions: it matches no request. |
//! | `W102` | `unknown-service` | warning | An action whose service prefix no AWS service has. |
//! | `W103` | `account-level-action-scoped` | warning | An account-level action (no resource type, evaluated on `*`, e.g. `ecr:GetAuthorizationToken`), listed directly or through a wildcard, in a statement with no `"Resource": "*"`: the statement grants (or denies) nothing for it. Also an account-level action in a resource-based policy without `Resource`, which can never grant it. |
//! | `W104` | `resource-type-mismatch` | warning | A `Resource` value that fits no ARN format of any listed action's resource types (another service's ARN, a missing account field, wrong case): it never matches their requests. |
//! | `W105` | `resource-unused-by-actions` | warning | A `Resource` value of a real resource type of the actions' service (an S3 `bucket`) that none of the listed actions acts on (`s3:GetObject` acts on objects). |
//! | `E106` | `unknown-condition-operator` | error | A condition operator IAM does not have (with a did-you-mean), or `Null` with `IfExists`/a set qualifier. |
//! | `W107` | `condition-key-not-supported` | warning | A condition key that no listed action's requests carry (a service key, or a tag key, checked against the Service Authorization Reference), or that some directly listed action's requests do not carry. Global `aws:` keys other than tag keys are not checked. |
//! | `W108` | `variable-outside-resource-or-condition` | warning | `${…}` where IAM does not substitute it: `Action`, `Principal`, `Sid`, `Effect`, `Id`, condition keys, the first five fields of an ARN, non-string condition operators, or anywhere without `"Version": "2012-10-17"`. It is literal text there. |
//! | `W109` | `allow-with-not-action` | warning | `Allow` with `NotAction`: grants every action of every service but the listed ones, including actions AWS adds later. |
//! | `W110` | `allow-with-not-resource` | warning | `Allow` with `NotResource`: grants the actions on every resource but the listed ones, in every account. |
//! | `W111` | `full-admin` | warning | An identity-based policy allowing `"Action": "*"` on `"Resource": "*"`. |
//! | `I112` | `redundant-statement` | info | A statement whose every action, resource and principal another statement with the same effect and no `Condition` already covers. |
//! | `I113` | `duplicate-action` | info | An action listed twice in one statement (case-insensitively), or already covered by a wildcard of the same statement. |
//! | `W114` | `policy-too-large` | warning | The document is over the size limit of its shape: customer managed 6,144, role inline 10,240, user inline 2,048, group inline 5,120 characters without whitespace; ECR repository policy 10,240 characters including whitespace. |
//! | `I115` | `missing-version` | info | No `Version`: policy variables are not substituted. |
//! | `W116` | `short-arn` | warning | A `Resource` value with fewer than six ARN fields (not reported where `W104` already is). |
//! | `I117` | `old-version` | info | `"Version": "2008-10-17"`: policy variables are literal text. |
//! | `E118` | `invalid-sid` | error | A `Sid` with characters other than `A-Z`, `a-z`, `0-9` in an identity-based policy, which IAM rejects. |
//! | `E119` | `image-reference-as-resource` | error | A `Resource` value written as a registry URI or image reference (`123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2`, `public.ecr.aws/ALIAS/NAME`), as docker takes it: it is no ARN, so the policy is invalid (the one finding of the document, in place of `E002`). The finding gives the repository ARN. |
//! | `E120` | `authorization-token-in-repository-policy` | error | `ecr:GetAuthorizationToken` listed by name in a repository policy: the ECR guide says the caller needs it "through an IAM policy", and `SetRepositoryPolicy` has been seen rejecting it (docs/decisions.md, "ECR lint rules"). |
//! | `W121` | `public-repository-policy` | warning | A repository or registry policy statement that allows `"Principal": "*"` without a `Condition`: every AWS account can use what it grants. |
//! | `W122` | `cross-account-destructive-grant` | warning | A repository or registry policy that allows another account (or `*`) an action that deletes images or repositories or replaces the policy (`ecr:DeleteRepository`, `ecr:BatchDeleteImage`, `ecr:SetRepositoryPolicy`, `ecr:DeleteRepositoryPolicy`, `ecr:PutLifecyclePolicy`). |
//! | `E123` | `registry-policy-v1-action` | error | A registry policy checked with registry policy scope V1 that lists an action other than `ecr:ReplicateImage`, `ecr:BatchImportUpstreamImage`, `ecr:CreateRepository` (or `ecr:*`/`*`), or uses `NotAction`: ECR rejects it when it is saved. |
//! | `W124` | `lambda-without-source-condition` | warning | A repository or registry policy that grants another account and lets `lambda.amazonaws.com` in without an `aws:SourceArn` or `aws:SourceAccount` condition: any account's Lambda functions can then read the images. |
//!
//! Which account owns the policy (for `W122` and `W124`) is the one given in [`LintOptions`], else
//! the account field of the statements' `Resource` ARNs when they all agree. Without it, an
//! account principal (`123456789012` or `arn:aws:iam::123456789012:root`) is taken as another
//! account (naming one's own account in one's own repository policy adds nothing), a role or user
//! ARN is not, and `*` always is.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use crate::data::catalog::{ActionInfo, Catalog};
use crate::eval::registry::{RegistryScope, unsupported_actions};
use crate::model::arn::{fits_format, resource_field_start};
use crate::model::condition::{Clause, Family, Operator, Qualifier};
use crate::model::context::Context;
use crate::model::policy::{
    ActionPattern, Effect, Policy, PolicyKind, PrincipalClause, PrincipalValue, ResourceClause,
    ResourceValue, Source, Statement, Version, Warning, WarningKind,
};
use crate::model::variables;
use crate::parse::{
    PolicyError, PolicyErrorKind, PolicyInput, cli_wrapped, policy_input_from_json,
};
use crate::syntax::json::{self, Json, Pos, Value};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A note: worth knowing, harmless.
    Info,
    /// Probably not what the author meant.
    Warning,
    /// The document is rejected by AWS, or cannot be read.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

display_as_str!(Severity);

/// A lint rule: its stable code and name, its severity, and a one-line description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `W103`.
    pub code: &'static str,
    /// `account-level-action-scoped`.
    pub name: &'static str,
    /// The severity of every finding of the rule.
    pub severity: Severity,
    /// What the rule finds, one sentence.
    pub summary: &'static str,
}

const fn rule(code: &'static str, name: &'static str, summary: &'static str) -> Rule {
    let severity = match code.as_bytes() {
        [b'E', ..] => Severity::Error,
        [b'I', ..] => Severity::Info,
        _ => Severity::Warning,
    };
    Rule {
        code,
        name,
        severity,
        summary,
    }
}

const E001: Rule = rule("E001", "invalid-json", "The file is not valid JSON.");
const E002: Rule = rule(
    "E002",
    "invalid-policy",
    "The document is not a valid IAM policy of its kind.",
);
const W100: Rule = rule(
    "W100",
    "validator-warning",
    "The policy validator warns about a value.",
);
const W101: Rule = rule(
    "W101",
    "unknown-action",
    "The action does not exist: it matches no request.",
);
const W102: Rule = rule(
    "W102",
    "unknown-service",
    "No AWS service has this action's service prefix.",
);
const W103: Rule = rule(
    "W103",
    "account-level-action-scoped",
    "An account-level action (evaluated on \"*\") in a statement without \"Resource\": \"*\" is granted nothing.",
);
const W104: Rule = rule(
    "W104",
    "resource-type-mismatch",
    "The resource fits no ARN format of the listed actions' resource types.",
);
const W105: Rule = rule(
    "W105",
    "resource-unused-by-actions",
    "The resource is of a type that none of the listed actions acts on.",
);
const E106: Rule = rule(
    "E106",
    "unknown-condition-operator",
    "The condition operator does not exist.",
);
const W107: Rule = rule(
    "W107",
    "condition-key-not-supported",
    "Requests for the listed actions never carry this condition key.",
);
const W108: Rule = rule(
    "W108",
    "variable-outside-resource-or-condition",
    "A policy variable where IAM does not substitute it is literal text.",
);
const W109: Rule = rule(
    "W109",
    "allow-with-not-action",
    "Allow with NotAction grants every action except the listed ones.",
);
const W110: Rule = rule(
    "W110",
    "allow-with-not-resource",
    "Allow with NotResource grants the actions on every resource except the listed ones.",
);
const W111: Rule = rule(
    "W111",
    "full-admin",
    "The policy allows every action on every resource.",
);
const I112: Rule = rule(
    "I112",
    "redundant-statement",
    "Another statement already covers everything this statement does.",
);
const I113: Rule = rule(
    "I113",
    "duplicate-action",
    "The action is listed twice, or already covered by a wildcard, in the statement.",
);
const W114: Rule = rule(
    "W114",
    "policy-too-large",
    "The policy is over the AWS size limit for its kind.",
);
const I115: Rule = rule(
    "I115",
    "missing-version",
    "No Version: policy variables are not substituted.",
);
const W116: Rule = rule(
    "W116",
    "short-arn",
    "The resource has fewer than the six ARN fields.",
);
const I117: Rule = rule(
    "I117",
    "old-version",
    "Version 2008-10-17: policy variables are literal text.",
);
const E118: Rule = rule(
    "E118",
    "invalid-sid",
    "The Sid has characters IAM rejects in identity-based policies.",
);

const E119: Rule = rule(
    "E119",
    "image-reference-as-resource",
    "A registry URI or image reference is written where a Resource ARN belongs.",
);
const E120: Rule = rule(
    "E120",
    "authorization-token-in-repository-policy",
    "ecr:GetAuthorizationToken belongs in the caller's identity-based policy, not a repository policy.",
);
const W121: Rule = rule(
    "W121",
    "public-repository-policy",
    "The policy allows \"*\" (every AWS account) without a condition.",
);
const W122: Rule = rule(
    "W122",
    "cross-account-destructive-grant",
    "The policy lets another account delete images or repositories, or replace the policy.",
);
const E123: Rule = rule(
    "E123",
    "registry-policy-v1-action",
    "A registry policy with scope V1 may list only ReplicateImage, BatchImportUpstreamImage and CreateRepository.",
);
const W124: Rule = rule(
    "W124",
    "lambda-without-source-condition",
    "lambda.amazonaws.com is let in without an aws:SourceArn or aws:SourceAccount condition in a cross-account policy.",
);

/// Every rule, in code order.
pub const RULES: &[Rule] = &[
    E001, E002, W100, W101, W102, W103, W104, W105, E106, W107, W108, W109, W110, W111, I112, I113,
    W114, I115, W116, I117, E118, E119, E120, W121, W122, E123, W124,
];

/// The rule with this code (`W103`) or name (`account-level-action-scoped`), case-insensitively.
pub fn find_rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// Where a policy document is used, which decides its size limit
/// (docs/semantics.md#policy-grammar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyShape {
    /// A customer managed policy: 6,144 characters, whitespace not counted.
    ManagedPolicy,
    /// A role's inline policies: 10,240 characters in all, whitespace not counted.
    RoleInline,
    /// A user's inline policies: 2,048 characters in all, whitespace not counted.
    UserInline,
    /// A group's inline policies: 5,120 characters in all, whitespace not counted.
    GroupInline,
    /// An ECR repository policy: 10,240 characters, whitespace counted.
    EcrRepositoryPolicy,
}

impl PolicyShape {
    /// The shape assumed for a kind when none is given: a repository policy for a
    /// resource-based policy, a customer managed policy for everything else.
    pub fn default_for(kind: PolicyKind) -> PolicyShape {
        match kind {
            PolicyKind::Resource => PolicyShape::EcrRepositoryPolicy,
            _ => PolicyShape::ManagedPolicy,
        }
    }

    /// The size limit in characters.
    pub(crate) fn limit(self) -> usize {
        match self {
            PolicyShape::ManagedPolicy => 6_144,
            PolicyShape::RoleInline => 10_240,
            PolicyShape::UserInline => 2_048,
            PolicyShape::GroupInline => 5_120,
            PolicyShape::EcrRepositoryPolicy => 10_240,
        }
    }

    /// Whether whitespace counts towards the limit.
    pub(crate) fn counts_whitespace(self) -> bool {
        self == PolicyShape::EcrRepositoryPolicy
    }

    /// How the shape is named in messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            PolicyShape::ManagedPolicy => "a customer managed policy",
            PolicyShape::RoleInline => "a role's inline policies (all of them together)",
            PolicyShape::UserInline => "a user's inline policies (all of them together)",
            PolicyShape::GroupInline => "a group's inline policies (all of them together)",
            PolicyShape::EcrRepositoryPolicy => "an ECR repository policy",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The stable code, e.g. `W103`.
    pub code: &'static str,
    /// The stable name, e.g. `account-level-action-scoped`.
    pub name: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// What is wrong, lower case, no final period.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where (1-based line and column, in characters).
    pub pos: Pos,
    /// JSON pointer of the value (RFC 6901), empty for the whole document.
    pub pointer: String,
}

impl Finding {
    fn new(rule: &Rule, pos: Pos, pointer: String, message: String) -> Finding {
        Finding {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            message,
            help: None,
            pos,
            pointer,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}]: {}",
            self.pos.line, self.pos.column, self.severity, self.code, self.message
        )
    }
}

/// What lint is told about a document besides its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintOptions {
    /// How the document is read: `Resource` is an ECR repository policy, `Registry` an ECR
    /// registry policy.
    pub kind: PolicyKind,
    /// Where it is used, for the size limit.
    pub shape: PolicyShape,
    /// The registry policy scope of the registry a `Registry` document is for; `None` checks no
    /// scope (`E123` needs `V1`).
    pub registry_scope: Option<RegistryScope>,
    /// The account that owns the repository or registry (12 digits), if known.
    pub account: Option<String>,
}

impl LintOptions {
    /// Options for `kind` used as `shape`, nothing else known.
    pub fn new(kind: PolicyKind, shape: PolicyShape) -> LintOptions {
        LintOptions {
            kind,
            shape,
            registry_scope: None,
            account: None,
        }
    }
}

/// Lints a policy document loaded as `kind`, used as `shape`. Findings are sorted by position,
/// then code. A document in an AWS CLI output shape is linted where it is: an object in place
/// with the file's positions, a JSON string (`policyText`) with positions in its decoded text
/// (see [`lint_input`], which says which text the positions refer to).
pub fn lint(name: &str, bytes: &[u8], kind: PolicyKind, shape: PolicyShape) -> Vec<Finding> {
    lint_with(name, bytes, &LintOptions::new(kind, shape))
}

/// Lints a policy document as `options` say: [`lint_input`] without the source.
pub(crate) fn lint_with(name: &str, bytes: &[u8], options: &LintOptions) -> Vec<Finding> {
    lint_input(name, bytes, options).findings
}

/// What [`lint_input`] found, and the text its positions refer to.
#[derive(Clone, Debug)]
pub struct Linted {
    /// The file, or the decoded text of a string field, named `FILE (policyText)`.
    pub source: Arc<Source>,
    /// The findings, sorted by position, then code.
    pub findings: Vec<Finding>,
    /// Where the JSON string holding the document starts in the file, when `source` is its
    /// decoded text (SARIF viewers can only point into the file).
    pub field_pos: Option<Pos>,
}

/// `lint_with`, with the source the findings' positions refer to.
pub fn lint_input(name: &str, bytes: &[u8], options: &LintOptions) -> Linted {
    let text: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
    let source = Arc::new(Source {
        name: name.to_string(),
        text: text.clone(),
    });
    let root = match json::parse(bytes) {
        Ok(root) => root,
        Err(e) => {
            return Linted {
                source,
                findings: vec![Finding::new(
                    error_rule(PolicyErrorKind::Json(e.kind)),
                    e.pos,
                    e.pointer,
                    e.message,
                )],
                field_pos: None,
            };
        }
    };
    let field_pos = cli_wrapped(&root)
        .filter(|(_, _, node)| matches!(node.value, Value::String(_)))
        .map(|(_, _, node)| node.pos);
    let input = match policy_input_from_json(source, root) {
        Ok(input) => input,
        // Only the decoded text of a string field can fail here, and only as JSON.
        Err(e) => {
            let source = e.source.clone();
            let mut finding = error_finding(e);
            if let Some(plain) = finding.message.strip_prefix("invalid JSON: ") {
                finding.message = plain.to_string();
            }
            return Linted {
                source,
                findings: vec![finding],
                field_pos,
            };
        }
    };
    let findings = lint_document(&input, options);
    Linted {
        source: input.source,
        findings,
        field_pos,
    }
}

fn lint_document(input: &PolicyInput, options: &LintOptions) -> Vec<Finding> {
    let doc = &input.json;
    let policy = match input.policy(options.kind) {
        Ok(policy) => policy,
        Err(e) => return vec![validation_finding(e, doc)],
    };
    let mut linter = Linter {
        policy: &policy,
        doc,
        pointers: HashMap::new(),
        statements: statement_nodes(doc),
        findings: Vec::new(),
    };
    index_pointers(doc, String::new(), &mut linter.pointers);
    linter.validator_warnings();
    // The size AWS counts is the document's own text: the decoded string, or an object in place
    // as compact JSON.
    linter.size(&input.document_text(), options.shape);
    for statement in &policy.statements {
        linter.statement(statement);
    }
    linter.variables();
    linter.redundant_statements();
    linter.ecr(options);
    let mut findings = linter.findings;
    // A value too short to be an ARN is said once, by the more specific W104; the login action in
    // a repository policy once, by E120.
    let at = |code: &str| -> HashSet<usize> {
        findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.pos.offset)
            .collect()
    };
    let (mismatched, tokens) = (at(W104.code), at(E120.code));
    findings.retain(|f| {
        let offset = f.pos.offset;
        !((f.code == W116.code && mismatched.contains(&offset))
            || (f.code == W103.code && tokens.contains(&offset)))
    });
    findings.sort_by(|a, b| {
        (a.pos.line, a.pos.column, a.code).cmp(&(b.pos.line, b.pos.column, b.code))
    });
    findings
}

/// The rule a document error breaks, by its kind (never its wording).
fn error_rule(kind: PolicyErrorKind) -> &'static Rule {
    match kind {
        PolicyErrorKind::Json(_) => &E001,
        PolicyErrorKind::UnknownConditionOperator | PolicyErrorKind::NullWithQualifier => &E106,
        _ => &E002,
    }
}

fn validation_finding(e: PolicyError, doc: &Json) -> Finding {
    if e.kind == PolicyErrorKind::InvalidResource
        && let Some(text) = string_at(doc, &e.pointer)
        && let Some(arn) = image_reference_arn(text)
    {
        return Finding::new(
            &E119,
            e.pos,
            e.pointer,
            format!(
                "`{text}` is {} (as docker takes it), not an ARN: `Resource` takes ARNs or `*`, so the policy is invalid",
                if text.trim_end_matches('/').contains('/') { "an image reference" } else { "a registry URI" }
            ),
        )
        .help(format!("write the repository ARN: `{arn}` (a tag or digest is no part of it: access is granted per repository)"));
    }
    error_finding(e)
}

/// The finding for a document error, by its kind.
fn error_finding(e: PolicyError) -> Finding {
    let mut finding = Finding::new(error_rule(e.kind), e.pos, e.pointer, e.message);
    finding.help = e.help;
    finding
}

/// The string at a JSON pointer of `doc` (RFC 6901), if there is one.
fn string_at<'j>(doc: &'j Json, pointer: &str) -> Option<&'j str> {
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match &node.value {
            Value::Object(_) => &node.get(&token)?.value,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match &node.value {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The statement objects of a document, in order (`Statement` may be one object).
fn statement_nodes(doc: &Json) -> Vec<&Json> {
    match doc.get("Statement").map(|m| &m.value) {
        Some(Json {
            value: Value::Array(items),
            ..
        }) => items.iter().collect(),
        Some(node) => vec![node],
        None => Vec::new(),
    }
}

/// Records the JSON pointer of every value and key, by byte offset.
fn index_pointers(node: &Json, pointer: String, out: &mut HashMap<usize, String>) {
    match &node.value {
        Value::Object(members) => {
            for m in members {
                let escaped = m.key.replace('~', "~0").replace('/', "~1");
                let at = format!("{pointer}/{escaped}");
                out.insert(m.key_pos.offset, at.clone());
                index_pointers(&m.value, at, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                index_pointers(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
    out.insert(node.pos.offset, pointer);
}

/// What an action pattern stands for in the catalog.
enum Expansion {
    /// The service part has a wildcard (or the pattern is `*`): anything.
    Any,
    /// No service has the prefix.
    UnknownService,
    /// The catalog actions it matches (empty for an unknown action).
    Actions(Vec<ActionInfo<'static>>),
}

fn expand(pattern: &ActionPattern) -> Expansion {
    let Some((service, _)) = pattern.text.split_once(':') else {
        return Expansion::Any;
    };
    if service.contains(['*', '?']) {
        return Expansion::Any;
    }
    let catalog = Catalog::builtin();
    if !catalog.has_service(service) {
        return Expansion::UnknownService;
    }
    if !pattern.has_wildcard() {
        return Expansion::Actions(catalog.action(&pattern.text).into_iter().collect());
    }
    let actions = catalog
        .service_actions(service)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| pattern.is_match(&a.full_name().to_lowercase()))
        .collect();
    Expansion::Actions(actions)
}

/// The catalog actions a statement's `Action` lists, or `None` when it may be any action
/// (`NotAction`, or a pattern with a wildcard in its service part).
fn listed_actions(statement: &Statement) -> Option<Vec<ActionInfo<'static>>> {
    if statement.action.negated {
        return None;
    }
    let mut out: Vec<ActionInfo<'static>> = Vec::new();
    let mut seen = HashSet::new();
    for pattern in &statement.action.patterns {
        match expand(pattern) {
            Expansion::Any => return None,
            Expansion::UnknownService => {}
            Expansion::Actions(actions) => {
                for a in actions {
                    if seen.insert(a.full_name()) {
                        out.push(a);
                    }
                }
            }
        }
    }
    Some(out)
}

/// At most `n` names, then "and N more".
fn name_list(names: &[String], n: usize) -> String {
    let shown: Vec<String> = names.iter().take(n).map(|s| format!("`{s}`")).collect();
    let mut out = shown.join(", ");
    if names.len() > n {
        out.push_str(&format!(" and {} more", names.len() - n));
    }
    out
}

struct Linter<'p> {
    policy: &'p Policy,
    doc: &'p Json,
    pointers: HashMap<usize, String>,
    statements: Vec<&'p Json>,
    findings: Vec<Finding>,
}

impl Linter<'_> {
    fn pointer(&self, pos: Pos) -> String {
        self.pointers.get(&pos.offset).cloned().unwrap_or_default()
    }

    fn push(&mut self, rule: &Rule, pos: Pos, message: String, help: Option<String>) {
        let mut finding = Finding::new(rule, pos, self.pointer(pos), message);
        finding.help = help;
        self.findings.push(finding);
    }

    /// A finding about a name that matches nothing. With a `suggestion` (written as it should
    /// appear, e.g. in backticks) the message ends `; did you mean …?` and the help says to
    /// replace it; without one the help is `otherwise`.
    fn push_misspelt(
        &mut self,
        rule: &Rule,
        pos: Pos,
        message: String,
        suggestion: Option<String>,
        otherwise: String,
    ) {
        match suggestion {
            Some(s) => self.push(
                rule,
                pos,
                format!("{message}; did you mean {s}?"),
                Some(format!("replace it with {s}")),
            ),
            None => self.push(rule, pos, message, Some(otherwise)),
        }
    }

    /// One finding of `rule` per `(position, message)` of `found`, all with the same `help`.
    fn push_each(&mut self, rule: &Rule, found: Vec<(Pos, String)>, help: &str) {
        for (pos, message) in found {
            self.push(rule, pos, message, Some(help.to_string()));
        }
    }

    /// Where a statement's member key is (`"NotAction"`), else the statement itself.
    fn key_pos(&self, statement: &Statement, key: &str) -> Pos {
        self.statements
            .get(statement.index)
            .and_then(|node| node.get(key))
            .map_or(statement.pos, |m| m.key_pos)
    }

    /// The validator's warnings, each under its code.
    fn validator_warnings(&mut self) {
        let mapped: Vec<Finding> = self
            .policy
            .warnings
            .iter()
            .filter_map(warning_finding)
            .collect();
        self.findings.extend(mapped);
    }

    fn size(&mut self, text: &str, shape: PolicyShape) {
        let size = if shape.counts_whitespace() {
            text.chars().count()
        } else {
            text.chars().filter(|c| !c.is_whitespace()).count()
        };
        let limit = shape.limit();
        if size <= limit {
            return;
        }
        let how = if shape.counts_whitespace() {
            "characters"
        } else {
            "characters without whitespace"
        };
        let help = match shape {
            PolicyShape::EcrRepositoryPolicy => {
                "merge statements that differ only in their principals or actions, and use wildcards for repeated action names"
            }
            _ => {
                "split it into several managed policies (up to 10 per user, group or role by default), or merge statements and use wildcards for repeated action names"
            }
        };
        self.push(
            &W114,
            self.doc.pos,
            format!(
                "the policy is {size} {how}, over the {limit} allowed for {}",
                shape.describe()
            ),
            Some(help.to_string()),
        );
    }

    fn statement(&mut self, statement: &Statement) {
        self.actions(statement);
        self.account_level_actions(statement);
        self.resource_types(statement);
        self.condition_keys(statement);
        self.negations(statement);
    }

    /// W101, W102, I113.
    fn actions(&mut self, statement: &Statement) {
        let catalog = Catalog::builtin();
        let patterns = &statement.action.patterns;
        for (i, pattern) in patterns.iter().enumerate() {
            let text = pattern.text.as_str();
            match expand(pattern) {
                Expansion::Any => {}
                Expansion::UnknownService => {
                    let service = text.split_once(':').map_or(text, |(s, _)| s);
                    let suggestion = if pattern.has_wildcard() {
                        crate::matching::fuzzy::closest(service, catalog.service_prefixes())
                            .map(|s| format!("`{s}`"))
                    } else {
                        catalog.suggest_action(text).map(|s| format!("`{s}`"))
                    };
                    self.push_misspelt(
                        &W102,
                        pattern.pos,
                        format!("unknown service prefix `{service}` in `{text}`: no AWS service has it, so it matches no request"),
                        suggestion,
                        "service prefixes are listed in the Service Authorization Reference (e.g. `ecr`, `s3`, `iam`)".to_string(),
                    );
                }
                Expansion::Actions(actions) if actions.is_empty() => {
                    let service = text.split_once(':').map_or(text, |(s, _)| s);
                    if pattern.has_wildcard() {
                        self.push(
                            &W101,
                            pattern.pos,
                            format!("`{text}` matches no action of `{service}`: it matches no request"),
                            Some(format!("the actions of `{service}` are listed in the Service Authorization Reference; check the spelling")),
                        );
                    } else {
                        self.push_misspelt(
                            &W101,
                            pattern.pos,
                            format!("unknown action `{text}`: it matches no request"),
                            catalog.suggest_action(text).map(|s| format!("`{s}`")),
                            format!("`{service}` has no such action; check the spelling in the Service Authorization Reference"),
                        );
                    }
                }
                Expansion::Actions(_) => {}
            }
            let lower = text.to_lowercase();
            if let Some(first) = patterns[..i]
                .iter()
                .find(|p| p.text.to_lowercase() == lower)
            {
                self.push(
                    &I113,
                    pattern.pos,
                    format!(
                        "`{text}` is listed twice in this statement (also at line {}, column {})",
                        first.pos.line, first.pos.column
                    ),
                    Some("remove one of them".to_string()),
                );
            } else if !pattern.has_wildcard()
                && let Some(wider) = patterns
                    .iter()
                    .find(|p| p.has_wildcard() && p.is_match(&lower))
            {
                self.push(
                    &I113,
                    pattern.pos,
                    format!(
                        "`{text}` is already covered by `{}` in this statement",
                        wider.text
                    ),
                    Some(format!("remove it, or narrow `{}`", wider.text)),
                );
            }
        }
    }

    /// W103.
    fn account_level_actions(&mut self, statement: &Statement) {
        if statement.action.negated {
            return;
        }
        let scope = match &statement.resource {
            Some(r) if r.negated => return,
            Some(r) if r.patterns.iter().any(|p| p.pattern.is_any()) => return,
            Some(_) => Scope::Arns,
            None => Scope::ThisResource,
        };
        for pattern in &statement.action.patterns {
            let Expansion::Actions(actions) = expand(pattern) else {
                continue;
            };
            let mut names: Vec<String> = actions
                .iter()
                .filter(|a| a.is_account_level())
                .map(ActionInfo::full_name)
                .collect();
            if names.is_empty() {
                continue;
            }
            // The one everybody needs first (`docker login`) leads the list.
            names.sort_by_key(|n| !n.ends_with(":GetAuthorizationToken"));
            let text = &pattern.text;
            let (message, help) = if pattern.has_wildcard() {
                let what = format!(
                    "`{text}` includes {} account-level action{} ({}), which {} evaluated on the resource `*`",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    name_list(&names, 3),
                    if names.len() == 1 { "is" } else { "are" },
                );
                match (scope, statement.effect) {
                    (Scope::ThisResource, _) => (
                        format!("{what}: a resource-based policy applies only to its own resource, so it can never grant them"),
                        "grant them in the caller's identity-based policy, in a statement with \"Resource\": \"*\"".to_string(),
                    ),
                    (Scope::Arns, Effect::Allow) => (
                        format!("{what}, and no `Resource` value of this statement is `*`: the statement grants nothing for them"),
                        format!("list the account-level actions you need in a separate statement with \"Resource\": \"*\", e.g. {}", crate::explain::SuggestedStatement::allow(&names[0], "*").to_json()),
                    ),
                    (Scope::Arns, Effect::Deny) => (
                        format!("{what}, and no `Resource` value of this statement is `*`: this Deny never blocks them"),
                        "deny them in a separate statement with \"Resource\": \"*\"".to_string(),
                    ),
                }
            } else {
                let name = &names[0];
                let what = format!(
                    "`{name}` is an account-level action: it has no resource type, so IAM evaluates it on the resource `*`"
                );
                match (scope, statement.effect) {
                    (Scope::ThisResource, _) => (
                        format!(
                            "{what}, and a resource-based policy applies only to its own resource: it can never grant `{name}`"
                        ),
                        format!(
                            "grant it in the caller's identity-based policy: {}",
                            crate::explain::SuggestedStatement::allow(name, "*").to_json()
                        ),
                    ),
                    (Scope::Arns, Effect::Allow) => (
                        format!(
                            "{what}, and no `Resource` value of this statement is `*`: the statement grants nothing for it"
                        ),
                        format!(
                            "move it to a separate statement with \"Resource\": \"*\": {}",
                            crate::explain::SuggestedStatement::allow(name, "*").to_json()
                        ),
                    ),
                    (Scope::Arns, Effect::Deny) => (
                        format!(
                            "{what}, and no `Resource` value of this statement is `*`: this Deny never blocks it"
                        ),
                        "deny it in a separate statement with \"Resource\": \"*\"".to_string(),
                    ),
                }
            };
            self.push(&W103, pattern.pos, message, Some(help));
        }
    }

    /// W104, W105.
    fn resource_types(&mut self, statement: &Statement) {
        let Some(resource) = &statement.resource else {
            return;
        };
        if resource.negated {
            return;
        }
        let Some(actions) = listed_actions(statement) else {
            return;
        };
        let typed: Vec<&ActionInfo<'static>> =
            actions.iter().filter(|a| !a.is_account_level()).collect();
        if typed.is_empty() {
            return;
        }
        let mut formats: Vec<&'static str> = Vec::new();
        for a in &typed {
            for rt in a.resource_types() {
                for f in rt.arn_formats() {
                    if !formats.contains(f) {
                        formats.push(f);
                    }
                }
            }
        }
        let services: BTreeSet<&'static str> = typed.iter().map(|a| a.service()).collect();
        let action_names: Vec<String> = typed.iter().map(|a| a.full_name()).collect();
        let variables = self.policy.version == Some(Version::V2012_10_17);
        let fits = |text: &str, format: &str| fits_format(text, format, variables).is_some();
        for value in &resource.patterns {
            if value.pattern.is_any() {
                continue;
            }
            let text = value.text();
            if formats.iter().any(|f| fits(text, f)) {
                continue;
            }
            let help = format!(
                "{} act{} on {}",
                name_list(&action_names, 3),
                if action_names.len() == 1 { "s" } else { "" },
                formats
                    .iter()
                    .take(3)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
            // A real resource type of the same service(s), which the actions do not use?
            let catalog = Catalog::builtin();
            let mut other_types: Vec<String> = Vec::new();
            for service in &services {
                for rt in catalog.service_resource_types(service).unwrap_or_default() {
                    let name = rt.name().to_string();
                    if rt.arn_formats().iter().any(|f| fits(text, f))
                        && !other_types.contains(&name)
                    {
                        other_types.push(name);
                    }
                }
            }
            if !other_types.is_empty() {
                let used: BTreeSet<&str> = typed
                    .iter()
                    .flat_map(|a| a.resource_types().map(|rt| rt.name()))
                    .collect();
                let used: Vec<String> = used.into_iter().map(str::to_string).collect();
                let what = if other_types.len() == 1 {
                    format!("names a resource of type {}", name_list(&other_types, 3))
                } else {
                    format!("names resources of types {}", name_list(&other_types, 3))
                };
                self.push(
                    &W105,
                    value.pos,
                    format!(
                        "`{text}` {what}, which none of the listed actions acts on (they act on {}): this value never matches their requests",
                        name_list(&used, 4)
                    ),
                    Some(help),
                );
                continue;
            }
            let fields = text.split(':').count();
            let service = text.split(':').nth(2).unwrap_or("");
            let why = if fields < 6 && !text.contains('*') {
                format!(
                    "it has {fields} of the six ARN fields (arn:partition:service:region:account-id:resource){}",
                    if fields == 5 && services.contains("ecr") {
                        ": the account id is probably missing"
                    } else {
                        ""
                    }
                )
            } else if !service.contains(['*', '?']) && !services.contains(service) {
                let names: Vec<&str> = services.iter().copied().collect();
                if services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
                    format!(
                        "the service field `{service}` has the wrong case: ARNs are case-sensitive"
                    )
                } else {
                    format!(
                        "it is an ARN of `{service}`, but the listed actions are {} actions",
                        crate::tools::summary::quoted(&names)
                    )
                }
            } else {
                "it fits none of their ARN formats".to_string()
            };
            self.push(
                &W104,
                value.pos,
                format!("`{text}` matches no resource of the listed actions: {why}; this value never matches their requests"),
                Some(help),
            );
        }
    }

    /// W107.
    fn condition_keys(&mut self, statement: &Statement) {
        let Some(condition) = &statement.condition else {
            return;
        };
        let Some(actions) = listed_actions(statement) else {
            return;
        };
        if actions.is_empty() {
            return;
        }
        // Directly listed actions are checked one by one; a wildcard only as a whole.
        let direct: Vec<ActionInfo<'static>> = statement
            .action
            .patterns
            .iter()
            .filter(|p| !p.has_wildcard())
            .filter_map(|p| Catalog::builtin().action(&p.text))
            .collect();
        for clause in &condition.clauses {
            let key = clause.key.as_str();
            if !key_is_checked(key) {
                continue;
            }
            let consequence = clause_consequence(clause, statement.effect);
            if !actions.iter().any(|a| key_supported(a, key)) {
                let catalog = Catalog::builtin();
                let prefix = key.split_once(':').map_or(key, |(p, _)| p);
                let declared = if prefix.eq_ignore_ascii_case("aws") {
                    Some(true)
                } else {
                    catalog.service_condition_keys(prefix).map(|keys| {
                        keys.iter()
                            .any(|k| crate::data::catalog::condition_key_matches(k.name(), key))
                    })
                };
                let why = match declared {
                    None => format!("no AWS service has the prefix `{prefix}`"),
                    Some(false) => {
                        let names = catalog.service_condition_keys(prefix).unwrap_or_default();
                        let hint =
                            crate::matching::fuzzy::closest(key, names.iter().map(|k| k.name()))
                                .map(|s| format!("; did you mean `{s}`?"))
                                .unwrap_or_default();
                        format!("`{prefix}` has no condition key `{key}`{hint}")
                    }
                    Some(true) => {
                        let names: Vec<String> =
                            actions.iter().map(ActionInfo::full_name).collect();
                        format!(
                            "the Service Authorization Reference lists it for none of the listed actions ({})",
                            name_list(&names, 3)
                        )
                    }
                };
                self.push(
                    &W107,
                    clause.pos,
                    format!("no request for the listed actions carries condition key `{key}`: {why}; {consequence}"),
                    Some("remove the condition, or use a key these actions support (see the Service Authorization Reference)".to_string()),
                );
                continue;
            }
            let unsupported: Vec<String> = direct
                .iter()
                .filter(|a| !key_supported(a, key))
                .map(ActionInfo::full_name)
                .collect();
            if !unsupported.is_empty() {
                let (them, it) = if unsupported.len() == 1 {
                    ("it", "that action")
                } else {
                    ("them", "those actions")
                };
                self.push(
                    &W107,
                    clause.pos,
                    format!(
                        "requests for {} never carry condition key `{key}` (the Service Authorization Reference does not list it for {them}); for {it}, {consequence}",
                        name_list(&unsupported, 3)
                    ),
                    Some(format!("move {it} to a statement without this condition")),
                );
            }
        }
    }

    /// W109, W110, W111.
    fn negations(&mut self, statement: &Statement) {
        if statement.effect != Effect::Allow {
            return;
        }
        if statement.action.negated {
            let listed: Vec<String> = statement
                .action
                .patterns
                .iter()
                .map(|p| p.text.clone())
                .collect();
            self.push(
                &W109,
                self.key_pos(statement, "NotAction"),
                format!(
                    "`Allow` with `NotAction` allows every action of every AWS service except {} (on the listed resources), including actions AWS adds later",
                    name_list(&listed, 3)
                ),
                Some("list the actions to allow in `Action`; keep `NotAction` for `Deny` statements".to_string()),
            );
        }
        if let Some(resource) = &statement.resource
            && resource.negated
        {
            self.push(
                &W110,
                self.key_pos(statement, "NotResource"),
                "`Allow` with `NotResource` allows the actions on every resource except the listed ones, in every account, including resources created later".to_string(),
                Some("list the resources to allow in `Resource`; keep `NotResource` for `Deny` statements".to_string()),
            );
        }
        let star = statement
            .action
            .patterns
            .iter()
            .find(|p| !statement.action.negated && (p.text == "*" || p.text == "*:*"));
        let every_resource = statement
            .resource
            .as_ref()
            .is_some_and(|r| !r.negated && r.patterns.iter().any(|p| p.pattern.is_any()));
        if self.policy.kind == PolicyKind::Identity
            && every_resource
            && let Some(star) = star
        {
            let conditioned = if statement.condition.is_some() {
                " (limited only by its `Condition`)"
            } else {
                ""
            };
            self.push(
                &W111,
                star.pos,
                format!("`\"Action\": \"{}\"` with `\"Resource\": \"*\"` allows every action on every resource: full administrator access{conditioned}", star.text),
                Some("grant the actions and resources the principal needs; for administrators, attach the AWS managed policy AdministratorAccess so the intent is explicit".to_string()),
            );
        }
    }

    /// W108: `${…}` where IAM does not substitute it, read from the JSON itself.
    fn variables(&mut self) {
        let substituted = self.policy.version == Some(Version::V2012_10_17);
        let mut found: Vec<(Pos, String, Option<String>)> = Vec::new();
        if let Some(id) = self.doc.get("Id") {
            scalar_variables(&id.value, "`Id`", &mut found);
        }
        for node in &self.statements {
            let Value::Object(members) = &node.value else {
                continue;
            };
            for m in members {
                match m.key.as_str() {
                    "Sid" | "Effect" | "Action" | "NotAction" | "Principal" | "NotPrincipal" => {
                        scalar_variables(&m.value, &format!("`{}`", m.key), &mut found);
                    }
                    "Resource" | "NotResource" => {
                        for (text, pos) in strings_of(&m.value) {
                            let Some(at) = variable_at(text) else {
                                continue;
                            };
                            if resource_field_start(text).is_none_or(|start| at < start) {
                                found.push((
                                    pos,
                                    format!("a policy variable is substituted only in the resource field of an ARN (after the fifth `:`); in `{text}` it is literal text"),
                                    Some("move the variable to the resource part, e.g. arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}".to_string()),
                                ));
                            } else if !substituted {
                                found.push(unsubstituted(text, pos, self.policy.version));
                            }
                        }
                    }
                    "Condition" => self.condition_variables(&m.value, substituted, &mut found),
                    _ => {}
                }
            }
        }
        for (pos, message, help) in found {
            self.push(&W108, pos, message, help);
        }
    }

    fn condition_variables(
        &self,
        condition: &Json,
        substituted: bool,
        found: &mut Vec<(Pos, String, Option<String>)>,
    ) {
        let Value::Object(operators) = &condition.value else {
            return;
        };
        for op in operators {
            let family = Operator::parse(&op.key).map(|o| o.base.family).ok();
            let Value::Object(keys) = &op.value.value else {
                continue;
            };
            for key in keys {
                if variable_at(&key.key).is_some() {
                    found.push((
                        key.key_pos,
                        format!("a policy variable in the condition key `{}` is literal text: variables are substituted only in values", key.key),
                        Some("name the key itself, and put the variable in the value".to_string()),
                    ));
                }
                for (text, pos) in strings_of(&key.value) {
                    if variable_at(text).is_none() {
                        continue;
                    }
                    if !substituted {
                        found.push(unsubstituted(text, pos, self.policy.version));
                    } else if !matches!(family, Some(Family::String { .. } | Family::Arn) | None) {
                        found.push((
                            pos,
                            format!("`{}` does not substitute policy variables (only String and ARN operators do): `{text}` is literal text", op.key),
                            Some("compare with a String or ARN operator, or write the value itself".to_string()),
                        ));
                    }
                }
            }
        }
    }

    /// I112.
    fn redundant_statements(&mut self) {
        let statements = &self.policy.statements;
        let mut found = Vec::new();
        for s in statements {
            let cover = statements.iter().find(|t| {
                t.index != s.index && covers(t, s) && (!covers(s, t) || t.index < s.index)
            });
            if let Some(t) = cover {
                let verb = match s.effect {
                    Effect::Allow => "allows",
                    Effect::Deny => "denies",
                };
                let (label, covering) = (s.label(), t.label());
                found.push((
                    s.pos,
                    format!(
                        "statement `{label}` is redundant: statement `{covering}` (line {}) already {verb} every action on every resource it does, without conditions",
                        t.pos.line
                    ),
                    Some(format!("remove statement `{label}`, or merge what differs into `{covering}`")),
                ));
            }
        }
        for (pos, message, help) in found {
            self.push(&I112, pos, message, help);
        }
    }
}

/// The actions that delete images or repositories, or replace who may do so (`W122`).
const DESTRUCTIVE: [&str; 5] = [
    "ecr:DeleteRepository",
    "ecr:BatchDeleteImage",
    "ecr:SetRepositoryPolicy",
    "ecr:DeleteRepositoryPolicy",
    "ecr:PutLifecyclePolicy",
];

/// The repository ARN an image reference or registry URI stands for, if `text` is one: a private
/// registry URI with or without a repository (`…amazonaws.com` alone stands for
/// `repository/*`), or `public.ecr.aws/ALIAS/NAME` (whose account the alias does not say).
fn image_reference_arn(text: &str) -> Option<String> {
    use crate::request::{ImageRefError, image_to_arn, registry_uri_to_arn};
    if text.starts_with("arn:") {
        return None;
    }
    let bare = text.strip_prefix("https://").unwrap_or(text);
    if let Some(arn) = registry_uri_to_arn(bare) {
        return Some(arn);
    }
    if !bare.contains('/')
        && let Some(arn) = registry_uri_to_arn(&format!("{bare}/*"))
    {
        return Some(arn);
    }
    match image_to_arn(bare, None) {
        Err(ImageRefError::PublicNeedsAccount) => image_to_arn(bare, Some("ACCOUNT-ID")).ok(),
        _ => None,
    }
}

/// The account a principal value names, and whether it names the account itself (an account id
/// or `arn:…:iam::ACCOUNT:root`) rather than a role, user or session in it.
fn principal_account(text: &str) -> Option<(&str, bool)> {
    if crate::model::arn::is_account_id(text) {
        return Some((text, true));
    }
    let mut fields = text.splitn(6, ':');
    let (arn, _, service, _, account, rest) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    (arn == "arn" && matches!(service, "iam" | "sts") && crate::model::arn::is_account_id(account))
        .then_some((account, rest == "root"))
}

/// The accounts other than `owner` that an `Allow` statement's `Principal` lets in (`*` for
/// every account); empty for `NotPrincipal`. Without an owner, account principals count and
/// roles or users do not (see the module documentation).
fn other_accounts(statement: &Statement, owner: Option<&str>) -> Vec<String> {
    let Some(principal) = &statement.principal else {
        return Vec::new();
    };
    if principal.negated || statement.effect != Effect::Allow {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for value in &principal.principals {
        let found = match value {
            PrincipalValue::Anyone => Some("*".to_string()),
            PrincipalValue::Aws(text) if text == "*" => Some("*".to_string()),
            PrincipalValue::Aws(text) => match (principal_account(text), owner) {
                (Some((account, _)), Some(owner)) if account != owner => Some(account.to_string()),
                (Some((account, true)), None) => Some(account.to_string()),
                _ => None,
            },
            _ => None,
        };
        if let Some(found) = found
            && !out.contains(&found)
        {
            out.push(found);
        }
    }
    out
}

/// "every AWS account (`*`)", "account `111122223333`", "accounts `…`, `…`".
fn describe_accounts(accounts: &[String]) -> String {
    if accounts.iter().any(|a| a == "*") {
        return "every AWS account (`\"Principal\": \"*\"`)".to_string();
    }
    match accounts {
        [one] => format!("account `{one}`"),
        _ => format!("accounts {}", name_list(accounts, 3)),
    }
}

impl Linter<'_> {
    /// The ECR rules, E120 to W124 (E119 is found with the validation error it explains).
    fn ecr(&mut self, options: &LintOptions) {
        let kind = self.policy.kind;
        if kind == PolicyKind::Resource {
            self.authorization_token();
        }
        if matches!(kind, PolicyKind::Resource | PolicyKind::Registry) {
            let owner = options.account.clone().or_else(|| self.resource_account());
            self.public_statements();
            self.destructive_grants(owner.as_deref());
            self.lambda_statements(owner.as_deref());
        }
        if kind == PolicyKind::Registry && options.registry_scope == Some(RegistryScope::V1) {
            self.v1_actions();
        }
    }

    /// The account field shared by every ARN in the statements' `Resource`, if there is one.
    fn resource_account(&self) -> Option<String> {
        let mut accounts = BTreeSet::new();
        for statement in &self.policy.statements {
            let Some(resource) = &statement.resource else {
                continue;
            };
            for value in &resource.patterns {
                if let Some(account) = value.text().split(':').nth(4) {
                    accounts.insert(account.to_string());
                }
            }
        }
        match accounts.into_iter().collect::<Vec<_>>().as_slice() {
            [one] if crate::model::arn::is_account_id(one) => Some(one.clone()),
            _ => None,
        }
    }

    /// E120.
    fn authorization_token(&mut self) {
        let mut found = Vec::new();
        for statement in &self.policy.statements {
            for pattern in &statement.action.patterns {
                if pattern
                    .text
                    .eq_ignore_ascii_case("ecr:GetAuthorizationToken")
                {
                    found.push(pattern.pos);
                }
            }
        }
        let grant =
            crate::explain::SuggestedStatement::allow("ecr:GetAuthorizationToken", "*").to_json();
        for pos in found {
            self.push(
                &E120,
                pos,
                "`ecr:GetAuthorizationToken` in a repository policy: it is an account-level action that no repository policy can grant (the ECR guide requires it through an IAM policy), and SetRepositoryPolicy has been seen rejecting the policy with \"Invalid repository policy provided\"".to_string(),
                Some(format!("remove it here, and grant it in the caller's identity-based policy: {grant}")),
            );
        }
    }

    /// What a resource-based policy of this kind is called, and what it is about.
    fn own_resource(&self) -> (&'static str, &'static str) {
        match self.policy.kind {
            PolicyKind::Registry => ("registry policy", "the registry's repositories"),
            _ => ("repository policy", "this repository"),
        }
    }

    /// The label and `Principal` position of each Allow statement whose (not negated) `Principal`
    /// passes `test`.
    fn allows_naming(
        &self,
        test: impl Fn(&Statement, &PrincipalClause) -> bool,
    ) -> Vec<(String, Pos)> {
        self.policy
            .statements
            .iter()
            .filter_map(|statement| {
                let principal = statement.principal.as_ref()?;
                let hit = statement.effect == Effect::Allow
                    && !principal.negated
                    && test(statement, principal);
                hit.then(|| (statement.label(), principal.pos))
            })
            .collect()
    }

    /// W121.
    fn public_statements(&mut self) {
        let (policy, what) = self.own_resource();
        let found = self.allows_naming(|statement, principal| {
            let anyone = principal.principals.iter().any(|p| {
                matches!(p, PrincipalValue::Anyone)
                    || matches!(p, PrincipalValue::Aws(text) if text == "*")
            });
            anyone && statement.condition.is_none()
        });
        for (label, pos) in found {
            self.push(
                &W121,
                pos,
                format!("statement `{label}` of this {policy} allows `\"Principal\": \"*\"` without a `Condition`: the users and roles of every AWS account can use what it grants on {what}"),
                Some("name the accounts or roles that need access (e.g. \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}), or add a condition such as `aws:PrincipalOrgID`".to_string()),
            );
        }
    }

    /// W122.
    fn destructive_grants(&mut self, owner: Option<&str>) {
        let (policy, _) = self.own_resource();
        let mut found = Vec::new();
        for statement in &self.policy.statements {
            let others = other_accounts(statement, owner);
            if others.is_empty() {
                continue;
            }
            let granted: Vec<String> = match listed_actions(statement) {
                None if !statement.action.negated => {
                    DESTRUCTIVE.iter().map(|a| a.to_string()).collect()
                }
                None => DESTRUCTIVE
                    .iter()
                    .filter(|a| statement.action.first_match(&a.to_lowercase()).is_none())
                    .map(|a| a.to_string())
                    .collect(),
                Some(actions) => actions
                    .iter()
                    .map(ActionInfo::full_name)
                    .filter(|name| DESTRUCTIVE.iter().any(|d| d.eq_ignore_ascii_case(name)))
                    .collect(),
            };
            if granted.is_empty() {
                continue;
            }
            let key = if statement.action.negated {
                "NotAction"
            } else {
                "Action"
            };
            let conditioned = if statement.condition.is_some() {
                " (under its `Condition`)"
            } else {
                ""
            };
            found.push((
                self.key_pos(statement, key),
                format!(
                    "statement `{}` of this {policy} lets {} {}{conditioned}: another account can delete images or repositories, or replace this policy",
                    statement.label(),
                    describe_accounts(&others),
                    name_list(&granted, 5)
                ),
            ));
        }
        self.push_each(
            &W122,
            found,
            "grant other accounts only what they need (to pull: `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`); keep deleting and policy changes with the owning account",
        );
    }

    /// W124.
    fn lambda_statements(&mut self, owner: Option<&str>) {
        let mut others: Vec<String> = Vec::new();
        for statement in &self.policy.statements {
            for account in other_accounts(statement, owner) {
                if !others.contains(&account) {
                    others.push(account);
                }
            }
        }
        if others.is_empty() {
            return;
        }
        let (policy, _) = self.own_resource();
        let found = self.allows_naming(|statement, principal| {
            let lambda = principal.principals.iter().any(|p| {
                matches!(p, PrincipalValue::Service(s) if s.eq_ignore_ascii_case("lambda.amazonaws.com"))
            });
            let scoped = statement.condition.as_ref().is_some_and(|c| {
                c.clauses.iter().any(|clause| {
                    clause.key.eq_ignore_ascii_case("aws:SourceArn")
                        || clause.key.eq_ignore_ascii_case("aws:SourceAccount")
                })
            });
            lambda && !scoped
        });
        let account = others
            .iter()
            .find(|a| *a != "*")
            .map_or("ACCOUNT-ID", String::as_str);
        for (label, pos) in found {
            self.push(
                &W124,
                pos,
                format!(
                    "statement `{label}` lets `lambda.amazonaws.com` in without an `aws:SourceArn` or `aws:SourceAccount` condition, and this {policy} grants {}: Lambda functions of any account can then read the images",
                    describe_accounts(&others)
                ),
                Some(format!(
                    "add the condition the Lambda guide shows for cross-account images: \"Condition\": {{\"StringLike\": {{\"aws:sourceARN\": \"arn:aws:lambda:REGION:{account}:function:*\"}}}}"
                )),
            );
        }
    }

    /// E123.
    fn v1_actions(&mut self) {
        let mut found = Vec::new();
        for bad in unsupported_actions(self.policy, RegistryScope::V1) {
            let Some(statement) = self.policy.statements.get(bad.statement) else {
                continue;
            };
            let pos = statement
                .action
                .patterns
                .iter()
                .find(|p| p.text == bad.action)
                .map_or(statement.action.pos, |p| p.pos);
            let what = if statement.action.negated {
                format!(
                    "`NotAction` (here `{}`) stands for other actions",
                    bad.action
                )
            } else {
                format!("`{}` is not one of them", bad.action)
            };
            found.push((pos, format!(
                "with registry policy scope V1, a registry policy may list only `ecr:ReplicateImage`, `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` (or `ecr:*`), and {what}: ECR rejects the policy when it is saved"
            )));
        }
        self.push_each(
            &E123,
            found,
            "grant it in a repository policy or the caller's identity-based policy, or switch the registry to scope V2 (`aws ecr put-account-setting --name REGISTRY_POLICY_SCOPE --value V2`)",
        );
    }
}

/// A validator warning under its code; `None` for unknown actions, which
/// [`Linter::actions`] reports itself, with the service distinguished.
fn warning_finding(w: &Warning) -> Option<Finding> {
    let (rule, help) = match w.kind {
        WarningKind::UnknownAction => return None,
        WarningKind::MissingVersion => (
            &I115,
            Some("add \"Version\": \"2012-10-17\" as the first member"),
        ),
        WarningKind::OldVersion => (&I117, Some("use \"Version\": \"2012-10-17\"")),
        WarningKind::ShortArn => (
            &W116,
            Some(
                "write all six fields, arn:partition:service:region:account-id:resource, e.g. arn:aws:ecr:us-east-1:123456789012:repository/NAME",
            ),
        ),
        WarningKind::SidCharacters => (&E118, Some("use only A-Z, a-z and 0-9 in a Sid")),
    };
    Some(Finding {
        help: help.map(str::to_string),
        ..Finding::new(rule, w.pos, w.pointer.clone(), w.message.clone())
    })
}

#[derive(Clone, Copy)]
enum Scope {
    /// `Resource` lists ARNs only.
    Arns,
    /// No `Resource`: the resource carrying the (resource-based) policy.
    ThisResource,
}

fn unsubstituted(text: &str, pos: Pos, version: Option<Version>) -> (Pos, String, Option<String>) {
    let why = match version {
        Some(Version::V2008_10_17) => "\"Version\": \"2008-10-17\"",
        _ => "no `Version`",
    };
    (
        pos,
        format!(
            "policy variables need \"Version\": \"2012-10-17\"; with {why}, `{text}` is literal text"
        ),
        Some("add \"Version\": \"2012-10-17\"".to_string()),
    )
}

/// Every string of a value (a string, or an array or object of them), with its position.
fn strings_of(node: &Json) -> Vec<(&str, Pos)> {
    match &node.value {
        Value::String(s) => vec![(s.as_str(), node.pos)],
        Value::Array(items) => items.iter().flat_map(strings_of).collect(),
        Value::Object(members) => members.iter().flat_map(|m| strings_of(&m.value)).collect(),
        _ => Vec::new(),
    }
}

fn scalar_variables(node: &Json, element: &str, found: &mut Vec<(Pos, String, Option<String>)>) {
    for (text, pos) in strings_of(node) {
        if variable_at(text).is_some() {
            found.push((
                pos,
                format!("policy variables are not substituted in {element}: `{text}` is literal text"),
                Some("variables work only in `Resource` (the resource field of the ARN) and in `Condition` values".to_string()),
            ));
        }
    }
}

/// Where a `${…}` starts, if the text has one.
fn variable_at(text: &str) -> Option<usize> {
    variables::find(text).map(|span| span.start)
}

/// Whether W107 checks a key: service keys and the global tag keys.
fn key_is_checked(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    !lower.starts_with("aws:")
        || lower.starts_with("aws:requesttag/")
        || lower.starts_with("aws:resourcetag/")
        || lower == "aws:tagkeys"
}

/// Whether requests for the action can carry the key.
fn key_supported(action: &ActionInfo<'_>, key: &str) -> bool {
    let listed = action.condition_keys().chain(
        action
            .resource_types()
            .flat_map(|rt| rt.condition_keys().chain(rt.action_condition_keys())),
    );
    for pattern in listed {
        if crate::data::catalog::condition_key_matches(pattern, key) {
            return true;
        }
    }
    false
}

/// What a condition on a key the request never carries does.
fn clause_consequence(clause: &Clause, effect: Effect) -> String {
    let op = &clause.operator;
    let true_when_absent = op.base.negated
        || op.if_exists
        || op.qualifier == Some(Qualifier::ForAllValues)
        || (op.base.family == Family::Null
            && clause
                .written
                .iter()
                .all(|w| w.eq_ignore_ascii_case("true")));
    match (true_when_absent, effect) {
        (false, Effect::Allow) => {
            format!("`{op}` is then false, so the statement grants nothing for those requests")
        }
        (false, Effect::Deny) => {
            format!("`{op}` is then false, so the statement denies nothing for those requests")
        }
        (true, _) => {
            format!("`{op}` is then always true, so the condition does not restrict those requests")
        }
    }
}

/// Whether statement `t` covers everything statement `s` does: same effect, `t` without
/// conditions, and every action, resource and principal of `s` within `t`'s.
fn covers(t: &Statement, s: &Statement) -> bool {
    t.effect == s.effect
        && t.condition.is_none()
        && actions_cover(t, s)
        && resources_cover(t.resource.as_ref(), s.resource.as_ref())
        && principals_cover(t.principal.as_ref(), s.principal.as_ref())
}

/// `*`, or a literal prefix followed by one final `*`: what it matches is then exactly the
/// strings starting with the prefix.
fn star_prefix(text: &str) -> Option<&str> {
    let prefix = text.strip_suffix('*')?;
    (!prefix.contains(['*', '?']) && variable_at(prefix).is_none()).then_some(prefix)
}

fn actions_cover(t: &Statement, s: &Statement) -> bool {
    let (ta, sa) = (&t.action, &s.action);
    let lower_set = |patterns: &[ActionPattern]| -> BTreeSet<String> {
        patterns.iter().map(|p| p.text.to_lowercase()).collect()
    };
    match (ta.negated, sa.negated) {
        (false, false) => sa.patterns.iter().all(|p| action_covered(&ta.patterns, p)),
        // Everything but T's list covers everything but S's list when T excludes less.
        (true, true) => lower_set(&ta.patterns).is_subset(&lower_set(&sa.patterns)),
        (false, true) => ta.patterns.iter().any(|p| p.text == "*"),
        (true, false) => sa.patterns.iter().all(|p| {
            let lower = p.text.to_lowercase();
            if !p.has_wildcard() {
                return ta.first_match(&lower).is_none();
            }
            match expand(p) {
                Expansion::Actions(actions) => actions
                    .iter()
                    .all(|a| ta.first_match(&a.full_name().to_lowercase()).is_none()),
                _ => false,
            }
        }),
    }
}

fn action_covered(by: &[ActionPattern], p: &ActionPattern) -> bool {
    let lower = p.text.to_lowercase();
    if !p.has_wildcard() {
        return by.iter().any(|t| t.is_match(&lower));
    }
    let textual = by.iter().any(|t| {
        let t_lower = t.text.to_lowercase();
        t_lower == lower || star_prefix(&t_lower).is_some_and(|prefix| lower.starts_with(prefix))
    });
    if textual {
        return true;
    }
    match expand(p) {
        Expansion::Actions(actions) if !actions.is_empty() => actions.iter().all(|a| {
            let name = a.full_name().to_lowercase();
            by.iter().any(|t| t.is_match(&name))
        }),
        _ => false,
    }
}

fn resources_cover(t: Option<&ResourceClause>, s: Option<&ResourceClause>) -> bool {
    match (t, s) {
        (None, None) => true,
        (Some(t), Some(s)) => match (t.negated, s.negated) {
            (false, false) => s.patterns.iter().all(|v| resource_covered(&t.patterns, v)),
            (true, true) => t
                .patterns
                .iter()
                .all(|tv| s.patterns.iter().any(|sv| sv.text() == tv.text())),
            (false, true) => t.patterns.iter().any(|v| v.pattern.is_any()),
            (true, false) => false,
        },
        _ => false,
    }
}

fn resource_covered(by: &[ResourceValue], v: &ResourceValue) -> bool {
    let text = v.text();
    let literal = !text.contains(['*', '?']) && variable_at(text).is_none();
    by.iter().any(|t| {
        t.pattern.is_any()
            || t.text() == text
            || (literal && t.is_match(text, &Context::new()))
            || star_prefix(t.text()).is_some_and(|prefix| text.starts_with(prefix))
    })
}

fn principals_cover(t: Option<&PrincipalClause>, s: Option<&PrincipalClause>) -> bool {
    match (t, s) {
        (None, None) => true,
        (Some(t), Some(s)) if !t.negated && !s.negated => {
            t.principals.contains(&PrincipalValue::Anyone)
                || s.principals.iter().all(|p| t.principals.contains(p))
        }
        (Some(t), Some(s)) if t.negated && s.negated => t.principals == s.principals,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::json::JsonErrorKind;

    fn run(text: &str) -> Vec<Finding> {
        lint(
            "p.json",
            text.as_bytes(),
            PolicyKind::Identity,
            PolicyShape::ManagedPolicy,
        )
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    fn only(text: &str, code: &str) -> Finding {
        let findings = run(text);
        let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
        assert_eq!(matching.len(), 1, "expected one {code} in {findings:#?}");
        matching[0].clone()
    }

    /// Checks that the finding's message says `part`, showing the message when it does not.
    fn assert_says(finding: &Finding, part: &str) {
        assert!(
            finding.message.contains(part),
            "`{part}` not in: {}",
            finding.message
        );
    }

    /// The findings on a repository policy.
    fn run_repo_policy(text: &str) -> Vec<Finding> {
        lint(
            "r.json",
            text.as_bytes(),
            PolicyKind::Resource,
            PolicyShape::EcrRepositoryPolicy,
        )
    }

    fn statement(body: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#)
    }

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";

    const MOTIVATING: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:PutImage"
            ],
            "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"
        }
    ]
}"#;

    #[test]
    fn rule_table_is_consistent() {
        let mut seen = HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            assert_eq!(find_rule(r.name), Some(r));
            assert_eq!(find_rule(&r.code.to_lowercase()), Some(r));
            let expected = match &r.code[..1] {
                "E" => Severity::Error,
                "W" => Severity::Warning,
                _ => Severity::Info,
            };
            assert_eq!(r.severity, expected, "{}", r.code);
        }
        let mut sorted: Vec<&str> = RULES.iter().map(|r| &r.code[1..]).collect();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            RULES.iter().map(|r| &r.code[1..]).collect::<Vec<_>>()
        );
        // Every code is documented in the module's table.
        let doc = include_str!("lint.rs");
        for r in RULES {
            assert!(
                doc.contains(&format!("//! | `{}` | `{}` |", r.code, r.name)),
                "{} is missing from the table",
                r.code
            );
        }
    }

    fn lint_as(text: &str, options: &LintOptions) -> Vec<&'static str> {
        lint_with("p.json", text.as_bytes(), options)
            .iter()
            .map(|f| f.code)
            .collect()
    }

    fn repository() -> LintOptions {
        LintOptions::new(PolicyKind::Resource, PolicyShape::EcrRepositoryPolicy)
    }

    fn registry(scope: Option<RegistryScope>) -> LintOptions {
        LintOptions {
            registry_scope: scope,
            ..LintOptions::new(PolicyKind::Registry, PolicyShape::EcrRepositoryPolicy)
        }
    }

    const PULL: &str = r#"["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]"#;

    #[test]
    fn e119_image_reference_as_resource_names_the_arn() {
        for (reference, arn) in [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2",
                "arn:aws:ecr:us-east-1:123456789012:repository/app",
            ),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:abc",
                "arn:aws:ecr:eu-west-1:123456789012:repository/team/app",
            ),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "arn:aws:ecr:us-east-1:123456789012:repository/*",
            ),
            (
                "public.ecr.aws/my-alias/app:latest",
                "arn:aws:ecr-public::ACCOUNT-ID:repository/app",
            ),
        ] {
            let f = only(
                &statement(&format!(
                    r#"{{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"{reference}"}}"#
                )),
                "E119",
            );
            assert_eq!(f.severity, Severity::Error);
            assert!(f.help.as_deref().unwrap_or("").contains(arn), "{f:#?}");
            assert_eq!(f.pointer, "/Statement/0/Resource");
        }
        // Any other invalid Resource stays E002; an ARN is no image reference.
        let other = run(&statement(
            r#"{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"my-repo"}"#,
        ));
        assert_eq!(codes(&other), ["E002"]);
        assert!(image_reference_arn(REPO).is_none());
    }

    #[test]
    fn e120_login_action_in_a_repository_policy_replaces_w103() {
        let text = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":["ecr:GetAuthorizationToken","ecr:BatchGetImage"]}"#,
        );
        assert_eq!(lint_as(&text, &repository()), ["E120"]);
        // Through a wildcard it is W103, as before; in an identity policy on "*" nothing.
        let wildcard = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":"ecr:Get*"}"#,
        );
        assert_eq!(lint_as(&wildcard, &repository()), ["W103"]);
        let identity =
            statement(r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#);
        assert!(run(&identity).is_empty());
    }

    #[test]
    fn w121_public_without_condition() {
        for principal in [r#""*""#, r#"{"AWS":"*"}"#] {
            let text = statement(&format!(
                r#"{{"Sid":"Open","Effect":"Allow","Principal":{principal},"Action":{PULL}}}"#
            ));
            assert_eq!(lint_as(&text, &repository()), ["W121"], "{principal}");
        }
        let conditioned = statement(&format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":{PULL},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ));
        assert!(lint_as(&conditioned, &repository()).is_empty());
        let deny = statement(&format!(
            r#"{{"Effect":"Deny","Principal":"*","Action":{PULL}}}"#
        ));
        assert!(lint_as(&deny, &repository()).is_empty());
        let named = statement(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":{PULL}}}"#
        ));
        assert!(lint_as(&named, &repository()).is_empty());
        // A registry policy open to "*" is said in its own words.
        let registry_open = statement(&format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":{PULL},"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}}"#
        ));
        let found = lint_with("p.json", registry_open.as_bytes(), &registry(None));
        assert_eq!(codes(&found), ["W121"]);
        assert!(found[0].message.contains("this registry policy"));
        assert!(found[0].message.contains("the registry's repositories"));
    }

    #[test]
    fn w122_destructive_grants_to_other_accounts() {
        let grant = |principal: &str, actions: &str| {
            statement(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":{actions}}}"#
            ))
        };
        let root = grant(
            "arn:aws:iam::444455556666:root",
            r#"["ecr:BatchGetImage","ecr:BatchDeleteImage"]"#,
        );
        assert_eq!(lint_as(&root, &repository()), ["W122"]);
        let finding = lint_with("p.json", root.as_bytes(), &repository());
        assert!(finding[0].message.contains("account `444455556666`"));
        assert!(finding[0].message.contains("`ecr:BatchDeleteImage`"));
        // Wildcards count; pulling does not.
        let star = grant("444455556666", r#""ecr:*""#);
        assert!(lint_as(&star, &repository()).contains(&"W122"));
        assert!(lint_as(&grant("444455556666", PULL), &repository()).is_empty());
        // A role of an unknown owner is not taken as another account; with --account it is.
        let role = grant(
            "arn:aws:iam::444455556666:role/admin",
            r#""ecr:DeleteRepository""#,
        );
        assert!(lint_as(&role, &repository()).is_empty());
        let owned = LintOptions {
            account: Some("123456789012".into()),
            ..repository()
        };
        assert_eq!(lint_as(&role, &owned), ["W122"]);
        let same = LintOptions {
            account: Some("444455556666".into()),
            ..repository()
        };
        assert!(lint_as(&root, &same).is_empty());
        // A registry policy's owner is the account of its Resource ARNs.
        let registry_grant = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ops"},"Action":"ecr:DeleteRepository","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}"#,
        );
        assert!(lint_as(&registry_grant, &registry(None)).is_empty());
        let foreign = registry_grant.replace("123456789012:role", "444455556666:role");
        assert_eq!(lint_as(&foreign, &registry(None)), ["W122"]);
        // Identity policies have no principal to check.
        assert!(
            run(&statement(
                r#"{"Effect":"Allow","Action":"ecr:DeleteRepository","Resource":"*"}"#
            ))
            .is_empty()
        );
    }

    #[test]
    fn e123_v1_registry_policy_actions() {
        let text = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:ReplicateImage","ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}"#,
        );
        let v1 = lint_with(
            "p.json",
            text.as_bytes(),
            &registry(Some(RegistryScope::V1)),
        );
        assert_eq!(codes(&v1), ["E123"]);
        assert!(v1[0].message.contains("`ecr:BatchGetImage`"));
        assert_eq!(v1[0].pointer, "/Statement/0/Action/1");
        assert!(lint_as(&text, &registry(Some(RegistryScope::V2))).is_empty());
        assert!(lint_as(&text, &registry(None)).is_empty());
        let documented = text.replace(r#""ecr:BatchGetImage""#, r#""ecr:CreateRepository""#);
        assert!(lint_as(&documented, &registry(Some(RegistryScope::V1))).is_empty());
        let not_action = statement(
            r#"{"Effect":"Deny","Principal":"*","NotAction":"ecr:ReplicateImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}"#,
        );
        assert_eq!(
            lint_as(&not_action, &registry(Some(RegistryScope::V1))),
            ["E123"]
        );
    }

    #[test]
    fn w124_lambda_without_source_condition_when_cross_account() {
        let lambda = format!(
            r#"{{"Sid":"Lambda","Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":{PULL}}}"#
        );
        let partner = format!(
            r#"{{"Sid":"Partner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":{PULL}}}"#
        );
        let cross = statement(&format!("{partner},{lambda}"));
        let found = lint_with("p.json", cross.as_bytes(), &repository());
        assert_eq!(codes(&found), ["W124"]);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("arn:aws:lambda:REGION:444455556666:function:*")
        );
        // Same account (Lambda's own policy): nothing.
        assert!(lint_as(&statement(&lambda), &repository()).is_empty());
        // With the documented condition: nothing.
        let scoped = lambda.replace(
            r#""Action""#,
            r#""Condition":{"StringLike":{"aws:sourceARN":"arn:aws:lambda:us-east-1:444455556666:function:*"}},"Action""#,
        );
        assert!(lint_as(&statement(&format!("{partner},{scoped}")), &repository()).is_empty());
        // A Deny naming Lambda grants nothing: nothing.
        let deny = lambda.replace(r#""Allow""#, r#""Deny""#);
        let found = lint_with(
            "p.json",
            statement(&format!("{partner},{deny}")).as_bytes(),
            &repository(),
        );
        assert!(found.is_empty(), "{found:#?}");
        let account = lambda.replace(
            r#""Action""#,
            r#""Condition":{"StringEquals":{"aws:SourceAccount":"444455556666"}},"Action""#,
        );
        assert!(lint_as(&statement(&format!("{partner},{account}")), &repository()).is_empty());
    }

    #[test]
    fn clean_policy_has_no_findings() {
        let text = statement(&format!(
            r#"{{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}},{{"Effect":"Allow","Action":["ecr:PutImage","ecr:BatchGetImage"],"Resource":"{REPO}"}}"#
        ));
        assert_eq!(run(&text), vec![]);
    }

    #[test]
    fn e001_invalid_json() {
        let f = only("{\n  \"Version\": \"2012-10-17\",\n}", "E001");
        assert_eq!((f.pos.line, f.pos.column), (3, 1));
        assert_eq!(f.severity, Severity::Error);
        assert_says(&f, "trailing comma");
        assert_eq!(run("").len(), 1);
    }

    #[test]
    fn e002_invalid_policy_stops_there() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":{\n  \"Effect\": \"allow\", \"Action\": \"ecr:PutImages\", \"Resource\": \"*\"}}";
        let findings = run(text);
        assert_eq!(codes(&findings), ["E002"]);
        let f = &findings[0];
        assert_eq!((f.pos.line, f.pos.column), (2, 13));
        assert_eq!(f.pointer, "/Statement/Effect");
        assert!(f.help.as_deref().unwrap().contains("write \"Allow\""));
        // A document in a string field is linted in its decoded text, not refused for its shape.
        let string_shape = r#"{"policyText":"{\"Statement\":{\"Effect\":\"allow\"}}"}"#;
        let linted = lint_input(
            "repo.json",
            string_shape.as_bytes(),
            &LintOptions::new(PolicyKind::Identity, PolicyShape::ManagedPolicy),
        );
        assert_eq!(linted.source.name, "repo.json (policyText)");
        assert_eq!(codes(&linted.findings), ["E002"]);
        let f = &linted.findings[0];
        assert_eq!(
            (f.pos.line, f.pos.column, f.pointer.as_str()),
            (1, 24, "/Statement/Effect")
        );
    }

    #[test]
    fn validator_warnings_map_by_kind_not_wording() {
        let warning = |kind: WarningKind| Warning {
            kind,
            pos: Pos {
                offset: 3,
                line: 1,
                column: 4,
            },
            pointer: "/Id".into(),
            message: "any wording".into(),
        };
        let code = |kind| warning_finding(&warning(kind)).map(|f| f.code);
        assert_eq!(code(WarningKind::MissingVersion), Some("I115"));
        assert_eq!(code(WarningKind::OldVersion), Some("I117"));
        assert_eq!(code(WarningKind::ShortArn), Some("W116"));
        assert_eq!(code(WarningKind::SidCharacters), Some("E118"));
        assert_eq!(
            code(WarningKind::UnknownAction),
            None,
            "reported by the action check itself"
        );
        let f = warning_finding(&warning(WarningKind::ShortArn)).unwrap();
        assert_eq!(
            (f.message.as_str(), f.pointer.as_str(), f.pos.column),
            ("any wording", "/Id", 4)
        );
    }

    #[test]
    fn w101_unknown_action_suggests_the_closest() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\n\"Action\":[\"ecr:PutImages\"],\"Resource\":\"*\"}]}";
        let f = only(text, "W101");
        assert_says(&f, "did you mean `ecr:PutImage`?");
        assert_eq!(f.help.as_deref(), Some("replace it with `ecr:PutImage`"));
        assert_eq!((f.pos.line, f.pos.column), (2, 11));
        assert_eq!(f.pointer, "/Statement/0/Action/0");
        let f = only(
            &statement(r#"{"Effect":"Allow","Action":"ecr:Putt*","Resource":"*"}"#),
            "W101",
        );
        assert_says(&f, "matches no action of `ecr`");
    }

    #[test]
    fn w102_unknown_service() {
        let f = only(
            &statement(r#"{"Effect":"Allow","Action":"ecrr:PutImage","Resource":"*"}"#),
            "W102",
        );
        assert_says(&f, "unknown service prefix `ecrr`");
        assert_says(&f, "did you mean `ecr:PutImage`?");
        let f = only(
            &statement(r#"{"Effect":"Allow","Action":"ecrr:*","Resource":"*"}"#),
            "W102",
        );
        assert_says(&f, "did you mean `ecr`?");
    }

    /// The message and help of W101 and W102, with a suggestion and without one.
    #[test]
    fn w101_w102_say_what_to_write_instead_when_they_can() {
        let cases = [
            (
                "ecrr:PutImage",
                "W102",
                "unknown service prefix `ecrr` in `ecrr:PutImage`: no AWS service has it, so it matches no request; did you mean `ecr:PutImage`?",
                "replace it with `ecr:PutImage`",
            ),
            (
                "qqqqqqqqqqqq:PutImage",
                "W102",
                "unknown service prefix `qqqqqqqqqqqq` in `qqqqqqqqqqqq:PutImage`: no AWS service has it, so it matches no request",
                "service prefixes are listed in the Service Authorization Reference (e.g. `ecr`, `s3`, `iam`)",
            ),
            (
                "ecr:PutImagee",
                "W101",
                "unknown action `ecr:PutImagee`: it matches no request; did you mean `ecr:PutImage`?",
                "replace it with `ecr:PutImage`",
            ),
            (
                "ecr:Qqqqqqqqqqqqqqqq",
                "W101",
                "unknown action `ecr:Qqqqqqqqqqqqqqqq`: it matches no request",
                "`ecr` has no such action; check the spelling in the Service Authorization Reference",
            ),
        ];
        for (action, code, message, help) in cases {
            let f = only(
                &statement(&format!(
                    r#"{{"Effect":"Allow","Action":"{action}","Resource":"*"}}"#
                )),
                code,
            );
            assert_eq!(f.message, message, "{action}");
            assert_eq!(f.help.as_deref(), Some(help), "{action}");
        }
    }

    #[test]
    fn w103_account_level_action_scoped_to_a_repository() {
        let f = only(MOTIVATING, "W103");
        assert_eq!((f.pos.line, f.pos.column), (7, 17));
        assert_eq!(f.pointer, "/Statement/0/Action/0");
        assert!(
            f.message
                .contains("`ecr:GetAuthorizationToken` is an account-level action")
        );
        assert!(f.message.contains("the statement grants nothing for it"));
        assert!(
            f.help.as_deref().unwrap().contains(
                r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#
            )
        );
        assert_eq!(codes(&run(MOTIVATING)), ["W103"]);
        // Through a wildcard, GetAuthorizationToken first.
        let f = only(
            &statement(&format!(
                r#"{{"Effect":"Allow","Action":"ecr:*","Resource":"{REPO}"}}"#
            )),
            "W103",
        );
        assert!(
            f.message.starts_with(
                "`ecr:*` includes 25 account-level actions (`ecr:GetAuthorizationToken`,"
            ),
            "{}",
            f.message
        );
        // A Deny never blocks it; a resource policy can never grant it.
        let f = only(
            &statement(&format!(
                r#"{{"Effect":"Deny","Action":"ecr:GetAuthorizationToken","Resource":"{REPO}"}}"#
            )),
            "W103",
        );
        assert_says(&f, "this Deny never blocks it");
        let repo_policy = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:GetAuth*","ecr:BatchGetImage"]}"#,
        );
        let findings = run_repo_policy(&repo_policy);
        assert_eq!(codes(&findings), ["W103"]);
        assert!(findings[0].message.contains("can never grant"));
        // "*" among the resources, or NotResource: no finding.
        for resource in [format!(r#"["{REPO}","*"]"#), format!(r#""{REPO}""#)] {
            let key = if resource.starts_with('[') {
                "Resource"
            } else {
                "NotResource"
            };
            let text = statement(&format!(
                r#"{{"Effect":"Deny","Action":"ecr:GetAuthorizationToken","{key}":{resource}}}"#
            ));
            assert!(!codes(&run(&text)).contains(&"W103"), "{text}");
        }
    }

    #[test]
    fn w104_resource_fits_no_format_of_the_actions() {
        let text = statement(
            r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:repository/x"}"#,
        );
        let findings = run(&text);
        assert_eq!(
            codes(&findings),
            ["W104"],
            "the short-ARN warning is folded in"
        );
        let f = &findings[0];
        assert_says(f, "5 of the six ARN fields");
        assert_says(f, "account id is probably missing");
        assert_eq!(f.pointer, "/Statement/0/Resource");
        assert!(
            f.help
                .as_deref()
                .unwrap()
                .contains("arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}")
        );
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":["ecr:PutImage","ecr:GetAuthorizationToken"],"Resource":["*","arn:aws:s3:::bucket/*"]}"#,
            ),
            "W104",
        );
        assert_says(
            &f,
            "it is an ARN of `s3`, but the listed actions are `ecr` actions",
        );
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ECR:us-east-1:123456789012:repository/x"}"#,
            ),
            "W104",
        );
        assert_says(&f, "wrong case");
        // Wildcards and variables that can fit are fine.
        for value in [
            "arn:aws:ecr:*:*:repository/*",
            "arn:aws:ecr:*",
            "arn:aws:ecr:us-east-1:123456789012:*",
            "arn:*:ecr:us-?ast-1:123456789012:repository/team/*",
            "arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}",
        ] {
            let text = statement(&format!(
                r#"{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"{value}"}}"#
            ));
            assert!(!codes(&run(&text)).contains(&"W104"), "{value}");
        }
    }

    #[test]
    fn w105_resource_type_no_listed_action_uses() {
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket"}"#,
            ),
            "W105",
        );
        assert_says(&f, "names a resource of type `bucket`");
        assert_says(&f, "they act on `accesspointobject`, `object`");
        let fine = statement(
            r#"{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::my-bucket","arn:aws:s3:::my-bucket/*"]}"#,
        );
        assert_eq!(run(&fine), vec![]);
    }

    #[test]
    fn document_errors_map_to_codes_by_kind_not_wording() {
        let code = |kind| error_rule(kind).code;
        assert_eq!(
            code(PolicyErrorKind::Json(JsonErrorKind::TrailingComma)),
            "E001"
        );
        assert_eq!(code(PolicyErrorKind::Json(JsonErrorKind::TooDeep)), "E001");
        assert_eq!(code(PolicyErrorKind::UnknownConditionOperator), "E106");
        assert_eq!(code(PolicyErrorKind::NullWithQualifier), "E106");
        assert_eq!(code(PolicyErrorKind::InvalidEffect), "E002");
        assert_eq!(code(PolicyErrorKind::InvalidConditionValue), "E002");
        let body = |effect: &str, operator: &str| {
            statement(&format!(
                r#"{{"Effect":"{effect}","Action":"ecr:PutImage","Resource":"*","Condition":{{"{operator}":{{"aws:username":"true"}}}}}}"#
            ))
        };
        assert_eq!(codes(&run(&body("Allow", "StringEqualz"))), ["E106"]);
        assert_eq!(codes(&run(&body("Allow", "NullIfExists"))), ["E106"]);
        assert_eq!(codes(&run(&body("allow", "StringEquals"))), ["E002"]);
        assert_eq!(codes(&run("{\"Version\": \"2012-10-17\",}")), ["E001"]);
    }

    #[test]
    fn e106_unknown_condition_operator() {
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEqual":{"aws:username":"a"}}}"#,
            ),
            "E106",
        );
        assert_says(&f, "did you mean `StringEquals`?");
        assert_eq!(f.pointer, "/Statement/0/Condition/StringEqual");
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}"#,
            ),
            "E106",
        );
        assert_says(&f, "IfExists");
        // Other condition errors stay E002.
        let f = only(
            &statement(
                r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":"x"}}"#,
            ),
            "E002",
        );
        assert!(f.message.contains("to map condition keys to values"));
    }

    #[test]
    fn w107_condition_key_no_listed_action_supports() {
        let cond = |key: &str, actions: &str| {
            statement(&format!(
                r#"{{"Effect":"Allow","Action":{actions},"Resource":"*","Condition":{{"StringEquals":{{"{key}":"x"}}}}}}"#
            ))
        };
        let f = only(&cond("s3:prefix", r#""ecr:PutImage""#), "W107");
        assert_says(
            &f,
            "no request for the listed actions carries condition key `s3:prefix`",
        );
        assert_says(&f, "grants nothing");
        assert_eq!(f.pointer, "/Statement/0/Condition/StringEquals/s3:prefix");
        let f = only(&cond("ecr:ResourceTags/env", r#""ecr:PutImage""#), "W107");
        assert_says(&f, "`ecr` has no condition key");
        let f = only(&cond("aws:RequestTag/team", r#""ecr:PutImage""#), "W107");
        assert_says(&f, "lists it for none of the listed actions");
        // A directly listed action that does not support a key the others do.
        let f = only(
            &cond(
                "ecr:ResourceTag/env",
                r#"["ecr:PutImage","ecr:GetAuthorizationToken"]"#,
            ),
            "W107",
        );
        assert!(
            f.message
                .starts_with("requests for `ecr:GetAuthorizationToken` never carry"),
            "{}",
            f.message
        );
        // Supported keys, global keys and wildcards that include supporting actions: quiet.
        for (key, actions) in [
            ("ecr:ResourceTag/env", r#""ecr:PutImage""#),
            ("aws:ResourceTag/env", r#""ecr:*""#),
            ("aws:SourceIp", r#""ecr:GetAuthorizationToken""#),
            ("aws:TagKeys", r#""ecr:TagResource""#),
            ("ecr:AccountSetting", r#""ecr:PutAccountSetting""#),
        ] {
            let text = cond(key, actions);
            assert!(
                !codes(&run(&text)).contains(&"W107"),
                "{text}: {:#?}",
                run(&text)
            );
        }
    }

    #[test]
    fn condition_key_placeholders_in_every_sar_spelling() {
        for (pattern, key, expected) in [
            ("aws:ResourceTag/${TagKey}", "aws:resourcetag/team", true),
            ("aws:ResourceTag/${TagKey}", "aws:ResourceTag/", false),
            (
                "s3:ExistingObjectTag/<key>",
                "s3:ExistingObjectTag/env",
                true,
            ),
            ("ssm:resourceTag/tag-key", "ssm:resourceTag/team", true),
            ("sagemaker:ResourceTag/", "sagemaker:ResourceTag/team", true),
            ("ec2:Add/group", "ec2:Add/all", false),
            ("ec2:Add/group", "ec2:add/GROUP", true),
        ] {
            assert_eq!(
                crate::data::catalog::condition_key_matches(pattern, key),
                expected,
                "{pattern} {key}"
            );
        }
        let text = statement(
            r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/aws:secretsmanager:owningService":"x"}}}"#,
        );
        assert!(!codes(&run(&text)).contains(&"W107"), "{:#?}", run(&text));
    }

    #[test]
    fn w108_variables_where_they_are_literal() {
        let text = statement(
            r#"{"Sid":"A","Effect":"Allow","Action":"ecr:PutImage","Resource":["arn:aws:ecr:us-east-1:${aws:PrincipalAccount}:repository/x","arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"],"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"${aws:x}"}}}"#,
        );
        // The numeric value is rejected by the validator first.
        assert_eq!(codes(&run(&text)), ["E002"]);
        let text = statement(
            r#"{"Sid":"A","Effect":"Allow","Action":"ecr:PutImage","Resource":["arn:aws:ecr:us-east-1:${aws:PrincipalAccount}:repository/x","arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"],"Condition":{"StringEquals":{"aws:PrincipalTag/${aws:username}":"x","aws:PrincipalTag/team":"${aws:username}"}}}"#,
        );
        let findings: Vec<Finding> = run(&text)
            .into_iter()
            .filter(|f| f.code == "W108")
            .collect();
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings[0].message.contains("only in the resource field"));
        assert!(findings[1].message.contains("condition key"));
        let resource_policy = statement(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/${aws:username}"},"Action":"ecr:BatchGetImage"}"#,
        );
        let findings = run_repo_policy(&resource_policy);
        assert_eq!(codes(&findings), ["W108"]);
        assert!(
            findings[0]
                .message
                .contains("not substituted in `Principal`")
        );
        let old = r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"}}"#;
        let f = only(old, "W108");
        assert_says(&f, "need \"Version\": \"2012-10-17\"");
    }

    #[test]
    fn w109_allow_with_not_action() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\n \"NotAction\":\"iam:*\",\"Resource\":\"*\"}]}";
        let f = only(text, "W109");
        assert_eq!((f.pos.line, f.pos.column), (2, 2));
        assert_eq!(f.pointer, "/Statement/0/NotAction");
        assert_says(&f, "except `iam:*`");
        let deny = statement(r#"{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}"#);
        assert_eq!(run(&deny), vec![]);
    }

    #[test]
    fn w110_allow_with_not_resource() {
        let f = only(
            &statement(&format!(
                r#"{{"Effect":"Allow","Action":"ecr:PutImage","NotResource":"{REPO}"}}"#
            )),
            "W110",
        );
        assert_eq!(f.pointer, "/Statement/0/NotResource");
    }

    #[test]
    fn w111_full_admin() {
        let f = only(
            &statement(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            "W111",
        );
        assert!(f.message.contains("full administrator access"));
        let scp = statement(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
        let findings = lint(
            "scp.json",
            scp.as_bytes(),
            PolicyKind::Scp,
            PolicyShape::ManagedPolicy,
        );
        assert_eq!(findings, vec![], "FullAWSAccess is the normal SCP");
    }

    #[test]
    fn i112_redundant_statement() {
        let text = statement(&format!(
            r#"{{"Sid":"All","Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}},{{"Sid":"Push","Effect":"Allow","Action":["ecr:PutImage","ecr:Batch*"],"Resource":"{REPO}","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
        ));
        let findings: Vec<Finding> = run(&text)
            .into_iter()
            .filter(|f| f.code == "I112")
            .collect();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0]
                .message
                .starts_with("statement `Push` is redundant: statement `All` (line 1)")
        );
        assert_eq!(findings[0].pointer, "/Statement/1");
        // Identical statements: only the second is reported.
        let same = r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}"#;
        let f = only(&statement(&format!("{same},{same}")), "I112");
        assert!(
            f.message
                .starts_with("statement `#1` is redundant: statement `#0`"),
            "{}",
            f.message
        );
        // A condition on the wider statement, or another effect: not redundant.
        let conditioned = statement(&format!(
            r#"{{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}},{same}"#
        ));
        assert!(!codes(&run(&conditioned)).contains(&"I112"));
        let deny = statement(&format!(
            r#"{{"Effect":"Deny","Action":"ecr:*","Resource":"*"}},{same}"#
        ));
        assert!(!codes(&run(&deny)).contains(&"I112"));
    }

    #[test]
    fn i113_duplicate_action() {
        let text = statement(
            r#"{"Effect":"Allow","Action":["ecr:PutImage","ECR:putimage","ecr:Batch*","ecr:BatchGetImage"],"Resource":"*"}"#,
        );
        let findings = run(&text);
        assert_eq!(codes(&findings), ["I113", "I113"], "{findings:#?}");
        assert!(
            findings[0]
                .message
                .contains("listed twice in this statement (also at line 1, column")
        );
        assert!(
            findings[1]
                .message
                .contains("already covered by `ecr:Batch*`")
        );
        assert_eq!(findings[0].severity, Severity::Info);
    }

    #[test]
    fn w114_policy_too_large_per_shape() {
        let actions: Vec<String> = (0..200).map(|_| "\"ecr:PutImage\"".to_string()).collect();
        let big = statement(&format!(
            r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
            actions.join(",")
        ));
        let size = big.chars().filter(|c| !c.is_whitespace()).count();
        assert!(size > 2_048 && size < 5_120, "{size}");
        let sized = |shape| {
            lint("p.json", big.as_bytes(), PolicyKind::Identity, shape)
                .into_iter()
                .filter(|f| f.code == "W114")
                .collect::<Vec<_>>()
        };
        let f = &sized(PolicyShape::UserInline)[0];
        assert!(
            f.message.contains(&format!(
                "{size} characters without whitespace, over the 2048"
            )),
            "{}",
            f.message
        );
        assert_eq!((f.pos.line, f.pos.column), (1, 1));
        assert!(sized(PolicyShape::ManagedPolicy).is_empty());
        assert!(sized(PolicyShape::GroupInline).is_empty());
        // Whitespace counts for repository policies only.
        let padded = big.replace(
            ',',
            ",                                                                ",
        );
        let in_repo = lint(
            "r.json",
            padded.as_bytes(),
            PolicyKind::Identity,
            PolicyShape::EcrRepositoryPolicy,
        );
        assert!(in_repo.iter().any(|f| f.code == "W114"));
        let managed = lint(
            "p.json",
            padded.as_bytes(),
            PolicyKind::Identity,
            PolicyShape::ManagedPolicy,
        );
        assert!(!managed.iter().any(|f| f.code == "W114"));
        assert_eq!(
            PolicyShape::default_for(PolicyKind::Resource),
            PolicyShape::EcrRepositoryPolicy
        );
        assert_eq!(PolicyShape::RoleInline.limit(), 10_240);
    }

    #[test]
    fn i115_missing_version() {
        let f = only(
            r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}}"#,
            "I115",
        );
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.pointer, "");
    }

    #[test]
    fn w116_short_arn() {
        // Short but matching through a final `*`: W116 alone.
        let f = only(
            &statement(r#"{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:*"}"#),
            "W116",
        );
        assert_eq!(f.pointer, "/Statement/0/Resource");
    }

    #[test]
    fn i117_old_version() {
        let f = only(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}}"#,
            "I117",
        );
        assert_eq!(f.pointer, "/Version");
    }

    #[test]
    fn e118_invalid_sid() {
        let f = only(
            &statement(
                r#"{"Sid":"allow-push","Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}"#,
            ),
            "E118",
        );
        assert_eq!(f.pointer, "/Statement/0/Sid");
    }

    #[test]
    fn wrapped_documents_keep_file_positions() {
        let text = "{\"PolicyVersion\": {\"Document\":\n{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ecr:PutImages\",\"Resource\":\"*\"}}}}";
        let f = only(text, "W101");
        assert_eq!(f.pos.line, 2);
    }
}
