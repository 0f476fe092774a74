//! Tenants (tenants endpoint): query with filters, ordering, page and cursor pagination;
//! create; update (name, environments, disable, expiry); labels; partner subscriptions;
//! Secureworks support access.

use futures_util::stream::Stream;
use serde::{Deserialize, Serialize};

use super::de::{list_without_nulls, null_as_default};
use crate::ops::tenants::{
    assign_subscription, create_subscription, create_tenant, create_tenant_label,
    delete_subscription, delete_tenant_label, disable_tenant_support, enable_tenant_support,
    tenants, unassign_subscription, update_subscription, update_tenant, update_tenant_label,
    AssignSubscription, CreateSubscription, CreateTenant, CreateTenantLabel, DeleteSubscription,
    DeleteTenantLabel, DisableTenantSupport, EnableTenantSupport, Tenants as TenantsOperation,
    UnassignSubscription, UpdateSubscription, UpdateTenant, UpdateTenantLabel,
};
use crate::paginate::{CursorPage, Paginator};
use crate::{Client, Error};

pub use crate::ops::tenants::create_tenant::{
    InputTenantLabel, TenantCreateInput, TenantEnvironment,
};
pub use crate::ops::tenants::tenants::{
    OrderDir, PartnershipFilter, TenantEnvironmentFilter, TenantLabelFilter, TenantOrderField,
    TenantsQuery, TimeFilter,
};
pub use crate::ops::tenants::update_tenant::{TenantEnvironmentUpdateInput, TenantUpdateInput};

/// A label on a tenant.
///
/// Mirrors fragment `TenantLabel` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantLabel {
    /// Label ID.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The tenant carrying the label.
    pub tenant_id: Option<String>,
    /// Label name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Label value.
    pub value: Option<String>,
    /// The partner tenant that alone can see the label, if restricted to one.
    pub owner_partner_tenant_id: Option<String>,
}

/// Whether a tenant is enabled in one environment (region).
///
/// Mirrors fragment `Environment` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Environment name, e.g. `echo`, `pilot`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Whether the tenant is enabled there.
    #[serde(default, deserialize_with = "null_as_default")]
    pub enabled: bool,
    /// Record ID.
    pub id: Option<String>,
    /// The tenant.
    pub tenant_id: Option<String>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last update time.
    pub updated_at: Option<String>,
}

/// A service (subscription) of a tenant.
///
/// Mirrors fragment `TenantService` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantService {
    /// Assignment ID.
    pub id: Option<String>,
    /// The service (subscription) ID.
    pub service_id: Option<String>,
    /// Service name.
    pub name: Option<String>,
    /// Service description.
    pub description: Option<String>,
    /// The tenant that owns the service.
    pub service_owner_id: Option<String>,
    /// Whether a partner owns the service.
    pub owned_by_partner: Option<bool>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last update time.
    pub updated_at: Option<String>,
    /// When it was requested.
    pub requested_at: Option<String>,
    /// When it was granted.
    pub granted_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Who requested it.
    pub requested_by: Option<String>,
}

/// A tenant.
///
/// Mirrors fragment `Tenant` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// Tenant ID, e.g. `12345`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether it is enabled in at least one environment.
    pub enabled: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// When it expires (tenants with an expiry are disabled 60 days after it).
    pub expires_at: Option<String>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last update time.
    pub updated_at: Option<String>,
    /// Normalized name.
    pub name_normalized: Option<String>,
    /// Normalized domain.
    pub domain_normalized: Option<String>,
    /// Whether response actions are allowed.
    pub allow_response_actions: Option<bool>,
    /// Who approves actions.
    pub actions_approver: Option<String>,
    /// Parent (partner) tenant ID.
    pub parent: Option<String>,
    /// Partner tenant ID.
    pub partner: Option<String>,
    /// Organization tenant ID.
    pub organization: Option<String>,
    /// Partner name.
    pub partner_name: Option<String>,
    /// Organization name.
    pub organization_name: Option<String>,
    /// Whether the tenant is a partner (has child tenants).
    pub is_partner: Option<bool>,
    /// Whether the tenant is an organization.
    pub is_organization: Option<bool>,
    /// Whether Secureworks support may read the tenant.
    pub support_enabled: bool,
    /// Enabled in production.
    pub enabled_in_production: Option<bool>,
    /// Enabled in pilot.
    pub enabled_in_pilot: Option<bool>,
    /// Whether post-disablement clean-up is complete.
    pub post_disablement_complete: Option<bool>,
    /// Data retention in months.
    pub data_retention_months: Option<i64>,
    /// Labels.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub labels: Vec<TenantLabel>,
    /// Environments and whether the tenant is enabled in each.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub environments: Vec<Environment>,
    /// Services (subscriptions) requested, granted or revoked.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub all_services: Vec<TenantService>,
}

/// One page of [`Tenants::list`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantPage {
    /// The tenants of this page.
    pub results: Vec<Tenant>,
    /// The cursor after the last tenant of this page, for `cursorPos`.
    #[serde(rename = "cursorPos")]
    pub cursor_pos: Option<String>,
    /// How many tenants this page holds.
    pub count: i64,
    /// Whether more tenants follow.
    #[serde(rename = "hasMore")]
    pub has_more: bool,
    /// Total number of matching tenants (with page-number pagination).
    #[serde(rename = "totalCount")]
    pub total_count: Option<i64>,
}

/// A partner subscription (service) that can be assigned to child tenants.
///
/// Mirrors fragment `Subscription` (checked at build time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Subscription ID (`subscription_id` when assigning).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The partner tenant that owns it.
    pub owner_tenant_id: Option<String>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last update time.
    pub updated_at: Option<String>,
    /// Subscriptions a tenant must have to get this one.
    pub requires_present_ids: Option<String>,
    /// Subscriptions a tenant must not have to get this one.
    pub requires_absent_ids: Option<String>,
}

/// The tenants facade; get it with [`Client::tenants`].
#[derive(Debug, Clone)]
pub struct Tenants {
    client: Client,
}

impl Tenants {
    pub(crate) fn new(client: Client) -> Tenants {
        Tenants { client }
    }

    /// One page of tenants. Unset fields of `query` are not sent, so the server's defaults
    /// apply (order by `Id`, ascending).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::tenants::{OrderDir, TenantOrderField, TenantsQuery};
    /// let page = client
    ///     .tenants()
    ///     .list(TenantsQuery {
    ///         name: Some("%acme%".into()),
    ///         order_by: Some(TenantOrderField::CreatedAt),
    ///         order_dir: Some(OrderDir::Desc),
    ///         max_results: Some(10),
    ///         page_num: Some(2),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, query: TenantsQuery) -> Result<TenantPage, Error> {
        self.client
            .execute_single::<TenantsOperation, TenantPage>(
                tenants::Variables {
                    tenants_query: query,
                },
                "tenants result",
            )
            .await
    }

    /// Every tenant matching `query`, following `cursorPos` while `hasMore`, holding one page
    /// in memory at a time (`max_results` is the page size, 100 when unset). The stream ends
    /// on the last page, on a missing or repeated cursor (a page that answers the cursor it
    /// was sent is a repeat and is dropped), or after an error, which is its last item.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::api::tenants::TenantsQuery;
    /// let mut tenants = std::pin::pin!(client.tenants().stream(TenantsQuery::default()));
    /// while let Some(tenant) = tenants.try_next().await? {
    ///     println!("{} {}", tenant.id, tenant.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(
        &self,
        query: TenantsQuery,
    ) -> impl Stream<Item = Result<Tenant, Error>> + Send + 'static {
        self.paginate(query).items()
    }

    /// The pages of [`Tenants::stream`] as a [`Paginator`]: for `pages()`, or a `limit`.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// use taegis_sdk::api::tenants::TenantsQuery;
    /// let mut pages = client.tenants().paginate(TenantsQuery::default()).pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} tenants", page.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn paginate(&self, query: TenantsQuery) -> Paginator<Tenant> {
        let tenants = self.clone();
        let query = TenantsQuery {
            max_results: Some(query.max_results.unwrap_or(100)),
            page_num: None,
            ..query
        };
        let start = query.cursor_pos.clone();
        Paginator::cursor(start, move |cursor: Option<String>| {
            let tenants = tenants.clone();
            let query = TenantsQuery {
                cursor_pos: cursor.clone(),
                ..query.clone()
            };
            async move {
                let page = tenants.list(query).await?;
                // A page that answers the cursor it was sent is a repeat (the paginator drops
                // it) even when it claims nothing follows; otherwise the cursor is followed
                // while more is claimed and the page is not empty.
                let repeat = page.cursor_pos.is_some() && page.cursor_pos == cursor;
                let next = if repeat || (page.has_more && !page.results.is_empty()) {
                    page.cursor_pos
                } else {
                    None
                };
                Ok(CursorPage::new(page.results, next))
            }
        })
    }

    /// One tenant by ID; [`Error::NotFound`] when the caller cannot see it.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let tenant = client.tenants().get("12345").await?;
    /// println!("{} support={}", tenant.name, tenant.support_enabled);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<Tenant, Error> {
        let page = self
            .list(TenantsQuery {
                ids: Some(vec![id.to_owned()]),
                max_results: Some(1),
                ..Default::default()
            })
            .await?;
        page.results
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::NotFound {
                what: format!("tenant {id}"),
            })
    }

    /// Creates a child tenant under a partner tenant the caller administers.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::tenants::{TenantCreateInput, TenantEnvironment};
    /// let tenant = client.tenants().create(TenantCreateInput {
    ///     name: Some("New Tenant Name".into()),
    ///     parent_tenant_id: Some("11772".into()),
    ///     environments: Some(vec![Some(TenantEnvironment::Echo), Some(TenantEnvironment::Pilot)]),
    ///     ..Default::default()
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, new_tenant: TenantCreateInput) -> Result<Tenant, Error> {
        self.client
            .execute_single::<CreateTenant, Tenant>(
                create_tenant::Variables { new_tenant },
                "createTenant result",
            )
            .await
    }

    /// Applies `update` to the tenant.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::tenants::TenantUpdateInput;
    /// let update = TenantUpdateInput { name: Some("Updated Tenant Name".into()), ..Default::default() };
    /// client.tenants().update("12345", update).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, id: &str, update: TenantUpdateInput) -> Result<Tenant, Error> {
        let variables = update_tenant::Variables {
            tenant_id: id.to_owned(),
            tenant_update: update,
        };
        self.client
            .execute_single::<UpdateTenant, Tenant>(variables, format!("tenant {id}"))
            .await
    }

    /// Renames the tenant.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().rename("12345", "Updated Tenant Name").await?;
    /// # Ok(()) }
    /// ```
    pub async fn rename(&self, id: &str, name: &str) -> Result<Tenant, Error> {
        self.update(
            id,
            TenantUpdateInput {
                name: Some(name.to_owned()),
                ..Default::default()
            },
        )
        .await
    }

    /// Enables or disables the tenant in several environments (by name: `echo`, `delta`,
    /// `pilot`, ...) in one call.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().set_environments("12345", &[("echo", false), ("delta", true)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_environments(
        &self,
        id: &str,
        changes: &[(&str, bool)],
    ) -> Result<Tenant, Error> {
        let environments = environment_changes(changes);
        self.update(
            id,
            TenantUpdateInput {
                environments: Some(environments),
                ..Default::default()
            },
        )
        .await
    }

    /// Disables the tenant in every environment.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().disable("12345").await?;
    /// # Ok(()) }
    /// ```
    pub async fn disable(&self, id: &str) -> Result<Tenant, Error> {
        self.update(
            id,
            TenantUpdateInput {
                disable: Some(true),
                ..Default::default()
            },
        )
        .await
    }

    /// Sets the expiry time (RFC 3339, e.g. `2023-12-31T00:00:00Z`).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().set_expiry("12345", "2023-12-31T00:00:00Z").await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_expiry(&self, id: &str, expires_at: &str) -> Result<Tenant, Error> {
        self.update(
            id,
            TenantUpdateInput {
                expires_at: Some(expires_at.to_owned()),
                ..Default::default()
            },
        )
        .await
    }

    /// Removes the expiry time.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().clear_expiry("12345").await?;
    /// # Ok(()) }
    /// ```
    pub async fn clear_expiry(&self, id: &str) -> Result<Tenant, Error> {
        self.update(
            id,
            TenantUpdateInput {
                clear_expiration: Some(true),
                ..Default::default()
            },
        )
        .await
    }

    /// Adds a label to a tenant; `owner_partner_tenant_id` restricts who can see it.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let label = client.tenants().create_label("12345", "test", "value", None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_label(
        &self,
        tenant_id: &str,
        name: &str,
        value: &str,
        owner_partner_tenant_id: Option<&str>,
    ) -> Result<TenantLabel, Error> {
        let variables = create_tenant_label::Variables {
            tenant_id: tenant_id.to_owned(),
            label_input: create_tenant_label::InputTenantLabel {
                name: Some(name.to_owned()),
                value: Some(value.to_owned()),
                owner_partner_tenant_id: owner_partner_tenant_id.map(str::to_owned),
            },
        };
        self.client
            .execute_single::<CreateTenantLabel, TenantLabel>(variables, "createTenantLabel result")
            .await
    }

    /// Changes a label. Restricted labels cannot be changed: the API's refusal comes back as a
    /// GraphQL error saying so.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().update_label("label-id", "12345", "test", "new value", None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_label(
        &self,
        label_id: &str,
        tenant_id: &str,
        name: &str,
        value: &str,
        owner_partner_tenant_id: Option<&str>,
    ) -> Result<TenantLabel, Error> {
        let variables = update_tenant_label::Variables {
            label_id: label_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            label_input: update_tenant_label::InputTenantLabel {
                name: Some(name.to_owned()),
                value: Some(value.to_owned()),
                owner_partner_tenant_id: owner_partner_tenant_id.map(str::to_owned),
            },
        };
        self.client
            .execute_single::<UpdateTenantLabel, TenantLabel>(
                variables,
                format!("label {label_id}"),
            )
            .await
    }

    /// Deletes a label (restricted labels cannot be deleted).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().delete_label("label-id", "12345").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_label(
        &self,
        label_id: &str,
        tenant_id: &str,
    ) -> Result<TenantLabel, Error> {
        let variables = delete_tenant_label::Variables {
            label_id: label_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
        };
        self.client
            .execute_single::<DeleteTenantLabel, TenantLabel>(
                variables,
                format!("label {label_id}"),
            )
            .await
    }

    /// Creates a partner subscription that child tenants can be given.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let subscription = client.tenants().create_subscription("MDR", Some("Managed detection"), None).await?;
    /// client.tenants().assign_subscription("12345", &subscription.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_subscription(
        &self,
        name: &str,
        description: Option<&str>,
        owner_tenant_id: Option<&str>,
    ) -> Result<Subscription, Error> {
        let variables = create_subscription::Variables {
            input: create_subscription::NewSubscription {
                name: Some(name.to_owned()),
                description: description.map(str::to_owned),
                owner_tenant_id: owner_tenant_id.map(str::to_owned),
            },
        };
        self.client
            .execute_single::<CreateSubscription, Subscription>(
                variables,
                "createSubscription result",
            )
            .await
    }

    /// Renames or redescribes a subscription.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().update_subscription("subscription-id", Some("MDR Plus"), None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_subscription(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Subscription, Error> {
        let variables = update_subscription::Variables {
            input: update_subscription::SubscriptionUpdate {
                id: Some(id.to_owned()),
                name: name.map(str::to_owned),
                description: description.map(str::to_owned),
                ..Default::default()
            },
        };
        self.client
            .execute_single::<UpdateSubscription, Subscription>(
                variables,
                format!("subscription {id}"),
            )
            .await
    }

    /// Deletes a subscription that no tenant holds (the API refuses otherwise).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().delete_subscription("subscription-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_subscription(&self, id: &str) -> Result<Subscription, Error> {
        let variables = delete_subscription::Variables { id: id.to_owned() };
        self.client
            .execute_single::<DeleteSubscription, Subscription>(
                variables,
                format!("subscription {id}"),
            )
            .await
    }

    /// Gives a child tenant a partner subscription.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().assign_subscription("12345", "1cb04358-0e00-4ffb-abc8-14ccbc7b42b0").await?;
    /// # Ok(()) }
    /// ```
    pub async fn assign_subscription(
        &self,
        tenant_id: &str,
        subscription_id: &str,
    ) -> Result<Tenant, Error> {
        let variables = assign_subscription::Variables {
            tenant_id: tenant_id.to_owned(),
            subscription_id: subscription_id.to_owned(),
        };
        self.client
            .execute_single::<AssignSubscription, Tenant>(variables, format!("tenant {tenant_id}"))
            .await
    }

    /// Takes a partner subscription away from a child tenant.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().unassign_subscription("12345", "1cb04358-0e00-4ffb-abc8-14ccbc7b42b0").await?;
    /// # Ok(()) }
    /// ```
    pub async fn unassign_subscription(
        &self,
        tenant_id: &str,
        subscription_id: &str,
    ) -> Result<Tenant, Error> {
        let variables = unassign_subscription::Variables {
            tenant_id: tenant_id.to_owned(),
            subscription_id: subscription_id.to_owned(),
        };
        self.client
            .execute_single::<UnassignSubscription, Tenant>(
                variables,
                format!("tenant {tenant_id}"),
            )
            .await
    }

    /// Lets Secureworks support read a child tenant.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let tenant = client.tenants().enable_support("12345").await?;
    /// assert!(tenant.support_enabled);
    /// # Ok(()) }
    /// ```
    pub async fn enable_support(&self, tenant_id: &str) -> Result<Tenant, Error> {
        let variables = enable_tenant_support::Variables {
            tenant_id: tenant_id.to_owned(),
        };
        self.client
            .execute_single::<EnableTenantSupport, Tenant>(variables, format!("tenant {tenant_id}"))
            .await
    }

    /// Revokes Secureworks support access to a child tenant.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.tenants().disable_support("12345").await?;
    /// # Ok(()) }
    /// ```
    pub async fn disable_support(&self, tenant_id: &str) -> Result<Tenant, Error> {
        let variables = disable_tenant_support::Variables {
            tenant_id: tenant_id.to_owned(),
        };
        self.client
            .execute_single::<DisableTenantSupport, Tenant>(
                variables,
                format!("tenant {tenant_id}"),
            )
            .await
    }
}

/// The `environments` of a [`TenantUpdateInput`] that enables (`true`) or disables (`false`)
/// the tenant in each named environment (`echo`, `delta`, `pilot`, ...); names the SDK does not
/// know are sent as given.
///
/// ```
/// use taegis_sdk::api::tenants::environment_changes;
/// let changes = environment_changes(&[("echo", false), ("delta", true)]);
/// assert_eq!(
///     serde_json::to_value(&changes).unwrap(),
///     serde_json::json!([{"name": "echo", "enabled": false}, {"name": "delta", "enabled": true}])
/// );
/// ```
pub fn environment_changes(changes: &[(&str, bool)]) -> Vec<Option<TenantEnvironmentUpdateInput>> {
    changes
        .iter()
        .map(|(name, enabled)| {
            let name = serde_json::from_value(serde_json::Value::from(*name))
                .unwrap_or_else(|_| update_tenant::TenantEnvironment::Other((*name).to_owned()));
            Some(TenantEnvironmentUpdateInput {
                name: Some(name),
                enabled: Some(*enabled),
            })
        })
        .collect()
}
