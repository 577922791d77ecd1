//! Login throttling and lockout, as a pure state machine: the caller keeps one [`ThrottleState`]
//! per account and one per source address, asks [`ThrottlePolicy::check`] before verifying a
//! password (or a TOTP or recovery code), and stores what [`ThrottlePolicy::record_failure`] or
//! [`ThrottlePolicy::record_success`] returns.
//!
//! **Rules.** The first `free_failures` failures cost nothing; the count is forgotten once
//! `window` passes without a failure, so an attacker who keeps trying keeps meeting delays. Each
//! attempt must wait `base_delay · 2^(failures − free_failures − 1)` after the last failure (2 s
//! after the sixth failure, 4 s after the seventh, …), capped at `max_delay` ([`Decision::RetryAfter`]; the server answers 429 with `Retry-After` and does not
//! check the password, so the attempt is not counted). Independently, `lockout_threshold`
//! consecutive failures (not reset by the window; forgotten after `failure_memory` without a
//! failure, or by a success) lock the key ([`Decision::Locked`]) until `lockout_duration` has
//! passed or an administrator resets it ([`ThrottleState::default`]). A failure after a lockout
//! ran out locks again at once: an attacker gets one guess per lockout period, not a fresh batch.
//! A success resets everything.
//!
//! **Defaults.** [`ThrottlePolicy::ACCOUNT`]: 5 free failures (forgotten after 15 quiet minutes),
//! then 2 s doubling up
//! to 5 minutes; locked for 1 hour after 20 consecutive failures, which are forgotten after 24
//! hours without one. This follows the OWASP Authentication Cheat Sheet ("Account Lockout":
//! a threshold, an observation window and a lockout duration, with growing delays preferred to
//! permanent locks) and stays far inside NIST SP 800-63B §5.2.2 (at most 100 consecutive failed
//! attempts on one account). The lockout is temporary so that an attacker cannot keep officials
//! out of their accounts for good by guessing; an administrator can unlock sooner.
//! [`ThrottlePolicy::SOURCE_ADDRESS`]: 30 free failures (same window), then 1 s doubling up to 5
//! minutes, never locked — offices share one address behind NAT, and locking an address would lock
//! a whole ministry.
//!
//! **No user enumeration.** Nothing here depends on whether the account exists. Key the account
//! state by the login name *as submitted* (normalised: trimmed, lower case), keep state for names
//! that match no account exactly as for those that do, run
//! [`crate::PasswordPolicy::verify_unknown_account`] for them, and give the same answer: an unknown
//! name is throttled and locked on the same schedule as a known one.
//!
//! **Stored form.** Four columns per key: `recent_failures` and `consecutive_failures` (integers),
//! `last_failure_at` and `locked_at` (nullable timestamps). A row for which
//! [`ThrottleState::is_idle`] holds can be deleted.

use chrono::{DateTime, Duration, Utc};

/// Throttling and lockout limits for one kind of key (account or source address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures that cause no delay.
    pub free_failures: u32,
    /// Failures stop counting towards the delay after this long without one.
    pub window: Duration,
    /// The delay after the first failure beyond `free_failures`; doubled for each further one.
    pub base_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Consecutive failures that lock the key; `None`: never lock.
    pub lockout_threshold: Option<u32>,
    /// How long a lock lasts; `None`: until an administrator resets it.
    pub lockout_duration: Option<Duration>,
    /// Consecutive failures are forgotten after this long without a failure.
    pub failure_memory: Duration,
}

/// What is known about recent attempts for one key. `Default` is a clean state (also what an
/// administrator's reset writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThrottleState {
    /// Failures since the last quiet `window` (drives the delay).
    pub recent_failures: u32,
    /// Failures since the last success, reset or forgotten period (drives the lock).
    pub consecutive_failures: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub locked_at: Option<DateTime<Utc>>,
}

/// Whether an attempt may be evaluated now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the credentials.
    Allow,
    /// Refuse without checking; the client may try again at this instant (429, `Retry-After`).
    RetryAfter(DateTime<Utc>),
    /// Refuse without checking: locked until this instant, or until an administrator's reset
    /// (`None`).
    Locked { until: Option<DateTime<Utc>> },
}

impl Decision {
    /// The stricter of two decisions (account and source address): a lock beats a delay, a
    /// longer wait beats a shorter one.
    #[must_use]
    pub fn stricter(self, other: Decision) -> Decision {
        use Decision::*;
        match (self, other) {
            (Locked { until: None }, _) | (_, Locked { until: None }) => Locked { until: None },
            (Locked { until: Some(a) }, Locked { until: Some(b) }) => Locked {
                until: Some(a.max(b)),
            },
            (l @ Locked { .. }, _) | (_, l @ Locked { .. }) => l,
            (RetryAfter(a), RetryAfter(b)) => RetryAfter(a.max(b)),
            (r @ RetryAfter(_), Allow) | (Allow, r @ RetryAfter(_)) => r,
            (Allow, Allow) => Allow,
        }
    }
}

impl ThrottlePolicy {
    /// For login names; see the module docs for the sources.
    pub const ACCOUNT: Self = Self {
        free_failures: 5,
        window: Duration::minutes(15),
        base_delay: Duration::seconds(2),
        max_delay: Duration::minutes(5),
        lockout_threshold: Some(20),
        lockout_duration: Some(Duration::hours(1)),
        failure_memory: Duration::hours(24),
    };

    /// For client addresses (which many users may share).
    pub const SOURCE_ADDRESS: Self = Self {
        free_failures: 30,
        window: Duration::minutes(15),
        base_delay: Duration::seconds(1),
        max_delay: Duration::minutes(5),
        lockout_threshold: None,
        lockout_duration: None,
        failure_memory: Duration::hours(24),
    };

    fn lock_until(&self, state: &ThrottleState) -> Option<Option<DateTime<Utc>>> {
        let locked_at = state.locked_at?;
        match self.lockout_duration {
            None => Some(None),
            Some(d) => Some(Some(locked_at + d)),
        }
    }

    fn failures_in_window(&self, state: &ThrottleState, now: DateTime<Utc>) -> u32 {
        match state.last_failure_at {
            Some(last) if now < last + self.window => state.recent_failures,
            _ => 0,
        }
    }

    fn delay_after(&self, failures: u32) -> Duration {
        let Some(excess) = failures
            .checked_sub(self.free_failures)
            .filter(|_| failures > self.free_failures)
        else {
            return Duration::zero();
        };
        let doublings = excess - 1;
        let factor = 2i32.checked_pow(doublings).unwrap_or(i32::MAX);
        self.base_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// May an attempt be evaluated at `now`?
    pub fn check(&self, state: &ThrottleState, now: DateTime<Utc>) -> Decision {
        if let Some(until) = self.lock_until(state) {
            match until {
                None => return Decision::Locked { until: None },
                Some(t) if now < t => return Decision::Locked { until: Some(t) },
                Some(_) => {}
            }
        }
        let failures = self.failures_in_window(state, now);
        let delay = self.delay_after(failures);
        match state.last_failure_at {
            Some(last) if delay > Duration::zero() && now < last + delay => {
                Decision::RetryAfter(last + delay)
            }
            _ => Decision::Allow,
        }
    }

    /// The state after a failed attempt at `now`.
    #[must_use]
    pub fn record_failure(&self, state: &ThrottleState, now: DateTime<Utc>) -> ThrottleState {
        // A state with nothing left to remember (lock over, last failure long ago) starts afresh.
        let mut next = if state.is_idle(self, now) {
            ThrottleState::default()
        } else {
            *state
        };
        next.recent_failures = self.failures_in_window(&next, now);
        next.recent_failures = next.recent_failures.saturating_add(1);
        next.consecutive_failures = next.consecutive_failures.saturating_add(1);
        next.last_failure_at = Some(now);
        if self
            .lockout_threshold
            .is_some_and(|t| next.consecutive_failures >= t)
        {
            next.locked_at = Some(now);
        }
        next
    }

    /// The state after a successful attempt: clean.
    #[must_use]
    pub fn record_success(&self, _state: &ThrottleState, _now: DateTime<Utc>) -> ThrottleState {
        ThrottleState::default()
    }
}

impl ThrottleState {
    /// Whether this state carries nothing any more (no lock in force, no failure remembered), so
    /// its row can be deleted.
    pub fn is_idle(&self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> bool {
        let lock_over = match policy.lock_until(self) {
            None => true,
            Some(None) => false,
            Some(Some(t)) => now >= t,
        };
        let forgotten = self
            .last_failure_at
            .is_none_or(|last| now >= last + policy.failure_memory && now >= last + policy.window);
        lock_over && forgotten
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + secs, 0).unwrap()
    }

    const P: ThrottlePolicy = ThrottlePolicy::ACCOUNT;

    /// Fails as fast as allowed and returns the decisions seen before each failure.
    fn hammer(policy: &ThrottlePolicy, attempts: usize) -> (ThrottleState, i64, Vec<Decision>) {
        let mut state = ThrottleState::default();
        let mut now = 0;
        let mut seen = Vec::new();
        for _ in 0..attempts {
            let d = policy.check(&state, t(now));
            seen.push(d);
            match d {
                Decision::Allow => state = policy.record_failure(&state, t(now)),
                Decision::RetryAfter(at) => {
                    now = (at - t(0)).num_seconds();
                    assert_eq!(policy.check(&state, t(now)), Decision::Allow);
                    state = policy.record_failure(&state, t(now));
                }
                Decision::Locked { .. } => break,
            }
        }
        (state, now, seen)
    }

    #[test]
    fn free_failures_then_doubling_delays() {
        let mut s = ThrottleState::default();
        for i in 0..5 {
            assert_eq!(P.check(&s, t(i)), Decision::Allow, "failure {i}");
            s = P.record_failure(&s, t(i));
        }
        // Five failures are free; the delay starts after the sixth.
        assert_eq!(P.check(&s, t(4)), Decision::Allow);
        s = P.record_failure(&s, t(5));
        assert_eq!(P.check(&s, t(5)), Decision::RetryAfter(t(7)));
        assert_eq!(P.check(&s, t(7)), Decision::Allow);
        s = P.record_failure(&s, t(7));
        assert_eq!(P.check(&s, t(8)), Decision::RetryAfter(t(11)));
        s = P.record_failure(&s, t(11));
        assert_eq!(P.check(&s, t(11)), Decision::RetryAfter(t(19)));
    }

    #[test]
    fn delays_are_capped_and_lockout_follows() {
        let (state, _, seen) = hammer(&P, 100);
        let delayed = seen
            .iter()
            .filter(|d| matches!(d, Decision::RetryAfter(_)))
            .count();
        assert_eq!(delayed, 14, "attempts 7 to 20 each waited");
        assert_eq!(state.consecutive_failures, 20);
        assert!(matches!(
            seen.last(),
            Some(Decision::Locked { until: Some(_) })
        ));
        assert_eq!(seen.len(), 21, "20 failures, then locked");
        for n in 0..100 {
            assert!(P.delay_after(n) <= P.max_delay);
        }
        assert_eq!(P.delay_after(6), Duration::seconds(2));
        assert_eq!(P.delay_after(13), Duration::seconds(256));
        assert_eq!(P.delay_after(14), Duration::minutes(5));
        assert_eq!(P.delay_after(u32::MAX), Duration::minutes(5));
    }

    #[test]
    fn lock_expires_and_relocks_on_the_next_failure() {
        let (state, now, _) = hammer(&P, 100);
        let locked_at = state.locked_at.unwrap();
        assert_eq!(locked_at, t(now));
        let until = locked_at + Duration::hours(1);
        assert_eq!(
            P.check(&state, until - Duration::seconds(1)),
            Decision::Locked { until: Some(until) }
        );
        assert_eq!(P.check(&state, until), Decision::Allow);
        let again = P.record_failure(&state, until);
        assert_eq!(again.locked_at, Some(until));
        assert!(matches!(P.check(&again, until), Decision::Locked { .. }));
        // A success (after the lock ran out) resets everything.
        let ok = P.record_success(&state, until);
        assert_eq!(ok, ThrottleState::default());
        assert_eq!(P.check(&ok, until), Decision::Allow);
    }

    #[test]
    fn admin_only_unlock() {
        let strict = ThrottlePolicy {
            lockout_duration: None,
            ..P
        };
        let (state, now, _) = hammer(&strict, 100);
        assert_eq!(
            strict.check(&state, t(now + 86_400 * 365)),
            Decision::Locked { until: None }
        );
        assert!(!state.is_idle(&strict, t(now + 86_400 * 365)));
        let reset = ThrottleState::default();
        assert_eq!(strict.check(&reset, t(now)), Decision::Allow);
    }

    #[test]
    fn source_addresses_are_never_locked() {
        let (state, _, seen) = hammer(&ThrottlePolicy::SOURCE_ADDRESS, 200);
        assert_eq!(seen.len(), 200);
        assert!(state.locked_at.is_none());
        assert!(seen.iter().all(|d| !matches!(d, Decision::Locked { .. })));
    }

    #[test]
    fn window_and_memory_forget_old_failures() {
        let mut s = ThrottleState::default();
        for i in 0..6 {
            s = P.record_failure(&s, t(i));
        }
        assert!(matches!(P.check(&s, t(6)), Decision::RetryAfter(_)));
        // After 15 minutes without a failure, delays start over, but consecutive failures remain.
        let later = t(16 * 60);
        assert_eq!(P.check(&s, later), Decision::Allow);
        s = P.record_failure(&s, later);
        assert_eq!(s.recent_failures, 1);
        assert_eq!(s.consecutive_failures, 7);
        // After a day without failures they are forgotten too.
        let next_day = later + Duration::hours(24);
        assert!(s.is_idle(&P, next_day));
        s = P.record_failure(&s, next_day);
        assert_eq!((s.recent_failures, s.consecutive_failures), (1, 1));
        assert!(!s.is_idle(&P, next_day));
    }

    #[test]
    fn slow_guessing_still_locks() {
        // One guess every 16 minutes never meets a delay, but 20 in a row lock the account.
        let mut s = ThrottleState::default();
        for i in 0..20 {
            let now = t(i * 16 * 60);
            assert_eq!(P.check(&s, now), Decision::Allow, "guess {i}");
            s = P.record_failure(&s, now);
        }
        assert!(matches!(
            P.check(&s, t(20 * 16 * 60)),
            Decision::Locked { .. }
        ));
    }

    #[test]
    fn unknown_and_known_names_get_the_same_decisions() {
        // The state machine has no notion of existence: the same failures give the same answers.
        let (known, _, a) = hammer(&P, 30);
        let (unknown, _, b) = hammer(&P, 30);
        assert_eq!(known, unknown);
        assert_eq!(a, b);
    }

    #[test]
    fn stricter_combines_account_and_address() {
        use Decision::*;
        let cases = [
            (Allow, Allow, Allow),
            (Allow, RetryAfter(t(5)), RetryAfter(t(5))),
            (RetryAfter(t(9)), RetryAfter(t(5)), RetryAfter(t(9))),
            (
                RetryAfter(t(9)),
                Locked { until: Some(t(1)) },
                Locked { until: Some(t(1)) },
            ),
            (
                Locked { until: Some(t(1)) },
                Locked { until: Some(t(3)) },
                Locked { until: Some(t(3)) },
            ),
            (
                Locked { until: Some(t(1)) },
                Locked { until: None },
                Locked { until: None },
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.stricter(b), want);
            assert_eq!(b.stricter(a), want);
        }
    }
}
