//! ecrsim engine: an offline simulator of AWS IAM policy evaluation.
//!
//! The pipeline has one module per stage:
//! [`json`] reads text keeping positions → [`parse`] validates it into a [`policy::Policy`] →
//! [`request`] validates the request against the service [`catalog`] →
//! [`mod@authorize`] decides → [`mod@explain`] says why and what to change; [`batch`] runs
//! JSON Lines of requests with caches.
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

pub mod arn;
pub mod authorize;
pub mod batch;
pub mod catalog;
pub mod condition;
pub mod context;
pub mod diff;
pub mod explain;
pub mod fixer;
pub mod fuzzy;
pub mod json;
pub mod lint;
pub mod managed;
pub mod parse;
pub mod pattern;
pub mod policy;
pub mod principal;
pub mod printable;
pub mod request;
pub mod summary;
pub mod variables;
pub mod workflow;

pub use authorize::{
    Decision, Element, Exclusion, Mismatch, PolicyRole, PolicySet, Reason, Response, StatementRef,
    authorize,
};
pub use context::{Context, ContextValue};
pub use explain::{
    Advice, Change, Detail, Explanation, Fix, Note, StatementTrace, SuggestedPrincipal,
    SuggestedStatement, evaluate, explain,
};
pub use parse::{PolicyError, parse_policy, parse_policy_input, policy_from_json};
pub use policy::{Effect, Policy, PolicyKind};
pub use request::{Request, RequestError};
