//! Shell integration: `ecrsim completions SHELL` and `ecrsim man`, generated from the clap definition.

use clap::CommandFactory;

use crate::{Cli, EXIT_ALLOWED, EXIT_BAD_INPUT};

const COMPLETIONS_EXAMPLE: &str = "\
Examples:

  ecrsim completions bash > ~/.local/share/bash-completion/completions/ecrsim
  ecrsim completions zsh > \"${fpath[1]}/_ecrsim\"
  ecrsim completions fish > ~/.config/fish/completions/ecrsim.fish
  ecrsim completions powershell >> $PROFILE";

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = COMPLETIONS_EXAMPLE)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `completions` supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Prints the completion script for the shell.
pub fn completions(args: &CompletionsArgs) -> u8 {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "ecrsim", &mut script);
    crate::write_stdout(&script);
    EXIT_ALLOWED
}

/// The examples shown by `ecrsim man --help`.
pub const MAN_EXAMPLE: &str = "\
Examples:

  ecrsim man | man -l -
  ecrsim man > /usr/local/share/man/man1/ecrsim.1";

/// Prints the ecrsim(1) man page, generated from the command-line definition.
pub fn man() -> u8 {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    if let Err(e) = page.render(&mut out) {
        say!("error: cannot render the man page: {e}");
        return EXIT_BAD_INPUT;
    }
    crate::write_stdout(&out);
    EXIT_ALLOWED
}
