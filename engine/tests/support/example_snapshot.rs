//! The files of the corpus's example snapshot (`corpus/snapshots/example/snapshot`), read as
//! `ecrsim` reads a snapshot folder: every file below it, named by its path relative to it with
//! `/` between components, sorted by name. The matrix unit tests (`engine/src/snapshot/matrix.rs`)
//! and the snapshot benchmarks (`benches/benches/snapshot.rs`) include this file with `#[path]`
//! (both crates sit one folder below the repository root), each making its `SnapshotFile`s.

/// `(relative path, bytes)` of every file of the example snapshot, sorted by path.
pub(crate) fn example_snapshot_files() -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/snapshots/example/snapshot");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}
