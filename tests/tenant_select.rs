//! Tenant selection (`taegis_sdk::tenant_select`) against the sandbox: the filters select what
//! the tenants API's own listing says they should, labels after the first are applied to each
//! tenant, and IDs stream before the later pages are fetched.

#[path = "support/sandbox.rs"]
mod sandbox_support;

use sandbox_support::guarded;

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use taegis_sandbox::Sandbox;
use taegis_sdk::api::tenants::{Tenant, TenantsQuery};
use taegis_sdk::tenant_select::{LabelMatch, TenantFilter, TenantSelection};
use taegis_sdk::Client;

async fn sandbox() -> Sandbox {
    sandbox_support::start(251, 23).await
}

fn client_for(sb: &Sandbox) -> Client {
    sandbox_support::builder_for(sb)
        .build()
        .expect("client builds")
}

async fn every_tenant(client: &Client) -> Vec<Tenant> {
    client
        .tenants()
        .stream(TenantsQuery::default())
        .try_collect()
        .await
        .expect("tenants listed")
}

async fn selected(client: &Client, filter: TenantFilter) -> BTreeSet<String> {
    let ids: Vec<String> = TenantSelection::Filter(filter)
        .stream(client)
        .try_collect()
        .await
        .expect("selection streams");
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "a tenant selected twice");
    set
}

fn label_is(t: &Tenant, name: &str, value: &str) -> bool {
    t.labels
        .iter()
        .any(|l| l.name == name && l.value.as_deref() == Some(value))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_select_what_the_listing_says() {
    guarded(Duration::from_secs(20), async {
        let sb = sandbox().await;
        let client = client_for(&sb);
        let all = every_tenant(&client).await;
        assert_eq!(all.len(), 251);

        let children = selected(
            &client,
            TenantFilter {
                is_partner: Some(false),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(children.len(), 250, "the partner's children");
        assert!(!children.contains(sb.tenant_id()));

        // Two labels: the first is the API's filter, the second is checked here.
        let gold_finance = selected(
            &client,
            TenantFilter {
                labels: vec![
                    LabelMatch::parse("tier=gold"),
                    LabelMatch::parse("industry=fin%"),
                ],
                ..Default::default()
            },
        )
        .await;
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|t| label_is(t, "tier", "gold") && label_is(t, "industry", "finance"))
            .map(|t| t.id.clone())
            .collect();
        assert!(!expected.is_empty(), "the seed has gold finance tenants");
        assert_eq!(gold_finance, expected);

        let named = selected(
            &client,
            TenantFilter {
                name: Some("%a%".into()),
                ids: vec![],
                ..Default::default()
            },
        )
        .await;
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|t| t.name.to_lowercase().contains('a'))
            .map(|t| t.id.clone())
            .collect();
        assert_eq!(named, expected);

        let by_id = selected(
            &client,
            TenantFilter {
                ids: vec!["10003".into(), "10007".into(), "9000".into()],
                ..Default::default()
            },
        )
        .await;
        assert_eq!(
            by_id,
            BTreeSet::from(["10003".to_owned(), "10007".to_owned()]),
            "tenants outside the hierarchy are not selected"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_ids_come_before_the_later_pages_are_fetched() {
    guarded(Duration::from_secs(20), async {
        let sb = sandbox().await;
        let client = client_for(&sb);
        let mut ids = TenantSelection::Filter(TenantFilter::default()).stream(&client);
        let first = ids.next().await.expect("a tenant").expect("no error");
        assert_eq!(first, sb.tenant_id());
        assert_eq!(sb.stats().operation("tenants"), 1, "one page so far");
        let rest: Vec<String> = ids.try_collect().await.expect("the rest");
        assert_eq!(rest.len(), 250);
        assert_eq!(sb.stats().operation("tenants"), 3, "pages of 100");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_listing_ends_the_stream_with_its_error() {
    guarded(Duration::from_secs(20), async {
        let sb = sandbox().await;
        let client = client_for(&sb);
        // A tenant context the bootstrap client may not see: the API answers 403.
        let outside = client.with_tenant("9000").expect("valid ID");
        let items: Vec<_> = TenantSelection::Filter(TenantFilter::default())
            .stream(&outside)
            .collect()
            .await;
        let last = items.last().expect("an item");
        assert!(last.is_err(), "the error is the last item: {items:?}");
    })
    .await;
}

#[test]
fn listed_ids_stream_in_order() {
    let selection = TenantSelection::read_ids("10002\n# skip\n10001\n".as_bytes()).unwrap();
    assert_eq!(selection.known_len(), Some(2));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let client = Client::builder()
        .api_url("http://127.0.0.1:9")
        .access_token("unused")
        .build()
        .unwrap();
    let ids: Vec<String> = rt
        .block_on(selection.stream(&client).try_collect())
        .unwrap();
    assert_eq!(ids, ["10002", "10001"]);
}
