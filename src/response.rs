//! Decoding: turning answers into results. HTTP failures, the token endpoint's refusals,
//! GraphQL envelopes (data or errors) and JSON bodies decoded into types. A decode error names
//! the operation and the JSON path where decoding stopped (`serde_path_to_error`). Every piece
//! of server text kept in an error is redacted of the client's secrets before it is cut into
//! an excerpt.

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

/// Longest JSON path kept in a decode error, in characters.
const PATH_CHARS: usize = 200;

/// A body of `operation` that did not decode as `expected`, stopping at `path`.
pub(crate) fn decode_error(
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
    expected: impl Into<String>,
    path: Option<String>,
    message: impl std::fmt::Display,
) -> Error {
    let path = path.map(|p| {
        let mut cut: String = p.chars().take(PATH_CHARS).collect();
        if cut.len() < p.len() {
            cut.push_str("...");
        }
        escape_controls(&cut).into_owned()
    });
    Error::Decode {
        operation: escape_controls(operation).into_owned(),
        path,
        expected: expected.into(),
        message: escape_controls(&message.to_string()).into_owned(),
        excerpt: excerpt(&answer.body, redactor),
    }
    .redact(redactor)
}

/// The path of a `serde_path_to_error` failure under `prefix` (`None` at the root).
fn json_path(path: &serde_path_to_error::Path, prefix: Option<&str>) -> Option<String> {
    let text = path.to_string();
    match (text.as_str(), prefix) {
        (".", None) => None,
        (".", Some(prefix)) => Some(prefix.to_owned()),
        (_, None) => Some(text),
        (_, Some(prefix)) if text.starts_with('[') => Some(format!("{prefix}{text}")),
        (_, Some(prefix)) => Some(format!("{prefix}.{text}")),
    }
}

/// Decodes a whole JSON body of `operation` into `T`; a failure names the JSON path.
pub(crate) fn decode_json<T: DeserializeOwned>(
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
    expected: &str,
) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(&answer.body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = json_path(e.path(), None);
        decode_error(answer, redactor, operation, expected, path, e.inner())
    })?;
    deserializer
        .end()
        .map_err(|e| decode_error(answer, redactor, operation, expected, None, e))?;
    Ok(value)
}

/// Decodes a JSON value (a part of the answer at `prefix`) of `operation` into `T`.
fn decode_value<T: DeserializeOwned>(
    value: serde_json::Value,
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
    expected: &str,
    prefix: &str,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = json_path(e.path(), Some(prefix));
        decode_error(answer, redactor, operation, expected, path, e.inner())
    })
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

/// A GraphQL response with its data and no errors (an empty `errors` list counts as none).
#[derive(serde::Deserialize)]
struct Success<T> {
    data: Option<T>,
    #[serde(default, deserialize_with = "nonempty_errors")]
    errors: Option<serde::de::IgnoredAny>,
}

/// `errors` as present only when it is a non-empty list (or anything but a list or null).
fn nonempty_errors<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde::de::IgnoredAny>, D::Error> {
    let errors: Option<Vec<serde::de::IgnoredAny>> =
        serde::Deserialize::deserialize(deserializer).unwrap_or(Some(vec![serde::de::IgnoredAny]));
    Ok(errors
        .filter(|e| !e.is_empty())
        .map(|_| serde::de::IgnoredAny))
}

/// Splits a GraphQL response into data or errors and decodes the data of `operation`.
pub(crate) fn decode_graphql<T: DeserializeOwned>(
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
) -> Result<T, Error> {
    // The common case in one pass, straight from the bytes: `data` and no `errors`. Anything
    // else (errors, no data, a decode failure) takes the path below, which says why.
    if let Ok(Success {
        data: Some(data),
        errors: None,
    }) = serde_json::from_slice::<Success<T>>(&answer.body)
    {
        return Ok(data);
    }
    let envelope = "a GraphQL JSON response";
    let value: serde_json::Value = decode_json(answer, redactor, operation, envelope)?;
    let serde_json::Value::Object(mut members) = value else {
        return Err(decode_error(
            answer,
            redactor,
            operation,
            envelope,
            None,
            "the response is not a JSON object",
        ));
    };
    let data = members.remove("data").filter(|d| !d.is_null());
    if let Some(errors) = members.remove("errors").filter(|e| !e.is_null()) {
        let errors: Vec<GraphQlError> = decode_value(
            errors,
            answer,
            redactor,
            operation,
            "a GraphQL `errors` list",
            "errors",
        )?;
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
    let Some(data) = data else {
        return Err(decode_error(
            answer,
            redactor,
            operation,
            expected,
            None,
            "the response has no `data`",
        ));
    };
    decode_value(data, answer, redactor, operation, &expected, "data")
}

/// A whole GraphQL response as JSON, redacted, for callers that want it as sent.
pub(crate) fn raw_json(
    answer: &Answer,
    redactor: &Redactor,
    operation: &str,
) -> Result<serde_json::Value, Error> {
    let mut value: serde_json::Value =
        decode_json(answer, redactor, operation, "a GraphQL JSON response")?;
    redactor.redact_json(&mut value);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &str) -> Result<serde_json::Value, Error> {
        let answer = Answer {
            status: 200,
            headers: Default::default(),
            body: body.as_bytes().to_vec().into(),
        };
        decode_graphql(&answer, &Redactor::default(), "op")
    }

    #[test]
    fn the_one_pass_path_and_the_diagnosing_path_agree() {
        assert_eq!(
            decode(r#"{"data":{"a":1}}"#).unwrap(),
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            decode(r#"{"data":{"a":1},"errors":[]}"#).unwrap(),
            serde_json::json!({"a": 1})
        );
        assert_eq!(
            decode(r#"{"errors":null,"data":{"a":1}}"#).unwrap(),
            serde_json::json!({"a": 1})
        );
        let error = decode(r#"{"data":{"a":1},"errors":[{"message":"partial"}]}"#).unwrap_err();
        assert!(
            matches!(&error, Error::GraphQl { errors, data: Some(_), .. } if errors[0].message == "partial"),
            "{error:?}"
        );
        assert!(matches!(
            decode(r#"{"data":null}"#),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode(r#"{"data":{"a":1},"errors":{"message":"odd"}}"#),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode("<html>502</html>"),
            Err(Error::Decode { .. })
        ));
    }
}
