//! Reading the error text a denied user starts from: AWS access-denied messages and the docker
//! and credential-helper errors around Amazon ECR, as data.
//!
//! An access-denied message (IAM User Guide, "Troubleshoot access denied error messages",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>) has the
//! shape `User: PRINCIPAL is not authorized to perform: ACTION on resource: RESOURCE REASON`,
//! where REASON is `because no <policy type> allows the ACTION action`, `with an explicit deny in
//! a <policy type>`, or nothing at all (older messages). Messages with an authorization ID add the
//! denying policy's ARN after a colon and a console link
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied-authorization-id.html>).
//! [`parse_message`] reads one into a [`Denial`] — the principal, action, resource and the
//! [`DeniedBy`] fact — which [`Denial::request`] turns into a [`Request`] and [`compare`] checks
//! against ecrsim's own decision.
//!
//! Other texts are not policy denials at all: the docker client and the ECR credential helper
//! report missing, expired or wrong-region credentials and missing repositories in their own
//! words (Amazon ECR User Guide, "Troubleshooting Docker commands",
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors-docker.html>, and
//! "Troubleshooting Amazon ECR error messages",
//! <https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors.html>). Those become a
//! [`ClientError`] whose [`Remedy`] is the documented one.
//!
//! Nothing is guessed: a text of no known shape, or a reason AWS does not write, is a
//! [`DenialError`] that says what was expected.
//!
//! ```
//! use ecrsim_engine::{parse_denial, DeniedBy, DenyEffect, PolicyType};
//!
//! let text = "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken \
//!     operation: User: arn:aws:sts::123456789012:assumed-role/ci-runner/i-0abc is not authorized \
//!     to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy \
//!     allows the ecr:GetAuthorizationToken action";
//! let denial = parse_denial(text)?;
//! assert_eq!(denial.action, "ecr:GetAuthorizationToken");
//! assert_eq!(denial.resource.as_deref(), Some("*"));
//! assert_eq!(
//!     denial.denied_by,
//!     Some(DeniedBy { effect: DenyEffect::Implicit, policy: PolicyType::Identity })
//! );
//! let request = denial.request()?;
//! assert!(request.is_account_level());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::eval::authorize::{Decision, PolicySet, Reason, Response};
use crate::request::{Request, RequestError, RequestErrorKind};

/// The policy types AWS names in access-denied messages: the policy kinds of the model, so the
/// two lists cannot drift.
pub use crate::model::policy::PolicyKind as PolicyType;

/// Explicit (a `Deny` statement matched) or implicit (nothing allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DenyEffect {
    /// `with an explicit deny in …`.
    Explicit,
    /// `because no … allows …`.
    Implicit,
}

impl DenyEffect {
    /// `explicit` or `implicit`.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyEffect::Explicit => "explicit",
            DenyEffect::Implicit => "implicit",
        }
    }
}

display_as_str!(DenyEffect);

/// Which policy type AWS says denied the request, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeniedBy {
    /// Explicit or implicit.
    pub effect: DenyEffect,
    /// The policy type named.
    pub policy: PolicyType,
}

impl DeniedBy {
    /// The fact AWS would write for an ecrsim reason; `None` for an Allow.
    pub(crate) fn of_reason(reason: Reason) -> Option<DeniedBy> {
        let (effect, policy) = match reason {
            Reason::Allowed | Reason::RootUserOfResourceAccount => return None,
            Reason::ExplicitDeny(role) => (DenyEffect::Explicit, role.kind().as_named_by_aws()),
            Reason::NoScpAllows(_) => (DenyEffect::Implicit, PolicyType::Scp),
            Reason::NoRcpAllows(_) => (DenyEffect::Implicit, PolicyType::Rcp),
            Reason::NoVpcEndpointAllows => (DenyEffect::Implicit, PolicyType::VpcEndpoint),
            Reason::NoResourcePolicyAllows => (DenyEffect::Implicit, PolicyType::Resource),
            Reason::NoIdentityAllows => (DenyEffect::Implicit, PolicyType::Identity),
            Reason::NoBoundaryAllows => (DenyEffect::Implicit, PolicyType::Boundary),
            Reason::NoSessionAllows => (DenyEffect::Implicit, PolicyType::Session),
            // A trust or key policy that must allow and does not: AWS names the resource side.
            Reason::ResourcePolicyMustAllow { .. } => (DenyEffect::Implicit, PolicyType::Resource),
            // Refused whatever the policies say: no policy type to name; a denial all the same.
            Reason::Refused(_) => (DenyEffect::Implicit, PolicyType::Identity),
        };
        Some(DeniedBy { effect, policy })
    }

    /// `implicit:identity`, `explicit:scp`, …: a compact, stable spelling for corpora and JSON.
    pub fn key(self) -> String {
        format!("{}:{}", self.effect, self.policy.key())
    }
}

impl fmt::Display for DeniedBy {
    /// The reason as AWS writes it (without the action).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.effect {
            DenyEffect::Implicit => write!(f, "because no {} allows", self.policy),
            DenyEffect::Explicit => {
                let article = if self.policy == PolicyType::Identity {
                    "an"
                } else {
                    "a"
                };
                write!(f, "with an explicit deny in {article} {}", self.policy)
            }
        }
    }
}

/// Which program printed the message, as far as its wrapping tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageSource {
    /// The AWS CLI or an SDK: `An error occurred (CODE) when calling the OP operation: …`.
    AwsCli,
    /// The docker client: `denied: …`, `Error response from daemon: …`.
    Docker,
    /// The bare message.
    Bare,
}

impl MessageSource {
    /// `awsCli`, `docker` or `bare`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageSource::AwsCli => "awsCli",
            MessageSource::Docker => "docker",
            MessageSource::Bare => "bare",
        }
    }
}

display_as_str!(MessageSource);

/// An AWS access-denied message, read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Denial {
    /// The caller's ARN as AWS printed it (`User: …`), if the message names one.
    pub principal: Option<String>,
    /// The action, `service:Name`.
    pub action: String,
    /// The resource (`*` or an ARN), if the message names one.
    pub resource: Option<String>,
    /// The policy type AWS named, explicit or implicit; `None` for a message without a reason.
    pub denied_by: Option<DeniedBy>,
    /// The denying policy's ARN, when the message carries one (authorization-ID messages).
    pub policy_arn: Option<String>,
    /// The API operation (`when calling the GetAuthorizationToken operation`), if given.
    pub operation: Option<String>,
    /// The error code (`AccessDeniedException`), if given.
    pub error_code: Option<String>,
    /// Which program printed it.
    pub source: MessageSource,
}

impl Denial {
    /// The request AWS denied. A message without a resource is evaluated on `*`, which only an
    /// account-level action accepts: for any other action that is an error saying so.
    pub fn request(&self) -> Result<Request, DenialError> {
        let resource = self.resource.as_deref().unwrap_or("*");
        Request::new(&self.action, resource, self.principal.as_deref()).map_err(|e| {
            if self.resource.is_none() && e.kind == RequestErrorKind::ResourceRequired {
                DenialError::new(
                    DenialErrorKind::MissingResource,
                    format!(
                        "the message names no resource, and `{}` acts on a resource type: the resource cannot be known",
                        self.action
                    ),
                )
            } else {
                DenialError::request(e)
            }
        })
    }

    /// The account of the caller, from the principal ARN.
    pub fn caller_account(&self) -> Option<&str> {
        arn_account(self.principal.as_deref()?)
    }

    /// The account that owns the resource, from the resource ARN (`None` for `*`).
    pub fn resource_account(&self) -> Option<&str> {
        arn_account(self.resource.as_deref()?)
    }
}

/// The account field of an ARN, when not empty.
fn arn_account(arn: &str) -> Option<&str> {
    crate::model::arn::Arn::parse(arn)
        .map(|a| a.account)
        .filter(|a| !a.is_empty())
}

/// An ECR private registry, read from its host `ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Registry {
    /// The host as written.
    pub host: String,
    /// The registry's account.
    pub account: String,
    /// The registry's Region.
    pub region: String,
    /// The repository named after the host (`HOST/NAME[:TAG|@DIGEST]`), if any.
    pub repository: Option<String>,
}

impl Registry {
    /// The ARN of [`Registry::repository`], in the partition the host's DNS suffix implies.
    pub(crate) fn repository_arn(&self) -> Option<String> {
        let partition = if self.host.ends_with(".amazonaws.com.cn") {
            "aws-cn"
        } else {
            "aws"
        };
        let name = self.repository.as_deref()?;
        Some(format!(
            "arn:{partition}:ecr:{}:{}:repository/{name}",
            self.region, self.account
        ))
    }
}

/// The docker and credential errors around ECR that are not policy denials.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientErrorKind {
    /// `no basic auth credentials`: docker has no credentials for this registry host.
    NoBasicAuthCredentials,
    /// `Your authorization token has expired. Reauthenticate and try again.`
    TokenExpired,
    /// `error parsing HTTP 403 response body: unexpected end of JSON input`: ECR answered 403
    /// with an empty body, typically to a push the caller may not make.
    EmptyForbidden,
    /// The registry host is in another Region than the one logged in to.
    RegionMismatch {
        /// The Region of the registry used.
        registry_region: String,
        /// The Region logged in to.
        login_region: String,
    },
    /// `pull access denied … repository does not exist or may require 'docker login'`, or
    /// `RepositoryNotFoundException` / `name unknown: The repository with name … does not exist`.
    RepositoryNotFound,
}

impl ClientErrorKind {
    /// `noBasicAuthCredentials`, `tokenExpired`, `emptyForbidden`, `regionMismatch`,
    /// `repositoryNotFound`.
    pub fn key(&self) -> &'static str {
        match self {
            ClientErrorKind::NoBasicAuthCredentials => "noBasicAuthCredentials",
            ClientErrorKind::TokenExpired => "tokenExpired",
            ClientErrorKind::EmptyForbidden => "emptyForbidden",
            ClientErrorKind::RegionMismatch { .. } => "regionMismatch",
            ClientErrorKind::RepositoryNotFound => "repositoryNotFound",
        }
    }

    /// The documented remedy.
    pub fn remedy(&self) -> Remedy {
        match self {
            ClientErrorKind::NoBasicAuthCredentials => Remedy::Login,
            ClientErrorKind::TokenExpired => Remedy::LoginAgain,
            ClientErrorKind::EmptyForbidden => Remedy::GrantPushActions,
            ClientErrorKind::RegionMismatch { .. } => Remedy::LoginToRegistryRegion,
            ClientErrorKind::RepositoryNotFound => Remedy::CreateRepository,
        }
    }
}

/// What to do about a [`ClientError`], as data; the CLI words it with the registry filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Remedy {
    /// Log in to this exact registry host (`aws ecr get-login-password | docker login`), or
    /// configure the ECR credential helper for it.
    Login,
    /// The token is valid for 12 hours: log in again (or use the credential helper, which
    /// fetches a fresh one per command).
    LoginAgain,
    /// A token is valid only in the Region it was issued for: log in to the registry's Region.
    LoginToRegistryRegion,
    /// ECR does not create repositories on push: create it first (or fix the name).
    CreateRepository,
    /// Allow the push actions on the repository (check the `push` workflow).
    GrantPushActions,
}

impl Remedy {
    /// `login`, `loginAgain`, `loginToRegistryRegion`, `createRepository`, `grantPushActions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::Login => "login",
            Remedy::LoginAgain => "loginAgain",
            Remedy::LoginToRegistryRegion => "loginToRegistryRegion",
            Remedy::CreateRepository => "createRepository",
            Remedy::GrantPushActions => "grantPushActions",
        }
    }
}

display_as_str!(Remedy);

/// A docker or credential error, read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientError {
    /// Which error.
    pub kind: ClientErrorKind,
    /// The registry the message names (the last one, when it names several).
    pub registry: Option<Registry>,
    /// The repository name, from the registry reference or the message's own words.
    pub repository: Option<String>,
}

impl ClientError {
    /// The repository's ARN, when the registry and the repository name are both known.
    pub fn repository_arn(&self) -> Option<String> {
        let registry = self.registry.as_ref()?;
        let mut with_name = registry.clone();
        with_name.repository = self.repository.clone().or(with_name.repository);
        with_name.repository_arn()
    }
}

/// What an error text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// An AWS access-denied message.
    Denial(Denial),
    /// A docker or credential error that is not a policy denial.
    Client(ClientError),
}

/// Why a text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct DenialError {
    /// What kind of problem it is.
    pub kind: DenialErrorKind,
    /// What is wrong and what was expected, lower case, no final period.
    pub message: String,
    /// The request error, for [`DenialErrorKind::Request`].
    pub request: Option<RequestError>,
}

/// What kind of problem a [`DenialError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenialErrorKind {
    /// The text is empty.
    Empty,
    /// The text is of no known shape.
    UnknownShape,
    /// `is not authorized to perform:` is not followed by an action.
    MissingAction,
    /// The text after the resource is not a reason AWS writes.
    UnknownReason,
    /// The message names no resource, and the action needs one.
    MissingResource,
    /// A docker or credential error was given where a denial was expected.
    NotADenial,
    /// The action, resource or principal is not valid .
    Request,
}

impl DenialError {
    fn new(kind: DenialErrorKind, message: String) -> DenialError {
        DenialError {
            kind,
            message,
            request: None,
        }
    }

    fn request(e: RequestError) -> DenialError {
        DenialError {
            kind: DenialErrorKind::Request,
            message: e.to_string(),
            request: Some(e),
        }
    }
}

/// The shapes a text may have, for error messages.
const EXPECTED: &str = "expected an AWS access-denied message (`User: ARN is not authorized to perform: ACTION on resource: RESOURCE because no … allows …` or `… with an explicit deny in …`), or one of the docker errors `no basic auth credentials`, `Your authorization token has expired`, `error parsing HTTP 403 response body`, `pull access denied … repository does not exist`, `name unknown: The repository with name … does not exist`";

/// The reasons AWS writes, for error messages.
const EXPECTED_REASONS: &str = "expected `because no identity-based policy|resource-based policy|permissions boundary|session policy|service control policy|resource control policy|VPC endpoint policy allows the ACTION action`, `with an explicit deny in a(n) <same policy types>`, or nothing";

/// Reads an access-denied message; a docker or credential error is a
/// [`DenialErrorKind::NotADenial`] error (use [`parse_message`] to accept both).
pub fn parse_denial(text: &str) -> Result<Denial, DenialError> {
    match parse_message(text)? {
        Message::Denial(denial) => Ok(denial),
        Message::Client(client) => Err(DenialError::new(
            DenialErrorKind::NotADenial,
            format!(
                "this is a client error (`{}`), not an access-denied message",
                client.kind.key()
            ),
        )),
    }
}

/// Reads an error text: an access-denied message or a known docker/credential error. Line
/// breaks and runs of spaces are read as one space, so wrapped terminal output can be pasted.
pub fn parse_message(text: &str) -> Result<Message, DenialError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(DenialError::new(
            DenialErrorKind::Empty,
            format!("the message is empty: {EXPECTED}"),
        ));
    }
    if text.contains("is not authorized to perform") {
        return parse_access_denied(&text).map(Message::Denial);
    }
    if let Some(client) = parse_client_error(&text) {
        return Ok(Message::Client(client));
    }
    let shown: String = text.chars().take(80).collect();
    Err(DenialError::new(
        DenialErrorKind::UnknownShape,
        format!("unrecognised message `{shown}`: {EXPECTED}"),
    ))
}

/// `(CODE)` and `when calling the OP operation` of an AWS CLI error line.
fn cli_wrapping(text: &str) -> (Option<String>, Option<String>) {
    let code = ["An error occurred (", "A client error ("]
        .iter()
        .find_map(|lead| {
            let rest = &text[text.find(lead)? + lead.len()..];
            Some(rest[..rest.find(')')?].to_string())
        });
    let operation = text.find("when calling the ").and_then(|at| {
        let rest = &text[at + "when calling the ".len()..];
        let name = &rest[..rest.find(" operation")?];
        (!name.is_empty() && !name.contains(' ')).then(|| name.to_string())
    });
    (code, operation)
}

fn parse_access_denied(text: &str) -> Result<Denial, DenialError> {
    let (error_code, operation) = cli_wrapping(text);
    let source = if error_code.is_some() || operation.is_some() {
        MessageSource::AwsCli
    } else if text.starts_with("denied:")
        || text.contains("Error response from daemon")
        || text.contains(" denied: User:")
    {
        MessageSource::Docker
    } else {
        MessageSource::Bare
    };
    let marker = "is not authorized to perform";
    let at = text.find(marker).unwrap_or_default();
    let before = text[..at].trim_end();
    let principal = before
        .rfind("User:")
        .map(|u| before[u + "User:".len()..].trim().to_string())
        .filter(|p| !p.is_empty() && !p.contains(' '));
    let rest = text[at + marker.len()..].trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    let (action, mut rest) = split_word(rest);
    let action = action.trim_end_matches(['.', ',', ';']);
    if !action.contains(':') {
        return Err(DenialError::new(
            DenialErrorKind::MissingAction,
            format!(
                "`is not authorized to perform:` is followed by `{action}`, not an action: expected `service:Name`, e.g. ecr:GetAuthorizationToken"
            ),
        ));
    }
    let mut resource = None;
    if let Some(after) = rest.strip_prefix("on resource:") {
        let (value, after) = split_word(after.trim_start());
        let value = value.strip_suffix('.').unwrap_or(value);
        resource = Some(value.to_string()).filter(|v| !v.is_empty());
        rest = after;
    }
    let (denied_by, policy_arn) = parse_reason(rest, action)?;
    Ok(Denial {
        principal,
        action: action.to_string(),
        resource,
        denied_by,
        policy_arn,
        operation,
        error_code,
        source,
    })
}

/// The first space-separated word and the text after it (trimmed).
fn split_word(text: &str) -> (&str, &str) {
    match text.split_once(' ') {
        Some((word, rest)) => (word, rest.trim_start()),
        None => (text, ""),
    }
}

/// Reads the reason after the resource, with the policy ARN an authorization-ID message adds.
fn parse_reason(
    rest: &str,
    action: &str,
) -> Result<(Option<DeniedBy>, Option<String>), DenialError> {
    let unknown = || {
        let shown: String = rest.chars().take(80).collect();
        DenialError::new(
            DenialErrorKind::UnknownReason,
            format!("unrecognised reason `{shown}`: {EXPECTED_REASONS}"),
        )
    };
    let trimmed = rest.trim();
    if trimmed.is_empty() || trimmed == "." || ends_message(trimmed) {
        return Ok((None, None));
    }
    let (effect, after) = if let Some(after) = trimmed.strip_prefix("because no ") {
        (DenyEffect::Implicit, after)
    } else if let Some(after) = trimmed.strip_prefix("with an explicit deny in ") {
        let after = after
            .strip_prefix("an ")
            .or_else(|| after.strip_prefix("a "))
            .or_else(|| after.strip_prefix("the "))
            .unwrap_or(after);
        (DenyEffect::Explicit, after)
    } else {
        return Err(unknown());
    };
    let policy = PolicyType::ALL
        .into_iter()
        .find(|p| after.starts_with(p.as_str()))
        .ok_or_else(unknown)?;
    let mut tail = after[policy.as_str().len()..].trim_start();
    if effect == DenyEffect::Implicit {
        let allows = tail
            .strip_prefix("allows")
            .ok_or_else(unknown)?
            .trim_start();
        tail = if let Some(named) = allows.strip_prefix("the ") {
            let (named_action, after) = split_word(named);
            if !named_action.eq_ignore_ascii_case(action) {
                return Err(DenialError::new(
                    DenialErrorKind::UnknownReason,
                    format!(
                        "the reason names action `{named_action}`, but the message's action is `{action}`: expected the same action in both places"
                    ),
                ));
            }
            after.strip_prefix("action").unwrap_or(after).trim_start()
        } else {
            allows.strip_prefix("it").unwrap_or(allows).trim_start()
        };
    }
    // `: arn:…:policy/…` (authorization-ID messages), then `. Go to https://…` or similar.
    let mut policy_arn = None;
    if let Some(after_colon) = tail.strip_prefix(':') {
        let (arn, after) = split_word(after_colon.trim_start());
        let arn = arn.trim_end_matches(['.', ',']);
        if arn.starts_with("arn:") {
            policy_arn = Some(arn.to_string());
        }
        tail = after;
    }
    let tail = tail.trim_start_matches(['.', ',']).trim();
    if tail.is_empty() || ends_message(tail) {
        Ok((Some(DeniedBy { effect, policy }), policy_arn))
    } else {
        Err(unknown())
    }
}

/// Text AWS or a client appends after the reason and that carries no reason itself.
fn ends_message(tail: &str) -> bool {
    const TRAILERS: [&str; 5] = [
        "Go to ",
        "Encoded authorization failure message",
        "Authorization ID",
        "(Service:",
        "status code: 403",
    ];
    TRAILERS.iter().any(|t| tail.starts_with(t))
}

/// The ECR registries a text names, in order.
pub(crate) fn registries(text: &str) -> Vec<Registry> {
    let mut found = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "\"'[]()<>,;".contains(c)) {
        let word = word
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let (host, path) = word.split_once('/').unwrap_or((word, ""));
        let host = host.trim_end_matches(['.', ':']);
        let Some(registry) = parse_registry_host(host) else {
            continue;
        };
        let repository = repository_of_path(path);
        found.push(Registry {
            repository,
            ..registry
        });
    }
    found
}

/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]` (optionally with a `:443` port).
fn parse_registry_host(host: &str) -> Option<Registry> {
    let host = host.split(':').next().unwrap_or(host);
    let mut parts = host.split('.');
    let account = parts.next()?;
    let (dkr, ecr, region, aws, com) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let tail = parts.next();
    let valid = crate::model::arn::is_account_id(account)
        && dkr == "dkr"
        && ecr == "ecr"
        && !region.is_empty()
        && aws == "amazonaws"
        && com == "com"
        && matches!(tail, None | Some("cn"))
        && parts.next().is_none();
    valid.then(|| Registry {
        host: host.to_string(),
        account: account.to_string(),
        region: region.to_string(),
        repository: None,
    })
}

/// The repository of `NAME[:TAG|@DIGEST]` after a registry host, skipping the `v2/` API path
/// docker prints in HTTP errors (`/v2/NAME/manifests/TAG`, `/v2/NAME/blobs/…`).
fn repository_of_path(path: &str) -> Option<String> {
    let path = path.trim_end_matches(['.', ':', '"']);
    let name = if let Some(api) = path.strip_prefix("v2/") {
        let end = ["/manifests/", "/blobs/", "/tags/"]
            .iter()
            .filter_map(|m| api.find(m))
            .min()
            .unwrap_or(api.len());
        &api[..end]
    } else {
        let name = path.split('@').next().unwrap_or(path);
        // A tag follows the last `:` after the last `/`.
        match name.rfind(':') {
            Some(colon) if !name[colon..].contains('/') => &name[..colon],
            _ => name,
        }
    };
    Some(name.to_string()).filter(|n| !n.is_empty())
}

/// The repository named in words: `The repository with name 'NAME' does not exist`.
fn repository_in_words(text: &str) -> Option<String> {
    let lead = "repository with name '";
    let rest = &text[text.find(lead)? + lead.len()..];
    Some(rest[..rest.find('\'')?].to_string()).filter(|n| !n.is_empty())
}

/// `pull access denied for NAME,`: docker's name of the image (with the registry host, if any).
fn repository_in_pull_denied(text: &str) -> Option<String> {
    let lead = "pull access denied for ";
    let rest = &text[text.find(lead)? + lead.len()..];
    let name = rest.split([',', ' ']).next()?;
    let name = name.split_once('/').map_or(name, |(host, path)| {
        if parse_registry_host(host).is_some() {
            path
        } else {
            name
        }
    });
    Some(name.to_string()).filter(|n| !n.is_empty())
}

fn parse_client_error(text: &str) -> Option<ClientError> {
    let lower = text.to_lowercase();
    let found = registries(text);
    // The registry used is the last one named with a repository (`HOST/NAME`); a bare host is
    // more often the one logged in to.
    let registry = found
        .iter()
        .rev()
        .find(|r| r.repository.is_some())
        .or(found.last())
        .cloned();
    let other_region = registry.as_ref().and_then(|used| {
        found
            .iter()
            .map(|r| r.region.as_str())
            .find(|region| *region != used.region)
    });
    let credential_error = lower.contains("no basic auth credentials")
        || lower.contains("authorization token has expired")
        || lower.contains("error parsing http 403 response body")
        || lower.contains("403 forbidden");
    let kind = if let (true, Some(used), Some(login)) = (credential_error, &registry, other_region)
    {
        // Two Regions in one failure: logged in to one, used the other.
        ClientErrorKind::RegionMismatch {
            registry_region: used.region.clone(),
            login_region: login.to_string(),
        }
    } else if lower.contains("authorization token has expired") {
        ClientErrorKind::TokenExpired
    } else if lower.contains("no basic auth credentials") {
        ClientErrorKind::NoBasicAuthCredentials
    } else if lower.contains("error parsing http 403 response body") {
        ClientErrorKind::EmptyForbidden
    } else if (lower.contains("pull access denied") && lower.contains("does not exist"))
        || lower.contains("repositorynotfoundexception")
        || (lower.contains("name unknown") && lower.contains("does not exist"))
    {
        ClientErrorKind::RepositoryNotFound
    } else {
        return None;
    };
    let repository = repository_in_words(text)
        .or_else(|| registry.as_ref().and_then(|r| r.repository.clone()))
        .or_else(|| repository_in_pull_denied(text));
    Some(ClientError {
        kind,
        registry,
        repository,
    })
}

impl ClientError {
    /// The same error, knowing the Region the caller logged in to: a registry in another
    /// Region turns a credential error into [`ClientErrorKind::RegionMismatch`].
    pub fn with_login_region(mut self, login_region: &str) -> ClientError {
        let credential = matches!(
            self.kind,
            ClientErrorKind::NoBasicAuthCredentials
                | ClientErrorKind::TokenExpired
                | ClientErrorKind::EmptyForbidden
        );
        if let Some(registry) = &self.registry
            && credential
            && registry.region != login_region
        {
            self.kind = ClientErrorKind::RegionMismatch {
                registry_region: registry.region.clone(),
                login_region: login_region.to_string(),
            };
        }
        self
    }
}

/// What probably makes ecrsim's decision differ from AWS's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Suspect {
    /// No policy of this type was given, but AWS's reason names it.
    Missing(PolicyType),
    /// A policy of this type was given, but AWS evaluated another version (or another
    /// principal's): fetch it again.
    Stale(PolicyType),
    /// The message gives no caller, so cross-account evaluation and principal matching cannot
    /// be reproduced.
    NoPrincipal,
}

/// Whether ecrsim reproduces an access-denied message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// ecrsim's decision.
    pub decision: Decision,
    /// ecrsim's reason.
    pub reason: Reason,
    /// ecrsim's reason in AWS's terms (`None` for an Allow).
    pub ours: Option<DeniedBy>,
    /// Whether ecrsim reproduces the message: it denies, and for the same reason when AWS gave
    /// one.
    pub reproduced: bool,
    /// When not reproduced: the input that is probably missing or stale.
    pub suspect: Option<Suspect>,
}

/// Compares ecrsim's decision with AWS's message.
pub fn compare(denial: &Denial, set: &PolicySet, response: &Response) -> Verdict {
    let ours = DeniedBy::of_reason(response.reason);
    let reproduced = match (denial.denied_by, ours) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(aws), Some(ours)) => aws == ours,
    };
    let suspect = if reproduced {
        None
    } else if let Some(aws) = denial.denied_by {
        let given = set
            .policies()
            .iter()
            .any(|(role, _)| role.kind().as_named_by_aws() == aws.policy);
        // An implicit deny by the resource policy only happens across accounts: without the
        // caller, ecrsim cannot know the request is one.
        if denial.principal.is_none() && aws.policy == PolicyType::Resource {
            Some(Suspect::NoPrincipal)
        } else if given {
            Some(Suspect::Stale(aws.policy))
        } else {
            Some(Suspect::Missing(aws.policy))
        }
    } else {
        // AWS denied without saying why and ecrsim allows: every given policy may be stale.
        Some(Suspect::Stale(PolicyType::Identity))
    };
    Verdict {
        decision: response.decision,
        reason: response.reason,
        ours,
        reproduced,
        suspect,
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "tests stop loudly on unexpected input"
    )]

    use super::*;

    const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/ci-runner/i-0abc";
    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

    fn denied(reason: &str) -> String {
        format!(
            "User: {CALLER} is not authorized to perform: ecr:InitiateLayerUpload on resource: {REPO} {reason}"
        )
    }

    #[test]
    fn every_reason_ending_names_its_policy_type() {
        let cases = [
            (
                "because no identity-based policy allows the ecr:InitiateLayerUpload action",
                "implicit:identity",
            ),
            (
                "because no resource-based policy allows the ecr:InitiateLayerUpload action",
                "implicit:resource",
            ),
            (
                "because no permissions boundary allows the ecr:InitiateLayerUpload action",
                "implicit:boundary",
            ),
            (
                "because no session policy allows the ecr:InitiateLayerUpload action",
                "implicit:session",
            ),
            (
                "because no service control policy allows the ecr:InitiateLayerUpload action",
                "implicit:scp",
            ),
            (
                "because no resource control policy allows the ecr:InitiateLayerUpload action",
                "implicit:rcp",
            ),
            (
                "because no VPC endpoint policy allows the ecr:InitiateLayerUpload action",
                "implicit:vpcEndpoint",
            ),
            (
                "with an explicit deny in a service control policy",
                "explicit:scp",
            ),
            (
                "with an explicit deny in a resource control policy",
                "explicit:rcp",
            ),
            (
                "with an explicit deny in an identity-based policy",
                "explicit:identity",
            ),
            (
                "with an explicit deny in a resource-based policy",
                "explicit:resource",
            ),
            (
                "with an explicit deny in a permissions boundary",
                "explicit:boundary",
            ),
            (
                "with an explicit deny in a session policy",
                "explicit:session",
            ),
            (
                "with an explicit deny in a VPC endpoint policy",
                "explicit:vpcEndpoint",
            ),
        ];
        for (reason, key) in cases {
            let denial = parse_denial(&denied(reason)).unwrap();
            assert_eq!(denial.denied_by.map(DeniedBy::key).as_deref(), Some(key));
            assert_eq!(denial.principal.as_deref(), Some(CALLER));
            assert_eq!(denial.resource.as_deref(), Some(REPO));
            // The words round-trip through Display.
            let again = parse_denial(&denied(&denial.denied_by.unwrap().to_string())).unwrap();
            assert_eq!(again.denied_by, denial.denied_by);
        }
    }

    #[test]
    fn a_message_without_reason_has_no_denied_by() {
        let denial = parse_denial(&denied("")).unwrap();
        assert_eq!(denial.denied_by, None);
        let denial = parse_denial(&denied(".")).unwrap();
        assert_eq!(denial.denied_by, None);
    }

    #[test]
    fn authorization_id_messages_give_the_policy_arn() {
        let text = denied(
            "with an explicit deny in a service control policy: arn:aws:organizations::111122223333:policy/o-abc/service_control_policy/p-123. Go to https://us-east-1.console.aws.amazon.com/iam/home#/authorization-details/EXAMPLE",
        );
        let denial = parse_denial(&text).unwrap();
        assert_eq!(denial.denied_by.unwrap().key(), "explicit:scp");
        assert_eq!(
            denial.policy_arn.as_deref(),
            Some("arn:aws:organizations::111122223333:policy/o-abc/service_control_policy/p-123")
        );
    }

    #[test]
    fn cli_wrapping_gives_code_and_operation_even_when_wrapped() {
        let text = "A client error (AccessDeniedException) occurred when calling the GetAuthorizationToken operation:\n    User: arn:aws:iam::123456789012:user/dev is not authorized to perform:\n    ecr:GetAuthorizationToken on resource: *";
        let denial = parse_denial(text).unwrap();
        assert_eq!(denial.error_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(denial.operation.as_deref(), Some("GetAuthorizationToken"));
        assert_eq!(denial.source, MessageSource::AwsCli);
        assert_eq!(denial.resource.as_deref(), Some("*"));
        assert!(denial.request().unwrap().is_account_level());
    }

    #[test]
    fn unknown_shapes_and_reasons_say_what_was_expected() {
        let e = parse_message("something went wrong").unwrap_err();
        assert_eq!(e.kind, DenialErrorKind::UnknownShape);
        assert!(e.message.contains("expected an AWS access-denied message"));
        let e = parse_denial(&denied("because the moon is full")).unwrap_err();
        assert_eq!(e.kind, DenialErrorKind::UnknownReason);
        assert!(e.message.contains("identity-based policy"));
        let e = parse_denial(&denied(
            "because no identity-based policy allows the ecr:PutImage action",
        ))
        .unwrap_err();
        assert_eq!(e.kind, DenialErrorKind::UnknownReason);
        assert_eq!(
            parse_message("  \n").unwrap_err().kind,
            DenialErrorKind::Empty
        );
    }

    #[test]
    fn a_message_without_resource_needs_an_account_level_action() {
        let login = parse_denial(
            "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:GetAuthorizationToken",
        )
        .unwrap();
        assert!(login.request().unwrap().is_account_level());
        let push = parse_denial(
            "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:PutImage",
        )
        .unwrap();
        assert_eq!(
            push.request().unwrap_err().kind,
            DenialErrorKind::MissingResource
        );
    }

    #[test]
    fn docker_errors_are_client_errors_with_their_remedy() {
        let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        let cases = [
            (
                format!("Head \"https://{host}/v2/my-app/manifests/latest\": no basic auth credentials"),
                Remedy::Login,
            ),
            (
                format!("denied: Your authorization token has expired. Reauthenticate and try again. ({host}/my-app)"),
                Remedy::LoginAgain,
            ),
            (
                format!("The push refers to repository [{host}/my-app]\nerror parsing HTTP 403 response body: unexpected end of JSON input: \"\""),
                Remedy::GrantPushActions,
            ),
            (
                "Error response from daemon: pull access denied for my-app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied".to_string(),
                Remedy::CreateRepository,
            ),
            (
                format!("Login Succeeded\nThe push refers to repository [123456789012.dkr.ecr.us-west-2.amazonaws.com/my-app]\nno basic auth credentials (logged in to {host})"),
                Remedy::LoginToRegistryRegion,
            ),
        ];
        for (text, remedy) in cases {
            let Message::Client(client) = parse_message(&text).unwrap() else {
                panic!("not a client error: {text}");
            };
            assert_eq!(client.kind.remedy(), remedy, "{text}");
            assert_eq!(client.repository.as_deref(), Some("my-app"), "{text}");
        }
    }

    #[test]
    fn login_region_turns_a_credential_error_into_a_region_mismatch() {
        let Message::Client(client) = parse_message(
            "Get \"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/\": no basic auth credentials",
        )
        .unwrap() else {
            panic!("client error expected");
        };
        let client = client.with_login_region("us-east-1");
        assert_eq!(
            client.kind,
            ClientErrorKind::RegionMismatch {
                registry_region: "eu-west-1".into(),
                login_region: "us-east-1".into()
            }
        );
    }

    #[test]
    fn registry_hosts_give_account_region_and_repository() {
        let found =
            registries("docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].account, "123456789012");
        assert_eq!(found[0].region, "us-east-1");
        assert_eq!(
            found[0].repository_arn().as_deref(),
            Some("arn:aws:ecr:us-east-1:123456789012:repository/team/app")
        );
        assert!(registries("registry.example.com/app").is_empty());
    }
}
