//! `ecrsim lint`: findings with stable codes, severities and exact positions (stub).

use std::path::PathBuf;

/// Arguments of the subcommand.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Policy files.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
}

/// Runs the subcommand and returns the exit code.
pub fn run(args: &LintArgs) -> u8 {
    eprintln!("error: not implemented yet ({} policies given)", args.policies.len());
    crate::EXIT_BAD_INPUT
}
