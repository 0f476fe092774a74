//! `client.tenants()` over real HTTP on the tenants endpoint (`/public/query`): the
//! operation, exact variables and headers of every method, compared with the tenants guide
//! (seed 003) where it has an example, and the decoding of its answers.

#[path = "facade_common/mod.rs"]
mod common;

use std::pin::pin;

use common::*;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use taegis_sdk::api::tenants::{
    InputTenantLabel, OrderDir, PartnershipFilter, TenantCreateInput, TenantEnvironment,
    TenantEnvironmentFilter, TenantEnvironmentUpdateInput, TenantLabelFilter, TenantOrderField,
    TenantUpdateInput, TenantsQuery, TimeFilter,
};
use taegis_sdk::ops::tenants::{
    assign_subscription, create_subscription, create_tenant, create_tenant_label,
    delete_subscription, delete_tenant_label, disable_tenant_support, enable_tenant_support,
    tenants, unassign_subscription, update_subscription, update_tenant, update_tenant_label,
};
use taegis_sdk::Error;
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

fn tenant_ids(items: &[Result<taegis_sdk::api::tenants::Tenant, Error>]) -> Vec<&str> {
    items
        .iter()
        .map(|r| r.as_ref().expect("a tenant").id.as_str())
        .collect()
}

/// The guide's tenants page (`count`, `totalCount`, `cursorPos`, one result with id
/// `10008`), plus the non-null fields our operation selects that the guide's shorter query
/// did not (`hasMore`, `name`, `support_enabled`).
fn seed_tenants_page() -> Value {
    json!({
        "tenants": {
            "count": 10,
            "totalCount": 24834,
            "cursorPos": "aWR8MTAwMTc=",
            "hasMore": true,
            "results": [
                {"id": "10008", "name": "Tenant 10008", "support_enabled": false}
            ]
        }
    })
}

#[tokio::test]
async fn list_with_page_numbers_sends_the_guides_query_and_decodes_its_page() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(seed_tenants_page()))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .tenants()
        .list(TenantsQuery {
            max_results: Some(10),
            page_num: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();

    let sent = only_sent(&server).await;
    // `tenants($tenantsQuery: TenantsQuery! = {maxResults: 10, pageNum: 2})`
    sent.assert_operation(
        TENANTS,
        "tenants",
        tenants::QUERY,
        json!({"tenantsQuery": {"maxResults": 10, "pageNum": 2}}),
    );
    assert_eq!(sent.tenant, None);

    assert_eq!(page.count, 10);
    assert_eq!(page.total_count, Some(24834));
    assert_eq!(page.cursor_pos.as_deref(), Some("aWR8MTAwMTc="));
    assert!(page.has_more);
    assert_eq!(page.results.len(), 1);
    let t = &page.results[0];
    assert_eq!(t.id, "10008");
    assert!(!t.support_enabled);
    assert!(t.labels.is_empty() && t.environments.is_empty() && t.all_services.is_empty());
}

#[tokio::test]
async fn list_with_a_cursor_sends_the_guides_cursor() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(tenants_page(&["10038"], Some("aWR8MTAwNDc="), true)))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .tenants()
        .list(TenantsQuery {
            max_results: Some(10),
            cursor_pos: Some("aWR8MTAwMzc=".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    only_sent(&server).await.assert_operation(
        TENANTS,
        "tenants",
        tenants::QUERY,
        json!({"tenantsQuery": {"maxResults": 10, "cursorPos": "aWR8MTAwMzc="}}),
    );
    assert_eq!(page.cursor_pos.as_deref(), Some("aWR8MTAwNDc="));
    assert_eq!(page.total_count, None);
}

#[tokio::test]
async fn list_sends_every_filter_and_the_order() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(tenants_page(&[], None, false)))
        .expect(1)
        .mount(&server)
        .await;

    client(&server)
        .tenants()
        .list(TenantsQuery {
            max_results: Some(10),
            ids: Some(vec!["xxxxx".into()]),
            name: Some("%my name%".into()),
            for_hierarchies: Some(vec![Some("id".into())]),
            environment_filter: Some(TenantEnvironmentFilter {
                name: Some("echo".into()),
                enabled: Some(true),
            }),
            label_filter: Some(TenantLabelFilter {
                label_name: Some("testing".into()),
                label_value: None,
            }),
            with_service: Some("svc".into()),
            with_services: Some(vec![Some("svc-a".into()), Some("svc-b".into())]),
            with_partner_subscription: Some("%".into()),
            with_partner_subscriptions: Some(vec![Some("%".into())]),
            partnership: Some(PartnershipFilter {
                with_subscription: Some("sub".into()),
            }),
            created_time_filter: Some(TimeFilter {
                start_time: Some("2019-07-04T15:00:22".into()),
                end_time: Some("2019-07-06T15:00:22Z".into()),
            }),
            modified_time_filter: Some(TimeFilter {
                start_time: Some("2020-01-01T00:00:00Z".into()),
                end_time: None,
            }),
            is_partner: Some(false),
            with_support: Some(true),
            order_by: Some(TenantOrderField::CreatedAt),
            order_dir: Some(OrderDir::Desc),
            ..Default::default()
        })
        .await
        .unwrap();

    // The guide's filter and sort examples, plus the filters it only lists by name.
    only_sent(&server).await.assert_operation(
        TENANTS,
        "tenants",
        tenants::QUERY,
        json!({"tenantsQuery": {
            "maxResults": 10,
            "ids": ["xxxxx"],
            "name": "%my name%",
            "forHierarchies": ["id"],
            "environmentFilter": {"name": "echo", "enabled": true},
            "labelFilter": {"label_name": "testing"},
            "withService": "svc",
            "withServices": ["svc-a", "svc-b"],
            "withPartnerSubscription": "%",
            "withPartnerSubscriptions": ["%"],
            "partnership": {"withSubscription": "sub"},
            "createdTimeFilter": {"startTime": "2019-07-04T15:00:22", "endTime": "2019-07-06T15:00:22Z"},
            "modifiedTimeFilter": {"startTime": "2020-01-01T00:00:00Z"},
            "isPartner": false,
            "withSupport": true,
            "orderBy": "CreatedAt",
            "orderDir": "desc"
        }}),
    );
}

#[tokio::test]
async fn every_order_field_and_direction_is_sent_with_the_schema_casing() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(tenants_page(&[], None, false)))
        .mount(&server)
        .await;
    let tenants = client(&server).tenants();
    for (field, dir) in [
        (TenantOrderField::Id, OrderDir::Asc),
        (TenantOrderField::Name, OrderDir::Desc),
        (TenantOrderField::CreatedAt, OrderDir::Asc),
        (TenantOrderField::UpdatedAt, OrderDir::Desc),
    ] {
        tenants
            .list(TenantsQuery {
                order_by: Some(field),
                order_dir: Some(dir),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let orders: Vec<Value> = sent(&server)
        .await
        .iter()
        .map(|s| s.variables["tenantsQuery"].clone())
        .collect();
    assert_eq!(
        orders,
        [
            json!({"orderBy": "Id", "orderDir": "asc"}),
            json!({"orderBy": "Name", "orderDir": "desc"}),
            json!({"orderBy": "CreatedAt", "orderDir": "asc"}),
            json!({"orderBy": "UpdatedAt", "orderDir": "desc"}),
        ]
    );
}

#[tokio::test]
async fn the_tenant_context_of_the_handle_is_sent() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(tenants_page(&[], None, false)))
        .mount(&server)
        .await;
    let base = client(&server);
    base.with_tenant("11772")
        .unwrap()
        .tenants()
        .list(TenantsQuery::default())
        .await
        .unwrap();
    base.tenants().list(TenantsQuery::default()).await.unwrap();
    let sent = sent(&server).await;
    assert_eq!(sent[0].tenant.as_deref(), Some("11772"));
    assert_eq!(sent[1].tenant, None);
    assert_eq!(sent[0].variables, json!({"tenantsQuery": {}}));
}

#[tokio::test]
async fn a_null_tenants_result_is_not_found() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .respond_with(data(json!({"tenants": null})))
        .mount(&server)
        .await;
    let error = client(&server)
        .tenants()
        .list(TenantsQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn get_asks_for_one_id_and_decodes_the_whole_tenant() {
    let server = MockServer::start().await;
    let mut full = tenant("10008", "Acme");
    full["labels"] = json!([
        {"id": "l1", "tenant_id": "10008", "name": "partner_only_label_name", "value": "label_value", "owner_partner_tenant_id": "11772"},
        null
    ]);
    full["all_services"] = json!([{
        "id": "as1", "service_id": "1cb04358-0e00-4ffb-abc8-14ccbc7b42b0", "name": "MDR",
        "description": "Managed", "service_owner_id": "11772", "owned_by_partner": true,
        "created_at": "2022-03-23T15:15:37Z", "updated_at": null, "requested_at": null,
        "granted_at": "2022-03-24T00:00:00Z", "revoked_at": null, "requested_by": "someone"
    }]);
    full["expires_at"] = json!("2023-12-31T00:00:00Z");
    graphql(TENANTS, "tenants")
        .respond_with(data(json!({"tenants": {
            "cursorPos": "aWR8MTAwMDg=", "count": 1, "hasMore": false, "totalCount": null,
            "results": [full]
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let t = client(&server).tenants().get("10008").await.unwrap();

    only_sent(&server).await.assert_operation(
        TENANTS,
        "tenants",
        tenants::QUERY,
        json!({"tenantsQuery": {"ids": ["10008"], "maxResults": 1}}),
    );
    assert_eq!(t.id, "10008");
    assert_eq!(t.name, "Acme");
    assert_eq!(t.name_normalized.as_deref(), Some("acme"));
    assert_eq!(t.expires_at.as_deref(), Some("2023-12-31T00:00:00Z"));
    assert_eq!(t.parent.as_deref(), Some("11772"));
    assert_eq!(t.partner_name.as_deref(), Some("Partner"));
    assert_eq!(t.is_partner, Some(false));
    assert_eq!(t.enabled_in_production, Some(true));
    assert_eq!(t.data_retention_months, Some(12));
    assert_eq!(t.labels.len(), 1, "null labels are dropped");
    assert_eq!(t.labels[0].name, "partner_only_label_name");
    assert_eq!(
        t.labels[0].owner_partner_tenant_id.as_deref(),
        Some("11772")
    );
    assert_eq!(t.environments.len(), 1);
    assert_eq!(t.environments[0].name, "echo");
    assert!(t.environments[0].enabled);
    assert_eq!(t.all_services[0].owned_by_partner, Some(true));
    assert_eq!(
        t.all_services[0].service_id.as_deref(),
        Some("1cb04358-0e00-4ffb-abc8-14ccbc7b42b0")
    );
}

#[tokio::test]
async fn get_of_an_unseen_tenant_is_not_found() {
    let server = MockServer::start().await;
    graphql(TENANTS, "tenants")
        .and(VariablesAre(
            json!({"tenantsQuery": {"ids": ["404"], "maxResults": 1}}),
        ))
        .respond_with(data(tenants_page(&[], None, false)))
        .mount(&server)
        .await;
    // A server that ignored `ids` and answered another tenant.
    graphql(TENANTS, "tenants")
        .and(VariablesAre(
            json!({"tenantsQuery": {"ids": ["405"], "maxResults": 1}}),
        ))
        .respond_with(data(tenants_page(&["10008"], Some("c"), true)))
        .mount(&server)
        .await;
    let tenants = client(&server).tenants();
    for id in ["404", "405"] {
        match tenants.get(id).await {
            Err(Error::NotFound { what }) => assert!(what.contains(id), "{what}"),
            other => panic!("expected NotFound, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn create_sends_the_guides_new_tenant() {
    let server = MockServer::start().await;
    graphql(TENANTS, "createTenant")
        .respond_with(data(
            json!({"createTenant": tenant("20001", "New tenant name")}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let created = client(&server)
        .tenants()
        .create(TenantCreateInput {
            name: Some("New tenant name".into()),
            partner_tenant_id: Some("xxxxx".into()),
            labels: Some(vec![Some(InputTenantLabel {
                name: Some("partner_only_label_name".into()),
                value: Some("label_value".into()),
                owner_partner_tenant_id: Some("xxxxx".into()),
            })]),
            environments: Some(vec![
                Some(TenantEnvironment::Echo),
                Some(TenantEnvironment::Pilot),
            ]),
            ..Default::default()
        })
        .await
        .unwrap();

    // The guide's cURL variables, verbatim.
    only_sent(&server).await.assert_operation(
        TENANTS,
        "createTenant",
        create_tenant::QUERY,
        json!({"newTenant": {
            "name": "New tenant name",
            "partnerTenantID": "xxxxx",
            "labels": [{"name": "partner_only_label_name", "value": "label_value", "owner_partner_tenant_id": "xxxxx"}],
            "environments": ["echo", "pilot"]
        }}),
    );
    assert_eq!(created.id, "20001");
    assert_eq!(created.name, "New tenant name");
}

/// Mounts an `updateTenant` mock answering `tenant`, runs `call`, and returns the variables
/// sent.
async fn update_variables<F, Fut>(call: F) -> Value
where
    F: FnOnce(taegis_sdk::api::tenants::Tenants) -> Fut,
    Fut: std::future::Future<Output = Result<taegis_sdk::api::tenants::Tenant, Error>>,
{
    let server = MockServer::start().await;
    graphql(TENANTS, "updateTenant")
        .respond_with(data(
            json!({"updateTenant": tenant("xxxxx", "Updated Tenant Name")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let updated = call(client(&server).tenants()).await.unwrap();
    assert_eq!(updated.id, "xxxxx");
    let sent = only_sent(&server).await;
    sent.assert_operation(
        TENANTS,
        "updateTenant",
        update_tenant::QUERY,
        sent.variables.clone(),
    );
    sent.variables
}

#[tokio::test]
async fn update_helpers_send_the_guides_tenant_updates() {
    // Rename: `{name: "Updated Tenant Name"}`.
    assert_eq!(
        update_variables(|t| async move { t.rename("xxxxx", "Updated Tenant Name").await }).await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {"name": "Updated Tenant Name"}})
    );
    // Environments, several in one call.
    assert_eq!(
        update_variables(|t| async move {
            t.set_environments("xxxxx", &[("echo", false), ("delta", true)])
                .await
        })
        .await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {"environments": [
            {"name": "echo", "enabled": false},
            {"name": "delta", "enabled": true}
        ]}})
    );
    // Disable: `{disable: true}`.
    assert_eq!(
        update_variables(|t| async move { t.disable("xxxxx").await }).await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {"disable": true}})
    );
    // Expiry: `{expiresAt: "2023-12-31T00:00:00Z"}`.
    assert_eq!(
        update_variables(|t| async move { t.set_expiry("xxxxx", "2023-12-31T00:00:00Z").await })
            .await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {"expiresAt": "2023-12-31T00:00:00Z"}})
    );
    // Clear expiry: `{clearExpiration: true}`.
    assert_eq!(
        update_variables(|t| async move { t.clear_expiry("xxxxx").await }).await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {"clearExpiration": true}})
    );
    // The general update, as the guide's cURL: disable and clear the expiry at once.
    assert_eq!(
        update_variables(|t| async move {
            t.update(
                "xxxxx",
                TenantUpdateInput {
                    disable: Some(true),
                    clear_expiration: Some(true),
                    environments: Some(vec![Some(TenantEnvironmentUpdateInput {
                        // Not the `TenantEnvironment` re-exported by the facade (that one is
                        // createTenant's): the update input has its own generated enum.
                        name: Some(update_tenant::TenantEnvironment::Echo),
                        enabled: Some(true),
                    })]),
                    ..Default::default()
                },
            )
            .await
        })
        .await,
        json!({"tenantID": "xxxxx", "tenantUpdate": {
            "disable": true,
            "clearExpiration": true,
            "environments": [{"name": "echo", "enabled": true}]
        }})
    );
}

#[tokio::test]
async fn update_of_a_missing_tenant_is_not_found() {
    let server = MockServer::start().await;
    graphql(TENANTS, "updateTenant")
        .respond_with(data(json!({"updateTenant": null})))
        .mount(&server)
        .await;
    match client(&server).tenants().disable("404").await {
        Err(Error::NotFound { what }) => assert!(what.contains("404"), "{what}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

fn label(id: &str, name: &str, value: &str, owner: Option<&str>) -> Value {
    json!({"id": id, "tenant_id": "xxxxx", "name": name, "value": value, "owner_partner_tenant_id": owner})
}

#[tokio::test]
async fn labels_are_created_updated_and_deleted() {
    let server = MockServer::start().await;
    graphql(TENANTS, "createTenantLabel")
        .respond_with(data(
            json!({"createTenantLabel": label("l1", "test", "value", None)}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    graphql(TENANTS, "updateTenantLabel")
        .respond_with(data(
            json!({"updateTenantLabel": label("l1", "test", "other", Some("11772"))}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "deleteTenantLabel")
        .respond_with(data(
            json!({"deleteTenantLabel": label("l1", "test", "other", Some("11772"))}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let tenants = client(&server).tenants();
    let created = tenants
        .create_label("xxxxx", "test", "value", None)
        .await
        .unwrap();
    tenants
        .create_label("xxxxx", "partner_only", "v", Some("11772"))
        .await
        .unwrap();
    let updated = tenants
        .update_label("l1", "xxxxx", "test", "other", Some("11772"))
        .await
        .unwrap();
    let deleted = tenants.delete_label("l1", "xxxxx").await.unwrap();

    let sent = sent(&server).await;
    // The guide's createTenantLabel example: `{name: "test", value: "value"}`.
    sent[0].assert_operation(
        TENANTS,
        "createTenantLabel",
        create_tenant_label::QUERY,
        json!({"tenant_id": "xxxxx", "label_input": {"name": "test", "value": "value"}}),
    );
    sent[1].assert_operation(
        TENANTS,
        "createTenantLabel",
        create_tenant_label::QUERY,
        json!({"tenant_id": "xxxxx", "label_input": {"name": "partner_only", "value": "v", "owner_partner_tenant_id": "11772"}}),
    );
    sent[2].assert_operation(
        TENANTS,
        "updateTenantLabel",
        update_tenant_label::QUERY,
        json!({"label_id": "l1", "tenant_id": "xxxxx", "label_input": {"name": "test", "value": "other", "owner_partner_tenant_id": "11772"}}),
    );
    sent[3].assert_operation(
        TENANTS,
        "deleteTenantLabel",
        delete_tenant_label::QUERY,
        json!({"label_id": "l1", "tenant_id": "xxxxx"}),
    );

    assert_eq!(created.id, "l1");
    assert_eq!(created.tenant_id.as_deref(), Some("xxxxx"));
    assert_eq!(created.value.as_deref(), Some("value"));
    assert_eq!(created.owner_partner_tenant_id, None);
    assert_eq!(updated.value.as_deref(), Some("other"));
    assert_eq!(deleted.owner_partner_tenant_id.as_deref(), Some("11772"));
}

#[tokio::test]
async fn a_restricted_label_gives_the_apis_error() {
    let server = MockServer::start().await;
    graphql(TENANTS, "updateTenantLabel")
        .respond_with(graphql_errors(&[
            "label 'sw_managed' is restricted and cannot be modified",
        ]))
        .mount(&server)
        .await;
    graphql(TENANTS, "deleteTenantLabel")
        .respond_with(graphql_errors(&[
            "label 'sw_managed' is restricted and cannot be deleted",
        ]))
        .mount(&server)
        .await;
    let tenants = client(&server).tenants();
    let error = tenants
        .update_label("l9", "xxxxx", "sw_managed", "x", None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::GraphQl { .. }), "{error:?}");
    assert!(error.to_string().contains("restricted"), "{error}");
    let error = tenants.delete_label("l9", "xxxxx").await.unwrap_err();
    assert!(error.to_string().contains("restricted"), "{error}");
}

fn subscription(id: &str, name: &str) -> Value {
    json!({
        "id": id, "created_at": "2023-01-01T00:00:00Z", "updated_at": "2023-01-02T00:00:00Z",
        "name": name, "description": "Partner MDR", "owner_tenant_id": "11772",
        "requires_present_ids": null, "requires_absent_ids": null
    })
}

#[tokio::test]
async fn partner_subscriptions_are_created_updated_deleted_assigned_and_unassigned() {
    let sub_id = "1cb04358-0e00-4ffb-abc8-14ccbc7b42b0";
    let server = MockServer::start().await;
    graphql(TENANTS, "createSubscription")
        .respond_with(data(
            json!({"createSubscription": subscription(sub_id, "MDR")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "updateSubscription")
        .respond_with(data(
            json!({"updateSubscription": subscription(sub_id, "MDR Plus")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "deleteSubscription")
        .respond_with(data(
            json!({"deleteSubscription": subscription(sub_id, "MDR Plus")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut assigned = tenant("xxxxx", "Child");
    assigned["all_services"] = json!([{"id": "assignment-1", "service_id": sub_id, "name": "MDR"}]);
    graphql(TENANTS, "assignSubscription")
        .respond_with(data(json!({ "assignSubscription": assigned })))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "unassignSubscription")
        .respond_with(data(
            json!({"unassignSubscription": tenant("xxxxx", "Child")}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let tenants = client(&server).tenants();
    let created = tenants
        .create_subscription("MDR", Some("Partner MDR"), Some("11772"))
        .await
        .unwrap();
    let updated = tenants
        .update_subscription(sub_id, Some("MDR Plus"), None)
        .await
        .unwrap();
    tenants.delete_subscription(sub_id).await.unwrap();
    let with = tenants.assign_subscription("xxxxx", sub_id).await.unwrap();
    let without = tenants
        .unassign_subscription("xxxxx", sub_id)
        .await
        .unwrap();

    let sent = sent(&server).await;
    sent[0].assert_operation(
        TENANTS,
        "createSubscription",
        create_subscription::QUERY,
        json!({"input": {"name": "MDR", "description": "Partner MDR", "owner_tenant_id": "11772"}}),
    );
    sent[1].assert_operation(
        TENANTS,
        "updateSubscription",
        update_subscription::QUERY,
        json!({"input": {"id": sub_id, "name": "MDR Plus"}}),
    );
    sent[2].assert_operation(
        TENANTS,
        "deleteSubscription",
        delete_subscription::QUERY,
        json!({ "id": sub_id }),
    );
    // The guide's assignSubscription cURL variables.
    sent[3].assert_operation(
        TENANTS,
        "assignSubscription",
        assign_subscription::QUERY,
        json!({"tenant_id": "xxxxx", "subscription_id": "1cb04358-0e00-4ffb-abc8-14ccbc7b42b0"}),
    );
    sent[4].assert_operation(
        TENANTS,
        "unassignSubscription",
        unassign_subscription::QUERY,
        json!({"tenant_id": "xxxxx", "subscription_id": sub_id}),
    );

    assert_eq!(created.id, sub_id);
    assert_eq!(created.name, "MDR");
    assert_eq!(created.owner_tenant_id.as_deref(), Some("11772"));
    assert_eq!(updated.name, "MDR Plus");
    assert_eq!(with.all_services[0].id.as_deref(), Some("assignment-1"));
    assert!(without.all_services.is_empty());
}

#[tokio::test]
async fn deleting_an_assigned_subscription_gives_the_apis_error() {
    let server = MockServer::start().await;
    graphql(TENANTS, "deleteSubscription")
        .respond_with(graphql_errors(&["subscription is assigned to tenants"]))
        .mount(&server)
        .await;
    let error = client(&server)
        .tenants()
        .delete_subscription("s")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("assigned"), "{error}");
}

#[tokio::test]
async fn support_is_enabled_and_disabled() {
    let server = MockServer::start().await;
    let mut enabled = tenant("xxxxx", "Child");
    enabled["support_enabled"] = json!(true);
    graphql(TENANTS, "enableTenantSupport")
        .respond_with(data(json!({ "enableTenantSupport": enabled })))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "disableTenantSupport")
        .respond_with(data(
            json!({"disableTenantSupport": tenant("xxxxx", "Child")}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let tenants = client(&server).tenants();
    assert!(
        tenants
            .enable_support("xxxxx")
            .await
            .unwrap()
            .support_enabled
    );
    assert!(
        !tenants
            .disable_support("xxxxx")
            .await
            .unwrap()
            .support_enabled
    );

    let sent = sent(&server).await;
    // `enableTenantSupport($tenantID: ID! = "xxxxx")`
    sent[0].assert_operation(
        TENANTS,
        "enableTenantSupport",
        enable_tenant_support::QUERY,
        json!({"tenantID": "xxxxx"}),
    );
    sent[1].assert_operation(
        TENANTS,
        "disableTenantSupport",
        disable_tenant_support::QUERY,
        json!({"tenantID": "xxxxx"}),
    );
}

#[tokio::test]
async fn a_null_mutation_result_is_not_found() {
    let server = MockServer::start().await;
    for op in [
        "createTenant",
        "createTenantLabel",
        "updateTenantLabel",
        "deleteTenantLabel",
        "createSubscription",
        "updateSubscription",
        "deleteSubscription",
        "assignSubscription",
        "unassignSubscription",
        "enableTenantSupport",
        "disableTenantSupport",
    ] {
        graphql(TENANTS, op)
            .respond_with(data(json!({ op: null })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = client(&server).tenants();
    let results = [
        t.create(TenantCreateInput::default()).await.map(|_| ()),
        t.create_label("x", "n", "v", None).await.map(|_| ()),
        t.update_label("l", "x", "n", "v", None).await.map(|_| ()),
        t.delete_label("l", "x").await.map(|_| ()),
        t.create_subscription("n", None, None).await.map(|_| ()),
        t.update_subscription("s", None, None).await.map(|_| ()),
        t.delete_subscription("s").await.map(|_| ()),
        t.assign_subscription("x", "s").await.map(|_| ()),
        t.unassign_subscription("x", "s").await.map(|_| ()),
        t.enable_support("x").await.map(|_| ()),
        t.disable_support("x").await.map(|_| ()),
    ];
    for result in results {
        assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
    }
}

/// A `tenants` mock for exactly these variables.
async fn mount_tenants_page(server: &MockServer, variables: Value, answer: ResponseTemplate) {
    graphql(TENANTS, "tenants")
        .and(VariablesAre(variables))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

fn cursors_sent(sent: &[Sent]) -> Vec<Value> {
    sent.iter()
        .map(|s| {
            assert_eq!(s.operation_name, json!("tenants"));
            s.variables["tenantsQuery"]
                .get("cursorPos")
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect()
}

#[tokio::test]
async fn stream_follows_the_cursor_over_three_pages_then_ends() {
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2, "name": "%acme%"}}),
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2, "name": "%acme%", "cursorPos": "c1"}}),
        data(tenants_page(&["3", "4"], Some("c2"), true)),
    )
    .await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2, "name": "%acme%", "cursorPos": "c2"}}),
        data(tenants_page(&["5"], Some("c3"), false)),
    )
    .await;

    let items = drain(client(&server).tenants().stream(TenantsQuery {
        name: Some("%acme%".into()),
        max_results: Some(2),
        // Page numbers make no sense while following the cursor: dropped.
        page_num: Some(7),
        ..Default::default()
    }))
    .await;

    assert_eq!(tenant_ids(&items), ["1", "2", "3", "4", "5"]);
    assert_eq!(items[4].as_ref().unwrap().name, "Tenant 5");
    assert_eq!(
        cursors_sent(&sent(&server).await),
        [Value::Null, json!("c1"), json!("c2")]
    );
}

#[tokio::test]
async fn stream_starts_at_the_given_cursor_with_100_per_page_by_default() {
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 100, "cursorPos": "aWR8MTAwMzc="}}),
        data(tenants_page(&["10038"], Some("aWR8MTAwMzg="), false)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery {
        cursor_pos: Some("aWR8MTAwMzc=".into()),
        ..Default::default()
    }))
    .await;
    assert_eq!(tenant_ids(&items), ["10038"]);
}

#[tokio::test]
async fn stream_ends_with_the_error_of_page_two() {
    for failure in [
        graphql_errors(&["tenants backend unavailable"]),
        ResponseTemplate::new(500).set_body_string("upstream failed"),
    ] {
        let server = MockServer::start().await;
        mount_tenants_page(
            &server,
            json!({"tenantsQuery": {"maxResults": 2}}),
            data(tenants_page(&["1", "2"], Some("c1"), true)),
        )
        .await;
        mount_tenants_page(
            &server,
            json!({"tenantsQuery": {"maxResults": 2, "cursorPos": "c1"}}),
            failure,
        )
        .await;

        let items = drain(client(&server).tenants().stream(TenantsQuery {
            max_results: Some(2),
            ..Default::default()
        }))
        .await;

        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(tenant_ids(&items[..2]), ["1", "2"]);
        match &items[2] {
            Err(Error::GraphQl { errors, .. }) => {
                assert_eq!(errors[0].message, "tenants backend unavailable")
            }
            Err(Error::Http { status, .. }) => assert_eq!(*status, 500),
            other => panic!("expected the page-2 error, got {other:?}"),
        }
        assert_eq!(sent(&server).await.len(), 2);
    }
}

#[tokio::test]
async fn stream_of_an_empty_result_is_empty() {
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 100}}),
        data(tenants_page(&[], None, false)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery::default())).await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn stream_stops_on_a_repeated_cursor() {
    // Page 2 answers the cursor it was given: the server is not moving forward, and the page
    // repeats (at least) the last tenant of page 1. The stream ends there, each tenant once.
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2}}),
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2, "cursorPos": "c1"}}),
        data(tenants_page(&["1", "2"], Some("c1"), true)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery {
        max_results: Some(2),
        ..Default::default()
    }))
    .await;
    assert_eq!(tenant_ids(&items), ["1", "2"]);
    assert_eq!(
        cursors_sent(&sent(&server).await),
        [Value::Null, json!("c1")]
    );

    // Also when the cursor given to start from comes straight back.
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2, "cursorPos": "c9"}}),
        data(tenants_page(&["9"], Some("c9"), true)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery {
        max_results: Some(2),
        cursor_pos: Some("c9".into()),
        ..Default::default()
    }))
    .await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(sent(&server).await.len(), 1);
}

#[tokio::test]
async fn stream_stops_when_more_is_claimed_without_a_cursor_or_results() {
    // hasMore with no cursor to follow.
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2}}),
        data(tenants_page(&["1", "2"], None, true)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery {
        max_results: Some(2),
        ..Default::default()
    }))
    .await;
    assert_eq!(tenant_ids(&items), ["1", "2"]);

    // hasMore with an empty page.
    let server = MockServer::start().await;
    mount_tenants_page(
        &server,
        json!({"tenantsQuery": {"maxResults": 2}}),
        data(tenants_page(&[], Some("c1"), true)),
    )
    .await;
    let items = drain(client(&server).tenants().stream(TenantsQuery {
        max_results: Some(2),
        ..Default::default()
    }))
    .await;
    assert!(items.is_empty());
    assert_eq!(sent(&server).await.len(), 1);
}
