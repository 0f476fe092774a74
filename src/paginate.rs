//! One paginator for every paged operation: cursor pages (each page names where the next one
//! starts, like the tenants' `cursorPos`/`hasMore`) and numbered pages (page `n`, `n + 1`, ...
//! until a short page or the total, like `clientsSearch`'s `pageOffset`/`perPage`).
//!
//! A [`Paginator`] is built from a closure that fetches one page, so it works for the SDK's
//! facades and for any operation a downstream crate generates. It is lazy (nothing is sent
//! before the first poll), holds one page in memory, and ends:
//!
//! - after an error, which is its last item;
//! - when a page names no next cursor (cursor pages), or is empty or short, or reaches the
//!   total (numbered pages);
//! - when the server repeats itself: a cursor page that answers the cursor it was sent is
//!   dropped, a cursor already sent is not sent again, and a numbered page that starts with the
//!   same item as the page before is dropped (a server that ignores the page argument);
//! - after [`Paginator::limit`] items, without asking for more pages.
//!
//! ```
//! # async fn demo() -> Result<(), taegis_sdk::Error> {
//! use futures_util::TryStreamExt;
//! use taegis_sdk::paginate::{CursorPage, Paginator};
//!
//! // Three pages of two letters, chained by cursors "p2" and "p3".
//! let letters: Vec<char> = Paginator::cursor(None, |cursor: Option<String>| async move {
//!     Ok(match cursor.as_deref() {
//!         None => CursorPage::new(vec!['a', 'b'], Some("p2".to_owned())),
//!         Some("p2") => CursorPage::new(vec!['c', 'd'], Some("p3".to_owned())),
//!         _ => CursorPage::new(vec!['e'], None),
//!     })
//! })
//! .items()
//! .try_collect()
//! .await?;
//! assert_eq!(letters, ['a', 'b', 'c', 'd', 'e']);
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
//! ```

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream, StreamExt};

use crate::Error;

/// One page of a cursor-paged operation: its items and the cursor of the page after it.
///
/// ```
/// use taegis_sdk::paginate::CursorPage;
/// let page = CursorPage::new(vec![1, 2], Some("next".to_owned()));
/// assert_eq!(page.items, [1, 2]);
/// assert_eq!(page.next.as_deref(), Some("next"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPage<T, C> {
    /// The items of the page, in order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when the server says nothing follows (or names no
    /// cursor), which ends the stream after this page.
    pub next: Option<C>,
}

impl<T, C> CursorPage<T, C> {
    /// A page of `items` followed by the page at `next`, if any.
    ///
    /// ```
    /// use taegis_sdk::paginate::CursorPage;
    /// let last: CursorPage<u8, String> = CursorPage::new(vec![7], None);
    /// assert!(last.next.is_none());
    /// ```
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        CursorPage { items, next }
    }
}

/// One page of a page-number-paged operation: its items and, when the server says it, how
/// many items match in total.
///
/// ```
/// use taegis_sdk::paginate::NumberedPage;
/// let page = NumberedPage::new(vec!["a", "b"], Some(5));
/// assert_eq!(page.items.len(), 2);
/// assert_eq!(page.total, Some(5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedPage<T> {
    /// The items of the page, in order.
    pub items: Vec<T>,
    /// How many items match in all pages, when the server says.
    pub total: Option<u64>,
}

impl<T> NumberedPage<T> {
    /// A page of `items`, out of `total` items when known.
    ///
    /// ```
    /// use taegis_sdk::paginate::NumberedPage;
    /// let page = NumberedPage::new(vec![1, 2, 3], None);
    /// assert_eq!(page.total, None);
    /// ```
    pub fn new(items: Vec<T>, total: Option<u64>) -> Self {
        NumberedPage { items, total }
    }
}

/// A lazy walk over the pages of one operation; turn it into a stream with
/// [`Paginator::items`] or [`Paginator::pages`].
///
/// The fetch closure is called once per page, only when the stream is polled and only while
/// pages are needed; its futures must be `Send + 'static` (clone what they use into them).
///
/// ```
/// # async fn demo() -> Result<(), taegis_sdk::Error> {
/// use futures_util::TryStreamExt;
/// use taegis_sdk::paginate::{NumberedPage, Paginator};
///
/// // Pages of 2 numbers out of 5: page 0 is [0, 1], page 1 is [2, 3], page 2 is [4].
/// let numbers: Vec<u64> = Paginator::page_numbers(0, 2, |page| async move {
///     let items = (page * 2..(page * 2 + 2).min(5)).collect();
///     Ok(NumberedPage::new(items, Some(5)))
/// })
/// .limit(4)
/// .items()
/// .try_collect()
/// .await?;
/// assert_eq!(numbers, [0, 1, 2, 3]);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
pub struct Paginator<T, E = Error> {
    pages: BoxStream<'static, Result<Vec<T>, E>>,
    limit: Option<usize>,
}

impl<T, E> fmt::Debug for Paginator<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// What the cursor walk keeps between pages.
struct CursorWalk<F, C> {
    fetch: F,
    cursor: Option<C>,
    sent: HashSet<C>,
}

/// What the page-number walk keeps between pages.
struct NumberWalk<F, T> {
    fetch: F,
    first: u64,
    number: u64,
    per_page: u64,
    seen: u64,
    previous_first: Option<T>,
}

impl<T: Send + 'static, E: Send + 'static> Paginator<T, E> {
    /// Pages chained by cursors: `fetch(start)` gets the first page, then `fetch(Some(next))`
    /// for each page's [`CursorPage::next`], until a page names none. A page whose `next` is
    /// the cursor it was fetched with repeats what came before: it is dropped and the walk
    /// ends. A `next` that was already sent ends the walk after its page (no cycles).
    ///
    /// ```
    /// # async fn demo() -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::paginate::{CursorPage, Paginator};
    ///
    /// // A server stuck on cursor 1: its second answer is dropped.
    /// let items: Vec<&str> = Paginator::cursor(None, |cursor: Option<u32>| async move {
    ///     Ok(match cursor {
    ///         None => CursorPage::new(vec!["a"], Some(1)),
    ///         Some(_) => CursorPage::new(vec!["a again"], Some(1)),
    ///     })
    /// })
    /// .items()
    /// .try_collect()
    /// .await?;
    /// assert_eq!(items, ["a"]);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn cursor<C, F, Fut>(start: Option<C>, fetch: F) -> Self
    where
        C: Clone + Eq + Hash + Send + 'static,
        F: FnMut(Option<C>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<CursorPage<T, C>, E>> + Send + 'static,
    {
        let walk = CursorWalk {
            fetch,
            cursor: start,
            sent: HashSet::new(),
        };
        let pages = stream::unfold(Some(walk), |walk| async move {
            let mut walk = walk?;
            let cursor = walk.cursor.take();
            if let Some(sent) = &cursor {
                walk.sent.insert(sent.clone());
            }
            let page = match (walk.fetch)(cursor.clone()).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), None)),
            };
            match page.next {
                // The page answers the cursor it was sent: a repeat, dropped.
                Some(next) if cursor.as_ref() == Some(&next) => None,
                Some(next) if !walk.sent.contains(&next) => {
                    walk.cursor = Some(next);
                    Some((Ok(page.items), Some(walk)))
                }
                // No cursor, or one already followed: this page is the last.
                _ => Some((Ok(page.items), None)),
            }
        });
        Paginator {
            pages: pages.boxed(),
            limit: None,
        }
    }

    /// Numbered pages of `per_page` items, counted from 0: `fetch(first)`, `fetch(first + 1)`,
    /// ... until a page is empty or shorter than `per_page`, or the items before `first`
    /// (`first * per_page`) and those fetched reach the page's [`NumberedPage::total`]. A page
    /// that starts with the same item as the page before (a server that ignores the page
    /// number) is dropped and ends the walk. For an API that counts pages from 1, add 1 in
    /// `fetch`.
    ///
    /// ```
    /// # async fn demo() -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::paginate::{NumberedPage, Paginator};
    ///
    /// // A server that answers page 0 whatever it is asked: one page, then the end.
    /// let items: Vec<u8> = Paginator::page_numbers(0, 2, |_page| async move {
    ///     Ok(NumberedPage::new(vec![1, 2], None))
    /// })
    /// .items()
    /// .try_collect()
    /// .await?;
    /// assert_eq!(items, [1, 2]);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn page_numbers<F, Fut>(first: u64, per_page: u64, fetch: F) -> Self
    where
        T: Clone + PartialEq,
        F: FnMut(u64) -> Fut + Send + 'static,
        Fut: Future<Output = Result<NumberedPage<T>, E>> + Send + 'static,
    {
        let walk = NumberWalk {
            fetch,
            first,
            number: first,
            per_page: per_page.max(1),
            seen: 0,
            previous_first: None,
        };
        let pages = stream::unfold(Some(walk), |walk| async move {
            let mut walk = walk?;
            let page = match (walk.fetch)(walk.number).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), None)),
            };
            if walk.previous_first.is_some() && page.items.first() == walk.previous_first.as_ref() {
                return None;
            }
            let fetched = u64::try_from(page.items.len()).unwrap_or(u64::MAX);
            walk.seen = walk.seen.saturating_add(fetched);
            let before = walk.first.saturating_mul(walk.per_page);
            let more = fetched >= walk.per_page
                && page
                    .total
                    .is_none_or(|total| before.saturating_add(walk.seen) < total);
            let next = walk.number.checked_add(1).filter(|_| more);
            let walk = next.map(|number| {
                walk.number = number;
                walk.previous_first = page.items.first().cloned();
                walk
            });
            Some((Ok(page.items), walk))
        });
        Paginator {
            pages: pages.boxed(),
            limit: None,
        }
    }

    /// Stops after `max_items` items: the last page is cut short and no page after it is
    /// fetched (`limit(0)` fetches nothing).
    ///
    /// ```
    /// # async fn demo() -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::paginate::{NumberedPage, Paginator};
    /// let pages: Vec<Vec<u64>> = Paginator::page_numbers(0, 3, |page| async move {
    ///     Ok(NumberedPage::new(vec![page; 3], None))
    /// })
    /// .limit(4)
    /// .pages()
    /// .try_collect()
    /// .await?;
    /// assert_eq!(pages, [vec![0, 0, 0], vec![1]]);
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
    /// ```
    pub fn limit(mut self, max_items: usize) -> Self {
        self.limit = Some(max_items);
        self
    }

    /// The pages, each as the `Vec` of its items (empty pages included), ending after an
    /// error.
    ///
    /// ```
    /// # async fn demo() {
    /// use futures_util::StreamExt;
    /// use taegis_sdk::paginate::{CursorPage, Paginator};
    /// let pages: Vec<Result<Vec<u8>, &str>> = Paginator::cursor(None, |cursor: Option<u8>| async move {
    ///     match cursor {
    ///         None => Ok(CursorPage::new(vec![1], Some(2))),
    ///         Some(_) => Err("page 2 failed"),
    ///     }
    /// })
    /// .pages()
    /// .collect()
    /// .await;
    /// assert_eq!(pages, [Ok(vec![1]), Err("page 2 failed")]);
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo());
    /// ```
    pub fn pages(self) -> Pages<T, E> {
        Pages {
            pages: Some(self.pages),
            remaining: self.limit,
        }
    }

    /// The items of every page, one by one, ending after an error.
    ///
    /// ```
    /// # async fn demo() {
    /// use futures_util::StreamExt;
    /// use taegis_sdk::paginate::{CursorPage, Paginator};
    /// let items: Vec<Result<u8, &str>> = Paginator::cursor(None, |cursor: Option<u8>| async move {
    ///     match cursor {
    ///         None => Ok(CursorPage::new(vec![1, 2], Some(2))),
    ///         Some(_) => Err("page 2 failed"),
    ///     }
    /// })
    /// .items()
    /// .collect()
    /// .await;
    /// assert_eq!(items, [Ok(1), Ok(2), Err("page 2 failed")]);
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo());
    /// ```
    pub fn items(self) -> Items<T, E> {
        Items {
            pages: self.pages(),
            page: Vec::new().into_iter(),
        }
    }
}

/// The stream of pages of a [`Paginator`]: `Result<Vec<T>, E>` per page. Made by
/// [`Paginator::pages`]; it stays ended once it has ended.
///
/// ```
/// # async fn demo() -> Result<(), taegis_sdk::Error> {
/// use futures_util::TryStreamExt;
/// use taegis_sdk::paginate::{CursorPage, Pages, Paginator};
/// let mut pages: Pages<u8> = Paginator::cursor(None, |_: Option<u8>| async { Ok(CursorPage::new(vec![1], None)) }).pages();
/// assert_eq!(pages.try_next().await?, Some(vec![1]));
/// assert_eq!(pages.try_next().await?, None);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
pub struct Pages<T, E = Error> {
    /// `None` once ended.
    pages: Option<BoxStream<'static, Result<Vec<T>, E>>>,
    /// Items still allowed by the limit.
    remaining: Option<usize>,
}

impl<T, E> fmt::Debug for Pages<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("ended", &self.pages.is_none())
            .field("remaining", &self.remaining)
            .finish()
    }
}

impl<T, E> Stream for Pages<T, E> {
    type Item = Result<Vec<T>, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.remaining == Some(0) {
            this.pages = None;
        }
        let Some(pages) = this.pages.as_mut() else {
            return Poll::Ready(None);
        };
        let answer = match pages.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(answer) => answer,
        };
        match answer {
            Some(Ok(mut items)) => {
                if let Some(remaining) = this.remaining.as_mut() {
                    items.truncate(*remaining);
                    *remaining -= items.len();
                }
                Poll::Ready(Some(Ok(items)))
            }
            Some(Err(error)) => {
                this.pages = None;
                Poll::Ready(Some(Err(error)))
            }
            None => {
                this.pages = None;
                Poll::Ready(None)
            }
        }
    }
}

/// The stream of items of a [`Paginator`]: `Result<T, E>` per item. Made by
/// [`Paginator::items`]; it stays ended once it has ended.
///
/// ```
/// # async fn demo() -> Result<(), taegis_sdk::Error> {
/// use futures_util::TryStreamExt;
/// use taegis_sdk::paginate::{Items, NumberedPage, Paginator};
/// let mut items: Items<u64> = Paginator::page_numbers(0, 10, |page| async move { Ok(NumberedPage::new(vec![page], None)) }).items();
/// assert_eq!(items.try_next().await?, Some(0));
/// assert_eq!(items.try_next().await?, None);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
pub struct Items<T, E = Error> {
    pages: Pages<T, E>,
    page: std::vec::IntoIter<T>,
}

impl<T, E> fmt::Debug for Items<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.page.len())
            .finish()
    }
}

// `Items` never pins its fields: the pages are boxed and the buffered items are moved out.
impl<T, E> Unpin for Items<T, E> {}

impl<T, E> Stream for Items<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.page.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(items))) => this.page = items.into_iter(),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
            }
        }
    }
}
