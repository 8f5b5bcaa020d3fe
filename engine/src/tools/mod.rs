//! Tools built on the evaluation: lint, policy summaries, diffs, workflows and batch lines.

pub mod batch;
pub mod diff;
pub mod grants;
pub mod lint;
pub mod summary;
pub mod workflow;
