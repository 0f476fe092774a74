//! Root fields of the tenants schema the sandbox answers with nothing: empty lists and an
//! empty audit page, so clients that read them get a well-formed answer. A registered service
//! can take any of them over (the add-service example does so for `registeredDomains`).

use super::FieldResult;
use crate::service::{Context, Service};
use serde_json::{json, Value};
use taegis_sdk_codegen::Endpoint;

/// `audits`, `serviceEvents`, `requestableServices` and `registeredDomains`, always empty.
pub(crate) struct EmptyLists;

impl Service for EmptyLists {
    fn name(&self) -> &str {
        "empty lists"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const T: Endpoint = Endpoint::TENANTS;
        &[
            (T, "audits"),
            (T, "serviceEvents"),
            (T, "requestableServices"),
            (T, "registeredDomains"),
        ]
    }

    fn resolve(&self, _ctx: &mut Context<'_>, field: &str, _args: &Value) -> FieldResult {
        match field {
            "audits" => Ok(
                json!({"cursorPos": null, "count": 0, "hasMore": false, "totalCount": 0, "results": []}),
            ),
            _ => Ok(json!([])),
        }
    }
}
