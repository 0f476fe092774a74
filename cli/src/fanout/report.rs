//! The per-tenant report of a fan-out: what happened to each tenant, as a summary on standard
//! error and as JSON (`--report-file FILE`, read back by `--rerun-failures`).

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

use super::super::output;
use super::super::Failure;

/// What happened to one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The command succeeded.
    Ok,
    /// The command failed and changed nothing on the server (a read, or a change refused or
    /// never sent): safe to run again.
    Failed,
    /// A change may or may not have been applied (the request may have reached the server
    /// and no definite answer came back): not run again unless `--rerun-unknown`.
    Unknown,
    /// Nothing was sent for this tenant (interrupted before it started).
    NotStarted,
}

impl Status {
    /// A tenant that did not succeed: outcome unknown when a change may have been applied
    /// (`may_have_applied`: a change cut off while running, or failing after its request may
    /// have reached the server), else failed.
    pub fn not_ok(may_have_applied: bool) -> Status {
        if may_have_applied {
            Status::Unknown
        } else {
            Status::Failed
        }
    }

    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Unknown => "outcome unknown",
            Status::NotStarted => "not started",
        }
    }
}

/// One tenant's line of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The tenant.
    pub tenant_id: String,
    /// What happened.
    pub status: Status,
    /// Why it did not succeed (the SDK's error text: secrets are redacted from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The report of one fan-out run (the `--report-file FILE` document).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Format version (1).
    pub version: u32,
    /// The command that ran in each tenant (`clients create`, `query`, ...), without its
    /// arguments.
    pub command: String,
    /// Whether the command changes server state.
    pub changes_state: bool,
    /// Whether Ctrl-C stopped the run before every tenant was started.
    pub interrupted: bool,
    /// Why the tenant selection stopped early (the tenants API failed), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_error: Option<String>,
    /// Counts by status.
    pub ok: usize,
    /// Tenants that failed (safe to run again).
    pub failed: usize,
    /// Tenants whose change may or may not have been applied.
    pub unknown: usize,
    /// Tenants never started.
    pub not_started: usize,
    /// Every tenant, in the order they finished.
    pub tenants: Vec<Entry>,
}

impl Report {
    /// An empty report of `command`.
    pub fn new(command: &str, changes_state: bool) -> Report {
        Report {
            version: 1,
            command: command.to_owned(),
            changes_state,
            interrupted: false,
            selection_error: None,
            ok: 0,
            failed: 0,
            unknown: 0,
            not_started: 0,
            tenants: Vec::new(),
        }
    }

    /// Records one tenant.
    pub fn push(&mut self, entry: Entry) {
        match entry.status {
            Status::Ok => self.ok += 1,
            Status::Failed => self.failed += 1,
            Status::Unknown => self.unknown += 1,
            Status::NotStarted => self.not_started += 1,
        }
        self.tenants.push(entry);
    }

    /// Whether every tenant succeeded and the selection was read to its end.
    pub fn complete(&self) -> bool {
        self.ok == self.tenants.len() && self.selection_error.is_none() && !self.interrupted
    }

    /// The tenants to run again: failed and not started ones, plus unknown ones when
    /// `unknown_too`.
    pub fn to_rerun(&self, unknown_too: bool) -> Vec<String> {
        self.tenants
            .iter()
            .filter(|e| match e.status {
                Status::Failed | Status::NotStarted => true,
                Status::Unknown => unknown_too,
                Status::Ok => false,
            })
            .map(|e| e.tenant_id.clone())
            .collect()
    }

    /// Reads a report written by `--report-file`.
    pub fn read(path: &Path) -> Result<Report, Failure> {
        let text = std::fs::read(path).map_err(|error| {
            Failure::usage(format!(
                "cannot read the report {}: {error}",
                path.display()
            ))
        })?;
        let report: Report = serde_json::from_slice(&text).map_err(|error| {
            Failure::usage(format!(
                "{} is not a fan-out report: {error}",
                path.display()
            ))
        })?;
        if report.version != 1 {
            return Err(Failure::usage(format!(
                "{}: report version {} is not supported",
                path.display(),
                report.version
            )));
        }
        Ok(report)
    }

    /// Writes the report as JSON to `path` atomically: a temporary file in the same folder,
    /// flushed to disk, then renamed over `path`.
    pub fn write(&self, path: &Path) -> Result<(), Failure> {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
        let failed = |error: std::io::Error| {
            Failure::api(format!(
                "cannot write the report {}: {error}",
                path.display()
            ))
        };
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temporary)?;
            serde_json::to_writer_pretty(&mut file, self)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        })();
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(failed(error));
        }
        Ok(())
    }

    /// The summary on standard error: the counts, then each tenant that did not succeed
    /// (at most `MAX_LISTED`).
    pub fn print_summary(&self) {
        const MAX_LISTED: usize = 20;
        let mut counts = vec![format!("{} ok", self.ok)];
        for (n, status) in [
            (self.failed, Status::Failed),
            (self.unknown, Status::Unknown),
            (self.not_started, Status::NotStarted),
        ] {
            if n > 0 {
                counts.push(format!("{n} {}", status.label()));
            }
        }
        eprintln!(
            "{} tenant{}: {}",
            self.tenants.len(),
            if self.tenants.len() == 1 { "" } else { "s" },
            counts.join(", ")
        );
        let not_ok: Vec<&Entry> = self
            .tenants
            .iter()
            .filter(|e| e.status != Status::Ok)
            .collect();
        for entry in not_ok.iter().take(MAX_LISTED) {
            let why = entry
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            let line = format!("  {} {}{why}", entry.tenant_id, entry.status.label());
            eprintln!("{}", output::escape(&line));
        }
        if not_ok.len() > MAX_LISTED {
            eprintln!(
                "  ... and {} more (--report-file FILE lists every tenant)",
                not_ok.len() - MAX_LISTED
            );
        }
        if let Some(error) = &self.selection_error {
            let line = format!("the tenant selection stopped early: {error}");
            eprintln!("{}", output::escape(&line));
        }
        if self.interrupted {
            eprintln!("interrupted: tenants not started are listed as such");
        }
        if self.unknown > 0 {
            eprintln!(
                "outcome unknown: the change may have been applied; --rerun-failures skips \
                 these tenants unless --rerun-unknown"
            );
        }
    }
}
