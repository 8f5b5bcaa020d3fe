//! A small JSON reader that keeps the position of every value and key, and rejects duplicate keys.
//!
//! `serde_json` reports a line and column only for syntax errors; policy validation needs the
//! position of every node (to say *where* `"Effect": "allow"` is), and IAM's grammar forbids
//! duplicate keys, which generic parsers silently collapse. This reader does both. It accepts
//! exactly RFC 8259 JSON (checked against `serde_json` by the `json_reader` fuzz target).

use std::fmt;

/// Nesting deeper than this is rejected, so hostile input cannot overflow the stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// A position in the source text. `line` and `column` are 1-based; `column` counts characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// Byte offset from the start of the text.
    pub offset: usize,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A JSON value with the position of its first character.
#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
}

/// The JSON value kinds. Numbers keep their source text, so `3600` and `3600.0` stay distinct.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in source order (keys are unique).
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key, unescaped.
    pub key: String,
    /// Where the key's opening quote is.
    pub key_pos: Pos,
    /// The value.
    pub value: Json,
}

impl Value {
    /// The JSON type name, as used in error messages ("a string", "an array", …).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl Json {
    /// Looks up a member of an object by exact key.
    pub(crate) fn get(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key == key),
            _ => None,
        }
    }

    /// Writes the value back as compact JSON text.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        write_value(&self.value, &mut out);
        out
    }

    /// Writes the value as JSON indented by four spaces, members in their order, arrays of
    /// scalars on one line each element (the layout of AWS's documentation examples).
    pub(crate) fn to_pretty_string(&self) -> String {
        let mut out = String::new();
        write_pretty(&self.value, 0, &mut out);
        out.push('\n');
        out
    }

    /// A value with no source position (for values built by a program).
    pub(crate) fn new(value: Value) -> Json {
        Json {
            value,
            pos: Pos::default(),
        }
    }

    /// Mutable access to a member of an object by exact key.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match &mut self.value {
            Value::Object(members) => members
                .iter_mut()
                .find(|m| m.key == key)
                .map(|m| &mut m.value),
            _ => None,
        }
    }
}

fn write_pretty(value: &Value, depth: usize, out: &mut String) {
    let indent = |n: usize| "    ".repeat(n);
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&indent(depth + 1));
                write_pretty(&item.value, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push(']');
        }
        Value::Object(members) if !members.is_empty() => {
            out.push_str("{\n");
            for (i, m) in members.iter().enumerate() {
                out.push_str(&indent(depth + 1));
                write_string(&m.key, out);
                out.push_str(": ");
                write_pretty(&m.value.value, depth + 1, out);
                out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push('}');
        }
        other => write_value(other, out),
    }
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => write_list(['[', ']'], items, out, |item, out| {
            write_value(&item.value, out);
        }),
        Value::Object(members) => write_list(['{', '}'], members, out, |m, out| {
            write_string(&m.key, out);
            out.push(':');
            write_value(&m.value.value, out);
        }),
    }
}

/// The compact form of an array or object: `items` written by `write_item`, separated by commas
/// and enclosed in `open` and `close`.
fn write_list<T>(
    [open, close]: [char; 2],
    items: &[T],
    out: &mut String,
    mut write_item: impl FnMut(&T, &mut String),
) {
    out.push(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_item(item, out);
    }
    out.push(close);
}

/// Appends `s` as a JSON string literal.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A syntax error: where, what kind, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
#[non_exhaustive]
pub struct JsonError {
    /// What kind of problem it is, for callers to match on (the message is for people).
    pub kind: JsonErrorKind,
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong, in lower case without a final period.
    pub message: String,
    /// The JSON pointer of the enclosing value, when known (`/Statement/0`).
    pub pointer: String,
}

/// What kind of problem a [`JsonError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The bytes are not UTF-8 text.
    InvalidUtf8,
    /// Not JSON: an unexpected character, an unterminated string, a bad escape, literal or
    /// number, or text after the top-level value.
    Syntax,
    /// A comma before a closing `}` or `]`.
    TrailingComma,
    /// An object names the same key twice.
    DuplicateKey,
    /// Nesting deeper than `MAX_DEPTH`.
    TooDeep,
}

/// Parses a whole JSON text. Invalid UTF-8, trailing text, duplicate keys and nesting deeper than
/// `MAX_DEPTH` are errors. A leading UTF-8 byte-order mark is an error too, as in RFC 8259 for
/// JSON exchanged between systems.
pub fn parse(bytes: &[u8]) -> Result<Json, JsonError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(valid).unwrap_or("");
            return Err(JsonError {
                kind: JsonErrorKind::InvalidUtf8,
                pos: pos_at(prefix, prefix.len()),
                message: "invalid UTF-8: policy documents must be UTF-8 text".to_string(),
                pointer: String::new(),
            });
        }
    };
    parse_str(text)
}

/// Parses a whole JSON text already known to be UTF-8.
pub(crate) fn parse_str(text: &str) -> Result<Json, JsonError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        line_start: 0,
        path: Vec::new(),
        column_mark: std::cell::Cell::new((0, 1)),
    };
    reader.skip_ws();
    let value = reader.value(0)?;
    reader.skip_ws();
    if reader.at < reader.bytes.len() {
        return Err(reader.error("expected the end of the document after the top-level value"));
    }
    Ok(value)
}

/// Computes the position of byte `offset` in `text` (which must be a char boundary).
pub(crate) fn pos_at(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) as u32 + 1;
    Pos {
        offset,
        line,
        column,
    }
}

enum PathSeg {
    Key(String),
    Index(usize),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    line: u32,
    line_start: usize,
    path: Vec<PathSeg>,
    /// The offset and column of the last position computed, to count columns incrementally.
    column_mark: std::cell::Cell<(usize, u32)>,
}

impl Reader<'_> {
    /// The current position. The column is counted from the last position asked for on the
    /// same line, so reading a long single-line document stays linear.
    fn pos(&self) -> Pos {
        let (from, base) = match self.column_mark.get() {
            (offset, column) if offset >= self.line_start && offset <= self.at => (offset, column),
            _ => (self.line_start, 1),
        };
        let column = base
            + self
                .text
                .get(from..self.at)
                .map_or(0, |s| s.chars().count()) as u32;
        self.column_mark.set((self.at, column));
        Pos {
            offset: self.at,
            line: self.line,
            column,
        }
    }

    fn pointer(&self) -> String {
        pointer_of(&self.path)
    }

    fn error(&self, message: impl Into<String>) -> JsonError {
        self.error_at(JsonErrorKind::Syntax, self.pos(), message)
    }

    fn error_at(&self, kind: JsonErrorKind, pos: Pos, message: impl Into<String>) -> JsonError {
        JsonError {
            kind,
            pos,
            message: message.into(),
            pointer: self.pointer(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                _ => break,
            }
        }
    }

    fn found(&self) -> String {
        match self.text.get(self.at..).and_then(|s| s.chars().next()) {
            None => "the end of the document".to_string(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(
                JsonErrorKind::TooDeep,
                self.pos(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        let pos = self.pos();
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            _ => {
                return Err(self.error(format!(
                    "expected a JSON value (object, array, string, number, true, false or null), found {}",
                    self.found()
                )));
            }
        };
        Ok(Json { value, pos })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self
            .text
            .get(self.at..)
            .is_some_and(|s| s.starts_with(word))
        {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error(format!("expected `{word}`, found {}", self.found())))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.at += 1; // `{`
        let mut members: Vec<Member> = Vec::new();
        if self.closes_at_once(b'}') {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                let (kind, hint) = if self.peek() == Some(b'}') {
                    (
                        JsonErrorKind::TrailingComma,
                        " (JSON does not allow a trailing comma)",
                    )
                } else {
                    (JsonErrorKind::Syntax, "")
                };
                return Err(self.error_at(
                    kind,
                    self.pos(),
                    format!("expected a quoted key, found {}{hint}", self.found()),
                ));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                return Err(self.error_at(
                    JsonErrorKind::DuplicateKey,
                    key_pos,
                    format!(
                        "duplicate key `{key}` (first at line {}, column {}): remove one of them",
                        first.key_pos.line, first.key_pos.column
                    ),
                ));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error(format!(
                    "expected `:` after the key `{key}`, found {}",
                    self.found()
                )));
            }
            self.at += 1;
            self.skip_ws();
            self.path.push(PathSeg::Key(key.clone()));
            let value = self.value(depth + 1)?;
            self.path.pop();
            members.push(Member {
                key,
                key_pos,
                value,
            });
            if self.element_end(b'}', "an object member")? {
                return Ok(Value::Object(members));
            }
        }
    }

    /// Just after `[` or `{`: whether the container closes at once (then the `close` is read).
    fn closes_at_once(&mut self, close: u8) -> bool {
        self.skip_ws();
        let closes = self.peek() == Some(close);
        if closes {
            self.at += 1;
        }
        closes
    }

    /// After an element of a container: `true` at its `close` byte, `false` after a `,` (either
    /// is read).
    fn element_end(&mut self, close: u8, what: &str) -> Result<bool, JsonError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(false)
            }
            Some(c) if c == close => {
                self.at += 1;
                Ok(true)
            }
            _ => Err(self.error(format!(
                "expected `,` or `{}` after {what}, found {}",
                char::from(close),
                self.found()
            ))),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.at += 1; // `[`
        let mut items = Vec::new();
        if self.closes_at_once(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                return Err(self.error_at(
                    JsonErrorKind::TrailingComma,
                    self.pos(),
                    "expected a value, found `]` (JSON does not allow a trailing comma)",
                ));
            }
            self.path.push(PathSeg::Index(items.len()));
            let item = self.value(depth + 1)?;
            self.path.pop();
            items.push(item);
            if self.element_end(b']', "an array element")? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos();
        self.at += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error_at(
                    JsonErrorKind::Syntax,
                    start,
                    "unterminated string: add the closing `\"`",
                ));
            };
            match b {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => {
                            return Err(self.error(format!(
                                "invalid escape `\\{}` in a string",
                                self.found().trim_matches('`')
                            )));
                        }
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                0x00..=0x1f => {
                    return Err(self.error(
                        "control character in a string: write it as an escape such as `\\n`",
                    ));
                }
                _ => {
                    // Copy a run of ordinary characters at once.
                    let run_end = self.bytes[self.at..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .map_or(self.bytes.len(), |i| self.at + i);
                    out.push_str(self.text.get(self.at..run_end).unwrap_or(""));
                    self.at = run_end;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.text.get(self.at..self.at + 4).unwrap_or("");
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.at += 4;
            u32::from_str_radix(digits, 16)
                .map_err(|_| self.error("expected four hex digits after `\\u`"))
        } else {
            Err(self.error("expected four hex digits after `\\u`"))
        }
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self
                .text
                .get(self.at..)
                .is_some_and(|s| s.starts_with("\\u"))
            {
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..0xE000).contains(&second) {
                    return Err(self.error(
                        "a high surrogate `\\u` escape must be followed by a low surrogate",
                    ));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            } else {
                return Err(
                    self.error("a high surrogate `\\u` escape must be followed by a low surrogate")
                );
            }
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("`\\u` escape is not a valid character"))
    }

    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit in a number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.error("expected a digit after `.` in a number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                return Err(self.error("expected a digit in the exponent of a number"));
            }
            self.digits();
        }
        Ok(self.text.get(start..self.at).unwrap_or("").to_string())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }
}

/// `parent` extended by one object key, escaped as RFC 6901 requires (`~` → `~0`, `/` → `~1`).
pub(crate) fn pointer_child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn pointer_of(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            PathSeg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            PathSeg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> JsonError {
        parse(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn positions_of_values_and_keys() {
        let doc = parse(b"{\n  \"Effect\": \"Allow\",\n  \"N\": [1, -2.5e3]\n}").unwrap();
        let effect = doc.get("Effect").unwrap();
        assert_eq!((effect.key_pos.line, effect.key_pos.column), (2, 3));
        assert_eq!((effect.value.pos.line, effect.value.pos.column), (2, 13));
        assert_eq!(effect.value.value, Value::String("Allow".into()));
        let Value::Array(items) = &doc.get("N").unwrap().value.value else {
            panic!("not an array")
        };
        assert_eq!(items[1].value, Value::Number("-2.5e3".into()));
        assert_eq!(items[1].pos.column, 12);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let doc = parse("{\"é\": \"x\"}".as_bytes()).unwrap();
        assert_eq!(doc.get("é").unwrap().value.pos.column, 7);
    }

    #[test]
    fn duplicate_keys_are_rejected_at_the_second() {
        let e = err("{\"Effect\": \"Allow\",\n \"Effect\": \"Deny\"}");
        assert_eq!((e.pos.line, e.pos.column), (2, 2));
        assert!(
            e.message
                .contains("duplicate key `Effect` (first at line 1, column 2)")
        );
    }

    #[test]
    fn trailing_comma_is_explained() {
        let e = err("{\"a\": [1, 2,]}");
        assert!(e.message.contains("trailing comma"), "{}", e.message);
        assert_eq!(e.pointer, "/a");
        let e = err("{\"a\": 1,}");
        assert!(e.message.contains("trailing comma"), "{}", e.message);
    }

    #[test]
    fn invalid_utf8_has_a_position() {
        let e = parse(b"{\n \"a\": \"\xff\"}").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (2, 8));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn escapes_and_surrogates() {
        let doc = parse(br#"["\u00e9\ud83d\ude00\n\"\/"]"#).unwrap();
        let Value::Array(items) = doc.value else {
            panic!()
        };
        assert_eq!(items[0].value, Value::String("é😀\n\"/".into()));
        assert!(parse(br#""\ud83d""#).is_err());
        assert!(parse(br#""\x""#).is_err());
    }

    #[test]
    fn errors_have_kinds() {
        let kind = |text: &[u8]| parse(text).unwrap_err().kind;
        assert_eq!(kind(b"{\"a\": 1,}"), JsonErrorKind::TrailingComma);
        assert_eq!(kind(b"[1,]"), JsonErrorKind::TrailingComma);
        assert_eq!(kind(b"{\"a\": 1, \"a\": 2}"), JsonErrorKind::DuplicateKey);
        assert_eq!(kind(b"\"\xff\""), JsonErrorKind::InvalidUtf8);
        assert_eq!(kind(b"{\"a\" 1}"), JsonErrorKind::Syntax);
        assert_eq!(kind(b"\"abc"), JsonErrorKind::Syntax);
        assert_eq!(kind(b"[] []"), JsonErrorKind::Syntax);
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(kind(deep.as_bytes()), JsonErrorKind::TooDeep);
    }

    #[test]
    fn rejects_what_json_rejects() {
        for bad in [
            "",
            "{",
            "[1 2]",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "{\"a\" 1}",
            "{a: 1}",
            "\"\t\"",
            "[] []",
            "\u{feff}{}",
            "NaN",
            "'a'",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "accepted {bad:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "oracle accepted {bad:?}"
            );
        }
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert!(err(&deep).message.contains("nesting"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn round_trips_through_serde_json() {
        let text = r#"{"a":[1,2.5,-0,true,false,null,"x\u0001y"],"b":{"c":{}},"d":[]}"#;
        let doc = parse(text.as_bytes()).unwrap();
        let ours: serde_json::Value = serde_json::from_str(&doc.to_json_string()).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
    }

    /// The compact form is the text without its white space: a comma between elements and
    /// members only, `[]` and `{}` for empty ones, at any depth.
    #[test]
    fn compact_form_drops_only_white_space() {
        let compact = r#"{"a":[1,[],[[]],{"b":{}}],"c\"d":{"e":null,"f":[true,"x"]},"g":[]}"#;
        let spaced = "{ \"a\" : [ 1 , [ ] , [ [ ] ] , { \"b\" : { } } ] ,\n \"c\\\"d\" : { \"e\" : null , \"f\" : [ true , \"x\" ] } , \"g\" : [ ] }";
        assert_eq!(parse(spaced.as_bytes()).unwrap().to_json_string(), compact);
        assert_eq!(parse(b"[]").unwrap().to_json_string(), "[]");
        assert_eq!(parse(b"{ }").unwrap().to_json_string(), "{}");
    }

    #[test]
    fn pretty_printing_round_trips() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:b","c:d"],"Resource":"*","Condition":{}}]}"#;
        let doc = parse(text.as_bytes()).unwrap();
        let pretty = doc.to_pretty_string();
        assert!(
            pretty.starts_with(
                "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n"
            ),
            "{pretty}"
        );
        assert_eq!(parse(pretty.as_bytes()).unwrap().to_json_string(), text);
    }

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        let e = err(r#"{"a/b~": [}"#);
        assert_eq!(e.pointer, "/a~1b~0/0");
    }
}
