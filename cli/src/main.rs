//! The `ecrsim` binary: parses the command line and maps outcomes to exit codes.

use std::process::ExitCode;

use clap::Parser;
use ecrsim_cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}
