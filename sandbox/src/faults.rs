//! Fault injection settings and request counters.

use std::collections::BTreeMap;
use std::time::Duration;

/// A failure the sandbox can answer with instead of serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `429 Too Many Requests` with a `Retry-After` header.
    RateLimited,
    /// `503 Service Unavailable`.
    Unavailable,
}

/// Which requests a queued fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// The token endpoint.
    Token,
    /// The GraphQL endpoints (`/graphql`, `/public/query`, `/query`).
    GraphQl,
    /// Any request (token, GraphQL or version).
    Any,
}

/// The kind of route a request hit, for fault matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Token,
    GraphQl,
    Version,
}

impl FaultTarget {
    fn matches(self, route: Route) -> bool {
        matches!(
            (self, route),
            (FaultTarget::Any, _)
                | (FaultTarget::Token, Route::Token)
                | (FaultTarget::GraphQl, Route::GraphQl)
        )
    }
}

/// Counters of what the sandbox served, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests to the token endpoint, whatever their outcome.
    pub token_requests: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Requests to the GraphQL endpoints, whatever their outcome.
    pub graphql_requests: u64,
    /// GraphQL operations executed (authenticated, parsed and validated), by operation name
    /// (`<anonymous>` for unnamed ones); introspection queries count under their own name.
    pub operations: BTreeMap<String, u64>,
    /// Requests to the version endpoint.
    pub version_requests: u64,
    /// Requests refused with 401 (bad, expired, forged or revoked tokens, bad credentials).
    pub unauthorized: u64,
    /// Requests answered with an injected 429.
    pub rate_limited: u64,
    /// Requests answered with an injected 503.
    pub unavailable: u64,
    /// WebSocket connections accepted (upgraded and authenticated).
    pub websocket_connections: u64,
    /// Subscription operations started over a WebSocket (validated, authorised).
    pub subscriptions_started: u64,
    /// `data` messages sent over WebSockets (subscription items and query answers).
    pub websocket_messages: u64,
    /// Subscriptions whose socket the sandbox dropped ([`Sandbox::drop_subscriptions_after`](crate::Sandbox::drop_subscriptions_after)).
    pub subscriptions_dropped: u64,
    /// Subscriptions the sandbox stalled ([`Sandbox::stall_subscriptions_after`](crate::Sandbox::stall_subscriptions_after)).
    pub subscriptions_stalled: u64,
}

impl Stats {
    /// How many times the operation `name` was executed.
    pub fn operation(&self, name: &str) -> u64 {
        self.operations.get(name).copied().unwrap_or(0)
    }
}

/// Current fault settings.
#[derive(Debug)]
pub(crate) struct Faults {
    pub(crate) latency: Duration,
    pub(crate) rate_limit_rate: f64,
    pub(crate) unavailable_rate: f64,
    pub(crate) retry_after: Duration,
    pub(crate) token_ttl: Duration,
    /// Drop a subscription's socket (no close frame) after this many `data` messages.
    pub(crate) drop_subscriptions_after: Option<u64>,
    /// Stop sending anything on a subscription's socket after this many `data` messages,
    /// keeping it open.
    pub(crate) stall_subscriptions_after: Option<u64>,
    /// The same, for the next subscription only (taken when it starts).
    pub(crate) drop_next_subscription_after: Option<u64>,
    pub(crate) stall_next_subscription_after: Option<u64>,
    queued: Vec<(FaultTarget, FaultKind, u64)>,
    /// Fault dice: seeded, so a run with a given seed fails the same requests.
    rng: fastrand::Rng,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Faults {
        Faults {
            latency: Duration::ZERO,
            rate_limit_rate: 0.0,
            unavailable_rate: 0.0,
            retry_after: Duration::from_secs(1),
            token_ttl: Duration::from_secs(3600),
            drop_subscriptions_after: None,
            stall_subscriptions_after: None,
            drop_next_subscription_after: None,
            stall_next_subscription_after: None,
            queued: Vec::new(),
            rng: fastrand::Rng::with_seed(seed ^ 0xFA17),
        }
    }

    /// Queues `count` faults of `kind` for the next matching requests.
    pub(crate) fn queue(&mut self, target: FaultTarget, kind: FaultKind, count: u64) {
        if count > 0 {
            self.queued.push((target, kind, count));
        }
    }

    /// The (drop, stall) faults of a subscription starting now: a one-shot setting first.
    pub(crate) fn subscription_faults(&mut self) -> (Option<u64>, Option<u64>) {
        let one_shot = (
            self.drop_next_subscription_after.take(),
            self.stall_next_subscription_after.take(),
        );
        if one_shot != (None, None) {
            return one_shot;
        }
        (
            self.drop_subscriptions_after,
            self.stall_subscriptions_after,
        )
    }

    /// Forgets queued faults, random rates and subscription faults.
    pub(crate) fn clear(&mut self) {
        self.queued.clear();
        self.drop_subscriptions_after = None;
        self.stall_subscriptions_after = None;
        self.drop_next_subscription_after = None;
        self.stall_next_subscription_after = None;
        self.rate_limit_rate = 0.0;
        self.unavailable_rate = 0.0;
    }

    /// The fault, if any, to answer a request on `route` with: queued ones first, then the
    /// random rates (which apply to GraphQL and version requests, never to the token endpoint).
    pub(crate) fn draw(&mut self, route: Route) -> Option<FaultKind> {
        if let Some(i) = self.queued.iter().position(|(t, _, _)| t.matches(route)) {
            let kind = self.queued[i].1;
            self.queued[i].2 -= 1;
            if self.queued[i].2 == 0 {
                self.queued.remove(i);
            }
            return Some(kind);
        }
        if route == Route::Token {
            return None;
        }
        let roll = self.rng.f64();
        if roll < self.rate_limit_rate {
            Some(FaultKind::RateLimited)
        } else if roll < self.rate_limit_rate + self.unavailable_rate {
            Some(FaultKind::Unavailable)
        } else {
            None
        }
    }
}
