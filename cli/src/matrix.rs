//! `ecrsim matrix`: principals × repositories × workflows of a snapshot, streamed row by row as
//! human text, JSON, CSV, Markdown or one self-contained HTML page whose cells open their
//! explanation. The decisions come from `engine/src/snapshot/matrix.rs`; the words are made
//! here.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

use ecrsim_engine::Decision;
use ecrsim_engine::{ActionResult, Answer, Subject};
use ecrsim_engine::{Compiled, Question};
use ecrsim_engine::{Repository, SnapshotError};
use serde_json::json;

use crate::input::LoadError;
use crate::snapshot::{answer_json, csv_field, first_denied, md_cell, why};

/// The workflows asked when neither --workflow nor --action is given.
pub const DEFAULT_WORKFLOWS: &[&str] = &["pull", "push"];

const MATRIX_EXAMPLE: &str = "\
Example: who can pull and push which repository, as a page to open in a browser.

  ecrsim matrix --snapshot snapshot/ --format html > matrix.html
  ecrsim matrix --snapshot snapshot/ --workflow push --format csv

Rows are every user and role of the snapshot, then every principal outside it that a repository
or registry policy names; columns are the repositories, each with the workflows asked (default:
pull and push; `ecrsim workflows` lists them). A workflow is allowed when every one of its
actions is. Requests are sent to each repository's Region unless --region says otherwise.
Exit codes: 0 some cell is allowed, 1 none is, 2 bad input or usage.";

/// Output formats of `matrix`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixFormat {
    /// One line per principal and repository, a decision per workflow.
    #[default]
    Human,
    /// One JSON object: the questions, the repositories, then one object per principal with
    /// its cells (schema in README.md).
    Json,
    /// CSV with a header line, one line per cell (the columns of `who-can --format csv`).
    Csv,
    /// A Markdown table: a row per principal, a column per repository and workflow.
    Markdown,
    /// One self-contained HTML page (no network): click a cell for its explanation.
    Html,
}

/// Arguments of `matrix`.
#[derive(Debug, clap::Args)]
#[command(after_help = MATRIX_EXAMPLE)]
#[command(mut_arg("workflow", |a| a.help("A client workflow (repeat for several); default: pull and push")))]
pub struct MatrixArgs {
    /// The snapshot folder (docs/snapshot.md).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// The workflows (default: pull and push) or actions, when and where.
    #[command(flatten)]
    pub question: crate::snapshot::QuestionArgs,
    /// Threads deciding rows at once; default: the number of CPUs.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: MatrixFormat,
}

/// The number of threads: `--jobs`, else the CPUs.
pub fn jobs(given: Option<u16>) -> usize {
    given.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        usize::from,
    )
}

/// What stops the stream: bad input, or a closed or failing standard output.
enum Stop {
    Input(LoadError),
    Write(io::Error),
}

impl From<SnapshotError> for Stop {
    fn from(e: SnapshotError) -> Stop {
        Stop::Input(LoadError(e.message))
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        Stop::Write(e)
    }
}

impl From<LoadError> for Stop {
    fn from(e: LoadError) -> Stop {
        Stop::Input(e)
    }
}

/// Runs `matrix`.
pub fn run(args: &MatrixArgs) -> u8 {
    let json = args.format == MatrixFormat::Json;
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = stream(args, &mut out).and_then(|any| {
        out.flush()?;
        Ok(any)
    });
    match result {
        Ok(true) => crate::EXIT_ALLOWED,
        Ok(false) => crate::EXIT_DENIED,
        // `ecrsim matrix | head`: the reader has what it wanted.
        Err(Stop::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => crate::EXIT_ALLOWED,
        Err(Stop::Write(e)) => crate::errors::fail(json, &format!("cannot write the matrix: {e}")),
        Err(Stop::Input(e)) => crate::errors::fail(json, &e.0),
    }
}

/// The questions asked: workflows (default [`DEFAULT_WORKFLOWS`]) or actions.
fn questions(args: &MatrixArgs) -> Result<Vec<Question>, LoadError> {
    Ok(args
        .question
        .asked(DEFAULT_WORKFLOWS)?
        .into_iter()
        .map(|(name, actions)| Question { name, actions })
        .collect())
}

/// Reads the snapshot, decides every cell and writes them; whether any cell is allowed.
fn stream(args: &MatrixArgs, out: &mut impl Write) -> Result<bool, Stop> {
    let snapshot = crate::snapshot::read(&args.snapshot)?;
    let in_snapshot = |e: SnapshotError| {
        LoadError(format!(
            "snapshot {}: {}",
            args.snapshot.display(),
            e.message
        ))
    };
    let questions = questions(args)?;
    let options = args.question.options()?;
    let arns: Vec<String> = snapshot.repositories().map(|r| r.arn.clone()).collect();
    if arns.is_empty() {
        return Err(Stop::Input(LoadError(format!(
            "snapshot {}: no repositories: a matrix needs the `aws ecr describe-repositories` output of an account (docs/snapshot.md)",
            args.snapshot.display()
        ))));
    }
    let arns: Vec<&str> = arns.iter().map(String::as_str).collect();
    let subjects = ecrsim_engine::all_subjects(&snapshot).map_err(in_snapshot)?;
    let compiled = Compiled::new(&snapshot, subjects, &arns).map_err(in_snapshot)?;
    let repositories: Vec<&Repository> = compiled.repositories().collect();
    let subjects: Vec<Subject> = compiled.subjects().cloned().collect();
    let mut writer: Box<dyn Sink + '_> = match args.format {
        MatrixFormat::Human => Box::new(Human::default()),
        MatrixFormat::Json => Box::new(Json::default()),
        MatrixFormat::Csv => Box::new(Csv::default()),
        MatrixFormat::Markdown => Box::new(Markdown),
        MatrixFormat::Html => Box::new(Html::default()),
    };
    let header = Header {
        snapshot: &args.snapshot.display().to_string(),
        questions: &questions,
        repositories: &repositories,
        subjects: &subjects,
    };
    writer.start(out, &header)?;
    let mut allowed = 0usize;
    let mut cells = 0usize;
    compiled.rows::<Stop>(&questions, &options, jobs(args.jobs), |row, answers| {
        cells += answers.len();
        allowed += answers
            .iter()
            .filter(|a| a.decision() == Decision::Allow)
            .count();
        let subject = subjects
            .get(row)
            .ok_or_else(|| Stop::Input(LoadError(format!("row {row} has no principal"))))?;
        writer.row(
            out,
            &header,
            Row {
                subject,
                answers: &answers,
            },
        )?;
        Ok(())
    })?;
    writer.end(out, &header, Totals { allowed, cells })?;
    Ok(allowed > 0)
}

/// What every format knows before the first row.
struct Header<'a> {
    snapshot: &'a str,
    questions: &'a [Question],
    repositories: &'a [&'a Repository],
    subjects: &'a [Subject],
}

impl<'h> Header<'h> {
    /// The columns of the matrix: each repository, then each question, in the order of the
    /// cells of a row ([`Compiled::row`]).
    fn columns(&self) -> impl Iterator<Item = (&'h Repository, &'h Question)> + use<'h> {
        let questions = self.questions;
        self.repositories
            .iter()
            .flat_map(move |r| questions.iter().map(move |q| (*r, q)))
    }

    /// The cells of a row, one slice per repository (a cell per question).
    fn by_repository<'a>(
        &self,
        answers: &'a [Answer],
    ) -> impl Iterator<Item = (&'h Repository, &'a [Answer])> + use<'h, 'a> {
        let per = self.questions.len().max(1);
        self.repositories.iter().copied().zip(answers.chunks(per))
    }

    /// The cells of a row with the repository and the question each answers.
    fn cells<'a>(
        &self,
        answers: &'a [Answer],
    ) -> impl Iterator<Item = (&'h Repository, &'h Question, &'a Answer)> + use<'h, 'a> {
        self.columns()
            .zip(answers)
            .map(|((repository, question), answer)| (repository, question, answer))
    }

    /// The questions' names, comma-separated.
    fn question_names(&self) -> String {
        self.questions
            .iter()
            .map(|q| q.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `app`, or `app (111122223333)` when the snapshot has repositories of several accounts.
    fn repository_label(&self, repository: &Repository) -> String {
        let accounts: std::collections::BTreeSet<&str> = self
            .repositories
            .iter()
            .map(|r| r.account.as_str())
            .collect();
        if accounts.len() > 1 {
            format!("{} ({})", repository.name, repository.account)
        } else {
            repository.name.clone()
        }
    }
}

/// One output format, written as the rows come.
trait Sink {
    fn start(&mut self, out: &mut dyn Write, header: &Header<'_>) -> io::Result<()>;
    /// The cells of one principal: repository-major, then question, as [`Compiled::row`].
    fn row(&mut self, out: &mut dyn Write, header: &Header<'_>, row: Row<'_>) -> io::Result<()>;
    fn end(&mut self, out: &mut dyn Write, header: &Header<'_>, totals: Totals) -> io::Result<()>;
}

/// One principal's row: who, and a cell per repository and question ([`Header::cells`]).
#[derive(Clone, Copy)]
struct Row<'a> {
    subject: &'a Subject,
    answers: &'a [Answer],
}

/// The counts the last lines say.
#[derive(Clone, Copy)]
struct Totals {
    allowed: usize,
    cells: usize,
}

/// `Allow`, `ImplicitDeny`, `ExplicitDeny`.
fn decision_word(decision: Decision) -> &'static str {
    decision.as_str()
}

#[derive(Default)]
struct Human {
    name_width: usize,
    repository_width: usize,
}

impl Sink for Human {
    fn start(&mut self, out: &mut dyn Write, header: &Header<'_>) -> io::Result<()> {
        self.name_width = header
            .subjects
            .iter()
            .map(|s| s.name().chars().count())
            .max()
            .unwrap_or(0);
        self.repository_width = header
            .repositories
            .iter()
            .map(|r| header.repository_label(r).chars().count())
            .max()
            .unwrap_or(0);
        writeln!(
            out,
            "{} principals × {} repositories × {} ({}); a workflow is allowed when every action is",
            header.subjects.len(),
            header.repositories.len(),
            header.question_names(),
            header.snapshot
        )
    }

    fn row(&mut self, out: &mut dyn Write, header: &Header<'_>, row: Row<'_>) -> io::Result<()> {
        let Row { subject, answers } = row;
        let printable = |s: &str| ecrsim_engine::printable(s).into_owned();
        for (repository, cells) in header.by_repository(answers) {
            let mut line = format!(
                "{:<width$}  {:<repository_width$}",
                printable(&subject.name()),
                printable(&header.repository_label(repository)),
                width = self.name_width,
                repository_width = self.repository_width
            );
            for (question, answer) in header.questions.iter().zip(cells) {
                line.push_str(&format!(
                    "  {} {}",
                    question.name,
                    decision_word(answer.decision())
                ));
            }
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write, _header: &Header<'_>, totals: Totals) -> io::Result<()> {
        let Totals { allowed, cells } = totals;
        writeln!(
            out,
            "{allowed} of {cells} allowed (`who-can --all` or `--format html` for the reasons)"
        )
    }
}

#[derive(Default)]
struct Json {
    first: bool,
}

impl Sink for Json {
    fn start(&mut self, out: &mut dyn Write, header: &Header<'_>) -> io::Result<()> {
        let questions: Vec<_> = header
            .questions
            .iter()
            .map(|q| json!({"name": q.name, "actions": q.actions}))
            .collect();
        let repositories: Vec<_> = header
            .repositories
            .iter()
            .map(
                |r| json!({"arn": r.arn, "name": r.name, "account": r.account, "region": r.region}),
            )
            .collect();
        write!(
            out,
            "{{\"snapshot\":{},\"questions\":{},\"repositories\":{},\"principals\":[",
            serde_json::Value::from(header.snapshot),
            serde_json::Value::from(questions),
            serde_json::Value::from(repositories)
        )?;
        self.first = true;
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, header: &Header<'_>, row: Row<'_>) -> io::Result<()> {
        let Row { subject, answers } = row;
        let cells: Vec<serde_json::Value> = header
            .cells(answers)
            .map(|(_, question, a)| {
                let mut cell = answer_json(&question.name, a);
                if let Some(object) = cell.as_object_mut() {
                    for key in ["principal", "name", "kind", "external"] {
                        object.remove(key);
                    }
                }
                cell
            })
            .collect();
        let row = json!({
            "principal": subject.principal(),
            "name": subject.name(),
            "kind": subject.kind(),
            "external": subject.is_external(),
            "cells": cells,
        });
        if !self.first {
            out.write_all(b",")?;
        }
        self.first = false;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut *out, &row).map_err(io::Error::other)
    }

    fn end(&mut self, out: &mut dyn Write, header: &Header<'_>, totals: Totals) -> io::Result<()> {
        let Totals { allowed, cells } = totals;
        writeln!(
            out,
            "\n],\"summary\":{{\"principals\":{},\"repositories\":{},\"cells\":{cells},\"allowed\":{allowed}}}}}",
            header.subjects.len(),
            header.repositories.len()
        )
    }
}

/// The CSV writer. The `why` of a denied cell is the first denied action and its reason
/// ([`why`]): kept once per distinct pair, so most cells write it without formatting it again.
#[derive(Default)]
struct Csv {
    denied: Vec<(String, ecrsim_engine::Reason, String)>,
}

/// `text` as one CSV field (as [`csv_field`]), written without a copy when it needs no quotes.
fn write_csv_field(out: &mut dyn Write, text: &str) -> io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) {
        out.write_all(csv_field(text).as_bytes())
    } else {
        out.write_all(text.as_bytes())
    }
}

impl Csv {
    /// The CSV field of the `why` of `answer`.
    fn why(&mut self, answer: &Answer) -> std::borrow::Cow<'_, str> {
        let Some(denied) = first_denied(answer) else {
            return csv_field(&why(answer)).into();
        };
        let at =
            match self.denied.iter().position(|(action, reason, _)| {
                *reason == denied.reason && *action == denied.action
            }) {
                Some(at) => at,
                None => {
                    self.denied.push((
                        denied.action.clone(),
                        denied.reason,
                        csv_field(&why(answer)),
                    ));
                    self.denied.len() - 1
                }
            };
        self.denied.get(at).map_or_else(
            || csv_field(&why(answer)).into(),
            |(_, _, text)| text.as_str().into(),
        )
    }
}

impl Sink for Csv {
    fn start(&mut self, out: &mut dyn Write, _header: &Header<'_>) -> io::Result<()> {
        out.write_all(b"principal,name,kind,resource,question,decision,why\n")
    }

    fn row(&mut self, out: &mut dyn Write, header: &Header<'_>, row: Row<'_>) -> io::Result<()> {
        let Row { subject, answers } = row;
        let mut first = Vec::new();
        write_csv_field(&mut first, &subject.principal())?;
        first.push(b',');
        write_csv_field(&mut first, &subject.name())?;
        first.push(b',');
        first.extend_from_slice(subject.kind().as_bytes());
        first.push(b',');
        for (_, question, a) in header.cells(answers) {
            out.write_all(&first)?;
            write_csv_field(out, a.resource())?;
            out.write_all(b",")?;
            write_csv_field(out, &question.name)?;
            out.write_all(b",")?;
            out.write_all(a.decision().as_str().as_bytes())?;
            out.write_all(b",")?;
            out.write_all(self.why(a).as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn end(&mut self, _: &mut dyn Write, _: &Header<'_>, _: Totals) -> io::Result<()> {
        Ok(())
    }
}

struct Markdown;

impl Sink for Markdown {
    fn start(&mut self, out: &mut dyn Write, header: &Header<'_>) -> io::Result<()> {
        writeln!(
            out,
            "**Access matrix of `{}`** (a workflow is allowed when every action is)\n",
            md_cell(header.snapshot)
        )?;
        let mut columns = vec!["principal".to_string()];
        for (repository, question) in header.columns() {
            columns.push(format!(
                "`{}` {}",
                md_cell(&header.repository_label(repository)),
                md_cell(&question.name)
            ));
        }
        writeln!(out, "| {} |", columns.join(" | "))?;
        writeln!(out, "|{}", "---|".repeat(columns.len()))
    }

    fn row(&mut self, out: &mut dyn Write, _header: &Header<'_>, row: Row<'_>) -> io::Result<()> {
        let Row { subject, answers } = row;
        let mut line = format!("| `{}` |", md_cell(&subject.name()));
        for a in answers {
            line.push_str(&format!(" {} |", decision_word(a.decision())));
        }
        writeln!(out, "{line}")
    }

    fn end(&mut self, out: &mut dyn Write, _header: &Header<'_>, totals: Totals) -> io::Result<()> {
        let Totals { allowed, cells } = totals;
        writeln!(out, "\n{allowed} of {cells} allowed.")
    }
}

/// The HTML page: the table is written as rows come; each cell names an explanation by index.
/// Explanations are kept once each, as lists of lines kept once each (one line per action's
/// result), and written at the end: the page's size and the memory grow with the distinct
/// explanations, not with the cells.
#[derive(Default)]
struct Html {
    lines: Vec<String>,
    line_ids: HashMap<String, usize>,
    explanations: Vec<Vec<usize>>,
    explanation_ids: HashMap<Vec<usize>, usize>,
}

/// Text for an HTML element or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON for inside a `<script>` element: `</script>` and the line separators JavaScript does not
/// accept in strings cannot end it.
fn script_json(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The lines explaining one action's decision, in the words of `check`: the decision with the
/// action (and `*` for an account-level one), then why it is denied, then each deciding
/// statement by its policy's real name.
pub fn action_lines(result: &ActionResult) -> String {
    let p = |s: &str| ecrsim_engine::printable(s).into_owned();
    let mut text = format!("{}: {}", result.decision, p(&result.action));
    if result.resource == "*" {
        text.push_str(" on *");
    }
    if result.decision != Decision::Allow || result.deciding.is_empty() {
        text.push_str(&format!("\n  why: {}", p(&result.reason.to_string())));
    }
    for d in &result.deciding {
        text.push_str(&format!(
            "\n  decides: {} `{}`",
            p(&d.policy),
            p(&d.statement)
        ));
    }
    text
}

impl Html {
    fn line_id(&mut self, text: String) -> usize {
        if let Some(&id) = self.line_ids.get(&text) {
            return id;
        }
        let id = self.lines.len();
        self.lines.push(text.clone());
        self.line_ids.insert(text, id);
        id
    }

    fn explanation_id(&mut self, answer: &Answer) -> usize {
        let lines: Vec<usize> = answer
            .results()
            .iter()
            .map(|r| self.line_id(action_lines(r)))
            .collect();
        if let Some(&id) = self.explanation_ids.get(&lines) {
            return id;
        }
        let id = self.explanations.len();
        self.explanations.push(lines.clone());
        self.explanation_ids.insert(lines, id);
        id
    }
}

const STYLE: &str = "
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1em;color:#222}
h1{font-size:1.3em}
.wrap{overflow:auto;max-height:75vh;border:1px solid #ccc}
table{border-collapse:collapse}
th,td{border:1px solid #ddd;padding:2px 6px;white-space:nowrap}
thead th{position:sticky;background:#f4f4f4;z-index:1}
thead tr:first-child th{top:0}
thead tr:nth-child(2) th{top:1.6em}
tbody th{text-align:left;position:sticky;left:0;background:#fafafa;font-weight:normal}
td{cursor:pointer;text-align:center;font-family:ui-monospace,monospace}
td.A{background:#d7f5d7}td.I{background:#f3f3f3;color:#777}td.E{background:#f8d0d0}
td.sel{outline:2px solid #2a6ede}
#explain{position:fixed;right:1em;bottom:1em;max-width:48em;max-height:45vh;overflow:auto;background:#fff;border:1px solid #888;box-shadow:0 2px 8px #0004;padding:.6em 1em;display:none}
#explain pre{white-space:pre-wrap;margin:.4em 0;font-family:ui-monospace,monospace}
#explain button{float:right}
.legend span{padding:0 .5em;margin-right:.5em}
";

const SCRIPT: &str = "
(function(){
  var panel=document.getElementById('explain');
  var title=document.getElementById('explain-title');
  var body=document.getElementById('explain-text');
  var table=document.getElementById('matrix');
  var selected=null;
  function show(td){
    var x=Number(td.getAttribute('data-x'));
    var row=td.parentNode.rowIndex-2;
    var col=td.cellIndex-1;
    var q=Q.length;
    var repo=R[Math.floor(col/q)], question=Q[col%q];
    var who=table.tBodies[0].rows[row].cells[0].textContent;
    var lines=X[x].map(function(i){return L[i];});
    title.textContent=td.getAttribute('data-d')+': '+question+' by '+who+' on '+repo;
    body.textContent=lines.join('\\n');
    if(selected){selected.classList.remove('sel');}
    selected=td;td.classList.add('sel');
    panel.style.display='block';
  }
  table.addEventListener('click',function(e){
    var td=e.target.closest('td');
    if(td&&td.hasAttribute('data-x')){show(td);}
  });
  document.getElementById('explain-close').addEventListener('click',function(){
    panel.style.display='none';
    if(selected){selected.classList.remove('sel');selected=null;}
  });
})();
";

impl Sink for Html {
    fn start(&mut self, out: &mut dyn Write, header: &Header<'_>) -> io::Result<()> {
        let title = format!("ecrsim access matrix: {}", header.snapshot);
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<p class=\"legend\">{} principals × {} repositories × {}. A workflow is allowed when every one of its actions is. <span class=\"A\" style=\"background:#d7f5d7\">Allow</span><span style=\"background:#f3f3f3\">implicit deny (-)</span><span style=\"background:#f8d0d0\">explicit deny (DENY)</span> Click a cell for its explanation.</p>\n<div class=\"wrap\"><table id=\"matrix\"><thead><tr><th rowspan=\"2\">principal</th>",
            escape(&title),
            escape(&title),
            header.subjects.len(),
            header.repositories.len(),
            escape(&header.question_names())
        )?;
        for repository in header.repositories {
            write!(
                out,
                "<th colspan=\"{}\" title=\"{}\">{}</th>",
                header.questions.len(),
                escape(&repository.arn),
                escape(&header.repository_label(repository))
            )?;
        }
        out.write_all(b"</tr><tr>")?;
        for (_, question) in header.columns() {
            write!(out, "<th>{}</th>", escape(&question.name))?;
        }
        out.write_all(b"</tr></thead><tbody>\n")
    }

    fn row(&mut self, out: &mut dyn Write, _header: &Header<'_>, row: Row<'_>) -> io::Result<()> {
        let Row { subject, answers } = row;
        write!(
            out,
            "<tr><th title=\"{}\">{}</th>",
            escape(&subject.principal()),
            escape(&subject.name())
        )?;
        for answer in answers {
            let id = self.explanation_id(answer);
            let (class, text) = match answer.decision() {
                Decision::Allow => ("A", "allow"),
                Decision::ImplicitDeny => ("I", "-"),
                Decision::ExplicitDeny => ("E", "DENY"),
            };
            write!(
                out,
                "<td class=\"{class}\" data-x=\"{id}\" data-d=\"{}\">{text}</td>",
                answer.decision().as_str()
            )?;
        }
        out.write_all(b"</tr>\n")
    }

    fn end(&mut self, out: &mut dyn Write, header: &Header<'_>, totals: Totals) -> io::Result<()> {
        let Totals { allowed, cells } = totals;
        write!(
            out,
            "</tbody></table></div>\n<p>{allowed} of {cells} cells allowed.</p>\n<div id=\"explain\" role=\"dialog\"><button id=\"explain-close\" type=\"button\">close</button><strong id=\"explain-title\"></strong><pre id=\"explain-text\"></pre></div>\n<script>\n"
        )?;
        let repositories: Vec<String> = header
            .repositories
            .iter()
            .map(|r| header.repository_label(r))
            .collect();
        let questions: Vec<&str> = header.questions.iter().map(|q| q.name.as_str()).collect();
        writeln!(
            out,
            "var R={};\nvar Q={};",
            script_json(&json!(repositories)),
            script_json(&json!(questions))
        )?;
        writeln!(out, "var L={};", script_json(&json!(self.lines)))?;
        writeln!(out, "var X={};", script_json(&json!(self.explanations)))?;
        write!(out, "{SCRIPT}</script>\n</body></html>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let text = script_json(&json!(["</script><script>alert(1)</script>", "<!--"]));
        assert!(!text.contains('<'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back[0], "</script><script>alert(1)</script>");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
