//! `ecrsim explain`: what identity policies grant, per service and access level, like the IAM
//! console's policy summary; and the shell integration subcommands `completions` and `man`.

use std::path::PathBuf;

use ecrsim_engine::PolicyKind;
use ecrsim_engine::tools::summary::{
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
    #[arg(long = "managed-policy", value_name = "NAME|ARN")]
    pub managed_policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs `explain` and returns the exit code.
pub fn run(args: &ExplainArgs) -> u8 {
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
        match load_policies(path, PolicyKind::Identity) {
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
        Format::Human => ecrsim_engine::syntax::printable::printable_lines(&summary.render_text()),
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
    let texts = |rs: &[ecrsim_engine::tools::summary::ResourceSummary]| {
        rs.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    };
    let names = |rs: &[ecrsim_engine::tools::summary::ResourceSummary]| {
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
