//! Login (`POST /v1/sessions`) and logout (`DELETE /v1/sessions/current`).

use std::net::SocketAddr;
use std::time::Instant;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use secrecy::ExposeSecret;

use crate::api::error::ErrorCode;
use crate::api::reason::Reason;
use crate::api::secret::{self, TokenType};
use crate::api::session_name::{SERVER_DEFAULT_SESSION_NAME, check_session_name};
use crate::api::types::{LoginRequest, RevokeResult, TokenWithSecret};
use crate::server::auth::Principal;
use crate::server::auth::password;
use crate::server::http::client_ip::client_ip;
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::http::extract::Json;
use crate::server::service::{policy, tokens};
use crate::server::state::SharedState;
use crate::server::store::{NewEvent, NewToken, Store};

/// Log in with email and password: a session token (type `ses`), shown once.
#[utoipa::path(post, path = "/v1/sessions", request_body = LoginRequest, tag = "sessions",
    responses((status = 201, body = TokenWithSecret), (status = 401, body = crate::api::error::ErrorBody),
              (status = 422, body = crate::api::error::ErrorBody), (status = 429, body = crate::api::error::ErrorBody)))]
pub(crate) async fn login(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<(StatusCode, Json<TokenWithSecret>)> {
    // The name's shape is checked before anything else: a bad name costs no password check.
    let name = match req.name.as_deref() {
        Some(n) => {
            check_session_name(n).map_err(|m| ApiError::invalid(format!("`name`: {m}")))?;
            n.to_string()
        }
        None => SERVER_DEFAULT_SESSION_NAME.to_string(),
    };
    let ip = client_ip(peer.ip(), &headers, &state.trusted_proxies);
    let email_key = format!("email:{}", req.email.trim().to_lowercase());
    // An unknown client (unreadable forwarding headers) is throttled on the last trusted hop:
    // rotating forged entries buys no fresh budget.
    let ip_key = crate::server::ratelimit::throttle::address_key(ip.throttle_ip());
    let now_i = Instant::now();
    for key in [&email_key, &ip_key] {
        if let Err(wait) = state.login_throttle.check(key, now_i) {
            return Err(ApiError::rate_limited(
                format!(
                    "too many failed logins; try again in {} seconds",
                    wait.as_secs().max(1)
                ),
                wait.as_secs(),
            ));
        }
    }
    let user = state.store.login_account(req.email.trim()).await?;
    if let Some(service) = user.as_ref().filter(|u| u.service) {
        state.login_throttle.charge(&email_key, now_i);
        state.login_throttle.charge(&ip_key, now_i);
        return Err(ApiError::new(
            ErrorCode::LoginFailed,
            format!(
                "`{}` is a service account: it has no password and cannot log in; an admin mints its tokens with `tokctl mint NAME --owner {}`",
                service.name, service.name
            ),
        ));
    }
    let org_id = user.as_ref().map_or(state.org_id, |u| u.org_id);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = req.password.clone();
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || {
        password::verify(
            password.expose(),
            stored.as_ref().map(ExposeSecret::expose_secret),
        )
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        state.login_throttle.charge(&email_key, now_i);
        state.login_throttle.charge(&ip_key, now_i);
        let event = NewEvent {
            root_id: None,
            org_id,
            at: Utc::now(),
            action: "auth.failed",
            actor: None,
            actor_user_id: None,
            credential_id: None,
            target: Some(req.email.trim().to_string()),
            ip: ip.audit_ip(),
            detail: {
                let mut detail = serde_json::json!({"reason": Reason::LoginFailed.as_str()});
                ip.annotate(&mut detail);
                detail
            },
        };
        if let Err(e) = state.store.record_event(event).await {
            tracing::warn!(error = %e, "could not record a failed login");
        }
        return Err(ApiError::new(
            ErrorCode::LoginFailed,
            "login failed: wrong email or password",
        ));
    };
    let org = state.store.org(user.org_id).await?;
    let now = Utc::now();
    let ttl = policy::session_ttl(&org.policy)?;
    let fresh = secret::generate(TokenType::Ses);
    let id = tokens::new_token_id();
    let record = state
        .store
        .insert_token(
            NewToken {
                id: id.clone(),
                org_id: user.org_id,
                user_id: user.id,
                name,
                kind: TokenType::Ses,
                scopes: Vec::new(),
                secret_hash: state.hash_secret(fresh.expose()),
                created_at: now,
                expires_at: Some(now + ttl),
                rate_limit: org.policy.session_rate_limit,
                allowed_cidrs: Vec::new(),
                description: None,
                created_by: Some(user.id),
                unique_name: false,
                parent: None,
                audience: Vec::new(),
                via: None,
            },
            NewEvent {
                root_id: None,
                org_id: user.org_id,
                at: now,
                action: "session.login",
                actor: Some(user.label().to_string()),
                actor_user_id: Some(user.id),
                credential_id: Some(id.clone()),
                target: Some(id),
                ip: ip.audit_ip(),
                detail: {
                    let mut detail = serde_json::json!({});
                    ip.annotate(&mut detail);
                    detail
                },
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenWithSecret {
            token: record.info(now),
            secret: fresh,
        }),
    ))
}

/// Log out: revoke the calling session.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = RevokeResult), (status = 422, body = crate::api::error::ErrorBody)))]
pub(crate) async fn logout(
    State(state): State<SharedState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<RevokeResult>> {
    if !p.is_session() {
        return Err(ApiError::invalid(
            "the credential is not a session; revoke a token with POST /v1/tokens/{id}/revoke",
        ));
    }
    let now = Utc::now();
    let (revoked, newly) = state
        .store
        .revoke_token(
            &p.token.id,
            now,
            Some("logout"),
            p.event(
                "session.logout",
                Some(p.token.id.clone()),
                serde_json::json!({}),
            ),
        )
        .await?;
    Ok(Json(RevokeResult {
        count: revoked.len(),
        revoked: revoked.iter().map(|t| t.info(now)).collect(),
        already_revoked: !newly,
        dry_run: false,
    }))
}
