//! "Did you mean ...?": the closest known name to a misspelt one, for the messages of unknown
//! touchpoints, columns and option values.
//!
//! ```
//! use touchpoint_core::suggest::{did_you_mean, hint};
//! let known = ["search ad", "email", "display"];
//! assert_eq!(did_you_mean("search", known), Some("search ad"));
//! assert_eq!(did_you_mean("emial", known), Some("email"));
//! assert_eq!(did_you_mean("tv", known), None);
//! assert_eq!(hint("emial", known), "; did you mean \"email\"? known: \"search ad\", \"email\", \"display\"");
//! ```

/// The known name closest to `input`, when one is close enough to be a likely typo: equal
/// ignoring case, spaces, `-` and `_`; or, for an input of three letters or more, one
/// containing the other (`search` → `search ad`) or at most a third of the length in edits
/// (at least 1, at most 3; swapping two neighbours is one edit). Ties go to the first candidate.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = fold(input);
    if key.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let k = fold(c);
        if k.is_empty() {
            continue;
        }
        let score = if k == key {
            0
        } else if key.chars().count() < 3 {
            // one or two letters say too little to guess from
            continue;
        } else if k.contains(&key) || key.contains(&k) {
            1
        } else {
            // edits, a swap of two neighbours counting as one (`emial` → `email`)
            let d = strsim::osa_distance(&key, &k);
            let limit = (key.chars().count().max(k.chars().count()) / 3).clamp(1, 3);
            if d > limit {
                continue;
            }
            1 + d
        };
        if best.is_none_or(|(s, _)| score < s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The tail of an error message about an unknown `input`: `; did you mean "x"?` when one is
/// close, then the known names (the first 12, then how many more).
pub fn hint<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let mut s = String::new();
    if let Some(m) = did_you_mean(input, candidates.clone()) {
        s.push_str(&format!("; did you mean {m:?}?"));
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if !all.is_empty() {
        let shown: Vec<String> = all.iter().take(12).map(|n| format!("{n:?}")).collect();
        s.push_str(if s.is_empty() { "; known: " } else { " known: " });
        s.push_str(&shown.join(", "));
        if all.len() > 12 {
            s.push_str(&format!(" and {} more", all.len() - 12));
        }
    }
    s
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase().chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_and_far_ones() {
        let known = ["first_touch", "last_touch", "linear", "markov", "shapley"];
        assert_eq!(did_you_mean("Markov", known), Some("markov"));
        assert_eq!(did_you_mean("first-touch", known), Some("first_touch"));
        assert_eq!(did_you_mean("shapely", known), Some("shapley"));
        assert_eq!(did_you_mean("lienar", known), Some("linear"));
        assert_eq!(did_you_mean("xyz", known), None);
        assert_eq!(did_you_mean("", known), None);
        assert_eq!(did_you_mean("x", ["s", "ms", "exact"]), None, "too short to guess from");
        assert_eq!(did_you_mean("ads", ["ad", "email"]), Some("ad"), "a short candidate is fine");
        assert_eq!(did_you_mean("MS", ["s", "ms"]), Some("ms"), "but an exact fold is fine");
        // an exact fold beats a containing one
        assert_eq!(did_you_mean("touch", ["touchpoint", "touch"]), Some("touch"));
    }

    #[test]
    fn hint_lists_at_most_twelve() {
        let names: Vec<String> = (0..20).map(|i| format!("tp{i}")).collect();
        let h = hint("zz", names.iter().map(String::as_str));
        assert!(h.starts_with("; known: \"tp0\""), "{h}");
        assert!(h.ends_with("and 8 more"), "{h}");
    }
}
