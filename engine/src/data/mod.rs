//! The bundled AWS data: the Service Authorization Reference catalog and the managed policies.

pub(crate) mod catalog;
pub(crate) mod managed;
