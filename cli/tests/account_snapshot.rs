//! `--snapshot`: on the test snapshot (`corpus/snapshots/example/snapshot`), every principal's
//! `check --snapshot` decision equals the decision of the same policies passed by hand (assembled
//! here from the snapshot files with serde_json, not by the engine's loader), and `who-can` lists
//! exactly the principals `check` allows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{ecrsim, text};

const SNAPSHOT: &str = "corpus/snapshots/example/snapshot";
const AT: &str = "2026-06-01T00:00:00Z";
const REPOSITORIES: [&str; 2] = [
    "arn:aws:ecr:us-east-1:111122223333:repository/app",
    "arn:aws:ecr:us-east-1:111122223333:repository/tools",
];

/// The snapshot's files, read as plain JSON.
#[derive(Default)]
struct Files {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    managed: BTreeMap<String, Value>,
    repository_policies: BTreeMap<String, String>,
    registry_policy: Option<String>,
    scope: Option<String>,
    tags: BTreeMap<String, Vec<(String, String)>>,
    org: Option<PathBuf>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn pairs(tags: &Value) -> Vec<(String, String)> {
    tags.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["Key"].as_str().unwrap().to_string(),
                t["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn read_files() -> Files {
    let root = support::workspace_root().join(SNAPSHOT);
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    let mut files = Files::default();
    for path in paths {
        let json: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let list = |key: &str| json[key].as_array().cloned().unwrap_or_default();
        files.users.extend(list("UserDetailList"));
        files.groups.extend(list("GroupDetailList"));
        files.roles.extend(list("RoleDetailList"));
        for policy in list("Policies") {
            let default = policy["DefaultVersionId"].as_str().unwrap();
            let document = policy["PolicyVersionList"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["VersionId"] == default)
                .unwrap()["Document"]
                .clone();
            files
                .managed
                .insert(policy["Arn"].as_str().unwrap().to_string(), document);
        }
        if let Some(text) = json["policyText"].as_str() {
            match json["repositoryName"].as_str() {
                Some(name) => {
                    files
                        .repository_policies
                        .insert(name.to_string(), text.to_string());
                }
                None => files.registry_policy = Some(text.to_string()),
            }
        }
        if json["name"] == "REGISTRY_POLICY_SCOPE" {
            files.scope = json["value"].as_str().map(str::to_string);
        }
        let file_name = path.file_name().unwrap().to_string_lossy().to_string();
        if let Some(repository) = file_name.strip_suffix(".tags.json") {
            files
                .tags
                .entry(repository.replace('+', "/"))
                .or_default()
                .extend(pairs(&json["tags"]));
        }
        for mapping in list("ResourceTagMappingList") {
            let arn = mapping["ResourceARN"].as_str().unwrap();
            let name = arn.split_once(":repository/").unwrap().1;
            files
                .tags
                .entry(name.to_string())
                .or_default()
                .extend(pairs(&mapping["Tags"]));
        }
        if json.get("root").is_some() && json.get("id").is_some() {
            files.org = Some(path.clone());
        }
    }
    files
}

/// The `check` flags that pass by hand every policy of `identity` (a user or role entry of the
/// dump) for requests on `repository`, with the documents written under `dir`.
fn hand_flags(files: &Files, identity: &Value, repository: &str, dir: &Path) -> Vec<String> {
    let mut flags = Vec::new();
    let mut n = 0;
    let mut write = |document: &str| -> String {
        n += 1;
        let path = dir.join(format!("policy-{n}.json"));
        std::fs::write(&path, document).unwrap();
        path.display().to_string()
    };
    let mut attach = |entry: &Value, inline_key: &str, flags: &mut Vec<String>| {
        for inline in entry[inline_key].as_array().into_iter().flatten() {
            flags.push("--identity-policy".into());
            flags.push(write(&inline["PolicyDocument"].to_string()));
        }
        for attached in entry["AttachedManagedPolicies"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let arn = attached["PolicyArn"].as_str().unwrap();
            match files.managed.get(arn) {
                Some(document) => {
                    flags.push("--identity-policy".into());
                    flags.push(write(&document.to_string()));
                }
                None => {
                    flags.push("--managed-policy".into());
                    flags.push(arn.to_string());
                }
            }
        }
    };
    let inline_key = if identity.get("UserName").is_some() {
        "UserPolicyList"
    } else {
        "RolePolicyList"
    };
    attach(identity, inline_key, &mut flags);
    for group in identity["GroupList"].as_array().into_iter().flatten() {
        let entry = files
            .groups
            .iter()
            .find(|g| g["GroupName"] == *group)
            .unwrap();
        attach(entry, "GroupPolicyList", &mut flags);
    }
    let mut write = |document: &str| -> String {
        n += 1;
        let path = dir.join(format!("policy-{n}.json"));
        std::fs::write(&path, document).unwrap();
        path.display().to_string()
    };
    if let Some(arn) = identity["PermissionsBoundary"]["PermissionsBoundaryArn"].as_str() {
        flags.push("--boundary".into());
        flags.push(write(&files.managed[arn].to_string()));
    }
    let name = repository.split_once(":repository/").unwrap().1;
    if let Some(policy) = files.repository_policies.get(name) {
        flags.push("--resource-policy".into());
        flags.push(write(policy));
    }
    if let Some(policy) = &files.registry_policy {
        flags.push("--registry-policy".into());
        flags.push(write(policy));
        if let Some(scope) = &files.scope {
            flags.push("--registry-policy-scope".into());
            flags.push(scope.clone());
        }
    }
    if let Some(org) = &files.org {
        flags.push("--org".into());
        flags.push(org.display().to_string());
    }
    for (key, value) in pairs(&identity["Tags"]) {
        flags.push("--principal-tag".into());
        flags.push(format!("{key}={value}"));
    }
    for (key, value) in files.tags.get(name).into_iter().flatten() {
        flags.push("--resource-tag".into());
        flags.push(format!("{key}={value}"));
    }
    flags
}

/// The decision of every action of a `check --format json --workflow` run.
fn decisions(args: &[String]) -> (String, Vec<String>) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = ecrsim(&args, "");
    let stdout = text(&output.stdout);
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}\n{}", text(&output.stderr)));
    let per_action = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["action"], r["decision"]))
        .collect();
    (json["decision"].as_str().unwrap().to_string(), per_action)
}

fn request(workflow: &str, repository: &str, principal: &str) -> Vec<String> {
    [
        "--workflow",
        workflow,
        "--resource",
        repository,
        "--principal",
        principal,
        "--region",
        "us-east-1",
        "--at",
        AT,
        "--format",
        "json",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn every_principal_decides_as_its_policies_passed_by_hand() {
    let files = read_files();
    let dir = std::env::temp_dir().join(format!("ecrsim-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let identities: Vec<&Value> = files.users.iter().chain(&files.roles).collect();
    assert_eq!(identities.len(), 8, "the test snapshot's users and roles");
    let mut seen = BTreeSet::new();
    for identity in identities {
        let arn = identity["Arn"].as_str().unwrap();
        for repository in REPOSITORIES {
            for workflow in ["push", "pull"] {
                let mut by_hand = vec!["check".to_string()];
                by_hand.extend(hand_flags(&files, identity, repository, &dir));
                by_hand.extend(request(workflow, repository, arn));
                let mut by_snapshot = vec!["check".into(), "--snapshot".into(), SNAPSHOT.into()];
                by_snapshot.extend(request(workflow, repository, arn));
                let hand = decisions(&by_hand);
                let snapshot = decisions(&by_snapshot);
                assert_eq!(
                    snapshot,
                    hand,
                    "{arn} {workflow} on {repository}\nby hand: ecrsim {}",
                    by_hand.join(" ")
                );
                seen.insert(hand.0);
            }
        }
    }
    // The snapshot is built to give every kind of decision.
    assert_eq!(
        seen,
        BTreeSet::from(["Allow".to_string(), "ImplicitDeny".to_string()]),
        "decisions seen"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn who_can_lists_exactly_the_principals_check_allows() {
    let files = read_files();
    let arns: Vec<String> = files
        .users
        .iter()
        .chain(&files.roles)
        .map(|i| i["Arn"].as_str().unwrap().to_string())
        .collect();
    for repository in REPOSITORIES {
        for workflow in ["push", "pull"] {
            let output = ecrsim(
                &[
                    "who-can",
                    "--snapshot",
                    SNAPSHOT,
                    "--resource",
                    repository,
                    "--workflow",
                    workflow,
                    "--at",
                    AT,
                    "--format",
                    "json",
                ],
                "",
            );
            let json: Value = serde_json::from_slice(&output.stdout).unwrap();
            let listed: BTreeSet<String> = json["principals"]
                .as_array()
                .unwrap()
                .iter()
                .inspect(|p| assert_eq!(p["decision"], "Allow", "{p}"))
                .map(|p| p["principal"].as_str().unwrap().to_string())
                .collect();
            let allowed: BTreeSet<String> = arns
                .iter()
                .filter(|arn| {
                    let mut args = vec!["check".into(), "--snapshot".into(), SNAPSHOT.into()];
                    args.extend(request(workflow, repository, arn));
                    decisions(&args).0 == "Allow"
                })
                .cloned()
                .collect();
            assert_eq!(listed, allowed, "{workflow} on {repository}");
            assert!(!allowed.is_empty(), "{workflow} on {repository}");
            assert_eq!(
                output.status.code(),
                Some(0),
                "exit 0 when someone is allowed"
            );
        }
    }
}

#[test]
fn who_can_all_names_external_accounts_and_services_of_the_repository_policy() {
    let output = ecrsim(
        &[
            "who-can",
            "--snapshot",
            SNAPSHOT,
            "--resource",
            REPOSITORIES[0],
            "--workflow",
            "pull",
            "--at",
            AT,
            "--all",
            "--format",
            "json",
        ],
        "",
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let by_principal: BTreeMap<String, Value> = json["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["principal"].as_str().unwrap().to_string(), p.clone()))
        .collect();
    assert_eq!(
        by_principal.len(),
        10,
        "8 users and roles, 1 account, 1 service"
    );
    let partner = &by_principal["arn:aws:iam::777788889999:root"];
    assert_eq!(partner["decision"], "ExplicitDeny");
    assert_eq!(partner["external"], true);
    assert!(
        partner["why"]
            .as_str()
            .unwrap()
            .contains("resource control policy"),
        "{partner}"
    );
    assert_eq!(by_principal["lambda.amazonaws.com"]["kind"], "service");
    let ci = &by_principal["arn:aws:iam::444455556666:role/ci-push"];
    assert_eq!(ci["decision"], "Allow");
    assert!(
        ci["why"]
            .as_str()
            .unwrap()
            .contains("repository app in 111122223333: repository policy `CiAccountPushes`"),
        "{ci}"
    );
}

#[test]
fn who_can_and_can_what_print_csv_and_markdown() {
    let csv = ecrsim(
        &[
            "who-can",
            "--snapshot",
            SNAPSHOT,
            "--resource",
            REPOSITORIES[1],
            "--workflow",
            "push",
            "--at",
            AT,
            "--format",
            "csv",
        ],
        "",
    );
    let csv = text(&csv.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("principal,name,kind,resource,question,decision,why")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].starts_with("arn:aws:iam::111122223333:user/carol,user/carol,user,"));
    let markdown = ecrsim(
        &[
            "can-what",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "role/readonly",
            "--workflow",
            "pull",
            "--at",
            AT,
            "--all",
            "--format",
            "markdown",
        ],
        "",
    );
    let markdown = text(&markdown.stdout);
    assert!(
        markdown.contains("| resource | question | decision | why |"),
        "{markdown}"
    );
    assert!(
        markdown
            .contains("| `arn:aws:ecr:us-east-1:111122223333:repository/tools` | pull | Allow |"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "| `arn:aws:ecr:us-east-1:111122223333:repository/app` | pull | ImplicitDeny |"
        ),
        "{markdown}"
    );
}

#[test]
fn can_what_lists_every_repository_and_workflow_of_a_principal() {
    let output = ecrsim(
        &[
            "can-what",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "arn:aws:sts::444455556666:assumed-role/ci-push/build-7",
            "--at",
            AT,
            "--all",
            "--format",
            "json",
        ],
        "",
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows: Vec<(String, String, String)> = json["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                r["question"].as_str().unwrap().to_string(),
                r["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let allowed: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.2 == "Allow")
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect();
    assert_eq!(
        allowed,
        [
            ("app", "login"),
            ("tools", "login"),
            ("app", "pull"),
            ("app", "push")
        ]
    );
    assert_eq!(rows.len(), 8, "2 repositories × 4 workflows");
}

#[test]
fn a_bad_snapshot_file_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("ecrsim-bad-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.json"), r#"{"hello": "world"}"#).unwrap();
    let output = ecrsim(
        &[
            "check",
            "--snapshot",
            dir.to_str().unwrap(),
            "--principal",
            "role/ci",
            "--workflow",
            "login",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("notes.json: not a snapshot file (top-level keys: hello)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws iam get-account-authorization-details"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_edits_the_principals_own_inline_policy_and_names_the_boundary() {
    let output = ecrsim(
        &[
            "fix",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "role/release",
            "--workflow",
            "push",
            "--resource",
            REPOSITORIES[1],
            "--region",
            "us-east-1",
            "--at",
            AT,
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(1), "the boundary still blocks");
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sids: Vec<&str> = document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        ["Login", "PushApp", "AllowRepositoryAccess"],
        "{document}"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("role release: inline push-app: added statement"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the permissions boundary to edit: role release: permissions boundary customer managed DevBoundary"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws iam put-role-policy --role-name release --policy-name push-app"),
        "{stderr}"
    );
}

#[test]
fn batch_lines_with_a_snapshot_decide_as_check_does() {
    let files = read_files();
    let mut input = String::new();
    let mut expected = Vec::new();
    for (n, identity) in files.users.iter().chain(&files.roles).enumerate() {
        let arn = identity["Arn"].as_str().unwrap();
        let request = serde_json::json!({
            "principal": arn, "action": "ecr:PutImage", "resource": REPOSITORIES[0],
            "region": "us-east-1", "at": AT,
        });
        input.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": n, "snapshot": SNAPSHOT, "request": request})
        ));
        let check = ecrsim(
            &[
                "check",
                "--snapshot",
                SNAPSHOT,
                "--principal",
                arn,
                "--action",
                "ecr:PutImage",
                "--resource",
                REPOSITORIES[0],
                "--region",
                "us-east-1",
                "--at",
                AT,
                "--format",
                "json",
            ],
            "",
        );
        let json: Value = serde_json::from_slice(&check.stdout).unwrap();
        expected.push(json["decision"].as_str().unwrap().to_string());
    }
    let output = ecrsim(&["batch"], &input);
    assert_eq!(output.status.code(), Some(0));
    let got: Vec<String> = text(&output.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["decision"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(got, expected);
    assert!(got.contains(&"Allow".to_string()) && got.contains(&"ImplicitDeny".to_string()));
    let first: Value = serde_json::from_str(text(&output.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], 0);
}

#[test]
fn a_dump_given_as_a_policy_points_at_snapshot_and_the_advice_works() {
    let dump = format!("{SNAPSHOT}/ci/iam.json");
    let output = ecrsim(
        &[
            "check",
            &dump,
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("--snapshot DIR --principal role/NAME"),
        "{stderr}"
    );
    // The advice, followed: the folder holding the dump, and a role of it.
    let output = ecrsim(
        &[
            "check",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "role/ci-push",
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
            "--region",
            "us-east-1",
            "--at",
            AT,
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("role ci-push: inline push #0 `Login`"));
}

#[test]
fn who_can_takes_actions_and_a_role_with_its_trust_policy() {
    let output = ecrsim(
        &[
            "who-can",
            "--snapshot",
            SNAPSHOT,
            "--resource",
            "arn:aws:iam::111122223333:role/readonly",
            "--action",
            "sts:assumerole",
            "--at",
            AT,
            "--all",
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(1), "nobody may assume it");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let principals = json["principals"].as_array().unwrap();
    assert_eq!(principals.len(), 8);
    let alice = principals
        .iter()
        .find(|p| p["name"] == "user/alice")
        .unwrap();
    assert_eq!(alice["question"], "sts:AssumeRole");
    assert_eq!(
        alice["why"],
        "sts:AssumeRole: because no identity-based policy allows it"
    );
    let ci = principals
        .iter()
        .find(|p| p["name"] == "role/ci-push")
        .unwrap();
    assert!(
        ci["why"]
            .as_str()
            .unwrap()
            .contains("trust policy must allow it"),
        "{ci}"
    );
    let typo = ecrsim(
        &[
            "who-can",
            "--snapshot",
            SNAPSHOT,
            "--resource",
            REPOSITORIES[0],
            "--action",
            "ecr:PutImages",
        ],
        "",
    );
    assert_eq!(typo.status.code(), Some(2));
    assert!(text(&typo.stderr).contains("did you mean `ecr:PutImage`?"));
}

/// `who-can`, `can-what` and `matrix` share their question flags (`--workflow`, `--action`,
/// `--at`, `--region`); only `who-can` requires a workflow or an action, and each says its own
/// defaults in `--help`.
#[test]
fn the_question_flags_are_shared_and_each_command_keeps_its_rule() {
    let repository = REPOSITORIES[0];
    let commands: [(&str, Vec<&str>); 3] = [
        ("who-can", vec!["--resource", repository]),
        ("can-what", vec!["--principal", "role/ci-push"]),
        ("matrix", vec![]),
    ];
    for (command, own) in &commands {
        let base: Vec<&str> = [*command, "--snapshot", SNAPSHOT]
            .into_iter()
            .chain(own.iter().copied())
            .collect();
        let both = ecrsim(
            &[
                &base[..],
                &["--workflow", "push", "--action", "ecr:PutImage"],
            ]
            .concat(),
            "",
        );
        assert_eq!(
            both.status.code(),
            Some(2),
            "{command}: {}",
            text(&both.stderr)
        );
        assert!(
            text(&both.stderr).contains("cannot be used with"),
            "{command}"
        );
        let asked = ecrsim(
            &[
                &base[..],
                &[
                    "--action",
                    "ecr:PutImage",
                    "--at",
                    AT,
                    "--region",
                    "us-east-1",
                ],
            ]
            .concat(),
            "",
        );
        assert!(
            matches!(asked.status.code(), Some(0 | 1)),
            "{command}: {}",
            text(&asked.stderr)
        );
        assert!(text(&asked.stdout).contains("ecr:PutImage"), "{command}");
    }
    let bare = ecrsim(
        &["who-can", "--snapshot", SNAPSHOT, "--resource", repository],
        "",
    );
    assert_eq!(bare.status.code(), Some(2));
    assert!(text(&bare.stderr).contains("--workflow <NAME>"));
    let can_what = ecrsim(
        &[
            "can-what",
            "--snapshot",
            SNAPSHOT,
            "--principal",
            "role/ci-push",
        ],
        "",
    );
    assert!(
        matches!(can_what.status.code(), Some(0 | 1)),
        "{}",
        text(&can_what.stderr)
    );
    for (command, default) in [
        ("who-can", "default: the repository's"),
        ("can-what", "default: login, pull, push and delete"),
        ("matrix", "default: pull and push"),
    ] {
        let help = text(&ecrsim(&[command, "--help"], "").stdout);
        assert!(help.contains(default), "{command}: {help}");
        assert!(help.contains("--workflow <NAME>") && help.contains("--region <REGION>"));
    }
}
