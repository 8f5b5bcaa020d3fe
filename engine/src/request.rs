//! The request to authorize, validated against the service catalog.
//!
//! Validation fails closed: an unknown action, or a resource that fits none of the action's
//! resource types, is an error with a suggestion — never a decision. For an account-level action
//! (no resource type, iam-semantics §3.6) the request resource is `*`, whatever was given; when
//! an ARN was given, the request records it so the explanation can say so.

use std::fmt;

use crate::arn::Arn;
use crate::catalog::Catalog;
use crate::context::Context;
use crate::principal::Principal;

/// A validated request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    action: String,
    action_lower: String,
    resource: String,
    given_resource: String,
    resource_type: Option<String>,
    principal: Option<String>,
    caller: Option<Principal>,
    resource_account: Option<String>,
    context: Context,
}

/// Why a request cannot be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// What is wrong, lower case, no final period.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RequestError {}

fn request_error(message: String, help: Option<String>) -> RequestError {
    RequestError { message, help }
}

impl Request {
    /// Validates `action` (`service:Name`, any case) and `resource` (an ARN or `*`) against the
    /// built-in catalog. `principal` is the caller's ARN, if known.
    pub fn new(
        action: &str,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        let catalog = Catalog::builtin();
        if action.contains(['*', '?']) {
            return Err(request_error(
                format!(
                    "the request action `{action}` has a wildcard: a request names one concrete action"
                ),
                Some("give one action such as `ecr:PutImage`; run one check per action".into()),
            ));
        }
        let Some(info) = catalog.action(action) else {
            let help = match catalog.suggest_action(action) {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None if !action.contains(':') => {
                    Some("write the action as `service:ActionName`, e.g. `ecr:PutImage`".into())
                }
                None => None,
            };
            let (service, _) = action.split_once(':').unwrap_or((action, ""));
            let message = if action.contains(':') && !catalog.has_service(service) {
                format!(
                    "unknown action `{action}`: there is no service with the prefix `{service}`"
                )
            } else {
                format!("unknown action `{action}`")
            };
            return Err(request_error(message, help));
        };
        let canonical = info.full_name();

        let (effective, resource_type) = if info.is_account_level() {
            if resource != "*" && !resource.starts_with("arn:") {
                return Err(invalid_arn(resource));
            }
            ("*".to_string(), None)
        } else if resource == "*" {
            let required: Vec<String> = info
                .resource_types()
                .filter(|t| t.required())
                .map(|t| t.name().to_string())
                .collect();
            if !required.is_empty() {
                let formats: Vec<String> = info
                    .resource_types()
                    .filter(|t| t.required())
                    .flat_map(|t| {
                        t.arn_formats()
                            .iter()
                            .map(|f| f.to_string())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                return Err(request_error(
                    format!(
                        "`{canonical}` acts on a {}: the request resource must be its ARN, not `*`",
                        required.join(" or ")
                    ),
                    Some(format!(
                        "give the ARN, in the form {}",
                        formats.join(" or ")
                    )),
                ));
            }
            ("*".to_string(), None)
        } else {
            if Arn::parse(resource).is_none() {
                return Err(invalid_arn(resource));
            }
            match info.resource_type_for_arn(resource) {
                Some(t) => (resource.to_string(), Some(t.name().to_string())),
                None => {
                    let formats: Vec<String> = info
                        .resource_types()
                        .flat_map(|t| {
                            t.arn_formats()
                                .iter()
                                .map(|f| f.to_string())
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    return Err(request_error(
                        format!("`{resource}` is not a resource that `{canonical}` acts on"),
                        Some(format!(
                            "`{canonical}` takes a resource of the form {}",
                            formats.join(" or ")
                        )),
                    ));
                }
            }
        };
        let caller = principal
            .map(Principal::parse)
            .transpose()
            .map_err(|e| request_error(e.0, None))?;
        let mut request = Request {
            action_lower: canonical.to_lowercase(),
            action: canonical,
            resource: effective,
            given_resource: resource.to_string(),
            resource_type,
            principal: principal.map(str::to_string),
            caller,
            resource_account: None,
            context: Context::new(),
        };
        request.derive_context();
        Ok(request)
    }

    /// Sets the request context. Keys AWS derives from the request (`aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`, `aws:ResourceAccount`) are
    /// filled in unless `context` gives them.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self.derive_context();
        self
    }

    /// Sets the account that owns the resource (for `aws:ResourceAccount` when the resource ARN
    /// has no account, or to override it).
    pub fn with_resource_account(mut self, account: &str) -> Request {
        self.resource_account = Some(account.to_string());
        self.derive_context();
        self
    }

    fn derive_context(&mut self) {
        self.context.derive_from(
            self.principal.as_deref(),
            &self.given_resource,
            self.resource_account.as_deref(),
        );
    }

    /// The request context, with the derived keys.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The action in its canonical spelling, e.g. `ecr:PutImage`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action lower-cased, as matched against policies.
    pub fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// The resource the request is evaluated on: an ARN, or `*` for account-level actions.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The resource as given by the user (differs from [`Request::resource`] when an ARN was given
    /// for an account-level action).
    pub fn given_resource(&self) -> &str {
        &self.given_resource
    }

    /// Whether the action has no resource type, so it is evaluated on `*`.
    pub fn is_account_level(&self) -> bool {
        self.resource == "*" && self.resource_type.is_none()
    }

    /// Whether the user named an ARN that was replaced by `*` because the action is account-level.
    pub fn resource_was_rewritten(&self) -> bool {
        self.resource != self.given_resource
    }

    /// The resource type the ARN was recognised as (`repository`), if any.
    pub fn resource_type(&self) -> Option<&str> {
        self.resource_type.as_deref()
    }

    /// The caller, if given.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The caller, parsed.
    pub fn caller(&self) -> Option<&Principal> {
        self.caller.as_ref()
    }

    /// The account that owns the resource: given with [`Request::with_resource_account`], else
    /// the ARN's account field; `None` for `*` (the caller's own account) or ARNs without one.
    pub fn resource_account(&self) -> Option<&str> {
        if self.is_account_level() {
            return None;
        }
        self.resource_account
            .as_deref()
            .or_else(|| Arn::parse(&self.resource).map(|a| a.account))
            .filter(|a| !a.is_empty())
    }
}

fn invalid_arn(resource: &str) -> RequestError {
    request_error(
        format!(
            "invalid resource `{resource}`: expected an ARN (`arn:partition:service:region:account:resource`) or `*`"
        ),
        Some("e.g. arn:aws:ecr:us-east-1:123456789012:repository/my-app".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

    #[test]
    fn canonicalises_the_action() {
        let r = Request::new("ECR:putimage", REPO, None).unwrap();
        assert_eq!(r.action(), "ecr:PutImage");
        assert_eq!(r.action_lower(), "ecr:putimage");
        assert_eq!(r.resource(), REPO);
        assert_eq!(r.resource_type(), Some("repository"));
        assert!(!r.is_account_level());
    }

    #[test]
    fn account_level_actions_are_evaluated_on_star() {
        let r = Request::new("ecr:GetAuthorizationToken", REPO, None).unwrap();
        assert_eq!(r.resource(), "*");
        assert_eq!(r.given_resource(), REPO);
        assert!(r.is_account_level());
        assert!(r.resource_was_rewritten());
        let r = Request::new("ecr:GetAuthorizationToken", "*", None).unwrap();
        assert!(!r.resource_was_rewritten());
    }

    #[test]
    fn unknown_actions_are_errors_with_suggestions() {
        let e = Request::new("ecr:PutImages", REPO, None).unwrap_err();
        assert_eq!(e.message, "unknown action `ecr:PutImages`");
        assert_eq!(e.help.as_deref(), Some("did you mean `ecr:PutImage`?"));
        let e = Request::new("ecrr:PutImage", REPO, None).unwrap_err();
        assert!(
            e.message.contains("no service with the prefix `ecrr`"),
            "{e}"
        );
        assert!(
            Request::new("ecr:Put*", REPO, None)
                .unwrap_err()
                .message
                .contains("wildcard")
        );
    }

    #[test]
    fn resources_must_fit_the_action() {
        let e = Request::new("ecr:PutImage", "arn:aws:s3:::bucket", None).unwrap_err();
        assert!(
            e.message
                .contains("not a resource that `ecr:PutImage` acts on"),
            "{e}"
        );
        assert!(e.help.unwrap().contains("repository/${RepositoryName}"));
        let e = Request::new("ecr:PutImage", "my-app", None).unwrap_err();
        assert!(e.message.contains("invalid resource"), "{e}");
        let e = Request::new("ecr:PutImage", "*", None).unwrap_err();
        assert!(e.message.contains("acts on a repository"), "{e}");
        assert!(Request::new("s3:GetObject", "arn:aws:s3:::bucket/key", None).is_ok());
    }
}
