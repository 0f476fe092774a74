//! Turning answers into results: HTTP failures, the token endpoint's refusals, and GraphQL
//! envelopes (data or errors). Every piece of server text kept in an error is redacted of the
//! client's secrets before it is cut into an excerpt.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{excerpt, Error, GraphQlError, PartialData};
use crate::net::Answer;
use crate::redact::{escape_controls, Redactor};

/// The request ID the server gave the answer, if any (cut to 128 characters).
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "x-amzn-requestid", "x-amzn-trace-id"]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(128).collect())
}

/// An answer with a failure status.
pub(crate) fn http_error(answer: &Answer, redactor: &Redactor) -> Error {
    Error::Http {
        status: answer.status,
        body_excerpt: excerpt(&answer.body, redactor),
        request_id: request_id(&answer.headers),
    }
    .redact(redactor)
}

/// A body that did not decode as `expected`.
pub(crate) fn decode_error(
    answer: &Answer,
    redactor: &Redactor,
    expected: impl Into<String>,
    message: impl std::fmt::Display,
) -> Error {
    Error::Decode {
        expected: expected.into(),
        message: escape_controls(&message.to_string()).into_owned(),
        excerpt: excerpt(&answer.body, redactor),
    }
    .redact(redactor)
}

/// The server's own words from an authentication failure: `error_description`, `message`
/// or `error`, else a redacted excerpt. A token endpoint that is down, overloaded or rate
/// limiting says nothing about the credentials: that is the HTTP failure it is.
pub(crate) fn auth_error(answer: &Answer, redactor: &Redactor) -> Error {
    if answer.status >= 500 || matches!(answer.status, 408 | 429) {
        return http_error(answer, redactor);
    }
    let message = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| {
            let pick = |k: &str| match v.get(k) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Array(items)) if !items.is_empty() => Some(
                    items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => None,
            };
            match (
                pick("error"),
                pick("error_description").or_else(|| pick("message")),
            ) {
                (Some(code), Some(desc)) => Some(format!("{code}: {desc}")),
                (a, b) => a.or(b),
            }
        })
        .map(|m| excerpt(m.as_bytes(), redactor))
        .unwrap_or_else(|| excerpt(&answer.body, redactor));
    Error::Auth {
        status: Some(answer.status),
        message,
        request_id: request_id(&answer.headers),
    }
    .redact(redactor)
}

/// Splits a GraphQL response into data or errors and decodes the data of `operation`.
pub(crate) fn decode_graphql<T: DeserializeOwned>(
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
) -> Result<T, Error> {
    let envelope = "a GraphQL JSON response";
    let value: serde_json::Value = serde_json::from_slice(&answer.body)
        .map_err(|e| decode_error(answer, redactor, envelope, e))?;
    let serde_json::Value::Object(mut members) = value else {
        return Err(decode_error(
            answer,
            redactor,
            envelope,
            "the response is not a JSON object",
        ));
    };
    let data = members.remove("data").filter(|d| !d.is_null());
    if let Some(errors) = members.remove("errors").filter(|e| !e.is_null()) {
        let errors: Vec<GraphQlError> = serde_json::from_value(errors)
            .map_err(|e| decode_error(answer, redactor, "a GraphQL `errors` list", e))?;
        if !errors.is_empty() {
            return Err(Error::GraphQl {
                errors,
                data: data.map(PartialData),
                request_id: request_id(&answer.headers),
            }
            .redact(redactor));
        }
    }
    let expected = format!("the data of {operation}");
    let data = data
        .ok_or_else(|| decode_error(answer, redactor, &expected, "the response has no `data`"))?;
    serde_json::from_value(data).map_err(|e| decode_error(answer, redactor, expected, e))
}

/// A whole GraphQL response as JSON, redacted, for callers that want it as sent.
pub(crate) fn raw_json(answer: &Answer, redactor: &Redactor) -> Result<serde_json::Value, Error> {
    let mut value: serde_json::Value = serde_json::from_slice(&answer.body)
        .map_err(|e| decode_error(answer, redactor, "a GraphQL JSON response", e))?;
    redactor.redact_json(&mut value);
    Ok(value)
}
