//! Who a repository or registry policy lets in, read from the principal side: one [`Grant`] per
//! `Allow` statement and principal, and the [`Widening`]s a new version of the policy makes (new
//! access for `*`, for another account, or for every repository). Typed facts only: the CLI words
//! them (`explain --kind resource|registry`, `diff --kind resource|registry`).

use crate::model::policy::{Effect, Policy, PolicyKind, PrincipalValue, Statement};

/// Who a statement lets in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// `"Principal": "*"` or `{"AWS": "*"}`: every AWS account.
    Anyone,
    /// An account (`111122223333` or `arn:aws:iam::111122223333:root`): whoever that account's
    /// own policies allow.
    Account(String),
    /// A role, user or session of an account.
    Principal {
        /// The ARN as written.
        arn: String,
        /// Its account, if the ARN names one.
        account: Option<String>,
    },
    /// A service principal (`lambda.amazonaws.com`).
    Service(String),
    /// A federated or canonical-user principal, as written.
    Other(String),
}

impl Grantee {
    fn of(value: &PrincipalValue) -> Grantee {
        match value {
            PrincipalValue::Anyone => Grantee::Anyone,
            PrincipalValue::Aws(text) if text == "*" => Grantee::Anyone,
            PrincipalValue::Aws(text) => {
                if crate::model::arn::is_account_id(text) {
                    return Grantee::Account(text.clone());
                }
                let fields: Vec<&str> = text.splitn(6, ':').collect();
                match fields.as_slice() {
                    ["arn", _, "iam", _, account, "root"] => Grantee::Account(account.to_string()),
                    ["arn", _, _, _, account, _] => Grantee::Principal {
                        arn: text.clone(),
                        account: crate::model::arn::is_account_id(account)
                            .then(|| account.to_string()),
                    },
                    _ => Grantee::Principal {
                        arn: text.clone(),
                        account: None,
                    },
                }
            }
            PrincipalValue::Service(name) => Grantee::Service(name.clone()),
            PrincipalValue::Federated(text) | PrincipalValue::CanonicalUser(text) => {
                Grantee::Other(text.clone())
            }
        }
    }

    /// The account the grantee belongs to, if it names one.
    pub(crate) fn account(&self) -> Option<&str> {
        match self {
            Grantee::Account(account) => Some(account),
            Grantee::Principal { account, .. } => account.as_deref(),
            _ => None,
        }
    }
}

/// Which repositories a grant covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantScope {
    /// No `Resource`: the repository (or registry) that carries the policy.
    ThisResource,
    /// `Resource` covers every repository: `*`, or a `repository/*` pattern.
    AllRepositories,
    /// The `Resource` values as written.
    Listed(Vec<String>),
    /// `NotResource`: every repository but the listed ones.
    AllExcept(Vec<String>),
}

/// One grantee of one `Allow` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grant {
    /// Who.
    pub grantee: Grantee,
    /// The `Action` values as written (the excluded ones for `NotAction`).
    pub actions: Vec<String>,
    /// Whether the statement uses `NotAction`.
    pub not_action: bool,
    /// The workflows among `TASKS` whose repository actions the statement allows all of.
    pub tasks: Vec<&'static str>,
    /// On what.
    pub scope: GrantScope,
    /// The condition keys the grant depends on (empty: unconditional).
    pub condition_keys: Vec<String>,
    /// The statement's `Sid`, or `#index`.
    pub statement: String,
    /// The statement's line.
    pub line: u32,
}

/// The grants of a resource-based policy: every `Allow` statement with `Principal`, one grant per
/// principal value, in document order. `NotPrincipal` statements are left out (they let in
/// everyone but the listed principals, which [`Grantee`] cannot say), and so are `Deny`
/// statements.
pub fn grants(policy: &Policy) -> Vec<Grant> {
    let mut out = Vec::new();
    for statement in &policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        if statement.effect != Effect::Allow || principal.negated {
            continue;
        }
        for value in &principal.principals {
            out.push(Grant {
                grantee: Grantee::of(value),
                actions: statement
                    .action
                    .patterns
                    .iter()
                    .map(|p| p.text.clone())
                    .collect(),
                not_action: statement.action.negated,
                tasks: tasks(statement),
                scope: scope(statement),
                condition_keys: statement
                    .condition
                    .as_ref()
                    .map(|c| c.clauses.iter().map(|clause| clause.key.clone()).collect())
                    .unwrap_or_default(),
                statement: statement.label(),
                line: statement.pos.line,
            });
        }
    }
    out
}

/// The workflows a grant is described by, when it allows all their repository actions.
pub(crate) const TASKS: [&str; 4] = ["pull", "push", "delete", "replicate"];

fn tasks(statement: &Statement) -> Vec<&'static str> {
    let catalog = crate::data::catalog::Catalog::builtin();
    TASKS
        .iter()
        .copied()
        .filter(|name| {
            crate::tools::workflow::find(name).is_some_and(|w| {
                w.actions
                    .iter()
                    .filter(|a| !catalog.action(a).is_some_and(|i| i.is_account_level()))
                    .all(|a| statement.action.covers(&a.to_lowercase()))
            })
        })
        .collect()
}

fn scope(statement: &Statement) -> GrantScope {
    let Some(resource) = &statement.resource else {
        return GrantScope::ThisResource;
    };
    let texts: Vec<String> = resource
        .patterns
        .iter()
        .map(|p| p.text().to_string())
        .collect();
    if resource.negated {
        return GrantScope::AllExcept(texts);
    }
    let every = texts.iter().any(|t| {
        t == "*"
            || t.split(':').nth(5).is_some_and(|field| {
                field == "*" || field == "repository/*" || field.starts_with("*")
            })
    });
    if every {
        GrantScope::AllRepositories
    } else {
        GrantScope::Listed(texts)
    }
}

/// Access a new version of a policy opens that the old one did not give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Widening {
    /// A grant to `*` (every AWS account), in a statement the old version did not have.
    Public {
        /// The condition keys it depends on (empty: open to everyone).
        condition_keys: Vec<String>,
        /// The statement of the new version.
        statement: String,
    },
    /// An account no grant of the old version named.
    Account {
        /// The account.
        account: String,
        /// The statement of the new version.
        statement: String,
    },
    /// A grantee whose grants now cover every repository, and did not before.
    AllRepositories {
        /// Who.
        grantee: Grantee,
        /// The statement of the new version.
        statement: String,
    },
}

/// The widenings from `old` to `new` (both the same kind of resource-based policy), in the order
/// of the new version's statements; each account and grantee once.
pub fn widenings(old: &Policy, new: &Policy) -> Vec<Widening> {
    let (before, after) = (grants(old), grants(new));
    let mut out: Vec<Widening> = Vec::new();
    let public_before = |unconditional: bool| {
        before.iter().any(|g| {
            g.grantee == Grantee::Anyone && (!unconditional || g.condition_keys.is_empty())
        })
    };
    for grant in &after {
        if grant.grantee == Grantee::Anyone
            && !public_before(grant.condition_keys.is_empty())
            && !out.iter().any(|w| matches!(w, Widening::Public { .. }))
        {
            out.push(Widening::Public {
                condition_keys: grant.condition_keys.clone(),
                statement: grant.statement.clone(),
            });
        }
        if let Some(account) = grant.grantee.account()
            && !before.iter().any(|g| g.grantee.account() == Some(account))
            && !out
                .iter()
                .any(|w| matches!(w, Widening::Account { account: a, .. } if a == account))
        {
            out.push(Widening::Account {
                account: account.to_string(),
                statement: grant.statement.clone(),
            });
        }
        let every = |g: &Grant| {
            matches!(
                g.scope,
                GrantScope::AllRepositories | GrantScope::AllExcept(_)
            )
        };
        if new.kind == PolicyKind::Registry
            && every(grant)
            && before.iter().any(|g| g.grantee == grant.grantee)
            && !before.iter().any(|g| g.grantee == grant.grantee && every(g))
            && !out.iter().any(
                |w| matches!(w, Widening::AllRepositories { grantee, .. } if *grantee == grant.grantee),
            )
        {
            out.push(Widening::AllRepositories {
                grantee: grant.grantee.clone(),
                statement: grant.statement.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: PolicyKind, statements: &str) -> Policy {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        crate::parse::parse_policy("p.json", text.as_bytes(), kind).unwrap()
    }

    const PULL: &str = r#"["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]"#;

    #[test]
    fn grants_read_the_principal_side() {
        let policy = parse(
            PolicyKind::Resource,
            &format!(
                r#"{{"Sid":"Partner","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:role/ci"]}},"Action":{PULL}}},
                {{"Sid":"Lambda","Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com"}},"Action":{PULL},"Condition":{{"StringLike":{{"aws:sourceARN":"arn:aws:lambda:us-east-1:444455556666:function:*"}}}}}},
                {{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository"}}"#
            ),
        );
        let found = grants(&policy);
        let who: Vec<&Grantee> = found.iter().map(|g| &g.grantee).collect();
        assert_eq!(
            who,
            [
                &Grantee::Account("444455556666".into()),
                &Grantee::Principal {
                    arn: "arn:aws:iam::111122223333:role/ci".into(),
                    account: Some("111122223333".into())
                },
                &Grantee::Service("lambda.amazonaws.com".into()),
            ]
        );
        assert_eq!(found[0].scope, GrantScope::ThisResource);
        assert_eq!(found[2].condition_keys, ["aws:sourceARN"]);
        assert_eq!(found[0].tasks, ["pull"]);
        assert_eq!(
            found[0].actions,
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        );
    }

    #[test]
    fn widenings_name_public_new_accounts_and_all_repositories() {
        let old = parse(
            PolicyKind::Registry,
            r#"{"Sid":"Replicate","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:ReplicateImage","Resource":"arn:aws:ecr:us-west-2:444455556666:repository/prod-*"}"#,
        );
        let new = parse(
            PolicyKind::Registry,
            r#"{"Sid":"Replicate","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:ReplicateImage","Resource":"arn:aws:ecr:us-west-2:444455556666:repository/*"},
               {"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-west-2:444455556666:repository/*"},
               {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"777788889999"},"Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-west-2:444455556666:repository/app"}"#,
        );
        assert_eq!(
            widenings(&old, &new),
            [
                Widening::AllRepositories {
                    grantee: Grantee::Account("111122223333".into()),
                    statement: "Replicate".into()
                },
                Widening::Public {
                    condition_keys: vec![],
                    statement: "Everyone".into()
                },
                Widening::Account {
                    account: "777788889999".into(),
                    statement: "Partner".into()
                },
            ]
        );
        assert!(widenings(&new, &new).is_empty());
        assert!(widenings(&new, &old).is_empty());
    }
}
