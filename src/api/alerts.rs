//! Alerts (main endpoint): search in CQL across every part of the results, get by IDs, and
//! set the resolution of many alerts in one call.
//!
//! A search runs as the official Python SDK's `commons/alerts/search.py` runs it:
//! `alertsServiceSearch` answers with the first part, a search ID and the number of parts;
//! `alertsServicePoll` gives parts 2 and up. [`Alerts::search`] reads them as one stream, one
//! part in memory at a time, and stops asking once the limit is reached.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ops::main::{
    alerts_service_poll, alerts_service_retrieve_alerts_by_id, alerts_service_search,
    alerts_service_update_resolution_info, AlertsServicePoll, AlertsServiceRetrieveAlertsById,
    AlertsServiceSearch, AlertsServiceUpdateResolutionInfo,
};
use crate::paginate::{CursorPage, Paginator};
use crate::{Client, Error};

pub use crate::ops::main::alerts_service_update_resolution_info::ResolutionStatus;

/// The Python SDK's default and the API's largest `limit` for one search.
pub const DEFAULT_SEARCH_LIMIT: u64 = 10_000;

/// An alert, with the fields the SDK reads (fragment `AlertSummary`), under the API's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The alert ID (`alert://priv:...`).
    pub id: String,
    /// The tenant it belongs to.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// Its resolution status (`OPEN`, `FALSE_POSITIVE`, ...).
    #[serde(default)]
    pub status: Option<ResolutionStatus>,
    /// The reason given with its resolution.
    #[serde(default)]
    pub resolution_reason: Option<String>,
    /// Whether a suppression rule matched it.
    #[serde(default)]
    pub suppressed: Option<bool>,
    /// Its tags.
    #[serde(default)]
    pub tags: Option<Vec<Option<String>>>,
    /// The sensor types behind it.
    #[serde(default)]
    pub sensor_types: Option<Vec<Option<String>>>,
    /// Title, severity, confidence, description, creation time.
    #[serde(default)]
    pub metadata: Option<AlertMetadata>,
    /// The investigations it is evidence in (`[{id}]`).
    #[serde(default)]
    pub investigation_ids: Option<Vec<Option<InvestigationRef>>>,
}

impl Alert {
    /// The severity, 0.0 to 1.0, when known.
    ///
    /// ```
    /// let alert: taegis_sdk::api::alerts::Alert = serde_json::from_value(serde_json::json!({
    ///     "id": "alert://priv:a", "metadata": {"title": "Shadow Copies Deleted", "severity": 0.9},
    ///     "investigation_ids": [{"id": "inv-1"}]
    /// })).unwrap();
    /// assert_eq!(alert.severity(), Some(0.9));
    /// assert_eq!(alert.title(), Some("Shadow Copies Deleted"));
    /// assert_eq!(alert.investigations(), ["inv-1"]);
    /// ```
    pub fn severity(&self) -> Option<f64> {
        self.metadata.as_ref().and_then(|m| m.severity)
    }

    /// The title, when known.
    pub fn title(&self) -> Option<&str> {
        self.metadata.as_ref().and_then(|m| m.title.as_deref())
    }

    /// The IDs of the investigations it is evidence in.
    pub fn investigations(&self) -> Vec<&str> {
        self.investigation_ids
            .iter()
            .flatten()
            .flatten()
            .filter_map(|i| i.id.as_deref())
            .collect()
    }
}

/// An alert's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertMetadata {
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// 0.0 (informational) to 1.0 (critical).
    #[serde(default)]
    pub severity: Option<f64>,
    /// 0.0 to 1.0.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

/// A protobuf-style timestamp, as the alerts API writes times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    #[serde(default)]
    pub seconds: Option<i64>,
    /// Nanoseconds within the second.
    #[serde(default)]
    pub nanos: Option<i64>,
}

/// A reference to an investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestigationRef {
    /// The investigation ID.
    #[serde(default)]
    pub id: Option<String>,
}

/// One part of a search (fragment `AlertsPart`).
#[derive(Debug, Deserialize)]
struct Part {
    reason: Option<String>,
    search_id: Option<String>,
    alerts: Option<PartList>,
}

#[derive(Debug, Deserialize)]
struct PartList {
    total_parts: Option<i64>,
    list: Option<Vec<Option<Alert>>>,
}

impl Part {
    fn into_alerts(self) -> Vec<Alert> {
        self.alerts
            .and_then(|a| a.list)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Where a search continues: its ID and the next part number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct NextPart {
    search_id: String,
    part: i64,
    total_parts: i64,
}

/// What [`Alerts::resolve`] answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionOutcome {
    /// The server's message.
    #[serde(default)]
    pub reason: Option<String>,
    /// `SUCCESS` or the failure status.
    #[serde(default)]
    pub resolution_status: Option<String>,
}

/// The alerts API of a client: [`Client::alerts`](crate::Client::alerts).
#[derive(Debug, Clone)]
pub struct Alerts {
    client: Client,
}

impl Alerts {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Every alert matching `cql` (e.g. `FROM alert WHERE severity >= 0.6 AND status =
    /// 'OPEN' EARLIEST=-1d`), across every part of the results, at most `limit` (default
    /// [`DEFAULT_SEARCH_LIMIT`]). Lazy: nothing is sent before the first poll, one part is held
    /// at a time, and [`Paginator::limit`] stops it early.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let open: Vec<_> = client
    ///     .alerts()
    ///     .search("FROM alert WHERE severity >= 0.6 AND status = 'OPEN' EARLIEST=-1d", None)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// println!("{} open alerts", open.len());
    /// # Ok(()) }
    /// ```
    pub fn search(&self, cql: &str, limit: Option<u64>) -> Paginator<Alert> {
        let client = self.client.clone();
        let cql = cql.to_owned();
        let limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        let pages = Paginator::cursor(None, move |next: Option<NextPart>| {
            let client = client.clone();
            let cql = cql.clone();
            async move {
                let (part, number, total_parts) = match next {
                    None => {
                        let variables = alerts_service_search::Variables {
                            in_: Some(alerts_service_search::SearchRequestInput {
                                cql_query: Some(cql),
                                offset: Some(0),
                                limit: Some(i64::try_from(limit).unwrap_or(i64::MAX)),
                                metadata: Some(json!({"callerName": "taegis-sdk-rust"})),
                                ..Default::default()
                            }),
                        };
                        let part: Part = client
                            .execute_single::<AlertsServiceSearch, Part>(variables, "alerts search")
                            .await?;
                        let total_parts = part
                            .alerts
                            .as_ref()
                            .and_then(|a| a.total_parts)
                            .unwrap_or(1);
                        (part, 1, total_parts)
                    }
                    Some(next) => {
                        let variables = alerts_service_poll::Variables {
                            in_: Some(alerts_service_poll::PollRequestInput {
                                search_id: Some(next.search_id.clone()),
                                part_id: Some(next.part),
                            }),
                        };
                        let what =
                            format!("part {} of alerts search {}", next.part, next.search_id);
                        let part = client
                            .execute_single::<AlertsServicePoll, Part>(variables, what)
                            .await?;
                        (part, next.part, next.total_parts)
                    }
                };
                let next = match &part.search_id {
                    Some(id) if !id.is_empty() && number < total_parts => Some(NextPart {
                        search_id: id.clone(),
                        part: number + 1,
                        total_parts,
                    }),
                    _ => None,
                };
                if next.is_none() && number == 1 && part.alerts.is_none() {
                    if let Some(reason) = part.reason.as_deref().filter(|r| !r.is_empty()) {
                        return Err(Error::NotFound {
                            what: format!("alerts search results ({reason})"),
                        });
                    }
                }
                Ok(CursorPage::new(part.into_alerts(), next))
            }
        });
        pages.limit(usize::try_from(limit).unwrap_or(usize::MAX))
    }

    /// The alerts with these IDs (those that exist and are visible; order as the API answers).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let alerts = client.alerts().get(&["alert://priv:crowdstrike:11772:1666269058003:4e5d"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, ids: &[&str]) -> Result<Vec<Alert>, Error> {
        let variables = alerts_service_retrieve_alerts_by_id::Variables {
            in_: Some(alerts_service_retrieve_alerts_by_id::GetByIdRequestInput {
                i_ds: Some(ids.iter().map(|id| (*id).to_owned()).collect()),
            }),
        };
        let part: Part = self
            .client
            .execute_single::<AlertsServiceRetrieveAlertsById, Part>(variables, "alerts by ID")
            .await?;
        Ok(part.into_alerts())
    }

    /// Sets the resolution status and reason of every alert in `ids`, in one request (a
    /// mutation: sent once, never retried after the server may have acted).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::alerts::ResolutionStatus;
    /// client.alerts().resolve(&["alert://priv:a", "alert://priv:b"], ResolutionStatus::FalsePositive, "tuned out").await?;
    /// # Ok(()) }
    /// ```
    pub async fn resolve(
        &self,
        ids: &[&str],
        status: ResolutionStatus,
        reason: &str,
    ) -> Result<ResolutionOutcome, Error> {
        let variables = alerts_service_update_resolution_info::Variables {
            in_: Some(
                alerts_service_update_resolution_info::UpdateResolutionRequestInput {
                    alert_ids: super::nullable_list(ids),
                    reason: Some(reason.to_owned()),
                    resolution_status: Some(status),
                    ..Default::default()
                },
            ),
        };
        self.client
            .execute_single::<AlertsServiceUpdateResolutionInfo, ResolutionOutcome>(
                variables,
                "alert resolution",
            )
            .await
    }
}
