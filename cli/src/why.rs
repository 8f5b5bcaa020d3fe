//! `ecrsim why MESSAGE [POLICY…]`: start where the user starts, from the error text.
//!
//! The engine reads the text (`engine/src/explain/denial.rs`); this module words it. Without policies
//! it says what AWS's message means, whose policy it names, what to fetch, and the `check`/`fix`
//! commands with the request filled in; for docker and credential errors, the documented cause
//! and remedy (Amazon ECR User Guide, "Troubleshooting Docker commands",
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors-docker.html>). With
//! policies it evaluates the request and says whether ecrsim reproduces AWS's reason, and prints
//! the verified fix.

use std::path::PathBuf;

use ecrsim_engine::MessageEvaluated;
use ecrsim_engine::printable;
use ecrsim_engine::{
    ClientError, ClientErrorKind, Denial, DenialMessage as Message, DeniedBy, DenyEffect,
    MessageSource, PolicyType, Remedy, Suspect, Verdict, compare, parse_message,
};
use ecrsim_engine::{Explanation, Request, explain};
use ecrsim_engine::{Principal, PrincipalKind};
use serde_json::{Value, json};

use crate::input::{load_context, load_policy_set};
use crate::{EXIT_ALLOWED, EXIT_DENIED, Format, PolicyArgs, render, use_color, write_stdout};

/// Examples shown by `ecrsim why --help`.
pub const WHY_EXAMPLE: &str = "\
Examples:

  ecrsim why \"User: arn:aws:sts::123456789012:assumed-role/ci-runner/i-0abc is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action\"
  aws ecr get-login-password 2>&1 | ecrsim why - policy.json
  docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app 2>&1 | ecrsim why -

Without policies: what the message means, whose policy it names, and the ecrsim commands to run.
With policies (the flags of `check`): whether ecrsim reproduces AWS's reason, and the verified fix.
Exit codes: 0 explained (with policies: reproduced), 1 not reproduced, 2 unreadable message or bad input.";

/// Arguments of `why`.
#[derive(Debug, clap::Args)]
pub struct WhyArgs {
    /// The error text (an AWS access-denied message or a docker error), or `-` to read it from
    /// standard input.
    #[arg(value_name = "MESSAGE")]
    pub message: String,
    /// The policies to reproduce the decision with, as for `check`.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The caller's ARN, when the message does not name one (needed for repository policies).
    #[arg(long, short)]
    pub principal: Option<String>,
    /// The resource ARN, when the message does not name one.
    #[arg(long, short)]
    pub resource: Option<String>,
    /// A request context key, `KEY=VALUE`, as for `check`.
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A JSON object of context keys, as for `check`.
    #[arg(long, value_name = "FILE.json")]
    pub context_file: Option<PathBuf>,
    /// The Region docker logged in to (`aws ecr get-login-password --region …`): a registry in
    /// another Region is reported as a Region mismatch.
    #[arg(long, value_name = "REGION")]
    pub login_region: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs `why` and returns the exit code.
pub fn run(args: &WhyArgs) -> u8 {
    if args.format == Format::Markdown {
        say!("error: `why` prints human or json; --format markdown is for check, explain and diff");
        return crate::EXIT_BAD_INPUT;
    }
    let text = if args.message == "-" {
        match crate::input::read_stdin() {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                return fail(
                    args,
                    &format!("cannot read the message from standard input: {e}"),
                );
            }
        }
    } else {
        args.message.clone()
    };
    let message = match parse_message(&text) {
        Ok(message) => message,
        Err(e) => return fail(args, &crate::errors::denial(&e)),
    };
    match message {
        Message::Client(client) => {
            let client = match &args.login_region {
                Some(region) => client.with_login_region(region),
                None => client,
            };
            let out = match args.format {
                Format::Human | Format::Markdown => client_human(&client),
                Format::Json => pretty(&client_json(&client)),
            };
            write_stdout(out.as_bytes());
            EXIT_ALLOWED
        }
        Message::Denial(denial) => run_denial(args, denial),
    }
}

/// Bad input: `error: …` on standard error and, with `--format json`, the JSON error object on
/// standard output (README.md, "Exit codes"); exit 2.
fn fail(args: &WhyArgs, message: &str) -> u8 {
    crate::errors::fail(args.format == Format::Json, message)
}

fn pretty(value: &Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// A `batch` line's `request.message` as the `why --format json` object, from the same facts
/// and words as `why`; `verdict.report` is the batch line of the evaluation (with its `fix`
/// under `batch --fix`) instead of the `check --format json` report.
pub fn batch_message(m: &MessageEvaluated<'_>, with_fix: bool) -> Value {
    match (m.message, m.request) {
        (Message::Client(client), _) => client_json(client),
        (Message::Denial(denial), Some(request)) => {
            let report = m.evaluated.as_ref().map(|(e, verdict)| {
                let report = render::BatchResult::new(e, with_fix).report();
                (*verdict, report)
            });
            denial_json(denial, request, report)
        }
        // The engine always gives a denial's request; nothing to say without it.
        (Message::Denial(denial), None) => {
            json!({"kind": "denial", "message": message_facts(denial)})
        }
    }
}

/// Whether any policy flag was given.
fn has_policies(p: &PolicyArgs) -> bool {
    !(p.policies.is_empty()
        && p.identity_policies.is_empty()
        && p.managed_policies.is_empty()
        && p.resource_policy.is_none()
        && p.boundary.is_none()
        && p.session_policy.is_none()
        && p.scps.is_empty()
        && p.scp_levels.is_empty()
        && p.rcps.is_empty()
        && p.vpc_endpoint_policy.is_none()
        && p.registry_policy.is_none())
}

/// Fills in the principal and resource from the flags, only where the message has none.
fn fill_in(args: &WhyArgs, mut denial: Denial) -> Result<Denial, String> {
    for (flag, given, field) in [
        ("--principal", &args.principal, &mut denial.principal),
        ("--resource", &args.resource, &mut denial.resource),
    ] {
        match (given, &field) {
            (Some(value), Some(named)) if value != named => {
                return Err(format!(
                    "the message names `{named}`; {flag} `{value}` would contradict it (the flag only fills in what the message lacks)"
                ));
            }
            (Some(value), None) => *field = Some(value.clone()),
            _ => {}
        }
    }
    Ok(denial)
}

fn run_denial(args: &WhyArgs, denial: Denial) -> u8 {
    let denial = match fill_in(args, denial) {
        Ok(denial) => denial,
        Err(e) => return fail(args, &e),
    };
    let uses_stdin = args.message == "-";
    let policy_on_stdin = args.policy.files().any(|p| p.as_os_str() == "-");
    if uses_stdin && policy_on_stdin {
        return fail(
            args,
            "`-` (standard input) can be given only once: it already carries the message",
        );
    }
    let context = match load_context(args.context_file.as_deref(), &args.context) {
        Ok(context) => context,
        Err(e) => return fail(args, &e.to_string()),
    };
    let request = match denial.request() {
        Ok(request) => request.with_context(context),
        Err(e) => return fail(args, &crate::errors::denial(&e)),
    };
    if !has_policies(&args.policy) {
        let out = match args.format {
            Format::Human | Format::Markdown => denial_human(&denial, &request),
            Format::Json => pretty(&denial_json(&denial, &request, None)),
        };
        write_stdout(out.as_bytes());
        return EXIT_ALLOWED;
    }
    let loaded = load_policy_set(&args.policy).and_then(|mut set| {
        let mut requests = crate::input::apply_organization(&args.policy, &mut set, vec![request])?;
        Ok((set, requests.remove(0)))
    });
    let (set, request) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return fail(args, &e.to_string()),
    };
    let explanation = explain(&set, &request);
    let verdict = compare(&denial, &set, &explanation.response);
    let out = match args.format {
        Format::Human | Format::Markdown => {
            verdict_human(&denial, &request, &explanation, &verdict)
        }
        Format::Json => pretty(&denial_json(
            &denial,
            &request,
            Some((&verdict, render::json(&explanation, &request, &set))),
        )),
    };
    write_stdout(out.as_bytes());
    if verdict.reproduced {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whose policy a policy type is, in words, for this caller and resource.
fn owner(policy: PolicyType, denial: &Denial) -> String {
    let caller = denial
        .caller_account()
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    let resource = denial
        .resource_account()
        .or(denial.caller_account())
        .map(|a| format!(" {a}"))
        .unwrap_or_default();
    match policy {
        PolicyType::Identity => {
            format!("the caller's own policies, in the caller's account{caller}")
        }
        PolicyType::Boundary => format!(
            "the caller's permissions boundary, set on the caller's user or role in account{caller}"
        ),
        PolicyType::Session => "the caller's session: the policy passed when the session was created (sts assume-role --policy/--policy-arns, or the identity provider)".to_string(),
        PolicyType::Scp => format!(
            "the organization of the caller's account{caller}: its management account's administrators set SCPs"
        ),
        PolicyType::Resource | PolicyType::Registry => format!(
            "the resource's owner: the repository policy in the resource's account{resource}"
        ),
        PolicyType::Rcp => format!(
            "the organization of the resource's account{resource}: its management account's administrators set RCPs"
        ),
        PolicyType::VpcEndpoint => "the network: the policy of the VPC endpoint for ECR (com.amazonaws.REGION.ecr.api / ecr.dkr) the request went through, owned by the VPC's account".to_string(),
    }
}

/// `caller` | `resource` | `network`: whose side a policy type is on.
fn owner_key(policy: PolicyType) -> &'static str {
    match policy {
        PolicyType::Resource | PolicyType::Registry | PolicyType::Rcp => "resource",
        PolicyType::VpcEndpoint => "network",
        _ => "caller",
    }
}

/// What AWS's reason means, in one or two sentences.
fn meaning(by: Option<DeniedBy>, denial: &Denial, request: &Request) -> String {
    let Some(by) = by else {
        return "AWS gave no reason, so any policy type may have denied it: give ecrsim every policy you know of (identity, repository policy, boundary, SCPs) and it will say which one denies".to_string();
    };
    let whose = owner(by.policy, denial);
    match (by.effect, by.policy) {
        (DenyEffect::Explicit, p) => format!(
            "a Deny statement in a {p} matches the request. An explicit deny overrides every Allow, so adding permissions anywhere else does not help: that Deny must be narrowed or removed. Whose: {whose}"
        ),
        (DenyEffect::Implicit, PolicyType::Identity) => {
            let same_account = if request.resource_account().is_none()
                || request.resource_account() == denial.caller_account()
            {
                " (in the same account a repository policy naming the caller could also have allowed it, and none did)"
            } else {
                ""
            };
            format!(
                "nothing denied it, but no Allow statement in the caller's identity-based policies covers this action on this resource{same_account}. Whose: {whose}"
            )
        }
        (DenyEffect::Implicit, PolicyType::Resource | PolicyType::Registry) => {
            let accounts = match (denial.caller_account(), denial.resource_account()) {
                (Some(c), Some(r)) if c != r => format!(
                    "the request is cross-account (caller account {c}, repository account {r}), so "
                ),
                _ => String::new(),
            };
            format!(
                "{accounts}the repository policy must allow this caller, and it does not (it may name another account, role or action). Whose: {whose}"
            )
        }
        (DenyEffect::Implicit, PolicyType::Boundary) => format!(
            "the identity-based policies may allow it, but the permissions boundary does not: a boundary caps what identity policies grant, and both must allow. Whose: {whose}"
        ),
        (DenyEffect::Implicit, PolicyType::Session) => format!(
            "the session gets only what both its role's policies and its session policy allow, and the session policy does not allow this. Whose: {whose}"
        ),
        (DenyEffect::Implicit, PolicyType::Scp) => format!(
            "every level of the organization (root, each OU, the account) must have an SCP that allows the action, and one does not. Whose: {whose}"
        ),
        (DenyEffect::Implicit, PolicyType::Rcp) => format!(
            "every level of the resource owner's organization must have an RCP that allows the action, and one does not. Whose: {whose}"
        ),
        (DenyEffect::Implicit, PolicyType::VpcEndpoint) => format!(
            "the request went through a VPC endpoint whose policy does not allow this caller, action or resource. Whose: {whose}"
        ),
    }
}

/// The role name of a role session or role ARN, and the user name of a user ARN.
fn caller_entity(request: &Request) -> Option<(&'static str, String)> {
    let caller: &Principal = request.caller()?;
    match caller.kind {
        PrincipalKind::RoleSession => Some(("role", caller.role.as_ref()?.1.clone())),
        PrincipalKind::User => Some(("user", caller.username.clone()?)),
        _ => None,
    }
}

/// Commands that fetch the policy AWS named.
fn fetch_commands(policy: PolicyType, denial: &Denial, request: &Request) -> Vec<String> {
    let entity = caller_entity(request);
    let region = denial
        .resource
        .as_deref()
        .and_then(ecrsim_engine::Arn::parse)
        .map(|a| a.region.to_string())
        .filter(|r| !r.is_empty());
    let region_flag = region
        .as_deref()
        .map(|r| format!(" --region {r}"))
        .unwrap_or_default();
    match policy {
        PolicyType::Identity => match entity {
            Some((kind, name)) => {
                let mut commands = vec![
                    format!("aws iam list-attached-{kind}-policies --{kind}-name {name}"),
                    format!("aws iam list-{kind}-policies --{kind}-name {name}"),
                    format!(
                        "aws iam get-{kind}-policy --{kind}-name {name} --policy-name NAME > policy.json"
                    ),
                ];
                if kind == "user" {
                    commands.push(format!("aws iam list-groups-for-user --user-name {name}"));
                }
                commands
            }
            None => vec!["aws sts get-caller-identity".to_string()],
        },
        PolicyType::Resource | PolicyType::Registry => {
            let name = request
                .resource()
                .split_once(":repository/")
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| "NAME".to_string());
            vec![format!(
                "aws ecr get-repository-policy --repository-name {name}{region_flag} > repository-policy.json"
            )]
        }
        PolicyType::Boundary => match entity {
            Some((kind, name)) => vec![format!(
                "aws iam get-{kind} --{kind}-name {name} --query '*.PermissionsBoundary'"
            )],
            None => Vec::new(),
        },
        PolicyType::Session => Vec::new(),
        PolicyType::Scp | PolicyType::Rcp => {
            let (filter, account) = if policy == PolicyType::Scp {
                ("SERVICE_CONTROL_POLICY", denial.caller_account())
            } else {
                (
                    "RESOURCE_CONTROL_POLICY",
                    denial.resource_account().or(denial.caller_account()),
                )
            };
            let id = denial
                .policy_arn
                .as_deref()
                .and_then(|arn| arn.rsplit('/').next())
                .unwrap_or("p-ID");
            vec![
                format!(
                    "aws organizations list-policies-for-target --target-id {} --filter {filter}",
                    account.unwrap_or("ACCOUNT_ID")
                ),
                format!(
                    "aws organizations describe-policy --policy-id {id} > {}.json",
                    policy.key()
                ),
            ]
        }
        PolicyType::VpcEndpoint => {
            let r = region.as_deref().unwrap_or("REGION");
            vec![format!(
                "aws ec2 describe-vpc-endpoints{region_flag} --filters Name=service-name,Values=com.amazonaws.{r}.ecr.api,com.amazonaws.{r}.ecr.dkr --query 'VpcEndpoints[].PolicyDocument'"
            )]
        }
    }
}

/// The policy flags of a `check` command for the policy type AWS named.
fn policy_flags(by: Option<DeniedBy>) -> String {
    let Some(by) = by else {
        return "policy.json --resource-policy repository-policy.json --boundary boundary.json --scp scp.json".to_string();
    };
    match by.policy {
        PolicyType::Identity => "policy.json".to_string(),
        PolicyType::Resource | PolicyType::Registry => {
            "policy.json --resource-policy repository-policy.json".to_string()
        }
        PolicyType::Boundary => "policy.json --boundary boundary.json".to_string(),
        PolicyType::Session => "policy.json --session-policy session.json".to_string(),
        PolicyType::Scp => "policy.json --scp scp.json".to_string(),
        PolicyType::Rcp => "policy.json --rcp rcp.json".to_string(),
        PolicyType::VpcEndpoint => "policy.json --vpc-endpoint-policy vpce.json".to_string(),
    }
}

/// `--action A --resource R [--principal P]`, quoted.
fn request_flags(request: &Request) -> String {
    let mut flags = format!(
        "--action {} --resource {}",
        shell_quote(request.action()),
        shell_quote(request.resource())
    );
    if let Some(p) = request.principal() {
        flags.push_str(&format!(" --principal {}", shell_quote(p)));
    }
    flags
}

/// The `ecrsim check` command for this denial.
fn check_command(denial: &Denial, request: &Request) -> String {
    format!(
        "ecrsim check {} {}",
        policy_flags(denial.denied_by),
        request_flags(request)
    )
}

/// The `ecrsim fix` command, when the identity policy is the one to change.
fn fix_command(denial: &Denial, request: &Request) -> Option<String> {
    let identity = denial
        .denied_by
        .is_none_or(|by| by.policy == PolicyType::Identity && by.effect == DenyEffect::Implicit);
    identity.then(|| {
        format!(
            "ecrsim fix policy.json {} > fixed.json",
            request_flags(request)
        )
    })
}

fn source_words(source: MessageSource) -> &'static str {
    match source {
        MessageSource::AwsCli => "the AWS CLI or an SDK",
        MessageSource::Docker => "docker",
        MessageSource::Bare => "AWS",
    }
}

/// The lines every denial report starts with: what was denied, to whom, and AWS's reason.
fn denial_header(denial: &Denial, request: &Request) -> Vec<String> {
    let mut lines = vec![format!(
        "AWS denied: {} on {}",
        request.action(),
        request.resource()
    )];
    match &denial.principal {
        Some(p) => lines.push(format!("  caller: {p}")),
        None => lines.push(
            "  caller: not named by the message (give it with --principal to evaluate repository policies)"
                .to_string(),
        ),
    }
    let mut from = format!("  reported by: {}", source_words(denial.source));
    if let Some(op) = &denial.operation {
        from.push_str(&format!(", operation {op}"));
    }
    if let Some(code) = &denial.error_code {
        from.push_str(&format!(" ({code})"));
    }
    lines.push(from);
    lines.push(match denial.denied_by {
        Some(by) => format!(
            "AWS said: {by}{} ({} deny, {})",
            if by.effect == DenyEffect::Implicit {
                " it"
            } else {
                ""
            },
            by.effect,
            match by.policy.is_resource_side() {
                true => "a policy of the resource's side",
                false if by.policy == PolicyType::VpcEndpoint => "a policy of the network",
                false => "a policy of the caller's side",
            }
        ),
        None => "AWS said: no reason (the message does not name a policy type)".to_string(),
    });
    if let Some(arn) = &denial.policy_arn {
        lines.push(format!("  denying policy: {arn}"));
    }
    lines
}

fn denial_human(denial: &Denial, request: &Request) -> String {
    let mut lines = denial_header(denial, request);
    lines.push(format!(
        "meaning: {}",
        meaning(denial.denied_by, denial, request)
    ));
    if request.is_account_level() {
        lines.push(format!(
            "note: `{}` is an account-level action: it supports no resource type, so AWS evaluates it on `*` and only a statement with \"Resource\": \"*\" grants it; a statement scoped to a repository ARN never does",
            request.action()
        ));
    }
    if let Some(by) = denial.denied_by {
        let commands = fetch_commands(by.policy, denial, request);
        if !commands.is_empty() {
            lines.push(format!("fetch the {}:", by.policy));
            lines.extend(commands.into_iter().map(|c| format!("  {c}")));
        } else if by.policy == PolicyType::Session {
            lines.push("fetch the session policy: it cannot be read back from AWS; take it from the code or identity provider that created the session".to_string());
        }
    }
    lines.push("then run:".to_string());
    lines.push(format!("  {}", check_command(denial, request)));
    if let Some(fix) = fix_command(denial, request) {
        lines.push(format!("  {fix}"));
    }
    lines.push(format!(
        "  or: ecrsim why MESSAGE {} (says whether ecrsim reproduces AWS's reason, and prints the verified fix)",
        policy_flags(denial.denied_by)
    ));
    finish(lines)
}

/// One report line per entry, each escaped so that a line is one line.
fn finish(lines: Vec<String>) -> String {
    lines
        .into_iter()
        .map(|l| format!("{}\n", printable(&l)))
        .collect()
}

/// The fact that makes ecrsim agree, for the policy type AWS named.
fn agreement_detail(explanation: &Explanation, by: DeniedBy) -> Option<String> {
    let traces = explanation
        .statements
        .iter()
        .filter(|t| t.role.kind().as_named_by_aws() == by.policy);
    if by.effect == DenyEffect::Explicit {
        let deciding: Vec<String> = traces
            .filter(|t| explanation.response.deciding.contains(&t.at))
            .map(|t| {
                format!(
                    "statement `{}` of {} (line {}) denies it",
                    t.label, t.policy_name, t.line
                )
            })
            .collect();
        return (!deciding.is_empty()).then(|| deciding.join("; "));
    }
    let mut traces = traces.peekable();
    if traces.peek().is_none() {
        return Some(format!(
            "no {} statement was given that allows it",
            by.policy
        ));
    }
    traces
        .filter(|t| t.effect == ecrsim_engine::Effect::Allow)
        .find_map(|t| {
            let m = t.mismatches.first()?;
            Some(format!(
                "statement `{}` of {} (line {}): {}",
                t.label,
                t.policy_name,
                t.line,
                render::mismatch(m)
            ))
        })
}

/// The flag that gives a policy of this type.
fn flag_of(policy: PolicyType) -> &'static str {
    match policy {
        PolicyType::Identity => "POLICY (positional) or --identity-policy/--managed-policy",
        PolicyType::Resource | PolicyType::Registry => "--resource-policy",
        PolicyType::Boundary => "--boundary",
        PolicyType::Session => "--session-policy",
        PolicyType::Scp => "--scp or --scp-level",
        PolicyType::Rcp => "--rcp",
        PolicyType::VpcEndpoint => "--vpc-endpoint-policy",
    }
}

fn verdict_human(
    denial: &Denial,
    request: &Request,
    explanation: &Explanation,
    verdict: &Verdict,
) -> String {
    let mut lines = denial_header(denial, request);
    let ours = match verdict.ours {
        Some(by) => format!("{} {by}", verdict.decision),
        None => format!("{} ({})", verdict.decision, verdict.reason),
    };
    if verdict.reproduced {
        let detail = denial
            .denied_by
            .and_then(|by| agreement_detail(explanation, by))
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        lines.push(format!("ecrsim agrees: {ours}{detail}"));
    } else {
        lines.push(format!("ecrsim disagrees: {ours}"));
        let probable = match verdict.suspect {
            Some(Suspect::Missing(p)) => format!(
                "no {p} was given, but AWS's reason names one: fetch it and give it with {}",
                flag_of(p)
            ),
            Some(Suspect::Stale(p)) => format!(
                "the {p} given is probably stale or not the one AWS evaluated (another version, or another principal's): fetch it again"
            ),
            Some(Suspect::NoPrincipal) => "the message names no caller, so ecrsim cannot tell a cross-account request: give the caller with --principal".to_string(),
            _ => "some input differs from what AWS evaluated".to_string(),
        };
        lines.push(format!("probably: {probable}"));
        if let Some(Suspect::Missing(p) | Suspect::Stale(p)) = verdict.suspect {
            for c in fetch_commands(p, denial, request) {
                lines.push(format!("  {c}"));
            }
        }
    }
    let mut out = finish(lines);
    out.push_str(&render::human(explanation, request, use_color()));
    out
}

fn denied_by_json(by: Option<DeniedBy>) -> Value {
    match by {
        None => Value::Null,
        Some(by) => json!({
            "key": by.key(),
            "effect": by.effect.as_str(),
            "policyType": by.policy.as_str(),
            "owner": owner_key(by.policy),
        }),
    }
}

/// The message as read: `{principal, action, resource, operation, errorCode, source, deniedBy,
/// policyArn}`.
fn message_facts(denial: &Denial) -> Value {
    json!({
        "principal": denial.principal,
        "action": denial.action,
        "resource": denial.resource,
        "operation": denial.operation,
        "errorCode": denial.error_code,
        "source": denial.source.as_str(),
        "deniedBy": denied_by_json(denial.denied_by),
        "policyArn": denial.policy_arn,
    })
}

/// The JSON report of a denial (the `why --format json` object): the message as read, the
/// request, the commands, and (when evaluated) the verdict with `report`, the evaluation's
/// report (`check --format json` for `why`, the batch line for `batch`).
pub fn denial_json(
    denial: &Denial,
    request: &Request,
    evaluated: Option<(&Verdict, Value)>,
) -> Value {
    let verdict = evaluated.map(|(verdict, report)| {
        let suspect = match verdict.suspect {
            Some(Suspect::Missing(p)) => json!({"kind": "missing", "policyType": p.as_str()}),
            Some(Suspect::Stale(p)) => json!({"kind": "stale", "policyType": p.as_str()}),
            Some(Suspect::NoPrincipal) => json!({"kind": "noPrincipal"}),
            _ => Value::Null,
        };
        json!({
            "reproduced": verdict.reproduced,
            "decision": verdict.decision.as_str(),
            "reason": verdict.reason.to_string(),
            "deniedBy": denied_by_json(verdict.ours),
            "suspect": suspect,
            "report": report,
        })
    });
    json!({
        "kind": "denial",
        "message": message_facts(denial),
        "request": {
            "action": request.action(),
            "resource": request.resource(),
            "principal": request.principal(),
            "accountLevelAction": request.is_account_level(),
            "callerAccount": denial.caller_account(),
            "resourceAccount": request.resource_account(),
        },
        "meaning": meaning(denial.denied_by, denial, request),
        "check": check_command(denial, request),
        "fix": fix_command(denial, request),
        "verdict": verdict,
    })
}

/// `aws ecr get-login-password --region R | docker login …` for a registry.
fn login_command(region: &str, host: &str) -> String {
    format!(
        "aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {host}"
    )
}

/// The cause and the remedy commands of a client error.
fn client_words(client: &ClientError) -> (String, Vec<String>) {
    let host = client
        .registry
        .as_ref()
        .map_or("ACCOUNT.dkr.ecr.REGION.amazonaws.com", |r| r.host.as_str());
    let region = client
        .registry
        .as_ref()
        .map_or("REGION", |r| r.region.as_str());
    let repo = client.repository.as_deref().unwrap_or("NAME");
    let repo_arn = client
        .repository_arn()
        .unwrap_or_else(|| format!("arn:aws:ecr:{region}:ACCOUNT:repository/{repo}"));
    let helper = "or configure the Amazon ECR credential helper (docker-credential-ecr-login) in ~/.docker/config.json, which fetches a fresh token for every command".to_string();
    match &client.kind {
        ClientErrorKind::TokenExpired => (
            "the ECR login has expired: an authorization token from GetAuthorizationToken (aws ecr get-login-password) is valid for 12 hours. This is not a policy denial".to_string(),
            vec![login_command(region, host), helper],
        ),
        ClientErrorKind::NoBasicAuthCredentials => (
            format!(
                "docker has no credentials for {host}: a login is per registry host (account and Region), and this one was not logged in to, or the login was for another account or Region, or a credential helper failed. This is not a policy denial"
            ),
            vec![
                login_command(region, host),
                helper,
                "if the login itself is denied: ecrsim check policy.json --workflow login".to_string(),
            ],
        ),
        ClientErrorKind::RegionMismatch {
            registry_region,
            login_region,
        } => (
            format!(
                "the registry {host} is in {registry_region}, but docker logged in to {login_region}: an authorization token is valid only in the Region it was issued for"
            ),
            vec![login_command(registry_region, host)],
        ),
        ClientErrorKind::EmptyForbidden => {
            let actions = ecrsim_engine::find_workflow("push")
                .map(|w| {
                    let on_repository: Vec<&str> = w
                        .actions
                        .iter()
                        .copied()
                        .filter(|a| *a != "ecr:GetAuthorizationToken")
                        .collect();
                    on_repository.join(", ")
                })
                .unwrap_or_default();
            (
                format!(
                    "ECR answered HTTP 403 with an empty body, so docker cannot show AWS's reason: the login worked, but the caller may not push to this repository (or the token expired, or it is for another Region). A push needs ecr:GetAuthorizationToken on \"*\", and {actions} on the repository"
                ),
                vec![
                    format!(
                        "ecrsim check policy.json --workflow push --resource {}",
                        shell_quote(&repo_arn)
                    ),
                    format!(
                        "ecrsim fix policy.json --workflow push --resource {} > fixed.json",
                        shell_quote(&repo_arn)
                    ),
                    login_command(region, host),
                ],
            )
        }
        ClientErrorKind::RepositoryNotFound => (
            format!(
                "the repository `{repo}` does not exist in this registry: unlike Docker Hub, ECR does not create a repository on push, and a pull of a missing (or misspelt, or other-account, or other-Region) repository fails the same way; 'may require docker login' also means: not logged in to this registry"
            ),
            vec![
                format!("aws ecr create-repository --repository-name {repo} --region {region}"),
                format!("aws ecr describe-repositories --region {region}"),
                login_command(region, host),
            ],
        ),
        other => (format!("{other:?}"), Vec::new()),
    }
}

fn remedy_words(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::Login => "log in to this registry host",
        Remedy::LoginAgain => "log in again",
        Remedy::LoginToRegistryRegion => "log in to the registry's Region",
        Remedy::CreateRepository => "create the repository (or fix its name, account or Region)",
        Remedy::GrantPushActions => "allow the push actions on the repository",
        _ => "see below",
    }
}

fn client_human(client: &ClientError) -> String {
    let (cause, commands) = client_words(client);
    let mut lines = vec![format!(
        "not a policy denial: {} (docker or credential error)",
        client.kind.key()
    )];
    if let Some(r) = &client.registry {
        lines.push(format!(
            "  registry: {} (account {}, Region {})",
            r.host, r.account, r.region
        ));
    }
    if let Some(repo) = &client.repository {
        lines.push(format!("  repository: {repo}"));
    }
    lines.push(format!("cause: {cause}"));
    lines.push(format!("remedy: {}", remedy_words(client.kind.remedy())));
    lines.extend(commands.into_iter().map(|c| format!("  {c}")));
    lines.push(
        "see: https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors-docker.html"
            .to_string(),
    );
    finish(lines)
}

/// The JSON report of a docker or credential error.
pub fn client_json(client: &ClientError) -> Value {
    let (cause, commands) = client_words(client);
    let (registry_region, login_region) = match &client.kind {
        ClientErrorKind::RegionMismatch {
            registry_region,
            login_region,
        } => (Some(registry_region), Some(login_region)),
        _ => (None, None),
    };
    json!({
        "kind": "clientError",
        "error": client.kind.key(),
        "remedy": client.kind.remedy().as_str(),
        "registry": client.registry.as_ref().map(|r| json!({
            "host": r.host,
            "account": r.account,
            "region": registry_region.unwrap_or(&r.region),
        })),
        "loginRegion": login_region,
        "repository": client.repository,
        "repositoryArn": client.repository_arn(),
        "cause": cause,
        "commands": commands,
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "tests stop loudly on unexpected input"
    )]

    use super::*;

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("ecr:PutImage"), "ecr:PutImage");
        assert_eq!(shell_quote("*"), "'*'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
