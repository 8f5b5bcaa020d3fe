//! The access matrix of a snapshot: principals × repositories × questions (workflows or
//! actions). Each principal's policies (identity-based, boundary, the SCP levels of its account)
//! are compiled once, each repository's (repository and registry policy, the RCP levels of its
//! account) once, and every cell joins the two ([`crate::eval::authorize::Joined`]) instead of
//! assembling and indexing a set per pair. Rows are computed on `jobs` threads and handed over
//! in order, so a caller can stream them: memory grows with the snapshot, not with the matrix.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::eval::authorize::{Joined, PolicyRole, PolicySet, StatementRef};
use crate::model::context::{Context, ContextValue};
use crate::request::Request;
use crate::snapshot::query::{ActionResult, Answer, Deciding, Options, Subject, verdict};
use crate::snapshot::{Identity, Repository, Snapshot, SnapshotError};

/// One question: a name (`push`, or the action) and its actions, decided together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// `push` or `ecr:PutImage`.
    pub name: String,
    /// The actions, canonical spelling.
    pub actions: Vec<String>,
}

/// What an account-level request of one row depends on besides the row's principal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct MemoKey {
    action: String,
    region: String,
    /// The repository's tags, as context keys (a request on `*` is given them too, as by
    /// [`crate::snapshot::Snapshot::assemble`]).
    tags: Vec<(String, String)>,
    /// Whether the repository has a policy (the reason of a denial may say so).
    resource_policy: bool,
}

type Memo = std::collections::HashMap<MemoKey, ActionResult>;

/// The caller side of a row, compiled once.
#[derive(Debug)]
struct SubjectSide {
    subject: Subject,
    /// Identity-based policies and boundary (or the stand-in of an outside principal).
    identity: PolicySet,
    /// The SCP levels of the caller's account.
    scps: PolicySet,
    /// `aws:PrincipalTag/…`.
    tags: Vec<(String, String)>,
}

/// The resource side of a column, compiled once.
#[derive(Debug)]
struct RepositorySide<'s> {
    repository: &'s Repository,
    /// The repository policy, then the registry policy.
    resource: PolicySet,
    /// The RCP levels of the repository's account.
    rcps: PolicySet,
    /// `aws:ResourceTag/…` and `ecr:ResourceTag/…`.
    tags: Vec<(String, String)>,
}

/// A snapshot compiled for many decisions: every subject's side and every repository's side.
#[derive(Debug)]
pub struct Compiled<'s> {
    snapshot: &'s Snapshot,
    subjects: Vec<SubjectSide>,
    repositories: Vec<RepositorySide<'s>>,
}

fn error(message: impl std::fmt::Display) -> SnapshotError {
    SnapshotError {
        message: message.to_string(),
    }
}

/// Every principal of the snapshot, then every principal outside it that any repository's
/// policy or its registry's policy names (each once, in the order first named).
pub fn all_subjects(snapshot: &Snapshot) -> Result<Vec<Subject>, SnapshotError> {
    let mut out = crate::snapshot::query::subjects(snapshot, None)?;
    let mut seen: BTreeSet<String> = out.iter().map(Subject::principal).collect();
    for repository in snapshot.repositories() {
        for subject in crate::snapshot::query::subjects(snapshot, Some(&repository.arn))? {
            if seen.insert(subject.principal()) {
                out.push(subject);
            }
        }
    }
    Ok(out)
}

impl<'s> Compiled<'s> {
    /// Compiles `subjects` against `repositories` (ARNs the snapshot must hold).
    pub fn new(
        snapshot: &'s Snapshot,
        subjects: Vec<Subject>,
        repositories: &[&str],
    ) -> Result<Compiled<'s>, SnapshotError> {
        let subjects = subjects
            .into_iter()
            .map(|s| subject_side(snapshot, s))
            .collect::<Result<Vec<_>, _>>()?;
        let repositories = repositories
            .iter()
            .map(|arn| repository_side(snapshot, arn))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Compiled {
            snapshot,
            subjects,
            repositories,
        })
    }

    /// The subjects (rows), in order.
    pub fn subjects(&self) -> impl Iterator<Item = &Subject> {
        self.subjects.iter().map(|s| &s.subject)
    }

    /// The repositories (columns), in order.
    pub fn repositories(&self) -> impl Iterator<Item = &'s Repository> + '_ {
        self.repositories.iter().map(|r| r.repository)
    }

    /// Decides `actions` for subject `row` on repository `column`: the same answer as
    /// [`crate::snapshot::query::decide`] on the assembled set.
    pub fn decide(
        &self,
        row: usize,
        column: usize,
        actions: &[&str],
        options: &Options,
    ) -> Result<Answer, SnapshotError> {
        self.decide_in(row, column, actions, options, None)
    }

    /// [`Compiled::decide`], with the results of account-level actions kept in `memo` across
    /// the cells of one row: such a request (on `*`) is the same for every repository with the
    /// same Region and tags, and no repository-side policy takes part in it (resource-based
    /// policies, registry policies and RCPs govern only requests on a resource), so its result
    /// is too.
    fn decide_in(
        &self,
        row: usize,
        column: usize,
        actions: &[&str],
        options: &Options,
        mut memo: Option<&mut Memo>,
    ) -> Result<Answer, SnapshotError> {
        let (Some(subject), Some(repository)) =
            (self.subjects.get(row), self.repositories.get(column))
        else {
            return Err(error("no such row or column"));
        };
        let joined = Joined::new(vec![
            &subject.identity,
            &repository.resource,
            &subject.scps,
            &repository.rcps,
        ]);
        let arn = repository.repository.arn.as_str();
        let principal = subject.subject.principal();
        let region = options
            .region
            .as_deref()
            .unwrap_or(&repository.repository.region);
        let mut context = Context::new();
        for (key, value) in subject.tags.iter().chain(&repository.tags) {
            context.insert(key, ContextValue::Single(value.clone()));
        }
        let mut results = Vec::with_capacity(actions.len());
        let mut deciding = Vec::new();
        // One request on the repository and one on `*` are built; every other action reuses
        // theirs, with the context computed once (as `workflow::requests` would resolve them).
        let mut on_repository: Option<Request> = None;
        let mut on_star: Option<Request> = None;
        let catalog = crate::data::catalog::Catalog::builtin();
        for action in actions {
            let account_level = catalog.action(action).is_some_and(|a| a.is_account_level());
            let key = match memo.as_deref() {
                Some(_) if account_level => Some(MemoKey {
                    action: action.to_string(),
                    region: region.to_string(),
                    tags: repository.tags.clone(),
                    resource_policy: repository.resource.has(PolicyRole::Resource),
                }),
                _ => None,
            };
            if let (Some(memo), Some(key)) = (memo.as_deref(), &key)
                && let Some(result) = memo.get(key)
            {
                results.push(result.clone());
                continue;
            }
            let slot = if account_level {
                &mut on_star
            } else {
                &mut on_repository
            };
            let request = match slot {
                Some(first) => first.for_action(action).map_err(error)?,
                None => {
                    let resource = if account_level { "*" } else { arn };
                    let mut request =
                        Request::new(action, resource, Some(&principal)).map_err(error)?;
                    if let Some(at) = options.at {
                        request = request.with_time(at);
                    }
                    request = request.with_region(region).map_err(|e| error(e.message))?;
                    if !context.is_empty() {
                        request = request.with_context(context.clone());
                    }
                    if let Some(org) = &self.snapshot.organization {
                        request = request.with_org_scope(org.clone());
                    }
                    // Computed before it is copied, so that every copy shares it.
                    let _ = request.context();
                    slot.insert(request).clone()
                }
            };
            let (decision, reason) = joined.authorize_into(&request, &mut deciding);
            let result = ActionResult {
                action: request.action().to_string(),
                resource: request.resource().to_string(),
                decision,
                reason,
                deciding: deciding
                    .iter()
                    .filter_map(|(part, at)| named(&joined, *part, *at))
                    .collect(),
            };
            if let (Some(memo), Some(key)) = (memo.as_deref_mut(), key) {
                memo.insert(key, result.clone());
            }
            results.push(result);
        }
        Ok(Answer {
            subject: subject.subject.clone(),
            resource: arn.to_string(),
            decision: verdict(results.iter().map(|r| r.decision)),
            results,
        })
    }

    /// Every cell of row `row`: for each repository, each question, in that order.
    pub fn row(
        &self,
        row: usize,
        questions: &[Question],
        options: &Options,
    ) -> Result<Vec<Answer>, SnapshotError> {
        let asked: Vec<Vec<&str>> = questions
            .iter()
            .map(|q| q.actions.iter().map(String::as_str).collect())
            .collect();
        let mut out = Vec::with_capacity(self.repositories.len() * questions.len());
        let mut memo = Memo::new();
        for column in 0..self.repositories.len() {
            for actions in &asked {
                out.push(self.decide_in(row, column, actions, options, Some(&mut memo))?);
            }
        }
        Ok(out)
    }

    /// Computes every row on `jobs` threads (1: on this one) and hands each to `sink` in row
    /// order, as soon as it and every row before it are done. At most a few rows per thread
    /// are held at once. The first error (of a decision or of `sink`) stops the work and is
    /// returned.
    pub fn rows<E: From<SnapshotError> + Send>(
        &self,
        questions: &[Question],
        options: &Options,
        jobs: usize,
        mut sink: impl FnMut(usize, Vec<Answer>) -> Result<(), E>,
    ) -> Result<(), E> {
        let count = self.subjects.len();
        let jobs = jobs.max(1).min(count.max(1));
        if jobs == 1 {
            for row in 0..count {
                sink(row, self.row(row, questions, options)?)?;
            }
            return Ok(());
        }
        // Rows are taken in order; a thread waits while it is `window` rows ahead of the sink.
        let window = jobs * 4;
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let written = Mutex::new(0usize);
        let advanced = Condvar::new();
        let (send, receive) =
            mpsc::sync_channel::<(usize, Result<Vec<Answer>, SnapshotError>)>(window);
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                let send = send.clone();
                let (next, stop, written, advanced) = (&next, &stop, &written, &advanced);
                scope.spawn(move || {
                    loop {
                        let row = next.fetch_add(1, Ordering::Relaxed);
                        if row >= count || stop.load(Ordering::Relaxed) {
                            break;
                        }
                        {
                            let mut done = written.lock().unwrap_or_else(|e| e.into_inner());
                            while row >= *done + window && !stop.load(Ordering::Relaxed) {
                                done = advanced.wait(done).unwrap_or_else(|e| e.into_inner());
                            }
                        }
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let answers = self.row(row, questions, options);
                        if send.send((row, answers)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(send);
            let mut pending = std::collections::BTreeMap::new();
            let mut expected = 0usize;
            let mut outcome = Ok(());
            for (row, answers) in receive.iter() {
                pending.insert(row, answers);
                while let Some(answers) = pending.remove(&expected) {
                    let result = answers
                        .map_err(E::from)
                        .and_then(|answers| sink(expected, answers));
                    expected += 1;
                    {
                        let mut done = written.lock().unwrap_or_else(|e| e.into_inner());
                        *done = expected;
                    }
                    advanced.notify_all();
                    if let Err(e) = result {
                        outcome = Err(e);
                        stop.store(true, Ordering::Relaxed);
                        advanced.notify_all();
                        break;
                    }
                }
                if outcome.is_err() {
                    break;
                }
            }
            // Let every waiting thread see the stop (or the end) and finish.
            stop.store(true, Ordering::Relaxed);
            advanced.notify_all();
            drop(receive);
            outcome
        })
    }
}

/// Who can do `actions` on `repository` (as [`crate::snapshot::query::who_can`]), each
/// principal's policies compiled once and decided on `jobs` threads.
pub fn who_can(
    snapshot: &Snapshot,
    repository: &str,
    actions: &[&str],
    options: &Options,
    jobs: usize,
) -> Result<Vec<Answer>, SnapshotError> {
    snapshot.resource_repository(repository)?;
    let subjects = crate::snapshot::query::subjects(snapshot, Some(repository))?;
    let compiled = Compiled::new(snapshot, subjects, &[repository])?;
    let question = Question {
        name: String::new(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
    };
    let mut out = Vec::new();
    compiled.rows::<SnapshotError>(&[question], options, jobs, |_, answers| {
        out.extend(answers);
        Ok(())
    })?;
    Ok(out)
}

/// The deciding statement under its policy's name and the statement's label.
fn named(joined: &Joined<'_>, part: usize, at: StatementRef) -> Option<Deciding> {
    joined
        .statement(part, at)
        .map(|(_, policy, statement)| Deciding {
            policy: policy.source.name.clone(),
            statement: statement.label(),
        })
}

fn subject_side(snapshot: &Snapshot, subject: Subject) -> Result<SubjectSide, SnapshotError> {
    let identity: Option<&Identity> = match &subject {
        Subject::Identity { arn, .. } => snapshot.identities().find(|i| &i.arn == arn),
        _ => None,
    };
    let caller_account = crate::snapshot::query::caller_account(&subject, identity);
    let mut set = PolicySet::new();
    let mut tags = Vec::new();
    if let Some(identity) = identity {
        for (role, policy) in &identity.policies {
            set.add_as(*role, policy.clone())
                .map_err(|e| error(e.message))?;
        }
        for (key, value) in &identity.tags {
            tags.push((format!("aws:PrincipalTag/{key}"), value.clone()));
        }
    }
    if subject.is_external() {
        let stand_in = subject.stand_in_policy()?;
        set.add(stand_in).map_err(|e| error(e.message))?;
    }
    let mut scps = PolicySet::new();
    if let Some(org) = snapshot
        .organization
        .as_ref()
        .and_then(|o| o.organization.as_ref())
    {
        crate::eval::organization::add_org_levels(org, &mut scps, caller_account.as_deref(), None)
            .map_err(|e| error(e.message))?;
    }
    set.compile();
    scps.compile();
    Ok(SubjectSide {
        subject,
        identity: set,
        scps,
        tags,
    })
}

fn repository_side<'s>(
    snapshot: &'s Snapshot,
    arn: &str,
) -> Result<RepositorySide<'s>, SnapshotError> {
    let repository = snapshot.resource_repository(arn)?;
    let mut resource = PolicySet::new();
    if let Some(policy) = &repository.policy {
        resource
            .add_as(PolicyRole::Resource, policy.clone())
            .map_err(|e| error(e.message))?;
    }
    if let Some(account) = snapshot.accounts.get(&repository.account)
        && let Some(policy) = &account.registry_policy
    {
        resource
            .add_as(PolicyRole::Registry(account.registry_scope), policy.clone())
            .map_err(|e| error(e.message))?;
    }
    let mut rcps = PolicySet::new();
    if let Some(org) = snapshot
        .organization
        .as_ref()
        .and_then(|o| o.organization.as_ref())
    {
        crate::eval::organization::add_org_levels(
            org,
            &mut rcps,
            None,
            Some(repository.account.as_str()),
        )
        .map_err(|e| error(e.message))?;
    }
    let mut tags = Vec::new();
    for (key, value) in &repository.tags {
        for prefix in ["aws", "ecr"] {
            tags.push((format!("{prefix}:ResourceTag/{key}"), value.clone()));
        }
    }
    resource.compile();
    rcps.compile();
    Ok(RepositorySide {
        repository,
        resource,
        rcps,
        tags,
    })
}

/// The example snapshot's files, shared with the snapshot benchmarks.
#[cfg(test)]
#[path = "../../tests/support/example_snapshot.rs"]
mod example_snapshot;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotFile;

    /// The example snapshot of the corpus, loaded.
    fn example() -> Snapshot {
        let files: Vec<SnapshotFile> = super::example_snapshot::example_snapshot_files()
            .into_iter()
            .map(|(path, bytes)| SnapshotFile { path, bytes })
            .collect();
        crate::snapshot::load(&files).unwrap()
    }

    /// The example snapshot with every subject and repository of its matrix, and the instant
    /// every test asks at.
    struct Fixture {
        snapshot: Snapshot,
        subjects: Vec<Subject>,
        repositories: Vec<String>,
        options: Options,
    }

    impl Fixture {
        fn new() -> Fixture {
            let snapshot = example();
            let subjects = all_subjects(&snapshot).unwrap();
            let repositories = snapshot.repositories().map(|r| r.arn.clone()).collect();
            Fixture {
                snapshot,
                subjects,
                repositories,
                options: Options {
                    at: Some(1_780_000_000),
                    region: None,
                },
            }
        }

        fn arns(&self) -> Vec<&str> {
            self.repositories.iter().map(String::as_str).collect()
        }

        /// Every subject compiled against every repository.
        fn compiled(&self) -> Compiled<'_> {
            Compiled::new(&self.snapshot, self.subjects.clone(), &self.arns()).unwrap()
        }
    }

    fn push_pull() -> Vec<Question> {
        ["pull", "push"]
            .iter()
            .map(|name| {
                let w = crate::tools::workflow::find(name).unwrap();
                Question {
                    name: w.name.to_string(),
                    actions: w.actions.iter().map(|a| a.to_string()).collect(),
                }
            })
            .collect()
    }

    /// Joining compiled sides gives exactly what assembling one set per pair gives: decision,
    /// reason and deciding statements of every action, for every subject and repository.
    #[test]
    fn joined_cells_equal_assembled_decisions() {
        let f = Fixture::new();
        let (snapshot, subjects, arns, options) = (&f.snapshot, &f.subjects, f.arns(), &f.options);
        let compiled = f.compiled();
        let mut compared = 0;
        let mut allowed = 0;
        for (row, subject) in subjects.iter().enumerate() {
            for (column, arn) in arns.iter().enumerate() {
                for question in push_pull() {
                    let actions: Vec<&str> = question.actions.iter().map(String::as_str).collect();
                    let fast = compiled.decide(row, column, &actions, options).unwrap();
                    let slow = crate::snapshot::query::decide(
                        snapshot,
                        subject,
                        &actions,
                        Some(arn),
                        options.clone(),
                    )
                    .unwrap();
                    assert_eq!(fast.decision, slow.decision, "{subject:?} {arn}");
                    for (f, s) in fast.results.iter().zip(&slow.results) {
                        assert_eq!(
                            (f.decision, f.reason, &f.deciding, &f.action),
                            (s.decision, s.reason, &s.deciding, &s.action),
                            "{subject:?} {arn}"
                        );
                    }
                    assert_eq!(fast.results.len(), slow.results.len());
                    compared += 1;
                    allowed += usize::from(fast.decision == crate::Decision::Allow);
                }
            }
        }
        assert!(compared >= 20, "{compared}");
        assert!(allowed > 0 && allowed < compared, "{allowed} of {compared}");
    }

    /// A request made for another action equals the one built from scratch, context included.
    #[test]
    fn for_action_is_the_request_new_would_build() {
        let arn = "arn:aws:ecr:us-east-1:111122223333:repository/app";
        let caller = Some("arn:aws:iam::111122223333:role/ci");
        let mut context = Context::new();
        context.insert(
            "aws:ResourceTag/team",
            ContextValue::Single("payments".into()),
        );
        let first = Request::new("ecr:PutImage", arn, caller)
            .unwrap()
            .with_time(1_780_000_000)
            .with_context(context.clone());
        let _ = first.context();
        for action in ["ecr:BatchGetImage", "ecr:InitiateLayerUpload"] {
            let fresh = Request::new(action, arn, caller)
                .unwrap()
                .with_time(1_780_000_000)
                .with_context(context.clone());
            let derived = first.for_action(action).unwrap();
            assert_eq!(derived, fresh);
            assert_eq!(derived.action(), action);
            assert_eq!(derived.context(), fresh.context());
        }
        // An action that does not fit the resource is refused, as by Request::new.
        assert!(first.for_action("s3:GetObject").is_err());
        // On `*`, an account-level action stays account-level.
        let star = Request::new("ecr:GetAuthorizationToken", "*", caller).unwrap();
        assert!(
            star.for_action("ecr:DescribeRegistry")
                .unwrap()
                .is_account_level()
        );
    }

    /// A row (which keeps account-level results across its cells) is its cells decided one by
    /// one.
    #[test]
    fn a_row_is_its_cells() {
        let f = Fixture::new();
        let (subjects, arns, options) = (&f.subjects, f.arns(), &f.options);
        let compiled = f.compiled();
        let questions = push_pull();
        for row in 0..subjects.len() {
            let cells = compiled.row(row, &questions, options).unwrap();
            let mut i = 0;
            for column in 0..arns.len() {
                for question in &questions {
                    let actions: Vec<&str> = question.actions.iter().map(String::as_str).collect();
                    let one = compiled.decide(row, column, &actions, options).unwrap();
                    let cell = &cells[i];
                    assert_eq!(cell.decision, one.decision);
                    for (a, b) in cell.results.iter().zip(&one.results) {
                        assert_eq!(
                            (&a.action, &a.resource, a.decision, a.reason, &a.deciding),
                            (&b.action, &b.resource, b.decision, b.reason, &b.deciding)
                        );
                    }
                    i += 1;
                }
            }
        }
    }

    /// Rows come back in order and identical whatever the number of threads.
    #[test]
    fn rows_are_in_order_and_the_same_on_several_threads() {
        let f = Fixture::new();
        let options = &f.options;
        let compiled = f.compiled();
        let collect = |jobs| {
            let mut out = Vec::new();
            compiled
                .rows::<SnapshotError>(&push_pull(), options, jobs, |row, answers| {
                    out.push((
                        row,
                        answers
                            .iter()
                            .map(|a| (a.resource.clone(), a.decision))
                            .collect::<Vec<_>>(),
                    ));
                    Ok(())
                })
                .unwrap();
            out
        };
        let one = collect(1);
        assert_eq!(
            one.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            (0..one.len()).collect::<Vec<_>>()
        );
        assert_eq!(collect(3), one);
    }

    /// A failing sink stops the work and its error comes back.
    #[test]
    fn a_sink_error_stops_the_rows() {
        let snapshot = example();
        let subjects = all_subjects(&snapshot).unwrap();
        let repositories: Vec<String> = snapshot.repositories().map(|r| r.arn.clone()).collect();
        let arns: Vec<&str> = repositories.iter().map(String::as_str).collect();
        let compiled = Compiled::new(&snapshot, subjects, &arns).unwrap();
        let mut seen = 0;
        let result =
            compiled.rows::<SnapshotError>(&push_pull(), &Options::default(), 2, |_, _| {
                seen += 1;
                Err(error("closed"))
            });
        assert_eq!(result.unwrap_err().message, "closed");
        assert_eq!(seen, 1);
    }
}
