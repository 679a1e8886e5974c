//! "Did you mean" for names a user mistyped: the one place that finds the
//! closest name and words the suggestion.

/// The candidate closest to `input`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(distance, c)| *distance <= (c.len().max(input.len()) / 3).max(1) + 1)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// `did you mean `NAME`?`, when a candidate is close enough.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_typos_only() {
        let names = ["redis", "mailhog", "minio"];
        assert_eq!(super::closest("redsi", names), Some("redis"));
        assert_eq!(super::closest("mailhgo", names), Some("mailhog"));
        assert_eq!(super::closest("postgres", names), None);
    }
}
