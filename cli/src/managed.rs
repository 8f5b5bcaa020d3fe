//! `ecrsim managed-policies`: list the bundled AWS managed policies (searching names, or
//! documents with `--grep-document`), and `show NAME` prints one policy's document.

use crate::{EXIT_ALLOWED, EXIT_BAD_INPUT, write_stdout};

const MANAGED_EXAMPLE: &str = "\
Examples:

  ecrsim managed-policies --grep ecr
  ecrsim managed-policies --grep-document ecr:PutImage
  ecrsim managed-policies show AmazonEC2ContainerRegistryReadOnly
  ecrsim managed-policies show service-role/AmazonECSTaskExecutionRolePolicy

A policy is named by its name, its path and name, or its ARN, here and in --managed-policy.
Exit codes: 0 listed or shown, 2 unknown policy.";

/// Arguments of `managed-policies`.
#[derive(Debug, clap::Args)]
#[command(after_help = MANAGED_EXAMPLE, args_conflicts_with_subcommands = true)]
pub struct ManagedPoliciesArgs {
    /// Only policies whose name contains this text (case-insensitive), e.g. `ecr`.
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,
    /// Only policies whose document contains this text (case-insensitive), e.g. `ecr:PutImage`.
    #[arg(long, value_name = "TEXT")]
    pub grep_document: Option<String>,
    /// Show one policy instead of listing.
    #[command(subcommand)]
    pub action: Option<ManagedAction>,
}

/// What `managed-policies` does besides listing.
#[derive(Debug, clap::Subcommand)]
pub enum ManagedAction {
    /// Print a policy's document (pretty JSON) on standard output; its ARN and version on
    /// standard error.
    Show {
        /// The policy: name (`AmazonEC2ContainerRegistryReadOnly`), path and name
        /// (`service-role/AmazonECSTaskExecutionRolePolicy`) or ARN.
        #[arg(value_name = "NAME|ARN")]
        name: String,
    },
}

/// Runs `managed-policies` and returns the exit code.
pub fn run(args: &ManagedPoliciesArgs) -> u8 {
    match &args.action {
        Some(ManagedAction::Show { name }) => show(name),
        None => list(args.grep.as_deref(), args.grep_document.as_deref()),
    }
}

fn list(name: Option<&str>, document: Option<&str>) -> u8 {
    let name = name.map(str::to_lowercase);
    let document = document.map(str::to_lowercase);
    let mut out = String::new();
    let mut count = 0;
    for policy in ecrsim_engine::managed_policies() {
        let shown = name
            .as_deref()
            .is_none_or(|n| policy.name().to_lowercase().contains(n))
            && document
                .as_deref()
                .is_none_or(|d| policy.document().to_lowercase().contains(d));
        if shown {
            out.push_str(&format!("{}\t{}\n", policy.name(), policy.arn()));
            count += 1;
        }
    }
    write_stdout(out.as_bytes());
    say!(
        "{count} policies (from {})",
        ecrsim_engine::managed_policies_source()
    );
    EXIT_ALLOWED
}

fn show(name: &str) -> u8 {
    let Some(policy) = ecrsim_engine::find_managed_policy(name) else {
        let hint = ecrsim_engine::suggest_managed_policy(name)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        say!(
            "error: unknown AWS managed policy `{name}`{hint} (list them with `ecrsim managed-policies`)"
        );
        return EXIT_BAD_INPUT;
    };
    let document = serde_json::from_str::<serde_json::Value>(policy.document())
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| policy.document().to_string());
    write_stdout(format!("{document}\n").as_bytes());
    say!(
        "{} version {} (from {})",
        policy.arn(),
        policy.version(),
        ecrsim_engine::managed_policies_source()
    );
    EXIT_ALLOWED
}
