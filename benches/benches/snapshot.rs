//! Criterion benchmarks of the snapshot questions (figures in benches/README.md), on the test
//! snapshot of the corpus (`corpus/snapshots/example/snapshot`):
//!
//! - `snapshot/compiled-cell/push`: one matrix cell (docker push, 6 actions) of a principal and a
//!   repository compiled once ([`Compiled::decide`], what `matrix` and `who-can` do);
//! - `snapshot/assembled-cell/push`: the same cell with the policies assembled and indexed for
//!   the pair ([`ecrsim_engine::decide_subject`], what one `check --snapshot` does);
//! - `snapshot/compiled-row/pull+push`: every cell of one principal's row;
//! - `snapshot/compile`: compiling every principal and repository of the snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark should stop loudly on unexpected input"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ecrsim_engine::Options;
use ecrsim_engine::{Compiled, Question, all_subjects};
use ecrsim_engine::{Snapshot, SnapshotFile};

#[path = "../../engine/tests/support/example_snapshot.rs"]
mod example_snapshot;

/// The example snapshot of the corpus, loaded (the files as the matrix unit tests read them).
fn example() -> Snapshot {
    let files: Vec<SnapshotFile> = example_snapshot::example_snapshot_files()
        .into_iter()
        .map(|(path, bytes)| SnapshotFile { path, bytes })
        .collect();
    ecrsim_engine::load_snapshot(&files).unwrap()
}

fn question(name: &str) -> Question {
    let w = ecrsim_engine::find_workflow(name).unwrap();
    Question {
        name: w.name.to_string(),
        actions: w.actions.iter().map(|a| a.to_string()).collect(),
    }
}

fn snapshot(c: &mut Criterion) {
    let snapshot = example();
    let subjects = all_subjects(&snapshot).unwrap();
    let arns: Vec<String> = snapshot.repositories().map(|r| r.arn.clone()).collect();
    let arns: Vec<&str> = arns.iter().map(String::as_str).collect();
    let compiled = Compiled::new(&snapshot, subjects.clone(), &arns).unwrap();
    let row = subjects
        .iter()
        .position(|s| s.name() == "role/ci-push")
        .unwrap();
    let column = arns.iter().position(|a| a.ends_with("/app")).unwrap();
    let mut options = Options::default();
    options.at = Some(1_780_000_000);
    let push = question("push");
    let actions: Vec<&str> = push.actions.iter().map(String::as_str).collect();
    assert_eq!(
        compiled
            .decide(row, column, &actions, &options)
            .unwrap()
            .decision(),
        ecrsim_engine::Decision::Allow
    );

    let mut group = c.benchmark_group("snapshot");
    group.bench_function("compiled-cell/push", |b| {
        b.iter(|| black_box(compiled.decide(row, column, &actions, &options).unwrap()));
    });
    let subject = &subjects[row];
    group.bench_function("assembled-cell/push", |b| {
        b.iter(|| {
            black_box(
                ecrsim_engine::decide_subject(
                    &snapshot,
                    subject,
                    &actions,
                    Some(arns[column]),
                    options.clone(),
                )
                .unwrap(),
            )
        });
    });
    let both = [question("pull"), push.clone()];
    group.bench_function("compiled-row/pull+push", |b| {
        b.iter(|| black_box(compiled.row(row, &both, &options).unwrap()));
    });
    group.bench_function("compile", |b| {
        b.iter(|| black_box(Compiled::new(&snapshot, subjects.clone(), &arns).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, snapshot);
criterion_main!(benches);
