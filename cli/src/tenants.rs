//! `taegis tenants`: query and manage tenants, labels, partner subscriptions, support access.

use clap::{Args, Subcommand, ValueEnum};
use taegis_sdk::api::tenants::{
    InputTenantLabel, OrderDir, Tenant, TenantCreateInput, TenantEnvironment,
    TenantEnvironmentFilter, TenantLabelFilter, TenantOrderField, TenantUpdateInput, TenantsQuery,
    TimeFilter,
};

use super::context::{OutputMode, Session};
use super::output;
use super::Failure;

/// Subcommands of `taegis tenants`.
#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// List tenants: one page by default, every page with --all.
    List(Box<ListArgs>),
    /// Show one tenant.
    Get {
        /// Tenant ID.
        id: String,
    },
    /// Create a child tenant under a partner tenant.
    Create {
        /// Name of the new tenant.
        #[arg(long)]
        name: String,
        /// The partner (parent) tenant.
        #[arg(long, value_name = "ID")]
        parent: String,
        /// Enable the tenant in this environment (repeatable), e.g. echo, pilot.
        #[arg(long = "env", value_name = "ENV")]
        environments: Vec<String>,
        /// A label NAME=VALUE (repeatable).
        #[arg(long = "label", value_name = "NAME=VALUE")]
        labels: Vec<String>,
        /// Expiry time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        expires_at: Option<String>,
    },
    /// Rename, enable or disable environments, disable, set or clear the expiry.
    Update {
        /// Tenant ID.
        id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// Enable in this environment (repeatable).
        #[arg(long = "enable-env", value_name = "ENV")]
        enable_env: Vec<String>,
        /// Disable in this environment (repeatable).
        #[arg(long = "disable-env", value_name = "ENV")]
        disable_env: Vec<String>,
        /// Disable the tenant everywhere.
        #[arg(long)]
        disable: bool,
        /// Set the expiry time (RFC 3339).
        #[arg(long, value_name = "TIME", conflicts_with = "clear_expiration")]
        expires_at: Option<String>,
        /// Remove the expiry time.
        #[arg(long)]
        clear_expiration: bool,
    },
    /// Create, update or delete tenant labels.
    #[command(subcommand)]
    Label(LabelCommand),
    /// Manage partner subscriptions and assign them to child tenants.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// Allow or revoke Secureworks support access to a child tenant.
    #[command(subcommand)]
    Support(SupportCommand),
}

/// Filters, order and paging of `tenants list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Name or ID; % is a wildcard.
    #[arg(long)]
    name: Option<String>,
    /// Only these tenant IDs (repeatable).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Tenants in the hierarchy of these partners (repeatable).
    #[arg(long = "hierarchy", value_name = "ID")]
    for_hierarchies: Vec<String>,
    /// Only tenants with this environment (echo, delta, pilot, ...) ...
    #[arg(long = "env", value_name = "ENV")]
    env: Option<String>,
    /// ... enabled (true) or disabled (false) there.
    #[arg(long = "env-enabled", value_name = "BOOL", requires = "env")]
    env_enabled: Option<bool>,
    /// Only tenants with this label name.
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
    /// ... and this label value.
    #[arg(long, value_name = "VALUE", requires = "label")]
    label_value: Option<String>,
    /// Only tenants with this service (repeatable).
    #[arg(long = "service", value_name = "NAME")]
    services: Vec<String>,
    /// Only tenants with this partner subscription (repeatable; % is a wildcard).
    #[arg(long = "subscription", value_name = "NAME")]
    subscriptions: Vec<String>,
    /// Only partners (true) or only non-partners (false).
    #[arg(long, value_name = "BOOL")]
    is_partner: Option<bool>,
    /// Only tenants with support enabled (true) or disabled (false).
    #[arg(long, value_name = "BOOL")]
    with_support: Option<bool>,
    /// Created at or after TIME (RFC 3339).
    #[arg(long, value_name = "TIME")]
    created_after: Option<String>,
    /// Created at or before TIME.
    #[arg(long, value_name = "TIME")]
    created_before: Option<String>,
    /// Modified at or after TIME.
    #[arg(long, value_name = "TIME")]
    modified_after: Option<String>,
    /// Modified at or before TIME.
    #[arg(long, value_name = "TIME")]
    modified_before: Option<String>,
    /// Sort field.
    #[arg(long, value_enum, value_name = "FIELD")]
    order_by: Option<OrderBy>,
    /// Sort descending.
    #[arg(long)]
    desc: bool,
    /// Page size (default 100 with --all, else the server's).
    #[arg(long, value_name = "N")]
    page_size: Option<i64>,
    /// Page number (page-number pagination).
    #[arg(long, value_name = "N", conflicts_with_all = ["all", "cursor"])]
    page: Option<i64>,
    /// Start after this cursor (cursor pagination).
    #[arg(long, value_name = "CURSOR")]
    cursor: Option<String>,
    /// Follow the cursor through every page.
    #[arg(long)]
    all: bool,
    /// Stop after N tenants.
    #[arg(long, value_name = "N")]
    pub(crate) max: Option<usize>,
}

/// Sort fields of `tenants list`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum OrderBy {
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

/// `tenants label` subcommands.
#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Add a label to a tenant.
    Create {
        /// Tenant ID.
        tenant: String,
        /// Label name.
        name: String,
        /// Label value.
        value: String,
        /// Only this partner tenant may see the label.
        #[arg(long, value_name = "ID")]
        owner: Option<String>,
    },
    /// Change a label.
    Update {
        /// Tenant ID.
        tenant: String,
        /// Label ID.
        label_id: String,
        /// Label name.
        name: String,
        /// Label value.
        value: String,
        /// Only this partner tenant may see the label.
        #[arg(long, value_name = "ID")]
        owner: Option<String>,
    },
    /// Delete a label.
    Delete {
        /// Tenant ID.
        tenant: String,
        /// Label ID.
        label_id: String,
    },
}

/// `tenants subscription` subcommands.
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Create a partner subscription.
    Create {
        /// Name.
        name: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Owning partner tenant.
        #[arg(long, value_name = "ID")]
        owner: Option<String>,
    },
    /// Rename or redescribe a subscription.
    Update {
        /// Subscription ID.
        id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete an unassigned subscription.
    Delete {
        /// Subscription ID.
        id: String,
    },
    /// Give a child tenant a subscription.
    Assign {
        /// Tenant ID.
        tenant: String,
        /// Subscription ID.
        subscription: String,
    },
    /// Take a subscription from a child tenant.
    Unassign {
        /// Tenant ID.
        tenant: String,
        /// Subscription ID.
        subscription: String,
    },
}

/// `tenants support` subcommands.
#[derive(Debug, Subcommand)]
pub enum SupportCommand {
    /// Let Secureworks support read the tenant.
    Enable {
        /// Tenant ID.
        id: String,
    },
    /// Revoke Secureworks support access.
    Disable {
        /// Tenant ID.
        id: String,
    },
}

/// Runs a `tenants` subcommand.
pub async fn run(session: &Session, command: TenantsCommand) -> Result<(), Failure> {
    let tenants = session.client.tenants();
    match command {
        TenantsCommand::List(args) => list(session, *args).await,
        TenantsCommand::Get { id } => show(session, &tenants.get(&id).await?),
        TenantsCommand::Create {
            name,
            parent,
            environments,
            labels,
            expires_at,
        } => {
            let environments = environments
                .iter()
                .map(|e| parse_environment(e).map(Some))
                .collect::<Result<Vec<_>, _>>()?;
            let labels = labels
                .iter()
                .map(|label| {
                    let (name, value) = label.split_once('=').ok_or_else(|| {
                        Failure::usage(format!("--label {label:?}: expected NAME=VALUE"))
                    })?;
                    Ok(Some(InputTenantLabel {
                        name: Some(name.into()),
                        value: Some(value.into()),
                        owner_partner_tenant_id: None,
                    }))
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            let input = TenantCreateInput {
                name: Some(name),
                parent_tenant_id: Some(parent),
                environments: (!environments.is_empty()).then_some(environments),
                labels: (!labels.is_empty()).then_some(labels),
                expires_at,
                ..Default::default()
            };
            show(session, &tenants.create(input).await?)
        }
        TenantsCommand::Update {
            id,
            name,
            enable_env,
            disable_env,
            disable,
            expires_at,
            clear_expiration,
        } => {
            let mut changes: Vec<(&str, bool)> =
                enable_env.iter().map(|e| (e.as_str(), true)).collect();
            changes.extend(disable_env.iter().map(|e| (e.as_str(), false)));
            if name.is_none()
                && changes.is_empty()
                && !disable
                && expires_at.is_none()
                && !clear_expiration
            {
                return Err(Failure::usage("nothing to update: give --name, --enable-env, --disable-env, --disable, --expires-at or --clear-expiration"));
            }
            let mut update = TenantUpdateInput {
                name,
                disable: disable.then_some(true),
                expires_at,
                clear_expiration: clear_expiration.then_some(true),
                ..Default::default()
            };
            if !changes.is_empty() {
                update.environments = Some(taegis_sdk::api::tenants::environment_changes(&changes));
            }
            show(session, &tenants.update(&id, update).await?)
        }
        TenantsCommand::Label(command) => {
            let label = match command {
                LabelCommand::Create {
                    tenant,
                    name,
                    value,
                    owner,
                } => {
                    tenants
                        .create_label(&tenant, &name, &value, owner.as_deref())
                        .await?
                }
                LabelCommand::Update {
                    tenant,
                    label_id,
                    name,
                    value,
                    owner,
                } => {
                    tenants
                        .update_label(&label_id, &tenant, &name, &value, owner.as_deref())
                        .await?
                }
                LabelCommand::Delete { tenant, label_id } => {
                    tenants.delete_label(&label_id, &tenant).await?
                }
            };
            match session.output {
                OutputMode::Human => output::fields(&[
                    ("id", label.id.clone()),
                    ("tenant", output::opt(&label.tenant_id)),
                    ("name", label.name.clone()),
                    ("value", output::opt(&label.value)),
                    ("owner", output::opt(&label.owner_partner_tenant_id)),
                ]),
                _ => output::json(&label),
            }
        }
        TenantsCommand::Subscription(command) => match command {
            SubscriptionCommand::Create {
                name,
                description,
                owner,
            } => {
                let created = tenants
                    .create_subscription(&name, description.as_deref(), owner.as_deref())
                    .await?;
                print_subscription(session, &created)
            }
            SubscriptionCommand::Update {
                id,
                name,
                description,
            } => {
                let updated = tenants
                    .update_subscription(&id, name.as_deref(), description.as_deref())
                    .await?;
                print_subscription(session, &updated)
            }
            SubscriptionCommand::Delete { id } => {
                print_subscription(session, &tenants.delete_subscription(&id).await?)
            }
            SubscriptionCommand::Assign {
                tenant,
                subscription,
            } => show(
                session,
                &tenants.assign_subscription(&tenant, &subscription).await?,
            ),
            SubscriptionCommand::Unassign {
                tenant,
                subscription,
            } => show(
                session,
                &tenants
                    .unassign_subscription(&tenant, &subscription)
                    .await?,
            ),
        },
        TenantsCommand::Support(command) => {
            let tenant = match command {
                SupportCommand::Enable { id } => tenants.enable_support(&id).await?,
                SupportCommand::Disable { id } => tenants.disable_support(&id).await?,
            };
            show(session, &tenant)
        }
    }
}

fn parse_environment(name: &str) -> Result<TenantEnvironment, Failure> {
    serde_json::from_value(serde_json::Value::from(name))
        .map_err(|e| Failure::usage(format!("bad environment {name:?}: {e}")))
}

pub(crate) fn query_of(args: &ListArgs) -> TenantsQuery {
    let time_filter = |start: &Option<String>, end: &Option<String>| {
        (start.is_some() || end.is_some()).then(|| TimeFilter {
            start_time: start.clone(),
            end_time: end.clone(),
        })
    };
    let strings =
        |items: &[String]| (!items.is_empty()).then(|| items.iter().cloned().map(Some).collect());
    TenantsQuery {
        name: args.name.clone(),
        ids: (!args.ids.is_empty()).then(|| args.ids.clone()),
        for_hierarchies: strings(&args.for_hierarchies),
        environment_filter: args.env.as_ref().map(|name| TenantEnvironmentFilter {
            name: Some(name.clone()),
            enabled: args.env_enabled,
        }),
        label_filter: args.label.as_ref().map(|name| TenantLabelFilter {
            label_name: Some(name.clone()),
            label_value: args.label_value.clone(),
        }),
        with_services: strings(&args.services),
        with_partner_subscriptions: strings(&args.subscriptions),
        is_partner: args.is_partner,
        with_support: args.with_support,
        created_time_filter: time_filter(&args.created_after, &args.created_before),
        modified_time_filter: time_filter(&args.modified_after, &args.modified_before),
        order_by: args.order_by.map(|field| match field {
            OrderBy::Id => TenantOrderField::Id,
            OrderBy::Name => TenantOrderField::Name,
            OrderBy::CreatedAt => TenantOrderField::CreatedAt,
            OrderBy::UpdatedAt => TenantOrderField::UpdatedAt,
        }),
        order_dir: args.desc.then_some(OrderDir::Desc),
        max_results: args.page_size,
        page_num: args.page,
        cursor_pos: args.cursor.clone(),
        ..Default::default()
    }
}

async fn list(session: &Session, args: ListArgs) -> Result<(), Failure> {
    let tenants = session.client.tenants();
    let query = query_of(&args);
    if !args.all {
        let page = tenants.list(query).await?;
        let results: Vec<&Tenant> = page
            .results
            .iter()
            .take(args.max.unwrap_or(usize::MAX))
            .collect();
        return match session.output {
            OutputMode::Json => output::json(&page),
            OutputMode::JsonLines => results.iter().try_for_each(output::json_line),
            OutputMode::Human => {
                output::table(HEADER, results.iter().map(|t| row(t)), true)?;
                let more = if page.has_more {
                    match &page.cursor_pos {
                        Some(cursor) => {
                            format!("; more with --all or --cursor {}", output::escape(cursor))
                        }
                        None => "; more with --all".into(),
                    }
                } else {
                    String::new()
                };
                eprintln!(
                    "{} tenant{}{}{more}",
                    results.len(),
                    if results.len() == 1 { "" } else { "s" },
                    page.total_count
                        .map(|t| format!(" of {t}"))
                        .unwrap_or_default()
                );
                Ok(())
            }
        };
    }
    let bar = output::progress(session.interactive, None, "tenants");
    let seen = output::stream(
        session.output,
        output::limited(tenants.paginate(query), args.max),
        HEADER,
        row,
        &bar,
    )
    .await?;
    if session.output == OutputMode::Human {
        eprintln!("{seen} tenant{}", if seen == 1 { "" } else { "s" });
    }
    Ok(())
}

pub(crate) const HEADER: &[&str] = &[
    "ID",
    "NAME",
    "ENABLED",
    "ENVIRONMENTS",
    "PARTNER",
    "SUPPORT",
    "CREATED",
    "EXPIRES",
];

pub(crate) fn row(tenant: &Tenant) -> Vec<String> {
    let environments: Vec<&str> = tenant
        .environments
        .iter()
        .filter(|e| e.enabled)
        .map(|e| e.name.as_str())
        .collect();
    vec![
        tenant.id.clone(),
        tenant.name.clone(),
        output::yes_no(tenant.enabled),
        if environments.is_empty() {
            "-".into()
        } else {
            environments.join(",")
        },
        output::opt(&tenant.parent),
        output::yes_no(Some(tenant.support_enabled)),
        output::opt(&tenant.created_at),
        output::opt(&tenant.expires_at),
    ]
}

fn show(session: &Session, tenant: &Tenant) -> Result<(), Failure> {
    match session.output {
        OutputMode::Human => {
            let environments: Vec<String> = tenant
                .environments
                .iter()
                .map(|e| format!("{}{}", e.name, if e.enabled { "" } else { " (disabled)" }))
                .collect();
            let labels: Vec<String> = tenant
                .labels
                .iter()
                .map(|l| format!("{}={} [{}]", l.name, l.value.as_deref().unwrap_or(""), l.id))
                .collect();
            let services: Vec<String> = tenant
                .all_services
                .iter()
                .filter_map(|s| s.name.clone().or_else(|| s.service_id.clone()))
                .collect();
            output::fields(&[
                ("id", tenant.id.clone()),
                ("name", tenant.name.clone()),
                ("enabled", output::yes_no(tenant.enabled)),
                ("environments", environments.join(", ")),
                ("parent", output::opt(&tenant.parent)),
                ("is_partner", output::yes_no(tenant.is_partner)),
                (
                    "support_enabled",
                    output::yes_no(Some(tenant.support_enabled)),
                ),
                ("labels", labels.join(", ")),
                ("services", services.join(", ")),
                ("created_at", output::opt(&tenant.created_at)),
                ("updated_at", output::opt(&tenant.updated_at)),
                ("expires_at", output::opt(&tenant.expires_at)),
            ])
        }
        _ => output::json(tenant),
    }
}

fn print_subscription(
    session: &Session,
    subscription: &taegis_sdk::api::tenants::Subscription,
) -> Result<(), Failure> {
    match session.output {
        OutputMode::Human => output::fields(&[
            ("id", subscription.id.clone()),
            ("name", subscription.name.clone()),
            ("description", output::opt(&subscription.description)),
            ("owner", output::opt(&subscription.owner_tenant_id)),
            ("created_at", output::opt(&subscription.created_at)),
        ]),
        _ => output::json(subscription),
    }
}
