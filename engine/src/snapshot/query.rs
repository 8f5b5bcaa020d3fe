//! Questions over a whole snapshot: who can do a workflow (or actions) on a repository, and what
//! a principal can do on every repository. Each principal's policies are assembled once per
//! repository and every action is decided on them.

use std::collections::BTreeSet;

use crate::eval::authorize::{Decision, PolicySet, Reason, authorize};
use crate::model::policy::{Policy, PolicyKind, PrincipalValue};
use crate::request::Request;
use crate::snapshot::{CallerSets, Identity, Snapshot, SnapshotError};

/// Who a row of an answer is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subject {
    /// A user or role of the snapshot.
    Identity {
        /// Its ARN.
        arn: String,
        /// `role/ci-push`.
        name: String,
    },
    /// An account outside the snapshot that a repository or registry policy names: evaluated as
    /// its root user with its own identity-side policies unknown (assumed to allow), so an Allow
    /// means the resource side allows it.
    ExternalAccount {
        /// The account id.
        account: String,
    },
    /// A principal outside the snapshot that a repository or registry policy names by ARN (a
    /// role or user of another account): its identity-side policies are unknown (assumed to
    /// allow).
    ExternalPrincipal {
        /// Its ARN.
        arn: String,
    },
    /// An AWS service principal a repository or registry policy names.
    Service {
        /// `codebuild.amazonaws.com`.
        name: String,
    },
}

impl Subject {
    /// The identity-side policy that stands in for a principal outside the snapshot
    /// ([`UNKNOWN_IDENTITY`]: allows everything, so the resource side decides), named for the
    /// explanation.
    pub(crate) fn stand_in_policy(&self) -> Result<crate::model::policy::Policy, SnapshotError> {
        crate::parse::parse_policy(
            &format!(
                "{}: identity-side policies not in the snapshot (assumed to allow)",
                self.name()
            ),
            UNKNOWN_IDENTITY.as_bytes(),
            PolicyKind::Identity,
        )
        .map_err(|e| SnapshotError {
            message: e.to_string(),
        })
    }

    /// The caller ARN (or service name) the requests are made with.
    pub fn principal(&self) -> String {
        match self {
            Subject::Identity { arn, .. } | Subject::ExternalPrincipal { arn } => arn.clone(),
            Subject::ExternalAccount { account } => format!("arn:aws:iam::{account}:root"),
            Subject::Service { name } => name.clone(),
        }
    }

    /// `role/ci-push`, `account 444455556666`, the ARN or the service.
    pub fn name(&self) -> String {
        match self {
            Subject::Identity { name, .. } => name.clone(),
            Subject::ExternalAccount { account } => format!("account {account}"),
            Subject::ExternalPrincipal { arn } => arn.clone(),
            Subject::Service { name } => name.clone(),
        }
    }

    /// `user`, `role`, `externalAccount`, `externalPrincipal` or `service`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Identity { arn, .. } if arn.contains(":user/") => "user",
            Subject::Identity { .. } => "role",
            Subject::ExternalAccount { .. } => "externalAccount",
            Subject::ExternalPrincipal { .. } => "externalPrincipal",
            Subject::Service { .. } => "service",
        }
    }

    /// Whether the subject's own identity-side policies are outside the snapshot.
    pub fn is_external(&self) -> bool {
        matches!(
            self,
            Subject::ExternalAccount { .. } | Subject::ExternalPrincipal { .. }
        )
    }
}

/// A statement that decided, by its policy's name and its label (Sid or `#index`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deciding {
    /// The policy's name (`role ci-push: inline push`).
    pub policy: String,
    /// The statement's Sid, or `#index`.
    pub statement: String,
}

/// The decision of one action.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ActionResult {
    /// The action, canonical spelling.
    pub action: String,
    /// The resource evaluated (`*` for account-level actions).
    pub resource: String,
    /// The decision.
    pub decision: Decision,
    /// Why, in the words of AWS's messages.
    pub reason: Reason,
    /// The deciding statements.
    pub deciding: Vec<Deciding>,
}

/// One principal on one resource.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Answer {
    // INVARIANT: `decision` combines `results` (Allow when every action is allowed; else
    // ExplicitDeny if any is, else ImplicitDeny): the fields are read through the methods.
    pub(crate) subject: Subject,
    pub(crate) resource: String,
    pub(crate) decision: Decision,
    pub(crate) results: Vec<ActionResult>,
}

impl Answer {
    /// Who.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The repository ARN (or `*` when only account-level actions were asked).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// Allow when every action is allowed; else ExplicitDeny if any is, else ImplicitDeny.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// One result per action.
    pub fn results(&self) -> &[ActionResult] {
        &self.results
    }
}

/// The identity-side stand-in for a principal outside the snapshot: allows everything, so the
/// decision is the resource side's.
const UNKNOWN_IDENTITY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The workflow verdict over several decisions.
pub(crate) fn verdict(decisions: impl IntoIterator<Item = Decision>) -> Decision {
    let mut out = Decision::Allow;
    for d in decisions {
        match d {
            Decision::ExplicitDeny => return Decision::ExplicitDeny,
            Decision::ImplicitDeny => out = Decision::ImplicitDeny,
            Decision::Allow => {}
        }
    }
    out
}

/// Every principal the snapshot has, then every principal outside it that the resource's own
/// policies name: a repository's policy and its registry's, or a role's trust policy.
pub(crate) fn subjects(
    snapshot: &Snapshot,
    resource: Option<&str>,
) -> Result<Vec<Subject>, SnapshotError> {
    let mut out: Vec<Subject> = snapshot
        .identities()
        .map(|i| Subject::Identity {
            arn: i.arn.clone(),
            name: i.short_name(),
        })
        .collect();
    let Some(resource) = resource else {
        return Ok(out);
    };
    let assembly = snapshot.assemble(None, None, Some(resource))?;
    let own = assembly.set.policies().iter().filter(|(role, _)| {
        matches!(
            role,
            crate::eval::authorize::PolicyRole::Resource
                | crate::eval::authorize::PolicyRole::Registry(_)
        )
    });
    let mut seen = BTreeSet::new();
    for (_, policy) in own {
        for value in named_principals(policy) {
            let subject = match value {
                PrincipalValue::Service(name) => Subject::Service { name: name.clone() },
                PrincipalValue::Aws(text) => {
                    let account = if crate::model::arn::is_account_id(text) {
                        text.as_str()
                    } else {
                        text.split(':').nth(4).unwrap_or("")
                    };
                    if snapshot.accounts.get(account).is_some_and(|a| a.has_iam)
                        || !crate::model::arn::is_account_id(account)
                    {
                        continue;
                    }
                    if crate::model::arn::is_account_id(text) || text.ends_with(":root") {
                        Subject::ExternalAccount {
                            account: account.to_string(),
                        }
                    } else {
                        Subject::ExternalPrincipal { arn: text.clone() }
                    }
                }
                _ => continue,
            };
            if seen.insert(subject.principal()) {
                out.push(subject);
            }
        }
    }
    Ok(out)
}

fn named_principals(policy: &Policy) -> impl Iterator<Item = &PrincipalValue> {
    policy
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .filter(|p| !p.negated)
        .flat_map(|p| &p.principals)
}

/// The identity of a subject, if it is one of the snapshot's.
fn identity_of<'a>(snapshot: &'a Snapshot, subject: &Subject) -> Option<&'a Identity> {
    match subject {
        Subject::Identity { arn, .. } => snapshot.identity(arn),
        _ => None,
    }
}

/// How requests are made.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// The instant (`aws:CurrentTime`), in seconds since the epoch; default: now.
    pub at: Option<i64>,
    /// The Region every request is sent to (`aws:RequestedRegion`), also the account-level
    /// actions' (`docker login` asks the registry's Region); default: the repository's.
    pub region: Option<String>,
}

/// Decides `actions` for `subject` on `resource` (a repository ARN of the snapshot, or `None`
/// when every action is account-level).
pub fn decide(
    snapshot: &Snapshot,
    subject: &Subject,
    actions: &[&str],
    resource: Option<&str>,
    options: Options,
) -> Result<Answer, SnapshotError> {
    let identity = identity_of(snapshot, subject);
    let caller_account = caller_account(subject, identity);
    let mut sets = CallerSets::new(snapshot, identity, caller_account.as_deref());
    decide_with(&mut sets, subject, actions, resource, &options)
}

/// The account a subject calls from, when it has one.
pub(crate) fn caller_account(subject: &Subject, identity: Option<&Identity>) -> Option<String> {
    match subject {
        Subject::Identity { .. } => identity.map(|i| i.account.clone()),
        Subject::ExternalAccount { account } => Some(account.clone()),
        Subject::ExternalPrincipal { arn } => arn.split(':').nth(4).map(str::to_string),
        Subject::Service { .. } => None,
    }
}

/// [`decide`] with the subject's compiled sets, reused across resources.
pub(crate) fn decide_with(
    sets: &mut CallerSets<'_>,
    subject: &Subject,
    actions: &[&str],
    resource: Option<&str>,
    options: &Options,
) -> Result<Answer, SnapshotError> {
    let snapshot = sets.snapshot();
    let mut assembly = sets.assembly(resource)?;
    if subject.is_external() {
        let stand_in = subject.stand_in_policy()?;
        let mut set = PolicySet::new();
        set.add(stand_in)
            .map_err(|e| SnapshotError { message: e.message })?;
        for (role, policy) in assembly.set.policies() {
            set.add_as(*role, policy.clone())
                .map_err(|e| SnapshotError { message: e.message })?;
        }
        assembly.set = std::sync::Arc::new(set);
    }
    let principal = subject.principal();
    let requests =
        crate::tools::workflow::requests(actions, resource, Some(&principal)).map_err(|e| {
            SnapshotError {
                message: e.to_string(),
            }
        })?;
    let mut results = Vec::new();
    let region = options.region.clone().or_else(|| {
        resource
            .and_then(|r| snapshot.repository(r))
            .map(|r| r.region.clone())
    });
    for request in requests {
        let mut request: Request = match options.at {
            Some(at) => request.with_time(at),
            None => request,
        };
        if let Some(region) = &region {
            request = request
                .with_region(region)
                .map_err(|e| SnapshotError { message: e.message })?;
        }
        let request = assembly.prepare(request);
        let response = authorize(&assembly.set, &request);
        let deciding = response
            .deciding
            .iter()
            .filter_map(|at| assembly.set.statement(*at))
            .map(|(_, policy, statement)| Deciding {
                policy: policy.source.name.clone(),
                statement: statement.label(),
            })
            .collect();
        results.push(ActionResult {
            action: request.action().to_string(),
            resource: request.resource().to_string(),
            decision: response.decision,
            reason: response.reason,
            deciding,
        });
    }
    Ok(Answer {
        subject: subject.clone(),
        resource: resource.unwrap_or("*").to_string(),
        decision: verdict(results.iter().map(|r| r.decision)),
        results,
    })
}

/// Who can do `actions` on `resource` (a repository, a role for `sts:AssumeRole`, or another
/// ARN): one answer per principal of the snapshot and per principal outside it that the
/// resource's own policies name, allowed or not.
pub fn who_can(
    snapshot: &Snapshot,
    resource: &str,
    actions: &[&str],
    options: Options,
) -> Result<Vec<Answer>, SnapshotError> {
    subjects(snapshot, Some(resource))?
        .iter()
        .map(|s| decide(snapshot, s, actions, Some(resource), options.clone()))
        .collect()
}

/// What `identity` can do: one answer per repository of the snapshot (one on `*` when the
/// snapshot has no repository). The principal's policy sets are compiled once per distinct
/// resource side (`CallerSets`).
pub fn can_what(
    snapshot: &Snapshot,
    identity: &Identity,
    actions: &[&str],
    options: Options,
) -> Result<Vec<Answer>, SnapshotError> {
    let subject = Subject::Identity {
        arn: identity.arn.clone(),
        name: identity.short_name(),
    };
    let mut sets = CallerSets::new(snapshot, Some(identity), Some(&identity.account));
    // Account-level actions (docker login) are decided on `*` in each repository's Region, so
    // a login is listed per repository; without repositories, once on `*`.
    if snapshot.repositories().next().is_none() {
        return Ok(vec![decide_with(
            &mut sets, &subject, actions, None, &options,
        )?]);
    }
    snapshot
        .repositories()
        .map(|r| decide_with(&mut sets, &subject, actions, Some(&r.arn), &options))
        .collect()
}
