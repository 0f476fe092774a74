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

/// `InvestigationStatus` values an update may set (a subset of the schema's: the closed ones
/// are set by closing). Other enums use the generated `Enum::VALUES`.
pub const INVESTIGATION_STATUSES: &[&str] =
    &["DRAFT", "OPEN", "AWAITING_ACTION", "ACTIVE", "SUSPENDED"];

#[cfg(test)]
mod tests {
    use super::*;
    use taegis_sdk::api::alerts::ResolutionStatus;

    #[test]
    fn api_names_and_kebab_case_parse_and_others_are_refused() {
        let parsed: ResolutionStatus = parse("false-positive", ResolutionStatus::VALUES).unwrap();
        assert_eq!(parsed, ResolutionStatus::FalsePositive);
        let parsed: ResolutionStatus = parse("OTHER", ResolutionStatus::VALUES).unwrap();
        assert_eq!(parsed, ResolutionStatus::Other);
        let error =
            parse::<ResolutionStatus>("falsepositive", ResolutionStatus::VALUES).unwrap_err();
        assert!(error.contains("false-positive"), "{error}");
    }
}
