//! String matchers: the IAM wildcard language and did-you-mean suggestions.

pub(crate) mod fuzzy;
pub(crate) mod pattern;
