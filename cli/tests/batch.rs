//! `ecrsim batch`'s caches (compiled policies and results reused across lines), shared policies
//! and `--jobs` change nothing: the output is, byte for byte, what deciding every line alone
//! writes, on a varied input. And what a line says: reasons, `--fix`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ecrsim_cli::batch::{Options, process_with};
use ecrsim_engine::Shared;
use ecrsim_engine::{PolicyKind, PolicySet, parse_policy_input};
use support::ecrsim;

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn motivating() -> String {
    let text = std::fs::read_to_string(fixture(
        "../corpus/motivating/a-twelve-actions-repo-scoped/policy.json",
    ))
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value.to_string()
}

/// Policy fields of a line (`"identityPolicies":[…],…` without braces), varied: warnings,
/// conditions, variables, resource policies, SCP levels, NotAction, Denies, policies as strings.
fn policy_fields() -> Vec<String> {
    let twelve = motivating();
    let unversioned = r#"{"Statement":[{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/*"}]}"#;
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":["ecr:BatchDeleteImage","ecr:DeleteRepository"],"Resource":"*"},{"Effect":"Deny","NotAction":"ecr:*","Resource":"*"}]}"#;
    let conditional = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Tls","Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},{"Sid":"Own","Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}"},{"Sid":"Token","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#;
    let resource = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Cross","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},{"Sid":"Build","Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"ecr:BatchGetImage"}]}"#;
    let scp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
    let scp_narrow = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnly","Effect":"Allow","Action":["ecr:Get*","ecr:BatchGet*","ecr:Describe*"],"Resource":"*"}]}"#;
    let as_string = serde_json::Value::String(deny.to_string()).to_string();
    vec![
        format!(r#""identityPolicies":[{twelve}]"#),
        format!(r#""identityPolicies":[{twelve}]"#),
        format!(r#""identityPolicies": [ {twelve} ] "#),
        format!(r#""identityPolicies":[{unversioned}]"#),
        format!(r#""identityPolicies":[{unversioned},{deny}]"#),
        format!(r#""identityPolicies":[{deny}]"#),
        format!(r#""identityPolicies":[{as_string}]"#),
        format!(r#""identityPolicies":[{conditional}]"#),
        format!(r#""identityPolicies":[{twelve}],"resourcePolicy":{resource}"#),
        format!(r#""resourcePolicy":{resource},"identityPolicies":[{deny}]"#),
        format!(
            r#""identityPolicies":[{deny}],"scps":[{{"orgIdentifier":"r-root","policies":[{scp}]}},{{"orgIdentifier":"ou-1","policies":[{scp_narrow}]}}]"#
        ),
        format!(r#""identityPolicies":[{twelve}],"permissionBoundary":{scp_narrow}"#),
        format!(r#""identityPolicies":[{deny}],"sessionPolicy":{scp_narrow}"#),
        r#""identityPolicies":[]"#.to_string(),
        r#""identityPolicies":null"#.to_string(),
        String::new(),
        r#""identityPolicies":[{"Statement":{"Effect":"allow","Action":"ecr:*","Resource":"*"}}]"#
            .to_string(),
        format!(r#""identityPolicies":[{twelve}],"unknownField":1"#),
        format!(r#""identityPolicies":[{twelve}],"identityPolicies":[{twelve}]"#),
    ]
}

fn requests() -> Vec<String> {
    let other = "arn:aws:ecr:us-east-1:123456789012:repository/other";
    let dev = "arn:aws:iam::123456789012:user/dev";
    let cross = "arn:aws:iam::111122223333:user/ci";
    vec![
        format!(r#"{{"action":"ecr:PutImage","resource":"{REPO}"}}"#),
        format!(r#"{{"principal":"{dev}","action":"ecr:BatchGetImage","resource":"{REPO}"}}"#),
        format!(r#"{{"action":"ecr:PutImage","resource":"{other}"}}"#),
        r#"{"action":"ecr:GetAuthorizationToken","resource":"*"}"#.to_string(),
        format!(r#"{{"action":"ecr:GetAuthorizationToken","resource":"{REPO}"}}"#),
        format!(r#"{{"action":"ecr:BatchDeleteImage","resource":"{REPO}"}}"#),
        format!(r#"{{"action":"ECR:putimage","resource":"{REPO}"}}"#),
        format!(r#"{{"action":"s3:GetObject","resource":"arn:aws:s3:::bucket/key"}}"#),
        format!(r#"{{"principal":"{cross}","action":"ecr:BatchGetImage","resource":"{REPO}"}}"#),
        format!(
            r#"{{"principal":"codebuild.amazonaws.com","action":"ecr:BatchGetImage","resource":"{REPO}"}}"#
        ),
        format!(
            r#"{{"principal":"{dev}","action":"ecr:PutImage","resource":"arn:aws:ecr:us-east-1:123456789012:repository/dev","context":{{"aws:SecureTransport":"true"}}}}"#
        ),
        format!(
            r#"{{"action":"ecr:PutImage","resource":"{REPO}","context":{{"aws:SecureTransport":false}}}}"#
        ),
        format!(
            r#"{{"action":"ecr:PutImage","resource":"{REPO}","resourceAccount":"123456789012"}}"#
        ),
        format!(r#"{{"action":"ecr:PutImage","resource":"{REPO}","resourceAccount":"12"}}"#),
        format!(r#"{{ "action" : "ecr:PutImage" , "resource" : "{REPO}" }}"#),
        format!(r#"{{"action":"ecr:Put\u0049mage","resource":"{REPO}"}}"#),
        format!(r#"{{"action":"ecr:PutImage","resource":"{REPO}","action":"ecr:PutImage"}}"#),
        r#"{"action":"ecr:PutImages","resource":"*"}"#.to_string(),
        r#"{"action":"ecr:PutImage"}"#.to_string(),
        r#"{"action":"ecr:PutImage","resource":"*"}"#.to_string(),
        r#"{"action":"ecr:PutImage","resource":7}"#.to_string(),
        r#"{"action":"ecr:PutImage","resource":"*","extra":null}"#.to_string(),
        r#"[]"#.to_string(),
        // Error texts (`request.message`): a denial, a docker error, an unreadable text.
        format!(
            r#"{{"message":"User: {dev} is not authorized to perform: ecr:PutImage on resource: {REPO} because no identity-based policy allows the ecr:PutImage action"}}"#
        ),
        format!(
            r#"{{"message":"User: {cross} is not authorized to perform: ecr:BatchGetImage on resource: {REPO} with an explicit deny in a service control policy","context":{{"aws:SecureTransport":"true"}}}}"#
        ),
        r#"{"message":"no basic auth credentials"}"#.to_string(),
        r#"{"message":"something went wrong"}"#.to_string(),
    ]
}

fn ids() -> Vec<&'static str> {
    vec![
        "1",
        "0",
        "1234567890123456789012",
        "-3",
        "1.50",
        "1e3",
        "\"login\"",
        "\"caf\u{e9} \\\"quoted\\\" \\u0041\"",
        "null",
        "true",
        "{\"a\":[1,2]}",
        "[]",
        "01",
        "\"a,b:c\"",
        "\"\"",
        "false",
        "-0",
        "12345678901234567890",
    ]
}

/// A deterministic mix: runs of identical policies (so the cache is hit), changes, request-only
/// lines, bad lines, `\r\n` endings, blank lines.
fn varied_input(lines: usize) -> String {
    let policies = policy_fields();
    let requests = requests();
    let ids = ids();
    let mut out = String::new();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut policy = 0;
    for i in 0..lines {
        // Keep the same policies for a while most of the time.
        if next(8) == 0 {
            policy = next(policies.len());
        }
        let request = &requests[next(requests.len())];
        let id = if next(4) == 0 {
            ids[next(ids.len())].to_string()
        } else {
            i.to_string()
        };
        let fields = &policies[policy];
        let line = match next(40) {
            0 => "not json".to_string(),
            1 => String::new(),
            2 => format!(r#"{{"request":{request},"id":{id}}}"#),
            3 => format!("\u{feff}{{\"id\":{id},\"request\":{request}}}"),
            4 => format!(r#"  {{"id":{id},"request":{request}}}  "#),
            5 => format!(r#"{{"request":{request}}}"#),
            6 => format!("{{\"request\":{request},\"id\":{id}}}\t "),
            7..=14 => format!(r#"{{"id":{id},"request":{request}}}"#),
            _ if fields.is_empty() => format!(r#"{{"id":{id},"request":{request}}}"#),
            15 => format!(r#"{{"request":{request},{fields},"id":{id}}}"#),
            _ => format!(r#"{{"id":{id},{fields},"request":{request}}}"#),
        };
        out.push_str(&line);
        out.push_str(if next(10) == 0 { "\r\n" } else { "\n" });
    }
    out
}

fn run(input: &str, options: &Options) -> Vec<u8> {
    let mut out = Vec::new();
    process_with(input.as_bytes(), &mut out, options).unwrap();
    out
}

fn shared() -> Arc<Shared> {
    let mut set = PolicySet::new();
    for (name, kind) in [
        (
            "../corpus/motivating/a-twelve-actions-repo-scoped/policy.json",
            PolicyKind::Identity,
        ),
        (
            "tests/fixtures/policy-types/repo-policy.json",
            PolicyKind::Resource,
        ),
    ] {
        let path = fixture(name);
        let bytes = std::fs::read(&path).unwrap();
        set.add(parse_policy_input(&path.display().to_string(), &bytes, kind).unwrap())
            .unwrap();
    }
    Arc::new(Shared::new(set))
}

/// Every line decided alone: no compiled set or result is reused.
fn plain(shared: Option<Arc<Shared>>) -> Options {
    Options {
        jobs: 1,
        shared,
        fix: false,
        reuse: false,
    }
}

fn fast(jobs: usize, shared: Option<Arc<Shared>>) -> Options {
    Options {
        jobs,
        shared,
        fix: false,
        reuse: true,
    }
}

fn assert_same(expected: &[u8], got: &[u8], what: &str) {
    if expected == got {
        return;
    }
    let expected = String::from_utf8_lossy(expected);
    let got = String::from_utf8_lossy(got);
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(e, g, "{what}: output line {} differs", i + 1);
    }
    panic!(
        "{what}: {} lines expected, {} written",
        expected.lines().count(),
        got.lines().count()
    );
}

#[test]
fn reusing_compiled_policies_and_results_changes_nothing() {
    let input = varied_input(3000);
    let expected = run(&input, &plain(None));
    assert_eq!(
        String::from_utf8_lossy(&expected).lines().count(),
        asking_lines(&input)
    );
    assert_same(&expected, &run(&input, &fast(1, None)), "reuse");
    for jobs in [2, 3, 8] {
        assert_same(
            &expected,
            &run(&input, &fast(jobs, None)),
            &format!("--jobs {jobs}"),
        );
    }
}

#[test]
fn shared_policies_apply_to_request_only_lines_alike_on_every_path() {
    let input = varied_input(2000);
    let expected = run(&input, &plain(Some(shared())));
    assert_same(
        &expected,
        &run(&input, &fast(1, Some(shared()))),
        "reuse, shared policies",
    );
    assert_same(
        &expected,
        &run(&input, &fast(4, Some(shared()))),
        "--jobs 4, shared policies",
    );
    // Lines that carry policies ignore the shared ones.
    let with_policies = format!(
        "{{\"id\":1,\"identityPolicies\":[],\"request\":{{\"action\":\"ecr:PutImage\",\"resource\":\"{REPO}\"}}}}\n"
    );
    let out = String::from_utf8(run(&with_policies, &fast(1, Some(shared())))).unwrap();
    assert!(out.contains("\"decision\":\"ImplicitDeny\""), "{out}");
}

#[test]
fn a_shared_policy_decides_like_the_same_policy_on_the_line() {
    let twelve = motivating();
    let mut with = String::new();
    let mut without = String::new();
    for request in requests() {
        with.push_str(&format!(
            "{{\"id\":1,\"identityPolicies\":[{twelve}],\"request\":{request}}}\n"
        ));
        without.push_str(&format!("{{\"id\":1,\"request\":{request}}}\n"));
    }
    let shared = {
        let path = fixture("../corpus/motivating/a-twelve-actions-repo-scoped/policy.json");
        let bytes = std::fs::read(&path).unwrap();
        let mut set = PolicySet::new();
        set.add(parse_policy_input("twelve.json", &bytes, PolicyKind::Identity).unwrap())
            .unwrap();
        Arc::new(Shared::new(set))
    };
    let decisions = |out: Vec<u8>| -> Vec<String> {
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!(
                    "{} {}",
                    v["decision"],
                    v["deciding"].as_array().map_or(0, Vec::len)
                )
            })
            .collect()
    };
    assert_eq!(
        decisions(run(&with, &fast(1, None))),
        decisions(run(&without, &fast(1, Some(shared))))
    );
}

#[test]
fn the_command_line_takes_shared_policies_and_jobs() {
    let input = varied_input(1500);
    let expected = run(&input, &plain(Some(shared())));
    let identity = fixture("../corpus/motivating/a-twelve-actions-repo-scoped/policy.json");
    let resource = fixture("tests/fixtures/policy-types/repo-policy.json");
    let (identity, resource) = (identity.to_str().unwrap(), resource.to_str().unwrap());
    for jobs in ["1", "3"] {
        let out = ecrsim(
            &[
                "batch",
                "--identity-policy",
                identity,
                "--resource-policy",
                resource,
                "--jobs",
                jobs,
            ],
            input.as_bytes(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same(
            &expected,
            &out.stdout,
            &format!("ecrsim batch --jobs {jobs}"),
        );
    }
    let out = ecrsim(&["batch", "--identity-policy", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not `-`"));
    let out = ecrsim(&["batch", "--identity-policy", "/nonexistent.json"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_line_of_invalid_utf8_is_an_error_line_on_every_path() {
    let mut input = varied_input(1200).into_bytes();
    let good_lines = asking_lines(&String::from_utf8_lossy(&input));
    input.extend_from_slice(b"{\"id\":\xff}\n");
    let tail = varied_input(10);
    input.extend_from_slice(tail.as_bytes());
    let plain_out = ecrsim(&["batch"], &input);
    assert_eq!(plain_out.status.code(), Some(0));
    let lines: Vec<&[u8]> = plain_out.stdout.split(|b| *b == b'\n').collect();
    assert_eq!(
        lines.len() - 1,
        good_lines + 1 + asking_lines(&tail),
        "one output line per input line that is not blank"
    );
    assert!(String::from_utf8_lossy(lines[good_lines]).contains("\"decision\":\"Error\""));
    assert!(String::from_utf8_lossy(lines[good_lines]).contains("invalid UTF-8 at byte 7"));
    for jobs in ["1", "2"] {
        let out = ecrsim(&["batch", "--jobs", jobs], &input);
        assert_eq!(out.status.code(), Some(0));
        assert_same(&plain_out.stdout, &out.stdout, &format!("--jobs {jobs}"));
    }
}

/// The input lines that ask something: a blank line has no output line.
fn asking_lines(input: &str) -> usize {
    input.lines().filter(|l| !l.trim().is_empty()).count()
}

fn output_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The benchmark's three requests on the motivating policy: the docker login denial, a push to
/// the policy's repository, a push to another one. A denied line says, briefly, which policy type
/// did not allow it and the nearest statement's failing element.
#[test]
fn a_denied_line_says_why_in_a_few_words() {
    let policy =
        std::fs::read_to_string(fixture("../corpus/examples/ecr-login/policy.json")).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let repo = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";
    let other = "arn:aws:ecr:us-east-1:123456789012:repository/other";
    let input: String = [
        ("ecr:GetAuthorizationToken", "*"),
        ("ecr:PutImage", repo),
        ("ecr:PutImage", other),
    ]
    .iter()
    .map(|(action, resource)| {
        serde_json::json!({"identityPolicies": [policy], "request": {"action": action, "resource": resource}})
            .to_string()
            + "\n"
    })
    .collect();
    let lines = output_lines(&run(&input, &fast(1, None)));
    let reasons: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["decision"].as_str().unwrap(),
                l["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "ImplicitDeny",
                "denied because no identity-based policy allows it: statement `#0` of identityPolicies[0] is scoped to resources, but `ecr:GetAuthorizationToken` does not support resource-level permissions: only \"Resource\": \"*\" matches it"
            ),
            ("Allow", "allowed by `#0`"),
            (
                "ImplicitDeny",
                "denied because no identity-based policy allows it: statement `#0` of identityPolicies[0] covers [`arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo`], not `arn:aws:ecr:us-east-1:123456789012:repository/other`"
            ),
        ]
    );
    // Without --fix, no `fix` field; the fields in the documented order.
    let first = run(&input, &fast(1, None));
    let first = String::from_utf8_lossy(&first);
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(
        first.lines().next().unwrap(),
    )
    .unwrap()
    .keys()
    .cloned()
    .collect();
    assert_eq!(
        keys,
        [
            "decision", "reason", "action", "resource", "deciding", "notes", "id"
        ]
    );
}

/// `batch --fix` adds the fix of `check --format json` to every decided line (null when
/// allowed), the same on every line that repeats a request.
#[test]
fn fix_adds_the_fix_of_check() {
    let path = fixture("../corpus/examples/ecr-login/policy.json");
    let policy = std::fs::read_to_string(&path).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let repo = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";
    let login = serde_json::json!({"identityPolicies": [policy], "request": {"action": "ecr:GetAuthorizationToken", "resource": "*"}}).to_string();
    let push = serde_json::json!({"identityPolicies": [policy], "request": {"action": "ecr:PutImage", "resource": repo}}).to_string();
    let input = format!("{login}\n{push}\n{login}\n");
    let out = ecrsim(&["batch", "--fix"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let lines = output_lines(&out.stdout);
    let check = ecrsim(
        &[
            "check",
            path.to_str().unwrap(),
            "--action",
            "ecr:GetAuthorizationToken",
            "--resource",
            "*",
            "--format",
            "json",
        ],
        b"",
    );
    let check: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let fix = &lines[0]["fix"];
    assert_eq!(
        fix["statement"],
        serde_json::json!({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
    );
    assert_eq!(fix["changes"], check["fix"]["changes"]);
    assert!(
        fix["summary"]
            .as_str()
            .unwrap()
            .contains("add a separate statement for it with \"Resource\": \"*\""),
        "{fix}"
    );
    assert_eq!(lines[1]["fix"], serde_json::Value::Null);
    assert_eq!(lines[2]["fix"], lines[0]["fix"]);
    // The fix is a field of its own: the reason stays brief.
    assert_eq!(
        lines[0]["reason"],
        output_lines(&ecrsim(&["batch"], input.as_bytes()).stdout)[0]["reason"]
    );
}

#[test]
fn a_workflow_line_decides_each_required_action_and_gives_the_verdict() {
    let token_only = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PublicToken","Effect":"Allow","Action":"ecr-public:GetAuthorizationToken","Resource":"*"}]}"#;
    let pull = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Login","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}]}"#;
    let principal = "arn:aws:iam::123456789012:user/dev";
    let input = [
        format!(
            r#"{{"id":"public","identityPolicies":[{token_only}],"request":{{"principal":"{principal}","workflow":"public-login"}}}}"#
        ),
        format!(
            r#"{{"id":"pull","identityPolicies":[{pull}],"request":{{"principal":"{principal}","workflow":"pull","resource":"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2"}}}}"#
        ),
        format!(
            r#"{{"id":"unknown","identityPolicies":[{pull}],"request":{{"principal":"{principal}","workflow":"pul"}}}}"#
        ),
        format!(
            r#"{{"id":"both","identityPolicies":[{pull}],"request":{{"principal":"{principal}","workflow":"pull","action":"ecr:BatchGetImage","resource":"*"}}}}"#
        ),
    ]
    .join("\n")
        + "\n";
    let out = ecrsim(&["batch"], &input);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    // public-login: the token is allowed, the bearer token is not.
    assert_eq!(lines[0]["id"], "public");
    assert_eq!(lines[0]["workflow"], "public-login");
    assert_eq!(lines[0]["decision"], "ImplicitDeny");
    let actions: Vec<(&str, &str, &str)> = lines[0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap(),
                a["resource"].as_str().unwrap(),
                a["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("ecr-public:GetAuthorizationToken", "*", "Allow"),
            ("sts:GetServiceBearerToken", "*", "ImplicitDeny"),
        ]
    );
    // pull by image reference: every action allowed, on the repository ARN.
    assert_eq!(lines[1]["decision"], "Allow");
    assert_eq!(
        lines[1]["actions"][1]["resource"],
        "arn:aws:ecr:us-east-1:123456789012:repository/app"
    );
    assert_eq!(lines[1]["documented"][0], "ecr:BatchCheckLayerAvailability");
    assert_eq!(lines[2]["decision"], "Error");
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("unknown workflow `pul`")
    );
    assert_eq!(lines[3]["decision"], "Error");
    assert!(lines[3]["error"].as_str().unwrap().contains("not both"));
}

/// `--org` gives every line the SCP levels of its caller's account and the RCP levels of its
/// resource's account (docs/organization.md); a line's own `org` (here a path) does the same.
#[test]
fn the_organization_file_is_shared_or_given_per_line() {
    let e = "corpus/organizations/example";
    let request = |principal: &str, action: &str, resource: &str| {
        format!(r#"{{"principal":"{principal}","action":"{action}","resource":"{resource}"}}"#)
    };
    let west = "arn:aws:ecr:us-west-2:111122223333:repository/app";
    let east = "arn:aws:ecr:us-east-1:111122223333:repository/app";
    let ci = "arn:aws:iam::222233334444:role/ci";
    let identity = std::fs::read_to_string(fixture(&format!("../{e}/identity.json"))).unwrap();
    let identity: serde_json::Value = serde_json::from_str(&identity).unwrap();
    let lines = [
        format!(
            r#"{{"id":"locked-region","request":{}}}"#,
            request(ci, "ecr:BatchGetImage", west)
        ),
        format!(
            r#"{{"id":"management","request":{}}}"#,
            request(
                "arn:aws:iam::999999999999:role/admin",
                "ecr:PutImage",
                "arn:aws:ecr:ap-south-1:999999999999:repository/tools"
            )
        ),
        format!(
            r#"{{"id":"service-linked","request":{}}}"#,
            request(
                "arn:aws:sts::333344445555:assumed-role/AWSServiceRoleForECRReplication/replication",
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:333344445555:repository/toy"
            )
        ),
        format!(
            r#"{{"id":"outside","request":{}}}"#,
            request(
                "arn:aws:iam::444455556666:role/partner",
                "ecr:BatchGetImage",
                east
            )
        ),
        format!(
            r#"{{"id":"own-policies-shared-org","identityPolicies":[{identity}],"request":{}}}"#,
            request(ci, "ecr:BatchGetImage", west)
        ),
        format!(
            r#"{{"id":"own-org-path","identityPolicies":[{identity}],"org":"{e}/org.json","request":{}}}"#,
            request(ci, "ecr:BatchGetImage", west)
        ),
    ];
    let input = lines.join("\n") + "\n";
    let out = ecrsim(
        &[
            "batch",
            "--identity-policy",
            &format!("{e}/identity.json"),
            "--resource-policy",
            &format!("{e}/repository-policy.json"),
            "--org",
            &format!("{e}/org.json"),
        ],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", support::text(&out.stderr));
    let got = output_lines(&out.stdout);
    let decision = |i: usize| got[i]["decision"].as_str().unwrap_or_default().to_string();
    assert_eq!(decision(0), "ExplicitDeny", "{}", got[0]);
    assert_eq!(
        got[0]["deciding"][0]["policy"],
        "SCP DenyRegions at OU Workloads"
    );
    assert_eq!(decision(1), "Allow", "{}", got[1]);
    assert!(
        got[1]["notes"]
            .to_string()
            .contains("SCPs do not apply: the caller is in the management account")
    );
    assert_eq!(decision(2), "Allow", "{}", got[2]);
    assert_eq!(decision(3), "ExplicitDeny", "{}", got[3]);
    assert_eq!(
        got[3]["deciding"][0]["policy"],
        "RCP KeepReposInOrg at root"
    );
    assert_eq!(decision(4), "ExplicitDeny", "{}", got[4]);
    assert_eq!(decision(5), "ExplicitDeny", "{}", got[5]);
    assert_eq!(
        got[5]["deciding"][0]["policy"],
        "SCP DenyRegions at OU Workloads"
    );

    let disagree = ecrsim(
        &[
            "batch",
            "--org",
            &format!("{e}/org.json"),
            "--management-account",
            "111122223333",
        ],
        "",
    );
    assert_eq!(disagree.status.code(), Some(2));
    assert!(support::text(&disagree.stderr).contains("disagrees with the organization file"));
}

/// `--jobs 2` writes the bytes of `--jobs 1`, in the same order, on an input of many blocks
/// mixing good, bad, blank, message and workflow lines (and a last line without a newline).
#[test]
fn two_workers_write_what_one_writes() {
    let pull = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Login","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}]}"#;
    let principal = "arn:aws:iam::123456789012:user/dev";
    let workflows = [
        format!(
            r#"{{"id":"pull","identityPolicies":[{pull}],"request":{{"principal":"{principal}","workflow":"pull","resource":"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2"}}}}"#
        ),
        format!(
            r#"{{"id":"push","identityPolicies":[{pull}],"request":{{"principal":"{principal}","workflow":"push","resource":"arn:aws:ecr:us-east-1:123456789012:repository/app"}}}}"#
        ),
        r#"{"id":"unknown","request":{"workflow":"pul"}}"#.to_string(),
    ];
    let mut input = String::new();
    for (i, line) in varied_input(4000).lines().enumerate() {
        input.push_str(line);
        input.push('\n');
        if i % 37 == 0 {
            input.push_str(&workflows[i % workflows.len()]);
            input.push('\n');
        }
        if i % 101 == 0 {
            input.push_str("   \n\n");
        }
    }
    input.push_str(&workflows[1]);
    assert!(
        input.len() > 8 * (1 << 16),
        "many blocks: {} bytes",
        input.len()
    );
    let one = ecrsim(&["batch", "--jobs", "1"], &input);
    assert_eq!(one.status.code(), Some(0));
    let lines = output_lines(&one.stdout);
    assert_eq!(lines.len(), asking_lines(&input));
    let decisions = |d: &str| lines.iter().filter(|l| l["decision"] == d).count();
    assert!(decisions("Allow") > 100 && decisions("ImplicitDeny") > 100);
    assert!(decisions("Error") > 100 && decisions("ExplicitDeny") > 10);
    assert!(lines.iter().any(|l| l["workflow"] == "push"));
    assert!(
        lines.iter().any(|l| l["message"].is_object()),
        "message lines"
    );
    assert_eq!(lines.last().unwrap()["id"], "push");
    let two = ecrsim(&["batch", "--jobs", "2"], &input);
    assert_eq!(two.status.code(), Some(0));
    assert_eq!(two.stderr, one.stderr);
    assert_same(&one.stdout, &two.stdout, "--jobs 2 against --jobs 1");
}
