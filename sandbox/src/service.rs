//! Services: the unit the sandbox is made of. A [`Service`] answers some root fields of the
//! bundled schemas, owns its data and seeds it; the [`Registry`] built at start-up maps each
//! `(endpoint, root field)` to the one service that answers it, and the GraphQL engine asks the
//! registry, never a list of services.

use crate::services::Caller;
use crate::state::{State, FIRST_TENANT_ID};
use crate::util::{rfc3339, secure};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use taegis_sdk_codegen::Endpoint;

/// One emulated API service: the root fields it answers, its data, its seed data.
///
/// A service keeps its own data inside itself (behind a `Mutex`, as `resolve` takes `&self`
/// and requests run concurrently); the platform facts several services share (tenants, the
/// calling client, its roles, the request time) come through the [`Context`]. Register it with
/// [`SandboxBuilder::service`](crate::SandboxBuilder::service):
///
/// ```
/// use serde_json::{json, Value};
/// use std::sync::Mutex;
/// use taegis_sandbox::{Context, Endpoint, Role, Service};
///
/// /// Counts `registerDomain` calls; `registeredDomains` stays the sandbox's empty list.
/// #[derive(Default)]
/// struct Counter(Mutex<u64>);
///
/// impl Service for Counter {
///     fn name(&self) -> &str {
///         "counter"
///     }
///     fn root_fields(&self) -> &[(Endpoint, &str)] {
///         &[(Endpoint::TENANTS, "registerDomain")]
///     }
///     fn resolve(&self, ctx: &mut Context<'_>, _field: &str, args: &Value) -> Result<Value, String> {
///         ctx.require(ctx.tenant_id(), Role::Administrator, "RegisteredDomain:create")?;
///         let mut n = self.0.lock().map_err(|_| "poisoned")?;
///         *n += 1;
///         Ok(json!({"id": n.to_string(), "domain": args["input"]["domain"]}))
///     }
/// }
///
/// # async fn demo() -> Result<(), taegis_sandbox::SandboxError> {
/// let sandbox = taegis_sandbox::Sandbox::builder().service(Counter::default()).start().await?;
/// # Ok(()) }
/// ```
pub trait Service: Send + Sync + 'static {
    /// A short name, used in messages (`"clients"`, `"sso"`).
    fn name(&self) -> &str;

    /// The root fields of `Query`, `Mutation` or `Subscription` this service answers, with
    /// their endpoint (any gateway the sandbox serves: [`Endpoint::MAIN`], [`Endpoint::EVENTS`],
    /// ...). A name both `Query` and `Subscription` have goes to the same service: `resolve`
    /// answers the query, `subscribe` the subscription. A field
    /// a built-in service answers is taken over; two registered services may not claim the
    /// same field.
    fn root_fields(&self) -> &[(Endpoint, &str)];

    /// Creates the service's seed data when the sandbox starts, in registration order (the
    /// built-in services first, so the seeded tenants exist). Default: nothing.
    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        let _ = seed;
        Ok(())
    }

    /// Answers the root field `field` with its coerced arguments `args` (a JSON object).
    /// Return the field's value as JSON, with any fields of its schema type (the engine keeps
    /// the selected ones and checks their types); `Err` becomes a GraphQL error with that
    /// message, the other fields of the request still run.
    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> Result<Value, String>;

    /// Answers the `Subscription` root field `field` (listed in [`root_fields`](Self::root_fields)
    /// like any other) with a stream of values, each the field's value for one `data` message
    /// sent over the WebSocket. The stream is pulled lazily, one item per message, after this
    /// returns (so it owns what it needs: clone it out of `ctx`); an `Err` item becomes an
    /// `error` message that ends the subscription. An `Err` here fails the subscription before
    /// any message. Default: one item, the answer of [`resolve`](Self::resolve).
    fn subscribe(
        &self,
        ctx: &mut Context<'_>,
        field: &str,
        args: &Value,
    ) -> Result<SubscriptionStream, String> {
        Ok(SubscriptionStream::once(self.resolve(ctx, field, args)))
    }
}

/// The values a subscription sends, produced lazily (one per `data` message); see
/// [`Service::subscribe`].
pub struct SubscriptionStream(Box<dyn Iterator<Item = Result<Value, String>> + Send>);

impl SubscriptionStream {
    /// A stream over any iterator of values (`vec.into_iter()`, `(0..n).map(...)`, ...).
    pub fn new(items: impl Iterator<Item = Result<Value, String>> + Send + 'static) -> Self {
        SubscriptionStream(Box::new(items))
    }

    /// A stream of one item.
    pub fn once(item: Result<Value, String>) -> Self {
        SubscriptionStream::new(std::iter::once(item))
    }
}

impl Iterator for SubscriptionStream {
    type Item = Result<Value, String>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl std::fmt::Debug for SubscriptionStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubscriptionStream")
    }
}

impl<S: Service + ?Sized> Service for Arc<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn root_fields(&self) -> &[(Endpoint, &str)] {
        (**self).root_fields()
    }
    fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        (**self).seed(seed)
    }
    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> Result<Value, String> {
        (**self).resolve(ctx, field, args)
    }
    fn subscribe(
        &self,
        ctx: &mut Context<'_>,
        field: &str,
        args: &Value,
    ) -> Result<SubscriptionStream, String> {
        (**self).subscribe(ctx, field, args)
    }
}

/// The documented roles, weakest first: `role >= Role::Analyst` reads "Analyst or more".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads.
    Auditor = 1,
    /// Reads and responds.
    Responder = 2,
    /// Manages API clients, and more.
    Analyst = 3,
    /// Changes tenants, labels, subscriptions, SSO connections.
    Administrator = 4,
}

impl Role {
    fn from_rank(rank: u8) -> Option<Role> {
        Some(match rank {
            1 => Role::Auditor,
            2 => Role::Responder,
            3 => Role::Analyst,
            4 => Role::Administrator,
            _ => return None,
        })
    }
}

/// What a service sees while it answers a field: the calling client, the tenant in context,
/// the request time, and the shared platform state (tenants, clients, roles).
pub struct Context<'a> {
    state: &'a mut State,
    caller: &'a Caller,
}

impl<'a> Context<'a> {
    pub(crate) fn new(state: &'a mut State, caller: &'a Caller) -> Context<'a> {
        Context { state, caller }
    }

    /// The platform state and who is calling (built-in services).
    pub(crate) fn parts(&mut self) -> (&mut State, &Caller) {
        (self.state, self.caller)
    }

    /// The calling client's `client_id` (the token's subject).
    pub fn client_id(&self) -> &str {
        &self.caller.client_id
    }

    /// The tenant in context: the request's `X-Tenant-Context` (already checked to be one
    /// the caller may read), else the token's tenant.
    pub fn tenant_id(&self) -> u64 {
        self.caller.context_tenant
    }

    /// The request time, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.caller.now
    }

    /// The request time as RFC 3339 (`2026-01-02T03:04:05Z`), the shape of the `Time` scalar.
    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.caller.now, false)
    }

    /// Whether the operation selects a field of this name anywhere: a service may leave out
    /// costly parts nobody asked for.
    pub fn wants(&self, field: &str) -> bool {
        self.caller
            .wanted
            .as_ref()
            .is_none_or(|w| w.contains(field))
    }

    /// Whether the tenant exists.
    pub fn tenant_exists(&self, tenant: u64) -> bool {
        self.state.tenant(tenant).is_some()
    }

    /// The strongest role the caller holds on `tenant` (through it or an ancestor); `None`
    /// when it has none or the tenant does not exist.
    pub fn role(&self, tenant: u64) -> Option<Role> {
        Role::from_rank(crate::services::rank(self.state, self.caller, tenant))
    }

    /// Fails unless the caller holds `at_least` on `tenant`: a tenant it cannot read reads as
    /// `tenant N not found`, too weak a role as `Permission denied: <action> ...`.
    pub fn require(&self, tenant: u64, at_least: Role, action: &str) -> Result<(), String> {
        crate::services::require(self.state, self.caller, tenant, at_least as u8, action)
    }

    /// The sandbox's base URL, for links in answers.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// A new random version-4 UUID from the operating system's CSPRNG, for created objects.
    pub fn new_id(&self) -> Result<String, String> {
        secure::uuid()
    }
}

/// What a service sees while it seeds its data at start-up.
pub struct Seed<'a> {
    state: &'a mut State,
    seed: u64,
    tenants: u64,
}

impl<'a> Seed<'a> {
    pub(crate) fn new(state: &'a mut State, seed: u64, tenants: u64) -> Seed<'a> {
        Seed {
            state,
            seed,
            tenants,
        }
    }

    /// The platform state (built-in services).
    pub(crate) fn state(&mut self) -> &mut State {
        self.state
    }

    /// How many tenants to seed under the bootstrap partner, itself included.
    pub(crate) fn tenant_count(&self) -> u64 {
        self.tenants
    }

    /// The sandbox's seed ([`SandboxBuilder::seed`](crate::SandboxBuilder::seed)): derive
    /// seeded data from it, e.g. with `fastrand::Rng::with_seed(seed.seed() ^ 0x1234)`, so
    /// a seed always gives the same data.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The bootstrap partner tenant ([`Sandbox::tenant_id`](crate::Sandbox::tenant_id)).
    pub fn bootstrap_tenant_id(&self) -> u64 {
        FIRST_TENANT_ID
    }

    /// The IDs of the tenants seeded so far, ascending.
    pub fn tenant_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self.state.tenants.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids
    }
}

/// Which service answers each root field, built once at start-up.
pub(crate) struct Registry {
    services: Vec<Arc<dyn Service>>,
    routes: HashMap<Endpoint, HashMap<String, usize>>,
}

impl Registry {
    /// Routes every field of `builtin` then `added` (the user's services); a field of an added
    /// service replaces a built-in's. Fails on a field the endpoint's schema does not have
    /// (`roots` lists each served endpoint's root fields) or one two added services claim.
    pub(crate) fn build(
        builtin: Vec<Arc<dyn Service>>,
        added: Vec<Arc<dyn Service>>,
        roots: &[(Endpoint, Vec<String>)],
    ) -> Result<Registry, String> {
        let first_added = builtin.len();
        let services: Vec<Arc<dyn Service>> = builtin.into_iter().chain(added).collect();
        let mut routes: HashMap<Endpoint, HashMap<String, usize>> = HashMap::new();
        for (index, service) in services.iter().enumerate() {
            for &(endpoint, field) in service.root_fields() {
                let Some((_, fields)) = roots.iter().find(|(e, _)| *e == endpoint) else {
                    return Err(format!(
                        "service `{}` claims `{field}` on the {endpoint} endpoint, which the sandbox does not serve",
                        service.name()
                    ));
                };
                if !fields.iter().any(|f| f == field) {
                    return Err(format!(
                        "service `{}` claims `{field}`, which is not a root field of the {endpoint} schema",
                        service.name()
                    ));
                }
                let table = routes.entry(endpoint).or_default();
                if let Some(&other) = table.get(field) {
                    if other >= first_added || index < first_added {
                        return Err(format!(
                            "services `{}` and `{}` both claim `{field}` on the {endpoint} endpoint",
                            services[other].name(),
                            service.name()
                        ));
                    }
                }
                table.insert(field.to_owned(), index);
            }
        }
        Ok(Registry { services, routes })
    }

    /// The service answering `field` on `endpoint`.
    pub(crate) fn lookup(&self, endpoint: Endpoint, field: &str) -> Option<&dyn Service> {
        let index = *self.routes.get(&endpoint)?.get(field)?;
        Some(self.services[index].as_ref())
    }

    /// Seeds every service, in registration order.
    pub(crate) fn seed(&self, seed: &mut Seed<'_>) -> Result<(), String> {
        for service in &self.services {
            service.seed(seed).map_err(|e| {
                format!("service `{}` could not seed its data: {e}", service.name())
            })?;
        }
        Ok(())
    }
}

/// The message for a root field no service answers.
pub(crate) fn unserved(field: &str) -> String {
    format!("`{field}` is not served by the sandbox")
}
