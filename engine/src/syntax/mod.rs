//! Text in, text out: the position-keeping JSON reader and the escaping of report text.

pub mod json;
pub mod printable;
