//! Facades over the generated operations, one per API area: [`clients`] (API client
//! credentials on the main endpoint), [`tenants`] (tenants, labels, partner subscriptions,
//! support access), [`sso`] (SSO connections), [`alerts`], [`investigations`] (v2) and
//! [`events`] (search over subscriptions), reached from a [`Client`] with
//! [`Client::clients`], [`Client::tenants`], [`Client::sso`], [`Client::alerts`],
//! [`Client::investigations`] and [`Client::events`].
//!
//! Every facade method runs one of the checked-in, compile-time validated operations and
//! decodes its answer into the plain types of its module ([`clients::ApiClient`],
//! [`tenants::Tenant`], [`sso::SsoConnection`]), which are the same whichever operation
//! returned them.

pub mod alerts;
pub mod clients;
pub mod events;
pub mod investigations;
pub mod sso;
pub mod tenants;

use crate::Client;

impl Client {
    /// API client credentials: create, search, get, rotate, delete.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::clients::Role;
    /// let created = client.clients().create("my_awesome_app", &[Role::ANALYST]).await?;
    /// println!("CLIENT_ID={}", created.client.client_id);
    /// # Ok(()) }
    /// ```
    pub fn clients(&self) -> clients::Clients {
        clients::Clients::new(self.clone())
    }

    /// Tenants, their labels, partner subscriptions and support access (tenants endpoint).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::tenants::TenantsQuery;
    /// let page = client.tenants().list(TenantsQuery { max_results: Some(10), ..Default::default() }).await?;
    /// println!("{} of {:?} tenants", page.count, page.total_count);
    /// # Ok(()) }
    /// ```
    pub fn tenants(&self) -> tenants::Tenants {
        tenants::Tenants::new(self.clone())
    }

    /// Alerts of the tenant in context: CQL search across every part, get by IDs, resolve
    /// (main endpoint).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let alerts: Vec<_> = client.alerts().search("FROM alert EARLIEST=-1d", Some(100)).items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn alerts(&self) -> alerts::Alerts {
        alerts::Alerts::new(self.clone())
    }

    /// Investigations v2 of the tenant in context: search, get, create, update, close,
    /// evidence, comments (main endpoint).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let investigation = client.investigations().get("6c2a...").await?;
    /// # Ok(()) }
    /// ```
    pub fn investigations(&self) -> investigations::Investigations {
        investigations::Investigations::new(self.clone())
    }

    /// Events search in CQL over the events gateway's subscriptions (events endpoint).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let rows: Vec<_> = client
    ///     .with_tenant("12345")?
    ///     .events()
    ///     .search("FROM process EARLIEST=-1h | head 10", Default::default())
    ///     .try_collect()
    ///     .await?;
    /// println!("{} events", rows.len());
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> events::Events {
        events::Events::new(self.clone())
    }

    /// SSO connections of the tenant in context (tenants endpoint).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let connection = client.with_tenant("12345")?.sso().get("connection-id").await?;
    /// println!("{:?}", connection.status);
    /// # Ok(()) }
    /// ```
    pub fn sso(&self) -> sso::Sso {
        sso::Sso::new(self.clone())
    }

    /// Runs `Op` and decodes the value of its single root field into `T`; a `null` answer is
    /// [`crate::Error::NotFound`] naming `what`. Every facade method goes through here.
    pub(crate) async fn execute_single<Op, T>(
        &self,
        variables: Op::Variables,
        what: impl Into<String>,
    ) -> Result<T, crate::Error>
    where
        Op: crate::Operation,
        T: serde::de::DeserializeOwned,
    {
        self.execute_as::<Op, de::Single<T>>(variables)
            .await?
            .required(what)
    }
}

/// Serde helpers for the facade types.
pub(crate) mod de {
    use serde::de::{MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use std::fmt;
    use std::marker::PhantomData;

    /// The value of the single root field of a response (`{"createClient": {...}}`), which the
    /// API may return as `null`.
    pub struct Single<T>(pub Option<T>);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Single<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct SingleVisitor<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for SingleVisitor<T> {
                type Value = Single<T>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object with one root field")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Single<T>, A::Error> {
                    let Some((_, value)) = map.next_entry::<serde::de::IgnoredAny, Option<T>>()?
                    else {
                        return Err(serde::de::Error::custom("the response has no root field"));
                    };
                    if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                        return Err(serde::de::Error::custom(
                            "the response has more than one root field",
                        ));
                    }
                    Ok(Single(value))
                }
            }
            deserializer.deserialize_map(SingleVisitor(PhantomData))
        }
    }

    impl<T> Single<T> {
        /// The value, or [`crate::Error::NotFound`] naming `what`.
        pub fn required(self, what: impl Into<String>) -> Result<T, crate::Error> {
            self.0
                .ok_or_else(|| crate::Error::NotFound { what: what.into() })
        }
    }

    /// Decodes `null` (or a missing key, with `#[serde(default)]`) as the type's default.
    pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
    }

    /// Decodes a list whose items may be `null`, dropping the nulls.
    pub fn list_without_nulls<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<Option<T>>>::deserialize(deserializer)?
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect())
    }
}

/// `ids` as a GraphQL list whose items may be null (`[String]`), as several inputs declare.
pub(crate) fn nullable_list(ids: &[&str]) -> Option<Vec<Option<String>>> {
    Some(ids.iter().map(|id| Some((*id).to_owned())).collect())
}
