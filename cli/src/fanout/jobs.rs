//! The commands that run once per tenant ([`COMMANDS`]), each a [`PerTenant`]. Another command
//! takes part with one more `PerTenant` here, one arm in [`job_for`] and its name in
//! [`COMMANDS`].

use futures_util::TryStreamExt;
use serde_json::Value;
use std::sync::Arc;
use taegis_sdk::api::clients::{ClientFilter, Role};
use taegis_sdk::api::tenants::TenantsQuery;
use taegis_sdk::Client;

use super::{JobError, JobFuture, PerTenant, TenantOutput};
use crate::alerts::{self, AlertsCommand};
use crate::clients::{self, ClientsCommand};
use crate::context::OutputMode;
use crate::investigations::{self, InvestigationsCommand};
use crate::misc::{self, PreparedQuery};
use crate::tenants::{self, TenantsCommand};
use crate::{Command, Failure};

/// The commands that can run once per tenant, as the help and the usage error name them.
pub const COMMANDS: &str = "query, clients list, clients create, tenants list, tenants get, \
                            alerts search and investigations search";

/// The per-tenant form of `command`, or a usage error for a command that has none.
pub fn job_for(command: Command) -> Result<Arc<dyn PerTenant>, Failure> {
    let job: Arc<dyn PerTenant> = match command {
        Command::Query(args) => {
            let query = PreparedQuery::new(&args)?;
            let changes_state =
                taegis_sdk::document_kind(&query.document, query.operation.as_deref())
                    != taegis_sdk::OperationKind::Query;
            Arc::new(Query {
                query: Arc::new(query),
                changes_state,
            })
        }
        Command::Clients(ClientsCommand::List { name, roles, max }) => Arc::new(ClientsList {
            filter: ClientFilter {
                name,
                roles,
                ..Default::default()
            },
            max,
        }),
        Command::Clients(ClientsCommand::Create {
            name,
            roles,
            write_env,
            ..
        }) => {
            if write_env.is_some() {
                return Err(Failure::usage(
                    "--write-env writes one client's credentials: it cannot be used in a fan-out",
                ));
            }
            Arc::new(ClientsCreate {
                name: Arc::from(name),
                roles: Arc::from(roles),
            })
        }
        Command::Tenants(TenantsCommand::List(args)) => Arc::new(TenantsList {
            query: tenants::query_of(&args),
            max: args.max,
        }),
        Command::Tenants(TenantsCommand::Get { id }) => Arc::new(TenantsGet { id }),
        Command::Alerts(AlertsCommand::Search { cql, max }) => Arc::new(AlertsSearch {
            cql: Arc::from(cql),
            max,
        }),
        Command::Investigations(InvestigationsCommand::Search { cql, max, per_page }) => {
            Arc::new(InvestigationsSearch {
                cql: Arc::from(cql),
                max,
                per_page,
            })
        }
        _ => {
            return Err(Failure::usage(format!(
                "this command cannot run once per tenant; a fan-out runs {COMMANDS}"
            )))
        }
    };
    Ok(job)
}

/// A read-only listing in one tenant: every item of `items`, as its JSON or its table row.
fn listing<T>(
    items: impl futures_util::Stream<Item = Result<T, taegis_sdk::Error>> + Send + 'static,
    mode: OutputMode,
    row: impl Fn(&T) -> Vec<String> + Send + 'static,
) -> JobFuture
where
    T: serde::Serialize + Send + 'static,
{
    Box::pin(async move {
        let items: Vec<T> = items
            .try_collect()
            .await
            .map_err(|e| JobError::from_sdk(&e, false))?;
        Ok(TenantOutput::list(
            mode,
            items,
            |i| to_json(&i),
            |i| row(&i),
        ))
    })
}

/// A JSON value of an API object (every facade type serialises).
fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `taegis query FILE` in each tenant: the whole response; GraphQL errors fail the tenant.
struct Query {
    query: Arc<PreparedQuery>,
    changes_state: bool,
}

impl PerTenant for Query {
    fn name(&self) -> &'static str {
        "query"
    }
    fn changes_state(&self) -> bool {
        self.changes_state
    }
    fn header(&self) -> Vec<&'static str> {
        vec!["DATA"]
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let query = self.query.clone();
        let changes_state = self.changes_state;
        Box::pin(async move {
            let response = query
                .run(&client)
                .await
                .map_err(|e| JobError::from_sdk(&e, changes_state))?;
            if let Some(message) = misc::graphql_errors(&response) {
                let partial = response.get("data").is_some_and(|d| !d.is_null());
                return Err(JobError {
                    message,
                    may_have_applied: changes_state && partial,
                });
            }
            Ok(TenantOutput::one(
                mode,
                response,
                |response| response,
                |response| {
                    let data = response.get("data").unwrap_or(&Value::Null);
                    vec![serde_json::to_string(data).unwrap_or_default()]
                },
            ))
        })
    }
}

/// `taegis clients list` in each tenant.
struct ClientsList {
    filter: ClientFilter,
    max: Option<usize>,
}

/// The clients table without its TENANT column (the fan-out's TENANT column says it).
const CLIENT_TENANT_COLUMN: usize = 4;

impl PerTenant for ClientsList {
    fn name(&self) -> &'static str {
        "clients list"
    }
    fn changes_state(&self) -> bool {
        false
    }
    fn header(&self) -> Vec<&'static str> {
        let mut header = clients::HEADER.to_vec();
        header.remove(CLIENT_TENANT_COLUMN);
        header
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let pages = client.clients().paginate(self.filter.clone());
        listing(crate::output::limited(pages, self.max), mode, |c| {
            let mut cells = clients::row(c);
            cells.remove(CLIENT_TENANT_COLUMN);
            cells
        })
    }
}

/// `taegis clients create NAME` in each tenant: one new client per tenant; its secret is
/// printed once, as by `clients create`, and never written to the report.
struct ClientsCreate {
    name: Arc<str>,
    roles: Arc<[Role]>,
}

impl PerTenant for ClientsCreate {
    fn name(&self) -> &'static str {
        "clients create"
    }
    fn changes_state(&self) -> bool {
        true
    }
    fn header(&self) -> Vec<&'static str> {
        vec!["ID", "NAME", "CLIENT ID", "CLIENT SECRET"]
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let (name, roles) = (self.name.clone(), self.roles.clone());
        Box::pin(async move {
            let created = client
                .clients()
                .create(&name, &roles)
                .await
                .map_err(|e| JobError::from_sdk(&e, true))?;
            Ok(TenantOutput::one(
                mode,
                created,
                |created| clients::new_client_json(&created),
                |created| {
                    vec![
                        created.client.id,
                        created.client.name,
                        created.client.client_id,
                        created.secret.expose_secret().to_owned(),
                    ]
                },
            ))
        })
    }
}

/// `taegis tenants list` in each tenant's context (every page).
struct TenantsList {
    query: TenantsQuery,
    max: Option<usize>,
}

impl PerTenant for TenantsList {
    fn name(&self) -> &'static str {
        "tenants list"
    }
    fn changes_state(&self) -> bool {
        false
    }
    fn header(&self) -> Vec<&'static str> {
        tenants::HEADER.to_vec()
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let pages = client.tenants().paginate(self.query.clone());
        listing(crate::output::limited(pages, self.max), mode, tenants::row)
    }
}

/// `taegis tenants get ID` in each tenant's context; `{}` as the ID stands for each tenant.
struct TenantsGet {
    id: String,
}

impl PerTenant for TenantsGet {
    fn name(&self) -> &'static str {
        "tenants get"
    }
    fn changes_state(&self) -> bool {
        false
    }
    fn header(&self) -> Vec<&'static str> {
        tenants::HEADER.to_vec()
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let tenant = client.tenant_id().map(|t| t.as_str().to_owned());
        let id = match tenant {
            Some(tenant) => self.id.replace("{}", &tenant),
            None => self.id.clone(),
        };
        Box::pin(async move {
            let found = client
                .tenants()
                .get(&id)
                .await
                .map_err(|e| JobError::from_sdk(&e, false))?;
            Ok(TenantOutput::one(
                mode,
                found,
                |found| to_json(&found),
                |found| tenants::row(&found),
            ))
        })
    }
}

/// `taegis alerts search CQL` in each tenant (every part).
struct AlertsSearch {
    cql: Arc<str>,
    max: Option<u64>,
}

impl PerTenant for AlertsSearch {
    fn name(&self) -> &'static str {
        "alerts search"
    }
    fn changes_state(&self) -> bool {
        false
    }
    fn header(&self) -> Vec<&'static str> {
        alerts::HEADER.to_vec()
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        listing(
            client.alerts().search(&self.cql, self.max).items(),
            mode,
            alerts::row,
        )
    }
}

/// `taegis investigations search CQL` in each tenant (every page).
struct InvestigationsSearch {
    cql: Arc<str>,
    max: Option<usize>,
    per_page: Option<u32>,
}

impl PerTenant for InvestigationsSearch {
    fn name(&self) -> &'static str {
        "investigations search"
    }
    fn changes_state(&self) -> bool {
        false
    }
    fn header(&self) -> Vec<&'static str> {
        investigations::HEADER.to_vec()
    }
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture {
        let pages = client.investigations().search(&self.cql, self.per_page);
        listing(
            crate::output::limited(pages, self.max),
            mode,
            investigations::row,
        )
    }
}
