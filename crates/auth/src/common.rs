//! The embedded list of common passwords (`data/common-passwords.txt`, about 1,100 entries, one per
//! line in lower case; the file's header names its sources). Loaded once into a hash set on first
//! use; nothing is read from disk at run time.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../data/common-passwords.txt");

fn set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `lower` (already lower-cased) is in the list.
pub(crate) fn is_common(lower: &str) -> bool {
    set().contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_loaded_and_lower_case() {
        let s = set();
        assert!(s.len() > 1000, "{}", s.len());
        assert!(s.iter().all(|w| w.to_lowercase() == *w && !w.contains(' ')));
        for w in [
            "password",
            "123456",
            "qwertyuiop",
            "azerty",
            "motdepasse",
            "abdullah",
        ] {
            assert!(is_common(w), "{w}");
        }
        assert!(!is_common("correct horse battery staple"));
    }
}
