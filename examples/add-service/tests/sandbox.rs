//! Step 5: the two generated operations, through taegis-sdk's client over real HTTP, against a
//! sandbox on 127.0.0.1 that serves them with the `Domains` service.

mod domains;

use domains::Domains;
use taegis_add_service_example::{register, registered};
use taegis_sandbox::Sandbox;

/// A client of the sandbox's bootstrap administrator, in the context of `tenant`.
fn client(sandbox: &Sandbox, tenant: &str) -> taegis_sdk::Client {
    taegis_sdk::Client::builder()
        .api_url(sandbox.base_url())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .tenant_id(tenant)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_registered_domain_is_listed_for_its_tenant_only() {
    // The one line that adds the service.
    let sandbox = Sandbox::builder()
        .tenants(5)
        .service(Domains::default())
        .start()
        .await
        .unwrap();
    let (shop, other) = (client(&sandbox, "10001"), client(&sandbox, "10002"));
    assert_eq!(registered(&shop).await.unwrap(), Vec::<String>::new());

    let created = register(&shop, "Shop.Example").await.unwrap();
    assert_eq!(created.domain.as_deref(), Some("shop.example"));
    assert_eq!(created.tenant_id.as_deref(), Some("10001"));
    assert_eq!(created.verified, Some(false));
    assert!(created
        .verification_txt
        .is_some_and(|txt| txt.starts_with("taegis-domain-verification=")));

    assert_eq!(registered(&shop).await.unwrap(), ["shop.example"]);
    assert_eq!(registered(&other).await.unwrap(), Vec::<String>::new());
    // The seeded domain of the bootstrap partner, and nothing registered below it.
    let partner = client(&sandbox, sandbox.tenant_id());
    assert_eq!(
        registered(&partner).await.unwrap(),
        ["sandbox-partner.example"]
    );

    // The service's own errors come back as GraphQL errors.
    let again = register(&shop, "shop.example").await.unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already registered to tenant 10001"),
        "{again}"
    );
    let stats = sandbox.stats();
    assert_eq!(stats.operation("registerDomain"), 2);
    assert_eq!(stats.operation("registeredDomains"), 4);
}
