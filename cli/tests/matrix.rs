//! `ecrsim matrix` on the example snapshot: every cell is what `check --snapshot --principal`
//! decides for the same principal, repository and workflow; the formats agree with each other;
//! `--jobs` changes nothing but the speed; bad input is exit 2.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use serde_json::Value;
use support::{Closed, ecrsim, ecrsim_with_closed, text};

const SNAPSHOT: &str = "corpus/snapshots/example/snapshot";
const AT: &str = "2026-06-01T00:00:00Z";

fn matrix(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["matrix", "--snapshot", SNAPSHOT, "--at", AT];
    args.extend_from_slice(extra);
    ecrsim(&args, "")
}

fn matrix_json(extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let output = matrix(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_str(&text(&output.stdout)).expect("one JSON object")
}

/// Every cell of the snapshot's own principals equals `check --snapshot --principal P
/// --resource R --workflow W` (in the repository's Region, at the same instant): the overall
/// decision, and each action's.
#[test]
fn every_cell_equals_check_for_the_same_principal_repository_and_workflow() {
    let matrix = matrix_json(&["--workflow", "pull", "--workflow", "push", "--jobs", "2"]);
    let repositories = matrix["repositories"].as_array().expect("repositories");
    let mut compared = 0;
    let mut allowed = 0;
    for row in matrix["principals"].as_array().expect("principals") {
        if row["external"] == true || row["kind"] == "service" {
            continue;
        }
        let principal = row["name"].as_str().expect("name");
        for cell in row["cells"].as_array().expect("cells") {
            let resource = cell["resource"].as_str().expect("resource");
            let workflow = cell["question"].as_str().expect("question");
            let region = repositories
                .iter()
                .find(|r| r["arn"] == resource)
                .and_then(|r| r["region"].as_str())
                .expect("the cell's repository is listed");
            let output = ecrsim(
                &[
                    "check",
                    "--snapshot",
                    SNAPSHOT,
                    "--principal",
                    principal,
                    "--resource",
                    resource,
                    "--workflow",
                    workflow,
                    "--region",
                    region,
                    "--at",
                    AT,
                    "--format",
                    "json",
                ],
                "",
            );
            let check: Value = serde_json::from_str(&text(&output.stdout)).unwrap_or_else(|e| {
                panic!(
                    "check {principal} {resource} {workflow}: {e}: {}",
                    text(&output.stderr)
                )
            });
            assert_eq!(
                cell["decision"], check["decision"],
                "{principal} {workflow} on {resource}"
            );
            let expected_code = if check["decision"] == "Allow" { 0 } else { 1 };
            assert_eq!(output.status.code(), Some(expected_code));
            let cell_actions: Vec<(&Value, &Value)> = cell["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| (&a["action"], &a["decision"]))
                .collect();
            let check_actions: Vec<(&Value, &Value)> = check["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| (&r["action"], &r["decision"]))
                .collect();
            assert_eq!(
                cell_actions, check_actions,
                "{principal} {workflow} on {resource}"
            );
            compared += 1;
            allowed += usize::from(cell["decision"] == "Allow");
        }
    }
    // 8 users and roles × 2 repositories × 2 workflows, some allowed and some not.
    assert_eq!(compared, 32);
    assert!(allowed > 0 && allowed < compared, "{allowed} of {compared}");
}

/// The known cells: ci-push pushes to app (its inline policy and the repository policy), alice
/// may not (her boundary), the outside account is denied by the organization's RCP.
#[test]
fn known_cells_and_the_summary() {
    let matrix = matrix_json(&[]);
    let questions: Vec<&str> = matrix["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["name"].as_str().expect("name"))
        .collect();
    assert_eq!(questions, ["pull", "push"], "the default workflows");
    let cell = |name: &str, repository: &str, question: &str| -> Value {
        let row = matrix["principals"]
            .as_array()
            .expect("principals")
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}"));
        row["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| {
                c["question"] == question
                    && c["resource"]
                        .as_str()
                        .is_some_and(|r| r.ends_with(&format!(":repository/{repository}")))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no cell {name} {repository} {question}"))
    };
    let push = cell("role/ci-push", "app", "push");
    assert_eq!(push["decision"], "Allow");
    assert!(
        push["why"]
            .as_str()
            .is_some_and(|w| w.contains("repository policy `CiAccountPushes`")),
        "{push}"
    );
    let alice = cell("user/alice", "app", "push");
    assert_eq!(alice["decision"], "ImplicitDeny");
    assert_eq!(
        alice["why"],
        "ecr:InitiateLayerUpload: because no permissions boundary allows it"
    );
    let outside = cell("account 777788889999", "app", "pull");
    assert_eq!(outside["decision"], "ExplicitDeny");
    assert_eq!(
        matrix["summary"],
        serde_json::json!({"principals": 10, "repositories": 2, "cells": 40, "allowed": 12})
    );
}

/// CSV, Markdown and human text say what JSON says, cell for cell.
#[test]
fn formats_agree() {
    let matrix = matrix_json(&[]);
    let mut decisions = Vec::new();
    for row in matrix["principals"].as_array().expect("principals") {
        for cell in row["cells"].as_array().expect("cells") {
            decisions.push((
                row["principal"].as_str().expect("principal").to_string(),
                cell["resource"].as_str().expect("resource").to_string(),
                cell["question"].as_str().expect("question").to_string(),
                cell["decision"].as_str().expect("decision").to_string(),
            ));
        }
    }

    let csv = text(&matrix_run(&["--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("principal,name,kind,resource,question,decision,why")
    );
    let from_csv: Vec<(String, String, String, String)> = lines
        .map(|line| {
            let fields: Vec<&str> = line.splitn(7, ',').collect();
            (
                fields[0].to_string(),
                fields[3].to_string(),
                fields[4].to_string(),
                fields[5].to_string(),
            )
        })
        .collect();
    assert_eq!(from_csv, decisions);

    let markdown = text(&matrix_run(&["--format", "markdown"]));
    assert!(
        markdown.contains("| principal | `app` pull | `app` push | `tools` pull | `tools` push |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| `role/ci-push` | Allow | Allow | ImplicitDeny | ImplicitDeny |"),
        "{markdown}"
    );
    assert!(markdown.contains("12 of 40 allowed."), "{markdown}");

    let human = text(&matrix_run(&[]));
    assert!(
        human.starts_with("10 principals × 2 repositories × pull, push"),
        "{human}"
    );
    let ci_push: Vec<&str> = human
        .lines()
        .filter(|l| l.starts_with("role/ci-push "))
        .collect();
    assert_eq!(ci_push.len(), 2, "{human}");
    assert!(
        ci_push[0].contains("app") && ci_push[0].ends_with("pull Allow  push Allow"),
        "{human}"
    );
    assert!(
        human.ends_with("12 of 40 allowed (`who-can --all` or `--format html` for the reasons)\n")
    );
}

fn matrix_run(extra: &[&str]) -> Vec<u8> {
    let output = matrix(extra);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    output.stdout
}

/// One thread or three: the same bytes, in the same order.
#[test]
fn jobs_change_nothing_but_speed() {
    for format in ["csv", "html", "json"] {
        let one = matrix_run(&["--format", format, "--jobs", "1"]);
        let three = matrix_run(&["--format", format, "--jobs", "3"]);
        assert!(!one.is_empty());
        assert_eq!(one, three, "{format}");
    }
    let who = |jobs: &str| {
        let output = ecrsim(
            &[
                "who-can",
                "--snapshot",
                SNAPSHOT,
                "--resource",
                "arn:aws:ecr:us-east-1:111122223333:repository/app",
                "--workflow",
                "push",
                "--all",
                "--format",
                "json",
                "--at",
                AT,
                "--jobs",
                jobs,
            ],
            "",
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        output.stdout
    };
    assert_eq!(who("1"), who("2"));
}

/// The HTML page holds each explanation once and names it from the cells, and escapes what it
/// shows.
#[test]
fn html_is_self_contained_and_explanations_are_shared() {
    let html = text(&matrix_run(&["--format", "html"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<link") && !html.contains(" src="));
    assert_eq!(html.matches("<td ").count(), 40);
    let lines = html
        .lines()
        .find_map(|l| l.strip_prefix("var L="))
        .expect("the explanation lines");
    let lines: Vec<String> =
        serde_json::from_str(lines.trim_end_matches(';')).expect("lines are JSON");
    let unique: std::collections::BTreeSet<&String> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "each line once");
    assert!(
        lines.iter().any(|l| l
            == "ImplicitDeny: ecr:InitiateLayerUpload\n  why: because no permissions boundary allows it"),
        "{lines:?}"
    );
}

#[test]
fn bad_input_is_exit_2() {
    let output = matrix(&["--workflow", "pusj"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("unknown workflow `pusj`"),
        "{}",
        text(&output.stderr)
    );
    let output = ecrsim(&["matrix", "--snapshot", "corpus/no-such-snapshot"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("corpus/no-such-snapshot"));
    let output = matrix(&["--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
}

/// `ecrsim matrix | head`: a closed standard output ends the run quietly.
#[test]
fn closed_stdout_is_not_an_error() {
    let output = ecrsim_with_closed(
        &["matrix", "--snapshot", SNAPSHOT, "--format", "csv"],
        Closed::Stdout,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
}
