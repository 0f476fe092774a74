//! Prints every child tenant, using the credentials and region from the environment
//! (`CLIENT_ID`, `CLIENT_SECRET`, `TAEGIS_ENVIRONMENT` or `TAEGIS_API_URL`, `TAEGIS_TENANT_ID`).

#[tokio::main]
async fn main() -> Result<(), taegis_sdk::Error> {
    let client = taegis_sdk::Client::from_env()?;
    for (id, name) in taegis_downstream_example::all_tenant_names(&client, 100).await? {
        println!("{id}\t{name}");
    }
    Ok(())
}
