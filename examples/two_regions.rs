//! Two regions in one program, each with its own credentials, as the Python SDK guide sets
//! them up. Once (in Python or with `taegis config set-var`):
//!
//! ```text
//! write_to_config("US1", "CLIENT_ID", "US1_CLIENT_ID"); write_to_config("US1", "CLIENT_SECRET", "US1_CLIENT_SECRET")
//! write_to_config("eu", "CLIENT_ID", "EU_CLIENT_ID");   write_to_config("eu", "CLIENT_SECRET", "EU_CLIENT_SECRET")
//! ```
//!
//! then run with US1_CLIENT_ID, US1_CLIENT_SECRET, EU_CLIENT_ID and EU_CLIENT_SECRET set:
//! `cargo run --example two_regions`.

use taegis_sdk::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let us1 = Client::builder()
        .environment("US1")
        .credential_chain()
        .build()?;
    let eu = Client::builder()
        .environment("eu")
        .credential_chain()
        .build()?;
    println!("US1 credentials: {}", us1.config().credential_source());
    println!("EU credentials: {}", eu.config().credential_source());
    let (a, b) = tokio::join!(us1.access_token(), eu.access_token());
    println!(
        "US1 token until {:?}, EU token until {:?}",
        a?.expires_at(),
        b?.expires_at()
    );
    Ok(())
}
