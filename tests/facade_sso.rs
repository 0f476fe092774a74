//! `client.sso()` over real HTTP on the tenants endpoint (`/public/query`) with
//! `X-Tenant-Context`: the operation and exact variables of every method, compared with the
//! SSO section of the tenants guide (seed 003), and the decoding of its answers.

#[path = "facade_common/mod.rs"]
mod common;

use common::*;
use serde_json::{json, Value};
use taegis_sdk::api::sso::{
    ConfigSource, ConnectionConfiguration, NewSsoConnectionInput, SamlConfiguration,
    SsoConnectionStatus, SsoConnectionType, TenantSsoConnectionQueryInput,
    UpdateSsoConnectionInput,
};
use taegis_sdk::ops::tenants::{
    create_sso_connection, delete_sso_connection, get_sso_connection, get_sso_connection_config,
    sso_connections, update_sso_connection,
};
use taegis_sdk::{Client, Error, RetryConfig};
use wiremock::MockServer;

const TENANT: &str = "12345";

/// A client with a default tenant context, as the guide's SSO calls need.
fn sso_client(server: &MockServer) -> Client {
    Client::builder()
        .api_url(server.uri())
        .tenants_url(server.uri())
        .access_token("test-token")
        .tenant_id(TENANT)
        .retry_config(RetryConfig::disabled())
        .build()
        .unwrap()
}

/// A connection as every SSO operation selects it.
fn connection(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "name": "corp-saml",
        "type": "saml",
        "status": status,
        "externalName": "corp-saml-ext",
        "environment": "production",
        "externalID": "con_abc123",
        "tenantID": TENANT,
        "updatedAt": "2024-01-02T00:00:00Z",
        "createdAt": "2024-01-01T00:00:00Z",
        "metadataFileName": null,
        "certName": "issuer.pem",
        "expiresAt": "2026-01-01T00:00:00Z",
        "notBefore": "2024-01-01T00:00:00Z",
        "issuer": "CN=idp.example.com",
        "subject": "CN=idp.example.com",
        "domains": ["example.com", null],
        "testers": ["tester1@example.com"],
        "noPromptLoginURL": "https://ctpx.secureworks.com/login?connection=con_abc123",
        "externalProvider": null,
        "ssoConnectionParameters": {
            "postBackURL": "https://auth.example.taegis/login/callback?connection=con_abc123",
            "entityID": "urn:auth0:taegis:con_abc123",
            "metadataURL": "https://auth.example.taegis/samlp/metadata?connection=con_abc123",
            "callbackURL": null,
            "inputMetadataURL": null
        },
        "ssoConnectionIDPConfig": {
            "samlConnectionConfiguration": {
                "signingCert": "MIIC...",
                "signInEndpoint": "https://idp.example.com/sso",
                "metadataURL": "https://idp.example.com/metadata",
                "inputMetadataURL": "https://idp.example.com/metadata"
            },
            "azureADConnectionConfiguration": null
        }
    })
}

#[tokio::test]
async fn create_sends_the_guides_new_connection_in_the_tenant_context() {
    let server = MockServer::start().await;
    graphql(TENANTS, "createSSOConnection")
        .respond_with(data(
            json!({"createSSOConnection": connection("sso-1", "Draft")}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let draft = sso_client(&server)
        .sso()
        .create("corp-saml", &["example.com"], &["tester1@example.com"])
        .await
        .unwrap();

    let sent = only_sent(&server).await;
    // The guide's variables (`name`, `type: "saml"`, `domains`, `testers`), as the input
    // object of our operation.
    sent.assert_operation(
        TENANTS,
        "createSSOConnection",
        create_sso_connection::QUERY,
        json!({"newConnection": {
            "name": "corp-saml",
            "type": "saml",
            "domains": ["example.com"],
            "testers": ["tester1@example.com"]
        }}),
    );
    assert_eq!(sent.tenant.as_deref(), Some(TENANT));

    assert_eq!(draft.id, "sso-1");
    assert_eq!(draft.name, "corp-saml");
    assert_eq!(draft.connection_type.as_deref(), Some("saml"));
    assert_eq!(draft.status.as_deref(), Some("Draft"));
    assert_eq!(draft.external_id.as_deref(), Some("con_abc123"));
    assert_eq!(draft.external_name.as_deref(), Some("corp-saml-ext"));
    assert_eq!(draft.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(draft.domains, ["example.com"], "null domains are dropped");
    assert_eq!(draft.testers, ["tester1@example.com"]);
    let parameters = draft.parameters.as_ref().unwrap();
    assert_eq!(
        parameters.post_back_url.as_deref(),
        Some("https://auth.example.taegis/login/callback?connection=con_abc123")
    );
    assert_eq!(
        parameters.entity_id.as_deref(),
        Some("urn:auth0:taegis:con_abc123")
    );
    let saml = draft
        .identity_provider
        .as_ref()
        .and_then(|i| i.saml.as_ref())
        .unwrap();
    assert_eq!(
        saml.sign_in_endpoint.as_deref(),
        Some("https://idp.example.com/sso")
    );
    assert!(draft.identity_provider.as_ref().unwrap().azure_ad.is_none());
}

#[tokio::test]
async fn create_without_testers_omits_them_and_create_with_sends_the_whole_input() {
    let server = MockServer::start().await;
    graphql(TENANTS, "createSSOConnection")
        .respond_with(data(
            json!({"createSSOConnection": connection("sso-1", "Draft")}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let sso = client(&server).with_tenant("67890").unwrap().sso();
    sso.create("corp-saml", &["example.com", "example.org"], &[])
        .await
        .unwrap();
    sso.create_with(NewSsoConnectionInput {
        name: "corp-saml".into(),
        domains: vec!["example.com".into()],
        testers: None,
        type_: SsoConnectionType::Saml,
        // createSSOConnection's own generated input types: the facade re-exports the
        // updateSSOConnection ones under these names.
        connection_configuration: Some(create_sso_connection::ConnectionConfiguration {
            saml_configuration: Some(create_sso_connection::SamlssoConfiguration {
                metadata_url: Some("https://idp.example.com/metadata".into()),
                ..Default::default()
            }),
        }),
        external_provider: None,
        auth0_domain_type: None,
    })
    .await
    .unwrap();

    let sent = sent(&server).await;
    sent[0].assert_operation(
        TENANTS,
        "createSSOConnection",
        create_sso_connection::QUERY,
        json!({"newConnection": {"name": "corp-saml", "type": "saml", "domains": ["example.com", "example.org"]}}),
    );
    sent[1].assert_operation(
        TENANTS,
        "createSSOConnection",
        create_sso_connection::QUERY,
        json!({"newConnection": {
            "name": "corp-saml", "type": "saml", "domains": ["example.com"],
            "connectionConfiguration": {"samlConfiguration": {"metadataURL": "https://idp.example.com/metadata"}}
        }}),
    );
    assert!(sent.iter().all(|s| s.tenant.as_deref() == Some("67890")));
}

fn config_answer() -> Value {
    json!({"getSSOConnectionConfig": {
        "expiresAt": "2026-01-01T00:00:00Z",
        "notBefore": "2024-01-01T00:00:00Z",
        "issuer": "CN=idp.example.com",
        "subject": "CN=idp.example.com",
        "ssoConnectionConfiguration": {
            "samlConnectionConfiguration": {
                "signingCert": "MIIC...",
                "signInEndpoint": "https://idp.example.com/sso",
                "metadataURL": "https://idp.example.com/metadata",
                "inputMetadataURL": "https://idp.example.com/metadata"
            },
            "azureADConnectionConfiguration": null
        }
    }})
}

#[tokio::test]
async fn get_config_sends_only_the_source_given() {
    let server = MockServer::start().await;
    graphql(TENANTS, "getSSOConnectionConfig")
        .respond_with(data(config_answer()))
        .expect(3)
        .mount(&server)
        .await;
    let sso = sso_client(&server).sso();

    let config = sso
        .get_config(ConfigSource::MetadataUrl("metadata_url".into()))
        .await
        .unwrap();
    sso.get_config(ConfigSource::Certificate(
        "-----BEGIN CERTIFICATE-----".into(),
    ))
    .await
    .unwrap();
    sso.get_config(ConfigSource::MetadataXml("<EntityDescriptor/>".into()))
        .await
        .unwrap();

    let sent = sent(&server).await;
    // The guide's example: only `metadataURL` (`$metadataURL: String = "metadata_url"`).
    sent[0].assert_operation(
        TENANTS,
        "getSSOConnectionConfig",
        get_sso_connection_config::QUERY,
        json!({"metadataURL": "metadata_url"}),
    );
    assert_eq!(sent[0].tenant.as_deref(), Some(TENANT));
    assert_eq!(
        sent[1].variables,
        json!({"cert": "-----BEGIN CERTIFICATE-----"})
    );
    assert_eq!(
        sent[2].variables,
        json!({"metadataXML": "<EntityDescriptor/>"})
    );

    assert_eq!(config.expires_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(config.not_before.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(config.issuer.as_deref(), Some("CN=idp.example.com"));
    assert_eq!(config.subject.as_deref(), Some("CN=idp.example.com"));
    let saml = config.configuration.unwrap().saml.unwrap();
    assert_eq!(saml.signing_cert.as_deref(), Some("MIIC..."));
    assert_eq!(
        saml.sign_in_endpoint.as_deref(),
        Some("https://idp.example.com/sso")
    );
}

#[tokio::test]
async fn config_source_refuses_two_sources_before_anything_is_sent() {
    let server = MockServer::start().await;
    graphql(TENANTS, "getSSOConnectionConfig")
        .respond_with(data(config_answer()))
        .expect(0)
        .mount(&server)
        .await;
    let _sso = sso_client(&server).sso();

    for (url, xml, cert) in [
        (Some("https://idp.example.com/metadata"), None, Some("PEM")),
        (
            Some("https://idp.example.com/metadata"),
            Some("<xml/>"),
            None,
        ),
        (None, Some("<xml/>"), Some("PEM")),
        (Some("u"), Some("x"), Some("c")),
        (None, None, None),
    ] {
        let result = ConfigSource::from_options(
            url.map(str::to_owned),
            xml.map(str::to_owned),
            cert.map(str::to_owned),
        );
        match result {
            Err(Error::Config { message }) => assert!(
                message.contains("metadata URL") && message.contains("certificate"),
                "{message}"
            ),
            other => panic!("({url:?}, {xml:?}, {cert:?}) gave {other:?}"),
        }
    }
    assert_eq!(sent(&server).await.len(), 0, "nothing was sent");

    assert_eq!(
        ConfigSource::from_options(Some("u".into()), None, None).unwrap(),
        ConfigSource::MetadataUrl("u".into())
    );
    assert_eq!(
        ConfigSource::from_options(None, Some("x".into()), None).unwrap(),
        ConfigSource::MetadataXml("x".into())
    );
    assert_eq!(
        ConfigSource::from_options(None, None, Some("c".into())).unwrap(),
        ConfigSource::Certificate("c".into())
    );
}

/// Runs `call` against an `updateSSOConnection` mock and returns the variables sent.
async fn update_variables<F, Fut>(call: F) -> Value
where
    F: FnOnce(taegis_sdk::api::sso::Sso) -> Fut,
    Fut: std::future::Future<Output = Result<taegis_sdk::api::sso::SsoConnection, Error>>,
{
    let server = MockServer::start().await;
    graphql(TENANTS, "updateSSOConnection")
        .respond_with(data(
            json!({"updateSSOConnection": connection("connection_id", "Testing")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let updated = call(sso_client(&server).sso()).await.unwrap();
    assert_eq!(updated.id, "connection_id");
    let sent = only_sent(&server).await;
    sent.assert_operation(
        TENANTS,
        "updateSSOConnection",
        update_sso_connection::QUERY,
        sent.variables.clone(),
    );
    assert_eq!(sent.tenant.as_deref(), Some(TENANT));
    sent.variables
}

#[tokio::test]
async fn update_helpers_send_the_guides_updates() {
    // Enable: `{id: "connection_id", status: "Enabled"}`.
    assert_eq!(
        update_variables(|sso| async move {
            sso.set_status("connection_id", SsoConnectionStatus::Enabled)
                .await
        })
        .await,
        json!({"updatedConnection": {"id": "connection_id", "status": "Enabled"}})
    );
    for (status, text) in [
        (SsoConnectionStatus::Testing, "Testing"),
        (SsoConnectionStatus::Disabled, "Disabled"),
    ] {
        assert_eq!(
            update_variables(|sso| async move { sso.set_status("connection_id", status).await })
                .await,
            json!({"updatedConnection": {"id": "connection_id", "status": text}})
        );
    }
    // Initial configuration from the identity provider's metadata URL.
    assert_eq!(
        update_variables(|sso| async move {
            sso.configure_from_metadata_url("connection_id", "metadata_url")
                .await
        })
        .await,
        json!({"updatedConnection": {
            "id": "connection_id",
            "connectionConfiguration": {"samlConfiguration": {"metadataURL": "metadata_url"}}
        }})
    );
    // The general update: the guide's full SAML configuration, testers and domains.
    assert_eq!(
        update_variables(|sso| async move {
            sso.update(UpdateSsoConnectionInput {
                id: "connection_id".into(),
                add_testers: Some(vec!["new@example.com".into()]),
                remove_testers: Some(vec!["old@example.com".into()]),
                add_domains: Some(vec!["example.net".into()]),
                remove_domains: Some(vec!["example.org".into()]),
                connection_configuration: Some(ConnectionConfiguration {
                    saml_configuration: Some(SamlConfiguration {
                        metadata_url: Some("metadata_url".into()),
                        signing_cert_name: Some("certificate_name".into()),
                        signing_cert: Some("certificate".into()),
                        sign_in_endpoint: Some("sign_in_endpoint".into()),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            })
            .await
        })
        .await,
        json!({"updatedConnection": {
            "id": "connection_id",
            "addTesters": ["new@example.com"],
            "removeTesters": ["old@example.com"],
            "addDomains": ["example.net"],
            "removeDomains": ["example.org"],
            "connectionConfiguration": {"samlConfiguration": {
                "metadataURL": "metadata_url",
                "signingCertName": "certificate_name",
                "signingCert": "certificate",
                "signInEndpoint": "sign_in_endpoint"
            }}
        }})
    );
}

#[tokio::test]
async fn delete_and_get_send_the_connection_id() {
    let server = MockServer::start().await;
    graphql(TENANTS, "deleteSSOConnection")
        .respond_with(data(
            json!({"deleteSSOConnection": connection("connection_id", "Disabled")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    graphql(TENANTS, "getSSOConnection")
        .respond_with(data(
            json!({"getSSOConnection": connection("connection_id", "Enabled")}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let sso = sso_client(&server).sso();
    let got = sso.get("connection_id").await.unwrap();
    let deleted = sso.delete("connection_id").await.unwrap();

    let sent = sent(&server).await;
    sent[0].assert_operation(
        TENANTS,
        "getSSOConnection",
        get_sso_connection::QUERY,
        json!({"id": "connection_id"}),
    );
    // `deleteSSOConnection($connectionID: ID! = "connection_id")`
    sent[1].assert_operation(
        TENANTS,
        "deleteSSOConnection",
        delete_sso_connection::QUERY,
        json!({"connectionID": "connection_id"}),
    );
    assert!(sent.iter().all(|s| s.tenant.as_deref() == Some(TENANT)));
    assert_eq!(got.status.as_deref(), Some("Enabled"));
    assert_eq!(
        got.no_prompt_login_url.as_deref(),
        Some("https://ctpx.secureworks.com/login?connection=con_abc123")
    );
    assert_eq!(got.cert_name.as_deref(), Some("issuer.pem"));
    assert_eq!(deleted.status.as_deref(), Some("Disabled"));
}

#[tokio::test]
async fn a_null_connection_is_not_found() {
    let server = MockServer::start().await;
    for op in [
        "getSSOConnection",
        "deleteSSOConnection",
        "updateSSOConnection",
        "createSSOConnection",
        "getSSOConnectionConfig",
    ] {
        graphql(TENANTS, op)
            .respond_with(data(json!({ op: null })))
            .mount(&server)
            .await;
    }
    let sso = sso_client(&server).sso();
    let results = [
        sso.get("gone").await.map(|_| ()),
        sso.delete("gone").await.map(|_| ()),
        sso.set_status("gone", SsoConnectionStatus::Enabled)
            .await
            .map(|_| ()),
        sso.create("x", &["example.com"], &[]).await.map(|_| ()),
        sso.get_config(ConfigSource::MetadataUrl("u".into()))
            .await
            .map(|_| ()),
    ];
    for result in results {
        assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
    }
    match sso.get("gone").await {
        Err(Error::NotFound { what }) => assert!(what.contains("gone"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn list_sends_the_query_and_drops_null_items() {
    let server = MockServer::start().await;
    graphql(TENANTS, "SSOConnections")
        .respond_with(data(json!({"SSOConnections": [
            connection("a", "Enabled"), null, connection("b", "Testing")
        ]})))
        .expect(2)
        .mount(&server)
        .await;
    let sso = sso_client(&server).sso();
    let all = sso
        .list(TenantSsoConnectionQueryInput::default())
        .await
        .unwrap();
    sso.list(TenantSsoConnectionQueryInput {
        with_domain: Some("example.com".into()),
        include_expired: Some(true),
        with_status: Some(vec![Some(
            taegis_sdk::ops::tenants::sso_connections::SsoConnectionStatus::Enabled,
        )]),
        ..Default::default()
    })
    .await
    .unwrap();

    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    let sent = sent(&server).await;
    sent[0].assert_operation(
        TENANTS,
        "SSOConnections",
        sso_connections::QUERY,
        json!({"connectionQuery": {}}),
    );
    sent[1].assert_operation(
        TENANTS,
        "SSOConnections",
        sso_connections::QUERY,
        json!({"connectionQuery": {"withDomain": "example.com", "includeExpired": true, "withStatus": ["Enabled"]}}),
    );
    assert!(sent.iter().all(|s| s.tenant.as_deref() == Some(TENANT)));

    // `null` (no connections) is an empty list.
    let server = MockServer::start().await;
    graphql(TENANTS, "SSOConnections")
        .respond_with(data(json!({"SSOConnections": null})))
        .mount(&server)
        .await;
    assert!(sso_client(&server)
        .sso()
        .list(TenantSsoConnectionQueryInput::default())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn without_a_tenant_context_no_header_is_sent() {
    let server = MockServer::start().await;
    graphql(TENANTS, "getSSOConnection")
        .respond_with(data(
            json!({"getSSOConnection": connection("connection_id", "Enabled")}),
        ))
        .mount(&server)
        .await;
    let with_default = sso_client(&server);
    with_default.without_tenant().sso().get("c").await.unwrap();
    with_default
        .with_tenant("99999")
        .unwrap()
        .sso()
        .get("c")
        .await
        .unwrap();
    let sent = sent(&server).await;
    assert_eq!(sent[0].tenant, None);
    assert_eq!(sent[1].tenant.as_deref(), Some("99999"));
}

#[tokio::test]
async fn graphql_errors_are_returned_as_they_are() {
    let server = MockServer::start().await;
    graphql(TENANTS, "updateSSOConnection")
        .respond_with(graphql_errors(&[
            "signInEndpoint is required when signingCert is given",
        ]))
        .mount(&server)
        .await;
    let error = sso_client(&server)
        .sso()
        .update(UpdateSsoConnectionInput {
            id: "connection_id".into(),
            connection_configuration: Some(ConnectionConfiguration {
                saml_configuration: Some(SamlConfiguration {
                    signing_cert: Some("certificate".into()),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::GraphQl { .. }), "{error:?}");
    assert!(error.to_string().contains("signInEndpoint"), "{error}");
}
