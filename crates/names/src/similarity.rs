//! String similarity for the linker: Jaro, Jaro-Winkler and (bounded) Levenshtein.
//!
//! They work on Unicode scalar values. ASCII strings (keys) are compared as bytes, without a
//! copy; other strings of up to 64 characters are copied to the stack, longer ones to the
//! heap.

const STACK: usize = 64;

/// A string's units: bytes of an ASCII string, or `char`s.
trait Unit: Copy + PartialEq + Default {}
impl Unit for u8 {}
impl Unit for char {}

/// What can be computed on the units of two strings.
trait OnUnits {
    type Out;
    fn run<T: Unit>(&self, a: &[T], b: &[T]) -> Self::Out;
}

/// Runs `f` on both strings as slices of bytes (both ASCII) or of `char`s.
fn with_units<F: OnUnits>(a: &str, b: &str, f: F) -> F::Out {
    if a.is_ascii() && b.is_ascii() {
        return f.run(a.as_bytes(), b.as_bytes());
    }
    let (mut xa, mut xb) = (['\0'; STACK], ['\0'; STACK]);
    let fill = |s: &str, x: &mut [char; STACK]| -> Option<usize> {
        let mut n = 0;
        for c in s.chars() {
            *x.get_mut(n)? = c;
            n += 1;
        }
        Some(n)
    };
    if let (Some(na), Some(nb)) = (fill(a, &mut xa), fill(b, &mut xb)) {
        return f.run(&xa[..na], &xb[..nb]);
    }
    let xa: Vec<char> = a.chars().collect();
    let xb: Vec<char> = b.chars().collect();
    f.run(&xa, &xb)
}

struct Jaro;
impl OnUnits for Jaro {
    type Out = f64;
    fn run<T: Unit>(&self, a: &[T], b: &[T]) -> f64 {
        jaro_units(a, b)
    }
}

struct JaroWinkler;
impl OnUnits for JaroWinkler {
    type Out = f64;
    fn run<T: Unit>(&self, x: &[T], y: &[T]) -> f64 {
        let j = jaro_units(x, y);
        if j <= 0.7 {
            return j;
        }
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        j + prefix as f64 * 0.1 * (1.0 - j)
    }
}

struct Bounded(usize);
impl OnUnits for Bounded {
    type Out = Option<usize>;
    fn run<T: Unit>(&self, a: &[T], b: &[T]) -> Option<usize> {
        bounded(a, b, self.0)
    }
}

/// The Jaro similarity, in `[0, 1]`: 1 for equal strings, 0 when nothing matches (and when
/// exactly one of the strings is empty; two empty strings are equal, 1).
pub fn jaro(a: &str, b: &str) -> f64 {
    with_units(a, b, Jaro)
}

fn jaro_units<T: Unit>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut used_small = [false; STACK];
    let mut used_vec;
    let used: &mut [bool] = if b.len() <= STACK {
        &mut used_small[..b.len()]
    } else {
        used_vec = vec![false; b.len()];
        &mut used_vec
    };
    let mut matches_a_small = [T::default(); STACK];
    let mut matches_a_vec;
    let matches_a: &mut [T] = if a.len() <= STACK {
        &mut matches_a_small[..a.len()]
    } else {
        matches_a_vec = vec![T::default(); a.len()];
        &mut matches_a_vec
    };
    let mut m = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !used[j] && b[j] == ca {
                used[j] = true;
                matches_a[m] = ca;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (j, &cb) in b.iter().enumerate() {
        if used[j] {
            if matches_a[k] != cb {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = m as f64;
    let t = (transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// The Jaro-Winkler similarity, in `[0, 1]`, with the usual parameters: a common prefix of up
/// to 4 characters raises the Jaro similarity by `0.1` per character of what is missing to 1,
/// when the Jaro similarity is above `0.7`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    with_units(a, b, JaroWinkler)
}

/// The Levenshtein distance (insertions, deletions, substitutions, each costing 1).
pub fn levenshtein(a: &str, b: &str) -> usize {
    with_units(a, b, Bounded(usize::MAX)).unwrap_or(usize::MAX)
}

/// The Levenshtein distance if it is at most `max`, else `None`; stops as soon as the bound
/// is exceeded, so a small bound makes it cheap on long or unrelated strings.
pub fn levenshtein_bounded(a: &str, b: &str, max: usize) -> Option<usize> {
    with_units(a, b, Bounded(max))
}

fn bounded<T: Unit>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    // Make `b` the shorter one: the rows are as long as `b`.
    let (a, b) = if b.len() > a.len() { (b, a) } else { (a, b) };
    if a.len() - b.len() > max {
        return None;
    }
    // Common prefix and suffix cost nothing.
    let pre = a.iter().zip(b).take_while(|(p, q)| p == q).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(p, q)| p == q)
        .count();
    let (a, b) = (&a[..a.len() - suf], &b[..b.len() - suf]);
    if b.is_empty() {
        return (a.len() <= max).then_some(a.len());
    }
    let mut small = [0usize; STACK + 1];
    let mut big;
    let row: &mut [usize] = if b.len() < STACK {
        &mut small[..=b.len()]
    } else {
        big = vec![0usize; b.len() + 1];
        &mut big
    };
    for (j, r) in row.iter_mut().enumerate() {
        *r = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            let cost = usize::from(ca != cb);
            let v = (diag + cost).min(up + 1).min(row[j] + 1);
            diag = up;
            row[j + 1] = v;
            best = best.min(v);
        }
        if best > max {
            return None;
        }
    }
    let d = row[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.0005
    }

    #[test]
    fn jaro_winkler_known_values() {
        let check = |a: &str, b: &str, j: f64, jw: f64| {
            assert!(close(jaro(a, b), j), "jaro({a},{b}) = {}", jaro(a, b));
            assert!(
                close(jaro_winkler(a, b), jw),
                "jw({a},{b}) = {}",
                jaro_winkler(a, b)
            );
            assert!(close(jaro_winkler(b, a), jw), "symmetric {a} {b}");
        };
        // Winkler (1990) and the usual textbook examples.
        check("MARTHA", "MARHTA", 0.9444, 0.9611);
        check("DWAYNE", "DUANE", 0.8222, 0.84);
        check("DIXON", "DICKSONX", 0.7667, 0.8133);
        check("JELLYFISH", "SMELLYFISH", 0.8963, 0.8963);
        check("CRATE", "TRACE", 0.7333, 0.7333);
        check("abc", "abc", 1.0, 1.0);
        check("abc", "xyz", 0.0, 0.0);
        check("", "", 1.0, 1.0);
        check("a", "", 0.0, 0.0);
        check("محمد", "محمود", 0.9333, 0.9533);
    }

    #[test]
    fn levenshtein_known_values() {
        let check = |a: &str, b: &str, d: usize| {
            assert_eq!(levenshtein(a, b), d, "{a} {b}");
            assert_eq!(levenshtein(b, a), d, "{b} {a}");
            assert_eq!(levenshtein_bounded(a, b, d), Some(d));
            if d > 0 {
                assert_eq!(
                    levenshtein_bounded(a, b, d - 1),
                    None,
                    "{a} {b} bound {}",
                    d - 1
                );
            }
        };
        check("kitten", "sitting", 3);
        check("flaw", "lawn", 2);
        check("saturday", "sunday", 3);
        check("", "abc", 3);
        check("abc", "abc", 0);
        check("mhmd", "mhmwd", 1);
        check("محمد", "محمود", 1);
        check("gumbo", "gambol", 2);
        check("book", "back", 2);
        let long_a = "a".repeat(100);
        let long_b = "b".repeat(100);
        check(&long_a, &long_b, 100);
        assert_eq!(levenshtein_bounded(&long_a, &long_b, 3), None);
    }
}
