//! Facts of the Taegis XDR platform shared by the runtime, the code generator and the
//! emulator: the GraphQL gateways ([`Endpoint`]), operation kinds, the documented client
//! [`roles`], the platform's [`time`] format, the [`bearer`] token scheme and the APIs'
//! [`name_filter`].
//!
//! The gateways are data: one [`Endpoint`] entry per gateway, shared by the
//! `taegis-sdk` runtime (which builds URLs from it) and `taegis-sdk-codegen` (which finds the
//! bundled schema and the queries folder by its name). Adding a gateway is one `const` here
//! plus its line in [`Endpoint::ALL`], its schema file and its queries folder.
//!
//! ```
//! use taegis_platform::{Endpoint, Host};
//!
//! assert_eq!(Endpoint::EVENTS.path, "/events/query");
//! assert_eq!(Endpoint::TENANTS.host, Host::Tenants);
//! assert_eq!(Endpoint::by_name("fast-ioc"), Some(Endpoint::FAST_IOC));
//! ```

#![warn(missing_docs)]

pub mod bearer;
pub mod name_filter;
pub mod roles;
pub mod time;

/// Which base URL an endpoint lives under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// The API host of the region (`https://api.<region>...`), where the token endpoint is.
    Api,
    /// The tenants host of the region (`https://api-tenants.<region>...`).
    Tenants,
}

/// A GraphQL gateway of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Short name: the bundled schema is `<name>.json`, operations live in
    /// `queries/<name>/`, and the generated module is named after it (`-` becomes `_`).
    pub name: &'static str,
    /// Path of the gateway under its host.
    pub path: &'static str,
    /// The host it lives under.
    pub host: Host,
    /// The Rust name of its constant (`Endpoint::MAIN`), used by generated code.
    pub const_name: &'static str,
}

impl Endpoint {
    /// `/graphql` on the API host: most services (alerts, investigations, users, clients,
    /// tenants v4, ...).
    pub const MAIN: Endpoint = Endpoint::new("main", "/graphql", Host::Api, "MAIN");
    /// `/public/query` on the tenants host: the tenants service.
    pub const TENANTS: Endpoint =
        Endpoint::new("tenants", "/public/query", Host::Tenants, "TENANTS");
    /// `/events/query`: event search (subscriptions `eventQuery`, `eventPage`).
    pub const EVENTS: Endpoint = Endpoint::new("events", "/events/query", Host::Api, "EVENTS");
    /// `/agent-graphql`: agents, endpoint command and endpoint management services.
    pub const AGENT: Endpoint = Endpoint::new("agent", "/agent-graphql", Host::Api, "AGENT");
    /// `/cql-metadata/query`: CQL metadata and query validation.
    pub const CQL_METADATA: Endpoint = Endpoint::new(
        "cql-metadata",
        "/cql-metadata/query",
        Host::Api,
        "CQL_METADATA",
    );
    /// `/fast-ioc/query`: indicator look-ups.
    pub const FAST_IOC: Endpoint =
        Endpoint::new("fast-ioc", "/fast-ioc/query", Host::Api, "FAST_IOC");
    /// `/multi-tenant-ioc/query`: indicator look-ups across tenants.
    pub const MULTI_TENANT_IOC: Endpoint = Endpoint::new(
        "multi-tenant-ioc",
        "/multi-tenant-ioc/query",
        Host::Api,
        "MULTI_TENANT_IOC",
    );

    /// Every gateway, in a fixed order.
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::MAIN,
        Endpoint::TENANTS,
        Endpoint::EVENTS,
        Endpoint::AGENT,
        Endpoint::CQL_METADATA,
        Endpoint::FAST_IOC,
        Endpoint::MULTI_TENANT_IOC,
    ];

    const fn new(
        name: &'static str,
        path: &'static str,
        host: Host,
        const_name: &'static str,
    ) -> Endpoint {
        Endpoint {
            name,
            path,
            host,
            const_name,
        }
    }

    /// The endpoint with this name (or, for the first two, the aliases `graphql` and
    /// `tenant`), case-insensitive.
    pub fn by_name(name: &str) -> Option<Endpoint> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        let name = match name.as_str() {
            "graphql" => "main",
            "tenant" => "tenants",
            other => other,
        };
        Endpoint::ALL.iter().copied().find(|e| e.name == name)
    }

    /// The name as a Rust identifier (`multi-tenant-ioc` → `multi_tenant_ioc`): the module
    /// generated code is included as.
    pub fn module_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Whether an operation reads or writes; the transport retries writes only when it is sure
/// the server never saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// A `query`: safe to retry.
    Query,
    /// A `mutation`: retried only when the request was never sent (or the server refused it
    /// with 429).
    Mutation,
    /// A `subscription`.
    Subscription,
}

impl OperationKind {
    /// The GraphQL keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_consts_match() {
        let mut names: Vec<_> = Endpoint::ALL.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Endpoint::ALL.len());
        for e in Endpoint::ALL {
            assert_eq!(e.const_name, e.name.to_ascii_uppercase().replace('-', "_"));
            assert_eq!(Endpoint::by_name(e.name), Some(*e));
        }
        assert_eq!(Endpoint::by_name("GraphQL"), Some(Endpoint::MAIN));
        assert_eq!(Endpoint::by_name("nope"), None);
    }
}
