//! The generated operations: request bodies, endpoints and response decoding.

use graphql_client::GraphQLQuery;
use serde_json::json;
use taegis_sdk::ops::{main, tenants};
use taegis_sdk::{Endpoint, Operation, OperationKind};

#[test]
fn operations_know_their_endpoint_and_kind() {
    assert_eq!(main::CreateClient::ENDPOINT, Endpoint::MAIN);
    assert_eq!(main::CreateClient::KIND, OperationKind::Mutation);
    assert_eq!(main::ClientsSearch::KIND, OperationKind::Query);
    assert_eq!(tenants::Tenants::ENDPOINT, Endpoint::TENANTS);
    assert_eq!(tenants::Tenants::KIND, OperationKind::Query);
    assert_eq!(tenants::UpdateSsoConnection::KIND, OperationKind::Mutation);
}

#[test]
fn unset_optional_variables_are_omitted_so_schema_defaults_apply() {
    let body = tenants::Tenants::build_query(tenants::tenants::Variables {
        tenants_query: tenants::tenants::TenantsQuery {
            max_results: Some(10),
            ..Default::default()
        },
    });
    let body = serde_json::to_value(body).unwrap();
    assert_eq!(body["operationName"], "tenants");
    // `orderBy` left unset must not be sent as null: that would override `= Id`.
    assert_eq!(
        body["variables"],
        json!({"tenantsQuery": {"maxResults": 10}})
    );

    let body = serde_json::to_value(main::CreateClient::build_query(
        main::create_client::Variables {
            name: "my_awesome_app".into(),
            roles: None,
        },
    ))
    .unwrap();
    assert_eq!(body["variables"], json!({"name": "my_awesome_app"}));
    assert_eq!(body["operationName"], "createClient");
}

#[test]
fn enums_serialize_with_schema_casing() {
    use tenants::tenants::{OrderDir, TenantOrderField, TenantsQuery};
    let query = TenantsQuery {
        order_by: Some(TenantOrderField::CreatedAt),
        order_dir: Some(OrderDir::Desc),
        cursor_pos: Some("aWR8MTAwMzc=".into()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(query).unwrap(),
        json!({"orderBy": "CreatedAt", "orderDir": "desc", "cursorPos": "aWR8MTAwMzc="})
    );
}

#[test]
fn each_request_carries_only_its_own_operation() {
    for (query, name) in [
        (main::create_client::QUERY, "createClient"),
        (tenants::tenants::QUERY, "tenants"),
        (
            tenants::get_sso_connection_config::QUERY,
            "getSSOConnectionConfig",
        ),
    ] {
        assert_eq!(
            query.matches("query ").count() + query.matches("mutation ").count(),
            1,
            "{query}"
        );
        assert!(query.contains(name));
    }
}

#[test]
fn decodes_a_tenants_page_and_keeps_unknown_enum_values() {
    let data: tenants::tenants::ResponseData = serde_json::from_value(json!({
        "tenants": {
            "count": 1, "totalCount": 24834, "cursorPos": "aWR8MTAwMTc=", "hasMore": true,
            "results": [{
                "id": "10008", "name": "Acme", "support_enabled": false,
                "environments": [{"name": "echo", "enabled": true}],
                "labels": null
            }]
        }
    }))
    .unwrap();
    let page = data.tenants.unwrap();
    assert_eq!(
        (page.count, page.total_count, page.has_more),
        (1, Some(24834), true)
    );
    assert_eq!(page.results[0].id, "10008");
    assert_eq!(
        page.results[0].environments.as_ref().unwrap()[0]
            .name
            .as_deref(),
        Some("echo")
    );

    let status: tenants::get_sso_connection::SsoConnectionStatus =
        serde_json::from_value(json!("Archived")).unwrap();
    assert_eq!(
        status,
        tenants::get_sso_connection::SsoConnectionStatus::Other("Archived".into())
    );
}
