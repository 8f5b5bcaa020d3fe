//! String matchers: the IAM wildcard language and did-you-mean suggestions.

pub mod fuzzy;
pub mod pattern;
