//! `client.clients()` over real HTTP: the operation, variables, endpoint and headers each
//! method sends, and how answers (and errors) are decoded. Variables are compared with the
//! examples of the authentication guide (seed 000) where it has one.

#[path = "facade_common/mod.rs"]
mod common;

use std::pin::pin;

use common::*;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use taegis_sdk::api::clients::{ClientFilter, Role, SortBy, SortOrder};
use taegis_sdk::ops::main::{
    append_client_roles, client, clients, clients_search, create_client, delete_client,
    force_rotate_client_secret, remove_client_roles, rotate_client_secret,
};
use taegis_sdk::{Client, Error, RetryConfig};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEED_UUID: &str = "c373d68a-fdca-476f-5b48-92ed5804dc53";
const ADMIN: &str = "ba0fdcbd-e87d-4bdd-ae7d-ca6118b25068";
const ANALYST: &str = "a4903f9f-465b-478f-a24e-82fa2e129d2e";
const RESPONDER: &str = "a72dace7-4536-4dbc-947d-015a8eb65f4d";
const AUDITOR: &str = "ace1cae4-59fd-4fd1-9500-40077dc529a7";

/// The guide's `createClient` answer, with the field names our operation selects
/// (`clientID`, `clientSecret`, `roleAssignments`, ... instead of the deprecated snake_case).
fn seed_create_client_answer() -> Value {
    json!({
        "createClient": {
            "client": {
                "clientID": "<YOUR_CLIENT_ID>",
                "createdAt": "2023-03-03T20:58:40.24986Z",
                "createdBy": "0000",
                "environment": "production",
                "id": "<UUID>",
                "name": "your_awesome_app_name",
                "roleAssignments": [
                    {
                        "expiresAt": null,
                        "id": "<UUID>",
                        "roleID": "a4903f9f-465b-478f-a24e-82fa2e129d2e",
                        "roleName": "TenantAnalyst",
                        "tenantID": "50530"
                    }
                ],
                "roles": "tenantAnalyst",
                "tenantID": "<TENAT_ID>",
                "updatedAt": "2023-03-03T20:58:40.24986Z",
                "updatedBy": "0000"
            },
            "clientSecret": "<YOUR_CLIENT_SECRET>"
        }
    })
}

/// The client of the guide's search example output.
fn seed_search_client() -> Value {
    let mut c = api_client(
        SEED_UUID,
        "docs-test-client-adcghzxc",
        "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5",
    );
    c["tenantID"] = json!("xxxxx");
    c["roleAssignments"][0]["tenantID"] = json!("xxxxx");
    c
}

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

#[tokio::test]
async fn create_with_default_role_sends_the_guides_variables_and_decodes_its_answer() {
    let server = MockServer::start().await;
    graphql(MAIN, "createClient")
        .respond_with(data(seed_create_client_answer()))
        .expect(1)
        .mount(&server)
        .await;

    let created = client(&server)
        .with_tenant("50530")
        .unwrap()
        .clients()
        .create("your_awesome_app_name", &[])
        .await
        .unwrap();

    let sent = only_sent(&server).await;
    // The guide's default-credentials example: no `roles`, so the server's default applies.
    sent.assert_operation(
        MAIN,
        "createClient",
        create_client::QUERY,
        json!({"name": "your_awesome_app_name"}),
    );
    assert_eq!(sent.tenant.as_deref(), Some("50530"));

    assert_eq!(created.secret.expose_secret(), "<YOUR_CLIENT_SECRET>");
    let c = &created.client;
    assert_eq!(c.id, "<UUID>");
    assert_eq!(c.name, "your_awesome_app_name");
    assert_eq!(c.client_id, "<YOUR_CLIENT_ID>");
    assert_eq!(c.roles.as_deref(), Some("tenantAnalyst"));
    assert_eq!(c.tenant_id.as_deref(), Some("<TENAT_ID>"));
    assert_eq!(c.environment.as_deref(), Some("production"));
    assert_eq!(c.created_at.as_deref(), Some("2023-03-03T20:58:40.24986Z"));
    assert_eq!(c.created_by.as_deref(), Some("0000"));
    assert_eq!(c.updated_by.as_deref(), Some("0000"));
    assert_eq!(c.enabled, None, "not in the guide's answer");
    assert_eq!(c.role_assignments.len(), 1);
    let ra = &c.role_assignments[0];
    assert_eq!(ra.role_id.as_deref(), Some(ANALYST));
    assert_eq!(ra.role_name.as_deref(), Some("TenantAnalyst"));
    assert_eq!(ra.tenant_id.as_deref(), Some("50530"));
    assert_eq!(ra.expires_at, None);

    let debug = format!("{created:?}");
    assert!(!debug.contains("YOUR_CLIENT_SECRET"), "{debug}");
    assert!(debug.contains("<YOUR_CLIENT_ID>"), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
}

#[tokio::test]
async fn create_with_roles_sends_the_role_ids() {
    let server = MockServer::start().await;
    let mut answer = seed_create_client_answer();
    answer["createClient"]["client"]["roleAssignments"][0]["roleID"] = json!(ADMIN);
    answer["createClient"]["client"]["roleAssignments"][0]["roleName"] = json!("TenantAdmin");
    graphql(MAIN, "createClient")
        .respond_with(data(answer))
        .expect(1)
        .mount(&server)
        .await;

    let created = client(&server)
        .clients()
        .create("your_awesome_app_name", &[Role::ADMINISTRATOR])
        .await
        .unwrap();

    let sent = only_sent(&server).await;
    // The guide's privileged-credentials example with the Administrator role ID.
    sent.assert_operation(
        MAIN,
        "createClient",
        create_client::QUERY,
        json!({"name": "your_awesome_app_name", "roles": [ADMIN]}),
    );
    assert_eq!(sent.tenant, None, "no tenant context on this handle");
    assert_eq!(
        created.client.role_assignments[0].role_id.as_deref(),
        Some(ADMIN)
    );

    // Several roles, including a raw ID, keep their order.
    let server = MockServer::start().await;
    graphql(MAIN, "createClient")
        .respond_with(data(seed_create_client_answer()))
        .mount(&server)
        .await;
    client(&server)
        .clients()
        .create(
            "ci-bot",
            &[Role::RESPONDER, Role::from_id("00000000-custom-role")],
        )
        .await
        .unwrap();
    assert_eq!(
        only_sent(&server).await.variables,
        json!({"name": "ci-bot", "roles": [RESPONDER, "00000000-custom-role"]})
    );
}

#[tokio::test]
async fn create_with_an_existing_name_is_already_exists() {
    // As a GraphQL error.
    let server = MockServer::start().await;
    graphql(MAIN, "createClient")
        .respond_with(graphql_errors(&["Existing client in tenant"]))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .clients()
        .create("taken", &[])
        .await
        .unwrap_err();
    match &error {
        Error::AlreadyExists { what, source } => {
            assert!(what.contains("\"taken\""), "{what}");
            assert!(matches!(**source, Error::GraphQl { .. }), "{source:?}");
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert!(error.to_string().contains("already exists"), "{error}");

    // As the guide prints it, `{"error":["Existing client in tenant"]}`, with an error status
    // or with 200.
    for status in [400, 409, 200] {
        let server = MockServer::start().await;
        graphql(MAIN, "createClient")
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"error": ["Existing client in tenant"]})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let error = client(&server)
            .clients()
            .create("taken", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::AlreadyExists { .. }),
            "status {status}: {error:?}"
        );
    }

    // Other errors are left alone.
    let server = MockServer::start().await;
    graphql(MAIN, "createClient")
        .respond_with(graphql_errors(&["name must not be empty"]))
        .mount(&server)
        .await;
    let error = client(&server).clients().create("", &[]).await.unwrap_err();
    assert!(matches!(error, Error::GraphQl { .. }), "{error:?}");
}

#[tokio::test]
async fn a_null_root_field_is_not_found() {
    let server = MockServer::start().await;
    for op in [
        "createClient",
        "client",
        "rotateClientSecret",
        "forceRotateClientSecret",
        "deleteClient",
        "appendClientRoles",
        "removeClientRoles",
        "clientsSearch",
    ] {
        graphql(MAIN, op)
            .respond_with(data(json!({ op: null })))
            .mount(&server)
            .await;
    }
    let clients = client(&server).clients();
    let results = [
        clients.create("x", &[]).await.map(|_| ()),
        clients.get(SEED_UUID).await.map(|_| ()),
        clients.rotate_secret(SEED_UUID).await.map(|_| ()),
        clients.force_rotate_secret(SEED_UUID).await.map(|_| ()),
        clients.delete(SEED_UUID).await.map(|_| ()),
        clients
            .append_roles(SEED_UUID, &[Role::AUDITOR])
            .await
            .map(|_| ()),
        clients
            .remove_roles(SEED_UUID, &[Role::AUDITOR])
            .await
            .map(|_| ()),
        clients.search(&ClientFilter::default()).await.map(|_| ()),
    ];
    for result in results {
        match result {
            Err(Error::NotFound { what }) => assert!(!what.is_empty()),
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
    let error = clients.get(SEED_UUID).await.unwrap_err();
    assert!(error.to_string().contains(SEED_UUID), "{error}");
}

#[tokio::test]
async fn search_sends_every_filter_to_clients_search_and_decodes_totals() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(json!({
            "clientsSearch": {
                "result_count": 1,
                "totalCount": 41,
                "totalUnfilteredCount": 97,
                "results": [seed_search_client(), null]
            }
        })))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .clients()
        .search(&ClientFilter {
            name: Some("%docs%".into()),
            client_ids: vec!["b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5".into()],
            tenant_id: Some("xxxxx".into()),
            roles: vec![Role::ANALYST, Role::AUDITOR],
            tenant_ids: vec!["xxxxx".into(), "yyyyy".into()],
            page_offset: Some(20),
            per_page: Some(10),
            sort_by: Some(SortBy::Name),
            sort_order: Some(SortOrder::Desc),
        })
        .await
        .unwrap();

    only_sent(&server).await.assert_operation(
        MAIN,
        "clientsSearch",
        clients_search::QUERY,
        json!({"filters": {
            "name": "%docs%",
            "clientIDs": ["b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5"],
            "tenantID": "xxxxx",
            "roleIDs": [ANALYST, AUDITOR],
            "tenantIDs": ["xxxxx", "yyyyy"],
            "pageOffset": 20,
            "perPage": 10,
            "sortBy": "NAME",
            "sortOrder": "DESC"
        }}),
    );
    assert_eq!(page.total_count, Some(41));
    assert_eq!(page.total_unfiltered_count, Some(97));
    assert_eq!(page.results.len(), 1, "null items are dropped");
    let c = &page.results[0];
    assert_eq!(c.id, SEED_UUID);
    assert_eq!(c.name, "docs-test-client-adcghzxc");
    assert_eq!(c.client_id, "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5");
    assert_eq!(c.tenant_id.as_deref(), Some("xxxxx"));
    assert_eq!(
        c.role_assignments[0].id,
        "ca5928cf-7481-416a-8c53-1de4197f3593"
    );
}

#[tokio::test]
async fn search_with_no_filter_sends_an_empty_filter() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(json!({"clientsSearch": {
            "result_count": 0, "totalCount": 0, "totalUnfilteredCount": 0, "results": []
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .clients()
        .search(&ClientFilter::default())
        .await
        .unwrap();
    assert_eq!(only_sent(&server).await.variables, json!({"filters": {}}));
    assert!(page.results.is_empty());
    assert_eq!(page.total_count, Some(0));
}

/// The answer of a server whose schema has no `clientsSearch`, as a GraphQL server reports
/// a validation failure.
fn unknown_clients_search() -> Value {
    json!({
        "errors": [{
            "message": "Cannot query field \"clientsSearch\" on type \"Query\". Did you mean \"clients\"?",
            "locations": [{"line": 3, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}
        }],
        "data": null
    })
}

#[tokio::test]
async fn search_falls_back_to_the_clients_query_when_clients_search_is_unknown() {
    // 200 (most servers) and 422 (gqlgen answers validation failures with 422) and 400
    // (the GraphQL-over-HTTP recommendation).
    for status in [200, 422, 400] {
        let server = MockServer::start().await;
        graphql(MAIN, "clientsSearch")
            .respond_with(ResponseTemplate::new(status).set_body_json(unknown_clients_search()))
            .expect(1)
            .mount(&server)
            .await;
        graphql(MAIN, "clients")
            .respond_with(data(json!({"clients": [seed_search_client()]})))
            .expect(1)
            .mount(&server)
            .await;

        let page = client(&server)
            .clients()
            .search(&ClientFilter {
                name: Some("%docs%".into()),
                client_ids: vec!["<CLIENT_ID>".into()],
                page_offset: Some(2),
                per_page: Some(10),
                sort_by: Some(SortBy::Name),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("status {status}: {e:?}"));

        let sent = sent(&server).await;
        assert_eq!(sent.len(), 2, "status {status}");
        assert_eq!(sent[0].operation_name, json!("clientsSearch"));
        // The guide's `clients` query: `$clientIDs: [String] = ["<CLIENT_ID>"]`; the
        // zero-based page 2 of `clientsSearch` is `clients`' page 3.
        sent[1].assert_operation(
            MAIN,
            "clients",
            clients::QUERY,
            json!({
                "name": "%docs%",
                "clientIDs": ["<CLIENT_ID>"],
                "page": 3,
                "perPage": 10
            }),
        );
        assert_eq!(page.results.len(), 1);
        assert_eq!(page.results[0].id, SEED_UUID);
        assert_eq!(page.total_count, None);
        assert_eq!(page.total_unfiltered_count, None);
    }
}

#[tokio::test]
async fn search_does_not_fall_back_on_other_errors() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(graphql_errors(&[
            "user does not have permission to clientsSearch",
        ]))
        .expect(1)
        .mount(&server)
        .await;
    graphql(MAIN, "clients")
        .respond_with(data(json!({"clients": []})))
        .expect(0)
        .mount(&server)
        .await;
    let error = client(&server)
        .clients()
        .search(&ClientFilter::default())
        .await
        .unwrap_err();
    assert!(error.is_permission_denied(), "{error:?}");
}

#[tokio::test]
async fn get_accepts_the_uuid_or_the_client_id() {
    let server = MockServer::start().await;
    graphql(MAIN, "client")
        .respond_with(data(json!({"client": seed_search_client()})))
        .expect(2)
        .mount(&server)
        .await;
    let clients = client(&server).clients();
    let by_uuid = clients.get(SEED_UUID).await.unwrap();
    let by_client_id = clients
        .get("b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5")
        .await
        .unwrap();
    assert_eq!(by_uuid, by_client_id);
    assert_eq!(by_uuid.client_id, "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5");
    assert_eq!(by_uuid.token_request_count, Some(0));
    assert_eq!(by_uuid.enabled, Some(true));

    let sent = sent(&server).await;
    sent[0].assert_operation(MAIN, "client", client::QUERY, json!({"id": SEED_UUID}));
    sent[1].assert_operation(
        MAIN,
        "client",
        client::QUERY,
        json!({"id": "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5"}),
    );
}

#[tokio::test]
async fn rotate_secret_sends_the_guides_id_and_keeps_the_secret_private() {
    let server = MockServer::start().await;
    graphql(MAIN, "rotateClientSecret")
        .respond_with(data(json!({"rotateClientSecret": {
            "client": seed_search_client(),
            "clientSecret": "n3w-s3cr3t-value"
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let rotated = client(&server)
        .clients()
        .rotate_secret(SEED_UUID)
        .await
        .unwrap();

    only_sent(&server).await.assert_operation(
        MAIN,
        "rotateClientSecret",
        rotate_client_secret::QUERY,
        json!({"id": SEED_UUID}),
    );
    assert_eq!(rotated.secret.expose_secret(), "n3w-s3cr3t-value");
    assert_eq!(rotated.client.client_id, "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5");
    assert!(!format!("{rotated:?}").contains("n3w-s3cr3t-value"));
}

#[tokio::test]
async fn force_rotate_secret_sends_its_own_operation() {
    let server = MockServer::start().await;
    graphql(MAIN, "forceRotateClientSecret")
        .respond_with(data(json!({"forceRotateClientSecret": {
            "client": seed_search_client(),
            "clientSecret": "f0rc3d-s3cr3t"
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let rotated = client(&server)
        .clients()
        .force_rotate_secret("b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5")
        .await
        .unwrap();

    only_sent(&server).await.assert_operation(
        MAIN,
        "forceRotateClientSecret",
        force_rotate_client_secret::QUERY,
        json!({"id": "b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5"}),
    );
    assert_eq!(rotated.secret.expose_secret(), "f0rc3d-s3cr3t");
    assert!(!format!("{rotated:?}").contains("f0rc3d-s3cr3t"));
}

#[tokio::test]
async fn delete_sends_the_guides_id_and_returns_the_client() {
    let server = MockServer::start().await;
    graphql(MAIN, "deleteClient")
        .respond_with(data(json!({"deleteClient": seed_search_client()})))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = client(&server).clients().delete(SEED_UUID).await.unwrap();
    only_sent(&server).await.assert_operation(
        MAIN,
        "deleteClient",
        delete_client::QUERY,
        json!({"id": SEED_UUID}),
    );
    assert_eq!(deleted.id, SEED_UUID);
    assert_eq!(deleted.name, "docs-test-client-adcghzxc");
}

#[tokio::test]
async fn append_roles_sends_role_assignment_inputs() {
    let server = MockServer::start().await;
    let mut answer = seed_search_client();
    answer["roleAssignments"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "r2", "tenantID": "xxxxx", "roleID": RESPONDER, "roleName": "TenantResponder", "expiresAt": null}));
    graphql(MAIN, "appendClientRoles")
        .respond_with(data(json!({ "appendClientRoles": answer })))
        .expect(1)
        .mount(&server)
        .await;

    let updated = client(&server)
        .clients()
        .append_roles(SEED_UUID, &[Role::RESPONDER, Role::AUDITOR])
        .await
        .unwrap();

    only_sent(&server).await.assert_operation(
        MAIN,
        "appendClientRoles",
        append_client_roles::QUERY,
        json!({"id": SEED_UUID, "roles": [{"roleID": RESPONDER}, {"roleID": AUDITOR}]}),
    );
    assert_eq!(updated.role_assignments.len(), 2);
    assert_eq!(
        updated.role_assignments[1].role_name.as_deref(),
        Some("TenantResponder")
    );
}

#[tokio::test]
async fn remove_roles_sends_role_ids() {
    let server = MockServer::start().await;
    graphql(MAIN, "removeClientRoles")
        .respond_with(data(json!({"removeClientRoles": seed_search_client()})))
        .expect(1)
        .mount(&server)
        .await;

    let updated = client(&server)
        .clients()
        .remove_roles(SEED_UUID, &[Role::ADMINISTRATOR])
        .await
        .unwrap();

    only_sent(&server).await.assert_operation(
        MAIN,
        "removeClientRoles",
        remove_client_roles::QUERY,
        json!({"id": SEED_UUID, "roles": [ADMIN]}),
    );
    assert_eq!(updated.id, SEED_UUID);
}

#[test]
fn roles_parse_from_names_aliases_and_ids() {
    assert_eq!(Role::ADMINISTRATOR.id(), ADMIN);
    assert_eq!(Role::ANALYST.id(), ANALYST);
    assert_eq!(Role::RESPONDER.id(), RESPONDER);
    assert_eq!(Role::AUDITOR.id(), AUDITOR);

    for (text, role) in [
        ("administrator", Role::ADMINISTRATOR),
        ("Administrator", Role::ADMINISTRATOR),
        ("admin", Role::ADMINISTRATOR),
        ("TenantAdmin", Role::ADMINISTRATOR),
        ("tenant-administrator", Role::ADMINISTRATOR),
        ("analyst", Role::ANALYST),
        ("TenantAnalyst", Role::ANALYST),
        ("Tenant Analyst", Role::ANALYST),
        (" RESPONDER ", Role::RESPONDER),
        ("tenant_responder", Role::RESPONDER),
        ("auditor", Role::AUDITOR),
        (ADMIN, Role::ADMINISTRATOR),
        (AUDITOR, Role::AUDITOR),
    ] {
        assert_eq!(text.parse::<Role>().unwrap(), role, "{text:?}");
    }

    let custom: Role = "0f1e2d3c-aaaa-bbbb-cccc-000000000001".parse().unwrap();
    assert_eq!(custom.id(), "0f1e2d3c-aaaa-bbbb-cccc-000000000001");
    assert_eq!(custom.name(), None);
    assert_eq!(custom.to_string(), "0f1e2d3c-aaaa-bbbb-cccc-000000000001");
    assert_eq!(
        custom,
        Role::from_id("0f1e2d3c-aaaa-bbbb-cccc-000000000001")
    );

    // A raw role ID must be a UUID: a misspelled role name is refused, not sent.
    for bad in [
        "superuser",
        "administrater",
        "0f1e2d3c-aaaa-bbbb-cccc-00000000000z",
        "",
        "  ",
        "adm",
        "owner",
        "not a role id",
        "ba0fdcbd e87d",
        "analyst!",
    ] {
        match bad.parse::<Role>() {
            Err(Error::Config { message }) => assert!(message.contains("role"), "{message}"),
            other => panic!("{bad:?} parsed as {other:?}"),
        }
    }

    assert_eq!(Role::ADMINISTRATOR.name(), Some("administrator"));
    assert_eq!(Role::RESPONDER.to_string(), "responder");
    assert_eq!(Role::NAMED.len(), 4);
}

/// A clientsSearch mock for one page, matched on its exact variables.
async fn mount_clients_page(server: &MockServer, offset: i64, per_page: i64, answer: Value) {
    graphql(MAIN, "clientsSearch")
        .and(VariablesAre(
            json!({"filters": {"pageOffset": offset, "perPage": per_page}}),
        ))
        .respond_with(data(answer))
        .expect(1)
        .mount(server)
        .await;
}

fn ids<T, F: Fn(&T) -> String>(items: &[Result<T, Error>], id: F) -> Vec<String> {
    items
        .iter()
        .map(|r| id(r.as_ref().expect("an item")))
        .collect()
}

#[tokio::test]
async fn stream_follows_three_pages_then_ends() {
    let server = MockServer::start().await;
    mount_clients_page(&server, 0, 2, clients_page(&["a", "b"], Some(5))).await;
    mount_clients_page(&server, 1, 2, clients_page(&["c", "d"], Some(5))).await;
    mount_clients_page(&server, 2, 2, clients_page(&["e"], Some(5))).await;

    let items = drain(client(&server).clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;

    assert_eq!(ids(&items, |c| c.id.clone()), ["a", "b", "c", "d", "e"]);
    let offsets: Vec<Value> = sent(&server)
        .await
        .iter()
        .map(|s| {
            assert_eq!(s.operation_name, json!("clientsSearch"));
            s.variables["filters"]["pageOffset"].clone()
        })
        .collect();
    assert_eq!(
        offsets,
        [json!(0), json!(1), json!(2)],
        "zero-based page numbers"
    );
}

#[tokio::test]
async fn stream_stops_at_the_total_without_asking_for_an_empty_page() {
    let server = MockServer::start().await;
    mount_clients_page(&server, 5, 2, clients_page(&["a", "b"], Some(14))).await;
    mount_clients_page(&server, 6, 2, clients_page(&["c", "d"], Some(14))).await;

    let items = drain(client(&server).clients().stream(ClientFilter {
        name: None,
        page_offset: Some(5),
        per_page: Some(2),
        ..Default::default()
    }))
    .await;
    assert_eq!(ids(&items, |c| c.id.clone()), ["a", "b", "c", "d"]);
    assert_eq!(sent(&server).await.len(), 2);
}

#[tokio::test]
async fn stream_keeps_the_filter_on_every_page_and_defaults_to_100_per_page() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(clients_page(&["a"], Some(1))))
        .expect(1)
        .mount(&server)
        .await;
    let items = drain(client(&server).clients().stream(ClientFilter {
        name: Some("%docs%".into()),
        roles: vec![Role::ANALYST],
        ..Default::default()
    }))
    .await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        only_sent(&server).await.variables,
        json!({"filters": {"name": "%docs%", "roleIDs": [ANALYST], "pageOffset": 0, "perPage": 100}})
    );
}

#[tokio::test]
async fn stream_ends_with_the_error_of_page_two() {
    let server = MockServer::start().await;
    mount_clients_page(&server, 0, 2, clients_page(&["a", "b"], Some(6))).await;
    graphql(MAIN, "clientsSearch")
        .and(VariablesAre(
            json!({"filters": {"pageOffset": 1, "perPage": 2}}),
        ))
        .respond_with(graphql_errors(&["internal error"]))
        .expect(1)
        .mount(&server)
        .await;

    let items = drain(client(&server).clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;

    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(ids(&items[..2], |c| c.id.clone()), ["a", "b"]);
    assert!(
        matches!(&items[2], Err(Error::GraphQl { errors, .. }) if errors[0].message == "internal error"),
        "{:?}",
        items[2]
    );
    assert_eq!(
        sent(&server).await.len(),
        2,
        "nothing is asked after the error"
    );
}

#[tokio::test]
async fn stream_of_an_empty_result_is_empty() {
    let server = MockServer::start().await;
    mount_clients_page(&server, 0, 2, clients_page(&[], Some(0))).await;
    let items = drain(client(&server).clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn stream_stops_when_the_server_repeats_a_page() {
    // A server that ignores the offset (here: the `clients` fallback, which has no totals)
    // answers the same full page forever; the stream must end instead of looping.
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(ResponseTemplate::new(200).set_body_json(unknown_clients_search()))
        .mount(&server)
        .await;
    graphql(MAIN, "clients")
        .respond_with(data(json!({"clients": [
            api_client("a", "client-a", "cid-a"),
            api_client("b", "client-b", "cid-b")
        ]})))
        .mount(&server)
        .await;

    let items = drain(client(&server).clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;

    assert_eq!(ids(&items, |c| c.id.clone()), ["a", "b"], "each item once");
    let pages: Vec<Value> = sent(&server)
        .await
        .iter()
        .filter(|s| s.operation_name == json!("clients"))
        .map(|s| s.variables.clone())
        .collect();
    assert_eq!(
        pages,
        [
            json!({"page": 1, "perPage": 2}),
            json!({"page": 2, "perPage": 2})
        ]
    );

    // Same with clientsSearch claiming many more results.
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(clients_page(&["a", "b"], Some(1000))))
        .mount(&server)
        .await;
    let items = drain(client(&server).clients().stream(ClientFilter {
        per_page: Some(2),
        ..Default::default()
    }))
    .await;
    assert_eq!(ids(&items, |c| c.id.clone()), ["a", "b"]);
    assert_eq!(sent(&server).await.len(), 2);
}

#[tokio::test]
async fn delete_all_goes_on_past_a_failure_and_reports_it() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(clients_page(&["a", "b", "c"], Some(3))))
        .expect(1)
        .mount(&server)
        .await;
    for id in ["a", "c"] {
        graphql(MAIN, "deleteClient")
            .and(VariablesAre(json!({ "id": id })))
            .respond_with(data(
                json!({"deleteClient": api_client(id, &format!("client-{id}"), &format!("cid-{id}"))}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    graphql(MAIN, "deleteClient")
        .and(VariablesAre(json!({"id": "b"})))
        .respond_with(graphql_errors(&["client b is locked"]))
        .expect(1)
        .mount(&server)
        .await;

    let mut progress = Vec::new();
    let report = client(&server)
        .clients()
        .delete_all(|done, total| progress.push((done, total)))
        .await
        .unwrap();

    let deleted: Vec<&str> = report.deleted.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(deleted, ["a", "c"]);
    assert_eq!(report.failed.len(), 1);
    let (failed, error) = &report.failed[0];
    assert_eq!(failed.id, "b");
    assert_eq!(failed.name, "client-b");
    assert!(error.to_string().contains("client b is locked"), "{error}");
    assert_eq!(progress, [(1, 3), (2, 3), (3, 3)]);

    let sent = sent(&server).await;
    assert_eq!(
        sent[0].variables,
        json!({"filters": {"pageOffset": 0, "perPage": 100}})
    );
    let deletes: Vec<Value> = sent[1..].iter().map(|s| s.variables.clone()).collect();
    assert_eq!(
        deletes,
        [json!({"id": "a"}), json!({"id": "b"}), json!({"id": "c"})]
    );
    for s in &sent[1..] {
        s.assert_operation(
            MAIN,
            "deleteClient",
            delete_client::QUERY,
            s.variables.clone(),
        );
    }
}

#[tokio::test]
async fn delete_all_of_nothing_reports_nothing_and_a_listing_error_is_returned() {
    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(data(clients_page(&[], Some(0))))
        .mount(&server)
        .await;
    let report = client(&server)
        .clients()
        .delete_all(|_, _| panic!("no progress without clients"))
        .await
        .unwrap();
    assert!(report.deleted.is_empty() && report.failed.is_empty());

    let server = MockServer::start().await;
    graphql(MAIN, "clientsSearch")
        .respond_with(graphql_errors(&["boom"]))
        .mount(&server)
        .await;
    let error = client(&server)
        .clients()
        .delete_all(|_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(error, Error::GraphQl { .. }), "{error:?}");
    assert_eq!(
        sent(&server).await.len(),
        1,
        "no deletion after a listing error"
    );
}

#[tokio::test]
async fn delete_all_deletes_its_own_client_last_with_a_token_from_the_seed_response() {
    let server = MockServer::start().await;
    // The guide's token response.
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "your_unique_token_value",
            "expires_in": 36000,
            "expiry": "2022-04-22T09:40:06.677Z",
            "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    graphql(MAIN, "clientsSearch")
        .and(header("authorization", "Bearer your_unique_token_value"))
        .respond_with(data(clients_page(&["a", "own", "c"], Some(3))))
        .mount(&server)
        .await;
    graphql(MAIN, "deleteClient")
        .and(header("authorization", "Bearer your_unique_token_value"))
        .respond_with(data(json!({"deleteClient": api_client("x", "x", "x")})))
        .expect(3)
        .mount(&server)
        .await;

    let client = Client::builder()
        .api_url(server.uri())
        .tenants_url(server.uri())
        .client_credentials("cid-own", "my-client-secret")
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap();
    let report = client.clients().delete_all(|_, _| {}).await.unwrap();
    assert_eq!(report.deleted.len(), 3);

    let deletes: Vec<Value> = sent(&server)
        .await
        .iter()
        .filter(|s| s.operation_name == json!("deleteClient"))
        .map(|s| s.variables["id"].clone())
        .collect();
    assert_eq!(deletes, [json!("a"), json!("c"), json!("own")]);
}

#[tokio::test]
async fn service_version_decodes_the_seed_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/assets/version"))
        .and(header("authorization", "Bearer test-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tag": "0.1.11",
            "revision": "1332dad18827c3d6e60b801e6b4b44737e8f11f6",
            "timestamp": "2019-10-02T06:01:28Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let version = client(&server).service_version("assets").await.unwrap();
    assert_eq!(version.tag, "0.1.11");
    assert_eq!(version.revision, "1332dad18827c3d6e60b801e6b4b44737e8f11f6");
    assert_eq!(version.timestamp, "2019-10-02T06:01:28Z");
}
