//! Who is calling, and whether a `Principal`/`NotPrincipal` element names them
//! (docs/semantics.md#principals).
//!
//! How a resource policy names the caller matters, not only whether it does
//! (docs/semantics.md#same-account-requests): a grant to the exact user or session ARN is *direct*;
//! a grant to the role of a session, *via the role*; a grant to the caller's account only
//! *delegates* to the account's own identity policies.
//!
//! A principal names only callers of its own partition ([`crate::request::partition`]): an
//! `arn:aws:iam::123456789012:root` principal never names `arn:aws-cn:iam::123456789012:user/bob`,
//! and a bare account id means that account in the partition of the policy's resource.

use crate::model::arn::Arn;
use crate::model::policy::{PolicyKind, PrincipalClause, PrincipalValue};

/// The caller of a request: everything the evaluation needs to know about it, read once from
/// its ARN or name — for principal matching, for same- vs cross-account and cross-partition
/// checks, and for the context keys derived from the caller (`aws:PrincipalArn`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// As given: an ARN, a service principal name, or `anonymous`.
    pub text: String,
    /// What kind of caller it is.
    pub kind: PrincipalKind,
    /// The caller's partition (`aws`, `aws-cn`, …): the ARN's, or for a service principal the one
    /// its DNS suffix names; none for anonymous callers and `….amazonaws.com` services.
    pub partition: Option<String>,
    /// The caller's account (none for services and anonymous callers).
    pub account: Option<String>,
    /// For a role session: the account and name of its role.
    pub role: Option<(String, String)>,
    /// `aws:PrincipalArn`: the ARN, except for a role session, whose value is its role's ARN
    /// (without the role's path, which a session ARN does not carry). None for services and
    /// anonymous callers.
    pub arn: Option<String>,
    /// `aws:username`, for IAM users only.
    pub username: Option<String>,
}

/// The kinds of caller the evaluation distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// The account root user.
    Root,
    /// An IAM user.
    User,
    /// A role session (`assumed-role/ROLE/SESSION`), or a role given by its ARN.
    RoleSession,
    /// An STS federated-user session.
    FederatedUser,
    /// An AWS service principal such as `codebuild.amazonaws.com`.
    Service,
    /// An unauthenticated caller.
    Anonymous,
}

impl PrincipalKind {
    /// The `aws:PrincipalType` value; none for service principals.
    pub(crate) fn principal_type(self) -> Option<&'static str> {
        match self {
            PrincipalKind::Root => Some("Account"),
            PrincipalKind::User => Some("User"),
            PrincipalKind::RoleSession => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            PrincipalKind::Anonymous => Some("Anonymous"),
            PrincipalKind::Service => None,
        }
    }
}

/// A principal string that is neither an IAM/STS ARN, a service name nor `anonymous`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalError(pub String);

impl std::fmt::Display for PrincipalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrincipalError {}

impl Principal {
    /// Whether the caller is a service-linked role (or a session of one): a role ARN under the
    /// path `/aws-service-role/`, or — since a session ARN drops the role's path — a role whose
    /// name starts with `AWSServiceRoleFor`, the prefix every service-linked role name has (IAM
    /// User Guide, *Using service-linked roles*:
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>).
    pub(crate) fn is_service_linked_role(&self) -> bool {
        self.kind == PrincipalKind::RoleSession
            && (self.text.contains(":role/aws-service-role/")
                || self
                    .role
                    .as_ref()
                    .is_some_and(|(_, name)| name.starts_with("AWSServiceRoleFor")))
    }

    /// The context keys AWS derives from this caller; none for a service principal.
    pub(crate) fn context_keys(&self) -> Option<crate::model::context::CallerKeys<'_>> {
        Some(crate::model::context::CallerKeys {
            principal_type: self.kind.principal_type()?,
            arn: self.arn.as_deref(),
            account: self.account.as_deref(),
            username: self.username.as_deref(),
        })
    }
}

impl Principal {
    /// Recognises root, user, role, assumed-role and federated-user ARNs, service principals
    /// (`name.amazonaws.com`, or `name.amazonaws.com.cn` in the China Regions) and `anonymous`.
    pub(crate) fn parse(text: &str) -> Result<Principal, PrincipalError> {
        let bare = |kind, partition: Option<&str>| Principal {
            text: text.to_string(),
            kind,
            partition: partition.map(str::to_string),
            account: None,
            role: None,
            arn: None,
            username: None,
        };
        if text == "anonymous" {
            return Ok(bare(PrincipalKind::Anonymous, None));
        }
        if !text.starts_with("arn:")
            && (text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn"))
        {
            let partition = crate::request::partition::of_service_principal(text);
            return Ok(bare(PrincipalKind::Service, partition));
        }
        Principal::parse_arn(text).ok_or_else(|| {
            PrincipalError(format!(
                "invalid principal `{text}`: expected an IAM user, role or root ARN, an assumed-role or federated-user session ARN, a service principal such as `codebuild.amazonaws.com`, or `anonymous`"
            ))
        })
    }

    /// An IAM or STS caller ARN.
    fn parse_arn(text: &str) -> Option<Principal> {
        let arn = Arn::parse(text)?;
        let last = |path_and_name: &str| {
            path_and_name
                .rsplit('/')
                .next()
                .unwrap_or(path_and_name)
                .to_string()
        };
        let mut role = None;
        let mut username = None;
        let mut principal_arn = text.to_string();
        let kind = match (arn.service, arn.resource.split_once('/')) {
            ("iam", None) if arn.resource == "root" => PrincipalKind::Root,
            ("iam", Some(("user", path_and_name))) => {
                username = Some(last(path_and_name));
                PrincipalKind::User
            }
            ("iam", Some(("role", path_and_name))) => {
                role = Some((arn.account.to_string(), last(path_and_name)));
                PrincipalKind::RoleSession
            }
            ("sts", Some(("assumed-role", role_and_session))) => {
                let name = role_and_session
                    .split('/')
                    .next()
                    .unwrap_or(role_and_session);
                principal_arn = format!("arn:{}:iam::{}:role/{name}", arn.partition, arn.account);
                role = Some((arn.account.to_string(), name.to_string()));
                PrincipalKind::RoleSession
            }
            ("sts", Some(("federated-user", _))) => PrincipalKind::FederatedUser,
            _ => return None,
        };
        let account = Some(arn.account.to_string()).filter(|a| !a.is_empty());
        Some(Principal {
            text: text.to_string(),
            kind,
            partition: Some(arn.partition.to_string()),
            role: role.filter(|_| account.is_some()),
            account,
            arn: Some(principal_arn),
            username,
        })
    }
}

impl Principal {
    /// Whether the caller was given as a role ARN (`arn:aws:iam::…:role/NAME`), which ecrsim
    /// evaluates as a session of that role whose session name is unknown.
    pub(crate) fn is_role_arn(&self) -> bool {
        self.kind == PrincipalKind::RoleSession
            && Arn::parse(&self.text).is_some_and(|arn| arn.service == "iam")
    }
}

/// How a principal element names the caller, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// `"*"`: everyone.
    Anyone,
    /// The caller's own user, session, federated-user or service identity.
    Direct,
    /// The role whose session is calling.
    ViaRole,
    /// The caller's account (delegation to its identity policies).
    ViaAccount,
}

/// The account an `AWS` principal value names as a whole, with its partition: a bare
/// `123456789012` (in `partition`, the policy's own) or `arn:PARTITION:iam::123456789012:root`.
fn account_of<'v>(
    value: &'v str,
    partition: Option<&'v str>,
) -> Option<(Option<&'v str>, &'v str)> {
    if crate::model::arn::is_account_id(value) {
        return Some((partition, value));
    }
    let arn = Arn::parse(value)?;
    (arn.service == "iam" && arn.resource == "root").then_some((Some(arn.partition), arn.account))
}

/// How one principal value names the caller, if it does. `partition` is the policy's own: the
/// partition of the resource it is attached to, which a bare account id refers to. A value never
/// names a caller of another partition. In a VPC endpoint policy an account principal means that
/// account's root user only (VPC user guide, endpoint policies).
pub(crate) fn match_value(
    value: &PrincipalValue,
    caller: &Principal,
    kind: PolicyKind,
    partition: Option<&str>,
) -> Option<PrincipalMatch> {
    match value {
        PrincipalValue::Anyone => Some(PrincipalMatch::Anyone),
        PrincipalValue::Service(name) => (caller.kind == PrincipalKind::Service
            && *name == caller.text)
            .then_some(PrincipalMatch::Direct),
        PrincipalValue::Federated(_) | PrincipalValue::CanonicalUser(_) => None,
        PrincipalValue::Aws(value) => {
            if let Some((account_partition, account)) = account_of(value, partition) {
                if caller.account.as_deref() != Some(account)
                    || caller.partition.as_deref() != account_partition
                {
                    return None;
                }
                return match (kind, caller.kind) {
                    (_, PrincipalKind::Root) => Some(PrincipalMatch::Direct),
                    (PolicyKind::VpcEndpoint, _) => None,
                    _ => Some(PrincipalMatch::ViaAccount),
                };
            }
            // The same text is the same partition. A role ARN given as the caller stands for a
            // session of that role: a grant to the role ARN names it via the role, not directly
            // (IAM User Guide, policy evaluation logic; see `docs/semantics.md`).
            if *value == caller.text && !caller.is_role_arn() {
                return Some(PrincipalMatch::Direct);
            }
            let arn = Arn::parse(value)?;
            let (kind_part, path_and_name) = arn.resource.split_once('/')?;
            if arn.service == "iam"
                && kind_part == "role"
                && caller.partition.as_deref() == Some(arn.partition)
            {
                let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
                let (role_account, role_name) = caller.role.as_ref()?;
                return (role_account == arn.account && role_name == name)
                    .then_some(PrincipalMatch::ViaRole);
            }
            None
        }
    }
}

/// The strongest way the element's values name the caller, if any (`partition`: see
/// [`match_value`]).
pub(crate) fn match_clause(
    clause: &PrincipalClause,
    caller: &Principal,
    kind: PolicyKind,
    partition: Option<&str>,
) -> Option<PrincipalMatch> {
    clause
        .principals
        .iter()
        .filter_map(|v| match_value(v, caller, kind, partition))
        .min()
}

/// Whether a `NotPrincipal` list exempts the caller from a Deny (docs/semantics.md#principals):
/// every level of the caller must be listed — the account and the user; or the account, the role
/// and the session. A caller with a permissions boundary is never exempt.
pub(crate) fn not_principal_exempts(
    clause: &PrincipalClause,
    caller: &Principal,
    kind: PolicyKind,
    partition: Option<&str>,
    has_boundary: bool,
) -> bool {
    if has_boundary
        && matches!(
            caller.kind,
            PrincipalKind::User | PrincipalKind::RoleSession
        )
    {
        return false;
    }
    let matches: Vec<PrincipalMatch> = clause
        .principals
        .iter()
        .filter_map(|v| match_value(v, caller, kind, partition))
        .collect();
    if matches.contains(&PrincipalMatch::Anyone) {
        return true;
    }
    let has = |m: PrincipalMatch| matches.contains(&m);
    match caller.kind {
        PrincipalKind::Root | PrincipalKind::Service => has(PrincipalMatch::Direct),
        PrincipalKind::Anonymous => false,
        PrincipalKind::User | PrincipalKind::FederatedUser => {
            has(PrincipalMatch::ViaAccount) && has(PrincipalMatch::Direct)
        }
        PrincipalKind::RoleSession => {
            has(PrincipalMatch::ViaAccount)
                && has(PrincipalMatch::ViaRole)
                && has(PrincipalMatch::Direct)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Principal {
        Principal::parse(text).unwrap()
    }

    fn aws(v: &str) -> PrincipalValue {
        PrincipalValue::Aws(v.into())
    }

    /// [`match_value`] in a policy of the `aws` partition.
    fn mv(v: &PrincipalValue, caller: &Principal, kind: PolicyKind) -> Option<PrincipalMatch> {
        match_value(v, caller, kind, Some("aws"))
    }

    /// [`not_principal_exempts`] in a policy of the `aws` partition.
    fn npe(clause: &PrincipalClause, caller: &Principal, kind: PolicyKind, boundary: bool) -> bool {
        not_principal_exempts(clause, caller, kind, Some("aws"), boundary)
    }

    #[test]
    fn parses_callers() {
        let s = p("arn:aws:sts::111122223333:assumed-role/ci/run-1");
        assert_eq!(s.kind, PrincipalKind::RoleSession);
        assert_eq!(s.role, Some(("111122223333".into(), "ci".into())));
        assert_eq!(p("codebuild.amazonaws.com").kind, PrincipalKind::Service);
        assert_eq!(
            p("arn:aws:iam::111122223333:root").kind,
            PrincipalKind::Root
        );
        assert!(Principal::parse("bob").is_err());
        let user = p("arn:aws-cn:iam::111122223333:user/team/bob");
        assert_eq!(user.partition.as_deref(), Some("aws-cn"));
        assert_eq!(user.username.as_deref(), Some("bob"));
        assert_eq!(user.kind.principal_type(), Some("User"));
        assert_eq!(
            s.arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/ci"),
            "a session's aws:PrincipalArn is its role's ARN"
        );
        let china = p("ec2.amazonaws.com.cn");
        assert_eq!(china.kind, PrincipalKind::Service);
        assert_eq!(china.partition.as_deref(), Some("aws-cn"));
        assert_eq!(p("codebuild.amazonaws.com").partition, None);
        assert_eq!(p("anonymous").kind.principal_type(), Some("Anonymous"));
    }

    #[test]
    fn principals_name_only_callers_of_their_partition() {
        let r = PolicyKind::Resource;
        let china_user = p("arn:aws-cn:iam::111122223333:user/bob");
        let china_session = p("arn:aws-cn:sts::111122223333:assumed-role/ci/run-1");
        let china_root = p("arn:aws-cn:iam::111122223333:root");
        for caller in [&china_user, &china_session, &china_root] {
            for value in [
                "arn:aws:iam::111122223333:root",
                "111122223333",
                "arn:aws:iam::111122223333:user/bob",
                "arn:aws:iam::111122223333:role/ci",
                "arn:aws:sts::111122223333:assumed-role/ci/run-1",
            ] {
                assert_eq!(mv(&aws(value), caller, r), None, "{value} {}", caller.text);
            }
        }
        // In a policy of the China partition, the same values in `aws-cn` do name them.
        let cn = |v: &str, c: &Principal| match_value(&aws(v), c, r, Some("aws-cn"));
        let named = [
            ("111122223333", &china_user, PrincipalMatch::ViaAccount),
            (
                "arn:aws-cn:iam::111122223333:root",
                &china_user,
                PrincipalMatch::ViaAccount,
            ),
            (
                "arn:aws-cn:iam::111122223333:role/ci",
                &china_session,
                PrincipalMatch::ViaRole,
            ),
            ("111122223333", &china_root, PrincipalMatch::Direct),
        ];
        for (value, caller, expected) in named {
            assert_eq!(cn(value, caller), Some(expected), "{value} {}", caller.text);
        }
        assert_eq!(
            cn("111122223333", &p("arn:aws:iam::111122223333:user/bob")),
            None,
            "a bare account id means the policy's own partition"
        );
        let exempt = PrincipalClause {
            negated: true,
            principals: vec![
                aws("arn:aws:iam::111122223333:user/bob"),
                aws("111122223333"),
            ],
            pos: Default::default(),
        };
        assert!(
            !npe(&exempt, &china_user, r, false),
            "not exempt across partitions"
        );
    }

    #[test]
    fn how_values_name_the_caller() {
        let session = p("arn:aws:sts::111122223333:assumed-role/ci/run-1");
        let r = PolicyKind::Resource;
        assert_eq!(
            mv(&aws("111122223333"), &session, r),
            Some(PrincipalMatch::ViaAccount)
        );
        assert_eq!(
            mv(&aws("arn:aws:iam::111122223333:root"), &session, r),
            Some(PrincipalMatch::ViaAccount)
        );
        assert_eq!(
            mv(&aws("arn:aws:iam::111122223333:role/path/ci"), &session, r),
            Some(PrincipalMatch::ViaRole)
        );
        assert_eq!(
            mv(
                &aws("arn:aws:sts::111122223333:assumed-role/ci/run-1"),
                &session,
                r
            ),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(
            mv(
                &aws("arn:aws:sts::111122223333:assumed-role/ci/run-2"),
                &session,
                r
            ),
            None
        );
        assert_eq!(
            mv(&aws("arn:aws:iam::999999999999:role/ci"), &session, r),
            None
        );
        assert_eq!(
            mv(&aws("111122223333"), &session, PolicyKind::VpcEndpoint),
            None,
            "VPC endpoint: account means root only"
        );
        let user = p("arn:aws:iam::111122223333:user/alice");
        assert_eq!(
            mv(&aws("arn:aws:iam::111122223333:user/alice"), &user, r),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(
            mv(&aws("arn:aws:iam::111122223333:user/Alice"), &user, r),
            None,
            "user names are case-sensitive"
        );
        assert_eq!(
            mv(
                &PrincipalValue::Service("codebuild.amazonaws.com".into()),
                &p("codebuild.amazonaws.com"),
                r
            ),
            Some(PrincipalMatch::Direct)
        );
    }

    #[test]
    fn not_principal_needs_every_level() {
        let clause = |values: &[&str]| PrincipalClause {
            negated: true,
            principals: values.iter().map(|v| aws(v)).collect(),
            pos: Default::default(),
        };
        let user = p("arn:aws:iam::111122223333:user/bob");
        let r = PolicyKind::Resource;
        assert!(npe(
            &clause(&["arn:aws:iam::111122223333:user/bob", "111122223333"]),
            &user,
            r,
            false
        ));
        assert!(!npe(
            &clause(&["arn:aws:iam::111122223333:user/bob"]),
            &user,
            r,
            false
        ));
        assert!(
            !npe(
                &clause(&["arn:aws:iam::111122223333:user/bob", "111122223333"]),
                &user,
                r,
                true
            ),
            "boundary"
        );
        let session = p("arn:aws:sts::111122223333:assumed-role/ci/run-1");
        let all = [
            "111122223333",
            "arn:aws:iam::111122223333:role/ci",
            "arn:aws:sts::111122223333:assumed-role/ci/run-1",
        ];
        assert!(npe(&clause(&all), &session, r, false));
        assert!(!npe(&clause(&all[..2]), &session, r, false));
    }
}
