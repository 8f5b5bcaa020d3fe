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
  ecrsim man > /usr/local/share/man/man1/ecrsim.1
  ecrsim man --dir /usr/local/share/man/man1    # ecrsim.1, ecrsim-check.1, ecrsim-test.1, ...
  man ecrsim-check";

/// Arguments of `man`.
#[derive(Debug, Default, clap::Args)]
#[command(after_help = MAN_EXAMPLE)]
pub struct ManArgs {
    /// Write one page per command into this folder (ecrsim.1, ecrsim-check.1, ...) instead of
    /// printing ecrsim(1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// The exit codes of each command, for the EXIT STATUS section of its page.
fn exit_status(command: &str) -> &'static str {
    match command {
        "ecrsim-check" => {
            "0 the request (or every action of the workflow) is allowed; 1 denied; 2 bad input or usage."
        }
        "ecrsim-fix" => {
            "0 the request (or workflow) is allowed after the fix; 1 another policy must change (printed on standard error); 2 bad input or usage."
        }
        "ecrsim-why" => {
            "0 the message is explained (with policies: AWS's reason is reproduced); 1 with policies, not reproduced; 2 unreadable message, bad input or usage."
        }
        "ecrsim-batch" => {
            "0 the input was read (each line carries its own result); 2 unreadable input or usage."
        }
        "ecrsim-test" => {
            "0 every case passed; 1 some case failed; 2 a path or case file could not be read, or bad usage."
        }
        "ecrsim-managed-policies" | "ecrsim-managed-policies-show" => {
            "0 listed or shown; 2 unknown policy or bad usage."
        }
        "ecrsim-lint" => {
            "0 no finding reaches --fail-on; 1 some finding does; 2 a file cannot be read, or bad usage."
        }
        "ecrsim-explain" => "0 the summary is printed; 2 bad input or usage.",
        "ecrsim-diff" => "0 no access is gained; 1 some access is gained; 2 bad input or usage.",
        "ecrsim-completions" | "ecrsim-man" => "0 written; 2 cannot be written, or bad usage.",
        _ => {
            "Like grep and diff: 0 allowed (or every expectation met), 1 denied (or some expectation not met), 2 bad input or usage. Each command's page gives its own."
        }
    }
}

/// Renders the page of `command` (already built), with its EXIT STATUS section.
fn page(command: clap::Command) -> Result<(String, Vec<u8>), std::io::Error> {
    let name = command
        .get_display_name()
        .unwrap_or_else(|| command.get_name())
        .to_string();
    let man = clap_mangen::Man::new(command);
    let file = man.get_filename();
    let mut out = Vec::new();
    man.render(&mut out)?;
    let status = exit_status(&name).replace('\\', "\\\\").replace('-', "\\-");
    out.extend_from_slice(format!(".SH \"EXIT STATUS\"\n{status}\n").as_bytes());
    Ok((file, out))
}

/// Every command's page, the top-level one first.
fn pages() -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
    fn walk(
        command: &clap::Command,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> Result<(), std::io::Error> {
        out.push(page(command.clone())?);
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut out = Vec::new();
    walk(&command, &mut out)?;
    Ok(out)
}

/// Prints the ecrsim(1) man page, or with `--dir` writes one page per command, generated from
/// the command-line definition.
pub fn man(args: &ManArgs) -> u8 {
    let pages = match pages() {
        Ok(pages) => pages,
        Err(e) => {
            say!("error: cannot render the man pages: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let Some(dir) = &args.dir else {
        if let Some((_, top)) = pages.first() {
            crate::write_stdout(top);
        }
        return EXIT_ALLOWED;
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        say!("error: cannot create {}: {e}", dir.display());
        return EXIT_BAD_INPUT;
    }
    for (file, text) in &pages {
        let path = dir.join(file);
        if let Err(e) = std::fs::write(&path, text) {
            say!("error: cannot write {}: {e}", path.display());
            return EXIT_BAD_INPUT;
        }
    }
    say!("{} pages written to {}", pages.len(), dir.display());
    EXIT_ALLOWED
}

/// A value parser that takes any text (validated later, with a "did you mean") and offers the
/// known names to shell completions: workflow names for `--workflow`, AWS managed policy names
/// for `--managed-policy`.
#[derive(Clone, Copy, Debug)]
pub struct Names(fn() -> Vec<&'static str>);

impl Names {
    /// The client workflows.
    pub fn workflows() -> Names {
        Names(ecrsim_engine::workflow_names)
    }

    /// The AWS managed policies bundled with ecrsim.
    pub fn managed_policies() -> Names {
        Names(|| {
            ecrsim_engine::managed_policies()
                .map(|p| p.name())
                .collect()
        })
    }
}

impl clap::builder::TypedValueParser for Names {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}
