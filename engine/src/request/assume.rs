//! The request context as AWS builds it, and what ecrsim must assume to build it offline.
//!
//! AWS puts some keys in every request context (IAM User Guide, *AWS global condition context
//! keys*: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>):
//! `aws:RequestedRegion`, `aws:SecureTransport`, `aws:CurrentTime`, `aws:EpochTime`,
//! `aws:PrincipalIsAWSService`, `aws:ViaAWSService`, `aws:userid`, `aws:SourceIp`,
//! `aws:UserAgent`, …. A simulator that leaves them out answers for a request that cannot exist:
//! a region-lock SCP (`StringNotEquals aws:RequestedRegion`) would deny every request. So ecrsim
//! fills every key whose value it can know or whose documented default is safe, and says so
//! ([`Assumed`]); for the keys whose value it cannot know (the client's IP address, its user
//! agent, a role's unique id, the caller's organization) it evaluates them as absent and says that
//! the answer depends on them ([`UnknownKey`]). Every filled key can be overridden by giving it.
//! See `docs/semantics.md`, "The request context".
//!
//! This module also holds the checks that need the policies as well as the request: without a
//! caller, a request that a resource-side policy takes part in cannot be decided
//! ([`crate::eval::caller::settle_caller`]); otherwise the caller is assumed to be an IAM user of the resource's
//! account, so that an answer is never silently same-account.

use crate::model::arn::Arn;
use crate::model::context::Context;
use crate::request::principal::PrincipalKind;
use crate::request::{Request, RequestError, RequestErrorKind};

/// The user name of the IAM user ecrsim assumes as the caller when none is given:
/// `arn:PARTITION:iam::RESOURCE_ACCOUNT:user/ecrsim-assumed-caller`.
pub(crate) const ASSUMED_CALLER_NAME: &str = "ecrsim-assumed-caller";

/// Where the value of a filled key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssumedSource {
    /// The region field of the resource ARN (`aws:RequestedRegion`).
    ResourceArn,
    /// The Region given with the request (not through the context).
    GivenRegion,
    /// The Region of the repository of the client workflow an account-level request is part of
    /// (`aws:RequestedRegion` of `docker login`).
    WorkflowRepository,
    /// The instant given with the request (not through the context).
    GivenTime,
    /// The clock of the machine running ecrsim: the request is made now.
    Clock,
    /// AWS's documented value for an ordinary request (HTTPS, no forward access session).
    AwsDefault,
    /// Derived from the given caller (`aws:PrincipalIsAWSService`, `aws:userid`, …).
    Caller,
    /// Derived from the caller ecrsim assumed, because none was given.
    AssumedCaller,
    /// Read from the organization file: the account's organization and path.
    Organization,
    /// Derived from the given `aws:SourceArn` (its account field, and that account's
    /// organization).
    SourceArn,
    /// Derived from the services the request was given as made through (`aws:CalledVia`).
    CalledVia,
}

impl AssumedSource {
    /// `resourceArn`, `givenRegion`, `workflowRepository`, `givenTime`, `clock`, `awsDefault`, `caller`, `assumedCaller`,
    /// `organization`, `sourceArn`, `calledVia`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssumedSource::ResourceArn => "resourceArn",
            AssumedSource::GivenRegion => "givenRegion",
            AssumedSource::WorkflowRepository => "workflowRepository",
            AssumedSource::GivenTime => "givenTime",
            AssumedSource::Clock => "clock",
            AssumedSource::AwsDefault => "awsDefault",
            AssumedSource::Caller => "caller",
            AssumedSource::AssumedCaller => "assumedCaller",
            AssumedSource::Organization => "organization",
            AssumedSource::SourceArn => "sourceArn",
            AssumedSource::CalledVia => "calledVia",
        }
    }
}

display_as_str!(AssumedSource);

/// A context key ecrsim filled in, with its value and where the value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Assumed {
    /// The key, as AWS spells it.
    pub key: &'static str,
    /// The value.
    pub value: String,
    /// Where it comes from.
    pub source: AssumedSource,
}

/// Why AWS would send a key whose value ecrsim cannot know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Unknowable {
    /// `aws:SourceIp`: the client's public address (sent unless the request goes through a VPC
    /// endpoint).
    ClientAddress,
    /// `aws:SourceVpc`, `aws:SourceVpce`, `aws:VpcSourceIp`: sent when the request goes through
    /// a VPC endpoint, as it does when a VPC endpoint policy takes part.
    VpcEndpoint,
    /// `aws:UserAgent`: the client's user agent.
    UserAgent,
    /// `aws:userid` of an IAM user (`AIDA…`) or a role session (`AROA…:session`): the unique id
    /// IAM gave the user or role.
    UniqueId,
    /// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:ResourceOrgID`, …: present only when
    /// the account is in an organization, which ecrsim does not know.
    Organization,
    /// `aws:RequestedRegion` of a request on `*` without a Region.
    Region,
    /// `aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`: depend on the credentials used.
    Mfa,
    /// `aws:TokenIssueTime`: present for temporary credentials.
    TokenIssueTime,
    /// `aws:PrincipalTag/…`: the caller's tags.
    PrincipalTag,
    /// `aws:ResourceTag/…`, `ecr:ResourceTag/…`: the resource's tags.
    ResourceTag,
    /// `aws:SourceArn`, `aws:SourceAccount`, …: the resource a service principal acts for.
    ServiceSource,
    /// A key derived from the caller, and no caller is known.
    Caller,
}

impl Unknowable {
    /// The variant's name in camel case, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Unknowable::ClientAddress => "clientAddress",
            Unknowable::VpcEndpoint => "vpcEndpoint",
            Unknowable::UserAgent => "userAgent",
            Unknowable::UniqueId => "uniqueId",
            Unknowable::Organization => "organization",
            Unknowable::Region => "region",
            Unknowable::Mfa => "mfa",
            Unknowable::TokenIssueTime => "tokenIssueTime",
            Unknowable::PrincipalTag => "principalTag",
            Unknowable::ResourceTag => "resourceTag",
            Unknowable::ServiceSource => "serviceSource",
            Unknowable::Caller => "caller",
        }
    }
}

display_as_str!(Unknowable);

/// A key a policy reads, that AWS would send but whose value ecrsim cannot know: it was
/// evaluated as absent, and the answer depends on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct UnknownKey {
    /// The key as the policy writes it.
    pub key: String,
    /// Why its value is unknown.
    pub because: Unknowable,
}

/// Whether AWS would send `key` (not given) in this request with a value ecrsim cannot know.
/// `via_vpc_endpoint`: a VPC endpoint policy takes part, so the request goes through one.
pub(crate) fn unknowable(
    key: &str,
    request: &Request,
    via_vpc_endpoint: bool,
) -> Option<Unknowable> {
    let lower = key.to_ascii_lowercase();
    let caller = request.caller().map(|c| c.kind);
    let iam_caller = matches!(
        caller,
        Some(
            PrincipalKind::Root
                | PrincipalKind::User
                | PrincipalKind::RoleSession
                | PrincipalKind::FederatedUser
        )
    );
    let principal_key = matches!(
        lower.as_str(),
        "aws:principalarn"
            | "aws:principalaccount"
            | "aws:principaltype"
            | "aws:principalisawsservice"
            | "aws:userid"
    );
    if caller.is_none() && principal_key {
        return Some(Unknowable::Caller);
    }
    // With an organization file, an account it does not list is outside the organization: its
    // organization keys are absent, not unknown.
    let org_known = request
        .org_scope()
        .is_some_and(|s| s.organization.is_some());
    Some(match lower.as_str() {
        "aws:sourceip" if !via_vpc_endpoint => Unknowable::ClientAddress,
        "aws:sourcevpc" | "aws:sourcevpce" | "aws:vpcsourceip" if via_vpc_endpoint => {
            Unknowable::VpcEndpoint
        }
        "aws:useragent" => Unknowable::UserAgent,
        "aws:userid"
            if matches!(
                caller,
                Some(PrincipalKind::User | PrincipalKind::RoleSession)
            ) =>
        {
            Unknowable::UniqueId
        }
        "aws:principalorgid" | "aws:principalorgpaths"
            if (iam_caller || caller.is_none()) && !org_known =>
        {
            Unknowable::Organization
        }
        "aws:resourceorgid" | "aws:resourceorgpaths"
            if !request.is_account_level() && !org_known =>
        {
            Unknowable::Organization
        }
        "aws:sourceorgid" | "aws:sourceorgpaths"
            if org_known && request.given_context().contains("aws:SourceArn") =>
        {
            return None;
        }
        "aws:requestedregion" => Unknowable::Region,
        "aws:multifactorauthpresent" | "aws:multifactorauthage" if iam_caller => Unknowable::Mfa,
        "aws:tokenissuetime" if iam_caller => Unknowable::TokenIssueTime,
        "aws:sourcearn" | "aws:sourceaccount" | "aws:sourceorgid" | "aws:sourceorgpaths"
            if caller == Some(PrincipalKind::Service) =>
        {
            Unknowable::ServiceSource
        }
        _ if lower.starts_with("aws:principaltag/") && (iam_caller || caller.is_none()) => {
            Unknowable::PrincipalTag
        }
        _ if (lower.starts_with("aws:resourcetag/") || lower.starts_with("ecr:resourcetag/"))
            && !request.is_account_level() =>
        {
            Unknowable::ResourceTag
        }
        _ => return None,
    })
}

/// The keys AWS puts in the context that ecrsim fills in, for `request`, unless the request's
/// context gives them (then they are the user's, not an assumption). In the order the human
/// report lists them.
pub(crate) fn assumptions(request: &Request) -> Vec<Assumed> {
    let given = request.given_context();
    let mut out = Vec::new();
    let mut add = |key: &'static str, value: String, source: AssumedSource| {
        if !given.contains(key) {
            out.push(Assumed { key, value, source });
        }
    };
    let caller_source = if request.caller_is_assumed() {
        AssumedSource::AssumedCaller
    } else {
        AssumedSource::Caller
    };
    if let Some(caller) = request.caller().filter(|_| request.caller_is_assumed()) {
        let derived = [
            ("aws:PrincipalArn", caller.arn.as_deref()),
            ("aws:PrincipalAccount", caller.account.as_deref()),
            ("aws:PrincipalType", caller.kind.principal_type()),
            ("aws:username", caller.username.as_deref()),
        ];
        for (key, value) in derived {
            if let Some(value) = value {
                add(key, value.to_string(), AssumedSource::AssumedCaller);
            }
        }
    }
    if let Some((region, source)) = request.requested_region() {
        add("aws:RequestedRegion", region.to_string(), source);
    }
    add(
        "aws:SecureTransport",
        "true".to_string(),
        AssumedSource::AwsDefault,
    );
    let (seconds, source) = request.time();
    add("aws:CurrentTime", iso8601(seconds), source);
    add("aws:EpochTime", seconds.to_string(), source);
    if let Some(caller) = request.caller() {
        match caller.kind {
            PrincipalKind::Anonymous => {}
            PrincipalKind::Service => {
                add(
                    "aws:PrincipalIsAWSService",
                    "true".to_string(),
                    caller_source,
                );
                add(
                    "aws:PrincipalServiceName",
                    caller.text.clone(),
                    caller_source,
                );
            }
            _ => add(
                "aws:PrincipalIsAWSService",
                "false".to_string(),
                caller_source,
            ),
        }
        if let Some(userid) = userid(caller) {
            add("aws:userid", userid, caller_source);
        }
    }
    organization_keys(request, &mut add);
    match (request.called_via().first(), request.called_via().last()) {
        (Some(first), Some(last)) => {
            add(
                "aws:CalledViaFirst",
                first.clone(),
                AssumedSource::CalledVia,
            );
            add("aws:CalledViaLast", last.clone(), AssumedSource::CalledVia);
            add(
                "aws:ViaAWSService",
                "true".to_string(),
                AssumedSource::CalledVia,
            );
        }
        _ => add(
            "aws:ViaAWSService",
            "false".to_string(),
            AssumedSource::AwsDefault,
        ),
    }
    out
}

/// The keys that follow from the organization file and from a given `aws:SourceArn`:
/// `aws:PrincipalOrgID`/`aws:PrincipalOrgPaths` for an IAM caller of an account in the
/// organization, `aws:ResourceOrgID`/`aws:ResourceOrgPaths` for a resource of one, and
/// `aws:SourceAccount` (the account field of `aws:SourceArn`) with `aws:SourceOrgID`/
/// `aws:SourceOrgPaths` when that account is in the organization (IAM User Guide, *AWS global
/// condition context keys*:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>).
fn organization_keys(request: &Request, add: &mut dyn FnMut(&'static str, String, AssumedSource)) {
    let scope = request.org_scope();
    let keys_of = |account: &str| scope.and_then(|s| s.keys_of(account));
    let iam_caller = request
        .caller()
        .filter(|c| !matches!(c.kind, PrincipalKind::Service | PrincipalKind::Anonymous));
    if let Some((id, path)) = iam_caller
        .and_then(|c| c.account.as_deref())
        .and_then(keys_of)
    {
        add("aws:PrincipalOrgID", id, AssumedSource::Organization);
        add("aws:PrincipalOrgPaths", path, AssumedSource::Organization);
    }
    if let Some((id, path)) = request.resource_account().and_then(keys_of) {
        add("aws:ResourceOrgID", id, AssumedSource::Organization);
        add("aws:ResourceOrgPaths", path, AssumedSource::Organization);
    }
    let source_account = request
        .given_context()
        .get("aws:SourceArn")
        .and_then(|v| v.values().first())
        .and_then(|arn| Arn::parse(arn).map(|a| a.account.to_string()))
        .filter(|a| !a.is_empty());
    if let Some(account) = source_account {
        if let Some((id, path)) = keys_of(&account) {
            add("aws:SourceOrgID", id, AssumedSource::SourceArn);
            add("aws:SourceOrgPaths", path, AssumedSource::SourceArn);
        }
        add("aws:SourceAccount", account, AssumedSource::SourceArn);
    }
}

/// `aws:userid` where it follows from the caller's ARN (IAM User Guide, policy variables,
/// "Values for aws:userid"): the account id for the root user, `ACCOUNT:NAME` for a federated
/// user, `anonymous` for an anonymous caller. A user's or role's unique id is not in its ARN.
fn userid(caller: &crate::request::principal::Principal) -> Option<String> {
    match caller.kind {
        PrincipalKind::Root => caller.account.clone(),
        PrincipalKind::FederatedUser => {
            let name = caller.text.rsplit('/').next()?;
            Some(format!("{}:{name}", caller.account.as_deref()?))
        }
        PrincipalKind::Anonymous => Some("anonymous".to_string()),
        _ => None,
    }
}

/// An instant as IAM writes `aws:CurrentTime`: `2026-01-01T00:00:00Z`.
pub(crate) fn iso8601(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// The current time, in seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Reads the instant a request is made at: an ISO 8601 date (`2026-01-01T00:00:00Z`) or epoch
/// seconds.
pub fn parse_time(text: &str) -> Result<i64, RequestError> {
    crate::model::condition::parse_date(text)
        .and_then(|nanos| i64::try_from(nanos.div_euclid(1_000_000_000)).ok())
        .ok_or_else(|| RequestError {
            kind: RequestErrorKind::InvalidTime,
            message: format!("invalid time `{text}`: expected an ISO 8601 date or epoch seconds"),
            help: Some("e.g. 2026-01-01T00:00:00Z".into()),
        })
}

/// The type of a context key's value, as the Service Authorization Reference types keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum KeyType {
    /// Text: anything goes.
    String,
    /// An ARN.
    Arn,
    /// `true` or `false`.
    Bool,
    /// A number.
    Numeric,
    /// An ISO 8601 date or epoch seconds.
    Date,
    /// An IPv4 or IPv6 address.
    IpAddress,
}

impl KeyType {
    /// The type's name in prose, with its article.
    pub(crate) fn name(self) -> &'static str {
        match self {
            KeyType::String => "a string",
            KeyType::Arn => "an ARN",
            KeyType::Bool => "a boolean (`true` or `false`)",
            KeyType::Numeric => "a number",
            KeyType::Date => "a date (ISO 8601 such as 2026-01-01T00:00:00Z, or epoch seconds)",
            KeyType::IpAddress => "an IP address",
        }
    }

    fn from_sar(name: &str) -> KeyType {
        match name.strip_prefix("ArrayOf").unwrap_or(name) {
            "ARN" | "Arn" => KeyType::Arn,
            "Bool" | "Boolean" => KeyType::Bool,
            "Numeric" | "Long" => KeyType::Numeric,
            "Date" => KeyType::Date,
            "IPAddress" => KeyType::IpAddress,
            _ => KeyType::String,
        }
    }

    fn accepts(self, value: &str) -> bool {
        match self {
            KeyType::String => true,
            KeyType::Arn => Arn::parse(value).is_some(),
            KeyType::Bool => crate::model::condition::parse_bool(value).is_some(),
            KeyType::Numeric => crate::model::condition::parse_number(value).is_some(),
            KeyType::Date => crate::model::condition::parse_date(value).is_some(),
            KeyType::IpAddress => value.trim().parse::<std::net::IpAddr>().is_ok(),
        }
    }
}

/// The global keys that are not strings (IAM User Guide, global condition context keys: the
/// *Data type* of each key).
const GLOBAL_TYPES: &[(&str, KeyType)] = &[
    ("aws:currenttime", KeyType::Date),
    ("aws:epochtime", KeyType::Numeric),
    ("aws:tokenissuetime", KeyType::Date),
    ("aws:multifactorauthage", KeyType::Numeric),
    ("aws:multifactorauthpresent", KeyType::Bool),
    ("aws:securetransport", KeyType::Bool),
    ("aws:principalisawsservice", KeyType::Bool),
    ("aws:viaawsservice", KeyType::Bool),
    ("aws:ec2instancesourceprivateipv4", KeyType::IpAddress),
    ("aws:sourceip", KeyType::IpAddress),
    ("aws:vpcsourceip", KeyType::IpAddress),
    ("aws:principalarn", KeyType::Arn),
    ("aws:sourcearn", KeyType::Arn),
];

/// The type of `key`'s value: the global table, else the catalog's entry for the key's service.
pub(crate) fn key_type(key: &str) -> KeyType {
    let lower = key.to_ascii_lowercase();
    if let Some((_, t)) = GLOBAL_TYPES.iter().find(|(k, _)| *k == lower) {
        return *t;
    }
    let Some((prefix, _)) = key.split_once(':') else {
        return KeyType::String;
    };
    crate::data::catalog::Catalog::builtin()
        .service_condition_keys(&prefix.to_ascii_lowercase())
        .and_then(|keys| {
            keys.into_iter()
                .find(|k| crate::data::catalog::condition_key_matches(k.name(), key))
                .map(|k| KeyType::from_sar(k.key_type()))
        })
        .unwrap_or(KeyType::String)
}

/// Checks every value of `context` against its key's type: a request value that AWS could not
/// send (`aws:SourceIp=not-an-ip`) is an error, not a condition that silently fails.
pub(crate) fn check_context(context: &Context) -> Result<(), RequestError> {
    for (key, value) in context.iter() {
        let expected = key_type(key);
        if let Some(bad) = value.values().iter().find(|v| !expected.accepts(v)) {
            return Err(RequestError {
                kind: RequestErrorKind::InvalidContextValue,
                message: format!(
                    "context key `{key}` has the value `{bad}`, which is not {}",
                    expected.name()
                ),
                help: Some(format!(
                    "AWS sends `{key}` as {}; give a value of that type",
                    expected.name()
                )),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::context::ContextValue;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";

    fn value(list: &[Assumed], key: &str) -> Option<(String, AssumedSource)> {
        list.iter()
            .find(|a| a.key == key)
            .map(|a| (a.value.clone(), a.source))
    }

    #[test]
    fn fills_the_keys_aws_always_sends() {
        let r = Request::new(
            "ecr:PutImage",
            REPO,
            Some("arn:aws:iam::123456789012:user/dev"),
        )
        .unwrap()
        .with_time(1_767_225_600);
        let list = assumptions(&r);
        use AssumedSource::{Caller, GivenTime, ResourceArn};
        let assumed = [
            ("aws:RequestedRegion", "us-east-1", ResourceArn),
            ("aws:CurrentTime", "2026-01-01T00:00:00Z", GivenTime),
            ("aws:EpochTime", "1767225600", GivenTime),
            ("aws:PrincipalIsAWSService", "false", Caller),
        ];
        for (key, expected, source) in assumed {
            assert_eq!(
                value(&list, key),
                Some((expected.to_string(), source)),
                "{key}"
            );
        }
        assert!(value(&list, "aws:userid").is_none(), "AIDA… is unknown");
        let ctx = r.context();
        for (key, expected) in [
            ("aws:securetransport", "true"),
            ("aws:viaawsservice", "false"),
        ] {
            assert_eq!(
                ctx.get(key),
                Some(&ContextValue::Single(expected.into())),
                "{key}"
            );
        }
    }

    #[test]
    fn given_keys_are_not_assumptions() {
        let mut ctx = Context::new();
        ctx.insert("aws:SecureTransport", ContextValue::Single("false".into()));
        let r = Request::new("ecr:PutImage", REPO, None)
            .unwrap()
            .with_context(ctx);
        assert!(value(&assumptions(&r), "aws:SecureTransport").is_none());
        assert_eq!(
            r.context().get("aws:SecureTransport"),
            Some(&ContextValue::Single("false".into()))
        );
    }

    #[test]
    fn callers_give_userid_and_service_keys() {
        let root =
            Request::new("ecr:PutImage", REPO, Some("arn:aws:iam::123456789012:root")).unwrap();
        assert_eq!(
            value(&assumptions(&root), "aws:userid").map(|v| v.0),
            Some("123456789012".into())
        );
        let service =
            Request::new("ecr:BatchGetImage", REPO, Some("codebuild.amazonaws.com")).unwrap();
        let list = assumptions(&service);
        assert_eq!(
            value(&list, "aws:PrincipalIsAWSService").map(|v| v.0),
            Some("true".into())
        );
        assert_eq!(
            value(&list, "aws:PrincipalServiceName").map(|v| v.0),
            Some("codebuild.amazonaws.com".into())
        );
        let anonymous = Request::new("ecr:BatchGetImage", REPO, Some("anonymous")).unwrap();
        assert!(value(&assumptions(&anonymous), "aws:PrincipalIsAWSService").is_none());
    }

    #[test]
    fn star_without_region_is_unknown() {
        let r = Request::new("ecr:GetAuthorizationToken", "*", None).unwrap();
        assert!(value(&assumptions(&r), "aws:RequestedRegion").is_none());
        assert_eq!(
            unknowable("aws:RequestedRegion", &r, false),
            Some(Unknowable::Region)
        );
        let r = r.with_region("eu-west-1").unwrap();
        assert_eq!(
            value(&assumptions(&r), "aws:RequestedRegion"),
            Some(("eu-west-1".into(), AssumedSource::GivenRegion))
        );
        assert_eq!(
            Request::new("ecr:GetAuthorizationToken", "*", None)
                .unwrap()
                .with_region("mars-1")
                .unwrap_err()
                .kind,
            RequestErrorKind::UnknownRegion
        );
    }

    #[test]
    fn context_values_are_typed() {
        let mut ctx = Context::new();
        ctx.insert("aws:SourceIp", ContextValue::Single("not-an-ip".into()));
        assert_eq!(
            check_context(&ctx).unwrap_err().kind,
            RequestErrorKind::InvalidContextValue
        );
        for (key, good, bad) in [
            ("aws:SecureTransport", "true", "yes"),
            ("aws:MultiFactorAuthAge", "300", "five"),
            ("aws:CurrentTime", "2026-01-01T00:00:00Z", "tomorrow"),
            (
                "aws:PrincipalArn",
                "arn:aws:iam::123456789012:role/x",
                "role/x",
            ),
            ("aws:SourceIp", "2001:db8::1", "10.0.0.0/8"),
        ] {
            let mut ctx = Context::new();
            ctx.insert(key, ContextValue::Single(good.into()));
            assert!(check_context(&ctx).is_ok(), "{key}={good}");
            ctx.insert(key, ContextValue::Single(bad.into()));
            assert!(check_context(&ctx).is_err(), "{key}={bad}");
        }
        let mut ctx = Context::new();
        ctx.insert("aws:TagKeys", ContextValue::Multi(vec!["a".into()]));
        assert!(check_context(&ctx).is_ok());
    }

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("2026-01-01T00:00:00Z").unwrap(), 1_767_225_600);
        assert_eq!(parse_time("1767225600").unwrap(), 1_767_225_600);
        assert_eq!(
            parse_time("soon").unwrap_err().kind,
            RequestErrorKind::InvalidTime
        );
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    }
}
