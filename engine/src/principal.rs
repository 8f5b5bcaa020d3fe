//! Who is calling, and whether a `Principal`/`NotPrincipal` element names them (iam-semantics §4).
//!
//! How a resource policy names the caller matters, not only whether it does (§7.3): a grant to
//! the exact user or session ARN is *direct*; a grant to the role of a session, *via the role*;
//! a grant to the caller's account only *delegates* to the account's own identity policies.

use crate::arn::Arn;
use crate::context::CallerKind;
use crate::policy::{PolicyKind, PrincipalClause, PrincipalValue};

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// As given: an ARN, a service principal name, or `anonymous`.
    pub text: String,
    /// What kind of caller it is.
    pub kind: PrincipalKind,
    /// The caller's account (none for services and anonymous callers).
    pub account: Option<String>,
    /// For a role session: the account and name of its role.
    pub role: Option<(String, String)>,
}

/// The kinds of caller the evaluation distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Recognises root, user, role, assumed-role and federated-user ARNs, service principals
    /// (`name.amazonaws.com`) and `anonymous`.
    pub fn parse(text: &str) -> Result<Principal, PrincipalError> {
        let principal = |kind, account: Option<&str>, role| Principal {
            text: text.to_string(),
            kind,
            account: account.map(str::to_string),
            role,
        };
        if text == "anonymous" {
            return Ok(principal(PrincipalKind::Anonymous, None, None));
        }
        if !text.starts_with("arn:") && text.ends_with(".amazonaws.com") {
            return Ok(principal(PrincipalKind::Service, None, None));
        }
        let caller = crate::context::Caller::parse(text).ok_or_else(|| {
            PrincipalError(format!(
                "invalid principal `{text}`: expected an IAM user, role or root ARN, an assumed-role or federated-user session ARN, a service principal such as `codebuild.amazonaws.com`, or `anonymous`"
            ))
        })?;
        let account = caller.account.as_deref();
        Ok(match caller.kind {
            CallerKind::Account => principal(PrincipalKind::Root, account, None),
            CallerKind::User => principal(PrincipalKind::User, account, None),
            CallerKind::FederatedUser => principal(PrincipalKind::FederatedUser, account, None),
            CallerKind::Anonymous => principal(PrincipalKind::Anonymous, None, None),
            CallerKind::AssumedRole => {
                let role_name = caller
                    .principal_arn
                    .as_deref()
                    .and_then(|arn| arn.rsplit('/').next())
                    .unwrap_or("")
                    .to_string();
                let role = account.map(|a| (a.to_string(), role_name));
                principal(PrincipalKind::RoleSession, account, role)
            }
        })
    }
}

/// How a principal element names the caller, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// `"*"`: everyone.
    Anyone,
    /// The caller's own user, session, federated-user or service identity.
    Direct,
    /// The role whose session is calling.
    ViaRole,
    /// The caller's account (delegation to its identity policies).
    ViaAccount,
}

/// The account id an `AWS` principal value names as a whole account (`123456789012` or its root ARN).
fn account_of(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    let arn = Arn::parse(value)?;
    (arn.service == "iam" && arn.resource == "root").then_some(arn.account)
}

/// How one principal value names the caller, if it does. In a VPC endpoint policy an account
/// principal means that account's root user only (VPC user guide, endpoint policies).
pub fn match_value(
    value: &PrincipalValue,
    caller: &Principal,
    kind: PolicyKind,
) -> Option<PrincipalMatch> {
    match value {
        PrincipalValue::Anyone => Some(PrincipalMatch::Anyone),
        PrincipalValue::Service(name) => (caller.kind == PrincipalKind::Service
            && *name == caller.text)
            .then_some(PrincipalMatch::Direct),
        PrincipalValue::Federated(_) | PrincipalValue::CanonicalUser(_) => None,
        PrincipalValue::Aws(value) => {
            if let Some(account) = account_of(value) {
                if caller.account.as_deref() != Some(account) {
                    return None;
                }
                return match (kind, caller.kind) {
                    (_, PrincipalKind::Root) => Some(PrincipalMatch::Direct),
                    (PolicyKind::VpcEndpoint, _) => None,
                    _ => Some(PrincipalMatch::ViaAccount),
                };
            }
            if *value == caller.text {
                return Some(PrincipalMatch::Direct);
            }
            let arn = Arn::parse(value)?;
            let (kind_part, path_and_name) = arn.resource.split_once('/')?;
            if arn.service == "iam" && kind_part == "role" {
                let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
                let (role_account, role_name) = caller.role.as_ref()?;
                return (role_account == arn.account && role_name == name)
                    .then_some(PrincipalMatch::ViaRole);
            }
            None
        }
    }
}

/// The strongest way the element's values name the caller, if any.
pub fn match_clause(
    clause: &PrincipalClause,
    caller: &Principal,
    kind: PolicyKind,
) -> Option<PrincipalMatch> {
    clause
        .principals
        .iter()
        .filter_map(|v| match_value(v, caller, kind))
        .min()
}

/// Whether a `NotPrincipal` list exempts the caller from a Deny (§4.6): every level of the caller
/// must be listed — the account and the user; or the account, the role and the session. A
/// caller with a permissions boundary is never exempt.
pub fn not_principal_exempts(
    clause: &PrincipalClause,
    caller: &Principal,
    kind: PolicyKind,
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
        .filter_map(|v| match_value(v, caller, kind))
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
    }

    #[test]
    fn how_values_name_the_caller() {
        let session = p("arn:aws:sts::111122223333:assumed-role/ci/run-1");
        let r = PolicyKind::Resource;
        assert_eq!(
            match_value(&aws("111122223333"), &session, r),
            Some(PrincipalMatch::ViaAccount)
        );
        assert_eq!(
            match_value(&aws("arn:aws:iam::111122223333:root"), &session, r),
            Some(PrincipalMatch::ViaAccount)
        );
        assert_eq!(
            match_value(&aws("arn:aws:iam::111122223333:role/path/ci"), &session, r),
            Some(PrincipalMatch::ViaRole)
        );
        assert_eq!(
            match_value(
                &aws("arn:aws:sts::111122223333:assumed-role/ci/run-1"),
                &session,
                r
            ),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(
            match_value(
                &aws("arn:aws:sts::111122223333:assumed-role/ci/run-2"),
                &session,
                r
            ),
            None
        );
        assert_eq!(
            match_value(&aws("arn:aws:iam::999999999999:role/ci"), &session, r),
            None
        );
        assert_eq!(
            match_value(&aws("111122223333"), &session, PolicyKind::VpcEndpoint),
            None,
            "VPC endpoint: account means root only"
        );
        let user = p("arn:aws:iam::111122223333:user/alice");
        assert_eq!(
            match_value(&aws("arn:aws:iam::111122223333:user/alice"), &user, r),
            Some(PrincipalMatch::Direct)
        );
        assert_eq!(
            match_value(&aws("arn:aws:iam::111122223333:user/Alice"), &user, r),
            None,
            "user names are case-sensitive"
        );
        assert_eq!(
            match_value(
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
        assert!(not_principal_exempts(
            &clause(&["arn:aws:iam::111122223333:user/bob", "111122223333"]),
            &user,
            r,
            false
        ));
        assert!(!not_principal_exempts(
            &clause(&["arn:aws:iam::111122223333:user/bob"]),
            &user,
            r,
            false
        ));
        assert!(
            !not_principal_exempts(
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
        assert!(not_principal_exempts(&clause(&all), &session, r, false));
        assert!(!not_principal_exempts(
            &clause(&all[..2]),
            &session,
            r,
            false
        ));
    }
}
