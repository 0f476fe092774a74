//! Events search (events endpoint, `/events/query`): a CQL query run over the `eventQuery`
//! subscription and every `eventPage` after it, read as one stream of rows, the way the
//! official Python SDK's `commons/events/search.py` walks it (follow `next` until no message
//! of a page carries one).
//!
//! Memory stays flat whatever the result's size: one page's rows at most are held, and the
//! subscription is read only as fast as the caller takes rows. A page whose connection drops
//! or stalls is fetched again and the rows already yielded from it are skipped (pages are
//! addressed by their ID, so a page is the same when asked twice); the first page is fetched
//! again only when none of its rows were taken yet. When that is not possible, or the
//! attempts run out, the stream ends with the typed error: a row is never yielded twice and
//! never lost silently.

use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::ops::events::{event_page, event_query, EventPage, EventQuery};
use crate::{Client, Error, Subscription};

pub use crate::ops::events::event_query::EventQueryOptions;

/// One event: the row's fields as the API returns them (`resource_id`, `timestamp`, ...).
pub type Row = serde_json::Map<String, Value>;

/// How often a dropped page is fetched again by default.
pub const DEFAULT_RESUME_ATTEMPTS: u32 = 3;

/// Options of [`Events::search`].
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// Rows per page (the server's default is 1,000).
    pub page_size: Option<u32>,
    /// Stop after this many rows; also sent as the server's `maxRows`.
    pub max_rows: Option<u64>,
    /// Oldest events first (the server's default is newest first).
    pub timestamp_ascending: Option<bool>,
    /// `metadata.callerName` sent with the query (default `taegis-sdk-rust`).
    pub caller_name: Option<String>,
    /// How many times a page whose connection dropped is fetched again (default
    /// [`DEFAULT_RESUME_ATTEMPTS`]).
    pub resume_attempts: Option<u32>,
}

/// Where a running search stands, for progress displays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchProgress {
    /// Rows yielded so far.
    pub rows: u64,
    /// Pages (subscriptions) opened so far, resumed ones included.
    pub pages: u64,
    /// Pages fetched again after a dropped connection.
    pub resumed: u64,
    /// The total the server announced, when it did (`progress.totalRows`).
    pub total_rows: Option<u64>,
}

/// The events API of a client: [`Client::events`](crate::Client::events).
#[derive(Debug, Clone)]
pub struct Events {
    client: Client,
}

impl Events {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Runs `cql` (e.g. `FROM process WHERE user_name = 'root' EARLIEST=-1h`) and streams its
    /// rows across every page, until the end or `options.max_rows`.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::StreamExt;
    /// use taegis_sdk::api::events::SearchOptions;
    ///
    /// let options = SearchOptions { max_rows: Some(10_000), ..Default::default() };
    /// let mut rows = client.events().search("FROM process EARLIEST=-1h", options);
    /// while let Some(row) = rows.next().await {
    ///     println!("{}", row?["resource_id"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn search(&self, cql: &str, options: SearchOptions) -> EventSearch {
        let progress = Arc::new(Mutex::new(SearchProgress::default()));
        let walk = Walk {
            client: self.client.clone(),
            cql: cql.to_owned(),
            attempts_left: options.attempts_per_page(),
            options,
            page: None,
            current: None,
            next: None,
            buffered: VecDeque::new(),
            received_from_current: 0,
            skip: 0,
            yielded: 0,
            done: false,
            progress: progress.clone(),
        };
        let rows = stream::unfold(walk, |mut walk| async move {
            let item = walk.next_row().await?;
            Some((item, walk))
        });
        EventSearch {
            rows: Box::pin(rows),
            progress,
        }
    }
}

/// The rows of a running search ([`Events::search`]): a [`Stream`] of rows, with its
/// [`progress`](EventSearch::progress).
pub struct EventSearch {
    rows: Pin<Box<dyn Stream<Item = Result<Row, Error>> + Send>>,
    progress: Arc<Mutex<SearchProgress>>,
}

impl EventSearch {
    /// Where the search stands.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::StreamExt;
    /// let mut rows = client.events().search("FROM process EARLIEST=-1h", Default::default());
    /// while let Some(row) = rows.next().await {
    ///     row?;
    /// }
    /// let done = rows.progress();
    /// println!("{} rows in {} pages ({} resumed)", done.rows, done.pages, done.resumed);
    /// # Ok(()) }
    /// ```
    pub fn progress(&self) -> SearchProgress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

impl std::fmt::Debug for EventSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSearch")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl Stream for EventSearch {
    type Item = Result<Row, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rows.poll_next_unpin(cx)
    }
}

/// One message of `eventQuery` or `eventPage` (the fragment `EventResults`).
#[derive(Debug, Deserialize)]
struct Message {
    next: Option<String>,
    result: Option<PageResult>,
}

#[derive(Debug, Deserialize)]
struct PageResult {
    status: Option<String>,
    reason: Option<String>,
    rows: Option<Vec<Option<Value>>>,
    progress: Option<PageProgress>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageProgress {
    total_rows: Option<i64>,
}

/// The `data` of either subscription.
#[derive(Debug, Deserialize)]
struct Data {
    #[serde(alias = "eventQuery", alias = "eventPage")]
    results: Option<Message>,
}

impl SearchOptions {
    /// How many times one page may be opened again ([`SearchOptions::resume_attempts`]).
    fn attempts_per_page(&self) -> u32 {
        self.resume_attempts.unwrap_or(DEFAULT_RESUME_ATTEMPTS)
    }
}

/// The state of a search between rows.
struct Walk {
    client: Client,
    cql: String,
    options: SearchOptions,
    attempts_left: u32,
    /// `None` while on the query's own subscription, else the page ID being read.
    page: Option<String>,
    current: Option<Subscription<Data>>,
    /// The `next` seen on the current subscription.
    next: Option<String>,
    buffered: VecDeque<Row>,
    /// Rows received from the current subscription (skipped ones included).
    received_from_current: u64,
    /// Rows to skip on a subscription opened again after a drop.
    skip: u64,
    yielded: u64,
    done: bool,
    progress: Arc<Mutex<SearchProgress>>,
}

impl Walk {
    fn limit_reached(&self) -> bool {
        self.options.max_rows.is_some_and(|max| self.yielded >= max)
    }

    fn record(&self, change: impl FnOnce(&mut SearchProgress)) {
        if let Ok(mut progress) = self.progress.lock() {
            change(&mut progress);
        }
    }

    async fn next_row(&mut self) -> Option<Result<Row, Error>> {
        loop {
            if self.limit_reached() {
                self.current = None;
                return None;
            }
            if let Some(row) = self.buffered.pop_front() {
                self.yielded += 1;
                self.record(|p| p.rows += 1);
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            if self.current.is_none() {
                match self.open().await {
                    Ok(subscription) => self.current = Some(subscription),
                    Err(error) => return Some(Err(self.fail(error))),
                }
            }
            let message = self.current.as_mut()?.next().await;
            match message {
                Some(Ok(data)) => {
                    if let Err(error) = self.take(data) {
                        return Some(Err(self.fail(error)));
                    }
                }
                Some(Err(error)) => {
                    if self.may_resume(&error) {
                        self.attempts_left -= 1;
                        self.skip = self.received_from_current;
                        self.received_from_current = 0;
                        self.current = None;
                        self.next = None;
                        self.record(|p| p.resumed += 1);
                        continue;
                    }
                    if matches!(error, Error::GraphQl { .. }) {
                        // A failure inside one message: the rest of the page still comes.
                        return Some(Err(error));
                    }
                    return Some(Err(self.fail(error)));
                }
                None => {
                    self.current = None;
                    match self.next.take() {
                        Some(next) => {
                            self.page = Some(next);
                            self.skip = 0;
                            self.received_from_current = 0;
                            self.attempts_left = self.options.attempts_per_page();
                        }
                        None => self.done = true,
                    }
                }
            }
        }
    }

    /// Ends the search with `error`.
    fn fail(&mut self, error: Error) -> Error {
        self.done = true;
        self.current = None;
        self.buffered.clear();
        error
    }

    /// Whether a broken subscription can be opened again without a row twice: a page always
    /// (it is addressed by ID), the query's own subscription only before any row came.
    fn may_resume(&self, error: &Error) -> bool {
        matches!(error, Error::Dispatch { .. })
            && self.attempts_left > 0
            && (self.page.is_some() || self.received_from_current == 0)
    }

    async fn open(&mut self) -> Result<Subscription<Data>, Error> {
        self.record(|p| p.pages += 1);
        match &self.page {
            None => {
                let options = EventQueryOptions {
                    timestamp_ascending: self.options.timestamp_ascending,
                    page_size: self.options.page_size.map(i64::from),
                    max_rows: self
                        .options
                        .max_rows
                        .map(|m| i64::try_from(m).unwrap_or(i64::MAX)),
                    ..Default::default()
                };
                let caller = self
                    .options
                    .caller_name
                    .clone()
                    .unwrap_or_else(|| "taegis-sdk-rust".to_owned());
                let variables = event_query::Variables {
                    query: self.cql.clone(),
                    options: Some(options),
                    metadata: Some(json!({"callerName": caller})),
                };
                self.client
                    .subscribe_as::<EventQuery, Data>(variables)
                    .await
            }
            Some(id) => {
                let variables = event_page::Variables { id: id.clone() };
                self.client.subscribe_as::<EventPage, Data>(variables).await
            }
        }
    }

    /// Takes one message's `next` and rows (skipping those a resumed page already gave).
    fn take(&mut self, data: Data) -> Result<(), Error> {
        let Some(message) = data.results else {
            return Ok(());
        };
        if let Some(next) = message.next {
            self.next = Some(next);
        }
        let Some(result) = message.result else {
            return Ok(());
        };
        if let Some(status) = result.status.as_deref() {
            if status.eq_ignore_ascii_case("failed") || status.eq_ignore_ascii_case("error") {
                return Err(Error::GraphQl {
                    errors: vec![crate::GraphQlError {
                        message: format!(
                            "event search {status}: {}",
                            result.reason.as_deref().unwrap_or("no reason given")
                        ),
                        path: None,
                        locations: None,
                        extensions: None,
                    }],
                    data: None,
                    request_id: None,
                });
            }
        }
        if let Some(total) = result.progress.and_then(|p| p.total_rows) {
            self.record(|p| p.total_rows = u64::try_from(total).ok());
        }
        for row in result.rows.unwrap_or_default().into_iter().flatten() {
            self.received_from_current += 1;
            if self.received_from_current <= self.skip {
                continue;
            }
            if let Value::Object(fields) = row {
                self.buffered.push_back(fields);
            }
        }
        Ok(())
    }
}
