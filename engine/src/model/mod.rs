//! The policy language as data: policies, statements, Resource ARNs, conditions, policy
//! variables, and the request context they read.

pub mod arn;
pub mod condition;
pub mod context;
pub mod organization;
pub mod policy;
pub mod variables;
