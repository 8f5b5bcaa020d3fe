//! The ECR registry policy (private registry permissions): which requests it governs under each
//! registry policy scope, and the check AWS makes when a V1 policy is saved
//! (docs/semantics.md#registry-policy).
//!
//! Amazon ECR User Guide, *Private registry permissions in Amazon ECR*
//! (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html>): with
//! scope V2 (the default) ECR "allows all ECR actions in the policy and enforces the registry
//! policy in all ECR requests"; with V1 it enforces only `ecr:ReplicateImage`,
//! `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository`, and saving a policy with another
//! action fails.

use crate::model::policy::Policy;

/// The registry policy scope, an account setting of the registry (`REGISTRY_POLICY_SCOPE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegistryScope {
    /// The legacy scope: only the three actions of [`V1_ACTIONS`] are enforced.
    V1,
    /// The extended scope, the default: every ECR action.
    #[default]
    V2,
}

impl RegistryScope {
    /// `V1` or `V2`, as AWS writes the setting.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryScope::V1 => "V1",
            RegistryScope::V2 => "V2",
        }
    }

    /// Parses `V1`/`V2` (any case).
    pub fn from_name(name: &str) -> Option<RegistryScope> {
        match name.to_ascii_uppercase().as_str() {
            "V1" => Some(RegistryScope::V1),
            "V2" => Some(RegistryScope::V2),
            _ => None,
        }
    }

    /// Whether a registry policy with this scope governs a request for `action` (any case).
    pub(crate) fn governs(self, action: &str) -> bool {
        let lower = action.to_ascii_lowercase();
        match self {
            RegistryScope::V2 => lower.starts_with("ecr:"),
            RegistryScope::V1 => V1_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(&lower)),
        }
    }
}

/// The actions a V1 registry policy may contain and ECR enforces at registry level.
pub const V1_ACTIONS: [&str; 3] = [
    "ecr:ReplicateImage",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
];

/// A registry policy action that a V1-scope registry rejects when the policy is saved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsupportedV1Action {
    /// The statement's position in the document.
    pub statement: usize,
    /// The action as written.
    pub action: String,
}

/// The actions of `policy` that a V1-scope registry rejects: any value other than the three
/// enforced actions, `ecr:*` and `*` (which the guide's note says may be written), and any
/// `NotAction` (which stands for other actions), in Allow and Deny statements alike. Empty for
/// V2.
pub fn unsupported_actions(policy: &Policy, scope: RegistryScope) -> Vec<UnsupportedV1Action> {
    if scope == RegistryScope::V2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, statement) in policy.statements.iter().enumerate() {
        for pattern in &statement.action.patterns {
            let text = pattern.text.as_str();
            let allowed = !statement.action.negated
                && (text == "*"
                    || text.eq_ignore_ascii_case("ecr:*")
                    || V1_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(text)));
            if !allowed {
                out.push(UnsupportedV1Action {
                    statement: i,
                    action: text.to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policy::PolicyKind;

    fn registry(actions: &str) -> Policy {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":{actions},"Resource":"arn:aws:ecr:us-west-2:444455556666:repository/*"}}]}}"#
        );
        crate::parse::parse_policy("registry.json", text.as_bytes(), PolicyKind::Registry).unwrap()
    }

    #[test]
    fn v1_accepts_only_the_three_actions() {
        let ok = registry(r#"["ecr:CreateRepository","ecr:ReplicateImage"]"#);
        assert!(unsupported_actions(&ok, RegistryScope::V1).is_empty());
        assert!(unsupported_actions(&registry(r#""ecr:*""#), RegistryScope::V1).is_empty());
        let bad = registry(r#"["ecr:ReplicateImage","ecr:BatchGetImage"]"#);
        assert_eq!(
            unsupported_actions(&bad, RegistryScope::V1),
            [UnsupportedV1Action {
                statement: 0,
                action: "ecr:BatchGetImage".into()
            }]
        );
        assert!(unsupported_actions(&bad, RegistryScope::V2).is_empty());
    }

    #[test]
    fn scopes_govern_their_actions() {
        assert!(RegistryScope::V2.governs("ecr:BatchGetImage"));
        assert!(!RegistryScope::V2.governs("kms:Decrypt"));
        assert!(RegistryScope::V1.governs("ECR:replicateimage"));
        assert!(!RegistryScope::V1.governs("ecr:BatchGetImage"));
        assert_eq!(RegistryScope::from_name("v1"), Some(RegistryScope::V1));
        assert_eq!(RegistryScope::default().as_str(), "V2");
    }
}
