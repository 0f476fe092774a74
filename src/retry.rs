//! Retry policy: which failures are retried for which kind of operation, and how long to wait.

use std::time::{Duration, SystemTime};

use crate::OperationKind;

/// Bounds and pacing of retries.
///
/// Queries are retried on 408, 429, 500, 502, 503, 504, failed connections and connections
/// broken mid-answer. A mutation is sent again only when the connection could not be made (so
/// the request was never written) or the answer was 429 (the rate limiter refused it; we take
/// the server's word). A 503 may come from a gateway after its upstream acted, so mutations are
/// retried on 503 (or any other status) only when [`RetryConfig::retry_mutations_on`] says so.
/// A 429 or 503 with `Retry-After` waits that long; other retries wait a random
/// time between zero and `initial_backoff * 2^(retry - 1)`, capped at `max_backoff` (exponential
/// backoff with full jitter). No retry starts once `max_elapsed` would be exceeded.
///
/// ```
/// use std::time::Duration;
/// use taegis_sdk::RetryConfig;
///
/// let retry = RetryConfig::default().max_attempts(5).max_elapsed(Duration::from_secs(30));
/// assert_eq!(retry.get_max_attempts(), 5);
/// assert_eq!(RetryConfig::disabled().get_max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    mutation_statuses: Vec<u16>,
}

impl Default for RetryConfig {
    /// Three attempts, 500 ms initial backoff, 20 s backoff cap, 120 s budget.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
            mutation_statuses: Vec::new(),
        }
    }
}

impl RetryConfig {
    /// One attempt, no retry.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Upper bound of the first backoff.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Cap of any computed backoff (not of `Retry-After`, which `max_elapsed` bounds).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Time after the first attempt past which no retry is started.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// HTTP statuses on which a mutation is sent again, besides 429 (none by default). Only
    /// list a status your gateway answers before forwarding the request: a mutation retried
    /// after the server acted runs twice.
    ///
    /// ```
    /// let retry = taegis_sdk::RetryConfig::default().retry_mutations_on([503]);
    /// assert_eq!(retry.get_mutation_statuses(), &[503]);
    /// ```
    pub fn retry_mutations_on(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.mutation_statuses = statuses.into_iter().collect();
        self
    }

    /// Statuses on which mutations are retried besides 429.
    pub fn get_mutation_statuses(&self) -> &[u16] {
        &self.mutation_statuses
    }

    /// Total attempts, including the first.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Upper bound of the first backoff.
    pub fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Cap of computed backoffs.
    pub fn get_max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Retry budget.
    pub fn get_max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// Full-jitter backoff before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(30)));
        let cap = exp.min(self.max_backoff);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(if nanos == 0 {
            0
        } else {
            fastrand::u64(0..=nanos)
        })
    }
}

/// Why an attempt failed, for the retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be made: the request was never sent.
    Connect,
    /// The connection broke after the request may have been sent.
    Broken,
    /// No complete answer within the timeout after the request was sent: the server may still
    /// be working on it, so it is not sent again.
    TimedOut,
    /// An HTTP answer with this status.
    Status(u16),
    /// The answer was larger than the limit: sending it again gets the same.
    TooLarge,
}

impl RetryConfig {
    /// Whether a failure may be retried for an operation of this kind.
    pub(crate) fn allows(&self, kind: OperationKind, failure: Failure) -> bool {
        let query = kind == OperationKind::Query;
        match failure {
            Failure::Connect | Failure::Status(429) => true,
            Failure::Status(status) if !query && self.mutation_statuses.contains(&status) => true,
            Failure::Broken | Failure::Status(408 | 500 | 502 | 503 | 504) => query,
            Failure::TimedOut | Failure::TooLarge | Failure::Status(_) => false,
        }
    }
}

/// Reads a `Retry-After` value: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn queries_and_mutations_are_classified() {
        use OperationKind::*;
        let config = RetryConfig::default();
        let is_retryable = |kind, failure| config.allows(kind, failure);
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable(Query, Failure::Status(status)), "{status}");
        }
        for status in [400, 401, 403, 404, 501] {
            assert!(!is_retryable(Query, Failure::Status(status)), "{status}");
        }
        assert!(is_retryable(Query, Failure::Connect));
        assert!(is_retryable(Query, Failure::Broken));
        assert!(is_retryable(Mutation, Failure::Connect));
        assert!(is_retryable(Mutation, Failure::Status(429)));
        assert!(!is_retryable(Mutation, Failure::Status(503)));
        assert!(!is_retryable(Subscription, Failure::Status(503)));
        assert!(!is_retryable(Query, Failure::TooLarge));
        let opted_in = RetryConfig::default().retry_mutations_on([503]);
        assert!(opted_in.allows(Mutation, Failure::Status(503)));
        assert!(!opted_in.allows(Mutation, Failure::Status(500)));
        for status in [408, 500, 502, 504] {
            assert!(!is_retryable(Mutation, Failure::Status(status)), "{status}");
        }
        assert!(!is_retryable(Mutation, Failure::Broken));
        assert!(!is_retryable(Query, Failure::TimedOut));
        assert!(!is_retryable(Mutation, Failure::TimedOut));
    }

    #[test]
    fn backoff_is_jittered_within_exponential_cap() {
        let cfg = RetryConfig::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(cfg.backoff(1) <= Duration::from_millis(100));
            assert!(cfg.backoff(2) <= Duration::from_millis(200));
            assert!(cfg.backoff(3) <= Duration::from_millis(350));
            assert!(cfg.backoff(40) <= Duration::from_millis(350));
        }
        // Full jitter: not always the cap.
        let distinct: std::collections::HashSet<_> = (0..50).map(|_| cfg.backoff(3)).collect();
        assert!(distinct.len() > 1);
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        // A date in the past means "now".
        let later = now + Duration::from_secs(100);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
