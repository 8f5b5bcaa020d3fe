//! `ecrsim check`: one request against identity-based policy files.

use ecrsim_engine::{Decision, Request, explain};

use crate::input::{check_account, load_context, load_policy_set};
use crate::{CheckArgs, EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_DENIED, Format, render, use_color};

/// Runs `check` and returns the exit code.
pub fn run(args: &CheckArgs) -> u8 {
    if args.policy.policies.is_empty()
        && args.policy.identity_policies.is_empty()
        && args.policy.managed_policies.is_empty()
        && args.policy.resource_policy.is_none()
    {
        eprintln!(
            "error: give at least one policy: a POLICY file, --managed-policy or --resource-policy"
        );
        return EXIT_BAD_INPUT;
    }
    let set = match load_policy_set(&args.policy) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let context = match load_context(args.context_file.as_deref(), &args.context) {
        Ok(context) => context,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if let Some(account) = &args.resource_account
        && let Err(e) = check_account(account)
    {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let request = Request::new(&args.action, &args.resource, args.principal.as_deref()).map(|r| {
        let r = r.with_context(context);
        match &args.resource_account {
            Some(account) => r.with_resource_account(account),
            None => r,
        }
    });
    let request = match request {
        Ok(request) => request,
        Err(e) => {
            eprintln!("error: {}", e.message);
            if let Some(help) = &e.help {
                eprintln!("  = help: {help}");
            }
            return EXIT_BAD_INPUT;
        }
    };
    let explanation = explain(&set, &request);
    match args.format {
        Format::Human => print!("{}", render::human(&explanation, &request, use_color())),
        Format::Json => {
            let value = render::json(&explanation, &request, &set);
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
    }
    match explanation.response.decision {
        Decision::Allow => EXIT_ALLOWED,
        Decision::ExplicitDeny | Decision::ImplicitDeny => EXIT_DENIED,
    }
}
