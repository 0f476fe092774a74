//! `client.events().search(...)` against the sandbox over real WebSockets: every page followed
//! to the end, row limits, a connection dropped mid-page resumed without a row twice or lost,
//! drops that cannot be resumed and stalls ending in typed errors.

#[path = "support/sandbox.rs"]
mod sandbox_support;

use sandbox_support::guarded;

use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashSet;
use std::time::Duration;
use taegis_sandbox::Sandbox;
use taegis_sdk::api::events::{Row, SearchOptions};
use taegis_sdk::{Client, Error};

const HANG_GUARD: Duration = Duration::from_secs(60);

/// A fixed window (two hours ending an hour ago, in epoch seconds): the same query gives the
/// same rows however long the test runs.
fn cql() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let hour = now - now % 3600;
    format!(
        "FROM process EARLIEST={} LATEST={}",
        hour - 3 * 3600,
        hour - 3600
    )
}

async fn sandbox() -> Sandbox {
    sandbox_support::start(3, 23).await
}

fn client_for(sb: &Sandbox) -> Client {
    sandbox_support::builder_for(sb)
        .tenant_id(sb.tenant_id())
        .subscription_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn options(page_size: u32, max_rows: u64) -> SearchOptions {
    SearchOptions {
        page_size: Some(page_size),
        max_rows: Some(max_rows),
        timestamp_ascending: Some(true),
        ..Default::default()
    }
}

fn ids(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r["resource_id"]
                .as_str()
                .expect("rows carry resource_id")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_search_follows_every_page_to_max_rows_with_each_row_once() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let cql = cql();
    let mut search = client.events().search(&cql, options(100, 1_050));
    let mut rows = Vec::new();
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        rows.push(row.unwrap());
    }
    let ids = ids(&rows);
    assert_eq!(ids.len(), 1_050);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        1_050,
        "no row twice"
    );
    let progress = search.progress();
    assert!(progress.pages >= 11, "one query plus pages: {progress:?}");
    assert_eq!(progress.rows, 1_050);
    assert_eq!(progress.resumed, 0);
    assert!(rows
        .iter()
        .all(|r| r["tenant_id"].as_str() == Some(sb.tenant_id())));

    // The same search in bigger pages gives the same rows in the same order.
    let bigger: Vec<Row> = guarded(
        HANG_GUARD,
        client
            .events()
            .search(&cql, options(1_000, 1_050))
            .try_collect(),
    )
    .await
    .unwrap();
    assert!(self::ids(&bigger) == ids, "same rows in bigger pages");
}

#[tokio::test]
async fn head_in_the_query_caps_the_rows() {
    let sb = sandbox().await;
    let rows: Vec<Row> = guarded(
        HANG_GUARD,
        client_for(&sb)
            .events()
            .search(
                "FROM process EARLIEST=-1h | head 25",
                SearchOptions::default(),
            )
            .try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 25);
}

#[tokio::test]
async fn a_page_dropped_mid_stream_is_fetched_again_without_a_row_twice_or_lost() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let cql = cql();
    let expected: Vec<Row> = guarded(
        HANG_GUARD,
        client.events().search(&cql, options(50, 600)).try_collect(),
    )
    .await
    .unwrap();
    let mut search = client.events().search(&cql, options(50, 600));
    let mut rows = vec![guarded(HANG_GUARD, search.next()).await.unwrap().unwrap()];
    // The next page subscription breaks right after its rows, before `complete`: the page is
    // fetched again and the rows already taken from it are skipped.
    sb.drop_next_subscription_after(1);
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        rows.push(row.expect("drops are resumed"));
    }
    assert!(
        ids(&rows) == ids(&expected),
        "same rows, same order, none twice"
    );
    assert_eq!(sb.stats().subscriptions_dropped, 1);
    assert_eq!(search.progress().resumed, 1, "{:?}", search.progress());
}

#[tokio::test]
async fn a_query_dropped_after_its_first_rows_is_an_error_not_a_rerun() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    // The query's own subscription breaks after its status and first page: running the query
    // again could give other rows, so the stream ends with the error after those rows.
    sb.drop_next_subscription_after(2);
    let mut search = client.events().search(&cql(), options(50, 600));
    let mut rows = 0;
    let mut failure = None;
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        match row {
            Ok(_) => rows += 1,
            Err(e) => failure = Some(e),
        }
    }
    assert_eq!(rows, 50, "the first page's rows came");
    assert!(
        matches!(
            failure,
            Some(Error::Dispatch {
                may_have_been_sent: true,
                ..
            })
        ),
        "{failure:?}"
    );
    assert_eq!(search.progress().resumed, 0);
}

#[tokio::test]
async fn drops_that_keep_coming_end_the_stream_with_a_typed_error_and_no_duplicate() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    sb.drop_subscriptions_after(1);
    let mut search = client.events().search(&cql(), options(50, 600));
    let mut rows = Vec::new();
    let mut failure = None;
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        match row {
            Ok(row) => rows.push(row),
            Err(e) => failure = Some(e),
        }
    }
    let failure = failure.expect("the stream ends with an error");
    assert!(
        matches!(
            failure,
            Error::Dispatch {
                may_have_been_sent: true,
                ..
            }
        ),
        "{failure:?}"
    );
    let ids = ids(&rows);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no row twice"
    );
}

#[tokio::test]
async fn a_stalled_search_times_out() {
    let sb = sandbox().await;
    sb.stall_subscriptions_after(1);
    let result: Result<Vec<Row>, Error> = guarded(
        HANG_GUARD,
        client_for(&sb)
            .events()
            .search(
                &cql(),
                SearchOptions {
                    resume_attempts: Some(0),
                    ..options(50, 600)
                },
            )
            .try_collect(),
    )
    .await;
    let error = result.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn a_query_the_server_refuses_is_a_graphql_error() {
    let sb = sandbox().await;
    let result: Result<Vec<Row>, Error> = guarded(
        HANG_GUARD,
        client_for(&sb)
            .events()
            .search("FROM process WHERE (", SearchOptions::default())
            .try_collect(),
    )
    .await;
    assert!(matches!(result, Err(Error::GraphQl { .. })), "{result:?}");
}

#[tokio::test]
async fn page_and_row_counts_agree_with_the_sandbox_and_a_drop_after_a_pages_rows_resumes() {
    let sb = sandbox_support::start(3, 0).await;
    let client = client_for(&sb);
    let netflow = "FROM netflow EARLIEST=-15m";
    let mut search = client.events().search(netflow, options(100, 1_150));
    let mut rows = Vec::new();
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        rows.push(row.unwrap());
    }
    assert_eq!(ids(&rows).into_iter().collect::<HashSet<_>>().len(), 1_150);
    let progress = search.progress();
    assert_eq!(
        (progress.rows, progress.pages, progress.resumed),
        (1_150, 12, 0)
    );
    assert_eq!(progress.total_rows, Some(1_150));

    // The second page's socket dropped after its rows, before its closing message: the SDK
    // fetches that page again and skips what it already yielded; every row still once.
    let mut search = client.events().search(netflow, options(100, 450));
    let mut rows = Vec::new();
    while let Some(row) = guarded(HANG_GUARD, search.next()).await {
        rows.push(row.unwrap());
        if rows.len() == 50 {
            // Taken by the next subscription to start: the second page's.
            sb.drop_next_subscription_after(1);
        }
    }
    assert_eq!(ids(&rows).into_iter().collect::<HashSet<_>>().len(), 450);
    assert_eq!(search.progress().resumed, 1);
    assert_eq!(sb.stats().subscriptions_dropped, 1);
}
