//! The policy language as data: policies, statements, Resource ARNs, conditions, policy
//! variables, and the request context they read.

pub(crate) mod arn;
pub(crate) mod condition;
pub(crate) mod context;
pub(crate) mod organization;
pub(crate) mod policy;
pub(crate) mod variables;
