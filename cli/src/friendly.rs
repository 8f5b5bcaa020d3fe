//! Friendly errors for the common mistakes of reading a policy file: a UTF-8 byte-order mark
//! (accepted), an empty file, YAML, a role trust policy given as an identity policy, and an
//! `aws iam get-account-authorization-details` dump. The checks run only once the engine has
//! refused the file, so a valid policy never pays for them and is never misjudged.

use ecrsim_engine::PolicyKind;
use serde_json::Value;

/// The UTF-8 byte-order mark some Windows editors write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes without a leading UTF-8 byte-order mark: JSON has none, but the policy is fine.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// What to print instead of the engine's error, when the file is one of the common mistakes;
/// `None` keeps the engine's error. The message is also remembered for `--format json`.
pub fn explain(name: &str, bytes: &[u8], kind: PolicyKind) -> Option<String> {
    let (kind_name, message, help) = diagnose(name, bytes, kind)?;
    Some(crate::errors::friendly(kind_name, name, &message, &help))
}

fn diagnose(name: &str, bytes: &[u8], kind: PolicyKind) -> Option<(&'static str, String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Some((
            "EmptyFile",
            format!("{name} is empty"),
            "a policy is a JSON object, e.g. {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:BatchGetImage\",\"Resource\":\"arn:aws:ecr:REGION:ACCOUNT:repository/NAME\"}]}".into(),
        ));
    }
    if looks_like_yaml(trimmed) {
        return Some((
            "Yaml",
            format!("{name} looks like YAML; ecrsim reads policies as JSON"),
            format!(
                "convert it first, e.g. `yq -o=json '.' {name} > policy.json` or `python3 -c 'import json,sys,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' < {name} > policy.json`; from a CloudFormation template, take the `PolicyDocument` value"
            ),
        ));
    }
    let value: Value = serde_json::from_str(trimmed).ok()?;
    if is_authorization_details(&value) {
        return Some((
            "AuthorizationDetailsDump",
            format!(
                "{name} is the output of `aws iam get-account-authorization-details` (every user, group, role and policy of an account), not one policy"
            ),
            "to simulate a user or role with every policy that applies to it, put the dump in a snapshot folder and give `--snapshot DIR --principal role/NAME` instead (docs/snapshot.md); or extract the policies you mean, e.g. a managed policy's default version: `jq '.Policies[] | select(.PolicyName==\"NAME\") | .PolicyVersionList[] | select(.IsDefaultVersion) | .Document'`, or a role's inline policies: `jq '.RoleDetailList[] | select(.RoleName==\"NAME\") | .RolePolicyList[].PolicyDocument'`; its trust policy is `.AssumeRolePolicyDocument`".into(),
        ));
    }
    if kind == PolicyKind::Identity && is_trust_policy(&value) {
        return Some((
            "TrustPolicyAsIdentity",
            format!(
                "{name} is a role trust policy (every statement names a Principal and allows sts:AssumeRole*): it says who may assume the role and grants the role's sessions no permissions"
            ),
            "give the role's permission policies as POLICY; to check who may assume the role, pass this file with --trust-policy and use --action sts:AssumeRole --resource ROLE_ARN --principal CALLER_ARN".into(),
        ));
    }
    None
}

/// YAML rather than JSON: the text does not start as JSON does, and a line starts with a key
/// followed by a colon, or the document marker `---`.
fn looks_like_yaml(text: &str) -> bool {
    if text.starts_with(['{', '[', '"']) {
        return false;
    }
    // The first line that is not blank or a YAML comment: `---`, or `key:` / `- key:`.
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

fn is_authorization_details(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        ["UserDetailList", "GroupDetailList", "RoleDetailList"]
            .iter()
            .any(|key| object.contains_key(*key))
    })
}

/// A document whose statements all name a `Principal` and allow only `sts:AssumeRole*`
/// actions (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`), with
/// `sts:TagSession` and `sts:SetSourceIdentity` allowed beside them.
fn is_trust_policy(value: &Value) -> bool {
    let statements = match &value["Statement"] {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        object @ Value::Object(_) => vec![object],
        _ => return false,
    };
    let actions = |statement: &Value| -> Vec<String> {
        match &statement["Action"] {
            Value::String(s) => vec![s.to_lowercase()],
            Value::Array(items) => items
                .iter()
                .filter_map(|a| a.as_str().map(str::to_lowercase))
                .collect(),
            _ => Vec::new(),
        }
    };
    !statements.is_empty()
        && statements.iter().all(|statement| {
            let actions = actions(statement);
            !statement["Principal"].is_null()
                && actions.iter().any(|a| a.starts_with("sts:assumerole"))
                && actions.iter().all(|a| {
                    a.starts_with("sts:assumerole")
                        || a == "sts:tagsession"
                        || a == "sts:setsourceidentity"
                })
        })
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
        let trust: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
        )
        .unwrap_or_default();
        assert!(is_trust_policy(&trust));
        let mixed: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#,
        )
        .unwrap_or_default();
        assert!(!is_trust_policy(&mixed));
    }
}
