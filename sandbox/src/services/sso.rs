//! The SSO connections service (tenants endpoint): SAML connections of a tenant, from `Draft`
//! through `Testing` to `Enabled` or `Disabled`. Its connections are its own state.

use super::{arg_bool, arg_id, arg_list, arg_str, rank, require, Caller, FieldResult};
use crate::service::{Context, Service};
use crate::state::{State, RANK_ADMIN, RANK_READ};
use crate::util::{rfc3339, secure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use std::sync::Mutex;
use taegis_sdk_codegen::Endpoint;

/// SSO connections (`SSOConnections`, `getSSOConnection`, `getSSOConnectionConfig` and the
/// connection mutations).
#[derive(Default)]
pub(crate) struct SsoConnections {
    connections: Mutex<Vec<Sso>>,
}

impl Service for SsoConnections {
    fn name(&self) -> &str {
        "sso"
    }

    fn root_fields(&self) -> &[(Endpoint, &str)] {
        const T: Endpoint = Endpoint::TENANTS;
        &[
            (T, "SSOConnections"),
            (T, "getSSOConnection"),
            (T, "getSSOConnectionConfig"),
            (T, "createSSOConnection"),
            (T, "updateSSOConnection"),
            (T, "deleteSSOConnection"),
        ]
    }

    fn resolve(&self, ctx: &mut Context<'_>, field: &str, args: &Value) -> FieldResult {
        let (state, caller) = ctx.parts();
        // Tenant-service times have whole seconds, as the API prints them.
        let caller = &super::whole_seconds(caller);
        let mut connections = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        match field {
            "SSOConnections" => sso_query(
                state,
                caller,
                &connections,
                args.get("connectionQuery").unwrap_or(&Value::Null),
            ),
            "getSSOConnection" => {
                let id = arg_id(args, "id").unwrap_or_default();
                let pos = visible_sso(state, caller, &connections, &id)?;
                Ok(sso_json(&state.base_url, &connections[pos]))
            }
            "getSSOConnectionConfig" => sso_config(args),
            "createSSOConnection" | "updateSSOConnection" | "deleteSSOConnection" => {
                sso_mutation(state, caller, &mut connections, field, args)
            }
            other => Err(crate::service::unserved(other)),
        }
    }
}

/// An SSO connection.
#[derive(Debug, Clone)]
struct Sso {
    id: String,
    name: String,
    external_name: String,
    external_id: String,
    tenant_id: u64,
    created_at: i64,
    updated_at: i64,
    domains: Vec<String>,
    testers: Vec<String>,
    status: String,
    cert_name: Option<String>,
    metadata_url: Option<String>,
    metadata_file_name: Option<String>,
    signing_cert: Option<String>,
    sign_in_endpoint: Option<String>,
    cert_not_before: Option<i64>,
    cert_expires_at: Option<i64>,
    issuer: Option<String>,
    subject: Option<String>,
}

/// JSON of an SSO connection; links point into the sandbox at `base`.
fn sso_json(base: &str, s: &Sso) -> Value {
    use serde_json::json;
    let time = |ms: i64| rfc3339(ms, false);
    let saml = if s.metadata_url.is_some() || s.signing_cert.is_some() {
        json!({
            "metadataURL": s.metadata_url, "signingCert": s.signing_cert,
            "signInEndpoint": s.sign_in_endpoint, "inputMetadataURL": s.metadata_url,
        })
    } else {
        Value::Null
    };
    json!({
        "id": s.id, "name": s.name, "externalName": s.external_name,
        "externalID": s.external_id, "tenantID": s.tenant_id.to_string(),
        "updatedAt": time(s.updated_at), "createdAt": time(s.created_at),
        "metadataFileName": s.metadata_file_name, "certName": s.cert_name,
        "expiresAt": s.cert_expires_at.map(time), "notBefore": s.cert_not_before.map(time),
        "issuer": s.issuer, "subject": s.subject,
        "domains": s.domains, "testers": s.testers,
        "noPromptLoginURL": format!("{base}/sso/login?connection={}", s.external_name),
        "type": "saml", "status": s.status, "environment": "production",
        "externalProvider": "AUTH0",
        "ssoConnectionParameters": {
            "postBackURL": format!("{base}/sso/saml/callback?connection={}", s.external_name),
            "entityID": format!("urn:taegis:sandbox:{}", s.external_name),
            "metadataURL": format!("{base}/sso/saml/metadata/{}", s.external_name),
            "callbackURL": format!("{base}/sso/callback"),
            "inputMetadataURL": s.metadata_url,
        },
        "ssoConnectionIDPConfig": {
            "samlConnectionConfiguration": saml,
            "azureADConnectionConfiguration": null,
        },
        "auth0DomainType": null,
    })
}

fn visible_sso(state: &State, caller: &Caller, sso: &[Sso], id: &str) -> Result<usize, String> {
    sso.iter()
        .position(|s| s.id == id || s.external_id == id)
        .filter(|&p| rank(state, caller, sso[p].tenant_id) >= RANK_READ)
        .ok_or_else(|| format!("SSO connection {id} not found"))
}

fn sso_query(state: &State, caller: &Caller, sso: &[Sso], q: &Value) -> FieldResult {
    let all = arg_bool(q, "includeAllTenants") == Some(true);
    let hierarchy: Option<Vec<u64>> = arg_list(q, "withTenantHierarchy")
        .filter(|l| !l.is_empty())
        .map(|l| l.iter().filter_map(|t| t.parse().ok()).collect());
    let with_id = arg_id(q, "withConnectionID");
    let domain = arg_str(q, "withDomain");
    let with_status = arg_list(q, "withStatus").filter(|l| !l.is_empty());
    let without = arg_list(q, "excludeStatus").unwrap_or_default();
    let expired_too = arg_bool(q, "includeExpired") == Some(true);
    if !all && hierarchy.is_none() {
        require(
            state,
            caller,
            caller.context_tenant,
            RANK_READ,
            "EnterpriseSSOConnection:read",
        )?;
    }
    Ok(Value::Array(
        sso.iter()
            .filter(|s| rank(state, caller, s.tenant_id) >= RANK_READ)
            .filter(|s| match &hierarchy {
                Some(h) => h.iter().any(|&a| state.is_within(s.tenant_id, a)),
                None => all || s.tenant_id == caller.context_tenant,
            })
            .filter(|s| {
                with_id
                    .as_ref()
                    .is_none_or(|i| *i == s.id || *i == s.external_id)
            })
            .filter(|s| domain.is_none_or(|d| s.domains.iter().any(|x| x.eq_ignore_ascii_case(d))))
            .filter(|s| with_status.as_ref().is_none_or(|l| l.contains(&s.status)))
            .filter(|s| !without.contains(&s.status))
            .filter(|s| expired_too || s.cert_expires_at.is_none_or(|e| e > caller.now))
            .map(|s| sso_json(&state.base_url, s))
            .collect(),
    ))
}

/// Certificate details the sandbox pretends to read from identity provider metadata.
struct IdpConfig {
    signing_cert: String,
    sign_in_endpoint: String,
    issuer: String,
    subject: String,
    not_before: i64,
    expires_at: i64,
}

fn idp_config(source: &str) -> IdpConfig {
    let host = source
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .filter(|h| !h.is_empty())
        .unwrap_or("idp.example")
        .to_owned();
    let digest = STANDARD.encode(format!("sandbox-certificate-for-{source}"));
    IdpConfig {
        signing_cert: format!("-----BEGIN CERTIFICATE-----\n{digest}\n-----END CERTIFICATE-----"),
        sign_in_endpoint: format!("https://{host}/saml/sso"),
        issuer: format!("CN={host}"),
        subject: format!("CN={host}"),
        // 2025-01-01 .. 2035-01-01
        not_before: 1_735_689_600_000,
        expires_at: 2_051_222_400_000,
    }
}

fn sso_config(args: &Value) -> FieldResult {
    let url = arg_str(args, "metadataURL").filter(|s| !s.is_empty());
    let xml = arg_str(args, "metadataXML").filter(|s| !s.is_empty());
    let cert = arg_str(args, "cert").filter(|s| !s.is_empty());
    let given = [url, xml, cert].iter().filter(|x| x.is_some()).count();
    if given != 1 {
        return Err("exactly one of metadataURL, metadataXML or cert is required".to_owned());
    }
    let source = url.or(xml).or(cert).unwrap_or_default();
    let c = idp_config(source);
    let time = |ms: i64| rfc3339(ms, false);
    let saml = if cert.is_none() {
        json!({"metadataURL": url, "signingCert": c.signing_cert, "signInEndpoint": c.sign_in_endpoint, "inputMetadataURL": url})
    } else {
        Value::Null
    };
    Ok(json!({
        "expiresAt": time(c.expires_at), "notBefore": time(c.not_before),
        "issuer": c.issuer, "subject": c.subject,
        "ssoConnectionConfiguration": {"samlConnectionConfiguration": saml, "azureADConnectionConfiguration": null},
    }))
}

fn sso_mutation(
    state: &State,
    caller: &Caller,
    connections: &mut Vec<Sso>,
    field: &str,
    args: &Value,
) -> FieldResult {
    let now = caller.now;
    match field {
        "createSSOConnection" => {
            let input = args.get("newConnection").unwrap_or(&Value::Null);
            let tenant = caller.context_tenant;
            require(
                state,
                caller,
                tenant,
                RANK_ADMIN,
                "EnterpriseSSOConnection:create",
            )?;
            if arg_str(input, "type") != Some("saml") {
                return Err("only saml connections are supported".to_owned());
            }
            let name = arg_str(input, "name").unwrap_or("").trim().to_owned();
            if name.is_empty() {
                return Err("name is required".to_owned());
            }
            let domains = arg_list(input, "domains").unwrap_or_default();
            if domains.is_empty() || domains.iter().any(|d| !d.contains('.') || d.contains('@')) {
                return Err("domains must be a non-empty list of email domains".to_owned());
            }
            let number = connections.len() + 1;
            let mut sso = Sso {
                id: secure::uuid()?,
                name,
                external_name: format!(
                    "sandbox-{tenant}-{number}-{}",
                    secure::alnum(6)?.to_lowercase()
                ),
                external_id: format!("con_{}", secure::alnum(16)?),
                tenant_id: tenant,
                created_at: now,
                updated_at: now,
                domains,
                testers: arg_list(input, "testers").unwrap_or_default(),
                status: "Draft".to_owned(),
                cert_name: None,
                metadata_url: None,
                metadata_file_name: None,
                signing_cert: None,
                sign_in_endpoint: None,
                cert_not_before: None,
                cert_expires_at: None,
                issuer: None,
                subject: None,
            };
            if let Some(cfg) = saml_input(input) {
                // Configuration given up front is kept, but a new connection is always a Draft.
                apply_saml(&mut sso, cfg)?;
            }
            let out = sso_json(&state.base_url, &sso);
            connections.push(sso);
            Ok(out)
        }
        "deleteSSOConnection" => {
            let id = arg_id(args, "connectionID").unwrap_or_default();
            let pos = visible_sso(state, caller, connections, &id)?;
            require(
                state,
                caller,
                connections[pos].tenant_id,
                RANK_ADMIN,
                "EnterpriseSSOConnection:delete",
            )?;
            let sso = connections.remove(pos);
            Ok(sso_json(&state.base_url, &sso))
        }
        _ => {
            let input = args.get("updatedConnection").unwrap_or(&Value::Null);
            let id = arg_id(input, "id").unwrap_or_default();
            let pos = visible_sso(state, caller, connections, &id)?;
            require(
                state,
                caller,
                connections[pos].tenant_id,
                RANK_ADMIN,
                "EnterpriseSSOConnection:update",
            )?;
            let mut sso = connections[pos].clone();
            if let Some(name) = arg_str(input, "name") {
                sso.name = name.to_owned();
            }
            for d in arg_list(input, "addDomains").unwrap_or_default() {
                if !sso.domains.contains(&d) {
                    sso.domains.push(d);
                }
            }
            let remove = arg_list(input, "removeDomains").unwrap_or_default();
            sso.domains.retain(|d| !remove.contains(d));
            for t in arg_list(input, "addTesters").unwrap_or_default() {
                if !sso.testers.contains(&t) {
                    sso.testers.push(t);
                }
            }
            let remove = arg_list(input, "removeTesters").unwrap_or_default();
            sso.testers.retain(|t| !remove.contains(t));
            if let Some(cfg) = saml_input(input) {
                if apply_saml(&mut sso, cfg)? && sso.status == "Draft" {
                    sso.status = "Testing".to_owned();
                }
            }
            if let Some(status) = arg_str(input, "status") {
                let configured = sso.signing_cert.is_some();
                match (sso.status.as_str(), status) {
                    (_, "Draft") => return Err("an SSO connection cannot be set back to Draft".to_owned()),
                    ("Draft", _) if !configured => {
                        return Err(format!(
                            "SSO connection {id} is a Draft: complete its identity provider configuration (status Testing) before setting it to {status}"
                        ))
                    }
                    _ => sso.status = status.to_owned(),
                }
            }
            sso.updated_at = now;
            let out = sso_json(&state.base_url, &sso);
            connections[pos] = sso;
            Ok(out)
        }
    }
}

fn saml_input(input: &Value) -> Option<&Value> {
    input
        .get("connectionConfiguration")
        .and_then(|c| c.get("samlConfiguration"))
        .filter(|s| {
            s.as_object()
                .is_some_and(|o| o.values().any(|v| !v.is_null()))
        })
}

/// Applies a `SAMLSSOConfiguration`; true when it configured the identity provider (rather
/// than only renaming files).
fn apply_saml(sso: &mut Sso, cfg: &Value) -> Result<bool, String> {
    if let Some(name) = arg_str(cfg, "signingCertName") {
        sso.cert_name = Some(name.to_owned());
    }
    if let Some(file) = arg_str(cfg, "metadataFileName") {
        sso.metadata_file_name = Some(file.to_owned());
    }
    let url = arg_str(cfg, "metadataURL").filter(|s| !s.is_empty());
    let xml = arg_str(cfg, "metadataXML").filter(|s| !s.is_empty());
    let cert = arg_str(cfg, "signingCert").filter(|s| !s.is_empty());
    let endpoint = arg_str(cfg, "signInEndpoint").filter(|s| !s.is_empty());
    let c = if let Some(source) = url.or(xml) {
        sso.metadata_url = url.map(str::to_owned);
        let c = idp_config(source);
        sso.signing_cert = Some(c.signing_cert.clone());
        sso.sign_in_endpoint = Some(c.sign_in_endpoint.clone());
        c
    } else if let Some(cert) = cert {
        let endpoint = endpoint
            .ok_or("signInEndpoint is required with signingCert when no metadataURL is given")?;
        sso.signing_cert = Some(cert.to_owned());
        sso.sign_in_endpoint = Some(endpoint.to_owned());
        idp_config(endpoint)
    } else {
        return if sso.cert_name.is_some() || sso.metadata_file_name.is_some() {
            Ok(false)
        } else {
            Err("samlConfiguration needs metadataURL, metadataXML, or signingCert with signInEndpoint".to_owned())
        };
    };
    sso.issuer = Some(c.issuer);
    sso.subject = Some(c.subject);
    sso.cert_not_before = Some(c.not_before);
    sso.cert_expires_at = Some(c.expires_at);
    Ok(true)
}
