//! `--version` names the bundled data, and `ecrsim man --dir` writes a page per command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use support::{ecrsim, text, workspace_root};

#[test]
fn version_names_the_bundled_data_the_binary_uses() {
    let out = ecrsim(&["--version"], "");
    assert_eq!(out.status.code(), Some(0));
    let version = text(&out.stdout);
    let catalog = ecrsim_engine::Catalog::builtin().source();
    let managed = ecrsim_engine::managed_policies_source();
    assert!(
        version.starts_with(&format!("ecrsim {}\n", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(
        version.contains(&format!(
            "\nservice catalog: {catalog} (AWS Service Authorization Reference of 20"
        )),
        "{version}"
    );
    assert!(
        version.contains(&format!("\nmanaged policies: {managed} (")),
        "{version}"
    );
    // Short -V stays one line.
    assert_eq!(
        text(&ecrsim(&["-V"], "").stdout),
        format!("ecrsim {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn man_dir_writes_a_page_per_command_with_its_exit_status() {
    let dir = workspace_root().join("target/test-man-pages");
    let _ = std::fs::remove_dir_all(&dir);
    let out = ecrsim(&["man", "--dir", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for expected in [
        "ecrsim.1",
        "ecrsim-check.1",
        "ecrsim-test.1",
        "ecrsim-lint.1",
        "ecrsim-managed-policies-show.1",
        "ecrsim-man.1",
    ] {
        assert!(
            files.contains(&expected.to_string()),
            "{expected} in {files:?}"
        );
    }
    let check = std::fs::read_to_string(dir.join("ecrsim-check.1")).unwrap();
    assert!(check.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{check}");
    assert!(check.contains("\\-\\-workflow"), "options are listed");
    assert!(
        check.contains("Example: why does `docker login` fail"),
        "examples are included"
    );
    assert!(check.ends_with(".SH \"EXIT STATUS\"\n0 the request (or every action of the workflow) is allowed; 1 denied; 2 bad input or usage.\n"), "{check}");
    // Without --dir, ecrsim(1) goes to standard output as before.
    let top = text(&ecrsim(&["man"], "").stdout);
    assert_eq!(top, std::fs::read_to_string(dir.join("ecrsim.1")).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
