//! Policy variables (docs/semantics.md#policy-variables): `${aws:username}`, `${key, 'default'}`,
//! and the escapes
//! `${*}`, `${?}`, `${$}`.
//!
//! A `Template` is a value split into text and variables. Resolving it against a request
//! context gives pattern tokens in which substituted text is literal (a `*` in a tag value is
//! not a wildcard), or `None` when a variable has no value and no default — such a value matches
//! nothing. Variables exist only under `"Version": "2012-10-17"`; the parser decides where.

use crate::matching::pattern::{self, Token};
use crate::model::context::{Context, ContextValue};

/// One part of a value with variables.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// Text as written: `*` and `?` in it are wildcards where the operator has them.
    Text(String),
    /// `${key}` or `${key, 'default'}`.
    Variable {
        key: String,
        default: Option<String>,
    },
    /// `${*}`, `${?}` or `${$}`: the character itself, never a wildcard.
    Escape(char),
}

/// A value that contains at least one `${…}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

impl Template {
    /// Splits `value` into text and variables; `None` if it has no well-formed `${…}` (then it
    /// is plain text). A `${` without a closing `}` stays literal text.
    pub(crate) fn parse(value: &str) -> Option<Template> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = value;
        while let Some(span) = find(rest) {
            text.push_str(rest.get(..span.start).unwrap_or(""));
            let inner = rest.get(span.start + 2..span.end - 1).unwrap_or("");
            let part = match inner {
                "*" => Part::Escape('*'),
                "?" => Part::Escape('?'),
                "$" => Part::Escape('$'),
                _ => parse_variable(inner),
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            rest = rest.get(span.end..).unwrap_or("");
        }
        text.push_str(rest);
        if parts.is_empty() {
            return None;
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Some(Template { parts })
    }

    /// The context keys the template reads.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// Substitutes the variables; `None` if one has no value (absent, multi-valued) and no default.
    pub(crate) fn resolve(&self, context: &Context) -> Option<Vec<Token>> {
        self.tokens(|key, default| {
            let value = match context.get(key) {
                Some(ContextValue::Single(v)) => Some(v.as_str()),
                _ => None,
            };
            let value = value.or(default)?;
            Some(value.chars().map(Token::Char).collect())
        })
    }

    /// The tokens with each variable a `*`: what the value can match over all requests, since a
    /// variable may be given any text (for "can this value match some ARN of a format").
    pub(crate) fn unresolved_tokens(&self) -> Vec<Token> {
        self.tokens(|_, _| Some(vec![Token::Star]))
            .unwrap_or_default()
    }

    /// Text tokenized, escapes literal, each variable replaced by `value(key, default)`.
    fn tokens(
        &self,
        mut value: impl FnMut(&str, Option<&str>) -> Option<Vec<Token>>,
    ) -> Option<Vec<Token>> {
        let mut tokens = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => tokens.extend(pattern::tokenize(text)),
                Part::Escape(c) => tokens.push(Token::Char(*c)),
                Part::Variable { key, default } => tokens.extend(value(key, default.as_deref())?),
            }
        }
        Some(tokens)
    }
}

/// The byte range of the first `${…}` in `text`: a `${` and the first `}` after it. This is the
/// one place that recognises the `${…}` syntax, for policy variables (and the escapes `${*}`,
/// `${?}`, `${$}`) as for the placeholders of catalog ARN formats (`${Region}`). A `${` without a
/// closing `}` is not one (it is literal text). Whether a variable found here is substituted
/// depends on where it stands: see `crate::model::arn::resource_variables` and the parser.
pub(crate) fn find(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find("${")?;
    let close = text.get(start + 2..)?.find('}')?;
    Some(start..start + 2 + close + 1)
}

/// `key` or `key, 'default'`.
fn parse_variable(inner: &str) -> Part {
    if let Some((key, default)) = inner.split_once(',') {
        let default = default.trim();
        if let Some(quoted) = default
            .strip_prefix('\'')
            .and_then(|d| d.strip_suffix('\''))
        {
            return Part::Variable {
                key: key.trim().to_string(),
                default: Some(quoted.to_string()),
            };
        }
    }
    Part::Variable {
        key: inner.trim().to_string(),
        default: None,
    }
}

/// The tokens as text, wildcards written as `*` and `?` (for equality operators and messages).
pub(crate) fn tokens_to_string(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Char(c) => *c,
            Token::AnyOne => '?',
            Token::Star => '*',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> Context {
        let mut ctx = Context::new();
        for (k, v) in pairs {
            ctx.push(k, v.to_string());
        }
        ctx
    }

    #[test]
    fn plain_text_is_not_a_template() {
        assert_eq!(Template::parse("repository/app-*"), None);
        assert_eq!(Template::parse("unclosed ${aws:username"), None);
    }

    #[test]
    fn substitutes_and_keeps_wildcards_in_text_only() {
        let t = Template::parse("repository/${aws:username}/*").unwrap();
        let tokens = t.resolve(&ctx(&[("aws:username", "a*b")])).unwrap();
        assert_eq!(tokens_to_string(&tokens), "repository/a*b/*");
        assert_eq!(tokens[12], Token::Char('*'), "substituted star is literal");
        assert_eq!(
            tokens.last(),
            Some(&Token::Star),
            "written star is a wildcard"
        );
        assert_eq!(t.keys().collect::<Vec<_>>(), ["aws:username"]);
    }

    #[test]
    fn defaults_escapes_and_missing_keys() {
        let t = Template::parse("${aws:PrincipalTag/team, 'shared'}-${*}${?}${$}").unwrap();
        let tokens = t.resolve(&Context::new()).unwrap();
        assert_eq!(tokens_to_string(&tokens), "shared-*?$");
        assert!(tokens.iter().all(|t| matches!(t, Token::Char(_))));
        let t = Template::parse("${aws:principaltag/TEAM}").unwrap();
        assert_eq!(
            t.resolve(&ctx(&[("aws:PrincipalTag/team", "x")])),
            Some(vec![Token::Char('x')])
        );
        assert_eq!(t.resolve(&Context::new()), None);
        let multi = ctx(&[
            ("aws:PrincipalTag/team", "x"),
            ("aws:PrincipalTag/team", "y"),
        ]);
        assert_eq!(
            t.resolve(&multi),
            None,
            "multi-valued keys are not variables"
        );
    }

    #[test]
    fn one_recognition_of_the_syntax() {
        // Rule (c): `find` is what the parser, the resource tokenizer and lint read.
        assert_eq!(find("a${aws:username}b"), Some(1..16));
        assert_eq!(find("${*}"), Some(0..4));
        assert_eq!(find("a${b"), None);
        assert_eq!(find("a}${b}"), Some(2..6));
        assert_eq!(find("no variable"), None);
        for text in ["a${aws:username}b", "${*}", "a${b", "x${y}z${w}", "plain"] {
            assert_eq!(
                Template::parse(text).is_some(),
                find(text).is_some(),
                "{text}"
            );
        }
    }
}
