//! The README's "Using the library" example: list the API clients of a tenant.
//!
//! ```sh
//! CLIENT_ID=... CLIENT_SECRET=... TAEGIS_ENVIRONMENT=us1 TAEGIS_TENANT_ID=12345 \
//!     cargo run --example list_clients
//! ```

use taegis_sdk::ops::main::{clients_search, ClientsSearch};

#[tokio::main]
async fn main() -> Result<(), taegis_sdk::Error> {
    // CLIENT_ID / CLIENT_SECRET (or TAEGIS_ACCESS_TOKEN), TAEGIS_ENVIRONMENT, TAEGIS_TENANT_ID.
    let client = taegis_sdk::Client::from_env()?;
    let found = client
        .execute::<ClientsSearch>(clients_search::Variables { filters: None })
        .await?;
    let results = found
        .clients_search
        .and_then(|s| s.results)
        .unwrap_or_default();
    for c in results.into_iter().flatten() {
        println!(
            "{}\t{}",
            c.client_id.unwrap_or_default(),
            c.name.unwrap_or_default()
        );
    }
    Ok(())
}
