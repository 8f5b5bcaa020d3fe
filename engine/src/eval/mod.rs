//! The decision: one statement check and the combining algorithm over every policy type.

pub mod authorize;
pub mod caller;
pub mod mandatory;
pub mod organization;
pub mod registry;
pub mod scope;
