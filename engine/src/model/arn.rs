//! ARNs and the `Resource` element's matching rule (docs/semantics.md#resources-and-arns).
//!
//! A `Resource` value is matched against the whole request ARN, case-sensitively. `?` is one
//! character. In the sixth field (after the fifth colon) every `*` matches any run of characters,
//! `/` and `:` included. In the first five fields a `*` stays inside its field, unless it is the
//! last character of the field: then it may run past colons, so `arn:aws:ecr:*` covers every ECR
//! ARN. The request resource `*` (account-level actions) is matched only by the value `*`.

use crate::matching::pattern::{self, Wildcard};
use crate::model::variables::{self, Template};

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

/// One token of a `Resource` value with the matching rule applied (see `rule_tokens`): a
/// character, or a wildcard for one (`One`) or any number (`Star`) of characters, which may be
/// `:` only when `crosses_colon`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A character that matches itself.
    Char(char),
    /// `?`; `crosses_colon` is false in the first five fields.
    One {
        /// Whether the character may be `:`.
        crosses_colon: bool,
    },
    /// `*`; `crosses_colon` is true in the sixth field and at the end of a field.
    Star {
        /// Whether the run may contain `:`.
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
    pub(crate) fn from_tokens(source: String, tokens: &[pattern::Token]) -> ResourcePattern {
        ResourcePattern {
            source,
            matcher: compile(tokens),
        }
    }

    /// The value as written in the policy.
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this is the literal `*`.
    pub(crate) fn is_any(&self) -> bool {
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

/// The tokens of a value with the `Resource` rule applied: which `*` and `?` may match `:`. The
/// one home of that rule, for the evaluator (through [`ResourcePattern`]) and for the questions
/// lint and summary ask of written values (through [`value_tokens`]).
pub(crate) fn rule_tokens(value: &[pattern::Token]) -> Vec<Token> {
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

/// Byte offset where the sixth field (the resource field) of a value starts: just after its fifth
/// `:`; `None` when it has fewer than six fields.
pub(crate) fn resource_field_start(text: &str) -> Option<usize> {
    text.match_indices(':').nth(4).map(|(i, _)| i + 1)
}

/// Where `${…}` is a policy variable in a `Resource` or `NotResource` value
/// (docs/semantics.md#policy-variables): only under `"Version": "2012-10-17"` (`variables`), and
/// only in the resource field, after the fifth `:` of the value as written. Anywhere else it is
/// literal text, its own `:` included: in
/// `arn:aws:ecr:${aws:RequestedRegion}:123456789012:repository/app` IAM substitutes nothing, and
/// the `:` inside the braces ends the fourth field, so the value names a resource field
/// `123456789012:repository/app` (`corpus/variables/where-allowed`; lint W108 says so).
///
/// Returns the text before the resource field and the field as a template, or `None` when no
/// variable is substituted (then the whole value is pattern text).
pub(crate) fn resource_variables(text: &str, variables: bool) -> Option<(&str, Template)> {
    if !variables {
        return None;
    }
    let (head, field) = text.split_at(resource_field_start(text)?);
    Template::parse(field).map(|t| (head, t))
}

/// The tokens of a written `Resource` value over every request: a policy variable (where
/// [`resource_variables`] says there is one) may be given any text, so it is a `*` — which, in
/// the resource field, may cross `:`. The rule is [`rule_tokens`], as for the evaluator.
pub(crate) fn value_tokens(text: &str, variables: bool) -> Vec<Token> {
    let tokens: Vec<pattern::Token> = match resource_variables(text, variables) {
        Some((head, template)) => pattern::tokenize(head)
            .chain(template.unresolved_tokens())
            .collect(),
        None => pattern::tokenize(text).collect(),
    };
    rule_tokens(&tokens)
}

/// The tokens of a catalog ARN format such as
/// `arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`, read as
/// [`crate::data::catalog::arn_matches_format`] reads it: each `${…}` placeholder, or a literal `*`,
/// is a non-empty run of characters, which may contain `:` only in the sixth field.
pub(crate) fn format_tokens(format: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut colons = 0;
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        let crosses_colon = colons >= 5;
        let placeholder = match c {
            '*' => Some(1),
            '$' => variables::find(rest)
                .filter(|span| span.start == 0)
                .map(|span| span.end),
            _ => None,
        };
        if let Some(end) = placeholder {
            out.push(Token::One { crosses_colon });
            out.push(Token::Star { crosses_colon });
            rest = rest.get(end..).unwrap_or("");
            continue;
        }
        if c == ':' {
            colons += 1;
        }
        out.push(Token::Char(c));
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// Whether `value` (a written `Resource` value) can match some ARN of the catalog `format`, with
/// an example: `intersection` of `value_tokens` and `format_tokens`. A policy variable
/// counts as a wildcard only where IAM substitutes it (`resource_variables`); elsewhere it is
/// literal text, so `arn:aws:ecr:${aws:RequestedRegion}:123456789012:repository/app` fits no
/// ECR repository ARN, whatever the request.
pub(crate) fn fits_format(value: &str, format: &str, variables: bool) -> Option<Witness> {
    intersection(&value_tokens(value, variables), &format_tokens(format))
}

/// A string two token lists both match: literal characters as `Some`, characters that only
/// wildcards stand for as `None` (any character but `:` will do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Witness(Vec<Option<char>>);

impl Witness {
    /// A concrete example: each free character written `x`.
    pub(crate) fn example(&self) -> String {
        self.render("")
    }

    /// The witness with each run of free characters written `run` (or `x` per character when
    /// `run` is empty).
    pub(crate) fn render(&self, run: &str) -> String {
        let mut out = String::new();
        let mut in_run = false;
        for c in &self.0 {
            match c {
                Some(c) => {
                    out.push(*c);
                    in_run = false;
                }
                None if run.is_empty() => out.push('x'),
                None => {
                    if !in_run {
                        out.push_str(run);
                    }
                    in_run = true;
                }
            }
        }
        out
    }
}

/// One move of [`intersection`]: how far each list advances, and the character it produces
/// (`None` for an empty star, `Some(None)` for a free character).
#[derive(Clone, Copy)]
struct Move {
    da: usize,
    db: usize,
    emit: Option<Option<char>>,
}

/// Whether a wildcard (or literal) token accepts the character `c`.
fn accepts(token: Token, c: char) -> bool {
    match token {
        Token::One { crosses_colon } | Token::Star { crosses_colon } => crosses_colon || c != ':',
        Token::Char(l) => l == c,
    }
}

/// The moves from positions `i` of `a` and `j` of `b`, in order of preference: empty stars first,
/// so that witnesses stay short.
fn moves(a: &[Token], b: &[Token], i: usize, j: usize) -> Vec<Move> {
    use Token::{Char, One, Star};
    let (x, y) = (a.get(i).copied(), b.get(j).copied());
    let mut out = Vec::with_capacity(3);
    let step = |da, db, emit| Move {
        da,
        db,
        emit: Some(emit),
    };
    if let Some(Star { .. }) = x {
        out.push(Move {
            da: 1,
            db: 0,
            emit: None,
        });
    }
    if let Some(Star { .. }) = y {
        out.push(Move {
            da: 0,
            db: 1,
            emit: None,
        });
    }
    match (x, y) {
        (Some(w @ Star { .. }), Some(Char(c))) if accepts(w, c) => out.push(step(0, 1, Some(c))),
        (Some(Char(c)), Some(w @ Star { .. })) if accepts(w, c) => out.push(step(1, 0, Some(c))),
        (Some(Star { .. }), Some(One { .. })) => out.push(step(0, 1, None)),
        (Some(One { .. }), Some(Star { .. })) => out.push(step(1, 0, None)),
        (Some(Char(c)), Some(w @ (Char(_) | One { .. })))
        | (Some(w @ One { .. }), Some(Char(c)))
            if accepts(w, c) =>
        {
            out.push(step(1, 1, Some(c)));
        }
        (Some(One { .. }), Some(One { .. })) => out.push(step(1, 1, None)),
        _ => {}
    }
    out
}

/// A string both token lists match, or `None` when their languages do not meet: the one
/// intersection algorithm, behind lint's W104/W105 ("this value fits none of the formats"), the
/// summary's "which resources" and the samples of `diff`.
///
/// Depth-first over pairs of positions (a product automaton), with an explicit stack and a
/// record of dead pairs, so it is linear in the product of the lengths and deep inputs cannot
/// overflow the call stack. The first witness in move order is returned.
pub(crate) fn intersection(a: &[Token], b: &[Token]) -> Option<Witness> {
    struct Frame {
        at: (usize, usize),
        moves: Vec<Move>,
        next: usize,
        emitted: bool,
    }
    let width = b.len() + 1;
    let end = (a.len(), b.len());
    let mut dead = vec![false; (a.len() + 1) * width];
    let mut out = Vec::new();
    if end == (0, 0) {
        return Some(Witness(out));
    }
    let mut stack = vec![Frame {
        at: (0, 0),
        moves: moves(a, b, 0, 0),
        next: 0,
        emitted: false,
    }];
    while let Some(frame) = stack.last_mut() {
        if frame.emitted {
            out.pop();
            frame.emitted = false;
        }
        let Some(m) = frame.moves.get(frame.next).copied() else {
            let (i, j) = frame.at;
            if let Some(d) = dead.get_mut(i * width + j) {
                *d = true;
            }
            stack.pop();
            continue;
        };
        frame.next += 1;
        if let Some(e) = m.emit {
            out.push(e);
            frame.emitted = true;
        }
        let (i, j) = (frame.at.0 + m.da, frame.at.1 + m.db);
        if (i, j) == end {
            return Some(Witness(out));
        }
        if dead.get(i * width + j).copied().unwrap_or(true) {
            continue;
        }
        stack.push(Frame {
            at: (i, j),
            moves: moves(a, b, i, j),
            next: 0,
            emitted: false,
        });
    }
    None
}

/// Whether `text` is an AWS account id: exactly 12 digits. The one home of this rule: ARNs,
/// registry hosts, organization files, a request's resource account and batch fields all ask
/// here.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
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
        let mut next = crate::matching::pattern::xorshift(0x2545_F491_4F6C_DD1D);
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

    #[test]
    fn intersection_of_values_and_formats() {
        let repo = "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}";
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        #[rustfmt::skip]
        let cases = [
            ("arn:aws:ecr:us-east-1:123456789012:repository/a/b", repo,   true),
            ("arn:aws:ecr:us-east-1:123456789012:repository/",    repo,   false),
            ("arn:aws:ecr:us-east-1:repository/x",                repo,   false),
            ("arn:aws:ecr:*:repository/x",                        repo,   true),
            ("arn:aws:ecr:us-east-1:*:repository/x",              repo,   true),
            ("arn:aws:ecr:us-east-1:1?3:repository/x",            repo,   true),
            ("arn:aws:ecr:us-east-1:?:repository/x",              repo,   true),
            ("arn:aws:ecr:us-east-1::repository/x",               repo,   false),
            ("arn:aws:s3:::b",                                    bucket, true),
            ("arn:aws:s3:::b",                                    object, false),
            ("arn:aws:s3:::b/*",                                  object, true),
            ("arn:aws:s3:::b/*",                                  bucket, true),
            ("arn:aws:s3:::b*",                                   object, true),
            ("arn:aws:s3:us-east-1::b",                           bucket, false),
        ];
        for (value, format, expected) in cases {
            assert_eq!(
                fits_format(value, format, true).is_some(),
                expected,
                "{value} vs {format}"
            );
        }
    }

    const REPO_FORMAT: &str =
        "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}";
    /// The value lint and summary once disagreed on (lint: fits; summary: does not).
    const REGION_VARIABLE: &str = "arn:aws:ecr:${aws:RequestedRegion}:123456789012:repository/app";
    const APP: &str = "arn:aws:ecr:us-east-1:123456789012:repository/app";

    fn ctx(pairs: &[(&str, &str)]) -> crate::model::context::Context {
        let mut ctx = crate::model::context::Context::new();
        for (k, v) in pairs {
            ctx.push(k, v.to_string());
        }
        ctx
    }

    fn value(text: &str) -> crate::model::policy::ResourceValue {
        crate::model::policy::ResourceValue::new(text, crate::syntax::json::Pos::default(), true)
    }

    #[test]
    fn variables_are_substituted_in_the_resource_field_only() {
        // Rule (a): one tokenizer. A `${…}` before the fifth `:` is literal, its `:` included.
        assert!(resource_variables(REGION_VARIABLE, true).is_none());
        let tokens = value_tokens(REGION_VARIABLE, true);
        assert_eq!(tokens.iter().filter(|t| **t == Token::Char(':')).count(), 6);
        assert!(tokens.iter().all(|t| matches!(t, Token::Char(_))));
        // In the resource field it is a variable: any run, `:` included.
        let (head, _) = resource_variables(
            "arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}",
            true,
        )
        .unwrap();
        assert_eq!(head, "arn:aws:ecr:us-east-1:123456789012:");
        assert_eq!(
            value_tokens("arn:aws:ecr:r:1:repository/${aws:username}", true).last(),
            Some(&Token::Star {
                crosses_colon: true
            })
        );
        // Without Version 2012-10-17 it is text everywhere; escapes are their character.
        assert!(resource_variables("arn:aws:ecr:r:1:repository/${aws:username}", false).is_none());
        assert_eq!(
            value_tokens("arn:aws:ecr:r:1:repository/${*}", true).last(),
            Some(&Token::Char('*'))
        );
    }

    #[test]
    fn evaluator_reads_variables_where_the_tokenizer_does() {
        // The region-field variable is literal: no Region, whatever the request says.
        let v = value(REGION_VARIABLE);
        assert!(!v.is_match(APP, &ctx(&[("aws:RequestedRegion", "us-east-1")])));
        assert!(!v.is_match(APP, &ctx(&[])));
        assert!(v.is_match(
            REGION_VARIABLE,
            &ctx(&[("aws:RequestedRegion", "us-east-1")])
        ));
        // In the resource field it is substituted: a match only with the right value.
        let v = value("arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}");
        assert!(v.is_match(APP, &ctx(&[("aws:username", "app")])));
        assert!(!v.is_match(APP, &ctx(&[("aws:username", "other")])));
        assert!(!v.is_match(APP, &ctx(&[])));
    }

    #[test]
    fn intersection_answers_with_a_witness() {
        // Rule (b): one intersection. The drifted value fits no repository ARN ...
        assert_eq!(fits_format(REGION_VARIABLE, REPO_FORMAT, true), None);
        assert_eq!(fits_format(REGION_VARIABLE, REPO_FORMAT, false), None);
        // ... and lint and summary say the same.
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"ecr:PutImage","Resource":"{REGION_VARIABLE}"}}}}"#
        );
        let findings = crate::tools::lint::lint(
            "p.json",
            text.as_bytes(),
            crate::model::policy::PolicyKind::Identity,
            crate::tools::lint::PolicyShape::ManagedPolicy,
        );
        let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["W104", "W108"], "{findings:#?}");
        let put = crate::data::catalog::Catalog::builtin()
            .action("ecr:PutImage")
            .unwrap();
        assert!(!crate::tools::summary::fits(
            &value(REGION_VARIABLE),
            &put,
            true
        ));
        assert!(crate::tools::summary::fits(&value(APP), &put, true));
        // A resource-field variable fits, with an example both sides accept.
        let w = fits_format(
            "arn:aws:ecr:us-east-1:123456789012:repository/${aws:username}",
            REPO_FORMAT,
            true,
        )
        .unwrap();
        assert_eq!(
            w.example(),
            "arn:aws:ecr:us-east-1:123456789012:repository/x"
        );
        assert!(crate::data::catalog::arn_matches_format(
            REPO_FORMAT,
            &w.example()
        ));
        // Negative cases: another service, another resource type.
        assert_eq!(
            fits_format("arn:aws:s3:::bucket/*", REPO_FORMAT, true),
            None
        );
        assert_eq!(
            fits_format(
                "arn:aws:ecr:us-east-1:123456789012:repo/app",
                REPO_FORMAT,
                true
            ),
            None
        );
        let w = fits_format(
            "arn:aws:ecr:*:123456789012:repository/a?p",
            REPO_FORMAT,
            true,
        )
        .unwrap();
        assert_eq!(w.example(), "arn:aws:ecr:x:123456789012:repository/axp");
        assert_eq!(
            w.render("<any>"),
            "arn:aws:ecr:<any>:123456789012:repository/a<any>p"
        );
    }

    #[test]
    fn witnesses_are_accepted_by_the_evaluator_and_the_catalog() {
        // Random values: every witness example matches the value (evaluator) and the format
        // (catalog); and a value that matches a sample ARN of the format has a witness.
        let pieces = [
            "arn",
            ":",
            "aws",
            "ecr",
            "us-east-1",
            "1",
            "repository/",
            "app",
            "*",
            "?",
            "/",
            "s3",
        ];
        let samples = [
            APP,
            "arn:aws:ecr:eu-west-1:1:repository/a/b",
            "arn:aws:ecr:x:1:repository/app:1",
        ];
        let mut next = crate::matching::pattern::xorshift(0x0123_4567_89AB_CDEF);
        for _ in 0..5_000 {
            let text: String = (0..next(14)).map(|_| pieces[next(pieces.len())]).collect();
            let pattern = ResourcePattern::new(&text);
            match fits_format(&text, REPO_FORMAT, false) {
                Some(w) => {
                    let example = w.example();
                    assert!(pattern.is_match(&example), "{text:?}: {example:?}");
                    assert!(
                        crate::data::catalog::arn_matches_format(REPO_FORMAT, &example),
                        "{text:?}: {example:?}"
                    );
                }
                None => {
                    for sample in samples {
                        assert!(!pattern.is_match(sample), "{text:?} matches {sample:?}");
                    }
                }
            }
        }
    }
}
