//! The access matrix of a snapshot: principals × repositories × questions (workflows or
//! actions). Each principal's policies (identity-based, boundary, the SCP levels of its account)
//! are compiled once, each repository's (repository and registry policy, the RCP levels of its
//! account) once, and every cell joins the two ([`crate::eval::authorize::Joined`]) instead of
//! assembling and indexing a set per pair. Each asked action is validated on each repository
//! once per run, and a row derives its caller's request context once per account and Region,
//! setting each repository's tags on it: a cell only retargets a request and evaluates. Rows
//! are computed on `jobs` threads and handed over in order, so a caller can stream them: memory
//! grows with the snapshot, not with the matrix.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::eval::authorize::{Joined, PolicyRole, PolicySet, StatementRef};
use crate::model::context::{Context, ContextValue};
use crate::request::{Request, Target};
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

/// The pairs a run decides, validated once: each asked action on each repository of the run
/// (on `*` for an account-level action), so that a cell only retargets a request
/// ([`Request::retarget`]) instead of consulting the catalog again.
struct Plan {
    /// The distinct actions asked, in the order first asked.
    actions: Vec<String>,
    /// Whether each of `actions` is account-level (decided on `*`).
    account_level: Vec<bool>,
    /// Per question, its actions as indexes into `actions`.
    questions: Vec<Vec<usize>>,
    /// The first column of the plan.
    first: usize,
    /// Per column from `first`, per action: the validated pair.
    targets: Vec<Vec<Target>>,
}

/// What one row keeps from cell to cell: the requests (on a repository and on `*`, built once
/// and retargeted), the results of account-level requests, and the buffer of deciding
/// statements.
struct RowState {
    /// The row's principal ARN.
    principal: String,
    /// Per account and Region of the repositories: `[on a repository, on *]`, with the
    /// caller's tags, its context derived once.
    bases: Vec<[Option<Request>; 2]>,
    /// `[on a repository, on *]`: the request in use and the context class whose repository
    /// tags it has (a base's with the tags set; swapped for the next class's of the same base).
    live: [Option<(usize, Request)>; 2],
    /// The result of an account-level action, per context class, whether the repository has a
    /// policy (the reason of a denial may say so) and action: `memo[(class * 2 + policy) *
    /// actions + action]`. Such a request (on `*`) is the same for every repository of the
    /// class, and no repository-side policy takes part in it (resource-based policies, registry
    /// policies and RCPs govern only requests on a resource), so its result is too.
    memo: Vec<Option<ActionResult>>,
    deciding: Vec<(usize, StatementRef)>,
}

/// What a context class is: the account and Region of a repository, and its tags.
type ClassKey<'a> = (&'a str, &'a str, &'a [(String, String)]);

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
    /// The context class: repositories of one account and Region with the same tags give a
    /// caller the same request context, made once a row for each class.
    class: usize,
    /// The account and Region (an index): a row derives the caller's context once for each.
    base: usize,
}

/// A snapshot compiled for many decisions: every subject's side and every repository's side.
#[derive(Debug)]
pub struct Compiled<'s> {
    snapshot: &'s Snapshot,
    subjects: Vec<SubjectSide>,
    repositories: Vec<RepositorySide<'s>>,
    /// Per context class: its account and Region (base), and a repository (column) of it.
    classes: Vec<(usize, usize)>,
    /// How many accounts and Regions they are in.
    bases: usize,
    /// The columns by account and Region, then class (then in order): a row is decided in this
    /// order, so that each class's context is made once.
    order: Vec<usize>,
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
        let mut repositories = repositories
            .iter()
            .map(|arn| repository_side(snapshot, arn))
            .collect::<Result<Vec<_>, _>>()?;
        let mut classes: std::collections::HashMap<ClassKey<'_>, usize> =
            std::collections::HashMap::new();
        let mut bases: std::collections::HashMap<(&str, &str), usize> =
            std::collections::HashMap::new();
        let mut of_repository = Vec::with_capacity(repositories.len());
        for side in &repositories {
            let account = side.repository.account.as_str();
            let region = side.repository.region.as_str();
            let next = classes.len();
            let class = *classes
                .entry((account, region, side.tags.as_slice()))
                .or_insert(next);
            let next = bases.len();
            let base = *bases.entry((account, region)).or_insert(next);
            of_repository.push((class, base));
        }
        let base_count = bases.len();
        let mut class_list: Vec<Option<(usize, usize)>> = vec![None; classes.len()];
        drop((classes, bases));
        for (column, (side, (class, base))) in
            repositories.iter_mut().zip(of_repository).enumerate()
        {
            side.class = class;
            side.base = base;
            if let Some(slot @ None) = class_list.get_mut(class) {
                *slot = Some((base, column));
            }
        }
        let mut order: Vec<usize> = (0..repositories.len()).collect();
        order.sort_by_key(|&column| {
            repositories
                .get(column)
                .map(|side| (side.base, side.class, column))
        });
        Ok(Compiled {
            snapshot,
            subjects,
            repositories,
            classes: class_list.into_iter().flatten().collect(),
            bases: base_count,
            order,
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
        let plan = self.plan(&[actions.to_vec()], column..column + 1)?;
        let mut state = self.row_state(row, &plan)?;
        let question = plan.questions.first().map_or(&[][..], Vec::as_slice);
        self.decide_in(&plan, &mut state, row, column, question, options)
    }

    /// Validates each action of `questions` on each repository of `columns`, in the order the
    /// cells of a row ask them (so the first error is the one the first cell would meet).
    fn plan(&self, questions: &[Vec<&str>], columns: Range<usize>) -> Result<Plan, SnapshotError> {
        let catalog = crate::data::catalog::Catalog::builtin();
        let mut actions: Vec<String> = Vec::new();
        let mut account_level = Vec::new();
        let mut asked = Vec::with_capacity(questions.len());
        for question in questions {
            let mut indexes = Vec::with_capacity(question.len());
            for action in question {
                let index = match actions.iter().position(|a| a == action) {
                    Some(i) => i,
                    None => {
                        actions.push(action.to_string());
                        account_level
                            .push(catalog.action(action).is_some_and(|a| a.is_account_level()));
                        actions.len() - 1
                    }
                };
                indexes.push(index);
            }
            asked.push(indexes);
        }
        let mut on_star: Vec<Option<Target>> = vec![None; actions.len()];
        let mut targets = Vec::with_capacity(columns.len());
        for column in columns.clone() {
            let Some(repository) = self.repositories.get(column) else {
                return Err(error("no such row or column"));
            };
            let arn = repository.repository.arn.as_str();
            let mut row: Vec<Option<Target>> = vec![None; actions.len()];
            for &a in asked.iter().flatten() {
                let (Some(action), Some(slot), Some(star)) =
                    (actions.get(a), row.get_mut(a), on_star.get_mut(a))
                else {
                    continue;
                };
                if slot.is_some() {
                    continue;
                }
                let target = if account_level.get(a) == Some(&true) {
                    match star {
                        Some(target) => target.clone(),
                        None => star
                            .insert(Target::new(action, "*").map_err(error)?)
                            .clone(),
                    }
                } else {
                    Target::new(action, arn).map_err(error)?
                };
                *slot = Some(target);
            }
            targets.push(row.into_iter().flatten().collect::<Vec<_>>());
        }
        if targets.iter().any(|t| t.len() != actions.len()) {
            return Err(error("an action of the plan was not validated"));
        }
        Ok(Plan {
            actions,
            account_level,
            questions: asked,
            first: columns.start,
            targets,
        })
    }

    /// A fresh [`RowState`] for row `row`.
    fn row_state(&self, row: usize, plan: &Plan) -> Result<RowState, SnapshotError> {
        let subject = self
            .subjects
            .get(row)
            .ok_or_else(|| error("no such row or column"))?;
        Ok(RowState {
            principal: subject.subject.principal(),
            bases: (0..self.bases).map(|_| [None, None]).collect(),
            live: [None, None],
            memo: vec![None; self.classes.len() * 2 * plan.actions.len()],
            deciding: Vec::new(),
        })
    }

    /// Decides the actions `question` (indexes into the plan's actions) for subject `row` on
    /// repository `column`, with the requests and account-level results of `state`.
    fn decide_in(
        &self,
        plan: &Plan,
        state: &mut RowState,
        row: usize,
        column: usize,
        question: &[usize],
        options: &Options,
    ) -> Result<Answer, SnapshotError> {
        let (Some(subject), Some(repository), Some(targets)) = (
            self.subjects.get(row),
            self.repositories.get(column),
            column
                .checked_sub(plan.first)
                .and_then(|c| plan.targets.get(c)),
        ) else {
            return Err(error("no such row or column"));
        };
        let joined = Joined::new(vec![
            &subject.identity,
            &repository.resource,
            &subject.scps,
            &repository.rcps,
        ]);
        let arn = repository.repository.arn.as_str();
        let region = options
            .region
            .as_deref()
            .unwrap_or(&repository.repository.region);
        let class = repository.class;
        let has_policy = usize::from(repository.resource.has(PolicyRole::Resource));
        let mut results = Vec::with_capacity(question.len());
        for &a in question {
            let (Some(target), Some(&account_level)) = (targets.get(a), plan.account_level.get(a))
            else {
                return Err(error("an action of the plan was not validated"));
            };
            let memo_at = (class * 2 + has_policy) * plan.actions.len() + a;
            if account_level && let Some(Some(result)) = state.memo.get(memo_at) {
                results.push(result.clone());
                continue;
            }
            let level = usize::from(account_level);
            let live = state
                .live
                .get_mut(level)
                .ok_or_else(|| error("no such request"))?;
            let swap_from = match live {
                Some((now, _)) if *now == class => None,
                Some((now, _)) if self.classes.get(*now).map(|c| c.0) == Some(repository.base) => {
                    self.classes.get(*now).map(|c| c.1)
                }
                _ => {
                    let base = state
                        .bases
                        .get_mut(repository.base)
                        .and_then(|r| r.get_mut(level))
                        .ok_or_else(|| error("no such account and Region"))?;
                    let base = match base {
                        Some(base) => base,
                        None => {
                            let resource = if account_level { "*" } else { arn };
                            let mut request =
                                Request::new(target.action(), resource, Some(&state.principal))
                                    .map_err(error)?;
                            if let Some(at) = options.at {
                                request = request.with_time(at);
                            }
                            request = request.with_region(region).map_err(|e| error(e.message))?;
                            let mut context = Context::new();
                            for (key, value) in &subject.tags {
                                context.insert(key, ContextValue::Single(value.clone()));
                            }
                            if !context.is_empty() {
                                request = request.with_context(context);
                            }
                            if let Some(org) = &self.snapshot.organization {
                                request = request.with_org_scope(org.clone());
                            }
                            base.insert(request)
                        }
                    };
                    *live = Some((
                        class,
                        base.with_more_context(
                            repository
                                .tags
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.as_str())),
                        ),
                    ));
                    None
                }
            };
            let (now, request) = live
                .as_mut()
                .ok_or_else(|| error("no request for the context class"))?;
            if let Some(from) = swap_from {
                // The same account and Region: the previous class's tags out, this one's in.
                let old = self
                    .repositories
                    .get(from)
                    .map_or(&[][..], |r| r.tags.as_slice());
                request.swap_context_keys(
                    old.iter().map(|(k, _)| k.as_str()),
                    repository
                        .tags
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                );
                *now = class;
            }
            request.retarget(target).map_err(error)?;
            let (decision, reason) = joined.authorize_into(request, &mut state.deciding);
            let result = ActionResult {
                action: request.action().to_string(),
                resource: request.resource().to_string(),
                decision,
                reason,
                deciding: state
                    .deciding
                    .iter()
                    .filter_map(|(part, at)| named(&joined, *part, *at))
                    .collect(),
            };
            if account_level && let Some(memo) = state.memo.get_mut(memo_at) {
                *memo = Some(result.clone());
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
        let plan = self.plan(&asked(questions), 0..self.repositories.len())?;
        self.row_of(&plan, row, options)
    }

    /// [`Compiled::row`] with the plan of the run. The cells are decided by account and Region,
    /// then context class (each class's context made once), and returned in column order; on an
    /// error, the row is decided again in column order, so that the error is the first cell's
    /// that fails.
    fn row_of(
        &self,
        plan: &Plan,
        row: usize,
        options: &Options,
    ) -> Result<Vec<Answer>, SnapshotError> {
        let per = plan.questions.len();
        let mut cells: Vec<Option<Answer>> = Vec::new();
        cells.resize_with(self.repositories.len() * per, || None);
        let mut state = self.row_state(row, plan)?;
        let mut failed = false;
        'columns: for &column in &self.order {
            for (q, question) in plan.questions.iter().enumerate() {
                match self.decide_in(plan, &mut state, row, column, question, options) {
                    Ok(answer) => {
                        if let Some(cell) = cells.get_mut(column * per + q) {
                            *cell = Some(answer);
                        }
                    }
                    Err(_) => {
                        failed = true;
                        break 'columns;
                    }
                }
            }
        }
        if failed {
            let mut state = self.row_state(row, plan)?;
            for column in 0..self.repositories.len() {
                for question in &plan.questions {
                    self.decide_in(plan, &mut state, row, column, question, options)?;
                }
            }
        }
        cells
            .into_iter()
            .map(|cell| cell.ok_or_else(|| error("a cell of the row was not decided")))
            .collect()
    }

    /// Computes every row on `jobs` threads (this one and `jobs - 1` more) and hands each to
    /// `sink`, on this thread, in row order, as soon as it and every row before it are done. At
    /// most a few rows per thread are held at once. The first error (of a decision or of `sink`) stops the work and is
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
        let plan = self.plan(&asked(questions), 0..self.repositories.len())?;
        let plan = &plan;
        if jobs == 1 {
            for row in 0..count {
                sink(row, self.row_of(plan, row, options)?)?;
            }
            return Ok(());
        }
        // Rows are taken in order by `jobs - 1` spawned threads and by this one, which also
        // hands the rows to the sink in order between two of its own: `jobs` busy threads, not
        // one more. A spawned thread waits while it is `window` rows ahead of the sink; this
        // one computes a row only while it is not.
        let window = jobs * 4;
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let written = Mutex::new(0usize);
        let advanced = Condvar::new();
        let (send, receive) =
            mpsc::sync_channel::<(usize, Result<Vec<Answer>, SnapshotError>)>(window);
        std::thread::scope(|scope| {
            for _ in 1..jobs {
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
                        let answers = self.row_of(plan, row, options);
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
            while expected < count {
                while let Ok((row, answers)) = receive.try_recv() {
                    pending.insert(row, answers);
                }
                if let Some(answers) = pending.remove(&expected) {
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
                        break;
                    }
                    continue;
                }
                // The next row to write is not done: compute one (the next to take, if this
                // thread is not too far ahead), else wait for a spawned thread's.
                if next.load(Ordering::Relaxed) < expected + window {
                    let row = next.fetch_add(1, Ordering::Relaxed);
                    if row < count {
                        pending.insert(row, self.row_of(plan, row, options));
                        continue;
                    }
                }
                match receive.recv() {
                    Ok((row, answers)) => {
                        pending.insert(row, answers);
                    }
                    // Every spawned thread is gone and the row is nowhere: not expected, but not
                    // a reason to wait forever.
                    Err(_) => {
                        outcome = Err(E::from(error("a row was not computed")));
                        break;
                    }
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

/// The actions of each question.
fn asked(questions: &[Question]) -> Vec<Vec<&str>> {
    questions
        .iter()
        .map(|q| q.actions.iter().map(String::as_str).collect())
        .collect()
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
        class: 0,
        base: 0,
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
        load_files(super::example_snapshot::example_snapshot_files())
    }

    /// A snapshot of `(relative path, bytes)` files, loaded.
    fn load_files(files: Vec<(String, Vec<u8>)>) -> Snapshot {
        let files: Vec<SnapshotFile> = files
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
            Fixture::of(example())
        }

        fn of(snapshot: Snapshot) -> Fixture {
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

    /// Asserts that `cell` is what assembling one set for `subject` on `arn` decides for
    /// `actions` at the fixture's instant: the decision, and per action the action, resource,
    /// decision, reason and deciding statements.
    fn assert_assembled(
        f: &Fixture,
        subject: &Subject,
        arn: &str,
        actions: &[&str],
        cell: &Answer,
    ) {
        let slow = crate::snapshot::query::decide(
            &f.snapshot,
            subject,
            actions,
            Some(arn),
            f.options.clone(),
        )
        .unwrap();
        assert_eq!(cell.decision, slow.decision, "{subject:?} {arn}");
        assert_eq!(cell.results.len(), slow.results.len(), "{subject:?} {arn}");
        for (a, b) in cell.results.iter().zip(&slow.results) {
            assert_eq!(
                (&a.action, &a.resource, a.decision, a.reason, &a.deciding),
                (&b.action, &b.resource, b.decision, b.reason, &b.deciding),
                "{subject:?} {arn}"
            );
        }
    }

    /// Joining compiled sides gives exactly what assembling one set per pair gives: decision,
    /// reason and deciding statements of every action, for every subject and repository.
    #[test]
    fn joined_cells_equal_assembled_decisions() {
        let f = Fixture::new();
        let (subjects, arns, options) = (&f.subjects, f.arns(), &f.options);
        let compiled = f.compiled();
        let mut compared = 0;
        let mut allowed = 0;
        for (row, subject) in subjects.iter().enumerate() {
            for (column, arn) in arns.iter().enumerate() {
                for question in push_pull() {
                    let actions: Vec<&str> = question.actions.iter().map(String::as_str).collect();
                    let fast = compiled.decide(row, column, &actions, options).unwrap();
                    assert_assembled(&f, subject, arn, &actions, &fast);
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
        let new = |action: &str| {
            Request::new(action, arn, caller)
                .unwrap()
                .with_time(1_780_000_000)
                .with_context(context.clone())
        };
        let first = new("ecr:PutImage");
        let _ = first.context();
        for action in ["ecr:BatchGetImage", "ecr:InitiateLayerUpload"] {
            let fresh = new(action);
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

    /// The example snapshot with three more repositories, so that a row meets context classes
    /// out of column order (`web` has `app`'s tags, `ops` has `tools`'s, `data` none): the row
    /// is decided by class, swapping one class's tags for the next.
    fn interleaved() -> Snapshot {
        let mut files = super::example_snapshot::example_snapshot_files();
        for name in ["repositories.json", "tagged-repositories.json"] {
            let path = format!("prod/{name}");
            let (_, bytes) = files.iter_mut().find(|(p, _)| *p == path).unwrap();
            let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let list = json
                .as_object_mut()
                .and_then(|o| o.values_mut().next())
                .and_then(|v| v.as_array_mut())
                .unwrap();
            let first = list[0].clone();
            for (repository, tags) in [
                ("web", Some(("payments", Some("prod")))),
                ("data", None),
                ("ops", Some(("platform", None))),
            ] {
                let arn = format!("arn:aws:ecr:us-east-1:111122223333:repository/{repository}");
                let text = serde_json::to_string(&first)
                    .unwrap()
                    .replace("repository/app", &format!("repository/{repository}"))
                    .replace("\"app\"", &format!("\"{repository}\""))
                    .replace(".com/app", &format!(".com/{repository}"));
                let mut entry: serde_json::Value = serde_json::from_str(&text).unwrap();
                if name == "tagged-repositories.json" {
                    let Some((team, env)) = tags else { continue };
                    let mut list = vec![serde_json::json!({"Key": "team", "Value": team})];
                    if let Some(env) = env {
                        list.push(serde_json::json!({"Key": "env", "Value": env}));
                    }
                    entry = serde_json::json!({"ResourceARN": arn, "Tags": list});
                }
                list.push(entry);
            }
            *bytes = serde_json::to_vec(&json).unwrap();
        }
        load_files(files)
    }

    /// On repositories whose context classes interleave, every cell of a row (decided by class,
    /// tags swapped in place, account-level results kept) is the decision of the assembled set.
    #[test]
    fn rows_decided_by_class_equal_assembled_decisions() {
        let f = Fixture::of(interleaved());
        let (subjects, options) = (&f.subjects, &f.options);
        assert_eq!(f.repositories.len(), 5, "{:?}", f.repositories);
        let arns = f.arns();
        let compiled = f.compiled();
        // The rows are decided out of column order.
        assert_ne!(compiled.order, (0..arns.len()).collect::<Vec<_>>());
        let questions = push_pull();
        let mut allowed = 0;
        for (row, subject) in subjects.iter().enumerate() {
            let cells = compiled.row(row, &questions, options).unwrap();
            let mut i = 0;
            for arn in &arns {
                for question in &questions {
                    let actions: Vec<&str> = question.actions.iter().map(String::as_str).collect();
                    let cell = &cells[i];
                    assert_eq!(cell.resource, *arn);
                    assert_assembled(&f, subject, arn, &actions, cell);
                    allowed += usize::from(cell.decision == crate::Decision::Allow);
                    i += 1;
                }
            }
        }
        assert!(allowed > 0, "some cell is allowed");
    }

    /// An action that does not fit a repository is the error `Request::new` gives for the first
    /// cell, from a row, a run and a single cell alike; nothing is decided.
    #[test]
    fn an_action_that_does_not_fit_is_the_requests_error() {
        let f = Fixture::new();
        let arns = f.arns();
        let compiled = f.compiled();
        let options = Options::default();
        for action in ["s3:GetObject", "ecr:PutImages", "ecr:PutImage*"] {
            let expected = Request::new(action, arns[0], None).unwrap_err().to_string();
            let question = Question {
                name: action.to_string(),
                actions: vec!["ecr:PutImage".to_string(), action.to_string()],
            };
            let row = compiled
                .row(0, std::slice::from_ref(&question), &options)
                .unwrap_err();
            assert_eq!(row.message, expected);
            let cell = compiled
                .decide(0, 0, &["ecr:PutImage", action], &options)
                .unwrap_err();
            assert_eq!(cell.message, expected);
            let mut seen = 0;
            let run = compiled
                .rows::<SnapshotError>(&[question], &options, 2, |_, _| {
                    seen += 1;
                    Ok(())
                })
                .unwrap_err();
            assert_eq!((run.message, seen), (expected, 0));
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
        let f = Fixture::new();
        let compiled = f.compiled();
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
