//! Did-you-mean suggestions: the closest candidate by edit distance.

/// Levenshtein distance between two strings, counted in characters.
#[cfg(test)]
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let substitution = diagonal + usize::from(ca != cb);
            row[j + 1] = substitution.min(above + 1).min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The candidate closest to `word`, compared case-insensitively, if it is close enough to be a
/// plausible typo (see `typo_limit`); the first of equally close candidates wins. Distances are
/// bounded, so the cost is linear in the word's length whatever the candidates.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lowered = word.to_lowercase();
    let length = lowered.chars().count();
    let limit = typo_limit(length);
    let mut best: Option<(usize, &'a str)> = None;
    let mut row = Vec::new();
    for candidate in candidates {
        // Cheap rejection first: a typo cannot change the length by more than the limit, so a
        // huge word (a 20 MB key) is compared with nothing.
        if candidate.chars().count().abs_diff(length) > limit {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        let folded = candidate.to_lowercase();
        if let Some(d) =
            bounded_edit_distance(lowered.as_bytes(), folded.as_bytes(), bound, &mut row)
        {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// How many edits a plausible typo of a `len`-character word may have: a quarter of its
/// length, and at least 2 so that short words still get suggestions.
pub(crate) fn typo_limit(len: usize) -> usize {
    (len / 4).max(2)
}

/// Levenshtein distance between the bytes `a` and `b` if it is at most `limit`, else `None`.
/// `row` is scratch space reused between calls.
pub(crate) fn bounded_edit_distance(
    a: &[u8],
    b: &[u8],
    limit: usize,
    row: &mut Vec<usize>,
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = i;
        let mut row_min = i + 1;
        let mut left = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let value = (diagonal + usize::from(ca != cb))
                .min(above.saturating_add(1))
                .min(left + 1);
            if let Some(slot) = row.get_mut(j + 1) {
                *slot = value;
            }
            diagonal = above;
            left = value;
            row_min = row_min.min(value);
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        if row_min > limit {
            return None;
        }
    }
    row.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_distance_agrees_with_levenshtein() {
        let mut row = Vec::new();
        let d = |a: &str, b: &str, limit: usize, row: &mut Vec<usize>| {
            bounded_edit_distance(a.as_bytes(), b.as_bytes(), limit, row)
        };
        assert_eq!(d("kitten", "sitting", 3, &mut row), Some(3));
        assert_eq!(d("kitten", "sitting", 2, &mut row), None);
        assert_eq!(d("", "abc", 3, &mut row), Some(3));
        assert_eq!(d("abc", "", 2, &mut row), None);
        assert_eq!(d("putimages", "putimage", 2, &mut row), Some(1));
        assert_eq!(d("same", "same", 0, &mut row), Some(0));
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("Statment", "Statement"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn suggests_only_plausible_typos() {
        let keys = ["Version", "Id", "Statement"];
        assert_eq!(closest("Statment", keys), Some("Statement"));
        assert_eq!(closest("statement", keys), Some("Statement"));
        assert_eq!(closest("Versoin", keys), Some("Version"));
        assert_eq!(closest("Banana", keys), None);
    }
}
