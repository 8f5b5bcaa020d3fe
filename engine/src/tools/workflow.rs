//! Client workflows as sets of IAM actions: what `docker login`, `docker pull`, `docker push`
//! and deleting an image need (docs/semantics.md#client-workflows). Workflows are data: adding one
//! is one entry in [`WORKFLOWS`].

use crate::data::catalog::Catalog;
use crate::request::{Request, RequestError};

/// A named set of actions that one user-level task needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workflow {
    /// The name used on the command line.
    pub name: &'static str,
    /// What it stands for.
    pub description: &'static str,
    /// The actions, in the order the client calls them.
    pub actions: &'static [&'static str],
}

/// Every known workflow.
pub const WORKFLOWS: &[Workflow] = &[
    Workflow {
        name: "login",
        description: "aws ecr get-login-password | docker login",
        actions: &["ecr:GetAuthorizationToken"],
    },
    Workflow {
        name: "pull",
        description: "docker pull: the actions of AWS's AmazonEC2ContainerRegistryPullOnly policy",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
    },
    Workflow {
        name: "push",
        description: "docker push: the actions of the ECR user guide's push page (which now lists BatchGetImage)",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
        ],
    },
    Workflow {
        name: "delete",
        description: "delete an image: find it (list, describe) and delete it",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:ListImages",
            "ecr:DescribeImages",
            "ecr:BatchDeleteImage",
        ],
    },
];

/// The workflow with this name.
pub fn find(name: &str) -> Option<&'static Workflow> {
    WORKFLOWS.iter().find(|w| w.name == name)
}

/// The names of all workflows, for messages.
pub fn names() -> Vec<&'static str> {
    WORKFLOWS.iter().map(|w| w.name).collect()
}

/// Why a workflow's requests cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// An action acts on a repository, and no repository was given.
    #[error("`{action}` acts on a repository: give its ARN")]
    NeedsRepository {
        /// The first such action.
        action: String,
    },
    /// A request is invalid.
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// One request per action: account-level actions on `*`, the others on `repository`. A
/// repository is needed unless every action is account-level.
pub fn requests(
    actions: &[&str],
    repository: Option<&str>,
    principal: Option<&str>,
) -> Result<Vec<Request>, WorkflowError> {
    let catalog = Catalog::builtin();
    actions
        .iter()
        .map(|action| {
            let account_level = catalog.action(action).is_some_and(|a| a.is_account_level());
            let resource = match (account_level, repository) {
                (true, _) => "*",
                (false, Some(repository)) => repository,
                (false, None) => {
                    return Err(WorkflowError::NeedsRepository {
                        action: action.to_string(),
                    });
                }
            };
            Ok(Request::new(action, resource, principal)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workflow_action_exists_and_starts_with_login() {
        for w in WORKFLOWS {
            assert_eq!(
                w.actions.first(),
                Some(&"ecr:GetAuthorizationToken"),
                "{}",
                w.name
            );
            for action in w.actions {
                assert!(Catalog::builtin().action(action).is_some(), "{action}");
            }
        }
        assert_eq!(names(), ["login", "pull", "push", "delete"]);
    }

    #[test]
    fn account_level_actions_go_on_star() {
        let repo = "arn:aws:ecr:us-east-1:123456789012:repository/app";
        let push = find("push").unwrap();
        let requests = requests(push.actions, Some(repo), None).unwrap();
        assert_eq!(requests[0].resource(), "*");
        assert!(!requests[0].resource_was_rewritten());
        assert!(requests[1..].iter().all(|r| r.resource() == repo));
        assert!(super::requests(find("login").unwrap().actions, None, None).is_ok());
        assert_eq!(
            super::requests(push.actions, None, None),
            Err(WorkflowError::NeedsRepository {
                action: "ecr:BatchCheckLayerAvailability".into()
            })
        );
        assert!(matches!(
            super::requests(&["ecr:PutImages"], Some(repo), None),
            Err(WorkflowError::Request(RequestError {
                kind: crate::request::RequestErrorKind::UnknownAction,
                ..
            }))
        ));
    }
}
