//! What the alerts and investigations facades send, checked against wiremock: the operation,
//! its variables as the API names them, the tenant header, and that a mutation goes out once.

mod common;
mod facade_common;

use common::mount_token;
use facade_common::{graphql, sent, Sent, MAIN};
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use taegis_sdk::api::alerts::ResolutionStatus;
use taegis_sdk::api::investigations::{AlertResolutionStatus, CloseStatus, NewInvestigation};
use taegis_sdk::Client;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "tok-123", 3600, None).await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_url(server.uri())
        .client_credentials("id", "secret-value-123")
        .tenant_id("11772")
        .build()
        .unwrap()
}

/// Answers the operation named `name` with `data`.
async fn answer(server: &MockServer, name: &'static str, data: Value) {
    graphql(MAIN, name)
        .respond_with(facade_common::data(data))
        .mount(server)
        .await;
}

/// What was sent to the main endpoint, in order.
async fn sent_to_main(server: &MockServer) -> Vec<Sent> {
    let mut all = sent(server).await;
    all.retain(|s| s.path == MAIN);
    all
}

fn alert(id: &str) -> Value {
    json!({"id": id, "status": "OPEN", "metadata": {"title": "t", "severity": 0.7}})
}

#[tokio::test]
async fn an_alerts_search_sends_the_cql_then_polls_each_part_by_search_id() {
    let server = server().await;
    answer(
        &server,
        "alertsServiceSearch",
        json!({"alertsServiceSearch": {"search_id": "s-1", "status": "OK",
            "alerts": {"total_parts": 3, "list": [alert("a1")]}}}),
    )
    .await;
    answer(
        &server,
        "alertsServicePoll",
        json!({"alertsServicePoll": {"search_id": "s-1", "status": "OK",
            "alerts": {"total_parts": 3, "list": [alert("a2")]}}}),
    )
    .await;
    let got: Vec<_> = client(&server)
        .alerts()
        .search("FROM alert EARLIEST=-1d", Some(500))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 3, "one alert per part");
    let sent = sent_to_main(&server).await;
    assert_eq!(sent.len(), 3);
    let first = &sent[0].variables["in"];
    assert_eq!(first["cql_query"], "FROM alert EARLIEST=-1d");
    assert_eq!(first["limit"], 500);
    assert_eq!(first["offset"], 0);
    assert_eq!(first["metadata"]["callerName"], "taegis-sdk-rust");
    assert!(sent[0].query.contains("alertsServiceSearch(in: $in)"));
    for (n, body) in sent[1..].iter().enumerate() {
        assert_eq!(body.operation_name, "alertsServicePoll");
        assert_eq!(
            body.variables["in"],
            json!({"search_id": "s-1", "part_id": n + 2})
        );
    }
    for request in &sent {
        assert_eq!(request.tenant.as_deref(), Some("11772"));
    }
}

#[tokio::test]
async fn resolving_alerts_sends_one_mutation_with_the_api_names() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let error = client(&server)
        .alerts()
        .resolve(&["a1", "a2"], ResolutionStatus::FalsePositive, "tuned")
        .await
        .unwrap_err();
    assert!(error.may_have_been_sent());
    let sent = sent_to_main(&server).await;
    assert_eq!(
        sent.len(),
        1,
        "a mutation that may have run is not sent again"
    );
    assert_eq!(sent[0].operation_name, "alertsServiceUpdateResolutionInfo");
    assert_eq!(
        sent[0].variables["in"],
        json!({"alert_ids": ["a1", "a2"], "reason": "tuned", "resolution_status": "FALSE_POSITIVE"})
    );
}

#[tokio::test]
async fn alerts_by_id_send_the_ids_as_the_schema_spells_them() {
    let server = server().await;
    answer(
        &server,
        "alertsServiceRetrieveAlertsById",
        json!({"alertsServiceRetrieveAlertsById": {"alerts": {"list": [alert("a1")]}}}),
    )
    .await;
    let got = client(&server).alerts().get(&["a1"]).await.unwrap();
    assert_eq!(got[0].id, "a1");
    assert_eq!(
        sent_to_main(&server).await[0].variables,
        json!({"in": {"iDs": ["a1"]}})
    );
}

#[tokio::test]
async fn investigations_page_by_number_and_mutations_send_their_input() {
    let server = server().await;
    answer(
        &server,
        "investigationsV2",
        json!({"investigationsV2": {"totalCount": 2, "investigations": [{"id": "i1"}, {"id": "i2"}]}}),
    )
    .await;
    answer(
        &server,
        "createInvestigationV2",
        json!({"createInvestigationV2": {"id": "i3"}}),
    )
    .await;
    answer(
        &server,
        "closeInvestigation",
        json!({"closeInvestigation": {"id": "i3", "status": "CLOSED_INCONCLUSIVE"}}),
    )
    .await;
    let client = client(&server);
    let all: Vec<_> = client
        .investigations()
        .search("status = 'OPEN'", Some(50))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    client
        .investigations()
        .create(NewInvestigation {
            title: Some("t".into()),
            alerts: Some(vec![Some("a1".into())]),
            ..Default::default()
        })
        .await
        .unwrap();
    client
        .investigations()
        .close(
            "i3",
            CloseStatus::ClosedInconclusive,
            "why",
            Some(AlertResolutionStatus::Other),
        )
        .await
        .unwrap();
    let sent = sent_to_main(&server).await;
    assert_eq!(
        sent[0].variables["arguments"],
        json!({"cql": "status = 'OPEN'", "page": 1, "perPage": 50})
    );
    assert_eq!(
        sent[1].variables["input"],
        json!({"title": "t", "alerts": ["a1"]})
    );
    assert_eq!(
        sent[2].variables["input"],
        json!({"id": "i3", "reason": "why", "status": "CLOSED_INCONCLUSIVE",
            "alertsResolutionStatus": "OTHER"})
    );
}
