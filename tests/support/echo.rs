//! A server that echoes our request headers back, and every form in which our secrets may
//! come back with them. Shared by the library's and the CLI's redaction tests.
#![allow(dead_code)]

use base64::Engine as _;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const ID: &str = "redaction-client";
/// Chosen so that standard and URL-safe base64 of `id:secret` differ and percent-encoding
/// changes it.
pub const SECRET: &str = "S3cr3t~?>\u{e9}%/+ do-not-leak";
pub const TOKEN: &str = "ZQx7Kp2mW9vT4rN8bL6cY3hFjD5sG1aE";

pub fn basic_forms() -> Vec<String> {
    let pair = format!("{ID}:{SECRET}");
    let e = base64::engine::general_purpose::STANDARD.encode(&pair);
    let u = base64::engine::general_purpose::URL_SAFE.encode(&pair);
    assert_ne!(
        e, u,
        "precondition: the two base64 alphabets give different text"
    );
    vec![
        e.clone(),
        e.trim_end_matches('=').to_owned(),
        u.clone(),
        u.trim_end_matches('=').to_owned(),
    ]
}

pub fn percent_forms(secret: &str) -> Vec<String> {
    let upper: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_ne!(
        upper, secret,
        "precondition: percent-encoding changes the secret"
    );
    vec![upper.clone(), upper.to_lowercase()]
}

/// Every form of our secrets, and the secret-bearing tail of each (what an excerpt cut in the
/// middle would leave).
pub fn forbidden() -> Vec<String> {
    let mut forms = vec![SECRET.to_owned(), TOKEN.to_owned()];
    forms.extend(basic_forms());
    forms.extend(percent_forms(SECRET));
    let mut all = forms.clone();
    for form in &forms {
        let chars: Vec<char> = form.chars().collect();
        if chars.len() > 12 {
            all.push(chars[chars.len() - 12..].iter().collect());
        }
    }
    // The secret's own prefixes.
    all.push(SECRET.chars().take(8).collect());
    all.push(TOKEN.chars().take(6).collect());
    all
}

pub fn assert_clean(what: &str, text: &str) {
    for form in forbidden() {
        assert!(
            !text.contains(&form),
            "{what} shows a form of a secret ({form:?}):\n{text}"
        );
    }
}

/// The request's headers, as an echoing error page or proxy shows them, plus the forms a
/// proxy or a logging middleware would re-encode the credentials into.
pub fn echo_of(request: &Request) -> String {
    let mut text = String::new();
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    if let Some(auth) = request.headers.get("authorization") {
        let value = auth.to_str().unwrap();
        if let Some(b64) = value.strip_prefix("Basic ") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            text.push_str(&format!(
                "urlsafe: {}\n",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
            ));
            text.push_str(&format!(
                "query: client_secret={}\n",
                percent_forms(SECRET)[0]
            ));
        }
    }
    text
}

pub async fn api_echoing(
    respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(respond)
        .mount(&server)
        .await;
    server
}

pub fn graphql_echo(request: &Request) -> ResponseTemplate {
    let bearer = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let token = bearer.trim_start_matches("Bearer ").to_owned();
    ResponseTemplate::new(200).set_body_json(json!({
        "data": null,
        "errors": [{
            "message": format!("denied: {}", echo_of(request)),
            "path": ["clients", bearer, 0],
            "extensions": {"code": "FORBIDDEN", "request": {"headers": {"authorization": bearer}}, "seen": [token]},
        }],
    }))
}

/// A token endpoint that echoes the request (headers and re-encoded credentials) in a 401.
pub async fn token_endpoint_echoing() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/api/v2/auth/token"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(401).set_body_string(echo_of(request))
        })
        .mount(&server)
        .await;
    server
}
