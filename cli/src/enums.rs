//! Enum arguments given by their API names, checked against the values the schema lists.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The API's name of a generated enum value (`FALSE_POSITIVE`), `-` for none.
pub fn api_name<T: Serialize>(value: Option<&T>) -> String {
    value
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "-".into())
}

/// Parses `text` as one of `values` (the schema's names, e.g. `FALSE_POSITIVE`), accepting any
/// case and `-` for `_` (`false-positive`), into the generated enum `T`; anything else is an
/// error listing the choices in kebab-case.
pub fn parse<T: DeserializeOwned>(text: &str, values: &[&str]) -> Result<T, String> {
    let name = text.trim().to_ascii_uppercase().replace('-', "_");
    if !values.contains(&name.as_str()) {
        let choices: Vec<String> = values
            .iter()
            .map(|v| v.to_ascii_lowercase().replace('_', "-"))
            .collect();
        return Err(format!("{text:?} is not one of {}", choices.join(", ")));
    }
    serde_json::from_value(serde_json::Value::String(name)).map_err(|e| e.to_string())
}

/// `ResolutionStatus` (alerts) values.
pub const RESOLUTION_STATUSES: &[&str] = &[
    "OPEN",
    "TRUE_POSITIVE_BENIGN",
    "TRUE_POSITIVE_MALICIOUS",
    "FALSE_POSITIVE",
    "NOT_ACTIONABLE",
    "OTHER",
    "SUPPRESSED",
    "AUTO_CLOSE",
    "DISMISSED",
];

/// `AlertResolutionStatus` (closing an investigation) values.
pub const ALERT_RESOLUTIONS: &[&str] = &[
    "OPEN",
    "TRUE_POSITIVE_BENIGN",
    "TRUE_POSITIVE_MALICIOUS",
    "FALSE_POSITIVE",
    "NOT_ACTIONABLE",
    "OTHER",
    "SUPPRESSED",
];

/// `InvestigationCloseStatus` values.
pub const CLOSE_STATUSES: &[&str] = &[
    "CLOSED_CONFIRMED_SECURITY_INCIDENT",
    "CLOSED_AUTHORIZED_ACTIVITY",
    "CLOSED_THREAT_MITIGATED",
    "CLOSED_NOT_VULNERABLE",
    "CLOSED_FALSE_POSITIVE_ALERT",
    "CLOSED_INCONCLUSIVE",
    "CLOSED_INFORMATIONAL",
];

/// `InvestigationStatus` values an update may set.
pub const INVESTIGATION_STATUSES: &[&str] =
    &["DRAFT", "OPEN", "AWAITING_ACTION", "ACTIVE", "SUSPENDED"];

#[cfg(test)]
mod tests {
    use super::*;
    use taegis_sdk::api::alerts::ResolutionStatus;

    #[test]
    fn api_names_and_kebab_case_parse_and_others_are_refused() {
        let parsed: ResolutionStatus = parse("false-positive", RESOLUTION_STATUSES).unwrap();
        assert_eq!(parsed, ResolutionStatus::FalsePositive);
        let parsed: ResolutionStatus = parse("OTHER", RESOLUTION_STATUSES).unwrap();
        assert_eq!(parsed, ResolutionStatus::Other);
        let error = parse::<ResolutionStatus>("falsepositive", RESOLUTION_STATUSES).unwrap_err();
        assert!(error.contains("false-positive"), "{error}");
    }
}
