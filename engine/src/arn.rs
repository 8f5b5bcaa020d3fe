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
        let rest = text.strip_prefix("arn:")?;
        // The first four colons after `arn:` end the partition, service, region and account.
        let mut cuts = [0usize; 4];
        let mut found = 0;
        for (i, b) in rest.bytes().enumerate() {
            if b == b':' {
                if let Some(cut) = cuts.get_mut(found) {
                    *cut = i;
                }
                found += 1;
                if found == cuts.len() {
                    break;
                }
            }
        }
        if found < cuts.len() {
            return None;
        }
        let [a, b, c, d] = cuts;
        let arn = Arn {
            partition: rest.get(..a)?,
            service: rest.get(a + 1..b)?,
            region: rest.get(b + 1..c)?,
            account: rest.get(c + 1..d)?,
            resource: rest.get(d + 1..)?,
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
    /// Anything else with fewer than 64 tokens: the token rule, simulated with bit masks.
    Bits(Box<BitMatcher>),
    /// Anything else: the general token rule.
    General(Vec<Token>),
}

/// The automaton of [`match_tokens`] as bit masks (bit `i`: "before token `i`"), for patterns
/// of at most 63 tokens: one shift and a few masks per character of the subject.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BitMatcher {
    /// ASCII character → index in `masks` (0: a mask of no bits).
    index: [u8; 128],
    /// `masks[k]`: the `Char` tokens of one character.
    masks: Vec<u64>,
    /// The same for other characters.
    wide: Vec<(char, u64)>,
    /// `?` tokens that match any character, or any but `:`.
    one_any: u64,
    one_no_colon: u64,
    /// `*` tokens that may run past `:`, or not.
    star_any: u64,
    star_no_colon: u64,
    stars: u64,
    accept: u64,
    /// The state before a final `*` that may run past `:`: reaching it is a match.
    sink: u64,
    /// The plain text before the first wildcard, compared first, and its length in tokens.
    prefix: String,
    prefix_tokens: u32,
}

impl BitMatcher {
    fn new(tokens: &[Token]) -> Option<BitMatcher> {
        if tokens.len() >= 64 {
            return None;
        }
        let mut m = BitMatcher {
            index: [0; 128],
            masks: vec![0],
            wide: Vec::new(),
            one_any: 0,
            one_no_colon: 0,
            star_any: 0,
            star_no_colon: 0,
            stars: 0,
            accept: 1 << tokens.len(),
            sink: match tokens.last() {
                Some(Token::Star {
                    crosses_colon: true,
                }) => 1 << (tokens.len() - 1),
                _ => 0,
            },
            prefix: tokens
                .iter()
                .map_while(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect(),
            prefix_tokens: 0,
        };
        m.prefix_tokens = u32::try_from(m.prefix.chars().count()).ok()?;
        for (i, token) in tokens.iter().enumerate() {
            let bit = 1u64 << i;
            match *token {
                Token::Char(c) => match u8::try_from(c).ok().filter(u8::is_ascii) {
                    Some(b) => {
                        let slot = m.index.get_mut(usize::from(b))?;
                        if *slot == 0 {
                            *slot = u8::try_from(m.masks.len()).ok()?;
                            m.masks.push(0);
                        }
                        *m.masks.get_mut(usize::from(*slot))? |= bit;
                    }
                    None => match m.wide.iter_mut().find(|(w, _)| *w == c) {
                        Some((_, mask)) => *mask |= bit,
                        None => m.wide.push((c, bit)),
                    },
                },
                Token::One { crosses_colon } => {
                    if crosses_colon {
                        m.one_any |= bit;
                    } else {
                        m.one_no_colon |= bit;
                    }
                }
                Token::Star { crosses_colon } => {
                    m.stars |= bit;
                    if crosses_colon {
                        m.star_any |= bit;
                    } else {
                        m.star_no_colon |= bit;
                    }
                }
            }
        }
        Some(m)
    }

    /// A star may match nothing: whoever stands before a star also stands after it.
    fn close(&self, mut states: u64) -> u64 {
        loop {
            let next = states | ((states & self.stars) << 1);
            if next == states {
                return states;
            }
            states = next;
        }
    }

    fn is_match(&self, subject: &str) -> bool {
        let Some(rest) = subject.strip_prefix(self.prefix.as_str()) else {
            return false;
        };
        let mut states = self.close(1 << self.prefix_tokens);
        for c in rest.chars() {
            if states & self.sink != 0 {
                return true;
            }
            let eq = if c.is_ascii() {
                let slot = self.index.get(c as usize).copied().unwrap_or(0);
                self.masks.get(usize::from(slot)).copied().unwrap_or(0)
            } else {
                self.wide
                    .iter()
                    .find(|(w, _)| *w == c)
                    .map_or(0, |(_, mask)| *mask)
            };
            let (advance, stay) = if c == ':' {
                (eq | self.one_any, self.star_any)
            } else {
                (
                    eq | self.one_any | self.one_no_colon,
                    self.star_any | self.star_no_colon,
                )
            };
            states = self.close(((states & advance) << 1) | (states & stay));
            if states == 0 {
                return false;
            }
        }
        states & self.accept != 0
    }
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
            Matcher::Bits(bits) => bits.is_match(request_resource),
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
    let tokens = rule_tokens(value);
    match BitMatcher::new(&tokens) {
        Some(bits) => Matcher::Bits(Box::new(bits)),
        None => Matcher::General(tokens),
    }
}

/// The tokens of a value with the `Resource` rule applied: which `*` and `?` may match `:`.
fn rule_tokens(value: &[pattern::Token]) -> Vec<Token> {
    use pattern::Token as T;
    let mut tokens = Vec::with_capacity(value.len());
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
    tokens
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
    fn bit_masks_agree_with_the_token_simulation() {
        let alphabet = ['a', ':', 'é', '*', '?', 'a', ':', 'b'];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..20_000 {
            let pattern: String = (0..next(14))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let subject: String = (0..next(14))
                .map(|_| [alphabet[0], alphabet[1], alphabet[2], alphabet[7]][next(4)])
                .collect();
            let tokens: Vec<pattern::Token> = pattern::tokenize(&pattern).collect();
            let Matcher::Bits(bits) = compile(&tokens) else {
                continue;
            };
            let general = rule_tokens(&tokens);
            assert_eq!(
                bits.is_match(&subject),
                match_tokens(&general, &subject),
                "{pattern:?} vs {subject:?}"
            );
        }
        let long = format!("arn:aws:s3:*:{}", "?".repeat(70));
        assert!(matches!(
            ResourcePattern::new(&long).matcher,
            Matcher::General(_)
        ));
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
