//! The common mistakes of giving something else as a policy, told apart once the document was
//! refused: an empty input, YAML, an `aws iam get-account-authorization-details` dump, and a role
//! trust policy where a policy without principals belongs. Typed, so each front end says it in
//! its own words (the CLI's are in `cli/src/friendly.rs`).

use std::sync::Arc;

use crate::model::policy::{PolicyKind, Source};
use crate::parse::policy_input_from_json;
use crate::syntax::json::{self, Json, Value};

/// What a refused input is instead of a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mistake {
    /// Nothing but whitespace.
    Empty,
    /// YAML (a `key:` line or `---` first), not JSON.
    Yaml,
    /// The output of `aws iam get-account-authorization-details`: every user, group, role and
    /// policy of an account.
    AuthorizationDetails,
    /// A role trust policy (every statement names a principal and allows only `sts:AssumeRole*`,
    /// with `sts:TagSession`/`sts:SetSourceIdentity`), given as a kind of policy that has no
    /// principal: it grants the role's sessions nothing.
    TrustPolicy,
}

impl Mistake {
    /// A stable name for machine-readable errors.
    pub fn kind_name(self) -> &'static str {
        match self {
            Mistake::Empty => "EmptyFile",
            Mistake::Yaml => "Yaml",
            Mistake::AuthorizationDetails => "AuthorizationDetailsDump",
            Mistake::TrustPolicy => "TrustPolicyAsIdentity",
        }
    }
}

/// The mistake `bytes`, read as a policy of `kind`, is, if any (also inside an AWS CLI shape:
/// `aws iam get-role` prints the trust policy as `Role.AssumeRolePolicyDocument`).
pub fn diagnose(bytes: &[u8], kind: PolicyKind) -> Option<Mistake> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim().trim_start_matches('\u{feff}');
    if trimmed.is_empty() {
        return Some(Mistake::Empty);
    }
    if looks_like_yaml(trimmed) {
        return Some(Mistake::Yaml);
    }
    diagnose_json(&json::parse_str(trimmed).ok()?, kind)
}

/// [`diagnose`] for JSON already read.
pub(crate) fn diagnose_json(root: &Json, kind: PolicyKind) -> Option<Mistake> {
    if is_authorization_details(root) {
        return Some(Mistake::AuthorizationDetails);
    }
    let source = Arc::new(Source {
        name: String::new(),
        text: Arc::from(""),
    });
    let document = policy_input_from_json(source, root.clone()).ok()?.json;
    (!kind.has_principal() && is_trust_policy(&document)).then_some(Mistake::TrustPolicy)
}

/// YAML rather than JSON: the text does not start as JSON does, and its first line that is not
/// blank or a comment is `---`, or starts with a key followed by a colon.
fn looks_like_yaml(text: &str) -> bool {
    if text.starts_with(['{', '[', '"']) {
        return false;
    }
    let Some(first) = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
    else {
        return false;
    };
    first.starts_with("---")
        || first
            .trim_start_matches(['-', ' '])
            .split_once(':')
            .is_some_and(|(key, _)| {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-\"'".contains(c))
            })
}

fn is_authorization_details(root: &Json) -> bool {
    ["UserDetailList", "GroupDetailList", "RoleDetailList"]
        .iter()
        .any(|key| root.get(key).is_some())
}

fn is_trust_policy(document: &Json) -> bool {
    let statements: Vec<&Json> = match document.get("Statement").map(|m| &m.value) {
        Some(Json {
            value: Value::Array(items),
            ..
        }) => items.iter().collect(),
        Some(
            object @ Json {
                value: Value::Object(_),
                ..
            },
        ) => vec![object],
        _ => return false,
    };
    let actions = |statement: &Json| -> Vec<String> {
        element_strings(statement.get("Action").map(|m| &m.value))
            .into_iter()
            .map(str::to_lowercase)
            .collect()
    };
    !statements.is_empty()
        && statements.iter().all(|statement| {
            let actions = actions(statement);
            statement
                .get("Principal")
                .is_some_and(|m| m.value.value != Value::Null)
                && actions.iter().any(|a| a.starts_with("sts:assumerole"))
                && actions.iter().all(|a| {
                    a.starts_with("sts:assumerole")
                        || a == "sts:tagsession"
                        || a == "sts:setsourceidentity"
                })
        })
}

/// The strings of a policy element (`"x"` or `["x", "y"]`, other items skipped); none for a
/// missing element or one of another type.
pub(crate) fn element_strings(element: Option<&Json>) -> Vec<&str> {
    match element.map(|e| &e.value) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_is_recognised_and_json_is_not() {
        assert!(looks_like_yaml(
            "Version: \"2012-10-17\"\nStatement:\n  - Effect: Allow"
        ));
        assert!(looks_like_yaml("---\nfoo"));
        assert!(!looks_like_yaml("{\"Version\": 1}"));
        assert!(!looks_like_yaml("not a policy at all"));
        assert!(!looks_like_yaml(
            "// allow pushes\n{\n  \"Version\": \"2012-10-17\""
        ));
        assert!(looks_like_yaml(
            "# a comment\nPolicyDocument:\n  Version: 1"
        ));
    }

    #[test]
    fn a_trust_policy_needs_principals_and_assume_role_everywhere() {
        let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
        assert_eq!(
            diagnose(trust.as_bytes(), PolicyKind::Identity),
            Some(Mistake::TrustPolicy)
        );
        assert_eq!(
            diagnose(trust.as_bytes(), PolicyKind::Boundary),
            Some(Mistake::TrustPolicy)
        );
        // As the resource-based policy it is, it is no mistake.
        assert_eq!(diagnose(trust.as_bytes(), PolicyKind::Resource), None);
        let mixed = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
        assert_eq!(diagnose(mixed.as_bytes(), PolicyKind::Identity), None);
        let role =
            format!(r#"{{"Role":{{"RoleName":"task","AssumeRolePolicyDocument":{trust}}}}}"#);
        assert_eq!(
            diagnose(role.as_bytes(), PolicyKind::Identity),
            Some(Mistake::TrustPolicy)
        );
    }

    #[test]
    fn empty_and_dumps() {
        assert_eq!(diagnose(b" \n", PolicyKind::Identity), Some(Mistake::Empty));
        assert_eq!(
            diagnose(b"\xEF\xBB\xBF", PolicyKind::Identity),
            Some(Mistake::Empty)
        );
        assert_eq!(
            diagnose(
                br#"{"UserDetailList":[],"Policies":[]}"#,
                PolicyKind::Identity
            ),
            Some(Mistake::AuthorizationDetails)
        );
        assert_eq!(
            diagnose(
                br#"{"Version":"2012-10-17","Statement":[]}"#,
                PolicyKind::Identity
            ),
            None
        );
    }
}
