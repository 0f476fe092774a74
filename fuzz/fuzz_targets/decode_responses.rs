//! Response decoding: any bytes as the `data` or whole body of a GraphQL answer, decoded into
//! every public response type (facade types, generated `ResponseData`, GraphQL errors, the
//! service version). Nothing may panic, and a decoded new client never shows its secret in
//! `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use taegis_sdk::api::clients::{ApiClient, NewApiClient};
use taegis_sdk::api::tenants::{Tenant, TenantPage};
use taegis_sdk::ops::main::{clients, create_client, rotate_client_secret};
use taegis_sdk::ops::tenants::tenants;
use taegis_sdk::{GraphQlError, ServiceVersion};

fn decode(value: &Value) {
    let _ = serde_json::from_value::<Tenant>(value.clone());
    let _ = serde_json::from_value::<TenantPage>(value.clone());
    let _ = serde_json::from_value::<ApiClient>(value.clone());
    let _ = serde_json::from_value::<ServiceVersion>(value.clone());
    let _ = serde_json::from_value::<Vec<GraphQlError>>(value.clone()).map(|errors| {
        for e in errors {
            let _ = e.to_string();
            let _ = e.looks_like_permission_failure();
        }
    });
    let _ = serde_json::from_value::<clients::ResponseData>(value.clone());
    let _ = serde_json::from_value::<create_client::ResponseData>(value.clone());
    let _ = serde_json::from_value::<rotate_client_secret::ResponseData>(value.clone());
    let _ = serde_json::from_value::<tenants::ResponseData>(value.clone());
    if let Ok(new) = serde_json::from_value::<NewApiClient>(value.clone()) {
        let secret = new.secret.expose_secret();
        if secret.len() >= 8 {
            assert!(!format!("{new:?}").contains(secret), "secret in Debug");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The body as the server sent it, then each member of the envelope.
    let _ = serde_json::from_slice::<TenantPage>(data);
    let _ = serde_json::from_slice::<NewApiClient>(data);
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    decode(&value);
    if let Value::Object(envelope) = &value {
        for member in envelope.values() {
            decode(member);
            if let Value::Object(fields) = member {
                for field in fields.values() {
                    decode(field);
                }
            }
        }
    }
});
