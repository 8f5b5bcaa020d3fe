//! `scripts/collect-snapshot.sh` against a stub `aws` placed first on PATH (no network): it writes
//! the unmodified outputs, one folder per account plus the organization, and `ecrsim check
//! --snapshot` reads what it wrote.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{ecrsim, text};

const EXAMPLE: &str = "corpus/snapshots/example/snapshot";

/// The stub: answers each command line from `$STUB/KEY.out` (standard output, exit 0) or
/// `$STUB/KEY.err` (standard error, exit 254), KEY being the arguments with every character but
/// letters, digits, `.`, `_` and `-` made `_`; logs every call; fails on any other command.
const STUB: &str = r#"#!/usr/bin/env bash
key="$(printf '%s' "$*" | tr -c 'A-Za-z0-9._-' '_')"
printf '%s\n' "$*" >> "$STUB/calls.log"
if [ -f "$STUB/$key.out" ]; then cat "$STUB/$key.out"; exit 0; fi
if [ -f "$STUB/$key.err" ]; then cat "$STUB/$key.err" >&2; exit 254; fi
echo "stub aws: unexpected call: $*" >&2
exit 255
"#;

fn key(args: &str) -> String {
    args.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn example(path: &str) -> Vec<u8> {
    std::fs::read(support::workspace_root().join(EXAMPLE).join(path)).unwrap()
}

/// Writes the stub and its answers (taken from the test snapshot's prod account and
/// organization); returns its folder.
fn stub(base: &Path, repository_policy_error: &str) -> PathBuf {
    let stub = base.join("stub");
    std::fs::create_dir_all(&stub).unwrap();
    let aws = stub.join("aws");
    std::fs::write(&aws, STUB).unwrap();
    Command::new("chmod").arg("+x").arg(&aws).status().unwrap();
    let out = |args: &str, body: &[u8]| {
        std::fs::write(stub.join(format!("{}.out", key(args))), body).unwrap()
    };
    // The CLI merges the pages of get-account-authorization-details into one document.
    let mut gaad: Value = serde_json::from_slice(&example("prod/iam-page-1.json")).unwrap();
    let page2: Value = serde_json::from_slice(&example("prod/iam-page-2.json")).unwrap();
    for (k, v) in page2.as_object().unwrap() {
        gaad[k] = v.clone();
    }
    gaad.as_object_mut().unwrap().remove("Marker");
    let gaad = serde_json::to_vec_pretty(&gaad).unwrap();
    out(
        "sts get-caller-identity --query Account --output text",
        b"111122223333\n",
    );
    out("iam get-account-authorization-details", &gaad);
    out(
        "ecr describe-repositories --region us-east-1",
        &example("prod/repositories.json"),
    );
    out(
        "ecr describe-repositories --region us-east-1 --query repositories[].repositoryName --output text",
        b"app\ttools\n",
    );
    out(
        "ecr get-repository-policy --region us-east-1 --repository-name app",
        &example("prod/repository-policy-app.json"),
    );
    std::fs::write(
        stub.join(format!(
            "{}.err",
            key("ecr get-repository-policy --region us-east-1 --repository-name tools")
        )),
        repository_policy_error,
    )
    .unwrap();
    for (name, tags) in [
        (
            "app",
            r#"{"tags": [{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "prod"}]}"#
                .as_bytes()
                .to_vec(),
        ),
        ("tools", example("prod/tools.tags.json")),
    ] {
        out(
            &format!(
                "ecr list-tags-for-resource --region us-east-1 --resource-arn arn:aws:ecr:us-east-1:111122223333:repository/{name}"
            ),
            &tags,
        );
    }
    out(
        "ecr get-registry-policy --region us-east-1",
        &example("prod/registry-policy.json"),
    );
    out(
        "ecr get-account-setting --region us-east-1 --name REGISTRY_POLICY_SCOPE",
        &example("prod/registry-policy-scope.json"),
    );
    out(
        "organizations describe-organization --query Organization.Id --output text",
        b"o-exampleorg1\n",
    );
    out(
        "organizations describe-organization --query Organization.MasterAccountId --output text",
        b"999999999999\n",
    );
    out(
        "organizations list-roots --query Roots[0].Id --output text",
        b"r-ex12\n",
    );
    let tree = [
        ("r-ex12", "ou-ex12-workload\tWorkloads\n", "999999999999\n"),
        (
            "ou-ex12-workload",
            "ou-ex12-prod0001\tProd\n",
            "444455556666\n",
        ),
        ("ou-ex12-prod0001", "", "111122223333\n"),
    ];
    for (parent, ous, accounts) in tree {
        out(
            &format!(
                "organizations list-organizational-units-for-parent --parent-id {parent} --query OrganizationalUnits[].[Id,Name] --output text"
            ),
            ous.as_bytes(),
        );
        out(
            &format!(
                "organizations list-accounts-for-parent --parent-id {parent} --query Accounts[].Id --output text"
            ),
            accounts.as_bytes(),
        );
    }
    let attached = [
        (
            "r-ex12",
            "p-FullAWSAccess",
            "p-RCPFullAWSAccess\tp-examplercp1",
        ),
        (
            "ou-ex12-workload",
            "p-FullAWSAccess\tp-examplescp1",
            "p-RCPFullAWSAccess",
        ),
        ("ou-ex12-prod0001", "p-FullAWSAccess", "p-RCPFullAWSAccess"),
        ("999999999999", "p-FullAWSAccess", "p-RCPFullAWSAccess"),
        ("444455556666", "p-FullAWSAccess", "p-RCPFullAWSAccess"),
        ("111122223333", "p-FullAWSAccess", "p-RCPFullAWSAccess"),
    ];
    for (target, scps, rcps) in attached {
        for (filter, ids) in [
            ("SERVICE_CONTROL_POLICY", scps),
            ("RESOURCE_CONTROL_POLICY", rcps),
        ] {
            out(
                &format!(
                    "organizations list-policies-for-target --target-id {target} --filter {filter} --query Policies[].Id --output text"
                ),
                format!("{ids}\n").as_bytes(),
            );
        }
    }
    out(
        "organizations describe-policy --policy-id p-examplescp1",
        &example("organization/DenyRegions.json"),
    );
    out(
        "organizations describe-policy --policy-id p-examplercp1",
        &example("organization/KeepEcrInOrg.json"),
    );
    stub
}

fn collect(base: &Path, stub: &Path, out: &Path) -> std::process::Output {
    let path = format!(
        "{}:{}",
        stub.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg(support::workspace_root().join("scripts/collect-snapshot.sh"))
        .args(["--region", "us-east-1", "--org"])
        .arg(out)
        .current_dir(base)
        .env("PATH", path)
        .env("STUB", stub)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

#[test]
fn the_collect_script_writes_unmodified_outputs_that_check_reads() {
    let base = std::env::temp_dir().join(format!("ecrsim-collect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let stub = stub(
        &base,
        "An error occurred (RepositoryPolicyNotFoundException) when calling the GetRepositoryPolicy operation: Repository policy does not exist for the repository with name 'tools'\n",
    );
    let out = base.join("snap");
    let run = collect(&base, &stub, &out);
    assert!(
        run.status.success(),
        "{}\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    let account = out.join("111122223333");
    // Unmodified: byte for byte what the CLI printed.
    assert_eq!(
        std::fs::read(account.join("repository-policy.app.json")).unwrap(),
        example("prod/repository-policy-app.json")
    );
    assert_eq!(
        std::fs::read(account.join("repositories.json")).unwrap(),
        example("prod/repositories.json")
    );
    assert!(!account.join("repository-policy.tools.json").exists());
    assert!(account.join("tools.tags.json").exists());
    assert_eq!(
        std::fs::read(out.join("organization/policies/p-examplescp1.json")).unwrap(),
        example("organization/DenyRegions.json")
    );
    let calls = std::fs::read_to_string(stub.join("calls.log")).unwrap();
    assert!(
        calls.contains("iam get-account-authorization-details\n"),
        "{calls}"
    );
    let snapshot = out.to_str().unwrap();
    let check = |principal: &str, region: &str| {
        ecrsim(
            &[
                "check",
                "--snapshot",
                snapshot,
                "--principal",
                principal,
                "--workflow",
                "pull",
                "--resource",
                "arn:aws:ecr:us-east-1:111122223333:repository/app",
                "--region",
                region,
                "--at",
                "2026-06-01T00:00:00Z",
            ],
            "",
        )
    };
    let allowed = check("role/eks-node", "us-east-1");
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    let denied = check("role/eks-node", "eu-west-1");
    assert_eq!(denied.status.code(), Some(1));
    let report = text(&denied.stdout);
    assert!(report.contains("ExplicitDeny"), "{report}");
    assert!(
        report.contains("SCP DenyRegions at OU Workloads"),
        "the organization's SCP, named by its describe-policy output: {report}"
    );
    let tags = check("role/readonly", "us-east-1");
    assert_eq!(tags.status.code(), Some(1), "app is tagged team=payments");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn an_error_other_than_not_found_stops_the_collection() {
    let base = std::env::temp_dir().join(format!("ecrsim-collect-denied-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let stub = stub(
        &base,
        "An error occurred (AccessDeniedException) when calling the GetRepositoryPolicy operation: not authorized\n",
    );
    let run = collect(&base, &stub, &base.join("snap"));
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("AccessDeniedException"),
        "{}",
        text(&run.stderr)
    );
    let _ = std::fs::remove_dir_all(&base);
}
