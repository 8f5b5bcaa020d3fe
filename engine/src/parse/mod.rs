//! JSON text → validated [`Policy`]: every rule of docs/semantics.md#policy-grammar, with the file,
//! line, column and JSON pointer of the first violation.

pub(crate) mod mistake;
pub(crate) mod organization;

use std::fmt;
use std::sync::Arc;

use crate::data::catalog::Catalog;
use crate::matching::fuzzy;
use crate::model::condition::{Clause, ConditionBlock, Operator, OperatorErrorKind, parse_values};
use crate::model::policy::{
    ActionClause, ActionPattern, Effect, Policy, PolicyKind, PrincipalClause, PrincipalValue,
    ResourceClause, ResourceValue, Source, Statement, Version, Warning, WarningKind,
};
use crate::syntax::json::{self, Json, JsonError, JsonErrorKind, Member, Pos, Value};

const TOP_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_KEYS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// An invalid policy document: where, what kind of problem, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyError {
    /// What kind of problem it is, for callers to match on (the message is for people).
    pub kind: PolicyErrorKind,
    /// The document's name and text.
    pub source: Arc<Source>,
    /// Where the problem is.
    pub pos: Pos,
    /// JSON pointer of the offending value (`/Statement/0/Effect`), empty for the whole document.
    pub pointer: String,
    /// What is wrong, lower case, no final period.
    pub message: String,
    /// What to do about it, when there is something specific to say.
    pub help: Option<String>,
}

/// What kind of problem a [`PolicyError`] is: one kind per rule broken, not per message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// The text is not JSON.
    Json(JsonErrorKind),
    /// A value has the wrong JSON type (an array where an object belongs, a number for `Sid`…).
    WrongType,
    /// A key the element does not have (`Statment`, `Ressource`, `Principal: {"Aws": …}`).
    UnknownKey,
    /// A required element is missing (`Statement`, `Effect`, `Action`, `Principal`…).
    MissingElement,
    /// An array that must list at least one value is empty.
    EmptyArray,
    /// Both an element and its negation (`Action` and `NotAction`).
    ConflictingElements,
    /// `Version` is neither `2012-10-17` nor `2008-10-17`.
    InvalidVersion,
    /// `Effect` is neither `Allow` nor `Deny` (case-sensitive).
    InvalidEffect,
    /// Two statements have the same `Sid` where Sids must be unique.
    DuplicateSid,
    /// An action that is neither `*` nor `service:ActionName`.
    InvalidAction,
    /// A `Resource`/`NotResource` value that is neither `*` nor an ARN.
    InvalidResource,
    /// `Principal`/`NotPrincipal` in a kind of policy that has no principal.
    PrincipalNotAllowed,
    /// A principal IAM rejects: a wildcard inside a value, a bare string, `NotPrincipal` with
    /// `Allow`.
    InvalidPrincipal,
    /// A condition operator IAM does not have (e.g. `StringEqualz`).
    UnknownConditionOperator,
    /// `Null` with `IfExists`, `ForAllValues:` or `ForAnyValue:`.
    NullWithQualifier,
    /// A condition key not of the form `service:KeyName`.
    InvalidConditionKey,
    /// A condition key given twice under one operator (key names are case-insensitive).
    DuplicateConditionKey,
    /// A condition value the operator cannot take (a date operator given `yesterday`).
    InvalidConditionValue,
}

impl PolicyError {
    /// A JSON syntax error in `source`, as a policy error.
    pub(crate) fn from_json(source: Arc<Source>, e: JsonError) -> PolicyError {
        PolicyError {
            kind: PolicyErrorKind::Json(e.kind),
            source,
            pos: e.pos,
            pointer: e.pointer,
            message: format!("invalid JSON: {}", e.message),
            help: None,
        }
    }

    /// The error with a snippet of the offending line and a caret under the column.
    pub fn render(&self) -> String {
        let mut out = crate::syntax::printable::printable(&self.to_string()).into_owned();
        if let Some(line) = self
            .source
            .text
            .lines()
            .nth(self.pos.line.saturating_sub(1) as usize)
        {
            let number = self.pos.line.to_string();
            let gutter = " ".repeat(number.len());
            let caret_indent: String = line
                .chars()
                .take(self.pos.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "\n{gutter} |\n{number} | {}\n{gutter} | {caret_indent}^",
                crate::syntax::printable::printable(line.trim_end())
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!(
                "\n  = help: {}",
                crate::syntax::printable::printable(help)
            ));
        }
        out
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: ",
            self.source.name, self.pos.line, self.pos.column
        )?;
        if !self.pointer.is_empty() {
            write!(f, "{}: ", self.pointer)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// Reads `bytes` as JSON; a syntax error is a [`PolicyError`] naming `name`.
fn read_json(name: &str, bytes: &[u8]) -> Result<(Arc<Source>, Json), PolicyError> {
    let text: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
    let source = Arc::new(Source {
        name: name.to_string(),
        text,
    });
    let json = json::parse(bytes).map_err(|e| PolicyError::from_json(source.clone(), e))?;
    Ok((source, json))
}

/// Parses and validates a policy document of the given kind.
pub fn parse_policy(name: &str, bytes: &[u8], kind: PolicyKind) -> Result<Policy, PolicyError> {
    let (source, json) = read_json(name, bytes)?;
    policy_from_json(source, &json, kind)
}

/// Parses a policy given as a document, or as one of the shapes the AWS CLI prints around a
/// document ([`read_policy_input`]). Positions in errors refer to the document's own text.
pub fn parse_policy_input(
    name: &str,
    bytes: &[u8],
    kind: PolicyKind,
) -> Result<Policy, PolicyError> {
    read_policy_input(name, bytes)?.policy(kind)
}

/// A policy document as given: plain, or taken out of one of the shapes the AWS CLI prints.
#[derive(Clone, Debug)]
pub struct PolicyInput {
    /// What positions refer to: the file itself, or, for a document held in a JSON string field
    /// (`policyText`), the decoded text of that field, named `FILE (policyText)`.
    pub source: Arc<Source>,
    /// The document.
    pub json: Json,
    /// The AWS CLI shape the document was taken out of (`policyText`, `PolicyDocument`…).
    pub shape: Option<&'static str>,
    /// Whether the document was a JSON string inside the shape (its text is `source.text`), rather
    /// than an object in place (its positions are the file's).
    pub decoded: bool,
    /// Where that JSON string starts in the file, when the document was one.
    pub field_pos: Option<Pos>,
}

impl PolicyInput {
    /// Validates the document as a policy of `kind`.
    pub fn policy(&self, kind: PolicyKind) -> Result<Policy, PolicyError> {
        policy_from_json(self.source.clone(), &self.json, kind)
    }

    /// The document's own text: the file, the decoded string, or an object in place as compact
    /// JSON (whose positions are no longer the file's: validate with [`PolicyInput::policy`]).
    pub fn document_text(&self) -> String {
        if self.shape.is_some() && !self.decoded {
            self.json.to_json_string()
        } else {
            self.source.text.to_string()
        }
    }
}

/// Reads a policy document, or one of the shapes the AWS CLI prints around a document:
/// `aws ecr get-repository-policy`/`get-registry-policy` and `aws ecr-public
/// get-repository-policy` (`policyText`, a JSON string), `aws iam get-policy-version`
/// (`PolicyVersion.Document`), `aws iam get-role-policy` / `get-user-policy` /
/// `get-group-policy` (`PolicyDocument`), `aws iam get-role` (`Role.AssumeRolePolicyDocument`, the
/// trust policy), IAM's documents possibly URL-encoded, `aws organizations describe-policy`
/// (`Policy.Content`), and `aws kms get-key-policy` (`Policy`, a JSON string). Only JSON syntax is
/// checked here.
pub fn read_policy_input(name: &str, bytes: &[u8]) -> Result<PolicyInput, PolicyError> {
    let (source, json) = read_json(name, bytes)?;
    policy_input_from_json(source, json)
}

/// [`read_policy_input`] for JSON already read (a document inside a batch line): an object in
/// place keeps `source`'s positions; a string field's text is parsed as its own source, named
/// `NAME (FIELD)`.
pub(crate) fn policy_input_from_json(
    source: Arc<Source>,
    json: Json,
) -> Result<PolicyInput, PolicyError> {
    let Some((label, _, inner)) = cli_wrapped(&json) else {
        return Ok(PolicyInput {
            source,
            json,
            shape: None,
            decoded: false,
            field_pos: None,
        });
    };
    match &inner.value {
        Value::String(text) => {
            let decoded = percent_decode_document(text);
            let (source, json) =
                read_json(&format!("{} ({label})", source.name), decoded.as_bytes())?;
            Ok(PolicyInput {
                source,
                json,
                shape: Some(label),
                decoded: true,
                field_pos: Some(inner.pos),
            })
        }
        _ => {
            let inner = inner.clone();
            Ok(PolicyInput {
                source,
                json: inner,
                shape: Some(label),
                decoded: false,
                field_pos: None,
            })
        }
    }
}

/// The document inside one of the AWS CLI shapes [`read_policy_input`] reads, if `json` is one:
/// the shape's label, the path to the document, and the node there. A plain document has none of
/// these keys (its own are `Version`, `Id` and `Statement`).
pub(crate) fn cli_wrapped(json: &Json) -> Option<(&'static str, &'static [&'static str], &Json)> {
    // (label, path, whether the document may only be a string there)
    const SHAPES: [(&str, &[&str], bool); 6] = [
        ("policyText", &["policyText"], false),
        (
            "PolicyVersion.Document",
            &["PolicyVersion", "Document"],
            false,
        ),
        ("PolicyDocument", &["PolicyDocument"], false),
        (
            "Role.AssumeRolePolicyDocument",
            &["Role", "AssumeRolePolicyDocument"],
            false,
        ),
        ("Policy.Content", &["Policy", "Content"], false),
        // `aws kms get-key-policy`: `{"Policy": "<document>", "PolicyName": "default"}`.
        ("Policy", &["Policy"], true),
    ];
    SHAPES.iter().find_map(|&(label, path, string_only)| {
        let mut node = json;
        for key in path {
            node = &node.get(key)?.value;
        }
        if string_only && !matches!(node.value, Value::String(_)) {
            return None;
        }
        Some((label, path, node))
    })
}

/// IAM returns documents URL-encoded (`%7B%22Version%22…`); decode `%XX` when the text is not
/// already JSON.
pub(crate) fn percent_decode_document(text: &str) -> String {
    if text.trim_start().starts_with('{') || !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes.get(i), hex) {
            (Some(b'%'), Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Validates an already-read JSON value as a policy document. `source` is what positions refer to.
pub fn policy_from_json(
    source: Arc<Source>,
    json: &Json,
    kind: PolicyKind,
) -> Result<Policy, PolicyError> {
    let mut parser = Parser {
        source,
        kind,
        variables: false,
        warnings: Vec::new(),
    };
    let policy = parser.document(json)?;
    Ok(policy)
}

struct Parser {
    source: Arc<Source>,
    kind: PolicyKind,
    /// Whether `${…}` is a policy variable: only under Version 2012-10-17.
    variables: bool,
    warnings: Vec<Warning>,
}

impl Parser {
    fn error(
        &self,
        kind: PolicyErrorKind,
        pos: Pos,
        pointer: &str,
        message: impl Into<String>,
    ) -> PolicyError {
        PolicyError {
            kind,
            source: self.source.clone(),
            pos,
            pointer: pointer.to_string(),
            message: message.into(),
            help: None,
        }
    }

    fn error_with_help(
        &self,
        kind: PolicyErrorKind,
        pos: Pos,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> PolicyError {
        PolicyError {
            help: Some(help.into()),
            ..self.error(kind, pos, pointer, message)
        }
    }

    fn warn(&mut self, kind: WarningKind, pos: Pos, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            kind,
            pos,
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }

    fn object<'j>(
        &self,
        json: &'j Json,
        pointer: &str,
        what: &str,
    ) -> Result<&'j [Member], PolicyError> {
        match &json.value {
            Value::Object(members) => Ok(members),
            other => Err(self.error(
                PolicyErrorKind::WrongType,
                json.pos,
                pointer,
                format!(
                    "expected {what} (a JSON object), found {}",
                    other.type_name()
                ),
            )),
        }
    }

    fn check_keys(
        &self,
        members: &[Member],
        allowed: &[&str],
        pointer: &str,
        what: &str,
    ) -> Result<(), PolicyError> {
        for member in members {
            if allowed.contains(&member.key.as_str()) {
                continue;
            }
            let expected = allowed
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let message = format!("unknown key `{}` in {what}", member.key);
            let at = json::pointer_child(pointer, &member.key);
            return Err(match fuzzy::closest(&member.key, allowed.iter().copied()) {
                Some(suggestion) => self.error_with_help(
                    PolicyErrorKind::UnknownKey,
                    member.key_pos,
                    &at,
                    format!("{message}: did you mean `{suggestion}`?"),
                    format!("the keys allowed here are {expected}; key names are case-sensitive"),
                ),
                None => self.error_with_help(
                    PolicyErrorKind::UnknownKey,
                    member.key_pos,
                    &at,
                    message,
                    format!("the keys allowed here are {expected}"),
                ),
            });
        }
        Ok(())
    }

    fn string<'j>(
        &self,
        json: &'j Json,
        pointer: &str,
        what: &str,
    ) -> Result<&'j str, PolicyError> {
        match &json.value {
            Value::String(s) => Ok(s),
            other => Err(self.error(
                PolicyErrorKind::WrongType,
                json.pos,
                pointer,
                format!(
                    "expected {what} (a JSON string), found {}",
                    other.type_name()
                ),
            )),
        }
    }

    /// A string or a non-empty array of strings, with each value's position and pointer.
    fn strings<'j>(
        &self,
        json: &'j Json,
        pointer: &str,
        element: &str,
    ) -> Result<Vec<(&'j str, Pos, String)>, PolicyError> {
        match &json.value {
            Value::String(s) => Ok(vec![(s.as_str(), json.pos, pointer.to_string())]),
            Value::Array(items) if items.is_empty() => Err(self.error_with_help(
                PolicyErrorKind::EmptyArray,
                json.pos,
                pointer,
                format!("`{element}` is an empty array"),
                format!("list at least one value, or remove `{element}`"),
            )),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = format!("{pointer}/{i}");
                    self.string(item, &at, &format!("a `{element}` value"))
                        .map(|s| (s, item.pos, at))
                })
                .collect(),
            other => Err(self.error(
                PolicyErrorKind::WrongType,
                json.pos,
                pointer,
                format!(
                    "expected `{element}` to be a string or an array of strings, found {}",
                    other.type_name()
                ),
            )),
        }
    }

    fn document(&mut self, json: &Json) -> Result<Policy, PolicyError> {
        let members = self.object(json, "", "a policy document")?;
        self.check_keys(members, TOP_KEYS, "", "a policy document")?;
        let version = match json.get("Version") {
            None => {
                self.warn(
                    WarningKind::MissingVersion,
                    json.pos,
                    "",
                    "no `Version`: policy variables such as `${aws:username}` are not substituted; add \"Version\": \"2012-10-17\"",
                );
                None
            }
            Some(m) => Some(self.version(&m.value)?),
        };
        self.variables = version == Some(Version::V2012_10_17);
        if version == Some(Version::V2008_10_17) {
            self.warn(
                WarningKind::OldVersion,
                json.pos,
                "/Version",
                "`Version` 2008-10-17: policy variables such as `${aws:username}` are literal text; use \"2012-10-17\"",
            );
        }
        let id = match json.get("Id") {
            None => None,
            Some(m) => Some(self.string(&m.value, "/Id", "`Id`")?.to_string()),
        };
        let statement = json.get("Statement").ok_or_else(|| {
            self.error_with_help(
                PolicyErrorKind::MissingElement,
                json.pos,
                "",
                "missing `Statement`",
                "a policy needs \"Statement\": an object or an array of objects",
            )
        })?;
        let statements = match &statement.value.value {
            Value::Object(_) => vec![self.statement(&statement.value, 0, "/Statement")?],
            Value::Array(items) if items.is_empty() => {
                return Err(self.error_with_help(
                    PolicyErrorKind::EmptyArray,
                    statement.value.pos,
                    "/Statement",
                    "`Statement` is an empty array",
                    "a policy needs at least one statement",
                ));
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.statement(item, i, &format!("/Statement/{i}")))
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(self.error(
                    PolicyErrorKind::WrongType,
                    statement.value.pos,
                    "/Statement",
                    format!(
                        "expected `Statement` to be an object or an array of objects, found {}",
                        other.type_name()
                    ),
                ));
            }
        };
        self.check_sids(&statements, statement)?;
        Ok(Policy {
            source: self.source.clone(),
            kind: self.kind,
            version,
            id,
            statements,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn version(&self, json: &Json) -> Result<Version, PolicyError> {
        let text = self.string(json, "/Version", "`Version`")?;
        match text {
            "2012-10-17" => Ok(Version::V2012_10_17),
            "2008-10-17" => Ok(Version::V2008_10_17),
            other => Err(self.error_with_help(
                PolicyErrorKind::InvalidVersion,
                json.pos,
                "/Version",
                format!("invalid `Version` `{other}`: expected `2012-10-17` or `2008-10-17`"),
                "use \"2012-10-17\"; Version is a fixed language version, not a date of your choosing",
            )),
        }
    }

    fn check_sids(
        &self,
        statements: &[Statement],
        statement_member: &Member,
    ) -> Result<(), PolicyError> {
        let strict = matches!(
            self.kind,
            PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Session | PolicyKind::Scp
        );
        if !strict {
            return Ok(());
        }
        for (i, s) in statements.iter().enumerate() {
            let Some(sid) = &s.sid else { continue };
            if let Some(first) = statements[..i].iter().find(|t| t.sid.as_ref() == Some(sid)) {
                let pointer = if matches!(statement_member.value.value, Value::Array(_)) {
                    format!("/Statement/{i}/Sid")
                } else {
                    "/Statement/Sid".to_string()
                };
                return Err(self.error_with_help(
                    PolicyErrorKind::DuplicateSid,
                    s.pos,
                    &pointer,
                    format!(
                        "duplicate `Sid` `{sid}` (also statement {} at line {}): Sids must be unique within a policy",
                        first.index, first.pos.line
                    ),
                    "rename one of the statements",
                ));
            }
        }
        Ok(())
    }

    fn statement(
        &mut self,
        json: &Json,
        index: usize,
        pointer: &str,
    ) -> Result<Statement, PolicyError> {
        let members = self.object(json, pointer, "a statement")?;
        self.check_keys(members, STATEMENT_KEYS, pointer, "a statement")?;

        let sid = match json.get("Sid") {
            None => None,
            Some(m) => {
                let at = format!("{pointer}/Sid");
                let sid = self.string(&m.value, &at, "`Sid`")?;
                if !sid.chars().all(|c| c.is_ascii_alphanumeric())
                    && self.kind == PolicyKind::Identity
                {
                    self.warn(
                        WarningKind::SidCharacters,
                        m.value.pos,
                        &at,
                        format!("`Sid` `{sid}` has characters other than A-Z, a-z and 0-9, which IAM rejects in identity-based policies"),
                    );
                }
                Some(sid.to_string())
            }
        };

        let effect = self.effect(json, pointer)?;
        let action = self.action(json, pointer)?;
        let resource = self.resource(json, pointer)?;
        let principal = self.principal(json, pointer, effect)?;

        let condition = match json.get("Condition") {
            None => None,
            Some(m) => Some(self.condition(m, pointer)?),
        };

        Ok(Statement {
            index,
            sid,
            effect,
            action,
            resource,
            principal,
            condition,
            pos: json.pos,
        })
    }

    fn condition(&mut self, member: &Member, pointer: &str) -> Result<ConditionBlock, PolicyError> {
        let at = format!("{pointer}/Condition");
        let Value::Object(operators) = &member.value.value else {
            return Err(self.error_with_help(
                PolicyErrorKind::WrongType,
                member.value.pos,
                &at,
                format!("expected `Condition` to be an object, found {}", member.value.value.type_name()),
                "write \"Condition\": {\"Operator\": {\"key\": \"value\"}}, e.g. {\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
            ));
        };
        let mut clauses = Vec::new();
        for op_member in operators {
            let op_at = json::pointer_child(&at, &op_member.key);
            let operator = Operator::parse(&op_member.key).map_err(|e| {
                let message = match &e.suggestion {
                    Some(s) => format!("{}: did you mean `{s}`?", e.message),
                    None => e.message.clone(),
                };
                let kind = match e.kind {
                    OperatorErrorKind::Unknown => PolicyErrorKind::UnknownConditionOperator,
                    OperatorErrorKind::NullWithQualifier => PolicyErrorKind::NullWithQualifier,
                };
                self.error_with_help(
                    kind,
                    op_member.key_pos,
                    &op_at,
                    message,
                    "operator names are case-sensitive: an optional `ForAllValues:`/`ForAnyValue:`, a base operator such as `StringEquals`, `IpAddress`, `DateLessThan`, `ArnLike` or `Null`, and an optional `IfExists`",
                )
            })?;
            let Value::Object(keys) = &op_member.value.value else {
                return Err(self.error_with_help(
                    PolicyErrorKind::WrongType,
                    op_member.value.pos,
                    &op_at,
                    format!(
                        "expected `{}` to map condition keys to values (a JSON object), found {}",
                        op_member.key,
                        op_member.value.value.type_name()
                    ),
                    format!(
                        "e.g. \"{}\": {{\"aws:SourceIp\": \"10.0.0.0/8\"}}",
                        op_member.key
                    ),
                ));
            };
            for (i, key_member) in keys.iter().enumerate() {
                let key_at = json::pointer_child(&op_at, &key_member.key);
                let key = key_member.key.as_str();
                let well_formed = key
                    .split_once(':')
                    .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
                if !well_formed {
                    return Err(self.error_with_help(
                        PolicyErrorKind::InvalidConditionKey,
                        key_member.key_pos,
                        &key_at,
                        format!("invalid condition key `{key}`: expected `service:KeyName`"),
                        "e.g. `aws:SourceIp`, `aws:PrincipalTag/team`, `ecr:ResourceTag/env`",
                    ));
                }
                if let Some(first) = keys[..i].iter().find(|k| k.key.eq_ignore_ascii_case(key)) {
                    return Err(self.error_with_help(
                        PolicyErrorKind::DuplicateConditionKey,
                        key_member.key_pos,
                        &key_at,
                        format!(
                            "condition key `{key}` repeats `{}` (line {}): key names are case-insensitive",
                            first.key, first.key_pos.line
                        ),
                        "merge the two into one key with all the values",
                    ));
                }
                let written = self.condition_values(&key_member.value, &key_at)?;
                let texts: Vec<String> = written.iter().map(|(t, _, _)| t.clone()).collect();
                let values = parse_values(&operator, &texts, self.variables).map_err(
                    |(index, message)| {
                        let (_, pos, value_at) = &written[index];
                        self.error(
                            PolicyErrorKind::InvalidConditionValue,
                            *pos,
                            value_at,
                            message,
                        )
                    },
                )?;
                clauses.push(Clause {
                    operator,
                    key: key.to_string(),
                    written: texts,
                    values,
                    pos: key_member.key_pos,
                });
            }
        }
        Ok(ConditionBlock { clauses })
    }

    /// A condition value: a string, number or boolean, or a non-empty array of them, as text.
    fn condition_values(
        &self,
        json: &Json,
        pointer: &str,
    ) -> Result<Vec<(String, Pos, String)>, PolicyError> {
        let scalar = |item: &Json, at: &str| -> Result<(String, Pos, String), PolicyError> {
            match &item.value {
                Value::String(s) => Ok((s.clone(), item.pos, at.to_string())),
                Value::Number(n) => Ok((n.clone(), item.pos, at.to_string())),
                Value::Bool(b) => Ok((b.to_string(), item.pos, at.to_string())),
                other => Err(self.error(
                    PolicyErrorKind::WrongType,
                    item.pos,
                    at,
                    format!(
                        "expected a condition value (a string, number or boolean), found {}",
                        other.type_name()
                    ),
                )),
            }
        };
        match &json.value {
            Value::Array(items) if items.is_empty() => Err(self.error_with_help(
                PolicyErrorKind::EmptyArray,
                json.pos,
                pointer,
                "the condition key has an empty array of values",
                "give at least one value, or remove the key",
            )),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| scalar(item, &format!("{pointer}/{i}")))
                .collect(),
            _ => Ok(vec![scalar(json, pointer)?]),
        }
    }

    fn effect(&self, json: &Json, pointer: &str) -> Result<Effect, PolicyError> {
        let Some(m) = json.get("Effect") else {
            return Err(self.error_with_help(
                PolicyErrorKind::MissingElement,
                json.pos,
                pointer,
                "missing `Effect`",
                "add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"",
            ));
        };
        let at = format!("{pointer}/Effect");
        match self.string(&m.value, &at, "`Effect`")? {
            "Allow" => Ok(Effect::Allow),
            "Deny" => Ok(Effect::Deny),
            other => {
                let fixed = match other.to_ascii_lowercase().as_str() {
                    "allow" => Some("Allow"),
                    "deny" => Some("Deny"),
                    _ => None,
                };
                let help = match fixed {
                    Some(fixed) => format!("`Effect` is case-sensitive: write \"{fixed}\""),
                    None => "`Effect` must be exactly \"Allow\" or \"Deny\"".to_string(),
                };
                Err(self.error_with_help(
                    PolicyErrorKind::InvalidEffect,
                    m.value.pos,
                    &at,
                    format!("invalid `Effect` `{other}`: expected `Allow` or `Deny`"),
                    help,
                ))
            }
        }
    }

    /// Finds exactly one of `positive`/`negative`; `None` if neither and `optional`.
    fn one_of<'j>(
        &self,
        json: &'j Json,
        pointer: &str,
        positive: &'static str,
        negative: &'static str,
        optional: bool,
    ) -> Result<Option<OneOf<'j>>, PolicyError> {
        let found = |member, negated| {
            let element = if negated { negative } else { positive };
            Some((member, negated, element, format!("{pointer}/{element}")))
        };
        match (json.get(positive), json.get(negative)) {
            (Some(_), Some(n)) => Err(self.error_with_help(
                PolicyErrorKind::ConflictingElements,
                n.key_pos,
                &format!("{pointer}/{negative}"),
                format!("a statement cannot have both `{positive}` and `{negative}`"),
                "keep one of them; split the statement in two if you need both",
            )),
            (Some(p), None) => Ok(found(p, false)),
            (None, Some(n)) => Ok(found(n, true)),
            (None, None) if optional => Ok(None),
            (None, None) => Err(self.error_with_help(
                PolicyErrorKind::MissingElement,
                json.pos,
                pointer,
                format!("missing `{positive}` (or `{negative}`)"),
                format!(
                    "every statement of a {} needs `{positive}` or `{negative}`",
                    self.kind.describe()
                ),
            )),
        }
    }

    fn action(&mut self, json: &Json, pointer: &str) -> Result<ActionClause, PolicyError> {
        let Some((member, negated, element, at)) =
            self.one_of(json, pointer, "Action", "NotAction", false)?
        else {
            return Err(self.error(
                PolicyErrorKind::MissingElement,
                json.pos,
                pointer,
                "missing `Action`",
            ));
        };
        let mut patterns = Vec::new();
        for (text, pos, value_pointer) in self.strings(&member.value, &at, element)? {
            self.check_action(text, pos, &value_pointer)?;
            patterns.push(ActionPattern::new(text, pos));
        }
        Ok(ActionClause {
            negated,
            patterns,
            pos: member.value.pos,
        })
    }

    fn check_action(&mut self, text: &str, pos: Pos, pointer: &str) -> Result<(), PolicyError> {
        if text == "*" {
            return Ok(());
        }
        let Some((service, name)) = text.split_once(':') else {
            return Err(self.error_with_help(
                PolicyErrorKind::InvalidAction,
                pos,
                pointer,
                format!("invalid action `{text}`: expected `service:ActionName` or `*`"),
                format!("prefix the action with its service, e.g. `ecr:{text}`"),
            ));
        };
        if name.contains(':') {
            return Err(self.error(
                PolicyErrorKind::InvalidAction,
                pos,
                pointer,
                format!("invalid action `{text}`: an action has exactly one `:`, between the service prefix and the action name"),
            ));
        }
        if service.is_empty() || name.is_empty() {
            return Err(self.error(
                PolicyErrorKind::InvalidAction,
                pos,
                pointer,
                format!("invalid action `{text}`: expected `service:ActionName` with both parts non-empty"),
            ));
        }
        if text.contains(['*', '?']) {
            return Ok(());
        }
        let catalog = Catalog::builtin();
        if catalog.action(text).is_none() {
            let hint = match catalog.suggest_action(text) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => String::new(),
            };
            self.warn(
                WarningKind::UnknownAction,
                pos,
                pointer,
                format!("unknown action `{text}`: it matches no request{hint}"),
            );
        }
        Ok(())
    }

    fn resource(
        &mut self,
        json: &Json,
        pointer: &str,
    ) -> Result<Option<ResourceClause>, PolicyError> {
        let optional = self.kind.resource_optional();
        let Some((member, negated, element, at)) =
            self.one_of(json, pointer, "Resource", "NotResource", optional)?
        else {
            return Ok(None);
        };
        let mut patterns = Vec::new();
        for (text, pos, value_pointer) in self.strings(&member.value, &at, element)? {
            if text != "*" && !text.starts_with("arn:") {
                return Err(self.error_with_help(
                    PolicyErrorKind::InvalidResource,
                    pos,
                    &value_pointer,
                    format!("invalid {element} `{text}`: expected an ARN (`arn:…`) or `*`"),
                    "write the full ARN, e.g. arn:aws:ecr:us-east-1:123456789012:repository/NAME",
                ));
            }
            if text != "*" && text.matches(':').count() < 5 {
                self.warn(
                    WarningKind::ShortArn,
                    pos,
                    &value_pointer,
                    format!("`{text}` has fewer than the six ARN fields: it matches only through a `*` at the end of a field"),
                );
            }
            patterns.push(ResourceValue::new(text, pos, self.variables));
        }
        Ok(Some(ResourceClause {
            negated,
            patterns,
            pos: member.value.pos,
        }))
    }

    fn principal(
        &mut self,
        json: &Json,
        pointer: &str,
        effect: Effect,
    ) -> Result<Option<PrincipalClause>, PolicyError> {
        if !self.kind.has_principal() {
            for key in ["Principal", "NotPrincipal"] {
                if let Some(m) = json.get(key) {
                    return Err(self.error_with_help(
                        PolicyErrorKind::PrincipalNotAllowed,
                        m.key_pos,
                        &format!("{pointer}/{key}"),
                        format!("`{key}` is not allowed in an {}", self.kind.describe()),
                        "the principal of an identity-based policy is whoever it is attached to; remove the element, or load the document as a resource policy",
                    ));
                }
            }
            return Ok(None);
        }
        let Some((member, negated, element, at)) =
            self.one_of(json, pointer, "Principal", "NotPrincipal", false)?
        else {
            return Ok(None);
        };
        if negated && effect == Effect::Allow {
            return Err(self.error_with_help(
                PolicyErrorKind::InvalidPrincipal,
                member.key_pos,
                &at,
                "`NotPrincipal` is supported only with \"Effect\": \"Deny\"",
                "use \"Principal\" with an `ArnNotEquals` condition on `aws:PrincipalArn` instead",
            ));
        }
        let mut principals = Vec::new();
        match &member.value.value {
            Value::String(s) if s == "*" => principals.push(PrincipalValue::Anyone),
            Value::Object(entries) => {
                self.check_keys(entries, PRINCIPAL_KEYS, &at, &format!("`{element}`"))?;
                for entry in entries {
                    let entry_at = json::pointer_child(&at, &entry.key);
                    for (text, pos, value_pointer) in
                        self.strings(&entry.value, &entry_at, &entry.key)?
                    {
                        if text != "*" && text.contains(['*', '?']) {
                            return Err(self.error_with_help(
                                PolicyErrorKind::InvalidPrincipal,
                                pos,
                                &value_pointer,
                                format!("wildcard in principal `{text}`: only a bare `*` is allowed in `{element}`"),
                                "name each principal exactly, or use \"*\" with a condition on `aws:PrincipalArn` (ArnLike)",
                            ));
                        }
                        principals.push(match entry.key.as_str() {
                            "AWS" if text == "*" => PrincipalValue::Anyone,
                            "AWS" => PrincipalValue::Aws(text.to_string()),
                            "Service" => PrincipalValue::Service(text.to_string()),
                            "Federated" => PrincipalValue::Federated(text.to_string()),
                            _ => PrincipalValue::CanonicalUser(text.to_string()),
                        });
                    }
                }
            }
            other => {
                return Err(self.error(
                    PolicyErrorKind::InvalidPrincipal,
                    member.value.pos,
                    &at,
                    format!(
                        "expected `{element}` to be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::123456789012:root\"}}, found {}",
                        match other {
                            Value::String(s) => format!("the string `{s}`"),
                            other => other.type_name().to_string(),
                        }
                    ),
                ));
            }
        }
        Ok(Some(PrincipalClause {
            negated,
            principals,
            pos: member.value.pos,
        }))
    }
}

/// The one of an element and its negation (`Action`/`NotAction`…) a statement has: its member,
/// whether it is the negation, its name as written, and its JSON pointer.
type OneOf<'j> = (&'j Member, bool, &'static str, String);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        parse_policy("p.json", text.as_bytes(), PolicyKind::Identity)
    }

    fn error(text: &str) -> PolicyError {
        parse(text).unwrap_err()
    }

    const OK: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:PutImage","Resource":"*"}]}"#;

    #[test]
    fn valid_document() {
        let p = parse(OK).unwrap();
        assert_eq!(p.version, Some(Version::V2012_10_17));
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].effect, Effect::Allow);
        assert_eq!(p.statements[0].label(), "A");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn lower_case_effect_names_line_column_and_pointer() {
        let e = error(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\n  \"Effect\": \"allow\",\"Action\":\"ecr:PutImage\",\"Resource\":\"*\"}]}",
        );
        assert_eq!(e.pointer, "/Statement/0/Effect");
        assert_eq!((e.pos.line, e.pos.column), (2, 13));
        assert!(
            e.to_string()
                .starts_with("p.json:2:13: /Statement/0/Effect: invalid `Effect` `allow`"),
            "{e}"
        );
        assert!(e.help.unwrap().contains("write \"Allow\""));
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        let e = error(r#"{"Version":"2012-10-17","Statment":[]}"#);
        assert!(e.message.contains("did you mean `Statement`?"), "{e}");
        assert_eq!(e.pointer, "/Statment");
        let e = error(r#"{"Statement":{"Effect":"Allow","Action":"ecr:*","Ressource":"*"}}"#);
        assert!(e.message.contains("did you mean `Resource`?"), "{e}");
    }

    #[test]
    fn errors_have_kinds_to_match_on() {
        let statement =
            |body: &str| format!(r#"{{"Version":"2012-10-17","Statement":{{{body}}}}}"#);
        let condition = |operator: &str| {
            statement(&format!(
                r#""Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{{"{operator}":{{"aws:SourceVpc":"true"}}}}"#
            ))
        };
        let kind = |text: &str| error(text).kind;
        assert_eq!(
            kind(&statement(
                r#""Effect":"allow","Action":"a:b","Resource":"*""#
            )),
            PolicyErrorKind::InvalidEffect
        );
        assert_eq!(
            kind(&condition("StringEqualz")),
            PolicyErrorKind::UnknownConditionOperator
        );
        for operator in [
            "NullIfExists",
            "ForAnyValue:Null",
            "ForAllValues:NullIfExists",
        ] {
            assert_eq!(
                kind(&condition(operator)),
                PolicyErrorKind::NullWithQualifier,
                "{operator}"
            );
        }
        assert_eq!(
            kind(&statement(
                r#""Effect":"Allow","Action":"a:b","Ressource":"*""#
            )),
            PolicyErrorKind::UnknownKey
        );
        assert_eq!(
            kind(r#"{"Version":"2012-10-17",}"#),
            PolicyErrorKind::Json(JsonErrorKind::TrailingComma)
        );
        assert_eq!(
            parse_policy("p.json", b"\xff", PolicyKind::Identity)
                .unwrap_err()
                .kind,
            PolicyErrorKind::Json(JsonErrorKind::InvalidUtf8)
        );
        let resource = |body: &str| {
            parse_policy("p.json", statement(body).as_bytes(), PolicyKind::Resource)
                .unwrap_err()
                .kind
        };
        assert_eq!(
            resource(
                r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"a:b""#
            ),
            PolicyErrorKind::InvalidPrincipal
        );
        assert_eq!(
            resource(r#""Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"a:b""#),
            PolicyErrorKind::InvalidPrincipal
        );
        assert_eq!(
            resource(r#""Effect":"Allow","Action":"a:b""#),
            PolicyErrorKind::MissingElement
        );
    }

    #[test]
    fn structural_errors() {
        let cases = [
            (
                r#"{"Statement":{"Action":"a:b","Resource":"*"}}"#,
                "missing `Effect`",
                PolicyErrorKind::MissingElement,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a:b","NotAction":"a:c","Resource":"*"}}"#,
                "both `Action` and `NotAction`",
                PolicyErrorKind::ConflictingElements,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
                "missing `Action`",
                PolicyErrorKind::MissingElement,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"a:b"}}"#,
                "missing `Resource`",
                PolicyErrorKind::MissingElement,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#,
                "found a number",
                PolicyErrorKind::WrongType,
            ),
            (
                r#"{"Statement":"x"}"#,
                "found a string",
                PolicyErrorKind::WrongType,
            ),
            (
                r#"{"Statement":[]}"#,
                "empty array",
                PolicyErrorKind::EmptyArray,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
                "empty array",
                PolicyErrorKind::EmptyArray,
            ),
            (
                r#"{"Version":"2013-10-17","Statement":{"Effect":"Allow","Action":"a:b","Resource":"*"}}"#,
                "invalid `Version`",
                PolicyErrorKind::InvalidVersion,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"PutImage","Resource":"*"}}"#,
                "expected `service:ActionName`",
                PolicyErrorKind::InvalidAction,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:a:b","Resource":"*"}}"#,
                "exactly one `:`",
                PolicyErrorKind::InvalidAction,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"my-repo"}}"#,
                "expected an ARN",
                PolicyErrorKind::InvalidResource,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:PutImage","Resource":"*"}}"#,
                "not allowed in an identity-based policy",
                PolicyErrorKind::PrincipalNotAllowed,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEqual":{"aws:username":"a"}}}}"#,
                "did you mean `StringEquals`?",
                PolicyErrorKind::UnknownConditionOperator,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.300/8"}}}}"#,
                "/Statement/Condition/IpAddress/aws:SourceIp: `10.0.0.300/8` is not an IP address",
                PolicyErrorKind::InvalidConditionValue,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"a","AWS:sourcevpc":"b"}}}}"#,
                "key names are case-insensitive",
                PolicyErrorKind::DuplicateConditionKey,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":"x"}}}"#,
                "to map condition keys to values",
                PolicyErrorKind::WrongType,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{"k":"a"}}}}"#,
                "invalid condition key `k`",
                PolicyErrorKind::InvalidConditionKey,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{"aws:k":{"a":1}}}}}"#,
                "found an object",
                PolicyErrorKind::WrongType,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{"aws:k":[]}}}}"#,
                "empty array of values",
                PolicyErrorKind::EmptyArray,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":"x"}}"#,
                "expected `Condition` to be an object",
                PolicyErrorKind::WrongType,
            ),
            (
                r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"a:b","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
                "duplicate `Sid`",
                PolicyErrorKind::DuplicateSid,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}}"#,
                "duplicate key `Effect`",
                PolicyErrorKind::Json(JsonErrorKind::DuplicateKey),
            ),
            (
                "[1]",
                "expected a policy document",
                PolicyErrorKind::WrongType,
            ),
        ];
        for (text, expected, kind) in cases {
            let e = error(text);
            assert!(e.to_string().contains(expected), "{text}: got {e}");
            assert_eq!(e.kind, kind, "{text}: got {e}");
        }
    }

    #[test]
    fn warnings_for_suspicious_but_valid_input() {
        let p = parse(
            r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImages","Resource":"arn:aws:ecr"}}"#,
        )
        .unwrap();
        let messages: Vec<&str> = p.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("no `Version`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("did you mean `ecr:PutImage`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("fewer than the six ARN fields")),
            "{messages:?}"
        );
    }

    #[test]
    fn resource_policies_take_principals() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"],"Service":"codebuild.amazonaws.com"},"Action":"ecr:BatchGetImage"}]}"#;
        let p = parse_policy("repo.json", text.as_bytes(), PolicyKind::Resource).unwrap();
        let principal = p.statements[0].principal.as_ref().unwrap();
        assert_eq!(
            principal.principals,
            vec![
                PrincipalValue::Aws("arn:aws:iam::111122223333:root".into()),
                PrincipalValue::Anyone,
                PrincipalValue::Service("codebuild.amazonaws.com".into())
            ]
        );
        assert!(p.statements[0].resource.is_none());
        let wild = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/*"},"Action":"ecr:*"}]}"#;
        let e = parse_policy("repo.json", wild.as_bytes(), PolicyKind::Resource).unwrap_err();
        assert!(e.message.contains("wildcard in principal"), "{e}");
    }

    #[test]
    fn conditions_and_variables_follow_the_version() {
        let text = |version: &str| {
            format!(
                r#"{{{version}"Statement":{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"arn:aws:ecr:us-east-1:1:repository/${{aws:username}}","Condition":{{"Bool":{{"aws:SecureTransport":true}},"NumericLessThan":{{"aws:MultiFactorAuthAge":3600}}}}}}}}"#
            )
        };
        let p = parse(&text(r#""Version":"2012-10-17","#)).unwrap();
        let statement = &p.statements[0];
        let clauses = &statement.condition.as_ref().unwrap().clauses;
        assert_eq!(clauses.len(), 2);
        assert_eq!(clauses[0].written, ["true"]);
        assert_eq!(clauses[1].written, ["3600"]);
        let value = &statement.resource.as_ref().unwrap().patterns[0];
        assert_eq!(value.variable_keys().collect::<Vec<_>>(), ["aws:username"]);
        let old = parse(&text(r#""Version":"2008-10-17","#)).unwrap();
        let value = &old.statements[0].resource.as_ref().unwrap().patterns[0];
        assert_eq!(
            value.variable_keys().count(),
            0,
            "2008-10-17 has no variables"
        );
        let empty = parse(r#"{"Statement":{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"StringEquals":{}}}}"#).unwrap();
        assert!(
            empty.statements[0]
                .condition
                .as_ref()
                .unwrap()
                .clauses
                .is_empty()
        );
    }

    #[test]
    fn aws_cli_output_shapes_are_unwrapped() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"ecr:BatchGetImage"}]}"#;
        let ecr = format!(
            r#"{{"registryId":"111111111111","repositoryName":"app","policyText":{}}}"#,
            serde_json::to_string(doc).unwrap()
        );
        let p = parse_policy_input("repo.json", ecr.as_bytes(), PolicyKind::Resource).unwrap();
        assert_eq!(p.statements[0].label(), "Pull");
        assert_eq!(p.source.name, "repo.json (policyText)");
        let encoded: String = doc
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let iam = format!(r#"{{"RoleName":"r","PolicyName":"p","PolicyDocument":"{encoded}"}}"#);
        let p = parse_policy_input("role.json", iam.as_bytes(), PolicyKind::Resource).unwrap();
        assert_eq!(p.statements[0].label(), "Pull");
        let version = format!(
            r#"{{"PolicyVersion":{{"Document":{doc},"VersionId":"v1","IsDefaultVersion":true}}}}"#
        );
        assert!(parse_policy_input("v.json", version.as_bytes(), PolicyKind::Resource).is_ok());
        let org = format!(
            r#"{{"Policy":{{"PolicySummary":{{}},"Content":{}}}}}"#,
            serde_json::to_string(doc).unwrap()
        );
        assert!(parse_policy_input("scp.json", org.as_bytes(), PolicyKind::Resource).is_ok());
        let bad = r#"{"policyText":"{\"Statement\":{\"Effect\":\"allow\"}}"}"#;
        let e = parse_policy_input("repo.json", bad.as_bytes(), PolicyKind::Resource).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("repo.json (policyText):1:24: /Statement/Effect"),
            "{e}"
        );
    }

    #[test]
    fn get_role_and_get_key_policy_outputs_are_unwrapped_and_say_where_the_string_was() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Trust","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let role =
            format!(r#"{{"Role":{{"RoleName":"task","AssumeRolePolicyDocument":{trust}}}}}"#);
        let input = read_policy_input("role.json", role.as_bytes()).unwrap();
        assert_eq!(input.shape, Some("Role.AssumeRolePolicyDocument"));
        assert!(!input.decoded);
        assert_eq!(input.field_pos, None);
        assert_eq!(input.document_text(), trust);
        assert_eq!(
            input.policy(PolicyKind::Resource).unwrap().statements[0].label(),
            "Trust"
        );
        let key = format!(
            r#"{{"Policy":{},"PolicyName":"default"}}"#,
            serde_json::to_string(trust).unwrap()
        );
        let input = read_policy_input("key.json", key.as_bytes()).unwrap();
        assert_eq!(input.shape, Some("Policy"));
        assert_eq!(input.source.name, "key.json (Policy)");
        assert_eq!(input.field_pos.map(|p| (p.line, p.column)), Some((1, 11)));
        assert_eq!(&*input.source.text, trust);
        // `Policy` as an object is a shape only with `Content` (describe-policy); otherwise the
        // document is read as it is, and refused for its unknown key.
        let other = r#"{"Policy":{"Id":"x"}}"#;
        let e = parse_policy_input("p.json", other.as_bytes(), PolicyKind::Identity).unwrap_err();
        assert_eq!(e.kind, PolicyErrorKind::UnknownKey);
        assert_eq!(e.source.name, "p.json");
    }

    #[test]
    fn render_points_at_the_column() {
        let e =
            error("{\"Statement\":{\"Effect\":\"allow\",\"Action\":\"a:b\",\"Resource\":\"*\"}}");
        let rendered = e.render();
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(
            lines[2],
            "1 | {\"Statement\":{\"Effect\":\"allow\",\"Action\":\"a:b\",\"Resource\":\"*\"}}"
        );
        assert_eq!(
            lines[3].find('^'),
            Some(4 + 23),
            "column 24 is under the opening quote"
        );
    }
}
