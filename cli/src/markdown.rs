//! `--format markdown`: reports a PR bot can post as a comment (GitHub-flavoured Markdown
//! tables, fixes in ```json blocks). Each renderer reads the command's JSON report, so the
//! Markdown never says more or less than `--format json`.

use std::fmt::Write as _;

use serde_json::Value;

/// Text for a table cell: `|` escaped, line breaks as `<br>`, HTML markup neutralised.
pub fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// Inline code in a table cell, with a fence long enough for backticks in the text.
pub fn code(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    cell(&format!("{fence}{pad}{text}{pad}{fence}"))
}

fn s(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn yes_no(value: &Value) -> &'static str {
    if value.as_bool().unwrap_or_default() {
        "yes"
    } else {
        "no"
    }
}

/// A fenced ```json block holding `value`, pretty-printed.
fn json_block(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    // A JSON string cannot hold a raw newline, so no line of it can close the fence early.
    format!("```json\n{text}\n```\n")
}

fn statement_label(statement: &Value) -> String {
    match statement["sid"].as_str() {
        Some(sid) => sid.to_string(),
        None => format!("#{}", statement["index"]),
    }
}

fn fix_section(out: &mut String, fix: &Value) {
    if fix.is_null() {
        return;
    }
    let _ = writeln!(out, "\n**Fix:** {}\n", cell(s(&fix["summary"])));
    match fix["changes"].as_array() {
        Some(changes) if !changes.is_empty() => {
            for change in changes {
                let _ = writeln!(out, "In the {}:\n", cell(s(&change["policyType"])));
                out.push_str(&json_block(&change["statement"]));
            }
        }
        _ if !fix["statement"].is_null() => out.push_str(&json_block(&fix["statement"])),
        _ => {}
    }
}

/// One `check` report (the object of `check --format json`).
pub fn check(report: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### ecrsim check: **{}**\n\n{} on {}{}\n",
        s(&report["decision"]),
        code(s(&report["action"])),
        code(s(&report["resource"])),
        report["reason"]
            .as_str()
            .map(|r| format!(": {}", cell(r)))
            .unwrap_or_default()
    );
    statements_table(&mut out, &report["statements"]);
    for note in report["notes"].as_array().into_iter().flatten() {
        let text = note
            .as_str()
            .unwrap_or_else(|| note["message"].as_str().unwrap_or_default());
        if !text.is_empty() {
            let _ = writeln!(out, "\n> {}", cell(text));
        }
    }
    fix_section(&mut out, &report["fix"]);
    out
}

fn statements_table(out: &mut String, statements: &Value) {
    let statements = statements.as_array().map(Vec::as_slice).unwrap_or_default();
    if statements.is_empty() {
        out.push_str("No statement takes part.\n");
        return;
    }
    out.push_str(
        "| Policy | Type | Statement | Line | Effect | Applies | Decides | Why it does not apply |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for statement in statements {
        let why = statement["mismatches"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| cell(s(&m["message"])))
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            code(s(&statement["policy"])),
            cell(s(&statement["policyType"])),
            code(&statement_label(statement)),
            statement["line"],
            cell(s(&statement["effect"])),
            yes_no(&statement["applies"]),
            yes_no(&statement["decides"]),
            why
        );
    }
}

/// A workflow report (the object of `check --workflow W --format json`): one row per action,
/// then the fix of each denied action.
pub fn workflow(report: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### ecrsim check --workflow {}: **{}**\n\n{}\n",
        cell(s(&report["workflow"])),
        s(&report["decision"]),
        cell(s(&report["description"]))
    );
    out.push_str("| Action | Resource | Decision | Reason |\n|---|---|---|---|\n");
    let results = report["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for result in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(s(&result["action"])),
            code(s(&result["resource"])),
            s(&result["decision"]),
            cell(s(&result["reason"]))
        );
    }
    for result in results {
        if result["decision"] != "Allow" && !result["fix"].is_null() {
            let _ = write!(out, "\n#### {}\n", code(s(&result["action"])));
            fix_section(&mut out, &result["fix"]);
        }
    }
    out
}

/// `lint` findings (the array of `lint --format json`).
pub fn lint(findings: &Value, unreadable: &[String]) -> String {
    let findings = findings.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out = String::from("### ecrsim lint\n\n");
    for message in unreadable {
        let _ = writeln!(out, "> error: {}\n", cell(message));
    }
    if findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| File | Line | Column | Severity | Code | Message | Help |\n|---|---|---|---|---|---|---|\n");
    for f in findings {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} {} | {} | {} |",
            code(s(&f["file"])),
            f["line"],
            f["column"],
            cell(s(&f["severity"])),
            cell(s(&f["code"])),
            cell(s(&f["name"])),
            cell(s(&f["message"])),
            cell(s(&f["help"]))
        );
    }
    let _ = writeln!(out, "\n{} finding(s).", findings.len());
    out
}

/// An `explain` summary (the object of `explain --format json`): one row per service and access
/// level, with the actions granted.
pub fn explain(summary: &Value) -> String {
    let mut out = String::from("### ecrsim explain\n\n");
    let policies: Vec<String> = summary["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| code(s(p)))
        .collect();
    let _ = writeln!(out, "Policies: {}\n", policies.join(", "));
    let services = summary["allowed"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if services.is_empty() {
        out.push_str("Allows nothing.\n");
    } else {
        out.push_str("| Service | Access | Level | Granted | Actions |\n|---|---|---|---|---|\n");
        for service in services {
            for level in service["levels"].as_array().into_iter().flatten() {
                let actions: Vec<String> = level["actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| code(s(&a["action"])))
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} of {} | {} |",
                    cell(s(&service["service"])),
                    cell(s(&service["access"])),
                    cell(s(&level["level"])),
                    level["granted"],
                    level["total"],
                    actions.join(" ")
                );
            }
        }
    }
    for warning in summary["warnings"].as_array().into_iter().flatten() {
        let text = warning
            .as_str()
            .or_else(|| warning["message"].as_str())
            .unwrap_or_default();
        if !text.is_empty() {
            let _ = writeln!(out, "\n> {}", cell(text));
        }
    }
    out
}

/// A `diff` report (the object of `diff --format json`): access gained, then lost.
pub fn diff(report: &Value) -> String {
    let mut out = String::from("### ecrsim diff\n");
    for (key, title) in [("gained", "Access gained"), ("lost", "Access lost")] {
        let changes = report[key]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let _ = writeln!(out, "\n#### {title} ({})\n", changes.len());
        if changes.is_empty() {
            out.push_str("None.\n");
            continue;
        }
        out.push_str("| Action | Resource | Before | After |\n|---|---|---|---|\n");
        for change in changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(s(&change["action"])),
                code(s(&change["resource"])),
                cell(s(&change["before"])),
                cell(s(&change["after"]))
            );
        }
    }
    for note in report["notes"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "\n> {}", cell(s(note)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_newlines_and_markup() {
        assert_eq!(cell("a|b\nc<d>"), "a\\|b<br>c&lt;d&gt;");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("ecr:*"), "`ecr:*`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }
}
