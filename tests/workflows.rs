//! The alerts and investigations facades against the sandbox over HTTP: a CQL search read
//! across every part, resolution of many alerts at once, and an investigation's whole life
//! (create with alerts, update, add and remove alerts, comment, close, find it by search).

#[path = "support/sandbox.rs"]
mod sandbox_support;

use futures_util::TryStreamExt;
use std::collections::HashSet;
use taegis_sandbox::Sandbox;
use taegis_sdk::api::alerts::{Alert, ResolutionStatus};
use taegis_sdk::api::investigations::{
    AlertResolutionStatus, CloseStatus, InvestigationStatus, InvestigationUpdate, NewInvestigation,
};
use taegis_sdk::{Client, Error};

async fn sandbox() -> Sandbox {
    sandbox_support::start(8, 31).await
}

fn client_for(sb: &Sandbox) -> Client {
    sandbox_support::builder_for(sb)
        .tenant_id(sb.tenant_id())
        .build()
        .unwrap()
}

async fn search(client: &Client, cql: &str) -> Vec<Alert> {
    client
        .alerts()
        .search(cql, None)
        .items()
        .try_collect()
        .await
        .expect("the search runs")
}

/// A client in context of the first tenant with more alerts than one part holds (100), and
/// those alerts.
async fn tenant_with_several_parts(sb: &Sandbox) -> (Client, Vec<Alert>) {
    let first: u64 = sb.tenant_id().parse().unwrap();
    for tenant in first..first + sb.tenant_count() {
        let client = client_for(sb).with_tenant(tenant.to_string()).unwrap();
        let all = search(&client, "FROM alert EARLIEST=-7d").await;
        if all.len() > 100 {
            return (client, all);
        }
    }
    panic!("no seeded tenant has more than 100 alerts");
}

#[tokio::test]
async fn an_alerts_search_reads_every_part_once_and_misses_no_match() {
    let sb = sandbox().await;
    let (client, all) = tenant_with_several_parts(&sb).await;
    assert!(
        sb.stats().operation("alertsServicePoll") >= 1,
        "parts 2.. were polled"
    );
    let ids: HashSet<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no alert twice");

    let cql = "FROM alert WHERE severity >= 0.6 AND status = 'OPEN' EARLIEST=-7d";
    let matching = search(&client, cql).await;
    let expected: HashSet<&str> = all
        .iter()
        .filter(|a| a.severity().unwrap_or(0.0) >= 0.6 && a.status == Some(ResolutionStatus::Open))
        .map(|a| a.id.as_str())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        matching
            .iter()
            .map(|a| a.id.as_str())
            .collect::<HashSet<_>>(),
        expected
    );

    let limited: Vec<Alert> = client
        .alerts()
        .search("FROM alert EARLIEST=-7d", Some(30))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(limited.len(), 30);
}

#[tokio::test]
async fn resolving_many_alerts_at_once_changes_what_searches_and_gets_see() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let cql = "FROM alert WHERE status = 'OPEN' EARLIEST=-7d";
    let open = search(&client, cql).await;
    let chosen: Vec<&str> = open.iter().take(3).map(|a| a.id.as_str()).collect();
    assert_eq!(chosen.len(), 3);
    client
        .alerts()
        .resolve(&chosen, ResolutionStatus::FalsePositive, "tuned out")
        .await
        .unwrap();
    let got = client.alerts().get(&chosen).await.unwrap();
    assert_eq!(got.len(), 3);
    for alert in &got {
        assert_eq!(alert.status, Some(ResolutionStatus::FalsePositive));
        assert_eq!(alert.resolution_reason.as_deref(), Some("tuned out"));
    }
    let after = search(&client, cql).await;
    assert_eq!(after.len(), open.len() - 3);
    assert_eq!(
        sb.stats().operation("alertsServiceUpdateResolutionInfo"),
        1,
        "sent once"
    );
}

#[tokio::test]
async fn an_investigation_lives_from_creation_to_closing() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let open = search(&client, "FROM alert WHERE status = 'OPEN' EARLIEST=-7d").await;
    let a: Vec<&str> = open.iter().take(3).map(|a| a.id.as_str()).collect();
    let investigations = client.investigations();

    let created = investigations
        .create(NewInvestigation {
            title: Some("Suspicious logins".into()),
            priority: Some(2),
            alerts: Some(vec![Some(a[0].into()), Some(a[1].into())]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.title.as_deref(), Some("Suspicious logins"));
    let mut linked = created.alert_ids();
    linked.sort_unstable();
    let mut wanted = vec![a[0], a[1]];
    wanted.sort_unstable();
    assert_eq!(linked, wanted);
    let alert = &client.alerts().get(&[a[0]]).await.unwrap()[0];
    assert!(
        alert.investigations().contains(&created.id.as_str()),
        "linked both ways"
    );

    let renamed = investigations
        .update(InvestigationUpdate {
            id: Some(created.id.clone()),
            title: Some("Credential stuffing".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Credential stuffing"));

    investigations
        .add_alerts(&created.id, &[a[2]])
        .await
        .unwrap();
    investigations
        .remove_alerts(&created.id, &[a[0]])
        .await
        .unwrap();
    let now = investigations.get(&created.id).await.unwrap();
    let mut linked = now.alert_ids();
    linked.sort_unstable();
    let mut wanted = vec![a[1], a[2]];
    wanted.sort_unstable();
    assert_eq!(linked, wanted);

    investigations
        .comment(&created.id, "escalated to on-call", false)
        .await
        .unwrap();
    let comments: Vec<_> = investigations
        .comments(&created.id)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].comment.as_deref(), Some("escalated to on-call"));

    let closed = investigations
        .close(
            &created.id,
            CloseStatus::ClosedFalsePositiveAlert,
            "benign scanner",
            Some(AlertResolutionStatus::FalsePositive),
        )
        .await
        .unwrap();
    assert!(
        matches!(&closed.status, Some(s) if format!("{s:?}").starts_with("Closed")),
        "{:?}",
        closed.status
    );

    let all: Vec<_> = investigations
        .search("", Some(7))
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<&str> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "paging gives each investigation once");
    assert!(ids.contains(created.id.as_str()));
    let open: Vec<_> = investigations
        .search("status = 'OPEN'", None)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(open
        .iter()
        .all(|i| i.status == Some(InvestigationStatus::Open)));
    assert!(
        !open.iter().any(|i| i.id == created.id),
        "a closed one is not open"
    );
}

#[tokio::test]
async fn an_unknown_investigation_is_not_found() {
    let sb = sandbox().await;
    let error = client_for(&sb)
        .investigations()
        .get("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NotFound { .. } | Error::GraphQl { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_sandbox_with_many_alerts_per_tenant_is_searched_in_many_parts() {
    let sb = Sandbox::builder()
        .tenants(2)
        .seed(5)
        .alerts_per_tenant(1_234)
        .start()
        .await
        .unwrap();
    // Alerts are spread over the 7 days before the hour the sandbox started.
    let all = search(&client_for(&sb), "FROM alert EARLIEST=-8d").await;
    assert_eq!(all.len(), 1_234);
    assert_eq!(
        all.iter()
            .map(|a| a.id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        1_234
    );
    assert_eq!(
        sb.stats().operation("alertsServicePoll"),
        12,
        "parts 2 to 13 of 100"
    );
}
