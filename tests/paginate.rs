//! `taegis_sdk::paginate` used as a downstream crate would: a closure that runs a generated
//! operation with `Client::execute` against a wiremock server on 127.0.0.1, turned into a
//! stream. Also: the clients facade finds out once per client whether `clientsSearch` exists.

#[path = "facade_common/mod.rs"]
mod common;

use std::pin::pin;

use common::*;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use taegis_sdk::api::clients::ClientFilter;
use taegis_sdk::ops::main::{clients, Clients as ClientsOperation};
use taegis_sdk::ops::tenants::{tenants, Tenants as TenantsOperation};
use taegis_sdk::paginate::{CursorPage, NumberedPage, Paginator};
use taegis_sdk::{Client, Error};
use wiremock::{MockServer, ResponseTemplate};

/// Every item of a stream, with a bound so that a stream that never ends fails the test.
async fn drain<T>(stream: impl Stream<Item = T>) -> Vec<T> {
    let mut stream = pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
        assert!(items.len() < 100, "the stream does not end");
    }
    assert!(stream.next().await.is_none(), "an ended stream stays ended");
    items
}

/// A downstream paginator over the generated `tenants` operation: tenant IDs, following
/// `cursorPos` while `hasMore`.
fn tenant_ids(client: &Client, page_size: i64) -> Paginator<String> {
    let client = client.clone();
    Paginator::cursor(None, move |cursor: Option<String>| {
        let client = client.clone();
        async move {
            let variables = tenants::Variables {
                tenants_query: tenants::TenantsQuery {
                    max_results: Some(page_size),
                    cursor_pos: cursor,
                    ..Default::default()
                },
            };
            let answer = client.execute::<TenantsOperation>(variables).await?;
            let page = answer.tenants.ok_or_else(|| Error::NotFound {
                what: "tenants".into(),
            })?;
            let next = if page.has_more { page.cursor_pos } else { None };
            Ok(CursorPage::new(
                page.results.into_iter().map(|t| t.id).collect(),
                next,
            ))
        }
    })
}

async fn mount_tenants(server: &MockServer, cursor: Option<&str>, answer: ResponseTemplate) {
    let mut query = json!({"maxResults": 2});
    if let Some(cursor) = cursor {
        query["cursorPos"] = json!(cursor);
    }
    graphql(TENANTS, "tenants")
        .and(VariablesAre(json!({ "tenantsQuery": query })))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

fn cursors_sent(sent: &[Sent]) -> Vec<Value> {
    sent.iter()
        .map(|s| {
            s.variables["tenantsQuery"]
                .get("cursorPos")
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect()
}

fn ok<T: Clone>(items: &[Result<T, Error>]) -> Vec<T> {
    items
        .iter()
        .map(|r| r.as_ref().expect("an item").clone())
        .collect()
}

#[tokio::test]
async fn cursor_walk_over_three_pages() {
    let server = MockServer::start().await;
    mount_tenants(
        &server,
        None,
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c1"),
        data(tenants_page(&["3", "4"], Some("c2"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c2"),
        data(tenants_page(&["5"], Some("c3"), false)),
    )
    .await;

    let items = drain(tenant_ids(&client(&server), 2).items()).await;

    assert_eq!(ok(&items), ["1", "2", "3", "4", "5"]);
    assert_eq!(
        cursors_sent(&sent(&server).await),
        [Value::Null, json!("c1"), json!("c2")]
    );
}

#[tokio::test]
async fn pages_come_one_by_one_and_a_limit_fetches_no_more_than_needed() {
    let server = MockServer::start().await;
    mount_tenants(
        &server,
        None,
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c1"),
        data(tenants_page(&["3", "4"], Some("c2"), true)),
    )
    .await;

    let pages = drain(tenant_ids(&client(&server), 2).limit(3).pages()).await;
    assert_eq!(ok(&pages), [vec!["1", "2"], vec!["3"]]);
    // The third page was never asked for (`expect(1)` on each mounted page is checked on drop).
    assert_eq!(sent(&server).await.len(), 2);

    let server = MockServer::start().await;
    mount_tenants(
        &server,
        None,
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    let items = drain(tenant_ids(&client(&server), 2).limit(2).items()).await;
    assert_eq!(ok(&items), ["1", "2"]);
    assert_eq!(sent(&server).await.len(), 1, "page 2 is not needed");

    let items = drain(tenant_ids(&client(&server), 2).limit(0).items()).await;
    assert!(items.is_empty());
    assert_eq!(sent(&server).await.len(), 1, "limit 0 sends nothing");
}

#[tokio::test]
async fn an_error_on_page_two_is_the_last_item() {
    for failure in [
        graphql_errors(&["tenants backend unavailable"]),
        ResponseTemplate::new(500).set_body_string("upstream failed"),
    ] {
        let server = MockServer::start().await;
        mount_tenants(
            &server,
            None,
            data(tenants_page(&["1", "2"], Some("c1"), true)),
        )
        .await;
        mount_tenants(&server, Some("c1"), failure).await;

        let items = drain(tenant_ids(&client(&server), 2).items()).await;

        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(ok(&items[..2]), ["1", "2"]);
        match &items[2] {
            Err(Error::GraphQl { errors, .. }) => {
                assert_eq!(errors[0].message, "tenants backend unavailable")
            }
            Err(Error::Http { status, .. }) => assert_eq!(*status, 500),
            other => panic!("expected the page-2 error, got {other:?}"),
        }
        assert_eq!(sent(&server).await.len(), 2, "nothing is asked after it");
    }
}

#[tokio::test]
async fn a_missing_cursor_ends_the_walk() {
    // `hasMore` but no cursor to follow: the page is the last one.
    let server = MockServer::start().await;
    mount_tenants(&server, None, data(tenants_page(&["1", "2"], None, true))).await;
    let items = drain(tenant_ids(&client(&server), 2).items()).await;
    assert_eq!(ok(&items), ["1", "2"]);
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk_without_a_duplicate_page() {
    // Page 2 answers the cursor it was sent: it repeats page 1 and is dropped.
    let server = MockServer::start().await;
    mount_tenants(
        &server,
        None,
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c1"),
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    let items = drain(tenant_ids(&client(&server), 2).items()).await;
    assert_eq!(ok(&items), ["1", "2"], "each tenant once");
    assert_eq!(
        cursors_sent(&sent(&server).await),
        [Value::Null, json!("c1")]
    );

    // A cycle c1 -> c2 -> c1: c1 is not asked for twice.
    let server = MockServer::start().await;
    mount_tenants(
        &server,
        None,
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c1"),
        data(tenants_page(&["3", "4"], Some("c2"), true)),
    )
    .await;
    mount_tenants(
        &server,
        Some("c2"),
        data(tenants_page(&["5", "6"], Some("c1"), true)),
    )
    .await;
    let items = drain(tenant_ids(&client(&server), 2).items()).await;
    assert_eq!(ok(&items), ["1", "2", "3", "4", "5", "6"]);
    assert_eq!(sent(&server).await.len(), 3);
}

#[tokio::test]
async fn nothing_is_sent_before_the_first_poll() {
    let server = MockServer::start().await;
    mount_tenants(&server, None, data(tenants_page(&["1"], None, false))).await;

    let client = client(&server);
    let paginator = tenant_ids(&client, 2);
    let items = paginator.items();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        0,
        "building the stream sends nothing"
    );

    let mut items = pin!(items);
    assert_eq!(items.next().await.unwrap().unwrap(), "1");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(items.next().await.is_none());
}

/// A downstream paginator over the generated `clients` operation, whose pages count from 1.
fn client_names(client: &Client, per_page: i64) -> Paginator<String> {
    let client = client.clone();
    Paginator::page_numbers(0, per_page as u64, move |page| {
        let client = client.clone();
        async move {
            let variables = clients::Variables {
                name: None,
                client_i_ds: None,
                tenant_id: None,
                role_i_ds: None,
                tenant_i_ds: None,
                page: Some(page as i64 + 1),
                per_page: Some(per_page),
            };
            let answer = client.execute::<ClientsOperation>(variables).await?;
            let names = answer
                .clients
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .filter_map(|c| c.name)
                .collect();
            Ok(NumberedPage::new(names, None))
        }
    })
}

fn clients_list(ids: &[&str]) -> Value {
    let list: Vec<Value> = ids
        .iter()
        .map(|id| api_client(id, &format!("client-{id}"), &format!("cid-{id}")))
        .collect();
    json!({ "clients": list })
}

#[tokio::test]
async fn page_number_walk_until_a_short_page() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, &["a", "b"][..]), (2, &["c", "d"]), (3, &["e"])] {
        graphql(MAIN, "clients")
            .and(VariablesAre(json!({"page": page, "perPage": 2})))
            .respond_with(data(clients_list(ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let items = drain(client_names(&client(&server), 2).items()).await;
    assert_eq!(
        ok(&items),
        ["client-a", "client-b", "client-c", "client-d", "client-e"]
    );
    let pages: Vec<Value> = sent(&server)
        .await
        .iter()
        .map(|s| s.variables["page"].clone())
        .collect();
    assert_eq!(pages, [json!(1), json!(2), json!(3)]);
}

#[tokio::test]
async fn page_number_walk_ends_when_the_server_ignores_the_page() {
    let server = MockServer::start().await;
    graphql(MAIN, "clients")
        .respond_with(data(clients_list(&["a", "b"])))
        .mount(&server)
        .await;
    let items = drain(client_names(&client(&server), 2).items()).await;
    assert_eq!(ok(&items), ["client-a", "client-b"], "each item once");
    assert_eq!(sent(&server).await.len(), 2);
}

#[tokio::test]
async fn page_number_walk_stops_at_the_total() {
    // Pages 3 and 4 of 2 items out of 10: the walk stops after page 4 without asking for 5.
    let paginator = Paginator::<u64, Error>::page_numbers(3, 2, |page| async move {
        assert!(page < 5, "page {page} asked for");
        Ok(NumberedPage::new(vec![page * 2, page * 2 + 1], Some(10)))
    });
    let items = drain(paginator.items()).await;
    assert_eq!(ok(&items), [6, 7, 8, 9]);
}

/// The answer of a server whose schema has no `clientsSearch`.
fn unknown_clients_search() -> Value {
    json!({
        "errors": [{
            "message": "Cannot query field \"clientsSearch\" on type \"Query\". Did you mean \"clients\"?",
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}
        }],
        "data": null
    })
}

fn operations_sent(sent: &[Sent], name: &str) -> usize {
    sent.iter()
        .filter(|s| s.operation_name == json!(name))
        .count()
}

#[tokio::test]
async fn the_clients_search_fallback_is_decided_once_per_client() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(ResponseTemplate::new(200).set_body_json(unknown_clients_search()))
        .mount(&server)
        .await;
    for (page, ids) in [(1, &["a", "b"][..]), (2, &["c", "d"]), (3, &["e"])] {
        graphql(MAIN, "clients")
            .and(VariablesAre(json!({"page": page, "perPage": 2})))
            .respond_with(data(clients_list(ids)))
            .mount(&server)
            .await;
    }

    let client = client(&server);
    let items = drain(client.clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;
    assert_eq!(items.len(), 5, "{items:?}");
    let all = sent(&server).await;
    assert_eq!(operations_sent(&all, "clients"), 3);
    assert_eq!(
        operations_sent(&all, "clientsSearch"),
        1,
        "one probe for three pages"
    );

    // A clone (and a tenant handle) of the client remembers it too.
    let page = client
        .clone()
        .with_tenant("50530")
        .unwrap()
        .clients()
        .search(&ClientFilter {
            page_offset: Some(0),
            per_page: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.results.len(), 2);
    let all = sent(&server).await;
    assert_eq!(operations_sent(&all, "clientsSearch"), 1, "no second probe");
    assert_eq!(operations_sent(&all, "clients"), 4);

    // A new client asks again.
    let _ = common::client(&server)
        .clients()
        .search(&ClientFilter::default())
        .await;
    assert_eq!(operations_sent(&sent(&server).await, "clientsSearch"), 2);
}

#[tokio::test]
async fn a_server_with_clients_search_is_not_asked_for_clients() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(clients_page(&["a"], Some(1))))
        .expect(2)
        .mount(&server)
        .await;
    graphql(MAIN, "clients")
        .respond_with(data(clients_list(&["z"])))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    for _ in 0..2 {
        let page = client
            .clients()
            .search(&ClientFilter::default())
            .await
            .unwrap();
        assert_eq!(page.results[0].id, "a");
    }
}
