//! Shared helpers of the facade tests: a client pointed at a wiremock server on 127.0.0.1,
//! matchers on the GraphQL body, and a view of what was sent.
#![allow(dead_code)]

use serde_json::{json, Value};
use taegis_sdk::{Client, RetryConfig};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// Path of the main GraphQL endpoint.
pub const MAIN: &str = "/graphql";
/// Path of the tenants GraphQL endpoint.
pub const TENANTS: &str = "/public/query";

/// A client whose main and tenants base URLs are the mock server, with a static token and
/// no retries (so an error answer is seen once).
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_url(server.uri())
        .tenants_url(server.uri())
        .access_token("test-token")
        .retry_config(RetryConfig::disabled())
        .build()
        .expect("client")
}

/// Matches a GraphQL request by its `operationName`.
pub struct OperationIs(pub &'static str);

impl Match for OperationIs {
    fn matches(&self, request: &Request) -> bool {
        body(request)
            .and_then(|b| b.get("operationName").cloned())
            .is_some_and(|name| name == self.0)
    }
}

/// Matches a GraphQL request whose `variables` are exactly the given JSON.
pub struct VariablesAre(pub Value);

impl Match for VariablesAre {
    fn matches(&self, request: &Request) -> bool {
        body(request)
            .map(|b| b.get("variables").cloned().unwrap_or(Value::Null))
            .is_some_and(|v| v == self.0)
    }
}

fn body(request: &Request) -> Option<Value> {
    serde_json::from_slice(&request.body).ok()
}

/// A mock for `POST <endpoint>` with the given operation name.
pub fn graphql(endpoint: &'static str, operation: &'static str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(endpoint))
        .and(OperationIs(operation))
}

/// A 200 answer `{"data": data}`.
pub fn data(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": data }))
}

/// A 200 answer with GraphQL errors and `data: null`.
pub fn graphql_errors(messages: &[&str]) -> ResponseTemplate {
    let errors: Vec<Value> = messages.iter().map(|m| json!({ "message": m })).collect();
    ResponseTemplate::new(200).set_body_json(json!({ "data": null, "errors": errors }))
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub path: String,
    pub operation_name: Value,
    pub variables: Value,
    pub query: String,
    pub tenant: Option<String>,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ascii header").to_owned())
}

/// Every request the server received, in order.
pub async fn sent(server: &MockServer) -> Vec<Sent> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .map(|request| {
            let body = body(request).unwrap_or(Value::Null);
            Sent {
                method: request.method.to_string(),
                path: request.url.path().to_owned(),
                operation_name: body.get("operationName").cloned().unwrap_or(Value::Null),
                variables: body.get("variables").cloned().unwrap_or(Value::Null),
                query: body
                    .get("query")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                tenant: header(request, "x-tenant-context"),
                authorization: header(request, "authorization"),
                content_type: header(request, "content-type"),
            }
        })
        .collect()
}

/// The one request the server received (fails when there were more or none).
pub async fn only_sent(server: &MockServer) -> Sent {
    let mut all = sent(server).await;
    assert_eq!(all.len(), 1, "expected exactly one request, got {all:#?}");
    all.remove(0)
}

impl Sent {
    /// Asserts the endpoint, the operation (name and document) and the exact variables.
    #[track_caller]
    pub fn assert_operation(&self, endpoint: &str, operation: &str, document: &str, vars: Value) {
        assert_eq!(self.method, "POST");
        assert_eq!(self.path, endpoint, "endpoint of {operation}");
        assert_eq!(self.operation_name, json!(operation));
        assert_eq!(self.query, document, "document of {operation}");
        assert_eq!(self.variables, vars, "variables of {operation}");
        assert_eq!(self.authorization.as_deref(), Some("Bearer test-token"));
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
    }
}

/// An API client as every client operation selects it (non-deprecated field names).
pub fn api_client(id: &str, name: &str, client_id: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "clientID": client_id,
        "roles": "tenantAnalyst",
        "tenantID": "50530",
        "ownerTenantID": null,
        "environment": "production",
        "enabled": true,
        "createdAt": "2023-04-17T14:26:44.821551Z",
        "updatedAt": "2023-04-17T14:26:44.821551Z",
        "createdBy": "0000",
        "updatedBy": "0000",
        "tokenRequestTime": null,
        "tokenRequestCount": 0,
        "roleAssignments": [{
            "id": "ca5928cf-7481-416a-8c53-1de4197f3593",
            "tenantID": "50530",
            "roleID": "a4903f9f-465b-478f-a24e-82fa2e129d2e",
            "roleName": "TenantAnalyst",
            "expiresAt": null
        }]
    })
}

/// A tenant as every tenant operation selects it.
pub fn tenant(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "enabled": true,
        "description": null,
        "domain": null,
        "expires_at": null,
        "created_at": "2022-03-23T15:15:37Z",
        "updated_at": "2022-03-23T15:15:37Z",
        "name_normalized": name.to_lowercase(),
        "domain_normalized": null,
        "allow_response_actions": false,
        "actions_approver": null,
        "parent": "11772",
        "partner": "11772",
        "organization": null,
        "partner_name": "Partner",
        "organization_name": null,
        "is_partner": false,
        "is_organization": false,
        "support_enabled": false,
        "enabled_in_production": true,
        "enabled_in_pilot": false,
        "post_disablement_complete": null,
        "data_retention_months": 12,
        "labels": [],
        "environments": [
            {"id": "e1", "name": "echo", "enabled": true, "tenant_id": id,
             "created_at": "2022-03-23T15:15:37Z", "updated_at": "2022-03-23T15:15:37Z"}
        ],
        "all_services": []
    })
}

/// A tenants page.
pub fn tenants_page(ids: &[&str], cursor: Option<&str>, has_more: bool) -> Value {
    let results: Vec<Value> = ids
        .iter()
        .map(|id| tenant(id, &format!("Tenant {id}")))
        .collect();
    json!({
        "tenants": {
            "cursorPos": cursor,
            "count": results.len(),
            "hasMore": has_more,
            "totalCount": null,
            "results": results
        }
    })
}

/// A clientsSearch page.
pub fn clients_page(ids: &[&str], total: Option<i64>) -> Value {
    let results: Vec<Value> = ids
        .iter()
        .map(|id| api_client(id, &format!("client-{id}"), &format!("cid-{id}")))
        .collect();
    json!({
        "clientsSearch": {
            "result_count": results.len(),
            "totalCount": total,
            "totalUnfilteredCount": total,
            "results": results
        }
    })
}
