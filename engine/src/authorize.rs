//! The decision: explicit Deny beats Allow beats the implicit deny (iam-semantics §7.1).
//!
//! This is the fast path. It only answers *what* and *which statements*; [`crate::explain`]
//! answers *why*, and is tested to agree with it.

use std::fmt;

use crate::policy::{Effect, Policy, PolicyKind, Statement};
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

/// The identity-based policies that apply to a caller (its own, its groups', its managed policies).
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    identity: Vec<Policy>,
}

/// A policy of a kind that evaluation does not support yet was added to a [`PolicySet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedPolicyKind(pub PolicyKind);

impl fmt::Display for UnsupportedPolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "evaluating a {} is not supported yet", self.0.describe())
    }
}

impl std::error::Error for UnsupportedPolicyKind {}

impl PolicySet {
    /// An empty set: every request is implicitly denied.
    pub fn new() -> PolicySet {
        PolicySet::default()
    }

    /// Adds a policy. Only identity-based policies are evaluated so far.
    pub fn add(&mut self, policy: Policy) -> Result<(), UnsupportedPolicyKind> {
        match policy.kind {
            PolicyKind::Identity => {
                self.identity.push(policy);
                Ok(())
            }
            other => Err(UnsupportedPolicyKind(other)),
        }
    }

    /// The identity-based policies, in the order added.
    pub fn identity(&self) -> &[Policy] {
        &self.identity
    }

    /// Looks up a statement by reference.
    pub fn statement(&self, at: StatementRef) -> Option<(&Policy, &Statement)> {
        let policy = self.identity.get(at.policy)?;
        Some((policy, policy.statements.get(at.statement)?))
    }

    fn statements(&self) -> impl Iterator<Item = (StatementRef, &Statement)> {
        self.identity.iter().enumerate().flat_map(|(p, policy)| {
            policy
                .statements
                .iter()
                .enumerate()
                .map(move |(s, statement)| {
                    (
                        StatementRef {
                            policy: p,
                            statement: s,
                        },
                        statement,
                    )
                })
        })
    }
}

/// Names a statement of a [`PolicySet`]: the policy's position and the statement's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// Index of the policy in the set.
    pub policy: usize,
    /// Index of the statement in the policy.
    pub statement: usize,
}

/// The decision and the statements that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The outcome.
    pub decision: Decision,
    /// For `ExplicitDeny` every matching Deny, for `Allow` every matching Allow, else empty.
    pub deciding: Vec<StatementRef>,
}

/// Whether a statement applies to the request: its action and resource elements cover it and
/// every condition holds.
pub fn statement_applies(statement: &Statement, request: &Request) -> bool {
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

/// Decides the request.
pub fn authorize(set: &PolicySet, request: &Request) -> Response {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    for (at, statement) in set.statements() {
        if statement_applies(statement, request) {
            match statement.effect {
                Effect::Deny => denies.push(at),
                Effect::Allow => allows.push(at),
            }
        }
    }
    combine(denies, allows)
}

/// The combining rule, on its own so that it can be fuzzed: any Deny wins, then any Allow.
pub fn combine(denies: Vec<StatementRef>, allows: Vec<StatementRef>) -> Response {
    match (denies.is_empty(), allows.is_empty()) {
        // A matching Deny overrides every Allow.
        (false, _) => Response {
            decision: Decision::ExplicitDeny,
            deciding: denies,
        },
        // No Deny, and at least one Allow.
        (true, false) => Response {
            decision: Decision::Allow,
            deciding: allows,
        },
        // Nothing matched: the default.
        (true, true) => Response {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
        },
    }
}
