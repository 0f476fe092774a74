//! `taegis investigations`: investigations v2 — search, get, create, update, close, add
//! alerts, comment.

use clap::{Args, Subcommand};
use taegis_sdk::api::investigations::{
    AlertResolutionStatus, CloseStatus, Investigation, InvestigationStatus, InvestigationUpdate,
    NewInvestigation,
};

use crate::context::{OutputMode, Session};
use crate::enums;
use crate::{output, Failure};

/// Subcommands of `taegis investigations`.
#[derive(Debug, Subcommand)]
pub enum InvestigationsCommand {
    /// Search investigations (CQL filter such as "status = 'OPEN'"; empty for all), every page.
    Search {
        /// The filter (default: every investigation).
        #[arg(default_value = "")]
        cql: String,
        /// Stop after N investigations.
        #[arg(long, value_name = "N")]
        max: Option<usize>,
        /// Investigations per request (1 to 1000; default 100).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
        per_page: Option<u32>,
    },
    /// Show one investigation.
    Get {
        /// The investigation ID.
        id: String,
    },
    /// Create an investigation, optionally with alerts as evidence.
    Create(CreateArgs),
    /// Change an investigation's title, priority, status, key findings or assignee.
    Update(UpdateArgs),
    /// Close an investigation; its alerts get --alerts-resolution (required when it has any).
    Close {
        /// The investigation ID.
        id: String,
        /// How it ended: confirmed-security-incident, authorized-activity, threat-mitigated,
        /// not-vulnerable, false-positive-alert, inconclusive, informational (or the API's
        /// CLOSED_... name).
        #[arg(long, value_parser = parse_close_status)]
        status: CloseStatus,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The resolution given to its alerts: true-positive-benign, true-positive-malicious,
        /// false-positive, not-actionable, other, suppressed.
        #[arg(long, value_parser = parse_alert_resolution)]
        alerts_resolution: Option<AlertResolutionStatus>,
    },
    /// Attach alerts to an investigation.
    AddAlerts {
        /// The investigation ID.
        id: String,
        /// Alert IDs.
        #[arg(required = true)]
        alerts: Vec<String>,
    },
    /// Add a comment to an investigation.
    Comment {
        /// The investigation ID.
        id: String,
        /// The text.
        text: String,
        /// Visible to the tenant's own users only.
        #[arg(long)]
        internal: bool,
    },
}

/// `investigations create` arguments.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The title.
    #[arg(long)]
    pub title: String,
    /// Priority, 1 (highest) to 4.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=4))]
    pub priority: Option<i64>,
    /// Key findings.
    #[arg(long)]
    pub key_findings: Option<String>,
    /// An alert ID to attach (repeatable).
    #[arg(long = "alert", value_name = "ID")]
    pub alerts: Vec<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// `investigations update` arguments.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The investigation ID.
    pub id: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// A new priority, 1 (highest) to 4.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=4))]
    pub priority: Option<i64>,
    /// New key findings.
    #[arg(long)]
    pub key_findings: Option<String>,
    /// A new status: draft, open, awaiting-action, active, suspended (close with `close`).
    #[arg(long, value_parser = parse_status)]
    pub status: Option<InvestigationStatus>,
    /// A new assignee (user ID).
    #[arg(long)]
    pub assignee: Option<String>,
}

/// Runs an `investigations` subcommand.
pub async fn run(session: &Session, command: InvestigationsCommand) -> Result<(), Failure> {
    let investigations = session.client.investigations();
    match command {
        InvestigationsCommand::Search { cql, max, per_page } => {
            let bar = output::progress(session.interactive, None, "investigations");
            let pages = investigations.search(&cql, per_page);
            let items = output::limited(pages, max);
            let seen = output::stream(session.output, items, HEADER, row, &bar).await?;
            if session.output == OutputMode::Human {
                eprintln!("{seen} investigation{}", if seen == 1 { "" } else { "s" });
            }
            Ok(())
        }
        InvestigationsCommand::Get { id } => show(session, &investigations.get(&id).await?),
        InvestigationsCommand::Create(args) => {
            let list = |items: Vec<String>| {
                (!items.is_empty()).then(|| items.into_iter().map(Some).collect())
            };
            let input = NewInvestigation {
                title: Some(args.title),
                priority: args.priority,
                key_findings: args.key_findings,
                alerts: list(args.alerts),
                tags: list(args.tags),
                ..Default::default()
            };
            show(session, &investigations.create(input).await?)
        }
        InvestigationsCommand::Update(args) => {
            if args.title.is_none()
                && args.priority.is_none()
                && args.key_findings.is_none()
                && args.status.is_none()
                && args.assignee.is_none()
            {
                return Err(Failure::usage(
                    "nothing to change: give --title, --priority, --key-findings, --status or --assignee",
                ));
            }
            let input = InvestigationUpdate {
                id: Some(args.id),
                title: args.title,
                priority: args.priority,
                key_findings: args.key_findings,
                status: args.status,
                assignee_id: args.assignee,
                ..Default::default()
            };
            show(session, &investigations.update(input).await?)
        }
        InvestigationsCommand::Close {
            id,
            status,
            reason,
            alerts_resolution,
        } => show(
            session,
            &investigations
                .close(&id, status, &reason, alerts_resolution)
                .await?,
        ),
        InvestigationsCommand::AddAlerts { id, alerts } => {
            let alerts: Vec<&str> = alerts.iter().map(String::as_str).collect();
            let change = investigations.add_alerts(&id, &alerts).await?;
            match session.output {
                OutputMode::Json => output::json(&change),
                OutputMode::JsonLines => output::json_line(&change),
                OutputMode::Human => output::line(format!(
                    "{} alert{} attached to {}",
                    alerts.len(),
                    if alerts.len() == 1 { "" } else { "s" },
                    id
                )),
            }
        }
        InvestigationsCommand::Comment { id, text, internal } => {
            let comment = investigations.comment(&id, &text, internal).await?;
            match session.output {
                OutputMode::Json => output::json(&comment),
                OutputMode::JsonLines => output::json_line(&comment),
                OutputMode::Human => output::line(format!(
                    "comment {} added to {id}",
                    comment.id.as_deref().unwrap_or("-")
                )),
            }
        }
    }
}

/// The table columns.
pub(crate) const HEADER: &[&str] = &["ID", "STATUS", "PRIORITY", "ALERTS", "CREATED", "TITLE"];

fn status_text(status: &Option<InvestigationStatus>) -> String {
    enums::api_name(status.as_ref())
}

/// A table row.
pub(crate) fn row(investigation: &Investigation) -> Vec<String> {
    vec![
        investigation.id.clone(),
        status_text(&investigation.status),
        output::opt(&investigation.priority),
        investigation.alert_ids().len().to_string(),
        output::opt(&investigation.created_at),
        output::opt(&investigation.title),
    ]
}

fn show(session: &Session, investigation: &Investigation) -> Result<(), Failure> {
    match session.output {
        OutputMode::Json => output::json(investigation),
        OutputMode::JsonLines => output::json_line(investigation),
        OutputMode::Human => output::fields(&[
            ("id", investigation.id.clone()),
            ("short_id", output::opt(&investigation.short_id)),
            ("title", output::opt(&investigation.title)),
            ("status", status_text(&investigation.status)),
            ("priority", output::opt(&investigation.priority)),
            ("alerts", investigation.alert_ids().join(", ")),
            ("key_findings", output::opt(&investigation.key_findings)),
            ("assignee_id", output::opt(&investigation.assignee_id)),
            ("created_at", output::opt(&investigation.created_at)),
            ("updated_at", output::opt(&investigation.updated_at)),
            ("close_reason", output::opt(&investigation.close_reason)),
        ]),
    }
}

fn parse_close_status(text: &str) -> Result<CloseStatus, String> {
    let upper = text.trim().to_ascii_uppercase().replace('-', "_");
    let full = if upper.starts_with("CLOSED_") {
        upper
    } else {
        format!("CLOSED_{upper}")
    };
    enums::parse(&full, CloseStatus::VALUES)
}

fn parse_alert_resolution(text: &str) -> Result<AlertResolutionStatus, String> {
    enums::parse(text, AlertResolutionStatus::VALUES)
}

fn parse_status(text: &str) -> Result<InvestigationStatus, String> {
    enums::parse(text, enums::INVESTIGATION_STATUSES)
}
