//! Running a command once per tenant (a fan-out): the global options that select the
//! tenants and shape the run, the [`PerTenant`] trait a command implements to take part, the
//! output with the tenant of every row, the progress bar, Ctrl-C, and the report.
//!
//! Shape: `taegis [selection] [--concurrency N] [--per-tenant-timeout S] [--report-file FILE]
//! [--allow-partial] COMMAND ...`. The selection is `--each-tenant` (every tenant the
//! credentials see) and/or the `--tenant-*` filters of the tenants API, or `--tenants-file
//! FILE|-`, or `--rerun-failures REPORT`. Output: `--jsonl` rows carry `"tenant_id"`; tables
//! get a TENANT column; `--json` is an array of `{"tenant_id", "result"}`. Exit status: 0
//! when every tenant succeeded, [`PARTIAL_EXIT`] otherwise (0 with `--allow-partial` if at
//! least one succeeded and the run was not interrupted), 130 after a second Ctrl-C.

mod jobs;
mod report;

pub use jobs::COMMANDS;

use clap::Args;
use futures_util::StreamExt;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use taegis_sdk::fanout::FanOutError;
use taegis_sdk::tenant_select::{LabelMatch, TenantFilter, TenantSelection};
use taegis_sdk::Client;

use super::context::{GlobalArgs, OutputMode, Session};
use super::{output, Command, Failure};
use report::{Entry, Report, Status};

/// The exit status of a fan-out in which not every tenant succeeded.
pub const PARTIAL_EXIT: u8 = 5;

/// The exit status after a second Ctrl-C (128 + SIGINT).
const ABORT_EXIT: u8 = 130;

/// Options that run the command once per selected tenant.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fan-out: run the command once per tenant")]
pub struct FanOutArgs {
    /// Run the command in every tenant these credentials can see (narrowed by the --tenant-*
    /// filters, which also start a fan-out on their own).
    #[arg(long, global = true)]
    each_tenant: bool,
    /// Run the command in each tenant whose name or ID matches (% is a wildcard).
    #[arg(long, global = true, value_name = "PATTERN")]
    tenant_name: Option<String>,
    /// Run the command in these tenants (repeatable; checked with the tenants API).
    #[arg(long = "tenant-id", global = true, value_name = "ID")]
    tenant_ids: Vec<String>,
    /// ... carrying this label, with this value if given (repeatable: all of them; % is a
    /// wildcard).
    #[arg(long = "tenant-label", global = true, value_name = "NAME[=VALUE]")]
    tenant_labels: Vec<String>,
    /// ... in the hierarchy of this partner (repeatable).
    #[arg(long = "tenant-hierarchy", global = true, value_name = "ID")]
    tenant_hierarchies: Vec<String>,
    /// ... enabled in this environment (echo, delta, pilot, ...).
    #[arg(long, global = true, value_name = "ENV")]
    tenant_env: Option<String>,
    /// ... having this service (repeatable: any of them).
    #[arg(long = "tenant-service", global = true, value_name = "NAME")]
    tenant_services: Vec<String>,
    /// ... having this partner subscription (repeatable: any of them).
    #[arg(long = "tenant-subscription", global = true, value_name = "NAME")]
    tenant_subscriptions: Vec<String>,
    /// ... that are partners (true) or not (false: e.g. a partner's child tenants).
    #[arg(long, global = true, value_name = "BOOL")]
    tenant_is_partner: Option<bool>,
    /// Run the command in each tenant ID listed in FILE, or standard input for -: one per
    /// line, blank lines and # comments ignored.
    #[arg(long, global = true, value_name = "FILE")]
    tenants_file: Option<PathBuf>,
    /// Run the command again in the tenants REPORT (written by --report-file) lists as failed or
    /// not started. Tenants whose outcome is unknown (a change that may have been applied)
    /// are skipped unless --rerun-unknown.
    #[arg(long, global = true, value_name = "REPORT")]
    rerun_failures: Option<PathBuf>,
    /// With --rerun-failures: also run again in tenants whose outcome is unknown (the change
    /// may then be applied twice).
    #[arg(long, global = true, requires = "rerun_failures")]
    rerun_unknown: bool,
    /// How many tenants run at once [default: 16].
    #[arg(long, global = true, value_name = "N")]
    concurrency: Option<usize>,
    /// Give up on a tenant after SECONDS (a change cut off this way has an unknown outcome).
    #[arg(long, global = true, value_name = "SECONDS")]
    per_tenant_timeout: Option<f64>,
    /// Write the per-tenant report (JSON: ok, failed and why, outcome unknown, not started)
    /// to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    report_file: Option<PathBuf>,
    /// Exit 0 when at least one tenant succeeded, instead of 5 for a partial failure.
    #[arg(long, global = true)]
    allow_partial: bool,
}

impl FanOutArgs {
    /// The tenant filter of the `--tenant-*` options (the default filter when none is given):
    /// built once per run, for [`FanOutArgs::requested`] and [`run`].
    pub fn filter(&self) -> TenantFilter {
        TenantFilter {
            name: self.tenant_name.clone(),
            ids: self.tenant_ids.clone(),
            labels: self
                .tenant_labels
                .iter()
                .map(|l| LabelMatch::parse(l))
                .collect(),
            hierarchies: self.tenant_hierarchies.clone(),
            environment: self.tenant_env.clone(),
            services: self.tenant_services.clone(),
            subscriptions: self.tenant_subscriptions.clone(),
            is_partner: self.tenant_is_partner,
        }
    }

    /// Whether these options, with their tenant `filter`, ask for a fan-out.
    pub fn requested(&self, filter: &TenantFilter) -> bool {
        self.each_tenant
            || has_filter(filter)
            || self.tenants_file.is_some()
            || self.rerun_failures.is_some()
    }

    /// Refuses fan-out settings without a fan-out.
    pub fn check_unused(&self) -> Result<(), Failure> {
        let set = [
            ("--concurrency", self.concurrency.is_some()),
            ("--per-tenant-timeout", self.per_tenant_timeout.is_some()),
            ("--report-file", self.report_file.is_some()),
            ("--allow-partial", self.allow_partial),
        ];
        match set.iter().find(|(_, on)| *on) {
            Some((flag, _)) => Err(Failure::usage(format!(
                "{flag} applies to a fan-out: select tenants with --each-tenant, a --tenant-* \
                 filter, --tenants-file or --rerun-failures"
            ))),
            None => Ok(()),
        }
    }
}

/// Whether any `--tenant-*` filter option was given.
fn has_filter(filter: &TenantFilter) -> bool {
    *filter != TenantFilter::default()
}

/// A tenant's output: the items the command printed for it, in the one form the output mode
/// prints (their JSON, or their table rows).
#[derive(Debug, Default)]
pub struct TenantOutput {
    /// Each item's JSON (`--json` and `--jsonl`; empty for tables).
    pub json: Vec<Value>,
    /// Each item's table cells (tables only; empty otherwise).
    pub rows: Vec<Vec<String>>,
    /// Whether the command prints one object (`--json` shows it as is) rather than a list.
    pub single: bool,
}

impl TenantOutput {
    /// A list: each item turned into its JSON or its table row, as `mode` prints it.
    pub fn list<T>(
        mode: OutputMode,
        items: Vec<T>,
        json: impl FnMut(T) -> Value,
        row: impl FnMut(T) -> Vec<String>,
    ) -> TenantOutput {
        match mode {
            OutputMode::Json | OutputMode::JsonLines => TenantOutput {
                json: items.into_iter().map(json).collect(),
                ..TenantOutput::default()
            },
            OutputMode::Human => TenantOutput {
                rows: items.into_iter().map(row).collect(),
                ..TenantOutput::default()
            },
        }
    }

    /// One object (`--json` shows it as is), turned into its JSON or its table row.
    pub fn one<T>(
        mode: OutputMode,
        item: T,
        json: impl FnOnce(T) -> Value,
        row: impl FnOnce(T) -> Vec<String>,
    ) -> TenantOutput {
        let mut output = match mode {
            OutputMode::Json | OutputMode::JsonLines => TenantOutput {
                json: vec![json(item)],
                ..TenantOutput::default()
            },
            OutputMode::Human => TenantOutput {
                rows: vec![row(item)],
                ..TenantOutput::default()
            },
        };
        output.single = true;
        output
    }
}

/// Why a tenant's run failed, and whether its change may have reached the server.
#[derive(Debug)]
pub struct JobError {
    /// What went wrong (no secrets: the SDK's redacted text).
    pub message: String,
    /// Whether a change may have been applied (then its outcome is unknown).
    pub may_have_applied: bool,
}

impl JobError {
    /// Classifies an SDK error of a command that changes state (`changes_state`) or not: a
    /// read never applies anything; a change may have been applied when the request may
    /// have been sent and no definite refusal came back (a dropped connection or timeout
    /// after sending, a 5xx or 408, an answer that could not be read, GraphQL errors with
    /// partial data).
    pub fn from_sdk(error: &taegis_sdk::Error, changes_state: bool) -> JobError {
        use taegis_sdk::Error as E;
        // Sent, and no definite refusal came back.
        let undecided = error.may_have_been_sent()
            && match error {
                E::Http { status, .. } => *status >= 500 || *status == 408,
                E::GraphQl { data, .. } => data.is_some(),
                E::Dispatch { .. } | E::Decode { .. } | E::ResponseTooLarge { .. } => true,
                _ => false,
            };
        let may_have_applied = changes_state && undecided;
        JobError {
            message: error.to_string(),
            may_have_applied,
        }
    }
}

/// A boxed per-tenant run.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<TenantOutput, JobError>> + Send>>;

/// A command that can run once per tenant. To add one, implement this (in `jobs.rs`) and add
/// its arm to `jobs::job_for`.
pub trait PerTenant: Send + Sync {
    /// The command's name in reports (`clients create`).
    fn name(&self) -> &'static str;
    /// Whether it changes server state (its failures after sending are "outcome unknown").
    fn changes_state(&self) -> bool;
    /// Its table's columns (TENANT comes first, added by the fan-out).
    fn header(&self) -> Vec<&'static str>;
    /// Runs it with `client` bound to one tenant, its output made for `mode`.
    fn run(&self, client: Client, mode: OutputMode) -> JobFuture;
}

/// Runs `command` once per selected tenant (`filter`: `args.filter()`).
pub fn run(
    global: GlobalArgs,
    args: FanOutArgs,
    filter: TenantFilter,
    command: Command,
) -> Result<(), Failure> {
    if global.tenant_typed() {
        return Err(Failure::usage(
            "--tenant picks one tenant; a fan-out picks its tenants with --each-tenant, the \
             --tenant-* filters, --tenants-file or --rerun-failures",
        ));
    }
    let job = jobs::job_for(command)?;
    let selection = select(&args, filter, job.as_ref())?;
    super::context::block_on(async move {
        let session = Session::open(&global).await?;
        drive(&session, &args, job, selection).await
    })
}

/// The tenants to run in.
fn select(
    args: &FanOutArgs,
    filter: TenantFilter,
    job: &dyn PerTenant,
) -> Result<TenantSelection, Failure> {
    let sources = [
        args.tenants_file.is_some(),
        args.rerun_failures.is_some(),
        args.each_tenant || has_filter(&filter),
    ];
    if sources.iter().filter(|on| **on).count() > 1 {
        return Err(Failure::usage(
            "choose one tenant selection: --tenants-file, --rerun-failures, or --each-tenant \
             and the --tenant-* filters",
        ));
    }
    let selection = if let Some(path) = &args.tenants_file {
        let input = super::misc::open_input(path)
            .map_err(|error| Failure::usage(format!("cannot read {}: {error}", path.display())))?;
        TenantSelection::read_ids(input).map_err(|error| {
            let name = if path.as_os_str() == "-" {
                "standard input".into()
            } else {
                path.display().to_string()
            };
            Failure::usage(format!("tenants file {name}: {error}"))
        })?
    } else if let Some(path) = &args.rerun_failures {
        let report = Report::read(path)?;
        if report.command != job.name() {
            return Err(Failure::usage(format!(
                "the report {} is of `{}`, not `{}`",
                path.display(),
                report.command,
                job.name()
            )));
        }
        TenantSelection::Ids(report.to_rerun(args.rerun_unknown))
    } else {
        TenantSelection::Filter(filter)
    };
    Ok(selection)
}

/// Ctrl-C, seen as a stream of interrupts (installed only for a fan-out).
struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn new() -> Interrupts {
        Interrupts {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        match &mut self.signal {
            Some(signal) => {
                if signal.recv().await.is_none() {
                    std::future::pending::<()>().await
                }
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    }
}

/// Prints each tenant's output as it finishes.
struct Printer {
    mode: OutputMode,
    /// Tables: blocks of at least [`output::TableBlocks::BLOCK`] rows, each tenant's rows kept
    /// in one block.
    table: output::TableBlocks<'static>,
    /// `--jsonl`: each tenant's lines, written together.
    lines: output::LineBatch,
    documents: Vec<Value>,
}

impl Printer {
    fn new(mode: OutputMode, header: Vec<&'static str>) -> Printer {
        let mut columns = vec!["TENANT"];
        columns.extend(header);
        Printer {
            mode,
            table: output::TableBlocks::new(columns),
            lines: output::LineBatch::default(),
            documents: Vec::new(),
        }
    }

    fn tenant(&mut self, tenant: &str, output: TenantOutput) -> Result<(), Failure> {
        match self.mode {
            OutputMode::JsonLines => {
                for json in output.json {
                    self.lines.push(&with_tenant(tenant, json))?;
                }
                self.lines.flush()?;
            }
            OutputMode::Json => {
                let result = if output.single {
                    output.json.into_iter().next().unwrap_or(Value::Null)
                } else {
                    Value::Array(output.json)
                };
                let mut object = Map::new();
                object.insert("tenant_id".into(), Value::String(tenant.to_owned()));
                object.insert("result".into(), result);
                self.documents.push(Value::Object(object));
            }
            OutputMode::Human => {
                for cells in output.rows {
                    let mut row = vec![tenant.to_owned()];
                    row.extend(cells);
                    self.table.push(row);
                }
                self.table.print_full()?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Failure> {
        match self.mode {
            OutputMode::Json => output::json(&self.documents),
            // A fan-out that printed no row prints no header either.
            OutputMode::Human => self.table.finish(false),
            OutputMode::JsonLines => Ok(()),
        }
    }
}

/// `json` with `"tenant_id"` added (an object), or `{"tenant_id", "result"}` (anything else).
fn with_tenant(tenant: &str, json: Value) -> Value {
    let mut object = match json {
        Value::Object(map) if !map.contains_key("tenant_id") => map,
        other => {
            let mut map = Map::new();
            map.insert("result".into(), other);
            map
        }
    };
    object.insert("tenant_id".into(), Value::String(tenant.to_owned()));
    Value::Object(object)
}

/// The run itself: dispatch, print, count, Ctrl-C, report, exit status.
async fn drive(
    session: &Session,
    args: &FanOutArgs,
    job: Arc<dyn PerTenant>,
    selection: TenantSelection,
) -> Result<(), Failure> {
    let changes_state = job.changes_state();
    let mut fan_out = session.client.fan_out();
    if let Some(n) = args.concurrency {
        fan_out = fan_out.concurrency(n);
    }
    if let Some(seconds) = args.per_tenant_timeout {
        let timeout = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Failure::usage("--per-tenant-timeout must be a positive number"))?;
        fan_out = fan_out.per_tenant_timeout(timeout);
    }
    let cancel = fan_out.canceller();
    let lister = session.client.with_throttle(fan_out.throttle());

    // Listed tenants (not a filter's): those not reached when a second Ctrl-C aborts the run
    // are reported as not started.
    let total = selection.known_len();
    let listed: Vec<String> = match &selection {
        TenantSelection::Ids(ids) => ids.clone(),
        TenantSelection::Filter(_) => Vec::new(),
    };

    // The selection's IDs; a failure of the tenants API ends them and is kept.
    let selection_error: Arc<Mutex<Option<taegis_sdk::Error>>> = Arc::default();
    let kept = selection_error.clone();
    let ids = selection.stream(&lister).scan((), move |_, item| {
        std::future::ready(match item {
            Ok(id) => Some(id),
            Err(error) => {
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                None
            }
        })
    });

    // Which tenants were started (for an abort, which leaves them unfinished).
    let started: Arc<Mutex<HashSet<String>>> = Arc::default();
    let started_by_job = started.clone();
    let runner = job.clone();
    let mode = session.output;
    let mut results = fan_out.run(ids, move |client: Client| {
        if let Some(tenant) = client.tenant_id() {
            started_by_job
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(tenant.as_str().to_owned());
        }
        runner.run(client, mode)
    });

    let bar = output::progress(session.interactive, total.map(|n| n as u64), "tenants");
    let mut printer = Printer::new(session.output, job.header());
    let mut report = Report::new(job.name(), changes_state);
    let mut finished: HashSet<String> = HashSet::new();
    let mut interrupts = Interrupts::new();
    let mut aborted = false;
    let mut output_failure = None;
    // Tenants failed so far, or whose outcome is unknown (for the progress bar).
    let mut not_ok = 0usize;
    loop {
        tokio::select! {
            next = results.next() => {
                let Some((tenant, result)) = next else { break };
                let entry = match result {
                    Ok(out) => {
                        if output_failure.is_none() {
                            if let Err(failure) = printer.tenant(&tenant, out) {
                                // Stop starting tenants; those running finish and are reported.
                                cancel.cancel();
                                output_failure = Some(failure);
                            }
                        }
                        Entry { tenant_id: tenant.clone(), status: Status::Ok, error: None }
                    }
                    Err(error) => failed_entry(&tenant, error, changes_state),
                };
                if entry.status != Status::Ok && entry.status != Status::NotStarted {
                    not_ok += 1;
                    bar.set_message(format!("tenants, {not_ok} failed"));
                }
                bar.inc(1);
                finished.insert(tenant);
                report.push(entry);
            }
            _ = interrupts.next() => {
                if report.interrupted {
                    aborted = true;
                    break;
                }
                report.interrupted = true;
                cancel.cancel();
                bar.suspend(|| eprintln!(
                    "interrupted: starting no more tenants, waiting for those running (Ctrl-C again to abort)"
                ));
            }
        }
    }
    bar.finish_and_clear();
    if aborted {
        // Those still running are cut off: a change may have been applied.
        let running: Vec<String> = started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|t| !finished.contains(*t))
            .cloned()
            .collect();
        for tenant in running {
            finished.insert(tenant.clone());
            report.push(Entry {
                tenant_id: tenant,
                status: Status::not_ok(changes_state),
                error: Some("aborted by a second Ctrl-C while running".into()),
            });
        }
        for tenant in &listed {
            if !finished.contains(tenant) {
                finished.insert(tenant.clone());
                report.push(Entry {
                    tenant_id: tenant.clone(),
                    status: Status::NotStarted,
                    error: None,
                });
            }
        }
    }
    let selection_error = selection_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(error) = selection_error {
        if report.tenants.is_empty() {
            return Err(error.into());
        }
        report.selection_error = Some(error.to_string());
    }
    if output_failure.is_none() {
        if let Err(failure) = printer.finish() {
            output_failure = Some(failure);
        }
    }
    report.print_summary();
    if let Some(path) = &args.report_file {
        report.write(path)?;
    }
    if let Some(failure) = output_failure {
        return Err(failure);
    }
    if aborted {
        return Err(Failure {
            code: ABORT_EXIT,
            message: "aborted: tenants still running were cut off".into(),
            detail: None,
        });
    }
    let ok = report.counts().ok;
    if report.complete() || (args.allow_partial && ok > 0 && !report.interrupted) {
        return Ok(());
    }
    Err(Failure {
        code: PARTIAL_EXIT,
        message: format!(
            "{} of {} tenants did not succeed",
            report.tenants.len() - ok,
            report.tenants.len()
        ),
        detail: None,
    })
}

/// The report entry of a tenant that did not succeed.
fn failed_entry(tenant: &str, error: FanOutError<JobError>, changes_state: bool) -> Entry {
    let (status, message) = match error {
        FanOutError::Failed(e) => (Status::not_ok(e.may_have_applied), Some(e.message)),
        // Cut off while running: a change may have been applied.
        FanOutError::TimedOut(limit) => (
            Status::not_ok(changes_state),
            Some(format!("timed out after {:.1} s", limit.as_secs_f64())),
        ),
        FanOutError::NotStarted => (Status::NotStarted, None),
        FanOutError::InvalidTenant(e) => (Status::Failed, Some(e.to_string())),
    };
    Entry {
        tenant_id: tenant.to_owned(),
        status,
        error: message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> taegis_sdk::Error {
        taegis_sdk::Error::Http {
            status,
            body_excerpt: String::new(),
            request_id: None,
        }
    }

    fn dispatch(sent: bool) -> taegis_sdk::Error {
        taegis_sdk::Error::Dispatch {
            may_have_been_sent: sent,
            timed_out: true,
            source: "cut off".into(),
        }
    }

    #[test]
    fn only_a_change_that_may_have_reached_the_server_has_an_unknown_outcome() {
        let applied =
            |e: &taegis_sdk::Error, change| JobError::from_sdk(e, change).may_have_applied;
        // Reads never apply anything.
        for e in [http(503), dispatch(true), http(403)] {
            assert!(!applied(&e, false), "{e}");
        }
        // Changes: sent without a definite answer (5xx, 408, cut off after sending).
        assert!(applied(&http(503), true));
        assert!(applied(&http(500), true));
        assert!(applied(&http(408), true));
        assert!(applied(&dispatch(true), true));
        // Refused or never sent.
        assert!(!applied(&http(403), true));
        assert!(!applied(&http(429), true));
        assert!(!applied(&dispatch(false), true));
        assert!(!applied(&taegis_sdk::Error::MissingCredentials, true));
    }

    #[test]
    fn timeouts_are_unknown_for_changes_and_failures_for_reads() {
        let timed_out = || FanOutError::TimedOut(Duration::from_secs(2));
        assert_eq!(failed_entry("1", timed_out(), true).status, Status::Unknown);
        assert_eq!(failed_entry("1", timed_out(), false).status, Status::Failed);
        let not_started = failed_entry("1", FanOutError::NotStarted, true);
        assert_eq!(not_started.status, Status::NotStarted);
        assert_eq!(not_started.error, None);
    }

    #[test]
    fn reruns_take_failed_and_not_started_and_unknown_only_when_asked() {
        let mut report = Report::new("clients create", true);
        for (tenant, status) in [
            ("1", Status::Ok),
            ("2", Status::Failed),
            ("3", Status::Unknown),
            ("4", Status::NotStarted),
        ] {
            report.push(Entry {
                tenant_id: tenant.into(),
                status,
                error: None,
            });
        }
        assert_eq!(report.to_rerun(false), ["2", "4"]);
        assert_eq!(report.to_rerun(true), ["2", "3", "4"]);
        assert!(!report.complete());
        assert_eq!(
            report.counts(),
            report::Counts {
                ok: 1,
                failed: 1,
                unknown: 1,
                not_started: 1
            }
        );
    }

    #[test]
    fn rows_get_the_tenant_id_without_losing_a_field() {
        let row = with_tenant("10001", serde_json::json!({"id": "a"}));
        assert_eq!(row, serde_json::json!({"id": "a", "tenant_id": "10001"}));
        // An object with its own `tenant_id` is kept whole under `result`.
        let row = with_tenant("10001", serde_json::json!({"tenant_id": "x"}));
        assert_eq!(
            row,
            serde_json::json!({"result": {"tenant_id": "x"}, "tenant_id": "10001"})
        );
    }
}
