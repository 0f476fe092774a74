//! The device-code login: ask for a code, show the link, poll until the user has logged in,
//! then install the token in the identity cache (and the token cache file when one is on).

use std::time::{Duration, Instant};

use crate::auth::{
    AccessToken, DeviceCodePrompt, DeviceCodeStart, TokenResponse, DEVICE_CODE_AUTH_PATH,
    DEVICE_CODE_TOKEN_PATH,
};
use crate::error::Error;
use crate::identity::{CachedToken, IdentityCache};
use crate::response::{auth_error, decode_json, request_id};
use crate::time::{AsyncSleep, TimeSource};
use crate::transport::Transport;

/// What the flow needs from the client.
pub(crate) struct DeviceLogin<'a> {
    pub(crate) api_url: &'a str,
    pub(crate) transport: &'a Transport,
    pub(crate) identity: &'a IdentityCache,
    pub(crate) clock: &'a dyn TimeSource,
    pub(crate) sleep: &'a dyn AsyncSleep,
}

impl DeviceLogin<'_> {
    /// Runs the flow; `prompt` shows the link to the user.
    pub(crate) async fn run(
        self,
        prompt: impl FnOnce(&DeviceCodePrompt),
    ) -> Result<AccessToken, Error> {
        let base_redactor = self.transport.redactor();
        let start_url = format!("{}{}", self.api_url, DEVICE_CODE_AUTH_PATH);
        let answer = self.transport.plain_post(&start_url, None).await?;
        if !(200..300).contains(&answer.status) {
            return Err(auth_error(&answer, base_redactor));
        }
        let start: DeviceCodeStart = decode_json(
            &answer,
            base_redactor,
            "device-code",
            "a device-code answer",
        )?;
        let redactor = base_redactor
            .clone()
            .with_secret(start.device_code.expose_secret());
        let url = match (
            &start.verification_uri_complete,
            &start.verification_uri,
            &start.user_code,
        ) {
            (Some(complete), _, _) => complete.clone(),
            (None, Some(uri), Some(code)) => format!("{uri}?user_code={code}"),
            _ => {
                return Err(Error::Auth {
                    status: Some(answer.status),
                    message: "the device-code answer has no verification link".into(),
                    request_id: request_id(&answer.headers),
                })
            }
        };
        prompt(&DeviceCodePrompt {
            url,
            user_code: start.user_code.clone(),
            expires_in: start.expires_in,
        });

        let interval_secs = start
            .interval
            .as_ref()
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(5)
            .clamp(1, 60);
        let mut interval = Duration::from_secs(interval_secs);
        let deadline =
            Instant::now() + Duration::from_secs(start.expires_in.unwrap_or(900).min(3600));
        let poll_body = serde_json::json!({
            "device_code": start.device_code.expose_secret(),
            "interval": start.interval,
        });
        let token_url = format!("{}{}", self.api_url, DEVICE_CODE_TOKEN_PATH);
        loop {
            let answer = self
                .transport
                .plain_post(
                    &token_url,
                    Some(serde_json::to_vec(&poll_body).unwrap_or_default()),
                )
                .await?;
            if (200..300).contains(&answer.status) {
                let token: TokenResponse =
                    decode_json(&answer, &redactor, "device-code token", "a token answer")?;
                let now = self.clock.now();
                let expires_at = token.expires_at(now);
                let cached = CachedToken {
                    expires_at: Some(expires_at),
                    token: token.access_token,
                };
                self.identity.store_in_file(&cached.token);
                let result = AccessToken::with_expiry(cached.token.clone(), expires_at);
                self.identity.install(cached);
                tracing::info!(target: "taegis_sdk::auth", "device-code login completed");
                return Ok(result);
            }
            let code = serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
            match code.as_deref() {
                Some("authorization_pending") => {}
                Some("slow_down") => interval += Duration::from_secs(5),
                _ => return Err(auth_error(&answer, &redactor)),
            }
            if Instant::now() + interval > deadline {
                return Err(Error::Auth {
                    status: Some(answer.status),
                    message: "the device code expired before the login completed".into(),
                    request_id: request_id(&answer.headers),
                });
            }
            self.sleep.sleep(interval).await;
        }
    }
}
