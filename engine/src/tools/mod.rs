//! Tools built on the evaluation: lint, policy summaries, diffs, workflows and batch lines.

pub(crate) mod batch;
pub(crate) mod diff;
pub(crate) mod grants;
pub(crate) mod lint;
pub(crate) mod summary;
pub(crate) mod workflow;
