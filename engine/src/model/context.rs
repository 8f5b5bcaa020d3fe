//! The request context: condition keys and their values (docs/semantics.md#conditions-and-operators
//! and #condition-keys-of-the-request).
//!
//! Key names are case-insensitive, so they are stored lower-cased; values are kept as given. A
//! key given several values is multi-valued (`aws:TagKeys`). Keys that AWS derives from the
//! request itself are filled in by `Context::derive_from` unless the caller gave them, and keys
//! that would be absent (such as `aws:username` for a role session) are never invented.

use std::collections::BTreeMap;

use crate::syntax::json::{Json, Pos, Value};

/// The value of one context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multi-valued key (possibly empty: a "null data set").
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a list: one for a single-valued key.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(vs) => vs,
        }
    }

    /// Whether the value is empty: an empty string or an empty list.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            ContextValue::Single(v) => v.is_empty(),
            ContextValue::Multi(vs) => vs.is_empty(),
        }
    }
}

/// Condition keys and values of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Lower-cased key → (key as given, value).
    entries: BTreeMap<String, (String, ContextValue)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets `key` to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.entries
            .insert(key.to_lowercase(), (key.to_string(), value));
    }

    /// Adds one value to `key`: the first makes it single-valued, the next ones multi-valued
    /// (how a key given several times builds a multi-valued key).
    pub fn push(&mut self, key: &str, value: String) {
        let lower = key.to_lowercase();
        match self.entries.get_mut(&lower) {
            None => {
                self.entries
                    .insert(lower, (key.to_string(), ContextValue::Single(value)));
            }
            Some((_, existing)) => {
                let mut values = existing.values().to_vec();
                values.push(value);
                *existing = ContextValue::Multi(values);
            }
        }
    }

    /// The value of `key`, compared case-insensitively.
    pub(crate) fn get(&self, key: &str) -> Option<&ContextValue> {
        // Condition keys are short ASCII: lower-cased on the stack, a lookup allocates nothing.
        const SHORT: usize = 128;
        if key.is_ascii() && key.len() <= SHORT {
            let mut buffer = [0u8; SHORT];
            let lower = buffer.get_mut(..key.len())?;
            lower.copy_from_slice(key.as_bytes());
            lower.make_ascii_lowercase();
            let lower = std::str::from_utf8(lower).ok()?;
            return self.entries.get(lower).map(|(_, v)| v);
        }
        self.entries.get(&key.to_lowercase()).map(|(_, v)| v)
    }

    /// Removes `key` (compared case-insensitively), if present.
    pub(crate) fn remove(&mut self, key: &str) {
        self.entries.remove(&key.to_lowercase());
    }

    /// Whether the context has `key`.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys as given and their values, ordered by lower-cased key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries.values().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether there are no keys.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads a JSON object of key → string, number, boolean, or an array of them (a
    /// multi-valued key). Numbers keep their text; booleans become `true`/`false`.
    pub fn from_json(json: &Json) -> Result<Context, (Pos, String)> {
        let Value::Object(members) = &json.value else {
            return Err((
                json.pos,
                format!(
                    "expected the context to be an object of key → value, found {}",
                    json.value.type_name()
                ),
            ));
        };
        let scalar = |item: &Json, key: &str| -> Result<String, (Pos, String)> {
            match &item.value {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                other => Err((
                    item.pos,
                    format!(
                        "the value of context key `{key}` must be a string, number, boolean or an array of them, found {}",
                        other.type_name()
                    ),
                )),
            }
        };
        let mut context = Context::new();
        for member in members {
            let key = member.key.as_str();
            if context.contains(key) {
                return Err((
                    member.key_pos,
                    format!("context key `{key}` is given twice (key names are case-insensitive)"),
                ));
            }
            let value = match &member.value.value {
                Value::Array(items) => ContextValue::Multi(
                    items
                        .iter()
                        .map(|item| scalar(item, key))
                        .collect::<Result<_, _>>()?,
                ),
                _ => ContextValue::Single(scalar(&member.value, key)?),
            };
            context.insert(key, value);
        }
        Ok(context)
    }

    /// Fills in the keys AWS derives from the caller and the resource, unless already given:
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (IAM users
    /// only) and `aws:ResourceAccount` (the account that owns the resource, when known).
    pub(crate) fn derive_from(
        &mut self,
        caller: Option<CallerKeys<'_>>,
        resource_account: Option<&str>,
    ) {
        if let Some(caller) = caller {
            let derived = [
                ("aws:PrincipalType", Some(caller.principal_type)),
                ("aws:PrincipalArn", caller.arn),
                ("aws:PrincipalAccount", caller.account),
                ("aws:username", caller.username),
            ];
            for (key, value) in derived {
                if let Some(value) = value
                    && !self.contains(key)
                {
                    self.insert(key, ContextValue::Single(value.to_string()));
                }
            }
        }
        if let Some(account) = resource_account.filter(|a| !a.is_empty())
            && !self.contains("aws:ResourceAccount")
        {
            self.insert(
                "aws:ResourceAccount",
                ContextValue::Single(account.to_string()),
            );
        }
    }
}

/// The values of the context keys AWS derives from the caller (see [`Context::derive_from`]);
/// the request layer reads them off its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CallerKeys<'a> {
    /// `aws:PrincipalType`.
    pub principal_type: &'a str,
    /// `aws:PrincipalArn`.
    pub arn: Option<&'a str>,
    /// `aws:PrincipalAccount`.
    pub account: Option<&'a str>,
    /// `aws:username` (IAM users only).
    pub username: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::principal::Principal;

    fn caller(text: &str) -> Principal {
        Principal::parse(text).unwrap()
    }

    fn single(ctx: &Context, key: &str) -> Option<String> {
        match ctx.get(key)? {
            ContextValue::Single(v) => Some(v.clone()),
            ContextValue::Multi(_) => None,
        }
    }

    /// A context with the keys derived from `principal` (and the resource's account, if given).
    fn derived(principal: &str, resource_account: Option<&str>) -> Context {
        let mut ctx = Context::new();
        ctx.derive_from(caller(principal).context_keys(), resource_account);
        ctx
    }

    /// Checks that each key of `expected` holds its single value in `ctx`; a failure names the key.
    fn assert_singles(ctx: &Context, expected: &[(&str, &str)]) {
        for &(key, value) in expected {
            assert_eq!(single(ctx, key).as_deref(), Some(value), "{key}");
        }
    }

    #[test]
    fn keys_are_case_insensitive_and_repeats_make_lists() {
        let mut ctx = Context::new();
        ctx.push("aws:TagKeys", "team".into());
        ctx.push("AWS:tagkeys", "env".into());
        ctx.push("aws:SourceIp", "10.1.2.3".into());
        assert_eq!(
            ctx.get("aws:tagkeys"),
            Some(&ContextValue::Multi(vec!["team".into(), "env".into()]))
        );
        assert_eq!(single(&ctx, "AWS:SOURCEIP").as_deref(), Some("10.1.2.3"));
    }

    /// The lookup lower-cases short ASCII keys on the stack and others with `to_lowercase`: both
    /// find the same entries.
    #[test]
    fn lookups_fold_case_whatever_the_key() {
        let long = format!("aws:RequestTag/{}", "K".repeat(200));
        let mut ctx = Context::new();
        ctx.insert("aws:PrincipalTag/Team", ContextValue::Single("a".into()));
        ctx.insert("aws:PrincipalTag/ÉQUIPE", ContextValue::Single("b".into()));
        ctx.insert(&long, ContextValue::Single("c".into()));
        assert_singles(
            &ctx,
            &[
                ("aws:principaltag/team", "a"),
                ("AWS:PRINCIPALTAG/TEAM", "a"),
                ("aws:principaltag/équipe", "b"),
                ("aws:PrincipalTag/Équipe", "b"),
                (&long.to_lowercase(), "c"),
                (&long, "c"),
            ],
        );
        assert_eq!(single(&ctx, "aws:PrincipalTag/Tea"), None);
        assert_eq!(single(&ctx, ""), None);
    }

    #[test]
    fn derives_user_keys() {
        let ctx = derived(
            "arn:aws:iam::123456789012:user/team/alice",
            Some("123456789012"),
        );
        assert_singles(
            &ctx,
            &[
                ("aws:username", "alice"),
                ("aws:PrincipalType", "User"),
                ("aws:PrincipalAccount", "123456789012"),
                (
                    "aws:PrincipalArn",
                    "arn:aws:iam::123456789012:user/team/alice",
                ),
                ("aws:ResourceAccount", "123456789012"),
            ],
        );
    }

    #[test]
    fn role_sessions_have_the_role_arn_and_no_username() {
        let ctx = derived("arn:aws:sts::111122223333:assumed-role/ci/run-42", None);
        assert_singles(
            &ctx,
            &[
                ("aws:PrincipalArn", "arn:aws:iam::111122223333:role/ci"),
                ("aws:PrincipalType", "AssumedRole"),
            ],
        );
        assert!(!ctx.contains("aws:username"));
        assert!(
            !ctx.contains("aws:ResourceAccount"),
            "no account for resource *"
        );
    }

    #[test]
    fn given_keys_win_over_derived_ones() {
        let mut ctx = Context::new();
        ctx.insert("aws:username", ContextValue::Single("bob".into()));
        ctx.derive_from(
            caller("arn:aws:iam::123456789012:user/alice").context_keys(),
            Some("999999999999"),
        );
        assert_singles(
            &ctx,
            &[
                ("aws:username", "bob"),
                ("aws:ResourceAccount", "999999999999"),
            ],
        );
    }

    #[test]
    fn reads_json_objects() {
        let json = crate::syntax::json::parse(br#"{"aws:SourceIp":"10.0.0.1","aws:TagKeys":["a","b"],"aws:MultiFactorAuthAge":300,"aws:SecureTransport":true}"#).unwrap();
        let ctx = Context::from_json(&json).unwrap();
        assert_eq!(
            ctx.get("aws:TagKeys"),
            Some(&ContextValue::Multi(vec!["a".into(), "b".into()]))
        );
        assert_singles(
            &ctx,
            &[
                ("aws:sourceip", "10.0.0.1"),
                ("aws:MultiFactorAuthAge", "300"),
                ("aws:SecureTransport", "true"),
            ],
        );
        let bad = crate::syntax::json::parse(br#"{"k":{"a":1}}"#).unwrap();
        assert!(
            Context::from_json(&bad)
                .unwrap_err()
                .1
                .contains("context key `k`")
        );
        let twice = crate::syntax::json::parse(br#"{"k":"a","K":"b"}"#).unwrap();
        assert!(
            Context::from_json(&twice)
                .unwrap_err()
                .1
                .contains("given twice")
        );
    }

    #[test]
    fn root_and_service_principals() {
        let ctx = derived("arn:aws:iam::123456789012:root", None);
        assert_singles(&ctx, &[("aws:PrincipalType", "Account")]);
        assert!(!ctx.contains("aws:username"));
        let ctx = derived("codebuild.amazonaws.com", None);
        assert!(ctx.is_empty(), "no derived keys for a service principal");
    }
}
