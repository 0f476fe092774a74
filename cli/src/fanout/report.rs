//! The per-tenant report of a fan-out: what happened to each tenant, as a summary on standard
//! error and as JSON (`--report-file FILE`, read back by `--rerun-failures`).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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

/// The report of one fan-out run (the `--report-file FILE` document, written with its counts
/// by status).
#[derive(Debug, Clone)]
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
    pub selection_error: Option<String>,
    /// Every tenant, in the order they finished.
    pub tenants: Vec<Entry>,
}

/// How many tenants of a report have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Tenants that succeeded.
    pub ok: usize,
    /// Tenants that failed (safe to run again).
    pub failed: usize,
    /// Tenants whose change may or may not have been applied.
    pub unknown: usize,
    /// Tenants never started.
    pub not_started: usize,
}

/// The `--report-file` document: a [`Report`] with its counts by status (counted from its
/// entries when written; read back, and checked for their type, but not kept). Its fields,
/// in this order, and its name in error messages (`Report`) are the file format.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Report", expecting = "struct Report")]
struct Document<'a> {
    version: u32,
    command: Cow<'a, str>,
    changes_state: bool,
    interrupted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection_error: Option<Cow<'a, str>>,
    ok: usize,
    failed: usize,
    unknown: usize,
    not_started: usize,
    tenants: Cow<'a, [Entry]>,
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
            tenants: Vec::new(),
        }
    }

    /// Records one tenant.
    pub fn push(&mut self, entry: Entry) {
        self.tenants.push(entry);
    }

    /// How many tenants have each status.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for entry in &self.tenants {
            match entry.status {
                Status::Ok => counts.ok += 1,
                Status::Failed => counts.failed += 1,
                Status::Unknown => counts.unknown += 1,
                Status::NotStarted => counts.not_started += 1,
            }
        }
        counts
    }

    /// The report as its file's document.
    fn document(&self) -> Document<'_> {
        let counts = self.counts();
        Document {
            version: self.version,
            command: Cow::Borrowed(&self.command),
            changes_state: self.changes_state,
            interrupted: self.interrupted,
            selection_error: self.selection_error.as_deref().map(Cow::Borrowed),
            ok: counts.ok,
            failed: counts.failed,
            unknown: counts.unknown,
            not_started: counts.not_started,
            tenants: Cow::Borrowed(&self.tenants),
        }
    }

    /// Whether every tenant succeeded and the selection was read to its end.
    pub fn complete(&self) -> bool {
        self.tenants.iter().all(|e| e.status == Status::Ok)
            && self.selection_error.is_none()
            && !self.interrupted
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
        let document: Document = serde_json::from_slice(&text).map_err(|error| {
            Failure::usage(format!(
                "{} is not a fan-out report: {error}",
                path.display()
            ))
        })?;
        if document.version != 1 {
            return Err(Failure::usage(format!(
                "{}: report version {} is not supported",
                path.display(),
                document.version
            )));
        }
        Ok(Report {
            version: document.version,
            command: document.command.into_owned(),
            changes_state: document.changes_state,
            interrupted: document.interrupted,
            selection_error: document.selection_error.map(Cow::into_owned),
            tenants: document.tenants.into_owned(),
        })
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
            serde_json::to_writer_pretty(&mut file, &self.document())?;
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
        let counted = self.counts();
        let mut counts = vec![format!("{} ok", counted.ok)];
        for (n, status) in [
            (counted.failed, Status::Failed),
            (counted.unknown, Status::Unknown),
            (counted.not_started, Status::NotStarted),
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
        if counted.unknown > 0 {
            eprintln!(
                "outcome unknown: the change may have been applied; --rerun-failures skips \
                 these tenants unless --rerun-unknown"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report file's format: its fields, their order, the counts by status.
    #[test]
    fn the_document_keeps_the_file_format_and_reads_back() {
        let mut report = Report::new("clients create", true);
        for (tenant, status, error) in [
            ("1", Status::Ok, None),
            ("2", Status::Failed, Some("HTTP 403")),
            ("3", Status::Unknown, Some("timed out after 1.0 s")),
            ("4", Status::NotStarted, None),
            ("5", Status::Ok, None),
        ] {
            report.push(Entry {
                tenant_id: tenant.into(),
                status,
                error: error.map(Into::into),
            });
        }
        report.interrupted = true;
        let text = serde_json::to_string(&report.document()).unwrap();
        assert_eq!(
            text,
            r#"{"version":1,"command":"clients create","changes_state":true,"interrupted":true,"ok":2,"failed":1,"unknown":1,"not_started":1,"tenants":[{"tenant_id":"1","status":"ok"},{"tenant_id":"2","status":"failed","error":"HTTP 403"},{"tenant_id":"3","status":"unknown","error":"timed out after 1.0 s"},{"tenant_id":"4","status":"not_started"},{"tenant_id":"5","status":"ok"}]}"#
        );
        report.selection_error = Some("HTTP 503".into());
        let text = serde_json::to_string(&report.document()).unwrap();
        assert!(text.contains(r#""interrupted":true,"selection_error":"HTTP 503","ok":2"#));

        let folder = std::env::temp_dir().join(format!("taegis-report-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("r.json");
        report.write(&path).unwrap();
        let read = Report::read(&path).unwrap();
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(read.command, "clients create");
        assert_eq!(read.selection_error.as_deref(), Some("HTTP 503"));
        assert_eq!(read.counts(), report.counts());
        assert_eq!(read.to_rerun(true), ["2", "3", "4"]);
    }

    /// The counts are part of the format: a file without them is not a report. Errors name
    /// the document `Report`.
    #[test]
    fn a_file_without_its_counts_is_refused() {
        let error = serde_json::from_str::<Document>(r#""abc""#).err().unwrap();
        assert!(
            error.to_string().contains("expected struct Report"),
            "{error}"
        );
        let text = r#"{"version":1,"command":"query","changes_state":false,"interrupted":false,"tenants":[]}"#;
        let error = serde_json::from_str::<Document>(text).err().unwrap();
        assert!(
            error.to_string().starts_with("missing field `ok`"),
            "{error}"
        );
    }
}
