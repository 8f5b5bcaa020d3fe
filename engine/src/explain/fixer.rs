//! Minimal, verified fixes to an identity-based policy document.
//!
//! Given a document and the requests it should allow, [`fix_identity_policy`] edits the JSON
//! (keeping the user's statements, order and Sids): an account-level action scoped to ARNs moves
//! to a statement with `"Resource": "*"`; a missing repository action joins a statement scoped to
//! exactly that repository, or a new one. Nothing is widened: a statement that also names other
//! resources is never extended. The result is re-evaluated — every request that only the
//! identity side blocked must now be allowed, and a sibling resource must be decided exactly as
//! before — or no fix is given. What only another policy can unblock (an explicit deny, an SCP,
//! a repository policy across accounts) is reported with the statement that policy needs.

use std::fmt;

use crate::data::catalog::Catalog;
use crate::eval::authorize::Mismatch;
use crate::eval::authorize::{Decision, PolicyRole, PolicySet, Reason, authorize};
use crate::explain::{Advice, Explanation, Fix, explain};
use crate::model::policy::{PolicyKind, Source};
use crate::parse::mistake::element_strings;
use crate::parse::{PolicyError, policy_from_json};
use crate::request::Request;
use crate::syntax::json::{self, Json, Member, Value};

/// The fixed document and what changed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FixOutcome {
    /// The corrected document, pretty-printed (unchanged if nothing could be fixed in it).
    pub document: String,
    /// What was changed, in order.
    pub edits: Vec<Edit>,
    /// Requests still denied after the fix, with the statements other policies need.
    pub remaining: Vec<Remaining>,
}

/// One change made to the document (rendered for people by the caller).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Edit {
    /// A misspelt `Action` value (`wrong`, which names no action) corrected to `action`.
    CorrectedTypo {
        /// The statement's `Sid` (`None`: it has none).
        sid: Option<String>,
        /// The value as written.
        wrong: String,
        /// The action it now names.
        action: String,
    },
    /// A statement that granted only account-level actions on specific resources (which never
    /// matches) now has `"Resource": "*"`.
    ResourceMadeStar {
        /// The statement's `Sid`.
        sid: Option<String>,
    },
    /// Account-level actions removed from a statement scoped to ARNs, whose `Resource` they
    /// never match (they are evaluated on `*`).
    RemovedAccountLevel {
        /// The statement's `Sid`.
        sid: Option<String>,
        /// The actions removed.
        actions: Vec<String>,
    },
    /// Account-level actions added to an existing statement whose `Resource` is `*`.
    AddedOnStar {
        /// The statement's `Sid`.
        sid: Option<String>,
        /// The actions added.
        actions: Vec<String>,
    },
    /// A new statement granting account-level actions on `*`.
    NewStarStatement {
        /// The new statement's `Sid`.
        sid: String,
        /// The actions it grants.
        actions: Vec<String>,
    },
    /// Actions added to an existing statement scoped to exactly `resource`.
    AddedOnResource {
        /// The statement's `Sid`.
        sid: Option<String>,
        /// The actions added.
        actions: Vec<String>,
        /// The one resource the statement names.
        resource: String,
    },
    /// A new statement granting actions on `resource` only.
    NewResourceStatement {
        /// The new statement's `Sid`.
        sid: String,
        /// The actions it grants.
        actions: Vec<String>,
        /// The resource.
        resource: String,
    },
}

/// A request that the identity policy alone cannot unblock.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Remaining {
    /// The request.
    pub request: Request,
    /// Its explanation after the identity fix: the decision, why, and the fix (statements to
    /// add elsewhere, or a Deny to narrow).
    pub explanation: Explanation,
}

/// Why no fix could be produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FixError {
    /// The document is not a valid policy.
    Invalid(Box<PolicyError>),
    /// The edited document did not pass re-evaluation (a bug guard: never print an unverified fix).
    Unverified(String),
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixError::Invalid(e) => write!(f, "{}", e.render()),
            FixError::Unverified(why) => write!(f, "no verified fix: {why}"),
        }
    }
}

impl std::error::Error for FixError {}

/// The document `fix` starts from when the caller has no identity policy to correct: an empty
/// inline policy.
pub const EMPTY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

/// Fixes `text` (an identity policy named `name`) so that `requests` are allowed as far as an
/// identity policy can allow them. `others` holds every other policy of the caller and resource
/// (other identity policies, boundary, SCPs, resource policy…). With `text` = [`EMPTY_POLICY`],
/// the result is a new inline policy.
///
/// A request that an Allow of the caller's policies would grant but for its conditions is left
/// denied (see [`crate::explain::Advice::ConditionBlocks`]): a fix never steps around a guard.
pub fn fix_identity_policy(
    name: &str,
    text: &str,
    others: &PolicySet,
    requests: &[Request],
) -> Result<FixOutcome, FixError> {
    let source = |text: &str| {
        std::sync::Arc::new(Source {
            name: name.to_string(),
            text: text.into(),
        })
    };
    let invalid = |e: PolicyError| FixError::Invalid(Box::new(e));
    let mut doc =
        json::parse_str(text).map_err(|e| invalid(PolicyError::from_json(source(text), e)))?;
    let with = |policy| -> Result<PolicySet, FixError> {
        let mut set = others.clone();
        set.add_as(PolicyRole::Identity, policy)
            .map_err(|e| FixError::Unverified(e.to_string()))?;
        Ok(set)
    };
    // An empty new policy is not a valid document yet: evaluate without it.
    let before_set = if text == EMPTY_POLICY {
        others.clone()
    } else {
        with(policy_from_json(source(text), &doc, PolicyKind::Identity).map_err(invalid)?)?
    };
    let target = others.policies().len();

    let mut account_level = Vec::new();
    let mut by_resource: Vec<(String, Vec<String>)> = Vec::new();
    let mut to_fix = Vec::new();
    let mut edits = Vec::new();
    for request in requests {
        let response = authorize(&before_set, request);
        if response.decision != Decision::ImplicitDeny
            || response.reason != Reason::NoIdentityAllows
        {
            continue;
        }
        let why = explain(&before_set, request);
        if matches!(
            why.fix,
            Some(Fix {
                advice: Advice::ConditionBlocks { .. },
                ..
            })
        ) {
            // A condition the user wrote holds it back: reported as remaining, never granted.
            continue;
        }
        to_fix.push(request);
        if correct_typo(&mut doc, &why, target, request, &mut edits) {
            continue;
        }
        if request.is_account_level() {
            push_unique(&mut account_level, request.action());
        } else {
            match by_resource
                .iter_mut()
                .find(|(r, _)| r == request.resource())
            {
                Some((_, actions)) => push_unique(actions, request.action()),
                None => by_resource.push((
                    request.resource().to_string(),
                    vec![request.action().to_string()],
                )),
            }
        }
    }

    if !account_level.is_empty() {
        grant_account_level(&mut doc, &account_level, &mut edits);
    }
    for (resource, actions) in &by_resource {
        grant_on_resource(&mut doc, resource, actions, &mut edits);
    }

    let document = doc.to_pretty_string();
    let after_set = if text == EMPTY_POLICY && edits.is_empty() {
        before_set.clone()
    } else {
        let fixed = policy_from_json(
            source(&document),
            &json::parse_str(&document).map_err(|e| FixError::Unverified(e.to_string()))?,
            PolicyKind::Identity,
        )
        .map_err(|e| FixError::Unverified(format!("the edited document is invalid: {e}")))?;
        with(fixed)?
    };
    verify(&before_set, &after_set, &to_fix)?;

    let remaining = requests
        .iter()
        .filter_map(|request| {
            let explanation = explain(&after_set, request);
            (explanation.response.decision != Decision::Allow).then(|| Remaining {
                request: request.clone(),
                explanation,
            })
        })
        .collect();
    Ok(FixOutcome {
        document,
        edits,
        remaining,
    })
}

/// Every request the identity side blocked is now allowed (or blocked only elsewhere), no
/// request lost access, and a sibling resource is decided as before: nothing was widened.
fn verify(before: &PolicySet, after: &PolicySet, requests: &[&Request]) -> Result<(), FixError> {
    for request in requests {
        let old = authorize(before, request);
        let new = authorize(after, request);
        if old.decision == Decision::Allow && new.decision != Decision::Allow {
            return Err(FixError::Unverified(format!(
                "`{}` would lose access",
                request.action()
            )));
        }
        if new.decision == Decision::ImplicitDeny && new.reason == Reason::NoIdentityAllows {
            return Err(FixError::Unverified(format!(
                "`{}` on `{}` is still not allowed by the identity policy",
                request.action(),
                request.resource()
            )));
        }
        if let Some(sibling) = sibling_request(request) {
            let (old, new) = (authorize(before, &sibling), authorize(after, &sibling));
            if old.decision != new.decision {
                return Err(FixError::Unverified(format!(
                    "the fix would change the decision on `{}`",
                    sibling.resource()
                )));
            }
        }
    }
    Ok(())
}

/// The same request on another resource of the same type (the name with `-ecrsim-other`).
fn sibling_request(request: &Request) -> Option<Request> {
    if request.is_account_level() {
        return None;
    }
    let other = format!("{}-ecrsim-other", request.resource());
    Request::new(request.action(), &other, request.principal())
        .ok()
        .map(|r| r.with_context(request.context().clone()))
}

/// Corrects a misspelt action in place: a statement of the target policy (policy `target` of
/// the explained set) that would allow the request but for one `Action` value that names no
/// action and is a plausible typo of it (`ecr:PutImages` for `ecr:PutImage`). Correcting the
/// value restores what the statement was written to grant, on the resources it names, under
/// the conditions it has; adding a statement beside the typo would leave the typo in place.
fn correct_typo(
    doc: &mut Json,
    why: &Explanation,
    target: usize,
    request: &Request,
    edits: &mut Vec<Edit>,
) -> bool {
    let catalog = Catalog::builtin();
    let typo = why
        .statements
        .iter()
        .find_map(|t| match t.mismatches.as_slice() {
            [
                Mismatch::ActionNotListed {
                    closest: Some(closest),
                    ..
                },
            ] if t.at.policy == target
                && t.role == PolicyRole::Identity
                && catalog.action(closest).is_none()
                && !closest.contains(['*', '?']) =>
            {
                Some((t.at.statement, closest.clone()))
            }
            _ => None,
        });
    let Some((index, wrong)) = typo else {
        return false;
    };
    let Some(statement) = statements(doc).and_then(|items| items.get_mut(index)) else {
        return false;
    };
    let Some(action) = statement.get_mut("Action") else {
        return false;
    };
    match &mut action.value {
        Value::String(s) if *s == wrong => *s = request.action().to_string(),
        Value::Array(items) => {
            for item in items.iter_mut() {
                if item.value == Value::String(wrong.clone()) {
                    item.value = Value::String(request.action().to_string());
                }
            }
        }
        _ => return false,
    }
    edits.push(Edit::CorrectedTypo {
        sid: sid_of(statement),
        wrong,
        action: request.action().to_string(),
    });
    true
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v.eq_ignore_ascii_case(value)) {
        list.push(value.to_string());
    }
}

fn string(s: &str) -> Json {
    Json::new(Value::String(s.to_string()))
}

fn member(key: &str, value: Json) -> Member {
    Member {
        key: key.to_string(),
        key_pos: json::Pos::default(),
        value,
    }
}

/// The statements of a document as a mutable list (a single statement object becomes a list).
fn statements(doc: &mut Json) -> Option<&mut Vec<Json>> {
    let statement = doc.get_mut("Statement")?;
    if let Value::Object(_) = statement.value {
        let single = std::mem::replace(statement, Json::new(Value::Null));
        *statement = Json::new(Value::Array(vec![single]));
    }
    match &mut statement.value {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

/// The string values of an element (`"x"` or `["x", "y"]`), owned so the document can be edited.
fn values(element: Option<&Json>) -> Vec<String> {
    element_strings(element)
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn is_plain_allow(statement: &Json) -> bool {
    statement
        .get("Effect")
        .is_some_and(|m| m.value.value == Value::String("Allow".into()))
        && statement.get("Action").is_some()
        && statement.get("Condition").is_none()
}

/// Appends actions to a statement's `Action`, turning a string into a list.
fn add_actions(statement: &mut Json, actions: &[String]) {
    let Some(action) = statement.get_mut("Action") else {
        return;
    };
    let mut list = values(Some(action));
    for a in actions {
        push_unique(&mut list, a);
    }
    *action = Json::new(Value::Array(list.iter().map(|a| string(a)).collect()));
}

/// A statement's `Sid`, if it has one.
fn sid_of(statement: &Json) -> Option<String> {
    match statement.get("Sid").map(|m| &m.value.value) {
        Some(Value::String(sid)) => Some(sid.clone()),
        _ => None,
    }
}

fn unique_sid(items: &[Json], wanted: &str) -> String {
    let taken: Vec<String> = items
        .iter()
        .flat_map(|s| values(s.get("Sid").map(|m| &m.value)))
        .collect();
    (1..)
        .map(|n| {
            if n == 1 {
                wanted.to_string()
            } else {
                format!("{wanted}{n}")
            }
        })
        .find(|sid| !taken.contains(sid))
        .unwrap_or_else(|| wanted.to_string())
}

/// Moves account-level actions out of statements scoped to ARNs, and grants them on `*`.
fn grant_account_level(doc: &mut Json, actions: &[String], edits: &mut Vec<Edit>) {
    let Some(items) = statements(doc) else { return };
    let catalog = Catalog::builtin();
    let is_account_level = |a: &str| catalog.action(a).is_some_and(|i| i.is_account_level());
    // Statements that list the action but scope it to ARNs: the motivating mistake.
    let mut emptied = Vec::new();
    for (i, statement) in items.iter_mut().enumerate() {
        let resources = values(statement.get("Resource").map(|m| &m.value));
        if !is_plain_allow(statement) || resources.iter().any(|r| r == "*") || resources.is_empty()
        {
            continue;
        }
        let listed = values(statement.get("Action").map(|m| &m.value));
        let (moved, kept): (Vec<String>, Vec<String>) = listed.into_iter().partition(|a| {
            actions.iter().any(|x| x.eq_ignore_ascii_case(a)) && is_account_level(a)
        });
        if moved.is_empty() {
            continue;
        }
        if kept.is_empty() {
            emptied.push(i);
            edits.push(Edit::ResourceMadeStar {
                sid: sid_of(statement),
            });
            if let Some(resource) = statement.get_mut("Resource") {
                *resource = string("*");
            }
            continue;
        }
        if let Some(action) = statement.get_mut("Action") {
            *action = Json::new(Value::Array(kept.iter().map(|a| string(a)).collect()));
        }
        edits.push(Edit::RemovedAccountLevel {
            sid: sid_of(statement),
            actions: moved,
        });
    }
    // Statements made `*`-scoped above already grant what they list.
    let granted: Vec<String> = emptied
        .iter()
        .filter_map(|&i| items.get(i))
        .flat_map(|s| values(s.get("Action").map(|m| &m.value)))
        .collect();
    let missing: Vec<String> = actions
        .iter()
        .filter(|a| !granted.iter().any(|g| g.eq_ignore_ascii_case(a)))
        .cloned()
        .collect();
    if missing.is_empty() {
        return;
    }
    let star = items.iter_mut().find(|s| {
        is_plain_allow(s)
            && values(s.get("Resource").map(|m| &m.value)) == ["*"]
            && s.get("NotAction").is_none()
    });
    match star {
        Some(statement) => {
            add_actions(statement, &missing);
            edits.push(Edit::AddedOnStar {
                sid: sid_of(statement),
                actions: missing,
            });
        }
        None => {
            let sid = unique_sid(items, "AllowAccountLevelActions");
            items.push(new_statement(&sid, &missing, "*"));
            edits.push(Edit::NewStarStatement {
                sid,
                actions: missing,
            });
        }
    }
}

/// Grants actions on one resource: joins a statement scoped to exactly that resource, or adds one.
fn grant_on_resource(doc: &mut Json, resource: &str, actions: &[String], edits: &mut Vec<Edit>) {
    let Some(items) = statements(doc) else { return };
    let exact = items.iter_mut().find(|s| {
        is_plain_allow(s)
            && s.get("NotAction").is_none()
            && values(s.get("Resource").map(|m| &m.value)) == [resource]
    });
    match exact {
        Some(statement) => {
            add_actions(statement, actions);
            edits.push(Edit::AddedOnResource {
                sid: sid_of(statement),
                actions: actions.to_vec(),
                resource: resource.to_string(),
            });
        }
        None => {
            let sid = unique_sid(items, "AllowRepositoryAccess");
            items.push(new_statement(&sid, actions, resource));
            edits.push(Edit::NewResourceStatement {
                sid,
                actions: actions.to_vec(),
                resource: resource.to_string(),
            });
        }
    }
}

fn new_statement(sid: &str, actions: &[String], resource: &str) -> Json {
    let action = if let [one] = actions {
        string(one)
    } else {
        Json::new(Value::Array(actions.iter().map(|a| string(a)).collect()))
    };
    Json::new(Value::Object(vec![
        member("Sid", string(sid)),
        member("Effect", string("Allow")),
        member("Action", action),
        member("Resource", string(resource)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::workflow;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo";
    const TWELVE: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "RepoAccess",
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage"
            ],
            "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"
        }
    ]
}"#;

    fn allowed(document: &str, request: &Request) -> bool {
        let mut set = PolicySet::new();
        set.add(
            crate::parse::parse_policy("fixed.json", document.as_bytes(), PolicyKind::Identity)
                .unwrap(),
        )
        .unwrap();
        authorize(&set, request).decision == Decision::Allow
    }

    /// [`allowed`] for `action` on `resource`, with no caller.
    fn allows(document: &str, action: &str, resource: &str) -> bool {
        allowed(document, &Request::new(action, resource, None).unwrap())
    }

    #[test]
    fn motivating_policy_gets_a_separate_star_statement() {
        let requests =
            workflow::requests(workflow::find("push").unwrap().actions, Some(REPO), None).unwrap();
        let outcome = fix_identity_policy("p.json", TWELVE, &PolicySet::new(), &requests).unwrap();
        for r in &requests {
            assert!(
                allowed(&outcome.document, r),
                "{} not allowed:\n{}",
                r.action(),
                outcome.document
            );
        }
        assert!(outcome.remaining.is_empty());
        let fixed = json::parse_str(&outcome.document).unwrap();
        let Value::Array(items) = &fixed.get("Statement").unwrap().value.value else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(
            values(items[0].get("Sid").map(|m| &m.value)),
            ["RepoAccess"]
        );
        assert!(
            !values(items[0].get("Action").map(|m| &m.value))
                .contains(&"ecr:GetAuthorizationToken".to_string())
        );
        assert_eq!(
            items[1].to_json_string(),
            r#"{"Sid":"AllowAccountLevelActions","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#
        );
        assert!(
            !allows(
                &outcome.document,
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/other"
            ),
            "other repositories stay denied"
        );
        assert_eq!(
            outcome.edits,
            [
                Edit::RemovedAccountLevel {
                    sid: Some("RepoAccess".into()),
                    actions: vec!["ecr:GetAuthorizationToken".into()],
                },
                Edit::NewStarStatement {
                    sid: "AllowAccountLevelActions".into(),
                    actions: vec!["ecr:GetAuthorizationToken".into()],
                },
            ]
        );
    }

    #[test]
    fn missing_repository_actions_never_widen_a_shared_statement() {
        let policy = r#"{"Version":"2012-10-17","Statement":{"Sid":"Two","Effect":"Allow","Action":"ecr:BatchGetImage","Resource":["arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo","arn:aws:ecr:us-east-1:123456789012:repository/b"]}}"#;
        let requests = vec![Request::new("ecr:PutImage", REPO, None).unwrap()];
        let outcome = fix_identity_policy("p.json", policy, &PolicySet::new(), &requests).unwrap();
        assert!(allowed(&outcome.document, &requests[0]));
        assert!(
            !allows(
                &outcome.document,
                "ecr:PutImage",
                "arn:aws:ecr:us-east-1:123456789012:repository/b"
            ),
            "repository b must not gain PutImage"
        );
        assert_eq!(
            outcome.edits,
            [Edit::NewResourceStatement {
                sid: "AllowRepositoryAccess".into(),
                actions: vec!["ecr:PutImage".into()],
                resource: REPO.into(),
            }]
        );
    }

    #[test]
    fn joins_a_statement_scoped_to_exactly_the_repository() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Repo","Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;
        let requests = vec![Request::new("ecr:PutImage", REPO, None).unwrap()];
        let outcome = fix_identity_policy("p.json", policy, &PolicySet::new(), &requests).unwrap();
        assert!(
            outcome
                .document
                .contains("\"ecr:BatchGetImage\",\n                \"ecr:PutImage\""),
            "{}",
            outcome.document
        );
    }

    #[test]
    fn explicit_denies_elsewhere_are_reported_not_fixed() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
        let mut others = PolicySet::new();
        let scp = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoPush","Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}"#;
        others
            .add(crate::parse::parse_policy("scp.json", scp.as_bytes(), PolicyKind::Scp).unwrap())
            .unwrap();
        let requests = vec![Request::new("ecr:PutImage", REPO, None).unwrap()];
        let outcome = fix_identity_policy("p.json", policy, &others, &requests).unwrap();
        assert!(outcome.edits.is_empty());
        assert_eq!(outcome.remaining.len(), 1);
        let why = &outcome.remaining[0].explanation;
        assert_eq!(why.response.decision, Decision::ExplicitDeny);
        let Some(crate::explain::Fix {
            advice: crate::explain::Advice::NarrowDeny { statements },
            ..
        }) = &why.fix
        else {
            panic!("an explicit deny is fixed by narrowing it: {:?}", why.fix);
        };
        let sids: Vec<_> = statements
            .iter()
            .filter_map(|at| why.statements.iter().find(|t| t.at == *at))
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(sids, ["NoPush"]);
    }

    fn with_context(request: Request, pairs: &[(&str, &str)]) -> Request {
        let mut context = crate::model::context::Context::new();
        for (k, v) in pairs {
            context.push(k, v.to_string());
        }
        request.with_context(context)
    }

    #[test]
    fn a_blocking_ip_condition_is_kept_and_nothing_outside_the_range_is_allowed() {
        const GUARDED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OfficeOnly","Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:PutImage"],"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
        let outside = |action: &str, resource: &str, ip: &str| {
            with_context(
                Request::new(action, resource, None).unwrap(),
                &[("aws:SourceIp", ip)],
            )
        };
        let requests = [
            outside("ecr:GetAuthorizationToken", "*", "192.0.2.1"),
            outside("ecr:PutImage", REPO, "192.0.2.1"),
        ];
        let outcome = fix_identity_policy("p.json", GUARDED, &PolicySet::new(), &requests).unwrap();
        assert!(outcome.edits.is_empty(), "{:?}", outcome.edits);
        assert_eq!(outcome.remaining.len(), 2, "both stay denied");
        for remaining in &outcome.remaining {
            assert!(matches!(
                remaining.explanation.fix,
                Some(Fix {
                    advice: Advice::ConditionBlocks { .. },
                    ..
                })
            ));
        }
        // Whatever document comes out, no address outside 10.0.0.0/8 is allowed; inside is.
        for ip in ["192.0.2.1", "11.0.0.1", "203.0.113.9"] {
            for action in ["ecr:GetAuthorizationToken", "ecr:PutImage"] {
                let resource = if action == "ecr:PutImage" { REPO } else { "*" };
                assert!(
                    !allowed(&outcome.document, &outside(action, resource, ip)),
                    "{action} from {ip}"
                );
            }
        }
        assert!(allowed(
            &outcome.document,
            &outside("ecr:PutImage", REPO, "10.1.2.3")
        ));
    }

    #[test]
    fn a_misspelt_action_is_corrected_in_place() {
        const TYPO: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Push","Effect":"Allow","Action":["ecr:PutImages","ecr:InitiateLayerUpload"],"Resource":"arn:aws:ecr:us-east-1:123456789012:repository/my-app-repo"}]}"#;
        let put = Request::new("ecr:PutImage", REPO, None).unwrap();
        let outcome = fix_identity_policy(
            "p.json",
            TYPO,
            &PolicySet::new(),
            std::slice::from_ref(&put),
        )
        .unwrap();
        assert!(allowed(&outcome.document, &put));
        let fixed = json::parse_str(&outcome.document).unwrap();
        let Value::Array(items) = &fixed.get("Statement").unwrap().value.value else {
            panic!()
        };
        assert_eq!(items.len(), 1, "no statement added beside the typo");
        assert_eq!(
            values(items[0].get("Action").map(|m| &m.value)),
            ["ecr:PutImage", "ecr:InitiateLayerUpload"]
        );
        assert_eq!(
            outcome.edits,
            [Edit::CorrectedTypo {
                sid: Some("Push".into()),
                wrong: "ecr:PutImages".into(),
                action: "ecr:PutImage".into(),
            }]
        );
    }

    #[test]
    fn without_a_policy_the_fix_is_a_new_inline_policy() {
        let requests =
            workflow::requests(workflow::find("pull").unwrap().actions, Some(REPO), None).unwrap();
        let outcome =
            fix_identity_policy("new", EMPTY_POLICY, &PolicySet::new(), &requests).unwrap();
        for r in &requests {
            assert!(allowed(&outcome.document, r), "{}", r.action());
        }
        assert!(!allows(
            &outcome.document,
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:123456789012:repository/other"
        ));
    }
}
