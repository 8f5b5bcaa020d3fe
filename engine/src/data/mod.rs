//! The bundled AWS data: the Service Authorization Reference catalog and the managed policies.

pub mod catalog;
pub mod managed;
