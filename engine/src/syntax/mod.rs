//! Text in, text out: the position-keeping JSON reader and the escaping of report text.

pub(crate) mod json;
pub(crate) mod printable;
