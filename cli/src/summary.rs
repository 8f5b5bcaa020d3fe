//! `ecrsim explain`: what identity policies grant, per service and access level, like the IAM
//! console's policy summary; and the shell integration subcommands `completions` and `man`.

use std::path::PathBuf;

use ecrsim_engine::PolicyKind;
use ecrsim_engine::{
    ActionSummary, AllServices, ConditionSummary, Resources, Scope, ServiceSummary,
    StatementSource, Summary, SummaryWarning, summarize,
};
use serde_json::{Value, json};

use crate::input::{check_stdin_once, load_managed_policy, load_policies};
use crate::{EXIT_ALLOWED, Format};

const EXPLAIN_EXAMPLE: &str = "\
Example: what does the repository-scoped push/pull policy grant?

  ecrsim explain policy.json

  Allowed:
    Amazon Elastic Container Registry (ecr): Limited: List, Read, Write — 11 of 60 actions
      List (2 of 4):
        DescribeImages, ListImages
          on repository my-app-repo (us-east-1, 123456789012)
      ...
  Warnings:
    policy.json:7:17 (statement #0): `ecr:GetAuthorizationToken` is granted nothing: ...

Wildcards and NotAction are expanded over the actions of the services the policies mention;
\"Action\": \"*\" is shown as all services. Exit codes: 0 summarized, 2 bad input.";

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXPLAIN_EXAMPLE)]
pub struct ExplainArgs {
    /// Identity-based policy files (JSON, or any shape the AWS CLI prints), directories (every
    /// `*.json` in them) or `-` for standard input.
    #[arg(value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// An AWS managed policy to include, by name or ARN (e.g. AmazonEC2ContainerRegistryPowerUser).
    #[arg(
        long = "managed-policy",
        value_name = "NAME|ARN",
        value_parser = crate::shell::Names::managed_policies(),
        hide_possible_values = true
    )]
    pub managed_policies: Vec<String>,
    /// How to read the policies: `resource` (an ECR repository policy) or `registry` (an ECR
    /// registry policy) says who the policy lets in and to what, from the principal side.
    #[arg(long, value_enum, default_value_t)]
    pub kind: crate::input::KindArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs `explain` and returns the exit code.
pub fn run(args: &ExplainArgs) -> u8 {
    let kind = args.kind.policy_kind();
    if matches!(kind, PolicyKind::Resource | PolicyKind::Registry) {
        return run_resource_policy(args, kind);
    }
    if args.policies.is_empty() && args.managed_policies.is_empty() {
        return crate::errors::fail(
            args.format == Format::Json,
            "give at least one policy: a POLICY file or --managed-policy",
        );
    }
    if let Err(e) = check_stdin_once(args.policies.iter().map(PathBuf::as_path)) {
        return crate::errors::fail(args.format == Format::Json, &e.to_string());
    }
    let mut policies = Vec::new();
    for path in &args.policies {
        match load_policies(path, kind) {
            Ok(p) => policies.extend(p),
            Err(e) => {
                return crate::errors::fail(args.format == Format::Json, &e.to_string());
            }
        }
    }
    for name in &args.managed_policies {
        match load_managed_policy(name) {
            Ok(p) => policies.push(p),
            Err(e) => {
                return crate::errors::fail(args.format == Format::Json, &e.to_string());
            }
        }
    }
    let summary = summarize(&policies);
    let text = match args.format {
        Format::Human => ecrsim_engine::printable_lines(&summary.render_text()),
        Format::Json => {
            serde_json::to_string_pretty(&summary_json(&summary)).unwrap_or_default() + "\n"
        }
        Format::Markdown => crate::markdown::explain(&summary_json(&summary)),
    };
    crate::write_stdout(text.as_bytes());
    EXIT_ALLOWED
}

/// The JSON report of `explain --format json`.
pub fn summary_json(summary: &Summary) -> Value {
    json!({
        "policies": summary.policies,
        "allowed": summary.allowed.iter().map(service_json).collect::<Vec<_>>(),
        "denied": summary.denied.iter().map(service_json).collect::<Vec<_>>(),
        "allServices": summary.all_services.iter().map(all_services_json).collect::<Vec<_>>(),
        "warnings": summary.warnings.iter().map(warning_json).collect::<Vec<_>>(),
    })
}

fn service_json(service: &ServiceSummary) -> Value {
    let levels: Vec<Value> = service
        .levels
        .iter()
        .filter(|l| !l.actions.is_empty())
        .map(|l| {
            json!({
                "level": l.level.as_str(),
                "granted": l.actions.len(),
                "total": l.total,
                "actions": l.actions.iter().map(action_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "service": service.prefix,
        "name": service.name,
        "access": service.access(),
        "granted": service.granted_actions(),
        "total": service.total_actions(),
        "levels": levels,
    })
}

fn action_json(action: &ActionSummary) -> Value {
    json!({
        "action": action.action,
        "scopes": action.scopes.iter().map(scope_json).collect::<Vec<_>>(),
    })
}

fn scope_json(scope: &Scope) -> Value {
    let mut value = resources_json(&scope.resources);
    if let Value::Object(map) = &mut value {
        map.insert("conditions".into(), conditions_json(&scope.conditions));
        map.insert("statement".into(), source_json(&scope.source));
    }
    value
}

/// `{"resources": [...], "repositories": [...]}`, `{"notResources": [...]}` or
/// `{"resources": null}` (no `Resource` element).
fn resources_json(resources: &Resources) -> Value {
    let texts = |rs: &[ecrsim_engine::ResourceSummary]| {
        rs.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    };
    let names = |rs: &[ecrsim_engine::ResourceSummary]| {
        rs.iter()
            .filter_map(|r| r.repository.clone())
            .collect::<Vec<_>>()
    };
    match resources {
        Resources::All => json!({"resources": ["*"], "repositories": []}),
        Resources::Listed(rs) => json!({"resources": texts(rs), "repositories": names(rs)}),
        Resources::AllExcept(rs) => {
            json!({"notResources": texts(rs), "repositories": names(rs)})
        }
        Resources::ThisResource => json!({"resources": null, "repositories": []}),
    }
}

fn conditions_json(conditions: &[ConditionSummary]) -> Value {
    conditions
        .iter()
        .map(|c| json!({"operator": c.operator, "key": c.key, "values": c.values}))
        .collect()
}

fn source_json(source: &StatementSource) -> Value {
    json!({
        "policy": source.policy,
        "statement": source.label,
        "index": source.index,
        "line": source.line,
    })
}

fn all_services_json(all: &AllServices) -> Value {
    let mut value = resources_json(&all.resources);
    if let Value::Object(map) = &mut value {
        map.insert("effect".into(), Value::String(all.effect.to_string()));
        let element = if all.except { "notActions" } else { "actions" };
        map.insert(element.into(), json!(all.patterns));
        map.insert("description".into(), Value::String(all.describe()));
        map.insert("conditions".into(), conditions_json(&all.conditions));
        map.insert("statement".into(), source_json(&all.source));
    }
    value
}

fn warning_json(w: &SummaryWarning) -> Value {
    json!({
        "code": w.kind.code(),
        "policy": w.source.policy,
        "statement": w.source.label,
        "line": w.line,
        "column": w.column,
        "action": w.action,
        "message": w.message,
    })
}

/// `explain --kind resource|registry`: who the policy lets in, statement by statement.
fn run_resource_policy(args: &ExplainArgs, kind: PolicyKind) -> u8 {
    let json_errors = args.format == Format::Json;
    if args.policies.is_empty() || !args.managed_policies.is_empty() {
        return crate::errors::fail(
            json_errors,
            "give the repository or registry policy as a POLICY file (--managed-policy is for identity policies)",
        );
    }
    if let Err(e) = check_stdin_once(args.policies.iter().map(PathBuf::as_path)) {
        return crate::errors::fail(json_errors, &e.to_string());
    }
    let mut loaded = Vec::new();
    for path in &args.policies {
        match load_policies(path, kind) {
            Ok(p) => loaded.extend(p),
            Err(e) => return crate::errors::fail(json_errors, &e.to_string()),
        }
    }
    let text = match args.format {
        Format::Json => {
            let value = json!({
                "kind": policy_word(kind).0,
                "policies": loaded.iter().map(|p| json!({
                    "policy": p.source.name,
                    "grants": grants(p).iter().map(|g| grant_json(g, kind)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        Format::Human => loaded.iter().map(|p| grants_text(p, kind)).collect(),
        Format::Markdown => loaded
            .iter()
            .map(|p| {
                let text = grants_text(p, kind);
                let mut lines = text.lines();
                let mut out = format!("**{}**\n\n", lines.next().unwrap_or_default());
                for line in lines.filter(|l| !l.trim().is_empty()) {
                    out.push_str(&format!("- {}\n", line.trim()));
                }
                out + "\n"
            })
            .collect(),
    };
    crate::write_stdout(ecrsim_engine::printable_lines(&text).as_bytes());
    EXIT_ALLOWED
}

use ecrsim_engine::{Grant, GrantScope, Grantee, grants};

/// ("repository", "this repository") or ("registry", "this registry").
fn policy_word(kind: PolicyKind) -> (&'static str, &'static str) {
    match kind {
        PolicyKind::Registry => ("registry", "this registry"),
        _ => ("repository", "this repository"),
    }
}

/// Who a grantee is, in words.
pub fn grantee_text(grantee: &Grantee) -> String {
    match grantee {
        Grantee::Anyone => "every AWS account (\"Principal\": \"*\")".to_string(),
        Grantee::Account(account) => {
            format!("account {account} (any of its principals its own policies allow)")
        }
        Grantee::Principal { arn, .. } => arn.clone(),
        Grantee::Service(name) => format!("the service {name}"),
        Grantee::Other(text) => text.clone(),
    }
}

/// Which repositories, in words.
fn scope_text(scope: &GrantScope, kind: PolicyKind) -> String {
    let names = |rs: &[String]| -> String {
        rs.iter()
            .map(|r| {
                ecrsim_engine::ResourceSummary::new(r)
                    .repository
                    .unwrap_or_else(|| r.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match scope {
        GrantScope::ThisResource => policy_word(kind).1.to_string(),
        GrantScope::AllRepositories => "every repository of this registry".to_string(),
        GrantScope::Listed(rs) => format!("repositories {}", names(rs)),
        GrantScope::AllExcept(rs) => format!("every repository but {}", names(rs)),
    }
}

/// "pull from", "push to", … for the grant's tasks.
fn tasks_text(grant: &Grant) -> Option<String> {
    let verbs: Vec<&str> = grant
        .tasks
        .iter()
        .map(|t| match *t {
            "pull" => "pull from",
            "push" => "push to",
            "delete" => "delete images of",
            _ => "replicate into",
        })
        .collect();
    match verbs.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

fn grants_text(policy: &ecrsim_engine::Policy, kind: PolicyKind) -> String {
    let (word, _) = policy_word(kind);
    let found = grants(policy);
    let mut out = format!("This {word} policy ({}) lets:\n", policy.source.name);
    if found.is_empty() {
        out.push_str("  nobody: it has no Allow statement with a Principal\n");
    }
    for grant in &found {
        let actions = grant.actions.join(", ");
        let what = if grant.not_action {
            format!("every action except {actions}")
        } else {
            actions
        };
        let scope = scope_text(&grant.scope, kind);
        let doing = match tasks_text(grant) {
            Some(verbs) => format!("{verbs} {scope} ({what})"),
            None => format!("{what} on {scope}"),
        };
        let when = if grant.condition_keys.is_empty() {
            String::new()
        } else {
            format!(
                ", when its condition on {} holds",
                grant.condition_keys.join(", ")
            )
        };
        let public = if grant.grantee == Grantee::Anyone && grant.condition_keys.is_empty() {
            " — public"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} {doing}{when}{public} [statement {}, line {}]\n",
            grantee_text(&grant.grantee),
            grant.statement,
            grant.line
        ));
    }
    out.push_str("Deny and NotPrincipal statements are not listed; identity policies of other accounts must allow too.\n");
    out
}

fn grant_json(grant: &Grant, kind: PolicyKind) -> Value {
    let (kind_name, value, account) = match &grant.grantee {
        Grantee::Anyone => ("anyone", "*".to_string(), None),
        Grantee::Account(a) => ("account", a.clone(), Some(a.clone())),
        Grantee::Principal { arn, account } => ("principal", arn.clone(), account.clone()),
        Grantee::Service(s) => ("service", s.clone(), None),
        Grantee::Other(o) => ("other", o.clone(), None),
    };
    let (scope, resources) = match &grant.scope {
        GrantScope::ThisResource => ("this", Vec::new()),
        GrantScope::AllRepositories => ("allRepositories", Vec::new()),
        GrantScope::Listed(rs) => ("listed", rs.clone()),
        GrantScope::AllExcept(rs) => ("allExcept", rs.clone()),
    };
    json!({
        "grantee": {"type": kind_name, "value": value, "account": account},
        "actions": grant.actions,
        "notAction": grant.not_action,
        "tasks": grant.tasks,
        "scope": scope,
        "resources": resources,
        "conditionKeys": grant.condition_keys,
        "statement": grant.statement,
        "line": grant.line,
        "text": format!("{} {}", grantee_text(&grant.grantee), scope_text(&grant.scope, kind)),
    })
}
