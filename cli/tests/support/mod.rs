//! Running the `ecrsim` binary from the CLI tests: arguments, standard input written on its own
//! thread (a child that exits before reading it is not an error), a generous timeout that kills a
//! hung child, and the exit code with both outputs. Every test file includes it with `mod support;`.

#![allow(
    dead_code,
    reason = "each test binary includes this module and uses only part of it"
)]

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one run may take before it is killed and the test fails. Generous on purpose: the CI
/// machine has two busy cores, and the point is that a hang fails instead of blocking forever.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// The workspace root, where every run starts, so relative paths are the ones a user would type.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the cli crate lives in the workspace")
        .to_path_buf()
}

/// Runs `ecrsim ARGS` from the workspace root with `stdin` as standard input.
pub fn ecrsim(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    run(args, Some(stdin.as_ref().to_vec()), None)
}

/// The output stream a run closes from the start, as `ecrsim … | head -1` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Runs `ecrsim ARGS` with no standard input and one output stream closed from the start.
pub fn ecrsim_with_closed(args: &[&str], closed: Closed) -> Output {
    run(args, None, Some(closed))
}

/// Output bytes as text; the tests expect UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

fn run(args: &[&str], stdin: Option<Vec<u8>>, closed: Option<Closed>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrsim"))
        .args(args)
        .current_dir(workspace_root())
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecrsim runs");
    let writer = child.stdin.take().zip(stdin).map(|(mut pipe, bytes)| {
        std::thread::spawn(move || match pipe.write_all(&bytes) {
            // The child may exit (or close its input) before reading everything.
            Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
            other => other,
        })
    });
    match closed {
        Some(Closed::Stdout) => drop(child.stdout.take()),
        Some(Closed::Stderr) => drop(child.stderr.take()),
        None => {}
    }
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let status = wait(&mut child, args);
    if let Some(writer) = writer {
        writer
            .join()
            .expect("stdin writer thread")
            .expect("write ecrsim's standard input");
    }
    let collect = |reader: Option<JoinHandle<Vec<u8>>>| {
        reader.map_or_else(Vec::new, |r| r.join().expect("output reader thread"))
    };
    Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

/// Reads a pipe to its end on its own thread, so a child filling one pipe cannot block.
fn read_all(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Waits for the child; past [`TIMEOUT`] kills it and fails the test.
fn wait(child: &mut Child, args: &[&str]) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for ecrsim") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`ecrsim {}` still ran after {TIMEOUT:?}: killed",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The scenario folders of `corpus/` (those holding a `cases.toml`), as paths relative to
/// `corpus/` with `/` separators (`examples/ecr-login`), sorted.
pub fn scenarios() -> Vec<String> {
    let corpus = workspace_root().join("corpus");
    let mut files = Vec::new();
    ecrsim_cli::corpus::find_case_files(&corpus, &mut files).expect("corpus/ is readable");
    files
        .iter()
        .map(|file| {
            let folder = file
                .parent()
                .and_then(|dir| dir.strip_prefix(&corpus).ok())
                .expect("a cases.toml inside corpus/");
            folder
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}
