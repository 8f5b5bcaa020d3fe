//! ecrsim engine: an offline simulator of AWS IAM policy evaluation.
//!
//! One folder per stage of the pipeline, each depending only on the ones before it:
//!
//! | stage | what it does |
//! |---|---|
//! | [`syntax`] | reads JSON keeping positions; escapes report text |
//! | [`matching`] | the IAM wildcard language; did-you-mean suggestions |
//! | [`model`] | the policy language as data: [`Policy`], statements, Resource ARNs, conditions, variables, the request [`Context`] |
//! | [`data`] | the bundled Service Authorization Reference and AWS managed policies |
//! | [`parse`] | validates a document into a [`Policy`], with positions and help on every error |
//! | [`request`] | validates a [`Request`] against the catalog: caller, partition, context defaults |
//! | [`eval`] | decides: one statement check, the combining algorithm over every policy type |
//! | [`mod@explain`] | the same evaluation with every fact recorded ([`evaluate`] with a [`Detail`]), typed notes and verified fixes |
//! | [`tools`] | lint, summaries, diffs, workflows, batch lines |
//! | [`snapshot`] | a directory of AWS CLI outputs read into every principal's policies; who-can, can-what |
//!
//! The engine returns data (decisions, typed facts, typed errors); words for people are made by
//! the caller (the `ecrsim` CLI has one render module).
//!
//! The crate root re-exports what callers use (evaluation, explanation, parsing, requests, and
//! each tool's entry point); each stage module is public for the rest of what the CLI, the
//! benchmarks and the fuzz targets name, and everything no caller outside the engine uses is
//! `pub(crate)`.
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

pub mod data;
pub mod eval;
pub mod explain;
pub mod matching;
pub mod model;
pub mod parse;
pub mod request;
pub mod snapshot;
pub mod syntax;
pub mod tools;

pub use eval::authorize::{
    Decision, Element, Exclusion, Mismatch, PolicyRole, PolicySet, Reason, Response, StatementRef,
    authorize,
};
pub use explain::{
    Advice, Change, Detail, Explanation, Fix, Note, StatementTrace, SuggestedPrincipal,
    SuggestedStatement, evaluate, explain,
};
pub use model::context::{Context, ContextValue};
pub use model::policy::{Effect, Policy, PolicyKind};
pub use parse::{
    PolicyError, PolicyErrorKind, PolicyInput, parse_policy, parse_policy_input, policy_from_json,
    read_policy_input,
};
pub use request::{Request, RequestError, RequestErrorKind};

// The entry points of the tools and of the organization, caller and catalog stages that the CLI,
// the benchmarks and the fuzz targets use; their other public items stay in their modules.
pub use data::catalog::Catalog;
pub use eval::authorize::{authorize_into, decide_only};
pub use eval::caller::settle_caller;
pub use eval::registry::RegistryScope;
pub use explain::denial::{Denial, parse_message};
pub use explain::fixer::{Edit, FixOutcome, fix_identity_policy};
pub use model::organization::{OrgScope, Organization};
pub use parse::organization::parse_organization;
pub use request::principal::{Principal, PrincipalKind};
pub use tools::batch::{Evaluated, Session, Shared};
pub use tools::diff::{PolicyDiff, diff};
pub use tools::lint::{Finding, Severity, lint};
pub use tools::summary::{Summary, summarize};
pub use tools::workflow::{WORKFLOWS, Workflow};
