//! ARNs and the `Resource` element's matching rule (iam-semantics §3.4).
//!
//! A `Resource` value is matched against the whole request ARN, case-sensitively. `?` is one
//! character. In the sixth field (after the fifth colon) every `*` matches any run of characters,
//! `/` and `:` included. In the first five fields a `*` stays inside its field, unless it is the
//! last character of the field: then it may run past colons, so `arn:aws:ecr:*` covers every ECR
//! ARN. The request resource `*` (account-level actions) is matched only by the value `*`.

use crate::pattern::{self, Wildcard};

/// The parts of a concrete ARN: `arn:partition:service:region:account:resource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// The service namespace, e.g. `ecr`.
    pub service: &'a str,
    /// The Region, empty for global resources.
    pub region: &'a str,
    /// The 12-digit account id, empty for some resources (S3 buckets).
    pub account: &'a str,
    /// Everything after the fifth colon, e.g. `repository/team/app`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text` into its six fields; `None` if it does not start with `arn:` or has fewer
    /// than six fields, or if the partition, service or resource is empty.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut fields = text.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next()?,
        };
        let well_formed =
            !arn.partition.is_empty() && !arn.service.is_empty() && !arn.resource.is_empty();
        well_formed.then_some(arn)
    }
}

/// One compiled value of a `Resource` or `NotResource` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePattern {
    source: String,
    matcher: Matcher,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Matcher {
    /// The value `*`.
    Any,
    /// Fields one to five are plain text (no wildcard): compare them, then match the sixth field.
    LiteralHead { head: String, resource: Wildcard },
    /// Anything else: the general token rule.
    General(Vec<Token>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`; `crosses_colon` is false in the first five fields.
    One {
        crosses_colon: bool,
    },
    /// `*`; `crosses_colon` is true in the sixth field and at the end of a field.
    Star {
        crosses_colon: bool,
    },
}

impl ResourcePattern {
    /// Compiles a `Resource` value. The value is not validated here (see the parser).
    pub fn new(value: &str) -> ResourcePattern {
        let tokens: Vec<pattern::Token> = pattern::tokenize(value).collect();
        ResourcePattern::from_tokens(value.to_string(), &tokens)
    }

    /// Compiles a value whose policy variables have been substituted (substituted text is
    /// literal); `source` is the value as written.
    pub fn from_tokens(source: String, tokens: &[pattern::Token]) -> ResourcePattern {
        ResourcePattern {
            source,
            matcher: compile(tokens),
        }
    }

    /// The value as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this is the literal `*`.
    pub fn is_any(&self) -> bool {
        matches!(self.matcher, Matcher::Any)
    }

    /// Whether the request resource (a concrete ARN, or `*` for account-level actions) matches.
    pub fn is_match(&self, request_resource: &str) -> bool {
        if request_resource == "*" {
            return self.is_any();
        }
        match &self.matcher {
            Matcher::Any => true,
            Matcher::LiteralHead { head, resource } => {
                request_resource.starts_with(head.as_str())
                    && request_resource
                        .get(head.len()..)
                        .is_some_and(|rest| resource.is_match(rest))
            }
            Matcher::General(tokens) => match_tokens(tokens, request_resource),
        }
    }
}

fn compile(value: &[pattern::Token]) -> Matcher {
    use pattern::Token as T;
    if value == [T::Star] {
        return Matcher::Any;
    }
    let sixth_field_start = value
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == T::Char(':'))
        .nth(4)
        .map(|(i, _)| i + 1);
    if let Some(start) = sixth_field_start {
        let (head, rest) = value.split_at(start);
        let literal_head: Option<String> = head
            .iter()
            .map(|t| match t {
                T::Char(c) => Some(*c),
                T::AnyOne | T::Star => None,
            })
            .collect();
        if let Some(head) = literal_head {
            let shown: String = rest
                .iter()
                .map(|t| match t {
                    T::Char(c) => *c,
                    T::AnyOne => '?',
                    T::Star => '*',
                })
                .collect();
            return Matcher::LiteralHead {
                head,
                resource: Wildcard::from_tokens(shown, rest),
            };
        }
    }
    let mut tokens = Vec::new();
    let mut colons = 0;
    for (i, t) in value.iter().enumerate() {
        let in_resource_field = colons >= 5;
        let token = match t {
            T::Star => {
                let ends_field = matches!(value.get(i + 1), None | Some(T::Char(':')));
                Token::Star {
                    crosses_colon: in_resource_field || ends_field,
                }
            }
            T::AnyOne => Token::One {
                crosses_colon: in_resource_field,
            },
            T::Char(':') => {
                colons += 1;
                Token::Char(':')
            }
            T::Char(c) => Token::Char(*c),
        };
        tokens.push(token);
    }
    Matcher::General(tokens)
}

/// Thompson-style simulation: the set of pattern positions reachable after each character.
/// Linear in the subject for a given pattern; no backtracking.
fn match_tokens(tokens: &[Token], subject: &str) -> bool {
    let mut current = vec![false; tokens.len() + 1];
    let mut next = vec![false; tokens.len() + 1];
    current[0] = true;
    close_over_stars(tokens, &mut current);
    for c in subject.chars() {
        next.iter_mut().for_each(|x| *x = false);
        let mut any = false;
        for (i, token) in tokens.iter().enumerate() {
            if !current[i] {
                continue;
            }
            let (stay, advance) = match *token {
                Token::Char(expected) => (false, expected == c),
                Token::One { crosses_colon } => (false, crosses_colon || c != ':'),
                Token::Star { crosses_colon } => (crosses_colon || c != ':', false),
            };
            if stay {
                next[i] = true;
                any = true;
            }
            if advance {
                next[i + 1] = true;
                any = true;
            }
        }
        if !any {
            return false;
        }
        close_over_stars(tokens, &mut next);
        std::mem::swap(&mut current, &mut next);
    }
    current[tokens.len()]
}

/// A star may match nothing: whoever stands before a star also stands after it.
fn close_over_stars(tokens: &[Token], states: &mut [bool]) {
    for (i, token) in tokens.iter().enumerate() {
        if states[i] && matches!(token, Token::Star { .. }) {
            states[i + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "arn:aws:ecr:us-east-1:123456789012:repository/my-app";

    fn m(pattern: &str, subject: &str) -> bool {
        ResourcePattern::new(pattern).is_match(subject)
    }

    #[test]
    fn parses_six_fields() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:1:log-group:a:b").unwrap();
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.resource, "log-group:a:b");
        assert_eq!(Arn::parse("arn:aws:s3:::bucket").unwrap().account, "");
        assert!(Arn::parse("arn:aws:ecr").is_none());
        assert!(Arn::parse("arn:aws:ecr:us-east-1:1:").is_none());
        assert!(Arn::parse("my-repo").is_none());
    }

    #[test]
    fn exact_and_resource_field_wildcards() {
        assert!(m(REPO, REPO));
        assert!(!m(
            "arn:aws:ecr:us-east-1:123456789012:repository/My-App",
            REPO
        ));
        assert!(m("arn:aws:ecr:us-east-1:123456789012:repository/*", REPO));
        assert!(m(
            "arn:aws:ecr:us-east-1:123456789012:repository/*",
            "arn:aws:ecr:us-east-1:123456789012:repository/team/app"
        ));
        assert!(m("arn:aws:ecr:us-east-1:123456789012:*", REPO));
        assert!(m(
            "arn:aws:ecr:us-east-1:123456789012:repository/my-ap?",
            REPO
        ));
        assert!(!m(
            "arn:aws:ecr:us-east-1:123456789012:repository/my-ap",
            REPO
        ));
        assert!(!m(
            "arn:aws:ecr:us-east-1:111122223333:repository/my-app",
            REPO
        ));
        assert!(!m(
            "arn:aws-cn:ecr:us-east-1:123456789012:repository/my-app",
            REPO
        ));
    }

    #[test]
    fn head_wildcards_stay_in_their_field_unless_final() {
        assert!(m("arn:aws:ecr:*:123456789012:repository/my-app", REPO));
        assert!(m("arn:aws:ecr:us-*:*:repository/*", REPO));
        assert!(!m(
            "arn:aws:ecr:us-*1:123456789012:repository/my-app",
            "arn:aws:ecr:us-east:x1:123456789012:repository/my-app"
        ));
        assert!(m("arn:aws:ecr:*", REPO));
        assert!(m("arn:aws:ecr:us-east-1:*", REPO));
        assert!(m("arn:aws:*", REPO));
        assert!(!m("arn:aws:s3:*", REPO));
        // A segment-final star may run past colons (the Resource page's rule).
        assert!(m("arn:aws:ecr:*:repository/my-app", REPO));
        // A star that is not at the end of its field does not.
        assert!(!m("arn:aws:ecr:us*1:repository/my-app", REPO));
        // Short values without a final star never match.
        assert!(!m("arn:aws:ecr", REPO));
    }

    #[test]
    fn star_request_resource_only_matches_star() {
        assert!(m("*", "*"));
        assert!(!m("arn:aws:ecr:us-east-1:123456789012:*", "*"));
        assert!(!m("arn:*", "*"));
        assert!(!m("arn:aws:ecr:*:*:repository/*", "*"));
        assert!(m("*", REPO));
    }
}
