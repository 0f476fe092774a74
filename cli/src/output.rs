//! Printing results: aligned tables, `key: value` blocks, JSON and JSON Lines.
//!
//! The one key rule of `--json` and `--jsonl` output, for every command: a key is the API's
//! own name for the field, spelled exactly as the API spells it. For GraphQL objects that is
//! the field name in the endpoint's schema (`clientID`, `roleAssignments` on the main
//! endpoint; `created_at`, `cursorPos` on the tenants endpoint, whose schema mixes both), and
//! the facade types serialise with those names; `clients create`/`rotate` print the
//! `NewClient` object (`client`, `clientSecret`). `auth token` reports the OAuth2 token
//! endpoint's answer with its RFC 6749 names (`access_token`, `token_type`, `expires_in`,
//! plus `expires_at` in the same style); `version` the REST answer's names. Keys the CLI adds
//! around API objects are single lowercase words (`deleted`, `failed`, `client`, `error`).
//! Never rename an API field for style: `cli/tests/cli_polish.rs` checks the keys against the
//! schemas. (The `key: value` blocks of human output are labels, not keys, and stay
//! snake_case.)

use comfy_table::{presets::NOTHING, Cell, ContentArrangement, Table};
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::borrow::Cow;
use std::io::Write;

use super::Failure;
use taegis_sdk::is_terminal_control;

/// `text` with every character that could drive a terminal written as `\u{..}` (newlines
/// and tabs included): the one escaping of server-provided text shown to humans.
pub fn escape(text: &str) -> Cow<'_, str> {
    taegis_sdk::escape_controls(text)
}

/// Escapes each line of `text`, keeping the line breaks (for multi-line detail).
pub fn escape_lines(text: &str) -> String {
    text.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// A JSON formatter that also writes DEL, C1 and bidirectional controls as `\uXXXX`
/// (serde_json already escapes U+0000 to U+001F): the decoded strings are unchanged.
struct TerminalSafe<F>(F);

impl<F: Formatter> Formatter for TerminalSafe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(is_terminal_control) {
            let c = rest[at..].chars().next().unwrap_or_default();
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character is in the Basic Multilingual Plane: one \uXXXX.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` with `formatter` and a newline to `out`.
fn encode_json(
    out: &mut impl Write,
    value: &impl Serialize,
    formatter: impl Formatter,
) -> Result<(), Failure> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafe(formatter));
    value
        .serialize(&mut serializer)
        .map_err(|e| match e.io_error_kind() {
            Some(kind) => Failure::output(kind.into()),
            None => Failure::api(format!("cannot encode the output: {e}")),
        })?;
    writeln!(out).map_err(Failure::output)
}

/// Writes `value` with `formatter` and a newline to standard output.
fn write_json(value: &impl Serialize, formatter: impl Formatter) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    encode_json(&mut out, value, formatter)?;
    out.flush().map_err(Failure::output)
}

/// JSON Lines kept until [`LINES_BATCH`] bytes or until the writer flushes them.
const LINES_BATCH: usize = 64 * 1024;

/// Writes the JSON Lines kept in `pending` to standard output.
fn flush_lines(pending: &mut Vec<u8>) -> Result<(), Failure> {
    if pending.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(pending)
        .and_then(|()| out.flush())
        .map_err(Failure::output)?;
    pending.clear();
    Ok(())
}

/// JSON Lines on standard output, written in batches: kept until [`LINES_BATCH`] bytes or
/// until [`LineBatch::flush`].
#[derive(Debug, Default)]
pub struct LineBatch {
    pending: Vec<u8>,
}

impl LineBatch {
    /// Adds `value` as one line (written out once the batch is full).
    pub fn push(&mut self, value: &impl Serialize) -> Result<(), Failure> {
        encode_json(&mut self.pending, value, CompactFormatter)?;
        if self.pending.len() >= LINES_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the lines kept.
    pub fn flush(&mut self) -> Result<(), Failure> {
        flush_lines(&mut self.pending)
    }
}

/// Prints `value` as pretty JSON followed by a newline.
pub fn json(value: &impl Serialize) -> Result<(), Failure> {
    write_json(value, PrettyFormatter::new())
}

/// Prints `value` as one line of JSON.
pub fn json_line(value: &impl Serialize) -> Result<(), Failure> {
    write_json(value, CompactFormatter)
}

/// Prints rows under a header as an aligned table (no borders, like `ls -l`).
pub fn table(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    with_header: bool,
) -> Result<(), Failure> {
    let mut table = Table::new();
    table
        .load_style(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if with_header {
        table.set_header(header.iter().map(Cell::new));
    }
    let mut empty = true;
    for row in rows {
        empty = false;
        table.add_row(row.iter().map(|cell| escape(cell).into_owned()));
    }
    if empty && !with_header {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end()).map_err(Failure::output)?;
    }
    Ok(())
}

/// A table printed in blocks, so that no more than one block of rows is held: each block is
/// aligned on its own, and the header is printed above the first.
#[derive(Debug)]
pub struct TableBlocks<'a> {
    header: Vec<&'a str>,
    rows: Vec<Vec<String>>,
    first: bool,
}

impl<'a> TableBlocks<'a> {
    /// The rows of a block.
    pub const BLOCK: usize = 100;

    /// A table with these columns and no rows yet.
    pub fn new(header: Vec<&'a str>) -> TableBlocks<'a> {
        TableBlocks {
            header,
            rows: Vec::new(),
            first: true,
        }
    }

    /// Adds a row (printed by [`TableBlocks::print_full`] or [`TableBlocks::finish`]).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Prints the rows kept as one block once there are at least [`TableBlocks::BLOCK`].
    pub fn print_full(&mut self) -> Result<(), Failure> {
        if self.rows.len() >= Self::BLOCK {
            self.print()?;
        }
        Ok(())
    }

    /// Prints the rows kept, if any, as one block.
    fn print(&mut self) -> Result<(), Failure> {
        if self.rows.is_empty() {
            return Ok(());
        }
        table(&self.header, self.rows.drain(..), self.first)?;
        self.first = false;
        Ok(())
    }

    /// Prints the last block; with `header_when_empty`, a table that got no row at all still
    /// shows its header.
    pub fn finish(mut self, header_when_empty: bool) -> Result<(), Failure> {
        if self.rows.is_empty() && self.first && header_when_empty {
            return table(&self.header, Vec::new(), true);
        }
        self.print()
    }
}

/// Prints `key: value` lines with the keys aligned (values escaped).
pub fn fields(pairs: &[(&str, String)]) -> Result<(), Failure> {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for (key, value) in pairs {
        writeln!(out, "{key:<width$}  {}", escape(value)).map_err(Failure::output)?;
    }
    Ok(())
}

/// A line on standard output for humans (escaped).
pub fn line(text: impl std::fmt::Display) -> Result<(), Failure> {
    writeln!(std::io::stdout().lock(), "{}", escape(&text.to_string())).map_err(Failure::output)
}

/// An optional value for a table cell.
pub fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "-".into())
}

/// A yes/no cell.
pub fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "-".into(),
    }
}

/// A progress bar on standard error, drawn only when standard error is a terminal.
pub fn progress(
    interactive: bool,
    total: Option<u64>,
    what: &'static str,
) -> indicatif::ProgressBar {
    if !interactive {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(total) => indicatif::ProgressBar::new(total),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{bar:40} {pos}/{len} {msg}"
    } else {
        "{spinner} {pos} {msg}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}

/// The items of `pages`, at most `max` of them when given.
pub fn limited<T: Send + 'static>(
    pages: taegis_sdk::Paginator<T>,
    max: Option<usize>,
) -> taegis_sdk::paginate::Items<T> {
    match max {
        Some(max) => pages.limit(max).items(),
        None => pages.items(),
    }
}

/// Prints a stream of API objects in `mode` without holding more than one table block (100
/// rows) in memory, except for `--json`, which is one document by definition (`--max` is the
/// stream's own limit: `Paginator::limit`, which asks for no page it does not need). Ticks
/// `bar` per item. Returns how many were printed.
pub async fn stream<T, S>(
    mode: super::context::OutputMode,
    items: S,
    header: &[&str],
    row: fn(&T) -> Vec<String>,
    bar: &indicatif::ProgressBar,
) -> Result<usize, Failure>
where
    T: Serialize,
    S: futures_util::Stream<Item = Result<T, taegis_sdk::Error>>,
{
    use super::context::OutputMode;
    use futures_util::{FutureExt, TryStreamExt};
    let mut items = std::pin::pin!(items);
    let mut kept = Vec::new();
    let mut blocks = TableBlocks::new(header.to_vec());
    let mut seen = 0usize;
    // JSON Lines go out in batches while items come faster than the terminal or pipe takes
    // them, and at once whenever the stream has to wait (so a slow stream shows each line).
    let mut lines = LineBatch::default();
    loop {
        let next = match items.try_next().now_or_never() {
            Some(next) => next,
            None => {
                lines.flush()?;
                items.try_next().await
            }
        };
        let item = match next {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(error) => {
                lines.flush()?;
                return Err(error.into());
            }
        };
        seen += 1;
        bar.inc(1);
        match mode {
            OutputMode::JsonLines => lines.push(&item)?,
            OutputMode::Json => kept.push(item),
            OutputMode::Human => {
                blocks.push(row(&item));
                blocks.print_full()?;
            }
        }
    }
    lines.flush()?;
    bar.finish_and_clear();
    match mode {
        OutputMode::Json => json(&kept)?,
        OutputMode::Human => blocks.finish(true)?,
        OutputMode::JsonLines => {}
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::escape;
    use std::borrow::Cow;

    #[test]
    fn escape_leaves_plain_text_alone_and_escapes_controls_and_bidi() {
        assert!(matches!(escape("Acme Bank Ltd – é"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\x1b[2J\u{9b}\u{202e}\x7f\n\tb"),
            "a\\u{1b}[2J\\u{9b}\\u{202e}\\u{7f}\\u{a}\\u{9}b"
        );
    }
}
