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
    /// The *required* actions (the client fails without them), in the order the client calls
    /// them: the verdict counts these.
    pub actions: &'static [&'static str],
    /// The *documented* actions: listed by the AWS guide but not needed by every client; shown
    /// as warnings, never in the verdict.
    pub documented: &'static [&'static str],
    /// The AWS page the actions come from.
    pub source: &'static str,
}

const PUSH_PAGE: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html";
const PULL_PAGE: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/security-iam-awsmanpol.html";
const PTC_PAGE: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html";
const REPLICATION_PAGE: &str = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-create-replication.html";

/// Every known workflow.
pub const WORKFLOWS: &[Workflow] = &[
    Workflow {
        name: "login",
        description: "aws ecr get-login-password | docker login",
        actions: &["ecr:GetAuthorizationToken"],
        documented: &[],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html",
    },
    Workflow {
        name: "pull",
        description: "docker pull: the actions of AWS's AmazonEC2ContainerRegistryPullOnly policy",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
        documented: &["ecr:BatchCheckLayerAvailability"],
        source: PULL_PAGE,
    },
    Workflow {
        name: "push",
        description: "docker push: the actions of the ECR user guide's push page",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
        ],
        documented: &["ecr:BatchGetImage"],
        source: PUSH_PAGE,
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
        documented: &[],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/delete_image.html",
    },
    Workflow {
        name: "public-login",
        description: "aws ecr-public get-login-password | docker login public.ecr.aws",
        actions: &[
            "ecr-public:GetAuthorizationToken",
            "sts:GetServiceBearerToken",
        ],
        documented: &[],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/public/public-registries.html",
    },
    Workflow {
        name: "public-push",
        description: "docker push to an ECR Public repository (image public.ecr.aws/ALIAS/NAME, owned by the resource account)",
        actions: &[
            "ecr-public:GetAuthorizationToken",
            "sts:GetServiceBearerToken",
            "ecr-public:BatchCheckLayerAvailability",
            "ecr-public:InitiateLayerUpload",
            "ecr-public:UploadLayerPart",
            "ecr-public:CompleteLayerUpload",
            "ecr-public:PutImage",
        ],
        documented: &[],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/public/docker-push-ecr-image.html",
    },
    Workflow {
        name: "pull-through-cache",
        description: "first docker pull through a pull through cache rule, cache repository already created",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchImportUpstreamImage",
        ],
        documented: &[],
        source: PTC_PAGE,
    },
    Workflow {
        name: "pull-through-cache-new-repo",
        description: "first docker pull through a pull through cache rule when the cache repository does not exist yet",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchImportUpstreamImage",
            "ecr:CreateRepository",
        ],
        documented: &["ecr:TagResource"],
        source: PTC_PAGE,
    },
    Workflow {
        name: "replicate",
        description: "cross-account replication: the source account into the destination registry (decided by the destination's registry policy)",
        actions: &["ecr:ReplicateImage"],
        documented: &["ecr:CreateRepository"],
        source: REPLICATION_PAGE,
    },
    Workflow {
        name: "replicate-new-repo",
        description: "cross-account replication when the destination repository does not exist yet",
        actions: &["ecr:ReplicateImage", "ecr:CreateRepository"],
        documented: &[],
        source: REPLICATION_PAGE,
    },
    Workflow {
        name: "ecs-pull",
        description: "an ECS task execution role pulling the task's image",
        actions: &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
        documented: &["ecr:BatchCheckLayerAvailability"],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html",
    },
    Workflow {
        name: "lambda-pull",
        description: "Lambda (lambda.amazonaws.com) reading a container image function's image through the repository policy",
        actions: &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        documented: &[],
        source: "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html",
    },
    Workflow {
        name: "codebuild-pull",
        description: "CodeBuild (codebuild.amazonaws.com) pulling a build image through the repository policy",
        actions: &[
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability",
        ],
        documented: &[],
        source: "https://docs.aws.amazon.com/codebuild/latest/userguide/sample-ecr.html",
    },
    Workflow {
        name: "create-repository-kms",
        description: "aws ecr create-repository with encryptionType=KMS and a customer managed key (give the key's ARN too): ECR calls DescribeKey and CreateGrant with the creator's permissions",
        actions: &["ecr:CreateRepository", "kms:DescribeKey", "kms:CreateGrant"],
        documented: &["kms:RetireGrant"],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html",
    },
    Workflow {
        name: "scan",
        description: "start a basic image scan and read its findings",
        actions: &["ecr:StartImageScan", "ecr:DescribeImageScanFindings"],
        documented: &["ecr:DescribeImages"],
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic.html",
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
    /// An action acts on a KMS key, and no key was given.
    #[error("`{action}` acts on a KMS key: give the key's ARN")]
    NeedsKmsKey {
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
    requests_with_key(actions, repository, None, principal)
}

/// [`requests`], with the `kms:` actions on `kms_key` (`arn:aws:kms:REGION:ACCOUNT:key/ID`),
/// which they need.
pub fn requests_with_key(
    actions: &[&str],
    repository: Option<&str>,
    kms_key: Option<&str>,
    principal: Option<&str>,
) -> Result<Vec<Request>, WorkflowError> {
    let catalog = Catalog::builtin();
    // Every request of a workflow goes to the Region of its repository, account-level ones
    // (`docker login`'s token) included: the token is for that Region's registry.
    let region = repository.and_then(crate::request::repository_region);
    actions
        .iter()
        .map(|action| {
            let account_level = catalog.action(action).is_some_and(|a| a.is_account_level());
            let on_key = action
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("kms:"));
            let resource = match (account_level, on_key, repository, kms_key) {
                (true, _, _, _) => "*",
                (false, true, _, Some(key)) => key,
                (false, true, _, None) => {
                    return Err(WorkflowError::NeedsKmsKey {
                        action: action.to_string(),
                    });
                }
                (false, false, Some(repository), _) => repository,
                (false, false, None, _) => {
                    return Err(WorkflowError::NeedsRepository {
                        action: action.to_string(),
                    });
                }
            };
            let request = Request::new(action, resource, principal)?;
            match &region {
                // A caller of another partition than the repository's: the request on the
                // repository says so; the token request keeps the Region unset.
                Some(region) if account_level => Ok(request
                    .clone()
                    .with_repository_region(region)
                    .unwrap_or(request)),
                _ => Ok(request),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workflow_action_exists_and_docker_ones_start_with_login() {
        for w in WORKFLOWS {
            if ["login", "pull", "push", "delete", "ecs-pull"].contains(&w.name) {
                assert_eq!(w.actions.first(), Some(&"ecr:GetAuthorizationToken"));
            }
            for action in w.actions.iter().chain(w.documented) {
                assert!(Catalog::builtin().action(action).is_some(), "{action}");
                assert!(!w.actions.contains(action) || !w.documented.contains(action));
            }
            assert!(w.source.starts_with("https://docs.aws.amazon.com/"));
            // Flags are the CLI's words (render.rs says which a workflow needs); the engine's
            // description is read by library users and batch consumers too.
            assert!(!w.description.contains("--"), "{}", w.description);
        }
        assert_eq!(&names()[..4], ["login", "pull", "push", "delete"]);
        let public = find("public-login").unwrap();
        assert!(
            requests(public.actions, None, None)
                .unwrap()
                .iter()
                .all(|r| r.resource() == "*")
        );
        assert_eq!(find("push").unwrap().documented, ["ecr:BatchGetImage"]);
    }

    #[test]
    fn kms_actions_go_on_the_key() {
        let repo = "arn:aws:ecr:us-east-1:123456789012:repository/app";
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let w = find("create-repository-kms").unwrap();
        let requests = requests_with_key(w.actions, Some(repo), Some(key), None).unwrap();
        let resources: Vec<&str> = requests.iter().map(|r| r.resource()).collect();
        assert_eq!(resources, [repo, key, key]);
        assert_eq!(
            requests_with_key(w.actions, Some(repo), None, None),
            Err(WorkflowError::NeedsKmsKey {
                action: "kms:DescribeKey".into()
            })
        );
        assert_eq!(w.documented, ["kms:RetireGrant"]);
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
