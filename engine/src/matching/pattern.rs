//! IAM wildcard patterns: `*` matches any run of characters, `?` exactly one character.
//!
//! A [`Wildcard`] is compiled once into a [`Strategy`] (exact, prefix, suffix, contains, any, or a
//! general list of pieces), and matched without backtracking: the pieces between stars are found
//! leftmost-first, which is optimal for patterns whose only variable-length token is `*`. The
//! running time is linear in the subject for star-separated literals, whatever the number of
//! stars. [`reference_match`] is the simple dynamic-programming definition used as a test oracle.

/// One element of a pattern: a literal character, `?` or `*`. Text substituted for a policy
/// variable becomes `Char` tokens, so a `*` in it is literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A character that matches itself.
    Char(char),
    /// `?`: exactly one character.
    AnyOne,
    /// `*`: any run of characters.
    Star,
}

/// Reads `*` and `?` in `pattern` as wildcards and everything else as itself.
pub(crate) fn tokenize(pattern: &str) -> impl Iterator<Item = Token> + '_ {
    pattern.chars().map(|c| match c {
        '*' => Token::Star,
        '?' => Token::AnyOne,
        c => Token::Char(c),
    })
}

/// One element of a piece between stars.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    Char(char),
    AnyOne,
}

/// A run of atoms with no `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Piece {
    atoms: Vec<Atom>,
    /// The piece as plain text when it has no `?`, for a fast substring search.
    literal: Option<String>,
    /// For a piece with `?`: its first run of plain characters and how many atoms precede it,
    /// to search for candidates as text; `None` when the piece is all `?`.
    anchor: Option<(usize, String)>,
}

impl Piece {
    /// A piece from tokens that contain no [`Token::Star`].
    fn new(tokens: &[Token]) -> Piece {
        let atoms: Vec<Atom> = tokens
            .iter()
            .map(|t| match t {
                Token::Char(c) => Atom::Char(*c),
                Token::AnyOne | Token::Star => Atom::AnyOne,
            })
            .collect();
        let literal = atoms
            .iter()
            .map(|a| match a {
                Atom::Char(c) => Some(*c),
                Atom::AnyOne => None,
            })
            .collect::<Option<String>>();
        let anchor = match literal {
            Some(_) => None,
            None => atoms
                .iter()
                .position(|a| matches!(a, Atom::Char(_)))
                .map(|before| {
                    let run: String = atoms
                        .iter()
                        .skip(before)
                        .map_while(|a| match a {
                            Atom::Char(c) => Some(*c),
                            Atom::AnyOne => None,
                        })
                        .collect();
                    (before, run)
                }),
        };
        Piece {
            atoms,
            literal,
            anchor,
        }
    }

    /// Matches the piece at byte offset `at` of `s`; returns the end offset.
    fn match_at(&self, s: &str, at: usize) -> Option<usize> {
        let mut chars = s.get(at..)?.char_indices();
        for atom in &self.atoms {
            let (_, c) = chars.next()?;
            if let Atom::Char(expected) = atom
                && *expected != c
            {
                return None;
            }
        }
        Some(chars.next().map_or(s.len(), |(i, _)| at + i))
    }

    /// Finds the leftmost match starting at or after `from` and ending at or before `limit`.
    fn find(&self, s: &str, from: usize, limit: usize) -> Option<(usize, usize)> {
        let window = s.get(..limit)?;
        if let Some(lit) = &self.literal {
            let start = from + find_text(window.get(from..)?, lit)?;
            return Some((start, start + lit.len()));
        }
        let Some((before, run)) = &self.anchor else {
            // Only `?`: the first start with enough characters left.
            return self.match_at(window, from).map(|end| (from, end));
        };
        // Each occurrence of the anchor run fixes a start `before` characters earlier; the
        // occurrences are tried left to right, overlapping ones included.
        let mut search = from;
        loop {
            let found = search + find_text(window.get(search..)?, run)?;
            let start = match before.checked_sub(1) {
                None => Some(found),
                Some(back) => window
                    .get(from..found)?
                    .char_indices()
                    .rev()
                    .nth(back)
                    .map(|(i, _)| from + i),
            };
            if let Some(start) = start
                && let Some(end) = self.match_at(window, start)
            {
                return Some((start, end));
            }
            search = found + window.get(found..)?.chars().next()?.len_utf8();
        }
    }

    fn char_len(&self) -> usize {
        self.atoms.len()
    }
}

/// `haystack.find(needle)`, with the single-character case sent to the byte search.
fn find_text(haystack: &str, needle: &str) -> Option<usize> {
    let mut chars = needle.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => haystack.find(c),
        _ => haystack.find(needle),
    }
}

/// How a compiled pattern is matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `*`: everything matches.
    Any,
    /// No wildcard: string equality.
    Exact(String),
    /// `abc*`
    Prefix(String),
    /// `*abc`
    Suffix(String),
    /// `*abc*`
    Contains(String),
    /// Anything else: pieces between stars, each possibly with `?`.
    General(Box<General>),
}

/// The general strategy: `first*middle*…*last`, where `first`/`last` may be absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct General {
    /// The piece before the first star, or the whole pattern when it has no star.
    first: Piece,
    /// Pieces between stars.
    middle: Vec<Piece>,
    /// The piece after the last star; `None` when the pattern has no star.
    last: Option<Piece>,
}

impl General {
    fn is_match(&self, s: &str) -> bool {
        let Some(first_end) = self.first.match_at(s, 0) else {
            return false;
        };
        let Some(last) = &self.last else {
            return first_end == s.len();
        };
        // The last piece has a fixed length in characters, so its start is known.
        let Some(last_start) = nth_char_from_end(s, last.char_len()) else {
            return false;
        };
        if last_start < first_end || last.match_at(s, last_start) != Some(s.len()) {
            return false;
        }
        let mut at = first_end;
        for piece in &self.middle {
            match piece.find(s, at, last_start) {
                Some((_, end)) => at = end,
                None => return false,
            }
        }
        true
    }
}

/// Byte offset where the last `n` characters of `s` start.
fn nth_char_from_end(s: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return Some(s.len());
    }
    s.char_indices().rev().nth(n - 1).map(|(i, _)| i)
}

/// A compiled IAM wildcard pattern (`*` any run, `?` one character), case-sensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    source: String,
    strategy: Strategy,
}

impl Wildcard {
    /// Compiles `pattern`, where `*` and `?` are wildcards.
    pub fn new(pattern: &str) -> Wildcard {
        let tokens: Vec<Token> = tokenize(pattern).collect();
        Wildcard::from_tokens(pattern.to_string(), &tokens)
    }

    /// Compiles a token sequence; `source` is how the pattern is shown to people.
    pub(crate) fn from_tokens(source: String, tokens: &[Token]) -> Wildcard {
        Wildcard {
            source,
            strategy: compile(tokens),
        }
    }

    /// The pattern as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// The chosen matching strategy.
    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// Whether the pattern has a `*` or `?`.
    pub(crate) fn has_wildcard(&self) -> bool {
        !matches!(self.strategy, Strategy::Exact(_))
    }

    /// Whether the whole of `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        match &self.strategy {
            Strategy::Any => true,
            Strategy::Exact(lit) => s == lit,
            Strategy::Prefix(lit) => s.starts_with(lit.as_str()),
            Strategy::Suffix(lit) => s.ends_with(lit.as_str()),
            // `str::contains` has a vectorised search for short needles; `find` does not.
            Strategy::Contains(lit) => s.contains(lit.as_str()),
            Strategy::General(general) => general.is_match(s),
        }
    }
}

fn compile(tokens: &[Token]) -> Strategy {
    let text = |ts: &[Token]| -> Option<String> {
        ts.iter()
            .map(|t| match t {
                Token::Char(c) => Some(*c),
                Token::AnyOne | Token::Star => None,
            })
            .collect()
    };
    if let Some(exact) = text(tokens) {
        return Strategy::Exact(exact);
    }
    if tokens.iter().all(|t| *t == Token::Star) {
        return Strategy::Any;
    }
    // Consecutive stars are one star: empty pieces between them are dropped below.
    let parts: Vec<&[Token]> = tokens.split(|t| *t == Token::Star).collect();
    let inner: Vec<&[Token]> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if let [only] = inner.as_slice()
        && let Some(only) = text(only)
    {
        let starts_with_star = tokens.first() == Some(&Token::Star);
        let ends_with_star = tokens.last() == Some(&Token::Star);
        match (starts_with_star, ends_with_star) {
            (false, true) => return Strategy::Prefix(only),
            (true, false) => return Strategy::Suffix(only),
            (true, true) => return Strategy::Contains(only),
            (false, false) => {}
        }
    }
    let (first, rest) = match parts.split_first() {
        Some((first, rest)) => (Piece::new(first), rest),
        None => (Piece::new(&[]), &[][..]),
    };
    let (last, middle) = match rest.split_last() {
        Some((last, middle)) => (Some(Piece::new(last)), middle),
        None => (None, &[][..]),
    };
    let middle = middle
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| Piece::new(p))
        .collect();
    Strategy::General(Box::new(General {
        first,
        middle,
        last,
    }))
}

/// The definition of IAM wildcard matching, by dynamic programming over characters: slow but
/// obviously right. Used as the oracle for [`Wildcard`] in tests and fuzzing.
pub fn reference_match(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    // matched[j]: pattern prefix of length j matches the subject prefix seen so far.
    let mut matched = vec![false; p.len() + 1];
    matched[0] = true;
    for j in 1..=p.len() {
        matched[j] = matched[j - 1] && p[j - 1] == '*';
    }
    for &c in &s {
        let mut next = vec![false; p.len() + 1];
        for j in 1..=p.len() {
            next[j] = match p[j - 1] {
                '*' => next[j - 1] || matched[j],
                '?' => matched[j - 1],
                pc => matched[j - 1] && pc == c,
            };
        }
        matched = next;
    }
    matched[p.len()]
}

/// A small deterministic generator for randomized tests: each call gives a number in `0..bound`.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut(usize) -> usize {
    move |bound| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, subject: &str, expected: bool) {
        let compiled = Wildcard::new(pattern);
        assert_eq!(
            compiled.is_match(subject),
            expected,
            "{pattern:?} vs {subject:?} ({:?})",
            compiled.strategy()
        );
        assert_eq!(
            reference_match(pattern, subject),
            expected,
            "reference: {pattern:?} vs {subject:?}"
        );
        let regex = regex::Regex::new(&format!(
            "^(?s:{})$",
            regex::escape(pattern)
                .replace("\\*", ".*")
                .replace("\\?", ".")
        ))
        .unwrap();
        assert_eq!(
            regex.is_match(subject),
            expected,
            "regex: {pattern:?} vs {subject:?}"
        );
    }

    #[test]
    fn strategies_are_chosen() {
        let cases = [
            ("*", Strategy::Any),
            ("**", Strategy::Any),
            ("ecr:batch*", Strategy::Prefix("ecr:batch".into())),
            ("*image", Strategy::Suffix("image".into())),
            ("*layer*", Strategy::Contains("layer".into())),
            ("ecr:putimage", Strategy::Exact("ecr:putimage".into())),
        ];
        for (pattern, strategy) in cases {
            assert_eq!(Wildcard::new(pattern).strategy(), &strategy, "{pattern}");
        }
        assert!(matches!(
            Wildcard::new("ecr:put?mage").strategy(),
            Strategy::General(_)
        ));
    }

    #[test]
    fn matches_like_the_definition() {
        let cases = [
            ("*", "", true),
            ("*", "anything/at:all", true),
            ("", "", true),
            ("", "a", false),
            ("a", "a", true),
            ("a", "A", false),
            ("?", "", false),
            ("?", "é", true),
            ("??", "é", false),
            ("a*", "a", true),
            ("*a", "ba", true),
            ("*a", "ab", false),
            ("a*b", "ab", true),
            ("a*b", "a/x:yb", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("*a*a*", "a", false),
            ("*a*a*", "aba", true),
            ("a?c*", "abc", true),
            ("a?c*", "ac", false),
            ("*?", "", false),
            ("*?", "x", true),
            ("?*?", "x", false),
            ("*ab?d*", "xxabcabzdyy", true),
            ("*ab?d*", "xxabcabzyy", false),
            ("x*?b", "xab", true),
            ("x*?b", "xb", false),
            ("repository/*", "repository/team/app", true),
            ("repository/team-?", "repository/team-a", true),
            ("repository/team-?", "repository/team-ab", false),
            ("**a**", "bab", true),
        ];
        for (p, s, expected) in cases {
            check(p, s, expected);
        }
    }

    #[test]
    fn exhaustive_small_alphabet_agrees_with_reference() {
        let alphabet = ['a', 'b', '*', '?'];
        let subjects = ["", "a", "b", "ab", "ba", "aab", "abab", "bbb", "abba"];
        let mut patterns = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for p in &patterns {
                for c in alphabet {
                    next.push(format!("{p}{c}"));
                }
            }
            patterns.extend(next.clone());
            patterns.dedup();
        }
        for p in &patterns {
            let compiled = Wildcard::new(p);
            for s in subjects {
                assert_eq!(
                    compiled.is_match(s),
                    reference_match(p, s),
                    "{p:?} vs {s:?}"
                );
            }
        }
    }

    #[test]
    fn random_patterns_agree_with_reference() {
        // Longer patterns than the exhaustive test, with a two-byte character.
        let alphabet = ['a', 'b', 'é', '*', '?', 'a', 'b'];
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let pattern: String = (0..next(9))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let subject: String = (0..next(12)).map(|_| alphabet[next(3)]).collect();
            assert_eq!(
                Wildcard::new(&pattern).is_match(&subject),
                reference_match(&pattern, &subject),
                "{pattern:?} vs {subject:?}"
            );
        }
    }

    #[test]
    fn tokens_from_substituted_text_are_literal() {
        let tokens = [Token::Char('a'), Token::Char('*'), Token::Star];
        let w = Wildcard::from_tokens("a${*}*".into(), &tokens);
        assert_eq!(w.strategy(), &Strategy::Prefix("a*".into()));
        assert!(w.is_match("a*bc"));
        assert!(!w.is_match("abc"));
        let w = Wildcard::from_tokens("x".into(), &[Token::Char('?'), Token::AnyOne]);
        assert!(w.is_match("?z"));
        assert!(!w.is_match("zz"));
    }

    #[test]
    fn adversarial_pattern_is_linear() {
        // 1,000 stars against 64 KiB: backtracking matchers take exponential or quadratic time here.
        let pattern = "*a".repeat(1000) + "*b";
        let subject = "a".repeat(64 * 1024);
        assert!(!Wildcard::new(&pattern).is_match(&subject));
        let subject_b = subject.clone() + "b";
        assert!(Wildcard::new(&pattern).is_match(&subject_b));
    }
}
