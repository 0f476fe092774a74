//! SSO connections (tenants endpoint, in the tenant given by `X-Tenant-Context`): create
//! (status Draft), read an identity provider's configuration, complete the configuration
//! (status Testing), enable, update testers and domains, delete, get, list.

use serde::{Deserialize, Serialize};

use super::de::{list_without_nulls, null_as_default};
use crate::ops::tenants::{
    create_sso_connection, delete_sso_connection, get_sso_connection, get_sso_connection_config,
    sso_connections, update_sso_connection, CreateSsoConnection, DeleteSsoConnection,
    GetSsoConnection, GetSsoConnectionConfig, SsoConnections as SsoConnectionsOperation,
    UpdateSsoConnection,
};
use crate::{Client, Error};

pub use crate::ops::tenants::create_sso_connection::{NewSsoConnectionInput, SsoConnectionType};
pub use crate::ops::tenants::sso_connections::TenantSsoConnectionQueryInput;
pub use crate::ops::tenants::update_sso_connection::{
    ConnectionConfiguration, SamlssoConfiguration as SamlConfiguration, SsoConnectionStatus,
    UpdateSsoConnectionInput,
};

/// The service provider (Taegis) side of a connection: what to configure at the identity
/// provider.
///
/// Mirrors fragment `SsoConnectionParameters` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnectionParameters {
    /// Assertion consumer service URL to configure at the identity provider.
    #[serde(rename = "postBackURL")]
    pub post_back_url: Option<String>,
    /// Identifier of the Taegis SAML entity.
    #[serde(rename = "entityID")]
    pub entity_id: Option<String>,
    /// Where the identity provider can download the Taegis SAML configuration.
    #[serde(rename = "metadataURL")]
    pub metadata_url: Option<String>,
    /// Callback URL.
    #[serde(rename = "callbackURL")]
    pub callback_url: Option<String>,
    /// The metadata URL given when the connection was configured.
    #[serde(rename = "inputMetadataURL")]
    pub input_metadata_url: Option<String>,
}

/// SAML settings of an identity provider.
///
/// Mirrors fragment `SamlSettings` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlSettings {
    /// The identity provider's signing certificate.
    #[serde(rename = "signingCert")]
    pub signing_cert: Option<String>,
    /// Where Taegis sends users to sign in.
    #[serde(rename = "signInEndpoint")]
    pub sign_in_endpoint: Option<String>,
    /// The identity provider's metadata URL.
    #[serde(rename = "metadataURL")]
    pub metadata_url: Option<String>,
    /// The metadata URL as it was given.
    #[serde(rename = "inputMetadataURL")]
    pub input_metadata_url: Option<String>,
}

/// Azure AD settings of an identity provider (no secret is ever requested).
///
/// Mirrors fragment `AzureAdSettings` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AzureAdSettings {
    /// Application (client) ID.
    #[serde(rename = "clientID")]
    pub client_id: Option<String>,
    /// Directory domain.
    pub domain: Option<String>,
}

/// The identity provider side of a connection.
///
/// Mirrors fragment `IdentityProviderConfig` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityProviderConfig {
    /// SAML settings.
    #[serde(rename = "samlConnectionConfiguration")]
    pub saml: Option<SamlSettings>,
    /// Azure AD settings.
    #[serde(rename = "azureADConnectionConfiguration")]
    pub azure_ad: Option<AzureAdSettings>,
}

/// An SSO connection.
///
/// Mirrors fragment `SsoConnection` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnection {
    /// Internal ID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Connection type (`saml`).
    #[serde(rename = "type")]
    pub connection_type: Option<String>,
    /// `Draft`, `Testing`, `Enabled` or `Disabled`.
    pub status: Option<String>,
    /// External name used by Taegis during sign-in (generated).
    #[serde(rename = "externalName")]
    pub external_name: Option<String>,
    /// External ID used by Taegis during sign-in (generated).
    #[serde(rename = "externalID")]
    pub external_id: Option<String>,
    /// Environment.
    pub environment: Option<String>,
    /// The tenant of the connection.
    #[serde(rename = "tenantID")]
    pub tenant_id: Option<String>,
    /// Creation time.
    #[serde(rename = "createdAt")]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(rename = "updatedAt")]
    pub updated_at: Option<String>,
    /// Metadata file name.
    #[serde(rename = "metadataFileName")]
    pub metadata_file_name: Option<String>,
    /// Certificate file name given at configuration.
    #[serde(rename = "certName")]
    pub cert_name: Option<String>,
    /// When the signing certificate expires.
    #[serde(rename = "expiresAt")]
    pub expires_at: Option<String>,
    /// When the signing certificate becomes valid.
    #[serde(rename = "notBefore")]
    pub not_before: Option<String>,
    /// Issuer of the signing certificate.
    pub issuer: Option<String>,
    /// Subject of the signing certificate.
    pub subject: Option<String>,
    /// E-mail domains that sign in through this connection.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub domains: Vec<String>,
    /// Users testing the connection.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub testers: Vec<String>,
    /// Login URL without prompt.
    #[serde(rename = "noPromptLoginURL")]
    pub no_prompt_login_url: Option<String>,
    /// External provider.
    #[serde(rename = "externalProvider")]
    pub external_provider: Option<String>,
    /// What to configure at the identity provider.
    #[serde(rename = "ssoConnectionParameters")]
    pub parameters: Option<SsoConnectionParameters>,
    /// The identity provider's configuration.
    #[serde(rename = "ssoConnectionIDPConfig")]
    pub identity_provider: Option<IdentityProviderConfig>,
}

/// The identity provider configuration read by [`Sso::get_config`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConfig {
    /// When the signing certificate expires.
    #[serde(rename = "expiresAt")]
    pub expires_at: Option<String>,
    /// When the signing certificate becomes valid.
    #[serde(rename = "notBefore")]
    pub not_before: Option<String>,
    /// Certificate issuer.
    pub issuer: Option<String>,
    /// Certificate subject.
    pub subject: Option<String>,
    /// The settings found.
    #[serde(rename = "ssoConnectionConfiguration")]
    pub configuration: Option<IdentityProviderConfig>,
}

/// Where [`Sso::get_config`] reads an identity provider's configuration from: exactly one
/// source, as the API requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// The identity provider's metadata URL.
    MetadataUrl(String),
    /// The identity provider's metadata document.
    MetadataXml(String),
    /// The identity provider's signing certificate (PEM).
    Certificate(String),
}

impl ConfigSource {
    /// The one source among optional command-line style inputs; giving both a metadata URL
    /// and a certificate (or none) is refused before anything is sent.
    pub fn from_options(
        metadata_url: Option<String>,
        metadata_xml: Option<String>,
        cert: Option<String>,
    ) -> Result<ConfigSource, Error> {
        match (metadata_url, metadata_xml, cert) {
            (Some(url), None, None) => Ok(ConfigSource::MetadataUrl(url)),
            (None, Some(xml), None) => Ok(ConfigSource::MetadataXml(xml)),
            (None, None, Some(cert)) => Ok(ConfigSource::Certificate(cert)),
            (None, None, None) => Err(Error::Config {
                message: "give the identity provider's metadata URL, metadata XML or certificate".into(),
            }),
            _ => Err(Error::Config {
                message: "the metadata URL, metadata XML and certificate are mutually exclusive: give one".into(),
            }),
        }
    }
}

/// The SSO connections facade; get it with [`Client::sso`].
#[derive(Debug, Clone)]
pub struct Sso {
    client: Client,
}

impl Sso {
    pub(crate) fn new(client: Client) -> Sso {
        Sso { client }
    }

    /// Creates a SAML connection (status `Draft`) for e-mail `domains`, with optional testers.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let sso = client.with_tenant("12345")?.sso();
    /// let draft = sso.create("corp-saml", &["example.com"], &["alice@example.com"]).await?;
    /// println!("configure {:?} at the identity provider", draft.parameters);
    /// # Ok(()) }
    /// ```
    pub async fn create(
        &self,
        name: &str,
        domains: &[&str],
        testers: &[&str],
    ) -> Result<SsoConnection, Error> {
        self.create_with(NewSsoConnectionInput {
            name: name.to_owned(),
            domains: domains.iter().map(|d| (*d).to_owned()).collect(),
            testers: (!testers.is_empty())
                .then(|| testers.iter().map(|t| (*t).to_owned()).collect()),
            type_: SsoConnectionType::Saml,
            connection_configuration: None,
            external_provider: None,
            auth0_domain_type: None,
        })
        .await
    }

    /// Creates a connection from a full input.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::sso::{NewSsoConnectionInput, SsoConnectionType};
    /// let sso = client.with_tenant("12345")?.sso();
    /// sso.create_with(NewSsoConnectionInput {
    ///     name: "corp-saml".into(),
    ///     domains: vec!["example.com".into()],
    ///     type_: SsoConnectionType::Saml,
    ///     testers: None,
    ///     connection_configuration: None,
    ///     external_provider: None,
    ///     auth0_domain_type: None,
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_with(
        &self,
        new_connection: NewSsoConnectionInput,
    ) -> Result<SsoConnection, Error> {
        self.client
            .execute_single::<CreateSsoConnection, SsoConnection>(
                create_sso_connection::Variables { new_connection },
                "createSSOConnection result",
            )
            .await
    }

    /// Reads an identity provider's configuration from one source.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::sso::ConfigSource;
    /// let sso = client.with_tenant("12345")?.sso();
    /// let config = sso.get_config(ConfigSource::MetadataUrl("https://idp.example.com/metadata".into())).await?;
    /// println!("{:?} until {:?}", config.issuer, config.expires_at);
    /// # Ok(()) }
    /// ```
    pub async fn get_config(&self, source: ConfigSource) -> Result<SsoConfig, Error> {
        let mut variables = get_sso_connection_config::Variables {
            metadata_url: None,
            metadata_xml: None,
            cert: None,
        };
        match source {
            ConfigSource::MetadataUrl(url) => variables.metadata_url = Some(url),
            ConfigSource::MetadataXml(xml) => variables.metadata_xml = Some(xml),
            ConfigSource::Certificate(cert) => variables.cert = Some(cert),
        }
        self.client
            .execute_single::<GetSsoConnectionConfig, SsoConfig>(
                variables,
                "getSSOConnectionConfig result",
            )
            .await
    }

    /// Applies an update: status, testers and domains to add or remove, SAML configuration.
    ///
    /// ```no_run
    /// # async fn demo(sso: taegis_sdk::api::sso::Sso) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::sso::{SsoConnectionStatus, UpdateSsoConnectionInput};
    /// sso.update(UpdateSsoConnectionInput {
    ///     id: "connection-id".into(),
    ///     status: Some(SsoConnectionStatus::Enabled),
    ///     ..Default::default()
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        updated_connection: UpdateSsoConnectionInput,
    ) -> Result<SsoConnection, Error> {
        let id = updated_connection.id.clone();
        self.client
            .execute_single::<UpdateSsoConnection, SsoConnection>(
                update_sso_connection::Variables { updated_connection },
                format!("SSO connection {id}"),
            )
            .await
    }

    /// Completes the initial configuration from the identity provider's metadata URL; the
    /// connection moves to `Testing`.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let sso = client.with_tenant("12345")?.sso();
    /// let connection = sso.configure_from_metadata_url("connection-id", "https://idp.example.com/metadata").await?;
    /// assert_eq!(connection.status.as_deref(), Some("Testing"));
    /// # Ok(()) }
    /// ```
    pub async fn configure_from_metadata_url(
        &self,
        id: &str,
        metadata_url: &str,
    ) -> Result<SsoConnection, Error> {
        self.update(UpdateSsoConnectionInput {
            id: id.to_owned(),
            connection_configuration: Some(ConnectionConfiguration {
                saml_configuration: Some(SamlConfiguration {
                    metadata_url: Some(metadata_url.to_owned()),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        })
        .await
    }

    /// Sets the status (`Testing`, `Enabled`, `Disabled`).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::sso::SsoConnectionStatus;
    /// let sso = client.with_tenant("12345")?.sso();
    /// sso.set_status("connection-id", SsoConnectionStatus::Enabled).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_status(
        &self,
        id: &str,
        status: SsoConnectionStatus,
    ) -> Result<SsoConnection, Error> {
        self.update(UpdateSsoConnectionInput {
            id: id.to_owned(),
            status: Some(status),
            ..Default::default()
        })
        .await
    }

    /// Deletes a connection.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.with_tenant("12345")?.sso().delete("connection-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<SsoConnection, Error> {
        let variables = delete_sso_connection::Variables {
            connection_id: id.to_owned(),
        };
        self.client
            .execute_single::<DeleteSsoConnection, SsoConnection>(
                variables,
                format!("SSO connection {id}"),
            )
            .await
    }

    /// One connection by ID.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let connection = client.with_tenant("12345")?.sso().get("connection-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<SsoConnection, Error> {
        let variables = get_sso_connection::Variables { id: id.to_owned() };
        self.client
            .execute_single::<GetSsoConnection, SsoConnection>(
                variables,
                format!("SSO connection {id}"),
            )
            .await
    }

    /// The connections matching `query` (all of the tenant's with the default query).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// for connection in client.with_tenant("12345")?.sso().list(Default::default()).await? {
    ///     println!("{} {:?}", connection.name, connection.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(
        &self,
        query: TenantSsoConnectionQueryInput,
    ) -> Result<Vec<SsoConnection>, Error> {
        #[derive(Deserialize)]
        struct List {
            #[serde(
                rename = "SSOConnections",
                default,
                deserialize_with = "list_without_nulls"
            )]
            connections: Vec<SsoConnection>,
        }
        let list: List = self
            .client
            .execute_as::<SsoConnectionsOperation, _>(sso_connections::Variables {
                connection_query: query,
            })
            .await?;
        Ok(list.connections)
    }
}
