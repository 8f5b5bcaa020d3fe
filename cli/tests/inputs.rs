//! One input layer (issue 14 item 1): every policy argument of every command takes a plain
//! document, every shape the AWS CLI prints around one, `-` for standard input and a directory.
//! Table-driven: each command × each shape, asserting the decision or output, and the file, line
//! and column errors report. Fixtures: cli/tests/fixtures/inputs (written by its generate.py).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use serde_json::{Value, json};
use support::{ecrsim, text};

const DIR: &str = "cli/tests/fixtures/inputs";
const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";
const DEV: &str = "arn:aws:iam::123456789012:user/dev";

/// Every form a policy argument takes, with the field whose JSON string holds the document (its
/// positions are then in the decoded text, reported as `FILE (FIELD)`); `None`: the file's own.
const SHAPES: &[(&str, Option<&str>)] = &[
    ("plain", None),
    ("get-role-policy", Some("PolicyDocument")),
    ("get-user-policy", None),
    ("get-group-policy", Some("PolicyDocument")),
    ("get-policy-version", None),
    ("get-repository-policy", Some("policyText")),
    ("get-registry-policy", Some("policyText")),
    ("describe-policy", Some("Policy.Content")),
    ("get-role", None),
    ("get-key-policy", Some("Policy")),
    ("stdin", None),
    ("dir", None),
];

/// A policy argument of document `doc` in `shape`: the argument, standard input, the name
/// reports give the document, and the text its positions refer to.
struct Arg {
    value: String,
    stdin: Vec<u8>,
    shown: String,
    positions_in: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(support::workspace_root().join(path)).expect("fixture")
}

fn arg(doc: &str, shape: &str) -> Arg {
    let plain = read(&format!("{DIR}/{doc}/plain.json"));
    let field = SHAPES.iter().find(|(s, _)| *s == shape).and_then(|s| s.1);
    match shape {
        "stdin" => Arg {
            value: "-".into(),
            stdin: plain.clone().into_bytes(),
            shown: "<stdin>".into(),
            positions_in: plain,
        },
        "dir" => Arg {
            value: format!("{DIR}/{doc}/dir"),
            stdin: Vec::new(),
            shown: format!("{DIR}/{doc}/dir/policy.json"),
            positions_in: plain,
        },
        _ => {
            let path = format!("{DIR}/{doc}/{shape}.json");
            let file = read(&path);
            Arg {
                shown: match field {
                    Some(field) => format!("{path} ({field})"),
                    None => path.clone(),
                },
                positions_in: match field {
                    // The decoded string: the document without the final newline.
                    Some(_) => plain.trim_end().to_string(),
                    None => file,
                },
                value: path,
                stdin: Vec::new(),
            }
        }
    }
}

/// 1-based line and column (in characters) of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).expect("needle in text");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u64, column as u64)
}

fn run(args: &[&str], stdin: impl AsRef<[u8]>) -> (Option<i32>, String, String) {
    let out = ecrsim(args, stdin);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn json_of(stdout: &str, context: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{context}: {e}: {stdout}"))
}

/// `check` with the policy argument at every flag: (flag, document, expected decision, Sid of the
/// deciding statement). The identity policy `allow` is given beside every other flag.
const CHECK_FLAGS: &[(&str, &str, &str, &str)] = &[
    ("", "allow", "Allow", "FixtureAllow"),
    ("--identity-policy", "allow", "Allow", "FixtureAllow"),
    ("--boundary", "deny", "ExplicitDeny", "FixtureDeny"),
    ("--session-policy", "deny", "ExplicitDeny", "FixtureDeny"),
    ("--scp", "deny", "ExplicitDeny", "FixtureDeny"),
    ("--scp-level", "deny", "ExplicitDeny", "FixtureDeny"),
    ("--rcp", "deny-principal", "ExplicitDeny", "FixtureDenyAll"),
    (
        "--rcp-level",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
    (
        "--vpc-endpoint-policy",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
    (
        "--resource-policy",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
    (
        "--trust-policy",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
    (
        "--key-policy",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
    (
        "--registry-policy",
        "deny-principal",
        "ExplicitDeny",
        "FixtureDenyAll",
    ),
];

#[test]
fn check_takes_every_shape_at_every_policy_flag() {
    let identity = format!("{DIR}/allow/plain.json");
    for &(flag, doc, decision, sid) in CHECK_FLAGS {
        for &(shape, _) in SHAPES {
            let a = arg(doc, shape);
            let mut args = vec!["check"];
            if flag.is_empty() {
                args.push(&a.value);
            } else {
                args.extend([identity.as_str(), flag, &a.value]);
            }
            args.extend([
                "--action",
                "ecr:BatchGetImage",
                "--resource",
                REPO,
                "--principal",
                DEV,
                "--format",
                "json",
            ]);
            let context = format!("check {flag} {shape}");
            let (code, stdout, stderr) = run(&args, &a.stdin);
            assert_eq!(
                code,
                Some(i32::from(decision != "Allow")),
                "{context}: {stderr}"
            );
            let value = json_of(&stdout, &context);
            assert_eq!(value["decision"], decision, "{context}");
            let deciding = value["deciding"].as_array().expect("deciding");
            assert!(
                deciding
                    .iter()
                    .any(|d| d["sid"] == sid && d["policy"] == a.shown.as_str()),
                "{context}: {deciding:?} should name {sid} of {}",
                a.shown
            );
        }
    }
}

#[test]
fn errors_point_into_the_document_in_every_shape_and_command() {
    for &(shape, _) in SHAPES {
        let a = arg("bad", shape);
        let (line, column) = position(&a.positions_in, "\"allow\"");
        let at = format!("{}:{line}:{column}: /Statement/0/Effect", a.shown);
        let plain = format!("{DIR}/allow/plain.json");
        let message = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/app because no identity-based policy allows the ecr:BatchGetImage action";
        let request = ["--action", "ecr:BatchGetImage", "--resource", REPO];
        let commands: Vec<(&str, Vec<&str>)> = vec![
            (
                "check",
                [&["check", a.value.as_str()][..], &request].concat(),
            ),
            (
                "check --boundary",
                [&["check", &plain, "--boundary", &a.value][..], &request].concat(),
            ),
            ("fix", [&["fix", a.value.as_str()][..], &request].concat()),
            ("explain", vec!["explain", &a.value]),
            ("diff", vec!["diff", &plain, &a.value]),
            ("why", vec!["why", message, &a.value]),
        ];
        for (name, args) in commands {
            let context = format!("{name} {shape}");
            let (code, _, stderr) = run(&args, &a.stdin);
            assert_eq!(code, Some(2), "{context}: {stderr}");
            assert!(
                stderr.starts_with(&format!("error: {at}")),
                "{context}: {stderr} should start with {at}"
            );
        }
        // With --format json, the error object carries the same file, line and column.
        for command in ["check", "explain"] {
            let mut args = vec![command, a.value.as_str()];
            if command == "check" {
                args.extend(request);
            }
            args.extend(["--format", "json"]);
            let (code, stdout, _) = run(&args, &a.stdin);
            assert_eq!(code, Some(2), "{command} {shape}");
            let error = &json_of(&stdout, shape)["error"];
            assert_eq!(error["file"], a.shown.as_str(), "{command} {shape}");
            assert_eq!(
                (error["line"].as_u64(), error["column"].as_u64()),
                (Some(line), Some(column)),
                "{command} {shape}"
            );
            assert_eq!(error["pointer"], "/Statement/0/Effect", "{command} {shape}");
        }
        // lint reports it as a finding, at the same place.
        let (code, stdout, stderr) = run(&["lint", &a.value, "--format", "json"], &a.stdin);
        assert_eq!(code, Some(1), "lint {shape}: {stderr}");
        let findings = json_of(&stdout, shape);
        assert_eq!(
            findings,
            json!([{
                "file": a.shown, "line": line, "column": column, "code": "E002",
                "name": "invalid-policy", "severity": "error",
                "message": "invalid `Effect` `allow`: expected `Allow` or `Deny`",
                "help": "`Effect` is case-sensitive: write \"Allow\"",
                "pointer": "/Statement/0/Effect",
            }]),
            "lint {shape}"
        );
    }
}

#[test]
fn lint_reports_positions_inside_every_shape_and_never_fails_one_for_its_shape() {
    for &(shape, _) in SHAPES {
        let a = arg("allow", shape);
        let (line, column) = position(&a.positions_in, "\"ecr:GetAuthorizationToken\"");
        let (code, stdout, stderr) = run(&["lint", &a.value, "--format", "json"], &a.stdin);
        assert_eq!(code, Some(1), "{shape}: {stderr}");
        let findings = json_of(&stdout, shape);
        let findings = findings.as_array().expect("array");
        assert_eq!(findings.len(), 1, "{shape}: {findings:?}");
        let f = &findings[0];
        assert_eq!(f["code"], "W103", "{shape}");
        assert_eq!(f["file"], a.shown.as_str(), "{shape}");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{shape}"
        );
        // The human report shows the line the position is in.
        let (_, human, _) = run(&["lint", &a.value], &a.stdin);
        assert!(
            human.contains(&format!("{line} |")) && human.contains("\"ecr:GetAuthorizationToken\""),
            "{shape}: {human}"
        );
    }
    // SARIF viewers show the file: a finding in a decoded string is placed at the string, its
    // own position in the message.
    let path = format!("{DIR}/allow/get-repository-policy.json");
    let (_, stdout, _) = run(&["lint", &path, "--format", "sarif"], "");
    let result = &json_of(&stdout, "sarif")["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], path.as_str());
    let (line, column) = position(&read(&path), "\"policyText\": ");
    assert_eq!(
        (
            location["region"]["startLine"].as_u64(),
            location["region"]["startColumn"].as_u64()
        ),
        (Some(line), Some(column + "\"policyText\": ".len() as u64))
    );
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{path} (policyText):9:9: ")),
        "{result}"
    );
    // A directory is every *.json in it, sorted by name: all ten shapes of `allow`, the directory
    // `dir` itself left out.
    let (code, stdout, _) = run(&["lint", &format!("{DIR}/allow"), "--format", "json"], "");
    assert_eq!(code, Some(1));
    let files: Vec<String> = json_of(&stdout, "dir")
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["file"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(files.len(), 10, "{files:?}");
    assert!(files.windows(2).all(|w| w[0] <= w[1]), "{files:?}");
}

#[test]
fn fix_takes_every_shape_and_prints_the_plain_document_corrected() {
    for &(shape, _) in SHAPES {
        let a = arg("allow", shape);
        let (code, stdout, stderr) = run(
            &[
                "fix",
                &a.value,
                "--action",
                "ecr:PutImage",
                "--resource",
                REPO,
            ],
            &a.stdin,
        );
        assert_eq!(code, Some(0), "{shape}: {stderr}");
        let document = json_of(&stdout, shape);
        let statements = document["Statement"]
            .as_array()
            .expect("a plain policy document");
        assert_eq!(
            statements[0]["Sid"], "FixtureAllow",
            "{shape}: the statements are kept"
        );
        assert!(
            stdout.contains("\"ecr:PutImage\""),
            "{shape}: the fix grants the action: {stdout}"
        );
        assert!(
            stderr.starts_with(&format!("{}: ", a.shown)),
            "{shape}: {stderr}"
        );
    }
}

#[test]
fn a_cli_shape_piped_on_standard_input_is_read_as_the_file_would_be() {
    // `aws iam get-role-policy … | ecrsim fix -`
    let piped = read(&format!("{DIR}/allow/get-role-policy.json"));
    let (code, stdout, stderr) = run(
        &["fix", "-", "--action", "ecr:PutImage", "--resource", REPO],
        &piped,
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.starts_with("<stdin> (PolicyDocument): "), "{stderr}");
    assert_eq!(
        json_of(&stdout, "fix")["Statement"][0]["Sid"],
        "FixtureAllow"
    );
    // `aws ecr get-repository-policy … | ecrsim lint --kind resource -`
    let piped = read(&format!("{DIR}/bad/get-repository-policy.json"));
    let (_, stdout, _) = run(
        &["lint", "--kind", "resource", "-", "--format", "json"],
        &piped,
    );
    let finding = &json_of(&stdout, "lint")[0];
    assert_eq!(finding["file"], "<stdin> (policyText)");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(6), Some(17))
    );
}

#[test]
fn explain_takes_every_shape() {
    for &(shape, _) in SHAPES {
        let a = arg("allow", shape);
        let (code, stdout, stderr) = run(&["explain", &a.value, "--format", "json"], &a.stdin);
        assert_eq!(code, Some(0), "{shape}: {stderr}");
        let value = json_of(&stdout, shape);
        assert_eq!(value["policies"], json!([a.shown]), "{shape}");
        let ecr = &value["allowed"][0];
        assert_eq!(ecr["service"], "ecr", "{shape}");
        assert!(
            ecr.to_string().contains("\"ecr:BatchGetImage\""),
            "{shape}: {ecr}"
        );
    }
}

#[test]
fn diff_takes_every_shape_on_either_side() {
    let push = format!("{DIR}/allow-push.json");
    for &(shape, _) in SHAPES {
        let a = arg("allow", shape);
        let (code, stdout, stderr) = run(&["diff", &a.value, &push, "--format", "json"], &a.stdin);
        assert_eq!(code, Some(1), "{shape}: {stderr}");
        let value = json_of(&stdout, shape);
        let gained: Vec<&str> = value["gained"]
            .as_array()
            .expect("gained")
            .iter()
            .filter_map(|c| c["action"].as_str())
            .collect();
        assert_eq!(gained, ["ecr:PutImage"], "{shape}");
        assert_eq!(value["lost"], json!([]), "{shape}");
        // The other way round, the same access is lost.
        let (code, stdout, _) = run(&["diff", &push, &a.value, "--format", "json"], &a.stdin);
        assert_eq!(code, Some(0), "{shape}");
        assert_eq!(
            json_of(&stdout, shape)["lost"][0]["action"],
            "ecr:PutImage",
            "{shape}"
        );
    }
}

#[test]
fn why_takes_every_shape() {
    let message = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/app with an explicit deny in a permissions boundary";
    let identity = format!("{DIR}/allow/plain.json");
    for &(shape, _) in SHAPES {
        let a = arg("deny", shape);
        let (code, stdout, stderr) = run(
            &[
                "why",
                message,
                &identity,
                "--boundary",
                &a.value,
                "--format",
                "json",
            ],
            &a.stdin,
        );
        assert_eq!(code, Some(0), "{shape}: {stderr}");
        let value = json_of(&stdout, shape);
        assert_eq!(value["verdict"]["reproduced"], true, "{shape}: {value}");
        assert_eq!(
            value["verdict"]["report"]["decision"], "ExplicitDeny",
            "{shape}"
        );
    }
    // The message on standard input and a policy on standard input: one `-` too many.
    let (code, _, stderr) = run(&["why", "-", "--boundary", "-"], message);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("`-` (standard input) can be given only once"),
        "{stderr}"
    );
}

fn batch_line(field: &str, document: Value) -> String {
    json!({
        "id": field,
        "request": {"action": "ecr:BatchGetImage", "resource": REPO, "principal": DEV},
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}],
        field: document,
    })
    .to_string()
}

#[test]
fn batch_takes_every_shape_as_a_shared_flag_and_as_a_line_field() {
    let identity = format!("{DIR}/allow/plain.json");
    let line = format!(
        "{}\n",
        json!({"request": {"action": "ecr:BatchGetImage", "resource": REPO, "principal": DEV}})
    );
    for &(shape, field) in SHAPES {
        let a = arg("deny", shape);
        if shape == "stdin" {
            // Standard input holds the lines.
            let (code, _, stderr) = run(&["batch", &identity, "--boundary", "-"], &line);
            assert_eq!(code, Some(2));
            assert!(
                stderr.contains("give shared policies as files, not `-`"),
                "{stderr}"
            );
            continue;
        }
        let (code, stdout, stderr) = run(&["batch", &identity, "--boundary", &a.value], &line);
        assert_eq!(code, Some(0), "{shape}: {stderr}");
        assert_eq!(
            json_of(&stdout, shape)["decision"],
            "ExplicitDeny",
            "{shape}"
        );
        if shape == "dir" {
            continue;
        }
        // Inside a line, the file's JSON as an object, and as a string.
        let file: Value = serde_json::from_str(&read(&format!("{DIR}/deny/{shape}.json"))).unwrap();
        let as_string = Value::String(file.to_string());
        for document in [file, as_string] {
            let input = batch_line("permissionBoundary", document) + "\n";
            let (_, stdout, _) = run(&["batch"], &input);
            let value = json_of(&stdout, shape);
            assert_eq!(value["decision"], "ExplicitDeny", "{shape}: {value}");
            assert_eq!(
                value["deciding"][0]["sid"], "FixtureDeny",
                "{shape}: {value}"
            );
        }
        // A resource policy as `aws ecr get-repository-policy` (or any shape) prints it.
        let file: Value =
            serde_json::from_str(&read(&format!("{DIR}/deny-principal/{shape}.json"))).unwrap();
        let (_, stdout, _) = run(&["batch"], batch_line("resourcePolicy", file) + "\n");
        let value = json_of(&stdout, shape);
        assert_eq!(value["decision"], "ExplicitDeny", "{shape}: {value}");
        assert_eq!(
            value["deciding"][0]["sid"], "FixtureDenyAll",
            "{shape}: {value}"
        );
        // An invalid document in a line: the error points into the decoded string field, or into
        // the line itself for an object in place — never into a re-serialised string.
        let bad: Value = serde_json::from_str(&read(&format!("{DIR}/bad/{shape}.json"))).unwrap();
        let input = batch_line("permissionBoundary", bad);
        let expected = match field {
            Some(field) => {
                let (l, c) = position(
                    read(&format!("{DIR}/bad/plain.json")).trim_end(),
                    "\"allow\"",
                );
                format!("line 1: permissionBoundary ({field}):{l}:{c}: /Statement/0/Effect")
            }
            None => {
                let (l, c) = position(&input, "\"allow\"");
                format!("line 1: permissionBoundary:{l}:{c}: /Statement/0/Effect")
            }
        };
        let (_, stdout, _) = run(&["batch"], &(input + "\n"));
        let value = json_of(&stdout, shape);
        assert_eq!(value["decision"], "Error", "{shape}");
        assert!(
            value["error"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&expected),
            "{shape}: {value} should start with {expected}"
        );
    }
}

#[test]
fn test_takes_every_shape_in_every_policy_field_of_cases_toml() {
    let (code, stdout, stderr) = run(
        &["test", &format!("{DIR}/cases.toml"), "--format", "json"],
        "",
    );
    assert_eq!(code, Some(0), "{stderr}{stdout}");
    let value = json_of(&stdout, "test");
    // identity, boundary, scps, resource_policy and registry_policy, each in ten file shapes and
    // a directory.
    assert_eq!(value["passed"], 55, "{value}");
    assert_eq!(value["failed"], 0);
    let names: Vec<&str> = value["files"][0]["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for &(shape, _) in SHAPES.iter().filter(|(s, _)| *s != "stdin") {
        for field in [
            "identity",
            "boundary",
            "scps",
            "resource-policy",
            "registry-policy",
        ] {
            let name = format!("{field}-{shape}");
            assert!(
                names.contains(&name.as_str()),
                "{name} missing from {names:?}"
            );
        }
    }
}

#[test]
fn standard_input_is_read_once_per_invocation() {
    let plain = read(&format!("{DIR}/allow/plain.json"));
    let request = ["--action", "ecr:BatchGetImage", "--resource", REPO];
    let twice: Vec<Vec<&str>> = vec![
        [&["check", "-", "--boundary", "-"][..], &request].concat(),
        [&["check", "-", "--rcp-level", "-"][..], &request].concat(),
        [&["fix", "-", "--session-policy", "-"][..], &request].concat(),
        vec!["lint", "-", "-"],
        vec!["explain", "-", "-"],
        vec!["diff", "-", "-"],
    ];
    for args in twice {
        let (code, stdout, stderr) = run(&args, &plain);
        assert_eq!(code, Some(2), "{args:?}: {stdout}");
        assert!(
            stderr.contains("`-` (standard input) can be given only once"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_directory_is_every_json_file_in_it_and_an_empty_one_is_an_error() {
    let request = ["--action", "ecr:BatchGetImage", "--resource", REPO];
    let empty = format!("{DIR}/empty-dir");
    for args in [
        [&["check", empty.as_str()][..], &request].concat(),
        vec!["lint", &empty],
        vec!["explain", &empty],
    ] {
        let (code, _, stderr) = run(&args, "");
        assert_eq!(code, Some(2), "{args:?}");
        assert!(
            stderr.contains("is a directory with no *.json file"),
            "{args:?}: {stderr}"
        );
    }
    // Where one policy is expected, a directory of several is an error that names them.
    let many = format!("{DIR}/deny");
    let (code, _, stderr) = run(
        &[
            &[
                "check",
                &format!("{DIR}/allow/plain.json"),
                "--boundary",
                &many,
            ][..],
            &request,
        ]
        .concat(),
        "",
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("holds 10 policies"), "{stderr}");
    assert!(stderr.contains("where one policy is expected"), "{stderr}");
    // As identity policies, all ten are read: the Deny of any of them decides.
    let (code, stdout, _) = run(
        &[
            &["check", &format!("{DIR}/allow/plain.json"), &many][..],
            &request,
            &["--format", "json"],
        ]
        .concat(),
        "",
    );
    assert_eq!(code, Some(1));
    let value = json_of(&stdout, "dir");
    assert_eq!(value["decision"], "ExplicitDeny");
    assert_eq!(
        value["deciding"].as_array().map(Vec::len),
        Some(10),
        "{value}"
    );
}

#[test]
fn fix_prints_the_complete_repository_policy_from_a_get_repository_policy_output() {
    let (code, _, stderr) = run(
        &[
            "fix",
            &format!("{DIR}/allow/plain.json"),
            "--resource-policy",
            &format!("{DIR}/repo-policy-other-account.json"),
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            REPO,
            "--principal",
            "arn:aws:iam::222222222222:user/dev",
        ],
        "",
    );
    assert_eq!(code, Some(1), "{stderr}");
    let at = stderr.find("\n{").expect("the complete policy");
    let policy: Value = serde_json::from_str(&stderr[at + 1..]).expect("JSON to the end");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 2, "{policy}");
    assert_eq!(
        statements[0]["Sid"], "OtherAccountPull",
        "the existing statement is kept"
    );
    assert_eq!(
        statements[1]["Principal"]["AWS"],
        "arn:aws:iam::222222222222:user/dev"
    );
}
