//! Errors as a caller outside the engine sees them: each has a kind to match on, so a caller
//! never needs to read a message to tell one problem from another.

#![allow(
    clippy::unwrap_used,
    reason = "a test should stop loudly on unexpected input"
)]

use ecrsim_engine::JsonErrorKind;
use ecrsim_engine::PolicySetErrorKind;
use ecrsim_engine::WorkflowError;
use ecrsim_engine::{
    PolicyErrorKind, PolicyKind, PolicyRole, PolicySet, Request, RequestErrorKind, parse_policy,
};

const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

fn policy_error(text: &str) -> PolicyErrorKind {
    parse_policy("p.json", text.as_bytes(), PolicyKind::Identity)
        .unwrap_err()
        .kind
}

/// What a caller such as a linter or an editor plugin would do with the kind.
fn is_operator_problem(kind: PolicyErrorKind) -> bool {
    matches!(
        kind,
        PolicyErrorKind::UnknownConditionOperator | PolicyErrorKind::NullWithQualifier
    )
}

#[test]
fn policy_errors_are_matched_by_kind() {
    let with_condition = |operator: &str| {
        format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{{"{operator}":{{"aws:username":"true"}}}}}}}}"#
        )
    };
    assert!(is_operator_problem(policy_error(&with_condition(
        "StringEqualz"
    ))));
    assert!(is_operator_problem(policy_error(&with_condition(
        "NullIfExists"
    ))));
    assert!(!is_operator_problem(policy_error(&with_condition(
        "DateEquals"
    ))));
    assert_eq!(
        policy_error(&with_condition("DateEquals")),
        PolicyErrorKind::InvalidConditionValue
    );
    assert_eq!(
        policy_error(r#"{"Statement":{"Effect":"allow","Action":"a:b","Resource":"*"}}"#),
        PolicyErrorKind::InvalidEffect
    );
    assert!(matches!(
        policy_error("[1,]"),
        PolicyErrorKind::Json(JsonErrorKind::TrailingComma)
    ));
}

#[test]
fn request_errors_are_matched_by_kind() {
    let kind =
        |action: &str, resource: &str| Request::new(action, resource, None).unwrap_err().kind;
    assert_eq!(kind("ecr:PutImages", REPO), RequestErrorKind::UnknownAction);
    assert_eq!(
        kind("ecrr:PutImage", REPO),
        RequestErrorKind::UnknownService
    );
    assert_eq!(
        kind("ecr:PutImage", "repo"),
        RequestErrorKind::InvalidResource
    );
    assert_eq!(
        kind("ecr:PutImage", "arn:aws:s3:::bucket"),
        RequestErrorKind::ResourceTypeMismatch
    );
    let china_caller = Request::new(
        "ecr:PutImage",
        REPO,
        Some("arn:aws-cn:iam::123456789012:user/bob"),
    );
    assert_eq!(
        china_caller.unwrap_err().kind,
        RequestErrorKind::CrossPartition
    );
}

#[test]
fn policy_set_errors_are_matched_by_kind() {
    let resource_policy = || {
        parse_policy(
            "repo.json",
            br#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap()
    };
    let mut set = PolicySet::new();
    set.add(resource_policy()).unwrap();
    let e = set.add(resource_policy()).unwrap_err();
    assert_eq!(e.kind, PolicySetErrorKind::DuplicateRole);
    assert_eq!(
        e.to_string(),
        "a request has at most one resource-based policy"
    );
    let e = set
        .add_as(PolicyRole::Boundary, resource_policy())
        .unwrap_err();
    assert_eq!(e.kind, PolicySetErrorKind::WrongKind);
}

#[test]
fn workflow_errors_name_the_action_not_a_flag() {
    let push = ecrsim_engine::find_workflow("push").unwrap();
    let e = ecrsim_engine::workflow_requests(push.actions, None, None).unwrap_err();
    match &e {
        WorkflowError::NeedsRepository { action } => {
            assert_eq!(action, "ecr:BatchCheckLayerAvailability");
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains("--"), "{e}");
    let e = ecrsim_engine::workflow_requests(push.actions, Some("repo"), None).unwrap_err();
    assert!(
        matches!(&e, WorkflowError::Request(r) if r.kind == RequestErrorKind::InvalidResource),
        "{e:?}"
    );
}
