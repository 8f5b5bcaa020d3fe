//! Untrusted text made safe to print: policies come from strangers' repositories, and a `Sid`
//! holding `ESC [2J` or a line break must neither control the terminal nor forge a line of output.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1, line breaks included) written as `\u{…}`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A multi-line text made safe line by line: its own line breaks are kept, every other control
/// character is escaped.
pub fn printable_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&printable(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters_only() {
        assert!(matches!(
            printable("Allow: ecr:PutImage é"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            printable("x\u{1b}[2J\nAllow: forged\u{9b}"),
            "x\\u{1b}[2J\\u{a}Allow: forged\\u{9b}"
        );
        assert_eq!(printable_lines("a\u{7}\nb\tc"), "a\\u{7}\nb\\u{9}c");
    }
}
