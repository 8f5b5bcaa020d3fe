//! The ecrsim command line: `check` one request, `why` an error text, `batch` many as JSON Lines,
//! `test` a corpus.
//!
//! Exit codes follow grep and diff: 0 allowed (or every expectation met), 1 denied (or some
//! expectation not met), 2 bad input or usage.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// `eprintln!` that ignores a closed or failing standard error: a panic there would exit 101
/// instead of the documented 0, 1 or 2.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod batch;
pub mod check;
pub mod corpus;
pub mod diff;
pub mod errors;
pub mod fix;
pub mod friendly;
pub mod input;
pub mod lint;
pub mod managed;
pub mod markdown;
pub mod matrix;
pub mod render;
pub mod report;
pub mod shell;
pub mod snapshot;
pub mod summary;
pub mod why;

/// Exit code: the request is allowed, or every expectation is met.
pub const EXIT_ALLOWED: u8 = 0;
/// Exit code: the request is denied, or some expectation is not met.
pub const EXIT_DENIED: u8 = 1;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

const CHECK_EXAMPLE: &str = "\
Example: why does `docker login` fail with a repository-scoped policy?

  ecrsim check policy.json --action ecr:GetAuthorizationToken --resource '*'

  ImplicitDeny: ecr:GetAuthorizationToken on *
    policy.json #0 `RepoAccess` (line 4): does not apply
        - `ecr:GetAuthorizationToken` does not support resource-level permissions: ...
  fix: ... add a separate statement for it with \"Resource\": \"*\" ...
    {\"Effect\":\"Allow\",\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\"}

Check a whole client workflow (login, pull, push, delete):

  ecrsim check policy.json --workflow push --resource arn:aws:ecr:us-east-1:123456789012:repository/my-app

Every policy FILE (POLICY and each policy flag) may be a policy document, what the AWS CLI prints
around one (get-role-policy, get-user-policy, get-group-policy, get-policy-version, get-role,
ecr get-repository-policy / get-registry-policy, organizations describe-policy, kms get-key-policy),
`-` for standard input (once), or a directory (every *.json in it, sorted).

Exit codes: 0 allowed, 1 denied, 2 bad input or usage.";

const FIX_EXAMPLE: &str = "\
Example: make `docker push` work with a repository-scoped policy.

  ecrsim fix policy.json --workflow push --resource arn:aws:ecr:us-east-1:123456789012:repository/my-app > fixed.json
  ecrsim check fixed.json --workflow push --resource arn:aws:ecr:us-east-1:123456789012:repository/my-app

The corrected document keeps your statements and Sids; the changes are summarized on stderr.
Every change is re-evaluated before it is printed, and no other resource gains access.
Exit codes: 0 the request (or workflow) is allowed after the fix, 1 another policy must change
(printed on stderr), 2 bad input or usage.";

/// `ecrsim --version`: the version, then the bundled data's (read from the data files' headers
/// by build.rs).
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nservice catalog: ",
    env!("ECRSIM_CATALOG_SOURCE"),
    "\nmanaged policies: ",
    env!("ECRSIM_MANAGED_SOURCE"),
    " (AWS managed policies at their default versions; the data records no date)",
    "\nlicenses and sources of the data: engine/data/NOTICE.md, engine/data/NOTICE-managed-policies.md",
);

/// Offline simulator of AWS IAM policy evaluation, ECR first.
#[derive(Debug, Parser)]
#[command(name = "ecrsim", version, long_version = LONG_VERSION, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide one request against the given policies and explain the decision.
    #[command(after_help = CHECK_EXAMPLE)]
    Check(Box<CheckArgs>),
    /// Print the identity policy corrected so that the request or workflow is allowed.
    #[command(after_help = FIX_EXAMPLE)]
    Fix(Box<FixArgs>),
    /// Explain an AccessDenied message or docker error; with policies, reproduce it and fix it.
    #[command(after_help = why::WHY_EXAMPLE)]
    Why(Box<why::WhyArgs>),
    /// Decide many requests: JSON Lines on stdin, one JSON line per input line on stdout.
    Batch(Box<batch::BatchArgs>),
    /// Every principal of a snapshot allowed a workflow or actions on a repository.
    WhoCan(Box<snapshot::WhoCanArgs>),
    /// Every repository and workflow (or action) a principal of a snapshot is allowed.
    CanWhat(Box<snapshot::CanWhatArgs>),
    /// Principals × repositories × workflows of a snapshot: human, JSON, CSV, Markdown or HTML.
    Matrix(Box<matrix::MatrixArgs>),
    /// Run a corpus of expected decisions (folders holding cases.toml files).
    #[command(after_help = report::TEST_EXAMPLE)]
    Test(TestArgs),
    /// List the AWS managed policies ecrsim knows by name, or `show` one.
    ManagedPolicies(managed::ManagedPoliciesArgs),
    /// List the client workflows (`--workflow NAME`) with their actions and AWS sources.
    Workflows(WorkflowsArgs),
    /// Find mistakes in policies: unknown actions, resources that can never match, risky grants.
    Lint(lint::LintArgs),
    /// Summarize what a policy grants, per service and access level, like the IAM console.
    Explain(summary::ExplainArgs),
    /// List the access gained and lost between two versions of a policy.
    Diff(diff::DiffArgs),
    /// Print a shell completion script (bash, zsh, fish or powershell) on standard output.
    Completions(shell::CompletionsArgs),
    /// Print the ecrsim(1) man page (roff) on standard output, or write one page per command.
    Man(shell::ManArgs),
}

/// Arguments of `workflows`.
#[derive(Debug, clap::Args)]
pub struct WorkflowsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Output format of `check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for people: the decision first.
    #[default]
    Human,
    /// One JSON object (schema in README.md).
    Json,
    /// Markdown tables for a pull-request comment (check, explain and diff).
    Markdown,
}

/// The policies that take part in a request, by type. Every file is read by
/// [`input::read_inputs`]: a document, any shape the AWS CLI prints around one, `-`, or a
/// directory.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct PolicyArgs {
    /// Identity-based policy files (JSON, or AWS CLI output such as get-role-policy), directories
    /// (every *.json in them), or `-` for standard input.
    #[arg(value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// Another identity-based policy file (same as a positional POLICY).
    #[arg(long = "identity-policy", value_name = "FILE")]
    pub identity_policies: Vec<PathBuf>,
    /// An AWS managed policy attached to the caller, by name or ARN
    /// (e.g. AmazonEC2ContainerRegistryReadOnly); see `ecrsim managed-policies`.
    #[arg(
        long = "managed-policy",
        value_name = "NAME|ARN",
        value_parser = crate::shell::Names::managed_policies(),
        hide_possible_values = true
    )]
    pub managed_policies: Vec<String>,
    /// The resource-based policy of the requested resource: an ECR repository policy, an IAM
    /// role's trust policy (also --trust-policy) or a KMS key policy (also --key-policy).
    #[arg(long, value_name = "FILE", visible_aliases = ["trust-policy", "key-policy"])]
    pub resource_policy: Option<PathBuf>,
    /// The caller's permissions boundary.
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// The session policy of the caller's session.
    #[arg(long, value_name = "FILE")]
    pub session_policy: Option<PathBuf>,
    /// A service control policy; all --scp files form one organization level.
    #[arg(long = "scp", value_name = "FILE")]
    pub scps: Vec<PathBuf>,
    /// One organization level of SCPs (root first, then each OU, then the account), as
    /// comma-separated files; repeat for each level. Every level must allow.
    #[arg(long = "scp-level", value_name = "FILE[,FILE...]")]
    pub scp_levels: Vec<input::PolicyLevel>,
    /// A resource control policy; all --rcp files form one organization level.
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// One organization level of RCPs (root first), as comma-separated files; repeat for each
    /// level. An empty level is an error.
    #[arg(long = "rcp-level", value_name = "FILE[,FILE...]")]
    pub rcp_levels: Vec<input::PolicyLevel>,
    /// The policy of the VPC endpoint the request goes through.
    #[arg(long, value_name = "FILE")]
    pub vpc_endpoint_policy: Option<PathBuf>,
    /// An organization file (docs/organization.md): the SCP levels come from the caller's
    /// account path, the RCP levels from the resource's, and aws:PrincipalOrgID,
    /// aws:ResourceOrgID and their paths are filled. Not with --scp/--rcp flags.
    #[arg(long = "org", value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// The organization's management account: SCPs do not apply to its principals, RCPs not
    /// to its resources (also read from --org).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub management_account: Option<String>,
    /// The ECR registry policy of the resource's registry (also the output of
    /// `aws ecr get-registry-policy`): a second resource-based policy beside the repository policy.
    #[arg(long, value_name = "FILE")]
    pub registry_policy: Option<PathBuf>,
    /// The registry's policy scope: V2 (default) governs every ECR action; V1 only
    /// ecr:ReplicateImage, ecr:BatchImportUpstreamImage and ecr:CreateRepository.
    #[arg(long, value_name = "V1|V2", value_parser = input::parse_registry_scope, requires = "registry_policy")]
    pub registry_policy_scope: Option<ecrsim_engine::RegistryScope>,
    /// A snapshot folder of AWS CLI outputs (docs/snapshot.md): every policy of --principal (a
    /// user or role of the snapshot: NAME, role/NAME, user/NAME or its ARN), of the repository,
    /// its registry and the organization comes from it.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
}

/// The request (or the workflow of requests) to decide.
#[derive(Clone, Debug, clap::Args)]
pub struct RequestArgs {
    /// The action, e.g. `ecr:PutImage` (any case).
    #[arg(
        long,
        short,
        required_unless_present = "workflow",
        conflicts_with = "workflow"
    )]
    pub action: Option<String>,
    /// A client workflow instead of one action, e.g. login, pull, push, delete, public-login,
    /// replicate, pull-through-cache (account-level
    /// actions are checked on `*`, the others on --resource).
    #[arg(
        long,
        short,
        value_name = "NAME",
        value_parser = crate::shell::Names::workflows(),
        hide_possible_values = true
    )]
    pub workflow: Option<String>,
    /// The resource ARN, or `*` for account-level actions such as `ecr:GetAuthorizationToken`
    /// (an image reference as for --image is accepted too).
    #[arg(long, short)]
    pub resource: Option<String>,
    /// The KMS key (`arn:aws:kms:REGION:ACCOUNT:key/ID`) the `kms:` actions of a workflow act on
    /// (`--workflow create-repository-kms`).
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,
    /// An image reference instead of --resource: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@DIGEST]`
    /// or `public.ecr.aws/ALIAS/NAME[:TAG]` (with --resource-account), checked on its repository ARN.
    #[arg(long, value_name = "REF", conflicts_with = "resource")]
    pub image: Option<String>,
    /// The caller's ARN (user, role, assumed-role session, root), a service principal, or
    /// `anonymous`: fills aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and (for IAM
    /// users) aws:username, unless given with --context. Needed when a resource policy, an RCP
    /// or a VPC endpoint policy takes part; otherwise an IAM user of the resource's account
    /// (`user/ecrsim-assumed-caller`) is assumed. A role ARN means a session of that role.
    #[arg(long, short)]
    pub principal: Option<String>,
    /// The Region the request is sent to (aws:RequestedRegion); default: the resource ARN's.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// When the request is made (aws:CurrentTime, aws:EpochTime), e.g. 2026-01-01T00:00:00Z;
    /// default: now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// A request context key, `KEY=VALUE` (repeat a key to make it multi-valued).
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A tag of the resource, `KEY=VALUE`: fills aws:ResourceTag/KEY and ecr:ResourceTag/KEY.
    #[arg(long = "resource-tag", value_name = "KEY=VALUE")]
    pub resource_tags: Vec<String>,
    /// A tag of the caller, `KEY=VALUE`: fills aws:PrincipalTag/KEY.
    #[arg(long = "principal-tag", value_name = "KEY=VALUE")]
    pub principal_tags: Vec<String>,
    /// A tag in the request (TagResource, CreateRepository), `KEY=VALUE`: fills
    /// aws:RequestTag/KEY and adds KEY to aws:TagKeys.
    #[arg(long = "request-tag", value_name = "KEY=VALUE")]
    pub request_tags: Vec<String>,
    /// A JSON object of context keys: string, number, boolean, or an array for multi-valued keys.
    #[arg(long, value_name = "FILE.json")]
    pub context_file: Option<PathBuf>,
    /// The account that owns the resource (aws:ResourceAccount), when the ARN does not say.
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub resource_account: Option<String>,
    /// A service the request was made through, e.g. cloudformation.amazonaws.com; repeat in
    /// order, first to last: fills aws:CalledVia, aws:CalledViaFirst, aws:CalledViaLast and
    /// aws:ViaAWSService=true.
    #[arg(long = "called-via", value_name = "SERVICE")]
    pub called_via: Vec<String>,
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policies.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The request.
    #[command(flatten)]
    pub request: RequestArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Print nothing on standard output: the exit code says it all.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// The identity-based policy file to fix (JSON, or AWS CLI output such as get-role-policy;
    /// `-` reads standard input); the corrected plain document goes to standard output. Without
    /// it, `fix` writes a new inline policy.
    #[arg(value_name = "POLICY")]
    pub target: Option<PathBuf>,
    /// The other policies of the caller and the resource, as for `check`.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The request or workflow that must be allowed.
    #[command(flatten)]
    pub request: RequestArgs,
}

/// Arguments of `test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Corpus folders or cases.toml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// List the passing cases too, each with the `ecrsim check` command that reproduces it.
    #[arg(long, short)]
    pub verbose: bool,
    /// Output format: human, junit (JUnit XML for CI), json or tap.
    #[arg(long, value_enum, default_value_t)]
    pub format: report::TestFormat,
    /// Only the cases whose `folder/case-name` contains PATTERN, or matches it as a glob when it
    /// holds `*` or `?` (e.g. `corpus/examples/*/login`).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Print nothing: the exit code says it all.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Writes to standard output, ignoring a closed pipe (`ecrsim … | head` must not panic).
pub fn write_stdout(bytes: &[u8]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// Whether to colour output written to stdout: only on a terminal, and never under `NO_COLOR`.
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Why(args) => why::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Test(args) => corpus::run(&args),
        Command::WhoCan(args) => snapshot::who_can(&args),
        Command::CanWhat(args) => snapshot::can_what(&args),
        Command::Matrix(args) => matrix::run(&args),
        Command::ManagedPolicies(args) => managed::run(&args),
        Command::Workflows(args) => {
            write_stdout(render::workflows(args.format).as_bytes());
            EXIT_ALLOWED
        }
        Command::Lint(args) => lint::run(&args),
        Command::Explain(args) => summary::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    };
    ExitCode::from(code)
}
