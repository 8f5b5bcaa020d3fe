//! The `ecrsim why` corpus (`corpus/why/messages.toml`, format in corpus/README.md): every case
//! runs the binary twice — `--format json` for the parsed facts and the verdict, the human
//! report for the wording — and every failure of every case is reported at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;
use serde_json::Value;

/// One `[[case]]` of messages.toml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// Where the shape comes from (documentation only).
    #[expect(dead_code, reason = "documentation for people reading the corpus")]
    source: String,
    message: String,
    kind: String,
    principal: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    denied_by: Option<String>,
    operation: Option<String>,
    policy_arn: Option<String>,
    error: Option<String>,
    remedy: Option<String>,
    repository: Option<String>,
    region: Option<String>,
    login_region: Option<String>,
    #[serde(default)]
    policies: Vec<String>,
    resource_policy: Option<String>,
    boundary: Option<String>,
    session_policy: Option<String>,
    #[serde(default)]
    scps: Vec<String>,
    #[serde(default)]
    rcps: Vec<String>,
    vpc_endpoint_policy: Option<String>,
    org: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    reproduced: Option<bool>,
    suspect: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    case: Vec<Case>,
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/why")
}

impl Case {
    /// `why MESSAGE POLICY… --flag FILE… ARGS…`, paths relative to the corpus folder.
    fn command(&self, json: bool) -> Vec<String> {
        let mut args = vec!["why".to_string(), self.message.clone()];
        args.extend(self.policies.iter().cloned());
        let singles = [
            ("--resource-policy", &self.resource_policy),
            ("--boundary", &self.boundary),
            ("--session-policy", &self.session_policy),
            ("--vpc-endpoint-policy", &self.vpc_endpoint_policy),
            ("--org", &self.org),
        ];
        for (flag, value) in singles {
            if let Some(value) = value {
                args.extend([flag.to_string(), value.clone()]);
            }
        }
        for scp in &self.scps {
            args.extend(["--scp".to_string(), scp.clone()]);
        }
        for rcp in &self.rcps {
            args.extend(["--rcp".to_string(), rcp.clone()]);
        }
        args.extend(self.args.iter().cloned());
        if json {
            args.extend(["--format".to_string(), "json".to_string()]);
        }
        args
    }

    fn has_policies(&self) -> bool {
        !self.policies.is_empty()
            || self.resource_policy.is_some()
            || self.boundary.is_some()
            || self.session_policy.is_some()
            || !self.scps.is_empty()
            || !self.rcps.is_empty()
            || self.vpc_endpoint_policy.is_some()
            || self.org.is_some()
    }
}

fn ecrsim(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecrsim"))
        .args(args)
        .current_dir(folder())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("ecrsim runs")
}

/// Compares one expected string field with the JSON value at `pointer`.
fn expect_str(errors: &mut Vec<String>, json: &Value, pointer: &str, want: Option<&str>) {
    let Some(want) = want else { return };
    let got = json.pointer(pointer);
    let matches = match want {
        "none" => got.is_none_or(Value::is_null),
        _ => got.and_then(Value::as_str) == Some(want),
    };
    if !matches {
        errors.push(format!("{pointer}: want `{want}`, got {got:?}"));
    }
}

/// Runs one case; returns its failures.
fn run(case: &Case) -> Vec<String> {
    let mut errors = Vec::new();
    let out = ecrsim(&case.command(true));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Ok(json) = serde_json::from_str::<Value>(&stdout) else {
        return vec![format!(
            "not JSON (exit {:?}): {stdout}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )];
    };
    expect_str(&mut errors, &json, "/kind", Some(&case.kind));
    expect_str(
        &mut errors,
        &json,
        "/message/principal",
        case.principal.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/message/action",
        case.action.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/message/resource",
        case.resource.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/message/operation",
        case.operation.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/message/policyArn",
        case.policy_arn.as_deref(),
    );
    match case.denied_by.as_deref() {
        Some("none") => expect_str(&mut errors, &json, "/message/deniedBy", Some("none")),
        other => expect_str(&mut errors, &json, "/message/deniedBy/key", other),
    }
    expect_str(&mut errors, &json, "/error", case.error.as_deref());
    expect_str(&mut errors, &json, "/remedy", case.remedy.as_deref());
    expect_str(
        &mut errors,
        &json,
        "/repository",
        case.repository.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/registry/region",
        case.region.as_deref(),
    );
    expect_str(
        &mut errors,
        &json,
        "/loginRegion",
        case.login_region.as_deref(),
    );
    let want_code = match (case.has_policies(), case.reproduced) {
        (true, Some(false)) => 1,
        _ => 0,
    };
    if case.has_policies() != case.reproduced.is_some() {
        errors.push("`reproduced` must be given exactly when policies are".to_string());
    }
    if let Some(reproduced) = case.reproduced {
        let got = json.pointer("/verdict/reproduced").and_then(Value::as_bool);
        if got != Some(reproduced) {
            errors.push(format!(
                "/verdict/reproduced: want {reproduced}, got {got:?}"
            ));
        }
    }
    if let Some(suspect) = &case.suspect {
        let got = json.pointer("/verdict/suspect").map(|s| {
            let kind = s.get("kind").and_then(Value::as_str).unwrap_or_default();
            match s.get("policyType").and_then(Value::as_str) {
                Some(t) => format!("{kind}:{}", policy_key(t)),
                None => kind.to_string(),
            }
        });
        if got.as_deref() != Some(suspect.as_str()) {
            errors.push(format!("/verdict/suspect: want `{suspect}`, got {got:?}"));
        }
    }
    if out.status.code() != Some(want_code) {
        errors.push(format!(
            "json run: want exit {want_code}, got {:?}",
            out.status.code()
        ));
    }
    let human = ecrsim(&case.command(false));
    let text = String::from_utf8_lossy(&human.stdout);
    if human.status.code() != Some(want_code) {
        errors.push(format!(
            "human run: want exit {want_code}, got {:?}: {}",
            human.status.code(),
            String::from_utf8_lossy(&human.stderr)
        ));
    }
    for needle in &case.contains {
        if !text.contains(needle.as_str()) {
            errors.push(format!("human output lacks `{needle}`:\n{text}"));
        }
    }
    errors
}

/// `identity`, `scp`, …: the key of an AWS policy-type phrase.
fn policy_key(phrase: &str) -> &'static str {
    match phrase {
        "identity-based policy" => "identity",
        "resource-based policy" => "resource",
        "permissions boundary" => "boundary",
        "session policy" => "session",
        "service control policy" => "scp",
        "resource control policy" => "rcp",
        "VPC endpoint policy" => "vpcEndpoint",
        _ => "unknown",
    }
}

#[test]
fn why_corpus() {
    let text = std::fs::read_to_string(folder().join("messages.toml")).expect("messages.toml");
    let file: File = toml::from_str(&text).expect("messages.toml parses");
    assert!(file.case.len() >= 20, "the corpus lost cases");
    let mut failures = Vec::new();
    for case in &file.case {
        for error in run(case) {
            failures.push(format!("{}: {error}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn message_from_standard_input() {
    let message = "denied: Your authorization token has expired. Reauthenticate and try again.";
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrsim"))
        .args(["why", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecrsim runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(message.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("ecrsim finishes");
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["error"], "tokenExpired");
}

#[test]
fn unknown_shapes_exit_2_and_say_what_was_expected() {
    for message in [
        "something went wrong",
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/my-app because no SCP allows",
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage",
    ] {
        let out = ecrsim(&["why".to_string(), message.to_string()]);
        assert_eq!(out.status.code(), Some(2), "{message}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("expected") || stderr.contains("cannot be known"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

impl Case {
    /// The case as one `batch` line: the message as `request.message`, the policies embedded.
    fn batch_line(&self, id: usize) -> Value {
        let doc = |path: &str| -> Value {
            let text = std::fs::read_to_string(folder().join(path)).expect("policy file");
            serde_json::from_str(&text).expect("policy JSON")
        };
        let mut line = serde_json::json!({"id": id, "request": {"message": self.message}});
        if !self.policies.is_empty() {
            line["identityPolicies"] = self.policies.iter().map(|p| doc(p)).collect();
        }
        let singles = [
            ("resourcePolicy", &self.resource_policy),
            ("permissionBoundary", &self.boundary),
            ("sessionPolicy", &self.session_policy),
            ("vpcEndpointPolicy", &self.vpc_endpoint_policy),
        ];
        for (field, path) in singles {
            if let Some(path) = path {
                line[field] = doc(path);
            }
        }
        if !self.scps.is_empty() {
            line["scps"] = self.scps.iter().map(|p| doc(p)).collect();
        }
        if !self.rcps.is_empty() {
            line["rcps"] = self.rcps.iter().map(|p| doc(p)).collect();
        }
        if let Some(org) = &self.org {
            line["org"] = folder().join(org).display().to_string().into();
        }
        if let [flag, region] = self.args.as_slice()
            && flag == "--login-region"
        {
            line["request"]["loginRegion"] = region.clone().into();
        }
        line
    }
}

/// Drops what differs by design between `why --format json` and a batch line: `verdict.report`
/// (the `check` report for `why`, the batch line for `batch`) and `id`.
fn without_report(mut value: Value) -> Value {
    if let Some(verdict) = value.get_mut("verdict").and_then(Value::as_object_mut) {
        verdict.remove("report");
    }
    if let Some(map) = value.as_object_mut() {
        map.remove("id");
    }
    value
}

/// Every message of the corpus, given to `batch` as `request.message` on one run, reads and
/// judges exactly as `why --format json` does: the same parse, request, meaning, commands and
/// verdict; the verdict's report is the batch line of the same decision.
#[test]
fn batch_message_lines_say_what_why_says() {
    let text = std::fs::read_to_string(folder().join("messages.toml")).expect("messages.toml");
    let file: File = toml::from_str(&text).expect("messages.toml parses");
    // `--login-region` is `request.loginRegion`; other arguments have no batch field.
    let cases: Vec<&Case> = file
        .case
        .iter()
        .filter(|c| c.args.is_empty() || c.args.first().is_some_and(|a| a == "--login-region"))
        .collect();
    assert!(cases.len() >= 25, "the corpus lost cases");
    let input: String = cases
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}\n", c.batch_line(i)))
        .collect();
    let out = support::ecrsim(&["batch"], input);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), cases.len());
    let mut failures = Vec::new();
    for (i, (case, line)) in cases.iter().zip(&lines).enumerate() {
        assert_eq!(line["id"], i, "{}: lines stay in order", case.name);
        let why = ecrsim(&case.command(true));
        let why: Value = serde_json::from_slice(&why.stdout).expect("why JSON");
        if let Some(verdict) = line.pointer("/verdict").filter(|v| !v.is_null()) {
            if verdict["report"]["decision"] != verdict["decision"] {
                failures.push(format!("{}: report and verdict disagree", case.name));
            }
        } else if case.has_policies() {
            failures.push(format!("{}: no verdict on a line with policies", case.name));
        }
        let (got, want) = (without_report(line.clone()), without_report(why));
        if got != want {
            failures.push(format!("{}:\n batch {got}\n why   {want}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
