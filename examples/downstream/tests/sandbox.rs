//! The downstream operation runs against the sandbox through taegis-sdk's client.

use taegis_sandbox::Sandbox;

#[tokio::test]
async fn generated_operation_runs_through_the_sdk_transport() {
    let sandbox = Sandbox::builder().tenants(40).start().await.unwrap();
    let client = taegis_sdk::Client::builder()
        .api_url(sandbox.base_url())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .tenant_id(sandbox.tenant_id())
        .build()
        .unwrap();
    let names = taegis_downstream_example::all_tenant_names(&client, 7)
        .await
        .unwrap();
    assert!(names.len() >= 30, "the child tenants: {}", names.len());
    let sorted = {
        let mut sorted: Vec<String> = names.iter().map(|(_, name)| name.clone()).collect();
        sorted.sort();
        sorted
    };
    assert_eq!(
        names.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>(),
        sorted,
        "ordered by name"
    );
    let unique: std::collections::HashSet<_> = names.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), names.len(), "each tenant once");
    assert!(
        names.iter().all(|(id, _)| id != sandbox.tenant_id()),
        "isPartner: false leaves the partner out"
    );
}
