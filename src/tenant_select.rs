//! Which tenants a fan-out runs over: tenants the tenants API selects with its own filters,
//! or tenant IDs listed one per line in a file or standard input.
//!
//! [`TenantSelection::stream`] yields tenant IDs as they come, page by page (one page of
//! the tenants API in memory at a time), so a fan-out starts on the first tenants while
//! later pages are still to be fetched.
//!
//! ```no_run
//! # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
//! use futures_util::StreamExt;
//! use taegis_sdk::tenant_select::{LabelMatch, TenantFilter, TenantSelection};
//!
//! let selection = TenantSelection::Filter(TenantFilter {
//!     name: Some("%bank%".into()),
//!     labels: vec![LabelMatch::new("tier", Some("gold"))],
//!     is_partner: Some(false),
//!     ..Default::default()
//! });
//! // The IDs stream ends at the first error (its last item).
//! let tenants = selection.stream(&client).filter_map(|id| async move { id.ok() });
//! let mut results = client.fan_out().run(tenants, |c| async move { c.access_token().await.map(drop) });
//! while let Some((tenant, result)) = results.next().await {
//!     println!("{tenant}: {}", if result.is_ok() { "ok" } else { "failed" });
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::BufRead;

use futures_util::stream::{self, BoxStream, StreamExt};

use crate::api::tenants::{
    PartnershipFilter, TenantEnvironmentFilter, TenantLabelFilter, TenantsQuery,
};
use crate::config::TenantId;
use crate::{Client, Error};
use taegis_platform::name_filter::like;

/// A label a selected tenant must carry: its name and, when given, its value (`%` is a
/// wildcard in both, matched without regard to case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMatch {
    /// Label name pattern.
    pub name: String,
    /// Label value pattern (any value when `None`).
    pub value: Option<String>,
}

impl LabelMatch {
    /// A label match on `name` and optionally `value`.
    pub fn new(name: impl Into<String>, value: Option<&str>) -> LabelMatch {
        LabelMatch {
            name: name.into(),
            value: value.map(str::to_owned),
        }
    }

    /// Reads `NAME=VALUE` or `NAME` (any value).
    pub fn parse(text: &str) -> LabelMatch {
        match text.split_once('=') {
            Some((name, value)) => LabelMatch::new(name, Some(value)),
            None => LabelMatch::new(text, None),
        }
    }

    fn matches(&self, label: &crate::api::tenants::TenantLabel) -> bool {
        like(&self.name, &label.name)
            && self
                .value
                .as_ref()
                .is_none_or(|v| like(v, label.value.as_deref().unwrap_or("")))
    }
}

/// Filters of the tenants API for a selection; every set filter must match (unset: any).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantFilter {
    /// Name or ID; `%` is a wildcard (`%bank%`).
    pub name: Option<String>,
    /// Only these tenant IDs.
    pub ids: Vec<String>,
    /// Labels the tenant carries (all of them). The first is the API's `labelFilter`; the
    /// others are checked on each tenant returned, as the API takes one.
    pub labels: Vec<LabelMatch>,
    /// Tenants in the hierarchy of one of these partners.
    pub hierarchies: Vec<String>,
    /// Enabled in this environment (`echo`, `delta`, `pilot`, ...).
    pub environment: Option<String>,
    /// Having one of these services (names or IDs; `%` is a wildcard).
    pub services: Vec<String>,
    /// Having one of these partner subscriptions (names or IDs; `%` is a wildcard).
    pub subscriptions: Vec<String>,
    /// Partners only (`true`) or non-partners only (`false`, e.g. a partner's children).
    pub is_partner: Option<bool>,
}

impl TenantFilter {
    /// The tenants API query for this filter (pages of `page_size`).
    pub fn query(&self, page_size: i64) -> TenantsQuery {
        let list = |items: &[String]| {
            (!items.is_empty()).then(|| items.iter().cloned().map(Some).collect())
        };
        TenantsQuery {
            name: self.name.clone(),
            ids: (!self.ids.is_empty()).then(|| self.ids.clone()),
            for_hierarchies: list(&self.hierarchies),
            environment_filter: self
                .environment
                .as_ref()
                .map(|name| TenantEnvironmentFilter {
                    name: Some(name.clone()),
                    enabled: Some(true),
                }),
            label_filter: self.labels.first().map(|label| TenantLabelFilter {
                label_name: Some(label.name.clone()),
                label_value: label.value.clone(),
            }),
            with_services: list(&self.services),
            partnership: match self.subscriptions.as_slice() {
                [one] => Some(PartnershipFilter {
                    with_subscription: Some(one.clone()),
                }),
                _ => None,
            },
            with_partner_subscriptions: (self.subscriptions.len() > 1)
                .then(|| self.subscriptions.iter().cloned().map(Some).collect()),
            is_partner: self.is_partner,
            max_results: Some(page_size),
            ..Default::default()
        }
    }

    /// Whether a tenant the API returned also carries the labels after the first.
    fn keeps(&self, tenant: &crate::api::tenants::Tenant) -> bool {
        self.labels
            .iter()
            .skip(1)
            .all(|m| tenant.labels.iter().any(|l| m.matches(l)))
    }
}

/// The tenants a fan-out runs over.
#[derive(Debug, Clone, PartialEq)]
pub enum TenantSelection {
    /// Every tenant the caller can see that the filter matches, from the tenants API.
    Filter(TenantFilter),
    /// These tenant IDs, in this order (not checked with the API).
    Ids(Vec<String>),
}

/// A tenants file (or standard input) that cannot be read as tenant IDs.
#[derive(Debug)]
#[non_exhaustive]
pub enum SelectError {
    /// Line `line` (from 1) is not one tenant ID.
    BadLine {
        /// The line number, from 1.
        line: usize,
        /// Why (the tenant ID rule it breaks).
        reason: String,
    },
    /// Reading failed (or the text is not UTF-8) at line `line`.
    Read {
        /// The line number, from 1.
        line: usize,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::BadLine { line, reason } => {
                write!(f, "line {line}: not a tenant ID: {reason}")
            }
            SelectError::Read { line, source } => write!(f, "line {line}: cannot read: {source}"),
        }
    }
}

impl std::error::Error for SelectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SelectError::Read { source, .. } => Some(source),
            SelectError::BadLine { .. } => None,
        }
    }
}

/// The largest tenants file read, in lines.
pub const MAX_ID_LINES: usize = 1_000_000;

impl TenantSelection {
    /// Reads tenant IDs one per line: surrounding whitespace, blank lines and `#` comments
    /// (whole lines, or after an ID) are ignored; a line left with something that is not a
    /// tenant ID ([`TenantId::new`]'s rule: no inner whitespace, ASCII, ...) is
    /// [`SelectError::BadLine`] with its number. Repeated IDs are kept once (first place).
    pub fn read_ids(reader: impl BufRead) -> Result<TenantSelection, SelectError> {
        let mut ids = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, line) in reader.lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(|source| SelectError::Read {
                line: number,
                source,
            })?;
            if number > MAX_ID_LINES {
                return Err(SelectError::BadLine {
                    line: number,
                    reason: format!("more than {MAX_ID_LINES} lines"),
                });
            }
            let text = line.split('#').next().unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let id = TenantId::new(text).map_err(|e| SelectError::BadLine {
                line: number,
                reason: match e {
                    Error::InvalidTenantId { reason } => reason.to_owned(),
                    other => other.to_string(),
                },
            })?;
            if seen.insert(id.as_str().to_owned()) {
                ids.push(id.as_str().to_owned());
            }
        }
        Ok(TenantSelection::Ids(ids))
    }

    /// How many tenants, when known without asking the API.
    pub fn known_len(&self) -> Option<usize> {
        match self {
            TenantSelection::Ids(ids) => Some(ids.len()),
            TenantSelection::Filter(_) => None,
        }
    }

    /// The selected tenant IDs, as they come: listed IDs at once; a filter's page by page
    /// through `client` (pages of 100, each tenant once even if pages overlap). A failure of
    /// the tenants API is the last item.
    pub fn stream(self, client: &Client) -> BoxStream<'static, Result<String, Error>> {
        match self {
            TenantSelection::Ids(ids) => stream::iter(ids.into_iter().map(Ok)).boxed(),
            TenantSelection::Filter(filter) => {
                let mut seen = std::collections::HashSet::new();
                client
                    .tenants()
                    .stream(filter.query(100))
                    .filter_map(move |tenant| {
                        let keep = match &tenant {
                            Ok(t) => filter.keeps(t) && seen.insert(t.id.clone()),
                            Err(_) => true,
                        };
                        std::future::ready(keep.then(|| tenant.map(|t| t.id)))
                    })
                    .boxed()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_with_comments_blanks_and_line_numbers_for_bad_lines() {
        let text = "# partner's children\n10001\n\n  10002  # second\n10001\n";
        let selection = TenantSelection::read_ids(text.as_bytes()).unwrap();
        assert_eq!(
            selection,
            TenantSelection::Ids(vec!["10001".into(), "10002".into()])
        );
        let bad = TenantSelection::read_ids("10001\n10 002\n".as_bytes()).unwrap_err();
        assert!(matches!(bad, SelectError::BadLine { line: 2, .. }), "{bad}");
        assert_eq!(
            bad.to_string(),
            "line 2: not a tenant ID: it contains whitespace"
        );
        let binary = TenantSelection::read_ids(&b"10001\n\xff\xfe\n"[..]).unwrap_err();
        assert!(
            matches!(binary, SelectError::Read { line: 2, .. }),
            "{binary}"
        );
    }

    #[test]
    fn the_first_label_goes_to_the_api_and_the_others_are_checked_locally() {
        let filter = TenantFilter {
            labels: vec![
                LabelMatch::parse("tier=gold"),
                LabelMatch::parse("industry"),
            ],
            subscriptions: vec!["mdr".into()],
            ..Default::default()
        };
        let query = filter.query(50);
        let label = query.label_filter.unwrap();
        assert_eq!(label.label_name.as_deref(), Some("tier"));
        assert_eq!(label.label_value.as_deref(), Some("gold"));
        assert_eq!(query.max_results, Some(50));
        assert_eq!(
            query.partnership.unwrap().with_subscription.as_deref(),
            Some("mdr")
        );
    }
}
