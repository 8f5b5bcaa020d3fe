//! The validated policy model: documents, statements and their compiled matchers.
//!
//! Values of this module are built only by [`crate::parse`], which rejects every invalid
//! document; the model therefore never holds, say, an `Effect` other than `Allow` or `Deny`.

use std::fmt;
use std::sync::Arc;

use crate::matching::pattern::{Wildcard, tokenize};
use crate::model::arn::{ResourcePattern, resource_variables};
use crate::model::condition::ConditionBlock;
use crate::model::context::Context;
use crate::model::variables::Template;
use crate::syntax::json::Pos;

/// The kind of policy a document is loaded as; it decides which elements are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (attached to a user, group or role): no `Principal`, `Resource` required.
    Identity,
    /// A resource-based policy such as an ECR repository policy: `Principal` required.
    Resource,
    /// A permissions boundary.
    Boundary,
    /// A session policy.
    Session,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A VPC endpoint policy.
    VpcEndpoint,
    /// An ECR registry policy (private registry permissions): a resource-based policy of the
    /// registry, `Principal` required.
    Registry,
}

impl PolicyKind {
    /// Whether `Principal`/`NotPrincipal` is required (true) or forbidden (false).
    pub fn has_principal(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::Rcp | PolicyKind::VpcEndpoint | PolicyKind::Registry
        )
    }

    /// Whether `Resource`/`NotResource` may be omitted (it then means the resource carrying the policy).
    pub fn resource_optional(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::VpcEndpoint | PolicyKind::Registry
        )
    }

    /// How the kind is named in messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::VpcEndpoint => "VPC endpoint policy",
            PolicyKind::Registry => "registry policy",
        }
    }

    /// Every kind, in the order access-denied phrases are tried.
    pub(crate) const ALL: [PolicyKind; 7] = [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Boundary,
        PolicyKind::Session,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::VpcEndpoint,
    ];

    /// The words AWS's messages use: `PolicyKind::describe`, except that AWS calls a registry
    /// policy a resource-based policy.
    pub fn as_str(self) -> &'static str {
        self.as_named_by_aws().describe()
    }

    /// The kind AWS's access-denied messages name for a policy of this kind: a registry policy
    /// is a resource-based policy there.
    pub fn as_named_by_aws(self) -> PolicyKind {
        match self {
            PolicyKind::Registry => PolicyKind::Resource,
            other => other,
        }
    }

    /// A short name for machine formats: `identity`, `resource`, `boundary`, `session`, `scp`,
    /// `rcp`, `vpcEndpoint`.
    pub fn key(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Session => "session",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::VpcEndpoint => "vpcEndpoint",
            PolicyKind::Registry => "registry",
        }
    }

    /// Whether the policy belongs to the resource's side (its owner's account or organization)
    /// rather than the caller's.
    pub fn is_resource_side(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::Rcp | PolicyKind::Registry
        )
    }
}

display_as_str!(PolicyKind);

/// The policy language version. Only `2012-10-17` enables policy variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`, the current version.
    V2012_10_17,
    /// `2008-10-17`, the original version: `${…}` is literal text.
    V2008_10_17,
}

/// The name and text of a loaded document, shared by its statements for error snippets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// A file path, `<stdin>`, or a label such as `line 3: identityPolicies[0]`.
    pub name: String,
    /// The full text the positions refer to.
    pub text: Arc<str>,
}

/// A validated policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where it came from.
    pub source: Arc<Source>,
    /// How it was loaded.
    pub kind: PolicyKind,
    /// `Version`, if present.
    pub version: Option<Version>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
    /// Things that are valid but probably not what the author meant.
    pub warnings: Vec<Warning>,
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`
    Allow,
    /// `"Effect": "Deny"`
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// 0-based position in the document's `Statement` list.
    pub index: usize,
    /// `Sid`, if present.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub action: ActionClause,
    /// `Resource` or `NotResource`; `None` when omitted (resource-based policies only).
    pub resource: Option<ResourceClause>,
    /// `Principal` or `NotPrincipal` (resource-based policies only).
    pub principal: Option<PrincipalClause>,
    /// `Condition`, if present.
    pub condition: Option<ConditionBlock>,
    /// Where the statement object starts.
    pub pos: Pos,
}

impl Statement {
    /// `Sid` if present, else `#index`: how corpus files and reports name a statement.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => sid.clone(),
            None => format!("#{}", self.index),
        }
    }
}

/// `Action` (listed actions) or `NotAction` (every action but the listed ones).
#[derive(Clone, Debug)]
pub struct ActionClause {
    /// True for `NotAction`.
    pub negated: bool,
    /// The values, in document order.
    pub patterns: Vec<ActionPattern>,
    /// Where the element's value starts.
    pub pos: Pos,
}

impl ActionClause {
    /// The first listed pattern that matches the (lower-cased) request action.
    pub(crate) fn first_match(&self, action_lower: &str) -> Option<&ActionPattern> {
        self.patterns.iter().find(|p| p.is_match(action_lower))
    }

    /// Whether the statement covers the action: listed for `Action`, not listed for `NotAction`.
    pub(crate) fn covers(&self, action_lower: &str) -> bool {
        self.first_match(action_lower).is_some() != self.negated
    }
}

/// One `Action` value, matched case-insensitively.
#[derive(Clone, Debug)]
pub struct ActionPattern {
    /// The value as written.
    pub text: String,
    /// Where it is.
    pub pos: Pos,
    matcher: Wildcard,
}

impl ActionPattern {
    /// Compiles an action value (already validated).
    pub fn new(text: &str, pos: Pos) -> ActionPattern {
        ActionPattern {
            text: text.to_string(),
            pos,
            matcher: Wildcard::new(&text.to_lowercase()),
        }
    }

    /// Whether it matches a lower-cased request action.
    pub fn is_match(&self, action_lower: &str) -> bool {
        self.matcher.is_match(action_lower)
    }

    /// Whether the value has a `*` or `?`.
    pub(crate) fn has_wildcard(&self) -> bool {
        self.matcher.has_wildcard()
    }

    /// The value lower-cased, as it is matched.
    pub(crate) fn lowercase(&self) -> &str {
        self.matcher.as_str()
    }
}

/// `Resource` or `NotResource`.
#[derive(Clone, Debug)]
pub struct ResourceClause {
    /// True for `NotResource`.
    pub negated: bool,
    /// The values, in document order.
    pub patterns: Vec<ResourceValue>,
    /// Where the element's value starts.
    pub pos: Pos,
}

impl ResourceClause {
    /// [`ResourceClause::first_match`], asking for the context only when a value has policy
    /// variables (deriving a request's context has a cost a literal ARN never needs).
    pub(crate) fn first_match_lazy<'c>(
        &self,
        resource: &str,
        context: impl Fn() -> &'c Context,
    ) -> Option<&ResourceValue> {
        self.patterns.iter().find(|p| match &p.variables {
            None => p.pattern.is_match(resource),
            Some(_) => p.is_match(resource, context()),
        })
    }
}

/// One `Resource` value.
#[derive(Clone, Debug)]
pub struct ResourceValue {
    /// Where it is.
    pub pos: Pos,
    /// The compiled value (variables, if any, as literal text).
    pub pattern: ResourcePattern,
    /// Policy variables in the resource field: the text before it, and the field as a template.
    variables: Option<(String, Template)>,
}

impl ResourceValue {
    /// Compiles a value. With `variables` (Version 2012-10-17), `${…}` in the resource field
    /// (after the fifth colon) is a policy variable, substituted per request (see
    /// `crate::model::arn::resource_variables`).
    pub(crate) fn new(text: &str, pos: Pos, variables: bool) -> ResourceValue {
        let variables = resource_variables(text, variables).map(|(head, t)| (head.to_string(), t));
        ResourceValue {
            pos,
            pattern: ResourcePattern::new(text),
            variables,
        }
    }

    /// The value as written.
    pub fn text(&self) -> &str {
        self.pattern.as_str()
    }

    /// The context keys its policy variables read.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.variables.iter().flat_map(|(_, t)| t.keys())
    }

    /// Whether it matches the request resource; a value whose variable has no value matches nothing.
    pub(crate) fn is_match(&self, resource: &str, context: &Context) -> bool {
        let Some((head, template)) = &self.variables else {
            return self.pattern.is_match(resource);
        };
        let Some(field) = template.resolve(context) else {
            return false;
        };
        let mut tokens: Vec<_> = tokenize(head).collect();
        tokens.extend(field);
        ResourcePattern::from_tokens(self.text().to_string(), &tokens).is_match(resource)
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug)]
pub struct PrincipalClause {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// The values.
    pub principals: Vec<PrincipalValue>,
    /// Where the element's value starts.
    pub pos: Pos,
}

/// One principal named by a resource-based policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrincipalValue {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Anyone,
    /// An `AWS` principal: account id, root ARN, user, role or session ARN.
    Aws(String),
    /// A `Service` principal such as `codebuild.amazonaws.com`.
    Service(String),
    /// A `Federated` principal.
    Federated(String),
    /// A `CanonicalUser` (S3 only).
    CanonicalUser(String),
}

/// What a [`Warning`] is about, so tools can classify it without reading its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// No `Version`: policy variables are literal text.
    MissingVersion,
    /// `Version` 2008-10-17: policy variables are literal text.
    OldVersion,
    /// A `Sid` with characters IAM rejects in identity-based policies.
    SidCharacters,
    /// An action the catalog does not know.
    UnknownAction,
    /// A `Resource` value with fewer than six ARN fields.
    ShortArn,
}

/// A finding that does not invalidate the document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// Where it is.
    pub pos: Pos,
    /// JSON pointer of the value.
    pub pointer: String,
    /// What is suspicious and what to do.
    pub message: String,
}
