//! A downstream crate with its own compile-time checked operation, run through taegis-sdk's
//! transport with no glue code, and paged with taegis-sdk's paginator.

taegis_sdk::include_operations!(tenants);

use futures_util::TryStreamExt;
use taegis_sdk::{CursorPage, Paginator};
use tenants::{tenant_names, TenantNames};

/// Every child tenant's `(id, name)`, by name, one page of `page_size` at a time: a lazy
/// stream that follows the cursor.
pub fn tenant_names(client: &taegis_sdk::Client, page_size: i64) -> Paginator<(String, String)> {
    let client = client.clone();
    Paginator::cursor(None, move |after: Option<String>| {
        let client = client.clone();
        async move {
            let page = client
                .execute::<TenantNames>(tenant_names::Variables {
                    first: page_size,
                    after,
                })
                .await?
                .tenants
                .ok_or_else(|| taegis_sdk::Error::NotFound {
                    what: "tenants".into(),
                })?;
            let names = page
                .results
                .into_iter()
                .map(|tenant| (tenant.id, tenant.name))
                .collect();
            let next = if page.has_more { page.cursor_pos } else { None };
            Ok(CursorPage::new(names, next))
        }
    })
}

/// Every child tenant's `(id, name)`, by name.
pub async fn all_tenant_names(
    client: &taegis_sdk::Client,
    page_size: i64,
) -> Result<Vec<(String, String)>, taegis_sdk::Error> {
    tenant_names(client, page_size).items().try_collect().await
}
