//! `ecrsim diff`: the access gained and lost between two versions of a policy (stub).

use std::path::PathBuf;

/// Arguments of the subcommand.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Policy files.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
}

/// Runs the subcommand and returns the exit code.
pub fn run(args: &DiffArgs) -> u8 {
    eprintln!("error: not implemented yet ({} policies given)", args.policies.len());
    crate::EXIT_BAD_INPUT
}
