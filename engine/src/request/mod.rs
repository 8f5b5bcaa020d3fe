//! The request to authorize, validated against the service catalog.
//!
//! Validation fails closed: an unknown action, or a resource that fits none of the action's
//! resource types, is an error with a suggestion — never a decision. For an account-level action
//! (no resource type, docs/semantics.md#account-level-actions) the request resource is `*`,
//! whatever was given; when an ARN was given, the request records it so the explanation can say so.

pub(crate) mod assume;
pub(crate) mod partition;
pub(crate) mod principal;

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::data::catalog::Catalog;
use crate::model::arn::{Arn, is_account_id};
use crate::model::context::Context;
use crate::request::principal::Principal;

/// A validated request.
///
/// Built for evaluation in a loop: the action's canonical and lower-cased spellings share one
/// buffer, the resource type is borrowed from the catalog, and the derived context keys
/// (`aws:PrincipalArn`, `aws:ResourceAccount`, …) are filled in on first use of
/// `Request::context` — which a policy without conditions or policy variables never needs.
#[derive(Clone, Debug)]
pub struct Request {
    /// `service:Name` as the catalog spells it, then the same lower-cased.
    names: String,
    /// Where the lower-cased copy starts in `names`.
    split: usize,
    /// Whether the request resource is `*` (whatever was given).
    on_star: bool,
    given_resource: String,
    resource_type: Option<&'static str>,
    /// The caller, parsed once (its text is [`Request::principal`]).
    caller: Option<Principal>,
    resource_account: Option<String>,
    /// The fields of the resource ARN, parsed once (when the resource is an ARN).
    arn: Option<ArnFields>,
    /// The context as given.
    given_context: Context,
    /// `given_context` with the derived keys, computed once (and shared by the requests
    /// [`Request::for_action`] makes).
    context: OnceLock<Arc<Context>>,
    /// The Region given for the request (`aws:RequestedRegion`), if any.
    region: Option<String>,
    /// Whether `region` is the Region of the repository of the workflow the request is part of
    /// ([`Request::with_repository_region`]), not one given.
    region_of_repository: bool,
    /// The instant given for the request, in seconds since the Unix epoch, if any.
    at: Option<i64>,
    /// The clock when the request was built: the instant when none is given.
    now: i64,
    /// The ECR registry URI the resource was given as, if it was.
    uri: Option<String>,
    /// Whether the caller is the one ecrsim assumed ([`crate::eval::caller::settle_caller`]).
    caller_assumed: bool,
    /// The organizations around the request: the management account and the organization file.
    org: Option<std::sync::Arc<crate::model::organization::OrgScope>>,
    /// The services the request was made through (`aws:CalledVia`), first to last.
    called_via: Vec<String>,
}

impl PartialEq for Request {
    fn eq(&self, other: &Request) -> bool {
        self.names == other.names
            && self.on_star == other.on_star
            && self.given_resource == other.given_resource
            && self.resource_type == other.resource_type
            && self.caller == other.caller
            && self.caller_assumed == other.caller_assumed
            && self.resource_account == other.resource_account
            && self.region == other.region
            && self.region_of_repository == other.region_of_repository
            && self.at == other.at
            && self.uri == other.uri
            && self.given_context == other.given_context
            && self.called_via == other.called_via
            && self.org.as_ref().map(std::sync::Arc::as_ptr)
                == other.org.as_ref().map(std::sync::Arc::as_ptr)
    }
}

impl Eq for Request {}

/// Why a request cannot be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestError {
    /// What kind of problem it is, for callers to match on (the message is for people).
    pub kind: RequestErrorKind,
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

/// What kind of problem a [`RequestError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// The action has a wildcard: a request names one concrete action.
    WildcardAction,
    /// The catalog has no such action (the help suggests the closest, when one is close).
    UnknownAction,
    /// The action's service prefix is no service of the catalog.
    UnknownService,
    /// The resource is neither `*` nor an ARN.
    InvalidResource,
    /// The action acts on a resource type, so the resource must be its ARN, not `*`.
    ResourceRequired,
    /// The ARN is of no resource type the action acts on.
    ResourceTypeMismatch,
    /// The caller is not a principal ARN (or `anonymous`).
    InvalidPrincipal,
    /// The caller and the resource are in different partitions: the request cannot happen.
    CrossPartition,
    /// The ARN's partition is none AWS documents.
    UnknownPartition,
    /// The Region is none of the partition's Regions.
    UnknownRegion,
    /// An account id that is not 12 digits.
    InvalidAccount,
    /// The request resource has a wildcard: a request acts on one concrete resource.
    WildcardResource,
    /// A repository ARN with an image tag or digest: images are not resources of their own.
    ImageInRepositoryArn,
    /// A context value that does not parse as its key's type (IP address, date, number, …).
    InvalidContextValue,
    /// The instant of the request is not a date.
    InvalidTime,
    /// A policy that names callers takes part, and no caller was given.
    CallerRequired,
}

fn request_error(kind: RequestErrorKind, message: String, help: Option<String>) -> RequestError {
    RequestError {
        kind,
        message,
        help,
    }
}

/// Where the fields of the resource ARN that the evaluation needs are in the resource text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ArnFields {
    /// Byte range of the partition field.
    partition: (usize, usize),
    /// Byte range of the region field.
    region: (usize, usize),
    /// Byte range of the account field.
    account: (usize, usize),
}

impl ArnFields {
    fn of(arn: &Arn<'_>) -> ArnFields {
        // `arn:partition:service:region:account:…`
        let partition = (4, 4 + arn.partition.len());
        let region_start = partition.1 + 1 + arn.service.len() + 1;
        let start = region_start + arn.region.len() + 1;
        ArnFields {
            partition,
            region: (region_start, region_start + arn.region.len()),
            account: (start, start + arn.account.len()),
        }
    }
}

/// Checks an account id given on its own (the resource account of a request): 12 digits.
pub fn check_account(account: &str) -> Result<(), RequestError> {
    if is_account_id(account) {
        Ok(())
    } else {
        Err(request_error(
            RequestErrorKind::InvalidAccount,
            format!("invalid account id `{account}`: expected 12 digits"),
            None,
        ))
    }
}

/// The strict checks of a request resource other than `*` (its type is checked by the catalog):
/// no wildcards, a documented partition, a Region of that partition, a 12-digit account, and no
/// image tag or digest on a repository ARN.
fn check_resource(resource: &str) -> Result<(), RequestError> {
    if resource.contains(['*', '?']) {
        return Err(request_error(
            RequestErrorKind::WildcardResource,
            format!(
                "the request resource `{resource}` has a wildcard: a request acts on one concrete resource"
            ),
            Some(
                "give the ARN of one resource; wildcards belong in policies, not in requests"
                    .into(),
            ),
        ));
    }
    let Some(arn) = Arn::parse(resource) else {
        return Ok(());
    };
    let Some(partition) = crate::request::partition::find(arn.partition) else {
        return Err(request_error(
            RequestErrorKind::UnknownPartition,
            format!("unknown partition `{}` in `{resource}`", arn.partition),
            Some(format!(
                "the partitions are {}",
                crate::request::partition::PARTITIONS
                    .iter()
                    .map(|p| format!("`{}`", p.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ));
    };
    if !arn.region.is_empty() && !partition.regions.contains(&arn.region) {
        return Err(unknown_region(arn.region, partition));
    }
    // `aws` is the account of AWS managed policies (`arn:aws:iam::aws:policy/…`).
    if !arn.account.is_empty() && arn.account != "aws" && !is_account_id(arn.account) {
        return Err(invalid_account(arn.account, &format!("`{resource}`")));
    }
    // Only a repository name (lower-case letters, digits, `.`, `_`, `-`, `/`) followed by `:` or
    // `@` is read as a tag or digest; other text (a literal `${aws:username}`) is left to the
    // catalog and the policies.
    if arn.service == "ecr"
        && let Some(name) = arn.resource.strip_prefix("repository/")
        && let Some(at) = name.find([':', '@'])
        && name.get(..at).is_some_and(|repo| {
            !repo.is_empty()
                && repo
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
        })
    {
        let repository = format!(
            "arn:{}:ecr:{}:{}:repository/{}",
            arn.partition,
            arn.region,
            arn.account,
            name.get(..at).unwrap_or(name)
        );
        return Err(request_error(
            RequestErrorKind::ImageInRepositoryArn,
            format!(
                "`{resource}` names an image (tag or digest) inside a repository ARN: ECR authorizes image actions on the repository"
            ),
            Some(format!("give the repository ARN `{repository}`")),
        ));
    }
    Ok(())
}

/// A Region that is not one of `partition`'s.
fn unknown_region(region: &str, partition: &crate::request::partition::Partition) -> RequestError {
    let elsewhere = crate::request::partition::of_region(region)
        .map(|p| format!("`{region}` is in partition `{}`; ", p.id))
        .unwrap_or_default();
    request_error(
        RequestErrorKind::UnknownRegion,
        format!(
            "unknown Region `{region}` for partition `{}` ({})",
            partition.id, partition.name
        ),
        Some(format!(
            "{elsewhere}the Regions of `{}` are {}",
            partition.id,
            partition.regions.join(", ")
        )),
    )
}

/// The Region of a repository given as an ARN or as a registry URI ([`registry_uri_to_arn`]):
/// the ARN's Region field, when it is a documented Region of the ARN's partition; `None`
/// otherwise (a public repository, `*`, a malformed ARN), so that the request on the repository
/// itself is the one that reports what is wrong with it.
pub(crate) fn repository_region(repository: &str) -> Option<String> {
    let arn_text = registry_uri_to_arn(repository);
    let arn = Arn::parse(arn_text.as_deref().unwrap_or(repository))?;
    let partition = crate::request::partition::find(arn.partition)?;
    partition
        .regions
        .contains(&arn.region)
        .then(|| arn.region.to_string())
}

/// An ECR registry URI (`123456789012.dkr.ecr.us-east-1.amazonaws.com/repo[:tag|@digest]`), as
/// `docker push` takes it, converted to the repository ARN it names; `None` if `text` is no
/// registry URI. The partition follows the DNS suffix (`.amazonaws.com.cn` is `aws-cn`) and the
/// Region (`us-gov-west-1` is `aws-us-gov`). ECR user guide, *Private registry concepts*
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html>).
pub fn registry_uri_to_arn(text: &str) -> Option<String> {
    let text = text.strip_prefix("https://").unwrap_or(text);
    let (host, path) = text.split_once('/')?;
    let mut labels = host.split('.');
    let account = labels.next()?;
    if !is_account_id(account) || labels.next()? != "dkr" {
        return None;
    }
    if !matches!(labels.next()?, "ecr" | "ecr-fips") {
        return None;
    }
    let region = labels.next()?;
    let suffix: Vec<&str> = labels.collect();
    let partition = match suffix.as_slice() {
        ["amazonaws", "com", "cn"] => "aws-cn",
        ["amazonaws", "com"] => {
            crate::request::partition::of_region(region).map_or("aws", |p| p.id)
        }
        _ => return None,
    };
    let name = repository_name(path);
    if name.is_empty() {
        return None;
    }
    Some(format!(
        "arn:{partition}:ecr:{region}:{account}:repository/{name}"
    ))
}

/// The repository name of an image path (`app:1.2`, `team/app@sha256:…`): a digest follows
/// `@`; a tag follows the last `:` of the last path segment.
fn repository_name(path: &str) -> &str {
    match path.split_once('@') {
        Some((name, _)) => name,
        None => {
            let last = path.rfind('/').map_or(0, |i| i + 1);
            match path.get(last..).and_then(|seg| seg.find(':')) {
                Some(colon) => path.get(..last + colon).unwrap_or(path),
                None => path,
            }
        }
    }
}

/// Why an image reference (`registry/repository:tag`) names no repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageRefError {
    /// Neither a private registry URI nor a `public.ecr.aws/ALIAS/NAME` reference.
    NotAnImage,
    /// A `public.ecr.aws` reference names its registry by alias; the account must be given.
    PublicNeedsAccount,
}

/// An image reference resolved to the repository ARN it names: a private registry URI
/// (`123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2`, `…/app@sha256:…`, see
/// `registry_uri_to_arn`) or an ECR Public one (`public.ecr.aws/ALIAS/NAME[:tag|@digest]`),
/// whose repository ARN is `arn:aws:ecr-public::ACCOUNT:repository/NAME` (Service Authorization
/// Reference, *Amazon Elastic Container Registry Public*,
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistrypublic.html>);
/// the alias does not say the account, so `account` must.
pub fn image_to_arn(text: &str, account: Option<&str>) -> Result<String, ImageRefError> {
    if let Some(arn) = registry_uri_to_arn(text) {
        return Ok(arn);
    }
    let text = text.strip_prefix("https://").unwrap_or(text);
    let Some(path) = text.strip_prefix("public.ecr.aws/") else {
        return Err(ImageRefError::NotAnImage);
    };
    let Some((alias, rest)) = path.split_once('/') else {
        return Err(ImageRefError::NotAnImage);
    };
    let name = repository_name(rest);
    if alias.is_empty() || name.is_empty() {
        return Err(ImageRefError::NotAnImage);
    }
    let account = account.ok_or(ImageRefError::PublicNeedsAccount)?;
    Ok(format!("arn:aws:ecr-public::{account}:repository/{name}"))
}

/// A caller and a resource in different partitions: IAM credentials of one partition cannot be
/// used on resources of another, so the request cannot happen.
/// The account that owns `resource` (`aws:ResourceAccount`): the one given, else the ARN's
/// account field; none when empty.
fn owner_of<'a>(
    given: Option<&'a str>,
    resource: &'a str,
    arn: Option<ArnFields>,
) -> Option<&'a str> {
    given
        .or_else(|| {
            let (start, end) = arn?.account;
            resource.get(start..end)
        })
        .filter(|a| !a.is_empty())
}

/// The region field of the resource ARN, if it has a non-empty one.
fn arn_region(resource: &str, arn: Option<ArnFields>) -> Option<&str> {
    let (start, end) = arn?.region;
    resource.get(start..end).filter(|r| !r.is_empty())
}

/// A caller and a resource ARN must be in the same partition (each partition has its own IAM);
/// an account-level request (resource `*`) is in the caller's partition.
fn same_partition(
    caller: Option<&Principal>,
    on_star: bool,
    arn: Option<ArnFields>,
    resource: &str,
) -> Result<(), RequestError> {
    if !on_star
        && let (Some(caller), Some(fields)) = (caller, arn)
        && let (Some(caller_partition), Some(resource_partition)) = (
            caller.partition.as_deref(),
            resource.get(fields.partition.0..fields.partition.1),
        )
        && caller_partition != resource_partition
    {
        return Err(cross_partition(
            caller,
            caller_partition,
            resource,
            resource_partition,
        ));
    }
    Ok(())
}

fn cross_partition(
    caller: &Principal,
    caller_partition: &str,
    resource: &str,
    resource_partition: &str,
) -> RequestError {
    request_error(
        RequestErrorKind::CrossPartition,
        format!(
            "the caller `{}` is in partition {} and the resource `{resource}` in partition {}: a request cannot cross partitions",
            caller.text,
            crate::request::partition::describe(caller_partition),
            crate::request::partition::describe(resource_partition),
        ),
        Some(
            "IAM credentials of one partition cannot be used on resources of another: give a caller and a resource in the same partition"
                .into(),
        ),
    )
}

/// The action's canonical spelling followed by the same lower-cased, and where the second
/// starts.
fn action_names(service: &str, name: &str) -> (String, usize) {
    let split = service.len() + 1 + name.len();
    let mut names = String::with_capacity(2 * split);
    for _ in 0..2 {
        names.push_str(service);
        names.push(':');
        names.push_str(name);
    }
    match names.get_mut(split..) {
        Some(lower) if lower.is_ascii() => lower.make_ascii_lowercase(),
        _ => {
            names.truncate(split);
            let lower = names.to_lowercase();
            names.push_str(&lower);
        }
    }
    (names, split)
}

impl Request {
    /// Validates `action` (`service:Name`, any case) and `resource` (an ARN or `*`) against the
    /// built-in catalog. `principal` is the caller's ARN, if known.
    ///
    /// An ECR registry URI (`123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest`) is
    /// accepted as the resource and converted to the repository ARN
    /// (`Request::registry_uri` keeps what was given).
    pub fn new(
        action: &str,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        match registry_uri_to_arn(resource) {
            Some(arn) => Ok(
                Request::assemble(Resolved::of(action, &arn)?, &arn, principal)?.with_uri(resource),
            ),
            None => Request::assemble(Resolved::of(action, resource)?, resource, principal),
        }
    }

    /// A representative request built by a tool rather than given by a user (`diff` and
    /// `summary` evaluate sample ARNs such as `arn:aws:ecr:<any>:<any>:repository/<any>`): the
    /// catalog checks of [`Request::new`], without the strict checks of the resource (Region,
    /// account, wildcards, image tags), which such samples fail on purpose.
    pub(crate) fn sample(
        action: &str,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        Request::assemble(
            Resolved::checked(action, resource, false)?,
            resource,
            principal,
        )
    }

    fn with_uri(mut self, uri: &str) -> Request {
        self.uri = Some(uri.to_string());
        self
    }

    /// The request for a resolved (action, resource) pair.
    fn assemble(
        resolved: Resolved,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        let Resolved {
            service,
            name,
            on_star,
            resource_type,
        } = resolved;
        let arn = Arn::parse(resource).map(|arn| ArnFields::of(&arn));
        let (names, split) = action_names(service, name);
        let caller = principal
            .map(Principal::parse)
            .transpose()
            .map_err(|e| request_error(RequestErrorKind::InvalidPrincipal, e.0, None))?;
        if let Some(caller) = &caller
            && let Some(account) = caller.account.as_deref()
            && !is_account_id(account)
        {
            return Err(invalid_account(
                account,
                &format!("the caller `{}`", caller.text),
            ));
        }
        same_partition(caller.as_ref(), on_star, arn, resource)?;
        Ok(Request {
            names,
            split,
            on_star,
            given_resource: resource.to_string(),
            resource_type,
            caller,
            resource_account: None,
            arn,
            given_context: Context::new(),
            context: OnceLock::new(),
            region: None,
            region_of_repository: false,
            at: None,
            now: crate::request::assume::now(),
            uri: None,
            caller_assumed: false,
            org: None,
            called_via: Vec::new(),
        })
    }
}

/// An action and a resource validated together once, as [`Request::new`] validates them (the
/// caller aside), for [`Request::retarget`]: a loop deciding the same pairs for many callers
/// (every principal × repository × action of a matrix) consults the catalog once a pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// As in [`Request`]: the canonical action then the same lower-cased.
    names: String,
    split: usize,
    on_star: bool,
    resource_type: Option<&'static str>,
    /// The resource as given.
    resource: String,
    arn: Option<ArnFields>,
}

impl Target {
    /// Validates `action` and `resource` (an ARN or `*`) as [`Request::new`] does; a registry
    /// URI, which [`Request::new`] converts, is refused here as not an ARN.
    pub fn new(action: &str, resource: &str) -> Result<Target, RequestError> {
        if registry_uri_to_arn(resource).is_some() {
            return Err(invalid_arn(resource));
        }
        let Resolved {
            service,
            name,
            on_star,
            resource_type,
        } = Resolved::of(action, resource)?;
        let (names, split) = action_names(service, name);
        Ok(Target {
            names,
            split,
            on_star,
            resource_type,
            resource: resource.to_string(),
            arn: Arn::parse(resource).map(|arn| ArnFields::of(&arn)),
        })
    }

    /// The action in its canonical spelling.
    pub fn action(&self) -> &str {
        self.names.get(..self.split).unwrap_or("")
    }

    /// Whether the action has no resource type, so it is evaluated on `*`.
    pub fn is_account_level(&self) -> bool {
        self.on_star && self.resource_type.is_none()
    }
}

/// Whether `key` is a tag key: `PREFIX:ResourceTag/…`, `PREFIX:PrincipalTag/…` or
/// `PREFIX:RequestTag/…` (any case). The context ecrsim derives ([`Request::context`]) never sets
/// one and reads none, so setting or removing one changes nothing else in it.
pub(crate) fn is_tag_key(key: &str) -> bool {
    let Some((_, name)) = key.split_once(':') else {
        return false;
    };
    ["ResourceTag/", "PrincipalTag/", "RequestTag/"]
        .iter()
        .any(|prefix| {
            name.get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        })
}

/// What the catalog says about an (action, resource) pair: the action's names, whether the
/// request is evaluated on `*`, and the resource type.
#[derive(Clone, Copy, Debug)]
struct Resolved {
    service: &'static str,
    name: &'static str,
    on_star: bool,
    resource_type: Option<&'static str>,
}

impl Resolved {
    /// Validates `action` and `resource` against the built-in catalog, and the resource strictly.
    fn of(action: &str, resource: &str) -> Result<Resolved, RequestError> {
        Resolved::checked(action, resource, true)
    }

    /// Validates `action` and `resource` against the built-in catalog; `strict` adds the checks
    /// of [`check_resource`].
    fn checked(action: &str, resource: &str, strict: bool) -> Result<Resolved, RequestError> {
        let catalog = Catalog::builtin();
        if action.contains(['*', '?']) {
            return Err(request_error(
                RequestErrorKind::WildcardAction,
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
            let (kind, message) = if action.contains(':') && !catalog.has_service(service) {
                (
                    RequestErrorKind::UnknownService,
                    format!(
                        "unknown action `{action}`: there is no service with the prefix `{service}`"
                    ),
                )
            } else {
                (
                    RequestErrorKind::UnknownAction,
                    format!("unknown action `{action}`"),
                )
            };
            return Err(request_error(kind, message, help));
        };
        let canonical = info.full_name();
        if strict && resource != "*" {
            check_resource(resource)?;
        }
        let arn = Arn::parse(resource);

        let (on_star, resource_type) = if info.is_account_level() {
            if resource != "*" && !resource.starts_with("arn:") {
                return Err(invalid_arn(resource));
            }
            (true, None)
        } else if resource == "*" {
            let required: Vec<String> = info
                .resource_types()
                .filter(|t| t.required())
                .map(|t| t.name().to_string())
                .collect();
            if !required.is_empty() {
                let formats = arn_formats(&info, true);
                return Err(request_error(
                    RequestErrorKind::ResourceRequired,
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
            (true, None)
        } else {
            if arn.is_none() {
                return Err(invalid_arn(resource));
            }
            match info.resource_type_for_arn(resource) {
                Some(t) => (false, Some(t.name())),
                None => {
                    let formats = arn_formats(&info, false);
                    return Err(request_error(
                        RequestErrorKind::ResourceTypeMismatch,
                        format!("`{resource}` is not a resource that `{canonical}` acts on"),
                        Some(format!(
                            "`{canonical}` takes a resource of the form {}",
                            formats.join(" or ")
                        )),
                    ));
                }
            }
        };
        Ok(Resolved {
            service: info.service(),
            name: info.name(),
            on_star,
            resource_type,
        })
    }
}

impl Request {
    /// Sets the request context. Keys AWS derives from the request (`aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`, `aws:ResourceAccount`) are
    /// filled in unless `context` gives them.
    pub fn with_context(mut self, context: Context) -> Request {
        self.given_context = context;
        self.context = OnceLock::new();
        self
    }

    /// The same request with `keys` set in the given context, in order, as
    /// [`Context::insert`] sets them (a later value replaces an earlier one). The derived context
    /// is this request's with the keys set, not derived again, when that is what deriving would
    /// give: when no key takes the place of a derived key (it is given already, or not in the
    /// context) and none is `aws:SourceArn` (from which keys are derived). Otherwise it is
    /// derived on first use, as by [`Request::with_context`]. A caller's context derived once,
    /// each repository's tags set on it.
    pub fn with_more_context<'k>(
        &self,
        keys: impl IntoIterator<Item = (&'k str, &'k str)>,
    ) -> Request {
        let derived = self.context();
        let mut given = self.given_context.clone();
        let mut context = Context::clone(derived);
        let mut exact = true;
        for (key, value) in keys {
            if (derived.contains(key) && !self.given_context.contains(key))
                || key.eq_ignore_ascii_case("aws:SourceArn")
            {
                exact = false;
            }
            given.insert(
                key,
                crate::model::context::ContextValue::Single(value.to_string()),
            );
            context.insert(
                key,
                crate::model::context::ContextValue::Single(value.to_string()),
            );
        }
        let context = if exact {
            OnceLock::from(Arc::new(context))
        } else {
            OnceLock::new()
        };
        // Every field but the two contexts copied (the given one is not copied twice).
        Request {
            names: self.names.clone(),
            split: self.split,
            on_star: self.on_star,
            given_resource: self.given_resource.clone(),
            resource_type: self.resource_type,
            caller: self.caller.clone(),
            resource_account: self.resource_account.clone(),
            arn: self.arn,
            given_context: given,
            context,
            region: self.region.clone(),
            region_of_repository: self.region_of_repository,
            at: self.at,
            now: self.now,
            uri: self.uri.clone(),
            caller_assumed: self.caller_assumed,
            org: self.org.clone(),
            called_via: self.called_via.clone(),
        }
    }

    /// Removes the given context keys `remove`, then sets `set` (as [`Context::insert`]), in
    /// place. The derived context is changed the same way, not derived again, when every key is
    /// a tag key (`is_tag_key`: no key is derived from one and none is derived); otherwise it
    /// is derived again on first use. One repository's tags swapped for another's.
    pub fn swap_context_keys<'k>(
        &mut self,
        remove: impl IntoIterator<Item = &'k str>,
        set: impl IntoIterator<Item = (&'k str, &'k str)>,
    ) {
        use crate::model::context::ContextValue;
        let mut derived = self.context.take();
        let mut exact = true;
        for key in remove {
            exact &= is_tag_key(key);
            self.given_context.remove(key);
            if let Some(context) = derived.as_mut() {
                Arc::make_mut(context).remove(key);
            }
        }
        for (key, value) in set {
            exact &= is_tag_key(key);
            self.given_context
                .insert(key, ContextValue::Single(value.to_string()));
            if let Some(context) = derived.as_mut() {
                Arc::make_mut(context).insert(key, ContextValue::Single(value.to_string()));
            }
        }
        if exact && let Some(context) = derived {
            let _ = self.context.set(context);
        }
    }

    /// Sets the account that owns the resource (for `aws:ResourceAccount` when the resource ARN
    /// has no account, or to override it).
    pub fn with_resource_account(mut self, account: &str) -> Request {
        self.resource_account = Some(account.to_string());
        self.context = OnceLock::new();
        self
    }

    /// Sets the context after checking every value against its key's type
    /// (`crate::request::assume::check_context`): `aws:SourceIp=not-an-ip` is an error.
    pub fn with_checked_context(self, context: Context) -> Result<Request, RequestError> {
        crate::request::assume::check_context(&context)?;
        Ok(self.with_context(context))
    }

    /// Sets the Region the request is sent to (`aws:RequestedRegion`); it must be a Region of
    /// the request's partition.
    pub fn with_region(mut self, region: &str) -> Result<Request, RequestError> {
        let partition = crate::request::partition::find(self.partition().unwrap_or("aws"))
            .or_else(|| crate::request::partition::find("aws"));
        if let Some(partition) = partition
            && !partition.regions.contains(&region)
        {
            return Err(unknown_region(region, partition));
        }
        self.region = Some(region.to_string());
        self.region_of_repository = false;
        self.context = OnceLock::new();
        Ok(self)
    }

    /// Sets the Region of an account-level request of a client workflow to the Region of the
    /// workflow's repository: `docker login` gets its token from the registry it then pushes to
    /// or pulls from, so the request goes to that Region's endpoint. Reported as an assumption
    /// (`workflowRepository`); a Region given later ([`Request::with_region`]) wins.
    pub(crate) fn with_repository_region(self, region: &str) -> Result<Request, RequestError> {
        let mut request = self.with_region(region)?;
        request.region_of_repository = true;
        Ok(request)
    }

    /// Sets the instant the request is made at, in seconds since the Unix epoch
    /// (`aws:CurrentTime`, `aws:EpochTime`); by default, the clock when the request was built.
    pub fn with_time(mut self, seconds: i64) -> Request {
        self.at = Some(seconds);
        self.context = OnceLock::new();
        self
    }

    /// Assumes the caller, when none was given: the IAM user
    /// [`crate::request::assume::ASSUMED_CALLER_NAME`] of the account that owns the resource, in its
    /// partition. Without such an account (a request on `*`), the caller stays unknown.
    pub(crate) fn with_assumed_caller(mut self) -> Request {
        if self.caller.is_some() {
            return self;
        }
        let Some(account) = self.owner_account().map(str::to_string) else {
            return self;
        };
        let partition = self.partition().unwrap_or("aws").to_string();
        let arn = format!(
            "arn:{partition}:iam::{account}:user/{}",
            crate::request::assume::ASSUMED_CALLER_NAME
        );
        if let Ok(caller) = Principal::parse(&arn) {
            self.caller = Some(caller);
            self.caller_assumed = true;
            self.context = OnceLock::new();
        }
        self
    }

    /// Sets what is known of the organizations: the management account (SCPs do not apply to its
    /// principals, RCPs not to its resources) and the organization (for `aws:PrincipalOrgID`,
    /// `aws:ResourceOrgID`, `aws:SourceOrgID` and their paths).
    pub fn with_org_scope(
        mut self,
        scope: std::sync::Arc<crate::model::organization::OrgScope>,
    ) -> Request {
        self.org = Some(scope);
        self.context = OnceLock::new();
        self
    }

    /// What is known of the organizations around the request.
    pub(crate) fn org_scope(&self) -> Option<&crate::model::organization::OrgScope> {
        self.org.as_deref()
    }

    /// Sets the services the request was made through, first to last (`aws:CalledVia`,
    /// `aws:CalledViaFirst`, `aws:CalledViaLast`; `aws:ViaAWSService` becomes `true`).
    pub fn with_called_via(mut self, services: Vec<String>) -> Request {
        self.called_via = services;
        self.context = OnceLock::new();
        self
    }

    /// The services the request was made through, first to last.
    pub(crate) fn called_via(&self) -> &[String] {
        &self.called_via
    }

    /// Whether the caller was assumed by ecrsim rather than given.
    pub(crate) fn caller_is_assumed(&self) -> bool {
        self.caller_assumed
    }

    /// The context as given, without the keys ecrsim fills in.
    pub(crate) fn given_context(&self) -> &Context {
        &self.given_context
    }

    /// The ECR registry URI the resource was given as, if it was (then
    /// [`Request::given_resource`] is the repository ARN it names).
    pub(crate) fn registry_uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }

    /// `aws:RequestedRegion` and where it comes from: the given Region, else the resource ARN's
    /// region field (the resource as given, so an account-level action's ARN counts); none for
    /// `*` or an ARN without a Region.
    pub fn requested_region(&self) -> Option<(&str, crate::request::assume::AssumedSource)> {
        use crate::request::assume::AssumedSource;
        if let Some(region) = &self.region {
            let source = if self.region_of_repository {
                AssumedSource::WorkflowRepository
            } else {
                AssumedSource::GivenRegion
            };
            return Some((region, source));
        }
        arn_region(&self.given_resource, self.arn).map(|r| (r, AssumedSource::ResourceArn))
    }

    /// The instant of the request in seconds since the Unix epoch, and whether it was given or
    /// read from the clock.
    pub(crate) fn time(&self) -> (i64, crate::request::assume::AssumedSource) {
        use crate::request::assume::AssumedSource;
        match self.at {
            Some(at) => (at, AssumedSource::GivenTime),
            None => (self.now, AssumedSource::Clock),
        }
    }

    /// The request context: the keys given, the keys derived from the caller and the resource,
    /// and the keys AWS always sends (`crate::request::assume::assumptions`) unless given.
    pub(crate) fn context(&self) -> &Context {
        self.context.get_or_init(|| Arc::new(self.derive_context()))
    }

    /// [`Request::context`], computed.
    fn derive_context(&self) -> Context {
        {
            let mut context = self.given_context.clone();
            context.derive_from(
                self.caller.as_ref().and_then(Principal::context_keys),
                self.owner_account(),
            );
            for assumed in crate::request::assume::assumptions(self) {
                if !context.contains(assumed.key) {
                    context.insert(
                        assumed.key,
                        crate::model::context::ContextValue::Single(assumed.value),
                    );
                }
            }
            if !self.called_via.is_empty() && !context.contains("aws:CalledVia") {
                context.insert(
                    "aws:CalledVia",
                    crate::model::context::ContextValue::Multi(self.called_via.clone()),
                );
            }
            context
        }
    }

    /// The same request for another action on the same given resource: the action is resolved
    /// and checked against the resource as [`Request::new`] does; the caller, Region, instant,
    /// context and organization are kept. The derived context is shared, not computed again,
    /// when the request resource stays the same (both on the ARN, or both on `*`): no derived
    /// key depends on the action ([`crate::request::assume::assumptions`]). Deciding every
    /// action of a workflow this way computes the context once. (The matrix now retargets one
    /// request in place, [`Request::retarget`]; tests compare the two.)
    #[cfg(test)]
    pub(crate) fn for_action(&self, action: &str) -> Result<Request, RequestError> {
        let Resolved {
            service,
            name,
            on_star,
            resource_type,
        } = Resolved::of(action, &self.given_resource)?;
        let (names, split) = action_names(service, name);
        let mut next = self.clone();
        next.names = names;
        next.split = split;
        next.resource_type = resource_type;
        if on_star != self.on_star {
            next.on_star = on_star;
            next.context = OnceLock::new();
        }
        Ok(next)
    }

    /// Makes this request the one [`Request::new`] builds for `target`'s action and resource
    /// with this request's caller, Region, instant, context and organization, in place: the
    /// caller is checked against the resource's partition as by [`Request::new`], the rest was
    /// checked once by `Target::new`. The derived context is kept, not computed again, when
    /// nothing it reads of the resource changes (the account that owns it, whether the action is
    /// account-level, the Region when none is given); the request's buffers are reused. Deciding
    /// the same actions on many repositories for one caller this way validates each pair once
    /// and derives the context once per account and Region.
    pub fn retarget(&mut self, target: &Target) -> Result<(), RequestError> {
        let resource = target.resource.as_str();
        same_partition(self.caller.as_ref(), target.on_star, target.arn, resource)?;
        let owner = owner_of(self.resource_account.as_deref(), resource, target.arn);
        let region = self
            .region
            .as_deref()
            .or_else(|| arn_region(resource, target.arn));
        let keeps_context = owner == self.owner_account()
            && target.is_account_level() == self.is_account_level()
            && region == self.requested_region().map(|(r, _)| r);
        self.names.clear();
        self.names.push_str(&target.names);
        self.split = target.split;
        self.on_star = target.on_star;
        self.resource_type = target.resource_type;
        self.given_resource.clear();
        self.given_resource.push_str(resource);
        self.arn = target.arn;
        self.uri = None;
        if !keeps_context {
            self.context = OnceLock::new();
        }
        Ok(())
    }

    /// The action in its canonical spelling, e.g. `ecr:PutImage`.
    pub fn action(&self) -> &str {
        self.names.get(..self.split).unwrap_or("")
    }

    /// The action lower-cased, as matched against policies.
    pub(crate) fn action_lower(&self) -> &str {
        self.names.get(self.split..).unwrap_or("")
    }

    /// The resource the request is evaluated on: an ARN, or `*` for account-level actions.
    pub fn resource(&self) -> &str {
        if self.on_star {
            "*"
        } else {
            &self.given_resource
        }
    }

    /// The resource as given by the user (differs from [`Request::resource`] when an ARN was given
    /// for an account-level action).
    pub fn given_resource(&self) -> &str {
        &self.given_resource
    }

    /// Whether the action has no resource type, so it is evaluated on `*`.
    pub fn is_account_level(&self) -> bool {
        self.on_star && self.resource_type.is_none()
    }

    /// Whether the user named an ARN that was replaced by `*` because the action is account-level.
    pub(crate) fn resource_was_rewritten(&self) -> bool {
        self.resource() != self.given_resource
    }

    /// The resource type the ARN was recognised as (`repository`), if any.
    pub(crate) fn resource_type(&self) -> Option<&str> {
        self.resource_type
    }

    /// The caller as given, if given.
    pub fn principal(&self) -> Option<&str> {
        self.caller.as_ref().map(|c| c.text.as_str())
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
        self.owner_account()
    }

    /// The account given with [`Request::with_resource_account`], else the account field of the
    /// resource as given (an account-level action's ARN included): `aws:ResourceAccount`.
    fn owner_account(&self) -> Option<&str> {
        owner_of(
            self.resource_account.as_deref(),
            &self.given_resource,
            self.arn,
        )
    }

    /// The partition of the request (`aws`, `aws-cn`, …): the resource ARN's, or the caller's
    /// for an account-level request on `*`. A request never spans two partitions: one whose
    /// caller and resource differ is rejected by [`Request::new`].
    pub(crate) fn partition(&self) -> Option<&str> {
        let from_arn = || {
            let (start, end) = self.arn?.partition;
            self.given_resource.get(start..end)
        };
        let caller = || self.caller.as_ref()?.partition.as_deref();
        if self.on_star {
            caller().or_else(from_arn)
        } else {
            from_arn().or_else(caller)
        }
    }
}

/// Validates many requests, remembering what the catalog said about recent (action, resource)
/// pairs: a loop over requests that repeats them (every action × every repository × every
/// principal, or a batch replaying traffic) skips the catalog lookups. Gives exactly what
/// [`Request::new`] gives.
#[derive(Debug)]
pub(crate) struct Validator {
    /// A direct-mapped cache: action, resource, and what the catalog said about them.
    slots: Vec<Option<Remembered>>,
}

/// An (action, resource) pair and what the catalog said about it.
type Remembered = (Box<str>, Box<str>, Resolved);

impl Default for Validator {
    fn default() -> Validator {
        Validator::new()
    }
}

impl Validator {
    const SLOTS_LOG2: u32 = 10;

    /// An empty cache of 1,024 pairs.
    pub(crate) fn new() -> Validator {
        Validator {
            slots: vec![None; 1 << Validator::SLOTS_LOG2],
        }
    }

    /// [`Request::new`], with the catalog's answer for the pair looked up in the cache first.
    pub(crate) fn request(
        &mut self,
        action: &str,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        let slot = usize::try_from(pair_hash(action, resource) >> (64 - Validator::SLOTS_LOG2))
            .unwrap_or(0);
        let cached = match self.slots.get(slot) {
            Some(Some((a, r, resolved))) if **a == *action && **r == *resource => Some(*resolved),
            _ => None,
        };
        let resolved = match cached {
            Some(resolved) => resolved,
            None => {
                let resolved = Resolved::of(action, resource)?;
                if let Some(entry) = self.slots.get_mut(slot) {
                    *entry = Some((action.into(), resource.into(), resolved));
                }
                resolved
            }
        };
        Request::assemble(resolved, resource, principal)
    }
}

impl Validator {
    /// [`Validator::request`], accepting an ECR registry URI as [`Request::new`] does.
    #[cfg(test)]
    pub(crate) fn request_or_uri(
        &mut self,
        action: &str,
        resource: &str,
        principal: Option<&str>,
    ) -> Result<Request, RequestError> {
        match registry_uri_to_arn(resource) {
            Some(arn) => Ok(self.request(action, &arn, principal)?.with_uri(resource)),
            None => self.request(action, resource, principal),
        }
    }
}

/// A quick hash of two strings, eight bytes at a time (not for adversarial keys: a collision
/// only costs a cache miss).
fn pair_hash(a: &str, b: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    for part in [a.as_bytes(), b.as_bytes()] {
        let mut chunks = part.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
            h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &byte in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
        }
        h = (h.rotate_left(5) ^ 0xff).wrapping_mul(K);
    }
    h
}

fn invalid_arn(resource: &str) -> RequestError {
    request_error(
        RequestErrorKind::InvalidResource,
        format!(
            "invalid resource `{resource}`: expected an ARN (`arn:partition:service:region:account:resource`) or `*`"
        ),
        Some("e.g. arn:aws:ecr:us-east-1:123456789012:repository/my-app".into()),
    )
}

/// An account id that is not 12 digits, found `within` a resource or a caller (as the message
/// names it).
fn invalid_account(account: &str, within: &str) -> RequestError {
    request_error(
        RequestErrorKind::InvalidAccount,
        format!("invalid account id `{account}` in {within}: expected 12 digits"),
        Some("an AWS account id has exactly 12 digits, e.g. 123456789012".into()),
    )
}

/// The ARN formats of an action's resource types (only the required ones, if asked), for
/// error help.
fn arn_formats(info: &crate::data::catalog::ActionInfo<'_>, only_required: bool) -> Vec<String> {
    info.resource_types()
        .filter(|t| !only_required || t.required())
        .flat_map(|t| t.arn_formats().iter().map(|f| f.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

    #[test]
    fn a_repository_region_is_read_from_its_arn_or_registry_uri() {
        let cases = [
            (REPO, Some("us-east-1")),
            (
                "123456789012.dkr.ecr.eu-west-3.amazonaws.com/app:v1",
                Some("eu-west-3"),
            ),
            (
                "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app",
                Some("cn-north-1"),
            ),
            // Not a documented Region of the ARN's partition, no Region, no ARN: none.
            ("arn:aws:ecr:cn-north-1:123456789012:repository/a", None),
            ("arn:aws:ecr:us-east-9:123456789012:repository/a", None),
            ("arn:aws:ecr-public::123456789012:repository/a", None),
            ("*", None),
        ];
        for (resource, region) in cases {
            assert_eq!(repository_region(resource).as_deref(), region, "{resource}");
        }
    }

    #[test]
    fn strict_resources_are_errors_with_kinds() {
        let kind = |resource: &str| {
            Request::new("ecr:PutImage", resource, None)
                .unwrap_err()
                .kind
        };
        use RequestErrorKind as K;
        assert_eq!(
            kind("arn:aws:ecr:us-east-9:123456789012:repository/a"),
            K::UnknownRegion
        );
        assert_eq!(
            kind("arn:aws:ecr:cn-north-1:123456789012:repository/a"),
            K::UnknownRegion
        );
        assert_eq!(
            kind("arn:aws-mars:ecr:us-east-1:123456789012:repository/a"),
            K::UnknownPartition
        );
        assert_eq!(
            kind("arn:aws:ecr:us-east-1:1234:repository/a"),
            K::InvalidAccount
        );
        assert_eq!(
            kind("arn:aws:ecr:us-east-1:123456789012:repository/*"),
            K::WildcardResource
        );
        let e = Request::new(
            "ecr:PutImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/team/app:latest",
            None,
        )
        .unwrap_err();
        assert_eq!(e.kind, K::ImageInRepositoryArn);
        assert!(
            e.help
                .unwrap()
                .contains("`arn:aws:ecr:us-east-1:123456789012:repository/team/app`")
        );
        let e = Request::new(
            "ecr:PutImage",
            REPO,
            Some("arn:aws:iam::12345678901x:user/dev"),
        )
        .unwrap_err();
        assert_eq!(e.kind, K::InvalidAccount);
        // Tools evaluating sample ARNs skip the strict checks.
        assert!(
            Request::sample(
                "ecr:PutImage",
                "arn:aws:ecr:<any>:<any>:repository/<any>",
                None
            )
            .is_ok()
        );
        // S3 ARNs have no Region or account; AWS managed policies have the account `aws`.
        assert!(Request::new("s3:GetObject", "arn:aws:s3:::bucket/key", None).is_ok());
        assert!(
            Request::new(
                "iam:GetPolicy",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                None
            )
            .is_ok()
        );
    }

    /// An account id that is not 12 digits is named with where it stands, resource or caller,
    /// and the same help.
    #[test]
    fn invalid_accounts_say_where_they_stand() {
        let cases = [
            (
                "arn:aws:ecr:us-east-1:1234:repository/a",
                None,
                "invalid account id `1234` in `arn:aws:ecr:us-east-1:1234:repository/a`: expected 12 digits",
            ),
            (
                REPO,
                Some("arn:aws:iam::12345678901x:user/dev"),
                "invalid account id `12345678901x` in the caller `arn:aws:iam::12345678901x:user/dev`: expected 12 digits",
            ),
        ];
        for (resource, caller, message) in cases {
            let e = Request::new("ecr:PutImage", resource, caller).unwrap_err();
            assert_eq!(e.kind, RequestErrorKind::InvalidAccount, "{resource}");
            assert_eq!(e.message, message);
            assert_eq!(
                e.help.as_deref(),
                Some("an AWS account id has exactly 12 digits, e.g. 123456789012")
            );
        }
    }

    #[test]
    fn image_references_become_repository_arns() {
        let account = Some("123456789012");
        let cases = [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2",
                None,
                Ok("arn:aws:ecr:us-east-1:123456789012:repository/app"),
            ),
            (
                "public.ecr.aws/my-alias/team/app:latest",
                account,
                Ok("arn:aws:ecr-public::123456789012:repository/team/app"),
            ),
            (
                "public.ecr.aws/my-alias/app@sha256:abc",
                account,
                Ok("arn:aws:ecr-public::123456789012:repository/app"),
            ),
            (
                "public.ecr.aws/my-alias/app",
                None,
                Err(ImageRefError::PublicNeedsAccount),
            ),
            ("nginx:latest", None, Err(ImageRefError::NotAnImage)),
            ("public.ecr.aws/alias", None, Err(ImageRefError::NotAnImage)),
        ];
        for (image, account, arn) in cases {
            assert_eq!(
                image_to_arn(image, account),
                arn.map(String::from),
                "{image} {account:?}"
            );
        }
    }

    /// The repository name of an image path ends before a digest, or before a tag of the last
    /// path segment only.
    #[test]
    fn an_image_paths_repository_name_drops_its_tag_or_digest() {
        let cases = [
            ("app", "app"),
            ("app:1.2", "app"),
            ("team/app:latest", "team/app"),
            ("team/app@sha256:abc", "team/app"),
            ("app@sha256:abc:def", "app"),
            ("a:b/c:d", "a:b/c"),
            ("a:b/c", "a:b/c"),
            ("", ""),
        ];
        for (path, name) in cases {
            assert_eq!(repository_name(path), name, "{path}");
        }
    }

    #[test]
    fn registry_uris_become_repository_arns() {
        assert_eq!(
            registry_uri_to_arn("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2"),
            Some("arn:aws:ecr:us-east-1:123456789012:repository/team/app".into())
        );
        assert_eq!(
            registry_uri_to_arn(
                "https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:abc"
            ),
            Some("arn:aws-cn:ecr:cn-north-1:123456789012:repository/app".into())
        );
        assert_eq!(
            registry_uri_to_arn("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app"),
            Some("arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app".into())
        );
        assert_eq!(registry_uri_to_arn("docker.io/library/nginx:latest"), None);
        assert_eq!(registry_uri_to_arn(REPO), None);
        let r = Request::new(
            "ecr:PutImage",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest",
            None,
        )
        .unwrap();
        assert_eq!(r.resource(), REPO);
        assert_eq!(
            r.registry_uri(),
            Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest")
        );
        let mut v = Validator::new();
        assert_eq!(
            v.request_or_uri(
                "ecr:PutImage",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-app:latest",
                None
            )
            .unwrap(),
            r
        );
    }

    #[test]
    fn assumed_caller_is_a_user_of_the_resource_account() {
        let r = Request::new("ecr:PutImage", REPO, None)
            .unwrap()
            .with_assumed_caller();
        assert!(r.caller_is_assumed());
        assert_eq!(
            r.principal(),
            Some("arn:aws:iam::123456789012:user/ecrsim-assumed-caller")
        );
        let star = Request::new("ecr:GetAuthorizationToken", "*", None)
            .unwrap()
            .with_assumed_caller();
        assert!(star.caller().is_none(), "no account to assume a caller in");
    }

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
    fn errors_have_kinds_to_match_on() {
        let cases = [
            ("ecr:Put*", REPO, None, RequestErrorKind::WildcardAction),
            ("ecr:PutImages", REPO, None, RequestErrorKind::UnknownAction),
            ("PutImage", REPO, None, RequestErrorKind::UnknownAction),
            (
                "ecrr:PutImage",
                REPO,
                None,
                RequestErrorKind::UnknownService,
            ),
            (
                "ecr:PutImage",
                "my-app",
                None,
                RequestErrorKind::InvalidResource,
            ),
            (
                "ecr:GetAuthorizationToken",
                "my-app",
                None,
                RequestErrorKind::InvalidResource,
            ),
            (
                "ecr:PutImage",
                "*",
                None,
                RequestErrorKind::ResourceRequired,
            ),
            (
                "ecr:PutImage",
                "arn:aws:s3:::bucket",
                None,
                RequestErrorKind::ResourceTypeMismatch,
            ),
            (
                "ecr:PutImage",
                REPO,
                Some("alice"),
                RequestErrorKind::InvalidPrincipal,
            ),
        ];
        for (action, resource, principal, expected) in cases {
            let kind = Request::new(action, resource, principal).unwrap_err().kind;
            assert_eq!(kind, expected, "{action} on {resource}");
        }
    }

    #[test]
    fn the_validator_gives_what_new_gives() {
        let mut validator = Validator::new();
        let cases = [
            ("ecr:PutImage", REPO, None),
            (
                "ECR:putimage",
                REPO,
                Some("arn:aws:iam::123456789012:user/dev"),
            ),
            ("ecr:GetAuthorizationToken", REPO, None),
            ("ecr:GetAuthorizationToken", "*", None),
            ("ecr:PutImage", "*", None),
            ("ecr:PutImages", REPO, None),
            ("ecr:PutImage", "arn:aws:s3:::bucket", None),
            (
                "s3:GetObject",
                "arn:aws:s3:::bucket/key",
                Some("not a principal"),
            ),
            ("s3:GetObject", "arn:aws:s3:::bucket/key", Some("anonymous")),
        ];
        for _ in 0..3 {
            for (action, resource, principal) in cases {
                assert_eq!(
                    validator.request(action, resource, principal),
                    Request::new(action, resource, principal),
                    "{action} {resource} {principal:?}"
                );
            }
        }
    }

    /// A retargeted request is the one `Request::new` builds for the pair with the same
    /// settings, derived context included, whether the context is kept (same account and Region)
    /// or derived again (another account, another Region, `*`).
    #[test]
    fn a_retargeted_request_is_the_one_new_builds() {
        let caller = Some("arn:aws:iam::123456789012:role/ci");
        let mut context = Context::new();
        context.insert(
            "aws:ResourceTag/team",
            crate::model::context::ContextValue::Single("payments".into()),
        );
        let settle = |request: Request, region: Option<&str>| {
            let request = request
                .with_time(1_780_000_000)
                .with_context(context.clone());
            match region {
                Some(region) => request.with_region(region).unwrap(),
                None => request,
            }
        };
        let other_account = "arn:aws:ecr:us-east-1:210987654321:repository/app";
        let other_region = "arn:aws:ecr:eu-west-1:123456789012:repository/app";
        let pairs = [
            ("ecr:BatchGetImage", REPO),
            (
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/other",
            ),
            ("ecr:GetAuthorizationToken", "*"),
            ("ecr:InitiateLayerUpload", other_account),
            ("ecr:GetAuthorizationToken", REPO),
            ("ecr:PutImage", other_region),
            ("ecr:UploadLayerPart", REPO),
        ];
        for region in [None, Some("us-east-1")] {
            let mut request = settle(Request::new("ecr:PutImage", REPO, caller).unwrap(), region);
            let _ = request.context();
            for (action, resource) in pairs {
                let target = Target::new(action, resource).unwrap();
                assert_eq!(target.action(), action);
                request.retarget(&target).unwrap();
                let fresh = settle(Request::new(action, resource, caller).unwrap(), region);
                assert_eq!(request, fresh, "{action} {resource} {region:?}");
                assert_eq!(request.context(), fresh.context(), "{action} {resource}");
                assert_eq!(request.resource(), fresh.resource());
                assert_eq!(request.is_account_level(), fresh.is_account_level());
                assert_eq!(request.resource_account(), fresh.resource_account());
            }
        }
        // What `Request::new` refuses, `Target::new` refuses, with the same error.
        for (action, resource) in [
            ("ecr:PutImage", "*"),
            ("ecr:PutImages", REPO),
            ("ecr:PutImage", "arn:aws:s3:::bucket"),
            (
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/app:latest",
            ),
        ] {
            assert_eq!(
                Target::new(action, resource).unwrap_err(),
                Request::new(action, resource, None).unwrap_err(),
                "{action} {resource}"
            );
        }
        // A registry URI is not an ARN here.
        assert!(
            Target::new(
                "ecr:PutImage",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
            )
            .is_err()
        );
        // The caller's partition is checked at each retarget, as by Request::new.
        let mut china = Request::new(
            "ecr:GetAuthorizationToken",
            "*",
            Some("arn:aws-cn:iam::123456789012:user/bob"),
        )
        .unwrap();
        let e = china
            .retarget(&Target::new("ecr:PutImage", REPO).unwrap())
            .unwrap_err();
        assert_eq!(e.kind, RequestErrorKind::CrossPartition);
        assert_eq!(
            Some(e),
            Request::new(
                "ecr:PutImage",
                REPO,
                Some("arn:aws-cn:iam::123456789012:user/bob")
            )
            .err()
        );
    }

    /// Keys added to a request whose context is derived give the context derived with them
    /// given from the start; a key that takes a derived key's place, or `aws:SourceArn`, makes
    /// the context derived again, with the same result as deriving from scratch.
    #[test]
    fn more_context_is_the_context_derived_with_it() {
        use crate::model::context::ContextValue;
        let caller = Some("arn:aws:iam::123456789012:user/dev");
        let mut given = Context::new();
        given.insert("aws:PrincipalTag/team", ContextValue::Single("pay".into()));
        let base = Request::new("ecr:PutImage", REPO, caller)
            .unwrap()
            .with_time(1_780_000_000)
            .with_region("us-east-1")
            .unwrap()
            .with_context(given.clone());
        let _ = base.context();
        let cases: [&[(&str, &str)]; 5] = [
            &[
                ("aws:ResourceTag/team", "pay"),
                ("ecr:ResourceTag/env", "prod"),
                ("aws:resourcetag/TEAM", "ops"),
            ],
            &[("aws:PrincipalTag/team", "other")],
            &[("aws:username", "someone-else")],
            &[("aws:SourceArn", "arn:aws:s3:::bucket")],
            &[],
        ];
        for extra in cases {
            let added = base.with_more_context(extra.iter().copied());
            let mut all = given.clone();
            for (key, value) in extra {
                all.insert(key, ContextValue::Single(value.to_string()));
            }
            let fresh = base.clone().with_context(all);
            assert_eq!(added, fresh, "{extra:?}");
            assert_eq!(added.context(), fresh.context(), "{extra:?}");
        }
        // The base is unchanged.
        assert_eq!(base.given_context(), &given);
    }

    /// Tag keys swapped in place give the context derived with the new keys given from the
    /// start; a key that is not a tag key makes it derived again, with the same result. No key
    /// the derivation sets is a tag key.
    #[test]
    fn swapped_tag_keys_are_the_context_derived_with_them() {
        use crate::model::context::ContextValue;
        let caller = Some("arn:aws:iam::123456789012:user/dev");
        let mut given = Context::new();
        given.insert("aws:PrincipalTag/team", ContextValue::Single("pay".into()));
        given.insert("aws:ResourceTag/team", ContextValue::Single("pay".into()));
        given.insert("ecr:ResourceTag/env", ContextValue::Single("dev".into()));
        given.insert(
            "aws:SourceArn",
            ContextValue::Single("arn:aws:s3:::b".into()),
        );
        let base = Request::new("ecr:PutImage", REPO, caller)
            .unwrap()
            .with_time(1_780_000_000)
            .with_called_via(vec!["cloudformation.amazonaws.com".into()])
            .with_context(given.clone());
        for (key, _) in base.context().iter() {
            assert!(
                given.contains(key) || !is_tag_key(key),
                "derived tag key {key}"
            );
        }
        type Swap<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
        let cases: [Swap<'_>; 4] = [
            (
                &["aws:ResourceTag/team", "ecr:ResourceTag/env"],
                &[
                    ("aws:ResourceTag/team", "ops"),
                    ("ECR:resourcetag/Env", "prod"),
                ],
            ),
            (&["aws:resourcetag/TEAM"], &[]),
            (&[], &[("aws:username", "other")]),
            (&["aws:SourceArn"], &[("aws:RequestTag/x", "y")]),
        ];
        for (remove, set) in cases {
            let mut swapped = base.clone();
            swapped.swap_context_keys(remove.iter().copied(), set.iter().copied());
            let mut all = given.clone();
            for key in remove {
                all.remove(key);
            }
            for (key, value) in set {
                all.insert(key, ContextValue::Single(value.to_string()));
            }
            let fresh = base.clone().with_context(all);
            assert_eq!(swapped, fresh, "{remove:?} {set:?}");
            assert_eq!(swapped.context(), fresh.context(), "{remove:?} {set:?}");
        }
        assert!(is_tag_key("aws:ResourceTag/x") && is_tag_key("ecr:resourcetag/x"));
        assert!(is_tag_key("aws:PrincipalTag/x") && is_tag_key("s3:RequestTag/x"));
        assert!(!is_tag_key("aws:TagKeys") && !is_tag_key("ResourceTag/x"));
        assert!(!is_tag_key("aws:PrincipalArn") && !is_tag_key("aws:ResourceTa"));
    }

    #[test]
    fn requests_never_cross_partitions() {
        let china_bob = Some("arn:aws-cn:iam::123456789012:user/bob");
        let e = Request::new("ecr:PutImage", REPO, china_bob).unwrap_err();
        assert!(e.message.contains("cannot cross partitions"), "{e}");
        assert!(e.message.contains("`aws-cn` (China Regions)"), "{e}");
        let e = Request::new("ecr:PutImage", REPO, Some("ecr.amazonaws.com.cn")).unwrap_err();
        assert!(e.message.contains("cannot cross partitions"), "{e}");
        // Same partition, a service of every partition, or an account-level request on `*`.
        let cn_repo = "arn:aws-cn:ecr:cn-north-1:123456789012:repository/my-app";
        let r = Request::new("ecr:PutImage", cn_repo, china_bob).unwrap();
        assert_eq!(r.partition(), Some("aws-cn"));
        assert_eq!(r.resource_account(), Some("123456789012"));
        assert!(Request::new("ecr:PutImage", REPO, Some("codebuild.amazonaws.com")).is_ok());
        let login = Request::new("ecr:GetAuthorizationToken", REPO, china_bob).unwrap();
        assert_eq!(login.partition(), Some("aws-cn"), "the caller's partition");
        assert_eq!(
            login.context().get("aws:ResourceAccount"),
            Some(&crate::model::context::ContextValue::Single(
                "123456789012".into()
            )),
            "the given ARN still names the resource account"
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
