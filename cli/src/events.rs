//! `taegis events search`: a CQL events search streamed across every page.

use clap::{Args, Subcommand};
use futures_util::StreamExt;
use taegis_sdk::api::events::{Row, SearchOptions};

use crate::context::{OutputMode, Session};
use crate::{output, Failure};

/// Events commands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Search events in CQL, e.g. `taegis events search "FROM process WHERE username = 'root'
    /// EARLIEST=-1h"`: every page, streamed (use --jsonl for large results).
    Search(SearchArgs),
}

/// `events search` arguments.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query in CQL: `FROM <type>[, <type>] [WHERE ...] [EARLIEST=-1h] [| head N]`.
    pub cql: String,
    /// Stop after this many rows (also the server's maxRows).
    #[arg(long, value_name = "N")]
    pub max_rows: Option<u64>,
    /// Rows per page the server sends (its default is 1,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub page_size: Option<u32>,
    /// Oldest events first (the server's default is newest first).
    #[arg(long)]
    pub oldest_first: bool,
}

/// Runs an events command.
pub async fn run(session: &Session, command: EventsCommand) -> Result<(), Failure> {
    match command {
        EventsCommand::Search(args) => search(session, args).await,
    }
}

const HEADER: &[&str] = &["TIME", "RESOURCE_ID", "HOST", "DETAIL"];

/// The fields shown in the DETAIL column, in order, when a row has them.
const DETAIL_FIELDS: &[&str] = &[
    "username",
    "process_name",
    "commandline",
    "source_address",
    "destination_address",
    "destination_port",
    "query_name",
    "action",
];

async fn search(session: &Session, args: SearchArgs) -> Result<(), Failure> {
    if args.cql.trim().is_empty() {
        return Err(Failure::usage("the CQL query is empty"));
    }
    let options = SearchOptions {
        page_size: args.page_size,
        max_rows: args.max_rows,
        timestamp_ascending: args.oldest_first.then_some(true),
        caller_name: Some(concat!("taegis-cli/", env!("CARGO_PKG_VERSION")).to_owned()),
        resume_attempts: None,
    };
    let search = session.client.events().search(&args.cql, options);
    let bar = output::progress(session.interactive, args.max_rows, "events");
    let seen = output::stream(session.output, search.boxed(), HEADER, row, &bar).await?;
    if session.output == OutputMode::Human {
        eprintln!("{seen} event{}", if seen == 1 { "" } else { "s" });
    }
    Ok(())
}

/// A table row: the event time, its ID, its host, and a few telling fields.
fn row(event: &Row) -> Vec<String> {
    let text = |key: &str| match event.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let time = event
        .get("event_time_usec")
        .and_then(serde_json::Value::as_i64)
        .map(|usec| taegis_platform::time::format_rfc3339(usec.div_euclid(1000), true))
        .or_else(|| text("timestamp"))
        .unwrap_or_else(|| "-".into());
    let host = text("hostname")
        .or_else(|| text("host_id"))
        .unwrap_or_else(|| "-".into());
    let detail = DETAIL_FIELDS
        .iter()
        .filter_map(|key| text(key).map(|v| format!("{key}={v}")))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    vec![
        time,
        text("resource_id").unwrap_or_else(|| "-".into()),
        host,
        detail,
    ]
}
