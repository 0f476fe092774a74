//! Investigations v2 (main endpoint): search page by page as one stream, get, create (with
//! alerts), update, close, add and remove alerts, comment and read comments.
//!
//! Mutations go out once and are never retried after the server may have acted (see
//! [`Error::may_have_been_sent`]).

use serde::{Deserialize, Serialize};

use crate::ops::main::{
    add_comment_to_investigation, add_evidence_to_investigation, close_investigation, comments_v2,
    create_investigation_v2, investigation_v2, investigations_v2,
    remove_evidence_from_investigation, update_investigation_v2, AddCommentToInvestigation,
    AddEvidenceToInvestigation, CloseInvestigation, CommentsV2, CreateInvestigationV2,
    InvestigationV2, InvestigationsV2, RemoveEvidenceFromInvestigation, UpdateInvestigationV2,
};
use crate::paginate::{NumberedPage, Paginator};
use crate::{Client, Error};

pub use crate::ops::main::close_investigation::{
    AlertResolutionStatus, InvestigationCloseStatus as CloseStatus,
};
pub use crate::ops::main::create_investigation_v2::CreateInvestigationInput as NewInvestigation;
pub use crate::ops::main::update_investigation_v2::{
    InvestigationStatus, UpdateInvestigationV2Input as InvestigationUpdate,
};

/// Investigations per page when none is given (the Python SDK's helpers use 100).
pub const DEFAULT_PER_PAGE: u32 = 100;

/// An investigation, with the fields the SDK reads (fragment `InvestigationSummary`), under
/// the API's names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Investigation {
    /// The investigation ID.
    pub id: String,
    /// The short ID shown in the console.
    #[serde(default)]
    pub short_id: Option<String>,
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// Key findings.
    #[serde(default)]
    pub key_findings: Option<String>,
    /// Priority (1 highest).
    #[serde(default)]
    pub priority: Option<i64>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<Option<String>>>,
    /// Status (`OPEN`, `ACTIVE`, `CLOSED_...`).
    #[serde(default)]
    pub status: Option<InvestigationStatus>,
    /// Type (`SECURITY_INVESTIGATION`, ...), as text.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The tenant it belongs to.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The assignee.
    #[serde(default)]
    pub assignee_id: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// When it was archived.
    #[serde(default)]
    pub archived_at: Option<String>,
    /// Why it was closed.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// The alerts attached as evidence.
    #[serde(default)]
    pub alerts_evidence: Option<Vec<Option<AlertEvidence>>>,
    /// The events attached as evidence.
    #[serde(default)]
    pub events_evidence: Option<Vec<Option<EventEvidence>>>,
    /// How many alerts are attached.
    #[serde(default)]
    pub alerts_evidence_count: Option<i64>,
    /// How many events are attached.
    #[serde(default)]
    pub events_evidence_count: Option<i64>,
}

impl Investigation {
    /// The IDs of the attached alerts.
    ///
    /// ```
    /// let investigation: taegis_sdk::api::investigations::Investigation =
    ///     serde_json::from_value(serde_json::json!({
    ///         "id": "inv-1", "alertsEvidence": [{"alertId": "alert://priv:a"}, null]
    ///     })).unwrap();
    /// assert_eq!(investigation.alert_ids(), ["alert://priv:a"]);
    /// ```
    pub fn alert_ids(&self) -> Vec<&str> {
        self.alerts_evidence
            .iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.alert_id.as_deref())
            .collect()
    }
}

/// An alert attached to an investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvidence {
    /// The alert ID.
    #[serde(default)]
    pub alert_id: Option<String>,
}

/// An event attached to an investigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEvidence {
    /// The event ID.
    #[serde(default)]
    pub event_id: Option<String>,
}

/// A comment on an investigation (fragment `InvestigationComment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// The comment ID.
    #[serde(default)]
    pub id: Option<String>,
    /// Who wrote it.
    #[serde(default)]
    pub author_id: Option<String>,
    /// The text.
    #[serde(default)]
    pub comment: Option<String>,
    /// When.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The investigation.
    #[serde(default)]
    pub investigation_id: Option<String>,
    /// Visible to the tenant's own users only.
    #[serde(default)]
    pub is_internal: Option<bool>,
}

/// The evidence of an investigation after an add or a remove.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceChange {
    /// The investigation.
    #[serde(default)]
    pub investigation_id: Option<String>,
    /// The alerts added or removed.
    #[serde(default)]
    pub alerts: Option<Vec<Option<String>>>,
    /// The events added or removed.
    #[serde(default)]
    pub events: Option<Vec<Option<String>>>,
}

/// A numbered page of investigations or of comments, as the API sends both.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListPage<T> {
    total_count: Option<i64>,
    #[serde(alias = "investigations", alias = "comments")]
    items: Option<Vec<Option<T>>>,
}

impl<T> ListPage<T> {
    /// The items (nulls dropped) and the total, for the paginator.
    fn numbered(self) -> NumberedPage<T> {
        let items = self.items.unwrap_or_default().into_iter().flatten();
        let total = self.total_count.and_then(|t| u64::try_from(t).ok());
        NumberedPage::new(items.collect(), total)
    }
}

/// The investigations API of a client: [`Client::investigations`](crate::Client::investigations).
#[derive(Debug, Clone)]
pub struct Investigations {
    client: Client,
}

impl Investigations {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Every investigation matching `cql` (`""` for all; e.g. `status = 'OPEN'`), page by
    /// page (`per_page`, default [`DEFAULT_PER_PAGE`]) until `totalCount`, as one stream.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let open: Vec<_> = client.investigations().search("status = 'OPEN'", None).items().try_collect().await?;
    /// println!("{} open investigations", open.len());
    /// # Ok(()) }
    /// ```
    pub fn search(&self, cql: &str, per_page: Option<u32>) -> Paginator<Investigation> {
        let client = self.client.clone();
        let cql = cql.to_owned();
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE).max(1);
        Paginator::page_numbers(1, u64::from(per_page), move |page| {
            let client = client.clone();
            let variables = investigations_v2::Variables {
                arguments: investigations_v2::InvestigationsV2Arguments {
                    cql: Some(cql.clone()),
                    page: Some(i64::try_from(page).unwrap_or(i64::MAX)),
                    per_page: Some(i64::from(per_page)),
                    ..Default::default()
                },
            };
            async move {
                let page = client
                    .execute_single::<InvestigationsV2, ListPage<Investigation>>(
                        variables,
                        "investigations",
                    )
                    .await?;
                Ok(page.numbered())
            }
        })
    }

    /// One investigation; [`Error::NotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// let investigation = client.investigations().get("6c2a...").await?;
    /// println!("{:?} {:?}", investigation.title, investigation.status);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: &str) -> Result<Investigation, Error> {
        let variables = investigation_v2::Variables {
            arguments: investigation_v2::InvestigationV2Arguments {
                id: Some(id.to_owned()),
            },
        };
        self.client
            .execute_single::<InvestigationV2, Investigation>(
                variables,
                format!("investigation {id}"),
            )
            .await
    }

    /// Creates an investigation (`alerts` in the input attaches alerts as evidence).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::investigations::NewInvestigation;
    /// let created = client
    ///     .investigations()
    ///     .create(NewInvestigation {
    ///         title: Some("Suspicious logins".into()),
    ///         priority: Some(2),
    ///         alerts: Some(vec![Some("alert://priv:a".into())]),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{}", created.id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, input: NewInvestigation) -> Result<Investigation, Error> {
        let variables = create_investigation_v2::Variables { input };
        self.client
            .execute_single::<CreateInvestigationV2, Investigation>(variables, "new investigation")
            .await
    }

    /// Changes an investigation (`id` in the input says which).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::investigations::InvestigationUpdate;
    /// client
    ///     .investigations()
    ///     .update(InvestigationUpdate { id: Some("6c2a...".into()), title: Some("Renamed".into()), ..Default::default() })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, input: InvestigationUpdate) -> Result<Investigation, Error> {
        let what = format!("investigation {}", input.id.as_deref().unwrap_or("(no id)"));
        let variables = update_investigation_v2::Variables { input };
        self.client
            .execute_single::<UpdateInvestigationV2, Investigation>(variables, what)
            .await
    }

    /// Closes an investigation with a close status and reason; its alerts get
    /// `alerts_resolution` (which the API requires when alerts are attached).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use taegis_sdk::api::investigations::{AlertResolutionStatus, CloseStatus};
    /// client
    ///     .investigations()
    ///     .close("6c2a...", CloseStatus::ClosedFalsePositiveAlert, "benign scanner", Some(AlertResolutionStatus::FalsePositive))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn close(
        &self,
        id: &str,
        status: CloseStatus,
        reason: &str,
        alerts_resolution: Option<AlertResolutionStatus>,
    ) -> Result<Investigation, Error> {
        let variables = close_investigation::Variables {
            input: close_investigation::CloseInvestigationInput {
                id: Some(id.to_owned()),
                reason: Some(reason.to_owned()),
                status: Some(status),
                alerts_resolution_status: alerts_resolution,
            },
        };
        self.client
            .execute_single::<CloseInvestigation, Investigation>(
                variables,
                format!("investigation {id}"),
            )
            .await
    }

    /// Attaches alerts to an investigation.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.investigations().add_alerts("6c2a...", &["alert://priv:a"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_alerts(&self, id: &str, alert_ids: &[&str]) -> Result<EvidenceChange, Error> {
        let variables = add_evidence_to_investigation::Variables {
            input: add_evidence_to_investigation::AddEvidenceToInvestigationInput {
                investigation_id: Some(id.to_owned()),
                alerts: super::nullable_list(alert_ids),
                ..Default::default()
            },
        };
        self.client
            .execute_single::<AddEvidenceToInvestigation, EvidenceChange>(
                variables,
                format!("investigation {id}"),
            )
            .await
    }

    /// Detaches alerts from an investigation.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.investigations().remove_alerts("6c2a...", &["alert://priv:a"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn remove_alerts(
        &self,
        id: &str,
        alert_ids: &[&str],
    ) -> Result<EvidenceChange, Error> {
        let variables = remove_evidence_from_investigation::Variables {
            input: remove_evidence_from_investigation::RemoveEvidenceFromInvestigationInput {
                investigation_id: Some(id.to_owned()),
                alerts: super::nullable_list(alert_ids),
                ..Default::default()
            },
        };
        self.client
            .execute_single::<RemoveEvidenceFromInvestigation, EvidenceChange>(
                variables,
                format!("investigation {id}"),
            )
            .await
    }

    /// Adds a comment (`internal`: visible to the tenant's own users only).
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// client.investigations().comment("6c2a...", "Escalated to the on-call team", false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn comment(&self, id: &str, text: &str, internal: bool) -> Result<Comment, Error> {
        let variables = add_comment_to_investigation::Variables {
            input: add_comment_to_investigation::AddCommentToInvestigationInput {
                investigation_id: Some(id.to_owned()),
                comment: Some(text.to_owned()),
                is_internal: Some(internal),
            },
        };
        self.client
            .execute_single::<AddCommentToInvestigation, Comment>(
                variables,
                format!("investigation {id}"),
            )
            .await
    }

    /// Every comment of an investigation, page by page as one stream.
    ///
    /// ```no_run
    /// # async fn demo(client: taegis_sdk::Client) -> Result<(), taegis_sdk::Error> {
    /// use futures_util::TryStreamExt;
    /// let comments: Vec<_> = client.investigations().comments("6c2a...").items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn comments(&self, id: &str) -> Paginator<Comment> {
        let client = self.client.clone();
        let id = id.to_owned();
        let per_page = DEFAULT_PER_PAGE;
        Paginator::page_numbers(1, u64::from(per_page), move |page| {
            let client = client.clone();
            let variables = comments_v2::Variables {
                arguments: comments_v2::CommentsV2Arguments {
                    investigation_id: Some(id.clone()),
                    page: Some(i64::try_from(page).unwrap_or(i64::MAX)),
                    per_page: Some(i64::from(per_page)),
                    ..Default::default()
                },
            };
            let what = format!("comments of investigation {id}");
            async move {
                let page = client
                    .execute_single::<CommentsV2, ListPage<Comment>>(variables, what)
                    .await?;
                Ok(page.numbered())
            }
        })
    }
}
