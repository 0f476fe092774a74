//! JWT-shaped access tokens signed with HMAC-SHA256 under a per-process key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The claim that carries the token's tenant, as real Taegis tokens name it.
pub(crate) const TENANT_CLAIM: &str = "https://missione/octolabs/io/tenantIds";

/// What a verified token says.
#[derive(Debug, Clone)]
pub(crate) struct Claims {
    /// The client_id the token was issued to.
    pub(crate) sub: String,
    /// The client's home tenant.
    pub(crate) tenant_id: String,
    /// Expiry, in milliseconds since the epoch (the `exp` claim is in whole seconds).
    pub(crate) exp_ms: i64,
    /// Revocation generation the token was issued in.
    pub(crate) generation: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// The signature does not match.
    BadSignature,
    /// Past its expiry.
    Expired,
    /// Issued before the last revocation.
    Revoked,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "malformed access token",
            TokenError::BadSignature => "invalid access token signature",
            TokenError::Expired => "access token expired",
            TokenError::Revoked => "access token revoked",
        })
    }
}

/// Signs and verifies tokens.
pub(crate) struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// A signer with a fresh key from the operating system's CSPRNG.
    pub(crate) fn random() -> Result<Signer, String> {
        let mut key = [0u8; 32];
        super::util::secure::fill(&mut key)?;
        Ok(Signer { key })
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// Issues a token for `sub` in `tenant_id`, valid from `iat_ms` until `exp_ms`.
    pub(crate) fn issue(
        &self,
        sub: &str,
        tenant_id: &str,
        iat_ms: i64,
        exp_ms: i64,
        generation: u64,
        jti: &str,
    ) -> String {
        let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        let claims = serde_json::json!({
            "iss": "taegis-sdk-sandbox",
            "sub": sub,
            "aud": "taegis",
            "iat": iat_ms / 1000,
            "exp": exp_ms / 1000,
            "exp_ms": exp_ms,
            "jti": jti,
            "gen": generation,
            TENANT_CLAIM: tenant_id,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = URL_SAFE_NO_PAD.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }

    /// Checks the signature, expiry (against `now_ms`) and revocation generation of `token`.
    pub(crate) fn verify(
        &self,
        token: &str,
        now_ms: i64,
        generation: u64,
    ) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: serde_json::Value =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let exp_ms = claims
            .get("exp_ms")
            .and_then(|v| v.as_i64())
            .or_else(|| claims.get("exp").and_then(|v| v.as_i64()).map(|s| s * 1000))
            .ok_or(TokenError::Malformed)?;
        let claims = Claims {
            sub: text("sub").ok_or(TokenError::Malformed)?,
            tenant_id: text(TENANT_CLAIM).ok_or(TokenError::Malformed)?,
            exp_ms,
            generation: claims.get("gen").and_then(|v| v.as_u64()).unwrap_or(0),
        };
        if claims.exp_ms <= now_ms {
            return Err(TokenError::Expired);
        }
        if claims.generation != generation {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }
}

/// Decodes an `Authorization: Basic` header value into (user, password).
pub(crate) fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

pub(crate) use taegis_platform::bearer::bearer_token as parse_bearer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify() {
        let signer = Signer::random().unwrap();
        let token = signer.issue("abc", "10000", 1_000, 61_000, 0, "j");
        assert_eq!(token.split('.').count(), 3);
        let claims = signer.verify(&token, 2_000, 0).unwrap();
        assert_eq!(claims.sub, "abc");
        assert_eq!(claims.tenant_id, "10000");
        assert_eq!(
            signer.verify(&token, 61_000, 0).unwrap_err(),
            TokenError::Expired
        );
        assert_eq!(
            signer.verify(&token, 2_000, 1).unwrap_err(),
            TokenError::Revoked
        );
        let other = Signer::random().unwrap();
        assert_eq!(
            other.verify(&token, 2_000, 0).unwrap_err(),
            TokenError::BadSignature
        );
        assert_eq!(
            signer.verify("a.b", 0, 0).unwrap_err(),
            TokenError::Malformed
        );
    }

    #[test]
    fn basic_header() {
        // "id:se:cret" — only the first colon separates.
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("id:se:cret")
        );
        assert_eq!(parse_basic(&header), Some(("id".into(), "se:cret".into())));
        assert_eq!(parse_bearer("Bearer  x.y.z "), Some("x.y.z"));
        assert_eq!(parse_bearer("Basic abc"), None);
    }
}
