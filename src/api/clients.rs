//! API client credentials (main endpoint): create with roles, search, get, rotate the secret,
//! change roles, delete, delete everything.

use futures_util::stream::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

use super::de::{list_without_nulls, null_as_default, Single};
use crate::ops::main::{
    append_client_roles, client, clients, clients_search, create_client, delete_client,
    force_rotate_client_secret, remove_client_roles, rotate_client_secret, AppendClientRoles,
    Client as ClientQuery, Clients as ClientsQuery, ClientsSearch, CreateClient, DeleteClient,
    ForceRotateClientSecret, RemoveClientRoles, RotateClientSecret,
};
use crate::paginate::{NumberedPage, Paginator};
use crate::{Client, Error, SecretString};

pub use crate::ops::main::clients_search::{
    ClientsSearchSortBy as SortBy, ClientsSearchSortOrder as SortOrder,
};

/// A role that can be granted to an API client: one of the documented constants, or any role
/// ID.
///
/// ```
/// use taegis_sdk::api::clients::Role;
/// assert_eq!(Role::ADMINISTRATOR.id(), "ba0fdcbd-e87d-4bdd-ae7d-ca6118b25068");
/// assert_eq!("responder".parse::<Role>().unwrap(), Role::RESPONDER);
/// assert_eq!("ace1cae4-59fd-4fd1-9500-40077dc529a7".parse::<Role>().unwrap(), Role::AUDITOR);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Role(Cow<'static, str>);

impl Role {
    /// Tenant Administrator.
    pub const ADMINISTRATOR: Role = Role(Cow::Borrowed(taegis_platform::roles::ADMINISTRATOR.id));
    /// Tenant Analyst: the role a client gets when none is given.
    pub const ANALYST: Role = Role(Cow::Borrowed(taegis_platform::roles::ANALYST.id));
    /// Tenant Responder.
    pub const RESPONDER: Role = Role(Cow::Borrowed(taegis_platform::roles::RESPONDER.id));
    /// Tenant Auditor.
    pub const AUDITOR: Role = Role(Cow::Borrowed(taegis_platform::roles::AUDITOR.id));

    /// The documented roles with their names.
    pub const NAMED: [(&'static str, Role); 4] = [
        ("administrator", Role::ADMINISTRATOR),
        ("analyst", Role::ANALYST),
        ("responder", Role::RESPONDER),
        ("auditor", Role::AUDITOR),
    ];

    /// A role by raw ID.
    pub fn from_id(id: impl Into<String>) -> Role {
        Role(Cow::Owned(id.into()))
    }

    /// The role ID sent to the API.
    pub fn id(&self) -> &str {
        &self.0
    }

    /// The documented name of the role, when it is one of the documented roles.
    pub fn name(&self) -> Option<&'static str> {
        Role::NAMED
            .iter()
            .find(|(_, role)| role == self)
            .map(|(name, _)| *name)
    }
}

impl std::str::FromStr for Role {
    type Err = Error;

    /// Accepts `administrator`, `analyst`, `responder`, `auditor` (any case, also with a
    /// `tenant` prefix such as `TenantAdmin`), or a role ID.
    fn from_str(text: &str) -> Result<Role, Error> {
        let lower = text.trim().to_ascii_lowercase();
        let short = lower
            .strip_prefix("tenant")
            .unwrap_or(&lower)
            .trim_start_matches(['-', '_', ' ']);
        let short = if short == "admin" {
            "administrator"
        } else {
            short
        };
        if let Some((_, role)) = Role::NAMED.iter().find(|(name, _)| *name == short) {
            return Ok(role.clone());
        }
        // Role IDs are UUIDs: 8-4-4-4-12 hexadecimal digits.
        let text = text.trim();
        let groups: Vec<&str> = text.split('-').collect();
        let looks_like_id = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups
                .iter()
                .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
        if looks_like_id {
            Ok(Role::from_id(text))
        } else {
            Err(Error::Config {
                message: format!(
                    "unknown role {text:?}: use administrator, analyst, responder, auditor or a role ID"
                ),
            })
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => f.write_str(self.id()),
        }
    }
}

/// A role granted to a client in a tenant.
///
/// Mirrors fragment `RoleAssignment` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// Assignment ID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Tenant the role applies to.
    #[serde(rename = "tenantID")]
    pub tenant_id: Option<String>,
    /// The role ID.
    #[serde(rename = "roleID")]
    pub role_id: Option<String>,
    /// The role name, e.g. `TenantAnalyst`.
    #[serde(rename = "roleName")]
    pub role_name: Option<String>,
    /// When the assignment ends, if ever.
    #[serde(rename = "expiresAt")]
    pub expires_at: Option<String>,
}

/// An API client (OAuth2 client credentials registered in a tenant). Never holds a secret.
///
/// Mirrors fragment `ApiClient` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiClient {
    /// Internal UUID: accepted wherever an ID is asked for, like `client_id`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Unique name in the tenant.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The OAuth2 client ID used to get tokens.
    #[serde(rename = "clientID", default, deserialize_with = "null_as_default")]
    pub client_id: String,
    /// Summary of the roles, e.g. `tenantAnalyst`.
    pub roles: Option<String>,
    /// The tenant the client belongs to.
    #[serde(rename = "tenantID")]
    pub tenant_id: Option<String>,
    /// The tenant that owns the client, when it differs.
    #[serde(rename = "ownerTenantID")]
    pub owner_tenant_id: Option<String>,
    /// Environment the client was created in, e.g. `production`.
    pub environment: Option<String>,
    /// Whether the client may get tokens.
    pub enabled: Option<bool>,
    /// Creation time (RFC 3339).
    #[serde(rename = "createdAt")]
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    #[serde(rename = "updatedAt")]
    pub updated_at: Option<String>,
    /// Who created it.
    #[serde(rename = "createdBy")]
    pub created_by: Option<String>,
    /// Who last updated it.
    #[serde(rename = "updatedBy")]
    pub updated_by: Option<String>,
    /// When it last asked for a token.
    #[serde(rename = "tokenRequestTime")]
    pub token_request_time: Option<String>,
    /// How many tokens it asked for.
    #[serde(rename = "tokenRequestCount")]
    pub token_request_count: Option<i64>,
    /// Its role assignments.
    #[serde(
        rename = "roleAssignments",
        default,
        deserialize_with = "list_without_nulls"
    )]
    pub role_assignments: Vec<RoleAssignment>,
}

/// A client with its secret, as returned once by `create` and `rotate_secret`.
#[derive(Debug, Clone, Deserialize)]
pub struct NewApiClient {
    /// The client.
    pub client: ApiClient,
    /// The client secret: shown once, never returned again. Its `Debug` is redacted.
    #[serde(rename = "clientSecret")]
    pub secret: SecretString,
}

/// Filters, paging and order for [`Clients::search`]. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientFilter {
    /// Name; `%` is a wildcard (`%docs%`).
    pub name: Option<String>,
    /// OAuth2 client IDs.
    pub client_ids: Vec<String>,
    /// The tenant of the clients.
    pub tenant_id: Option<String>,
    /// Clients holding any of these roles.
    pub roles: Vec<Role>,
    /// Clients of any of these tenants.
    pub tenant_ids: Vec<String>,
    /// Zero-based page number (`clientsSearch`'s `pageOffset`; page `n` holds results
    /// `n * per_page ..`).
    pub page_offset: Option<i64>,
    /// Page size.
    pub per_page: Option<i64>,
    /// Sort field.
    pub sort_by: Option<SortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
}

/// One page of [`Clients::search`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientPage {
    /// The clients of this page.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub results: Vec<ApiClient>,
    /// How many clients match the filter.
    #[serde(rename = "totalCount")]
    pub total_count: Option<i64>,
    /// How many clients there are without the filter.
    #[serde(rename = "totalUnfilteredCount")]
    pub total_unfiltered_count: Option<i64>,
}

/// What [`Clients::delete_all`] did.
#[derive(Debug, Default)]
pub struct DeleteAllReport {
    /// The clients deleted.
    pub deleted: Vec<ApiClient>,
    /// The clients that could not be deleted, with the reason.
    pub failed: Vec<(ApiClient, Error)>,
}

/// The API clients facade; get it with [`Client::clients`].
#[derive(Debug, Clone)]
pub struct Clients {
    client: Client,
}

/// Turns the documented duplicate-name answer into [`Error::AlreadyExists`].
fn existing_client(error: Error, name: &str) -> Error {
    let duplicate = match &error {
        Error::GraphQl { errors, .. } => errors
            .iter()
            .any(|e| e.message.contains("Existing client in tenant")),
        // The guides show the answer as `{"error":["Existing client in tenant"]}`: with an
        // error status it is an `Http` error, with 200 it has no `data` (a `Decode` error).
        Error::Http { body_excerpt, .. }
        | Error::Decode {
            excerpt: body_excerpt,
            ..
        } => body_excerpt.contains("Existing client in tenant"),
        _ => false,
    };
    if duplicate {
        Error::AlreadyExists {
            what: format!("an API client named {name:?} in this tenant"),
            source: Box::new(error),
        }
    } else {
        error
    }
}

impl Clients {
    pub(crate) fn new(client: Client) -> Clients {
        Clients { client }
    }

    /// Creates a client. With no roles the server grants its default (Tenant Analyst).
    /// A name already used in the tenant gives [`Error::AlreadyExists`].
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::clients::Role;
    /// let new = client.clients().create("ci-bot", &[Role::RESPONDER]).await?;
    /// store(new.client.client_id, new.secret.expose_secret());
    /// # Ok(()) }
    /// # fn store(_: String, _: &str) {}
    /// ```
    pub async fn create(&self, name: &str, roles: &[Role]) -> Result<NewApiClient, Error> {
        let variables = create_client::Variables {
            name: name.to_owned(),
            roles: (!roles.is_empty()).then(|| roles.iter().map(|r| r.id().to_owned()).collect()),
        };
        let answer: Single<NewApiClient> = self
            .client
            .execute_as::<CreateClient, _>(variables)
            .await
            .map_err(|error| existing_client(error, name))?;
        answer.required("createClient result")
    }

    /// Searches clients with totals (`clientsSearch`). Servers that predate `clientsSearch`
    /// are searched with the older `clients` query instead; the client remembers which one its
    /// server answers, so it asks only once.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::clients::ClientFilter;
    /// let page = client.clients().search(&ClientFilter { name: Some("%docs%".into()), ..Default::default() }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn search(&self, filter: &ClientFilter) -> Result<ClientPage, Error> {
        let variables = clients_search::Variables {
            filters: Some(clients_search::ClientsSearchInput {
                name: filter.name.clone(),
                client_i_ds: non_empty(filter.client_ids.iter().cloned().map(Some).collect()),
                tenant_id: filter.tenant_id.clone(),
                role_i_ds: non_empty(
                    filter
                        .roles
                        .iter()
                        .map(|r| Some(r.id().to_owned()))
                        .collect(),
                ),
                tenant_i_ds: non_empty(filter.tenant_ids.iter().cloned().map(Some).collect()),
                page_offset: filter.page_offset,
                per_page: filter.per_page,
                sort_by: filter.sort_by.clone(),
                sort_order: filter.sort_order.clone(),
            }),
        };
        // Whether the server knows `clientsSearch` is found out once per client (shared by its
        // clones), not on every page.
        let known = self.client.has_clients_search();
        if known.get() == Some(&false) {
            return self.search_with_clients_query(filter).await;
        }
        match self
            .client
            .execute_as::<ClientsSearch, Single<ClientPage>>(variables)
            .await
        {
            Ok(answer) => {
                let _ = known.set(true);
                answer.required("clientsSearch result")
            }
            Err(error) if lacks_field(&error, "clientsSearch") => {
                let _ = known.set(false);
                self.search_with_clients_query(filter).await
            }
            Err(error) => Err(error),
        }
    }

    async fn search_with_clients_query(&self, filter: &ClientFilter) -> Result<ClientPage, Error> {
        let per_page = filter.per_page;
        let variables = clients::Variables {
            name: filter.name.clone(),
            client_i_ds: non_empty(filter.client_ids.iter().cloned().map(Some).collect()),
            tenant_id: filter.tenant_id.clone(),
            role_i_ds: non_empty(
                filter
                    .roles
                    .iter()
                    .map(|r| Some(r.id().to_owned()))
                    .collect(),
            ),
            tenant_i_ds: non_empty(filter.tenant_ids.iter().cloned().map(Some).collect()),
            // `clients` counts pages from 1.
            page: filter.page_offset.map(|page| page + 1),
            per_page,
        };
        #[derive(Deserialize)]
        struct List {
            #[serde(default, deserialize_with = "list_without_nulls")]
            clients: Vec<ApiClient>,
        }
        let list: List = self.client.execute_as::<ClientsQuery, _>(variables).await?;
        Ok(ClientPage {
            results: list.clients,
            total_count: None,
            total_unfiltered_count: None,
        })
    }

    /// Every client matching `filter`, page after page (`per_page` defaults to 100), holding one
    /// page in memory. An error ends the stream as its last item.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::api::clients::ClientFilter;
    /// let all: Vec<_> = client.clients().stream(ClientFilter::default()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream(
        &self,
        filter: ClientFilter,
    ) -> impl Stream<Item = Result<ApiClient, Error>> + Send + 'static {
        self.paginate(filter).items()
    }

    /// The pages of [`Clients::stream`] as a [`Paginator`]: for `pages()`, or a `limit`.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::api::clients::ClientFilter;
    /// let first_ten: Vec<_> = client.clients().paginate(ClientFilter::default()).limit(10).items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn paginate(&self, filter: ClientFilter) -> Paginator<ApiClient> {
        let clients = self.clone();
        let per_page = filter.per_page.unwrap_or(100).max(1);
        let first = u64::try_from(filter.page_offset.unwrap_or(0)).unwrap_or(0);
        let size = u64::try_from(per_page).unwrap_or(1);
        Paginator::page_numbers(first, size, move |number| {
            let clients = clients.clone();
            let filter = ClientFilter {
                page_offset: Some(i64::try_from(number).unwrap_or(i64::MAX)),
                per_page: Some(per_page),
                ..filter.clone()
            };
            async move {
                let page = clients.search(&filter).await?;
                let total = page
                    .total_count
                    .map(|total| u64::try_from(total).unwrap_or(0));
                Ok(NumberedPage::new(page.results, total))
            }
        })
    }

    /// One client by UUID or by `client_id`; [`Error::NotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let api_client = client.clients().get("b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5").await?;
    /// println!("{} {:?}", api_client.name, api_client.role_assignments);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<ApiClient, Error> {
        let variables = client::Variables { id: id.to_owned() };
        self.client
            .execute_single::<ClientQuery, ApiClient>(variables, format!("API client {id}"))
            .await
    }

    /// A new secret for the client (UUID or `client_id`), keeping its `client_id`.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let rotated = client.clients().rotate_secret("c373d68a-fdca-476f-5b48-92ed5804dc53").await?;
    /// println!("new secret issued for {}", rotated.client.client_id);
    /// # Ok(()) }
    /// ```
    pub async fn rotate_secret(&self, id: &str) -> Result<NewApiClient, Error> {
        let variables = rotate_client_secret::Variables { id: id.to_owned() };
        self.client
            .execute_single::<RotateClientSecret, _>(variables, format!("API client {id}"))
            .await
    }

    /// A new secret for the client, forced.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let rotated = client.clients().force_rotate_secret("b42USvw1jm5fk3Y2VqoAWSyG4CF47Ek5").await?;
    /// # Ok(()) }
    /// ```
    pub async fn force_rotate_secret(&self, id: &str) -> Result<NewApiClient, Error> {
        let variables = force_rotate_client_secret::Variables { id: id.to_owned() };
        self.client
            .execute_single::<ForceRotateClientSecret, _>(variables, format!("API client {id}"))
            .await
    }

    /// Deletes (revokes) the client (UUID or `client_id`) and returns it.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let deleted = client.clients().delete("c373d68a-fdca-476f-5b48-92ed5804dc53").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, id: &str) -> Result<ApiClient, Error> {
        let variables = delete_client::Variables { id: id.to_owned() };
        self.client
            .execute_single::<DeleteClient, _>(variables, format!("API client {id}"))
            .await
    }

    /// Grants roles to the client.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::clients::Role;
    /// client.clients().append_roles("c373d68a-fdca-476f-5b48-92ed5804dc53", &[Role::RESPONDER]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn append_roles(&self, id: &str, roles: &[Role]) -> Result<ApiClient, Error> {
        let variables = append_client_roles::Variables {
            id: id.to_owned(),
            roles: roles
                .iter()
                .map(|role| {
                    Some(append_client_roles::ClientRoleAssignmentInput {
                        role_id: Some(role.id().to_owned()),
                        ..Default::default()
                    })
                })
                .collect(),
        };
        self.client
            .execute_single::<AppendClientRoles, _>(variables, format!("API client {id}"))
            .await
    }

    /// Takes roles away from the client.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::clients::Role;
    /// client.clients().remove_roles("c373d68a-fdca-476f-5b48-92ed5804dc53", &[Role::RESPONDER]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove_roles(&self, id: &str, roles: &[Role]) -> Result<ApiClient, Error> {
        let variables = remove_client_roles::Variables {
            id: id.to_owned(),
            roles: roles
                .iter()
                .map(|role| Some(role.id().to_owned()))
                .collect(),
        };
        self.client
            .execute_single::<RemoveClientRoles, _>(variables, format!("API client {id}"))
            .await
    }

    /// Deletes every client the credentials can see, going on past single failures. The client
    /// whose credentials make the calls, if any, is deleted last so that it can finish the job.
    /// `progress` is called after each deletion with (done, total).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let report = client.clients().delete_all(|done, total| eprintln!("{done}/{total}")).await?;
    /// println!("{} deleted, {} failed", report.deleted.len(), report.failed.len());
    /// # Ok(()) }
    /// ```
    pub async fn delete_all(
        &self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<DeleteAllReport, Error> {
        let mut all: Vec<ApiClient> = self.stream(ClientFilter::default()).try_collect().await?;
        if let Some(own) = self.client.client_id() {
            all.sort_by_key(|c| c.client_id == own);
        }
        let total = all.len();
        let mut report = DeleteAllReport::default();
        for (index, api_client) in all.into_iter().enumerate() {
            match self.delete(&api_client.id).await {
                Ok(deleted) => report.deleted.push(deleted),
                Err(error) => report.failed.push((api_client, error)),
            }
            progress(index + 1, total);
        }
        Ok(report)
    }
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// Whether the server rejected the operation because it does not know `field`: as GraphQL
/// errors with 200, or with 400 or 422 (gqlgen answers validation failures with 422).
fn lacks_field(error: &Error, field: &str) -> bool {
    let unknown = |message: &str| {
        message.contains(field)
            && (message.contains("Cannot query field") || message.contains("does not have a field"))
    };
    match error {
        Error::GraphQl { errors, .. } => errors.iter().any(|e| unknown(&e.message)),
        Error::Http {
            status: 400 | 422,
            body_excerpt,
            ..
        } => unknown(body_excerpt),
        _ => false,
    }
}
