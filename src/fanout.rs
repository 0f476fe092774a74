//! Fan-out: one job per tenant, over a stream of tenants, with a bounded number running at
//! once, one shared rate limiter, a per-tenant timeout and cancellation.
//!
//! Every tenant's job gets a handle of the same [`Client`] bound to that tenant
//! (`X-Tenant-Context`), so all tenants share one token and one connection pool. Results come
//! as `(tenant, result)` in the order tenants finish; every tenant of the input comes out
//! exactly once, whatever happened to it ([`FanOutError`] says what, when it did not succeed).
//!
//! ```no_run
//! # async fn demo() -> Result<(), taegis_sdk::Error> {
//! use futures_util::StreamExt;
//! use taegis_sdk::fanout::FanOut;
//! use taegis_sdk::ops::main::{clients, Clients};
//!
//! let client = taegis_sdk::Client::from_env()?;
//! let tenants = futures_util::stream::iter(vec!["11772".to_owned(), "11773".to_owned()]);
//! let mut results = FanOut::new(client).concurrency(16).run(tenants, |tenant_client| async move {
//!     let page = tenant_client
//!         .execute::<Clients>(clients::Variables {
//!             name: None, client_i_ds: None, tenant_id: None, role_i_ds: None,
//!             tenant_i_ds: None, page: None, per_page: None,
//!         })
//!         .await?;
//!     Ok::<_, taegis_sdk::Error>(page.clients.map_or(0, |c| c.len()))
//! });
//! while let Some((tenant, result)) = results.next().await {
//!     match result {
//!         Ok(n) => println!("{tenant}: {n} clients"),
//!         Err(e) => println!("{tenant}: failed: {e}"),
//!     }
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::stream::{FusedStream, FuturesUnordered, Stream, StreamExt};

use crate::client::Client;
use crate::config::TenantId;
use crate::time::AsyncSleep;

/// Default number of tenants whose jobs run at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A rate limiter shared by many handles of a client: a "not before" instant plus an
/// adaptive bound on the requests in flight (AIMD: additive increase, multiplicative
/// decrease).
///
/// A request made through a handle carrying it ([`Client::with_throttle`]) waits until the
/// instant has passed and a slot is free before each attempt, and frees its slot when the
/// answer (or failure) is in. A throttling signal (a 429 answer, or a 503 with
/// `Retry-After`) moves the instant to now plus the server's `Retry-After` (else the retry
/// backoff), so every worker pauses, not only the one that was refused; and, once per hold
/// (a signal while already held only extends it), it halves the bound on requests in flight
/// (at least 1; with no bound yet, half the requests in flight then). Each successful answer counts
/// towards growing the bound back: after as many successes as the bound, it grows by one, up
/// to the ceiling ([`Throttle::set_ceiling`], which [`FanOut::run`] sets to its concurrency;
/// unbounded otherwise). So when a hold ends, requests resume at half the rate they had and
/// ramp back up step by step instead of all at once.
pub struct Throttle {
    not_before: Mutex<Option<Instant>>,
    holds: AtomicU64,
    window: Mutex<Window>,
    slot_freed: tokio::sync::Notify,
}

/// The AIMD state of a [`Throttle`].
#[derive(Debug, Clone, Copy)]
struct Window {
    /// Requests admitted and not answered yet.
    active: usize,
    /// How many may be in flight at once.
    limit: usize,
    /// The most `limit` grows back to.
    ceiling: usize,
    /// Successes since `limit` last grew.
    successes: usize,
}

impl Window {
    /// The bound on requests in flight now: the limit, never above the ceiling.
    fn bound(&self) -> usize {
        self.limit.min(self.ceiling)
    }
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle {
            not_before: Mutex::new(None),
            holds: AtomicU64::new(0),
            window: Mutex::new(Window {
                active: 0,
                limit: usize::MAX,
                ceiling: usize::MAX,
                successes: 0,
            }),
            slot_freed: tokio::sync::Notify::new(),
        }
    }
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("remaining", &self.remaining())
            .field("holds", &self.holds())
            .field("limit", &self.limit())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

/// A request's slot in a [`Throttle`]'s window, freed when dropped.
pub(crate) struct Slot<'a>(&'a Throttle);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.window().active -= 1;
        self.0.slot_freed.notify_one();
    }
}

impl Throttle {
    /// A limiter that is not held, with no bound on requests in flight until a throttling
    /// signal sets one.
    pub fn new() -> Throttle {
        Throttle::default()
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long requests still have to wait, if the limiter is held.
    pub fn remaining(&self) -> Option<Duration> {
        let not_before = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        not_before
            .and_then(|at| at.checked_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// How many times a throttling answer held (or extended) the limiter.
    pub fn holds(&self) -> u64 {
        self.holds.load(Ordering::Relaxed)
    }

    /// How many requests may be in flight at once now (`None`: no bound yet).
    pub fn limit(&self) -> Option<usize> {
        let w = self.window();
        let limit = w.bound();
        (limit < usize::MAX).then_some(limit)
    }

    /// How many requests are in flight through this limiter now.
    pub fn in_flight(&self) -> usize {
        self.window().active
    }

    /// The most the bound on requests in flight grows back to after a throttling signal (at
    /// least 1).
    pub fn set_ceiling(&self, ceiling: usize) {
        self.window().ceiling = ceiling.max(1);
        self.slot_freed.notify_waiters();
    }

    /// Holds every request for `delay` from now (never shortens a longer hold). A hold that
    /// starts while the limiter is not held also halves the bound on requests in flight.
    pub fn hold(&self, delay: Duration) {
        let now = Instant::now();
        let until = now + delay;
        let mut not_before = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        let was_held = not_before.is_some_and(|at| at > now);
        if not_before.is_none_or(|at| at < until) {
            *not_before = Some(until);
            self.holds.fetch_add(1, Ordering::Relaxed);
        }
        drop(not_before);
        if !was_held && !delay.is_zero() {
            let mut w = self.window();
            let bound = w.bound();
            let base = if bound == usize::MAX {
                w.active.max(1)
            } else {
                bound
            };
            w.limit = (base / 2).max(1);
            w.successes = 0;
        }
    }

    /// Counts a successful answer towards growing the bound on requests in flight back.
    pub fn record_success(&self) {
        let mut w = self.window();
        if w.limit >= w.ceiling {
            return;
        }
        w.successes += 1;
        if w.successes >= w.limit {
            w.successes = 0;
            w.limit += 1;
            drop(w);
            self.slot_freed.notify_one();
        }
    }

    /// Waits (through `sleep`) while the limiter is held.
    pub(crate) async fn wait(&self, sleep: &dyn AsyncSleep) {
        // Bounded: a sleep that returns at once (a test's) must not spin.
        for _ in 0..8 {
            match self.remaining() {
                Some(wait) => sleep.sleep(wait).await,
                None => return,
            }
        }
    }

    /// Waits until the limiter is not held and a slot in the window is free, and takes it.
    pub(crate) async fn admit(&self, sleep: &dyn AsyncSleep) -> Slot<'_> {
        loop {
            self.wait(sleep).await;
            let freed = self.slot_freed.notified();
            let mut freed = std::pin::pin!(freed);
            freed.as_mut().enable();
            {
                let mut w = self.window();
                if w.active < w.bound() {
                    w.active += 1;
                    return Slot(self);
                }
            }
            freed.await;
        }
    }
}

/// Stops a fan-out from starting more tenants; cheap to clone, every clone cancels the same
/// fan-out. Jobs already running finish; tenants not started come out as
/// [`FanOutError::NotStarted`].
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels: no tenant is started from now on.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a tenant did not succeed.
#[derive(Debug)]
pub enum FanOutError<E> {
    /// The job returned this error.
    Failed(E),
    /// The job did not finish within the per-tenant timeout (it was dropped).
    TimedOut(Duration),
    /// The fan-out was cancelled before this tenant's job started: nothing was sent for it.
    NotStarted,
    /// The tenant ID cannot be sent as `X-Tenant-Context`; nothing was sent for it.
    InvalidTenant(crate::Error),
}

impl<E> FanOutError<E> {
    /// The job's own error, when it failed.
    pub fn job_error(&self) -> Option<&E> {
        match self {
            FanOutError::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for FanOutError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FanOutError::Failed(e) => e.fmt(f),
            FanOutError::TimedOut(d) => write!(f, "timed out after {} ms", d.as_millis()),
            FanOutError::NotStarted => f.write_str("not started: the fan-out was cancelled"),
            FanOutError::InvalidTenant(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for FanOutError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FanOutError::Failed(e) => Some(e),
            FanOutError::InvalidTenant(e) => Some(e),
            _ => None,
        }
    }
}

/// Settings of a fan-out over tenants; [`FanOut::run`] runs it.
#[derive(Debug, Clone)]
pub struct FanOut {
    client: Client,
    concurrency: usize,
    timeout: Option<Duration>,
    cancel: CancelToken,
    throttle: Arc<Throttle>,
}

impl FanOut {
    /// A fan-out through `client` (its tenant context is replaced per tenant):
    /// [`DEFAULT_CONCURRENCY`] at once, no per-tenant timeout, a new [`Throttle`] and
    /// [`CancelToken`].
    pub fn new(client: Client) -> FanOut {
        FanOut {
            client,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: None,
            cancel: CancelToken::new(),
            throttle: Arc::new(Throttle::new()),
        }
    }

    /// How many tenants' jobs run at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> FanOut {
        self.concurrency = n.max(1);
        self
    }

    /// The longest a tenant's job may run (its wait for the limiter before it starts not
    /// included); a job still running then is dropped and reported as
    /// [`FanOutError::TimedOut`].
    pub fn per_tenant_timeout(mut self, timeout: Duration) -> FanOut {
        self.timeout = Some(timeout);
        self
    }

    /// Uses `cancel` (keep a clone to cancel with) instead of the fan-out's own token.
    pub fn cancel_token(mut self, cancel: CancelToken) -> FanOut {
        self.cancel = cancel;
        self
    }

    /// Shares `throttle` with other fan-outs or handles instead of a new one ([`FanOut::run`]
    /// sets its ceiling to this fan-out's concurrency).
    pub fn with_throttle(mut self, throttle: Arc<Throttle>) -> FanOut {
        self.throttle = throttle;
        self
    }

    /// A clone of the cancellation token.
    pub fn canceller(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The shared rate limiter.
    pub fn throttle(&self) -> Arc<Throttle> {
        self.throttle.clone()
    }

    /// Runs `job` once per tenant of `tenants`, at most `concurrency` at once, each with a
    /// handle of the client bound to that tenant and to the shared limiter. Yields
    /// `(tenant, result)` as tenants finish; every tenant of the input exactly once. A failing
    /// tenant does not stop the others. After cancellation the remaining input is read and
    /// each tenant in it yielded as [`FanOutError::NotStarted`]. Jobs run on the task polling
    /// the stream (no spawning); a job that panics panics that task.
    pub fn run<S, F, Fut, T, E>(
        self,
        tenants: S,
        job: F,
    ) -> impl FusedStream<Item = (String, Result<T, FanOutError<E>>)> + Send + Unpin
    where
        S: Stream + Send + 'static,
        S::Item: Into<String>,
        F: Fn(Client) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.throttle.set_ceiling(self.concurrency);
        Running {
            base: self.client.with_throttle(self.throttle.clone()),
            settings: self,
            tenants: Box::pin(tenants.fuse()),
            input_done: false,
            job: Box::new(job),
            in_flight: FuturesUnordered::new(),
        }
    }
}

type Outcome<T, E> = (String, Result<T, FanOutError<E>>);
type Job<T, E> = Pin<Box<dyn Future<Output = Outcome<T, E>> + Send>>;

/// The stream [`FanOut::run`] returns.
struct Running<S, F, T, E> {
    settings: FanOut,
    base: Client,
    tenants: Pin<Box<futures_util::stream::Fuse<S>>>,
    input_done: bool,
    /// Boxed so that the stream is `Unpin` whatever the closure holds.
    job: Box<F>,
    in_flight: FuturesUnordered<Job<T, E>>,
}

impl<S, F, Fut, T, E> Running<S, F, T, E>
where
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn start(&self, tenant: String) -> Job<T, E> {
        let id = match TenantId::new(tenant.clone()) {
            Ok(id) => id,
            Err(e) => return Box::pin(async move { (tenant, Err(FanOutError::InvalidTenant(e))) }),
        };
        let client = self.base.with_tenant_id(id);
        let throttle = self.settings.throttle.clone();
        let sleep = client.config().sleep.clone();
        let timeout = self.settings.timeout;
        let work = (self.job)(client);
        Box::pin(async move {
            // Start no new tenant while the API is throttling us.
            throttle.wait(&*sleep).await;
            let result = match timeout {
                None => work.await.map_err(FanOutError::Failed),
                Some(limit) => match tokio::time::timeout(limit, work).await {
                    Ok(r) => r.map_err(FanOutError::Failed),
                    Err(_) => Err(FanOutError::TimedOut(limit)),
                },
            };
            (tenant, result)
        })
    }
}

impl<S, F, Fut, T, E> Stream for Running<S, F, T, E>
where
    S: Stream,
    S::Item: Into<String>,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    type Item = Outcome<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is Unpin (the input is boxed), so the struct is too.
        let this = Pin::into_inner(self);
        if !this.input_done {
            if this.settings.cancel.is_cancelled() {
                match this.tenants.as_mut().poll_next(cx) {
                    Poll::Ready(Some(t)) => {
                        return Poll::Ready(Some((t.into(), Err(FanOutError::NotStarted))))
                    }
                    Poll::Ready(None) => this.input_done = true,
                    Poll::Pending => {}
                }
            } else {
                while this.in_flight.len() < this.settings.concurrency {
                    match this.tenants.as_mut().poll_next(cx) {
                        Poll::Ready(Some(t)) => {
                            let job = this.start(t.into());
                            this.in_flight.push(job);
                        }
                        Poll::Ready(None) => {
                            this.input_done = true;
                            break;
                        }
                        Poll::Pending => break,
                    }
                }
            }
        }
        match this.in_flight.poll_next_unpin(cx) {
            Poll::Ready(Some(outcome)) => Poll::Ready(Some(outcome)),
            Poll::Ready(None) if this.input_done => Poll::Ready(None),
            _ => Poll::Pending,
        }
    }
}

impl<S, F, Fut, T, E> FusedStream for Running<S, F, T, E>
where
    S: Stream,
    S::Item: Into<String>,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn is_terminated(&self) -> bool {
        self.input_done && self.in_flight.is_empty()
    }
}

impl Client {
    /// A [`FanOut`] through this client: `client.fan_out().concurrency(32).run(tenants, job)`.
    pub fn fan_out(&self) -> FanOut {
        FanOut::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_is_never_shortened_and_passes() {
        let throttle = Throttle::new();
        assert_eq!(throttle.remaining(), None);
        throttle.hold(Duration::from_secs(60));
        throttle.hold(Duration::from_millis(1));
        assert!(throttle.remaining().unwrap() > Duration::from_secs(59));
        assert_eq!(throttle.holds(), 1);
        let short = Throttle::new();
        short.hold(Duration::ZERO);
        assert_eq!(short.remaining(), None, "a zero hold holds nothing");
    }

    #[test]
    fn a_hold_halves_the_window_once_and_successes_grow_it_back_one_by_one() {
        let throttle = Throttle::new();
        throttle.set_ceiling(16);
        assert_eq!(throttle.limit(), Some(16));
        // The bound (the ceiling, 16) halves, whatever is in flight.
        throttle.window().active = 3;
        throttle.hold(Duration::from_millis(50));
        assert_eq!(throttle.limit(), Some(8));
        // More signals during the same hold only extend it.
        throttle.hold(Duration::from_millis(60));
        throttle.hold(Duration::from_millis(70));
        assert_eq!(throttle.limit(), Some(8));
        throttle.window().active = 0;
        // +1 after as many successes as the bound: 8 successes -> 9, 9 more -> 10, ...
        let mut seen = vec![];
        for _ in 0..200 {
            throttle.record_success();
            seen.push(throttle.limit().unwrap());
        }
        assert_eq!(seen[6], 8);
        assert_eq!(seen[7], 9);
        assert_eq!(seen[7 + 9], 10);
        assert!(seen.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1));
        assert_eq!(
            *seen.last().unwrap(),
            16,
            "back to the ceiling, never above"
        );
    }

    #[tokio::test]
    async fn admission_waits_for_a_free_slot() {
        let throttle = Arc::new(Throttle::new());
        throttle.set_ceiling(2);
        let sleep = crate::time::TokioSleep;
        let a = throttle.admit(&sleep).await;
        let _b = throttle.admit(&sleep).await;
        assert_eq!(throttle.in_flight(), 2);
        let waiting = {
            let throttle = throttle.clone();
            tokio::spawn(async move {
                let _c = throttle.admit(&crate::time::TokioSleep).await;
            })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "a third request waits");
        drop(a);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("admitted once a slot is free")
            .unwrap();
    }

    #[test]
    fn cancel_tokens_share_their_state() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(!clone.is_cancelled());
        token.cancel();
        assert!(clone.is_cancelled());
    }
}
