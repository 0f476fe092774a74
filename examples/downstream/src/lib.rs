//! A downstream crate with its own compile-time checked operation, run through taegis-sdk's
//! transport with no glue code.

taegis_sdk::include_operations!(tenants);

use tenants::{tenant_names, TenantNames};

/// Every child tenant's `(id, name)`, by name, following the cursor page after page.
pub async fn all_tenant_names(
    client: &taegis_sdk::Client,
    page_size: i64,
) -> Result<Vec<(String, String)>, taegis_sdk::Error> {
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let page = client
            .execute::<TenantNames>(tenant_names::Variables {
                first: page_size,
                after: after.take(),
            })
            .await?
            .tenants
            .ok_or_else(|| taegis_sdk::Error::NotFound {
                what: "tenants".into(),
            })?;
        names.extend(
            page.results
                .into_iter()
                .map(|tenant| (tenant.id, tenant.name)),
        );
        match page.cursor_pos {
            Some(cursor) if page.has_more => after = Some(cursor),
            _ => return Ok(names),
        }
    }
}
