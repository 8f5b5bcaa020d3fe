//! Friendly errors for the common mistakes of reading a policy file: a UTF-8 byte-order mark
//! (accepted), an empty file, YAML, a role trust policy given as a policy without principals
//! (identity policy, boundary, session policy, SCP), and an `aws iam
//! get-account-authorization-details` dump. Every command reads its policy arguments through
//! [`crate::input::parse_input`], which asks here. The checks run only once the engine has
//! refused the file, so a valid policy never pays for them and is never misjudged.

use ecrsim_engine::Mistake;
use ecrsim_engine::PolicyKind;

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

/// The common mistake the refused file is, if any (`engine/src/parse/mistake.rs`), in the
/// CLI's words: its kind name, the message and the help.
pub fn diagnose(
    name: &str,
    bytes: &[u8],
    kind: PolicyKind,
) -> Option<(&'static str, String, String)> {
    let mistake = ecrsim_engine::diagnose_mistake(bytes, kind)?;
    let (message, help) = match mistake {
        Mistake::Empty => (
            format!("{name} is empty"),
            "a policy is a JSON object, e.g. {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:BatchGetImage\",\"Resource\":\"arn:aws:ecr:REGION:ACCOUNT:repository/NAME\"}]}".into(),
        ),
        Mistake::Yaml => (
            format!("{name} looks like YAML; ecrsim reads policies as JSON"),
            format!(
                "convert it first, e.g. `yq -o=json '.' {name} > policy.json` or `python3 -c 'import json,sys,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' < {name} > policy.json`; from a CloudFormation template, take the `PolicyDocument` value"
            ),
        ),
        Mistake::AuthorizationDetails => (
            format!(
                "{name} is the output of `aws iam get-account-authorization-details` (every user, group, role and policy of an account), not one policy"
            ),
            "to check a principal with every policy the dump attaches to it, put the file in a snapshot directory and use `ecrsim check --snapshot DIR --principal role/NAME`; or extract the policies you mean, e.g. a managed policy's default version: `jq '.Policies[] | select(.PolicyName==\"NAME\") | .PolicyVersionList[] | select(.IsDefaultVersion) | .Document'`, or a role's inline policies: `jq '.RoleDetailList[] | select(.RoleName==\"NAME\") | .RolePolicyList[].PolicyDocument'`; its trust policy is `.AssumeRolePolicyDocument`".into(),
        ),
        Mistake::TrustPolicy => (
            format!(
                "{name} is a role trust policy (every statement names a Principal and allows sts:AssumeRole*): it says who may assume the role and grants the role's sessions no permissions"
            ),
            "give the role's permission policies as POLICY; to check who may assume the role, pass this file with --trust-policy and use --action sts:AssumeRole --resource ROLE_ARN --principal CALLER_ARN".into(),
        ),
    };
    Some((mistake.kind_name(), message, help))
}
