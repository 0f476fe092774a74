//! `taegis alerts`: search in CQL across every part, get by IDs, resolve many at once.

use clap::Subcommand;
use taegis_sdk::api::alerts::{Alert, ResolutionStatus};

use crate::context::{OutputMode, Session};
use crate::{output, Failure};

/// Subcommands of `taegis alerts`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Search alerts in CQL, e.g. `taegis alerts search "FROM alert WHERE severity >= 0.6 AND
    /// status = 'OPEN' EARLIEST=-1d"`, following every part of the results.
    Search {
        /// The query: `FROM alert [WHERE ...] [EARLIEST=-1d] [| head N]`.
        cql: String,
        /// Stop after N alerts (default and largest: 10,000, the API's limit per search).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
        max: Option<u64>,
    },
    /// Show alerts by ID.
    Get {
        /// Alert IDs (`alert://priv:...`).
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Set the resolution status and reason of alerts, all in one request.
    Resolve {
        /// Alert IDs.
        #[arg(required = true)]
        ids: Vec<String>,
        /// The resolution: true-positive-benign, true-positive-malicious, false-positive,
        /// not-actionable, other, suppressed, open (reopen), or the API's name.
        #[arg(long, value_parser = parse_status)]
        status: ResolutionStatus,
        /// Why (shown in the alert's history).
        #[arg(long)]
        reason: String,
    },
}

/// Runs an `alerts` subcommand.
pub async fn run(session: &Session, command: AlertsCommand) -> Result<(), Failure> {
    let alerts = session.client.alerts();
    match command {
        AlertsCommand::Search { cql, max } => {
            if cql.trim().is_empty() {
                return Err(Failure::usage("the CQL query is empty"));
            }
            let bar = output::progress(session.interactive, None, "alerts");
            let items = alerts.search(&cql, max).items();
            let seen = output::stream(session.output, items, HEADER, row, &bar).await?;
            if session.output == OutputMode::Human {
                eprintln!("{seen} alert{}", if seen == 1 { "" } else { "s" });
            }
            Ok(())
        }
        AlertsCommand::Get { ids } => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let found = alerts.get(&ids).await?;
            let missing: Vec<&str> = ids
                .iter()
                .copied()
                .filter(|id| !found.iter().any(|a| a.id == *id))
                .collect();
            match session.output {
                OutputMode::Json => output::json(&found)?,
                OutputMode::JsonLines => found.iter().try_for_each(output::json_line)?,
                OutputMode::Human => output::table(HEADER, found.iter().map(row), true)?,
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(Failure::api(format!(
                    "not found: {}",
                    missing
                        .iter()
                        .map(|m| output::escape(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
        AlertsCommand::Resolve {
            ids,
            status,
            reason,
        } => {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let outcome = alerts.resolve(&ids, status, &reason).await?;
            match session.output {
                OutputMode::Json => output::json(&outcome),
                OutputMode::JsonLines => output::json_line(&outcome),
                OutputMode::Human => output::line(format!(
                    "{} alert{} resolved: {}",
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" },
                    outcome.resolution_status.as_deref().unwrap_or("sent")
                )),
            }
        }
    }
}

/// The table columns.
pub(crate) const HEADER: &[&str] = &["ID", "SEVERITY", "STATUS", "CREATED", "TITLE"];

/// A table row.
pub(crate) fn row(alert: &Alert) -> Vec<String> {
    let created = alert
        .metadata
        .as_ref()
        .and_then(|m| m.created_at)
        .and_then(|t| t.seconds)
        .map(|s| taegis_platform::time::format_rfc3339(s.saturating_mul(1000), false))
        .unwrap_or_else(|| "-".into());
    vec![
        alert.id.clone(),
        alert
            .severity()
            .map_or_else(|| "-".into(), |s| format!("{s:.2}")),
        crate::enums::api_name(alert.status.as_ref()),
        created,
        alert.title().unwrap_or("-").to_owned(),
    ]
}

/// A resolution status from its API name (`FALSE_POSITIVE`) or kebab-case.
fn parse_status(text: &str) -> Result<ResolutionStatus, String> {
    crate::enums::parse(text, ResolutionStatus::VALUES)
}
