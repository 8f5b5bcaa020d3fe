//! The decision: one statement check and the combining algorithm over every policy type.

pub(crate) mod authorize;
pub(crate) mod caller;
pub(crate) mod mandatory;
pub(crate) mod organization;
pub(crate) mod registry;
pub(crate) mod scope;
