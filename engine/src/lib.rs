//! ecrsim engine: an offline simulator of AWS IAM policy evaluation.
//!
//! One folder per stage of the pipeline, each depending only on the ones before it:
//!
//! | stage | what it does |
//! |---|---|
//! | `syntax` | reads JSON keeping positions ([`parse_json`]); escapes report text ([`printable`]) |
//! | `matching` | the IAM wildcard language ([`Wildcard`]); did-you-mean suggestions ([`closest`]) |
//! | `model` | the policy language as data: [`Policy`], statements, Resource ARNs, conditions, variables, the request [`Context`] |
//! | `data` | the bundled Service Authorization Reference ([`Catalog`]) and AWS managed policies ([`find_managed_policy`]) |
//! | `parse` | validates a document into a [`Policy`], with positions and help on every error |
//! | `request` | validates a [`Request`] against the catalog: caller, partition, context defaults |
//! | `eval` | decides ([`authorize`]): one statement check, the combining algorithm over every policy type |
//! | `explain` | the same evaluation with every fact recorded ([`evaluate`] with a [`Detail`]), typed notes and verified fixes ([`explain()`], [`fix_identity_policy`]) |
//! | `tools` | lint ([`lint`]), summaries ([`summarize`]), diffs ([`diff()`]), workflows ([`Workflow`]), batch lines ([`Session`]) |
//! | `snapshot` | a directory of AWS CLI outputs read into every principal's policies ([`load_snapshot`]); [`who_can`], [`can_what`], the matrix ([`Compiled`]) |
//!
//! The engine returns data (decisions, typed facts, typed errors); words for people are made by
//! the caller (the `ecrsim` CLI has one render module).
//!
//! The stage modules are private: the crate root is the public API. It re-exports what a caller
//! needs to evaluate, explain, fix, lint, summarize, diff and load a snapshot, with the types
//! those signatures name; everything else is `pub(crate)` (`unreachable_pub` warns on a `pub`
//! item the root does not export). Functions whose names only make sense inside their module are
//! re-exported under a longer name (`tools::workflow::find` is [`find_workflow`]).
//!
//! Error types, option structs and the fact structs of answers are `#[non_exhaustive]` (build the
//! options with `Default`/`new`, then set fields); the enums a renderer must word variant by
//! variant (grantees, widenings, mistakes, mandatory policies, …) stay exhaustive, so that a new
//! fact is a compile error in the renderer rather than a silent fallback.
//!
//! ```
//! use ecrsim_engine::{parse_policy, authorize, explain, Decision, PolicyKind, PolicySet, Request};
//!
//! let text = r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [{
//!     "Sid": "RepoAccess",
//!     "Effect": "Allow",
//!     "Action": ["ecr:GetAuthorizationToken", "ecr:PutImage"],
//!     "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/my-app"
//!   }]
//! }"#;
//! let mut set = PolicySet::new();
//! set.add(parse_policy("policy.json", text.as_bytes(), PolicyKind::Identity)?)?;
//!
//! let push = Request::new("ecr:PutImage", "arn:aws:ecr:us-east-1:123456789012:repository/my-app", None)?;
//! assert_eq!(authorize(&set, &push).decision, Decision::Allow);
//!
//! // docker login needs ecr:GetAuthorizationToken, an account-level action evaluated on "*".
//! let login = Request::new("ecr:GetAuthorizationToken", "*", None)?;
//! let why = explain(&set, &login);
//! assert_eq!(why.response.decision, Decision::ImplicitDeny);
//! assert_eq!(why.fix.unwrap().changes[0].statement.resource.as_deref(), Some("*"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(unreachable_pub)]

/// `impl Display` writing `self.as_str()`, for the vocabulary enums with a stable spelling.
macro_rules! display_as_str {
    ($($t:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

mod data;
mod eval;
mod explain;
mod matching;
mod model;
mod parse;
mod request;
mod snapshot;
mod syntax;
mod tools;

// Evaluation: one request against a policy set, and the facts behind the decision.
pub use eval::authorize::{
    Decision, Element, Exclusion, Mismatch, PolicyRole, PolicySet, PolicySetErrorKind, Reason,
    Response, StatementRef, authorize, authorize_into, decide_only,
};
pub use eval::caller::settle_caller;
pub use eval::mandatory::MandatoryPolicy;
pub use eval::organization::add_org_levels;
pub use eval::registry::{RegistryScope, V1_ACTIONS, unsupported_actions};
pub use eval::scope::source as exclusion_source;
pub use explain::{
    Advice, Change, Detail, Explanation, Fix, Note, StatementTrace, SuggestedPrincipal,
    SuggestedStatement, evaluate, explain,
};

// Fixes, and AccessDenied messages read back into what they say.
pub use explain::denial::{
    ClientError, ClientErrorKind, Denial, DenialError, DeniedBy, DenyEffect,
    Message as DenialMessage, MessageSource, PolicyType, Remedy, Suspect, Verdict, compare,
    parse_denial, parse_message,
};
pub use explain::fixer::{EMPTY_POLICY, Edit, FixOutcome, Remaining, fix_identity_policy};

// The policy language as data, and reading it.
pub use model::arn::{Arn, ResourcePattern, is_account_id};
pub use model::condition::{ConditionFailure, parse_date, parse_number};
pub use model::context::{Context, ContextValue};
pub use model::organization::{NodeKind, NodeRef, OrgScope, Organization};
pub use model::policy::{ActionPattern, Effect, Policy, PolicyKind, Statement};
pub use parse::mistake::{Mistake, diagnose as diagnose_mistake};
pub use parse::organization::parse_organization;
pub use parse::{
    PolicyError, PolicyErrorKind, PolicyInput, parse_policy, parse_policy_input, policy_from_json,
    read_policy_input,
};

// Requests: the caller, the resource, the time.
pub use request::assume::{Assumed, AssumedSource, Unknowable, parse_time};
pub use request::principal::{Principal, PrincipalKind};
pub use request::{
    ImageRefError, Request, RequestError, RequestErrorKind, check_account, image_to_arn,
    registry_uri_to_arn,
};

// The bundled data.
pub use data::catalog::Catalog;
pub use data::managed::{
    all as managed_policies, find as find_managed_policy, source as managed_policies_source,
    suggest as suggest_managed_policy,
};

// The JSON reader (positions on every value) and the wildcard language.
pub use matching::fuzzy::closest;
pub use matching::pattern::{Strategy, Wildcard, reference_match};
pub use syntax::json::{
    Json, JsonErrorKind, Pos, Value as JsonValue, parse as parse_json, write_string,
};
pub use syntax::printable::{printable, printable_lines};

// The tools: batch lines, diff, grants, lint, summary, workflows.
pub use tools::batch::{
    Evaluated, LineId, MessageEvaluated, Session, Shared, Subject as LineSubject, VerbatimId,
    request_from_json,
};
pub use tools::diff::{Access, AccessChange, DiffNote, DiffOptions, PolicyDiff, diff};
pub use tools::grants::{Grant, GrantScope, Grantee, Widening, grants, widenings};
pub use tools::lint::{
    Finding, LintOptions, PolicyShape, RULES, Rule, Severity, find_rule, lint, lint_input,
};
pub use tools::summary::{
    ActionSummary, AllServices, ConditionSummary, ResourceSummary, Resources, Scope,
    ServiceSummary, StatementSource, Summary, SummaryWarning, WarningKind, summarize,
};
pub use tools::workflow::{
    WORKFLOWS, Workflow, WorkflowError, find as find_workflow, names as workflow_names,
    requests as workflow_requests, requests_with_key,
};

// Snapshots of an account: every principal's policies; who-can, can-what, the matrix.
pub use snapshot::matrix::{Compiled, Question, all_subjects, who_can as who_can_parallel};
pub use snapshot::query::{
    ActionResult, Answer, Options, Subject, can_what, decide as decide_subject, who_can,
};
pub use snapshot::{
    Identity, IdentityKind, Repository, Snapshot, SnapshotError, SnapshotFile,
    load as load_snapshot,
};

// The types those items' signatures name (fields, arguments, results).
pub use data::catalog::{AccessLevel, ActionInfo};
pub use data::managed::ManagedPolicy;
pub use eval::authorize::PolicySetError;
pub use eval::mandatory::{IdentityPolicies, Refusal, RefusedRule, ResourcePolicyRule};
pub use eval::organization::OrgLevels;
pub use eval::registry::UnsupportedV1Action;
pub use eval::scope::Family as PolicyFamily;
pub use explain::denial::{DenialErrorKind, Registry};
pub use explain::fixer::FixError;
pub use matching::pattern::General;
pub use model::condition::{
    BaseOperator, Clause, Comparison, ConditionBlock, Operator, OperatorError, OperatorErrorKind,
    Qualifier, TextValue, ValueType, Values,
};
pub use model::organization::Node;
pub use model::policy::{
    ActionClause, PrincipalClause, PrincipalValue, ResourceClause, ResourceValue, Source, Version,
    Warning,
};
pub use parse::organization::OrganizationError;
pub use request::assume::UnknownKey;
pub use request::principal::PrincipalError;
pub use snapshot::query::Deciding;
pub use snapshot::shape::Shape;
pub use snapshot::{Account, Assembly, Caller, InlinePolicy};
pub use syntax::json::{JsonError, Member};
pub use tools::batch::blocks::{Blocks, FirstLine, Lines as BlockLines, run as run_blocks};
pub use tools::batch::{Decided, Line, LineError};
pub use tools::diff::{DiffError, DiffErrorKind};
pub use tools::lint::Linted;
pub use tools::summary::LevelSummary;
