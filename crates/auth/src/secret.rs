//! [`Secret`]: a value that must not be logged. Its `Debug` prints `Secret([REDACTED])`, it has no
//! `Display`, no `PartialEq` (comparisons of secrets go through constant-time functions), and its
//! memory is overwritten with zeros when it is dropped.

use std::fmt;

use zeroize::Zeroize;

/// A secret value: a password, a TOTP secret, a token, a session id, a recovery code, a key.
///
/// Reading it is explicit ([`Secret::expose`]) so that every place that handles the plain value
/// can be found with a search.
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The plain value. Do not log it, do not put it in an error message.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let s = Secret::from("hunter2-correct-horse");
        let printed = format!("{s:?} {:?}", vec![s.clone()]);
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("REDACTED"));
        assert_eq!(s.expose(), "hunter2-correct-horse");
    }

    #[test]
    fn bytes_redact_too() {
        let s = Secret::new(vec![0xde_u8, 0xad, 0xbe, 0xef]);
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
    }
}
