//! `POST /v1/leaks` (anyone holding a secret reports it) and `POST /v1/leaks/github` (GitHub's
//! secret-scanning partner format, signed). The rules are [`crate::server::service::leaks`]'s;
//! this module adapts HTTP, keeps a flood of reports from reaching the rest of the API (its own
//! per-address throttle, a cap on reports in progress, its own body limit) and decides what
//! each reporter is told.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::api::error::ErrorCode;
use crate::api::leaks::{
    GithubLabel, GithubLeak, GithubLeakList, GithubVerdict, LeakMatch, LeakReceipt, LeakReport,
    LeakReportList, MAX_GITHUB_REPORTED, MAX_REPORTED,
};
use crate::api::secret;
use crate::server::auth::{self, Principal, Surface};
use crate::server::github_keys::{SignatureError, single_header};
use crate::server::http::client_ip::{ClientAddr, client_ip};
use crate::server::http::error::{ApiError, ApiResult};
use crate::server::http::extract::Json;
use crate::server::ratelimit::leak_intake::Refusal;
use crate::server::service::leaks::{self, Outcome, Reported, Reporter};
use crate::server::state::{AppState, SharedState};

type ErrorBody = crate::api::error::ErrorBody;

/// The largest `/v1/leaks` body: 100 entries with long URLs fit.
pub(crate) const LEAK_BODY_LIMIT: usize = 256 * 1024;
/// The largest `/v1/leaks/github` body: GitHub batches what it finds.
pub(crate) const GITHUB_BODY_LIMIT: usize = 1024 * 1024;
/// In front of `/v1/leaks`: a report needs no credential, but one sent along is checked like on
/// every route (a bad one is refused, not ignored) so the answer may name the tokens it may see.
pub(crate) async fn optional_authenticate(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if !req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
    auth::guard(&state, ip, req, next, Surface::Rest, None).await
}

/// Report leaked secrets: each checksum-valid, live tokctl secret is revoked at once (reason
/// `leaked`, audit event `token.leaked` with url and source). No credential needed; the answer
/// is the same whether or not any secret was known. With a credential, `tokens` lists the
/// matched tokens it may see (its owner's; with `tokens:admin`, the org's).
#[utoipa::path(post, path = "/v1/leaks", tag = "leaks",
    request_body(content = LeakReportList, description = "the secrets found, at most 100"),
    security((), ("bearer" = [])),
    responses((status = 202, body = LeakReceipt, description = "received; the same answer for known and unknown secrets"),
              (status = 401, body = ErrorBody, description = "a credential was sent and does not authenticate"),
              (status = 413, body = ErrorBody, description = "the body is larger than 256 KiB"),
              (status = 422, body = ErrorBody, description = "not a list of reports, or more than 100"),
              (status = 429, body = ErrorBody, description = "too many reports from this address, or in progress")))]
pub(crate) async fn report(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
) -> ApiResult<(StatusCode, Json<LeakReceipt>)> {
    let principal = req.extensions_mut().remove::<Principal>();
    let ip = principal
        .as_ref()
        .map(|p| p.ip)
        .unwrap_or_else(|| client_ip(peer.ip(), req.headers(), &state.trusted_proxies));
    let _permit = admit(&state, ip)?;
    let body = read_body(req.into_body(), LEAK_BODY_LIMIT).await?;
    let entries: Vec<LeakReport> = parse_list(&body, MAX_REPORTED, "{token, url, source}")?;
    let reporter = Reporter {
        ip,
        via: "report",
        principal: principal.as_ref(),
    };
    let received = entries.len();
    let items = entries
        .into_iter()
        .map(|e| Reported {
            token: e.token,
            url: e.url,
            source: e.source,
        })
        .collect();
    let outcomes = leaks::report(&state, items, &reporter).await?;
    let tokens = principal.as_ref().map(|p| visible_tokens(p, &outcomes));
    Ok((StatusCode::ACCEPTED, Json(LeakReceipt { received, tokens })))
}

/// The matched tokens a reporting credential may see, once each, as they are now.
fn visible_tokens(p: &Principal, outcomes: &[Outcome]) -> Vec<LeakMatch> {
    let now = chrono::Utc::now();
    let mut matches: Vec<LeakMatch> = Vec::new();
    for o in outcomes {
        let Outcome::Matched { token, revoked } = o else {
            continue;
        };
        if !leaks::may_see(p, token) {
            continue;
        }
        match matches.iter_mut().find(|m| m.token.id == token.id) {
            // The same secret twice in one report: revoked by this report if either did.
            Some(m) => m.revoked |= *revoked,
            None => matches.push(LeakMatch {
                token: token.info(now),
                revoked: *revoked,
            }),
        }
    }
    matches
}

/// GitHub secret scanning's report (see docs/leaks.md to register): accepted only with a valid
/// `Github-Public-Key-Identifier` / `Github-Public-Key-Signature` (ECDSA P-256, SHA-256, over
/// the raw body) from GitHub's published keys; else 401 with nothing revoked. Answers one
/// verdict per entry: `true_positive` for a live tokctl secret (now revoked).
#[utoipa::path(post, path = "/v1/leaks/github", tag = "leaks",
    request_body(content = GithubLeakList, description = "GitHub's payload, at most 1000 entries"),
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "the key GitHub signed with"),
        ("Github-Public-Key-Signature" = String, Header, description = "base64 DER ECDSA signature of the raw body"),
    ),
    responses((status = 200, body = Vec<GithubVerdict>),
              (status = 401, body = ErrorBody, description = "signature headers missing or repeated, unknown key, or a signature that does not match"),
              (status = 413, body = ErrorBody, description = "the body is larger than 1 MiB"),
              (status = 422, body = ErrorBody, description = "not GitHub's payload, or more than 1000 entries"),
              (status = 429, body = ErrorBody, description = "too many reports from this address, or in progress"),
              (status = 503, body = ErrorBody, description = "GitHub's key list could not be fetched; nothing was revoked")))]
pub(crate) async fn github(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> ApiResult<Json<Vec<GithubVerdict>>> {
    let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
    // An unsigned report is refused before it spends the address's budget: looking for the
    // headers costs nothing, and the answer must say what is wrong (401), not "later" (429).
    let (key_id, signature) = signature_headers(req.headers())?;
    let _permit = admit(&state, ip)?;
    let body = read_body(req.into_body(), GITHUB_BODY_LIMIT).await?;
    check_signature(&state, &key_id, &signature, &body).await?;
    let entries: Vec<GithubLeak> =
        parse_list(&body, MAX_GITHUB_REPORTED, "{token, type, url, source}")?;
    let reporter = Reporter {
        ip,
        via: "github",
        principal: None,
    };
    let mut verdicts = Vec::with_capacity(entries.len());
    let mut items = Vec::with_capacity(entries.len());
    for e in entries {
        verdicts.push(GithubVerdict {
            token_hash: secret::hash(e.token.expose(), None),
            token_type: e.kind.clone().unwrap_or_default(),
            label: GithubLabel::FalsePositive,
        });
        items.push(Reported {
            token: e.token,
            url: e.url,
            source: Some(match e.source.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() => format!("github {s}"),
                _ => "github".to_string(),
            }),
        });
    }
    let outcomes = leaks::report(&state, items, &reporter).await?;
    for (verdict, outcome) in verdicts.iter_mut().zip(&outcomes) {
        if matches!(outcome, Outcome::Matched { revoked: true, .. }) {
            verdict.label = GithubLabel::TruePositive;
        }
    }
    Ok(Json(verdicts))
}

/// A report admitted to its own budget, or the 429 to answer.
fn admit(state: &AppState, ip: ClientAddr) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
    state
        .leak_intake
        .admit(ip.throttle_ip())
        .map_err(|r| match r {
            Refusal::AddressBusy(wait) => {
                let secs = wait.as_secs().max(1);
                ApiError::rate_limited(
                    format!("too many leak reports from this address; retry in {secs} s"),
                    secs,
                )
            }
            Refusal::Full => {
                ApiError::rate_limited("too many leak reports in progress; retry in 1 s", 1)
            }
        })
}

/// The report's key id and signature: each header exactly once, else 401 `signature_invalid`.
fn signature_headers(headers: &HeaderMap) -> ApiResult<(String, String)> {
    let one = |name| {
        single_header(headers, name)
            .map(str::to_string)
            .map_err(signature_refused)
    };
    Ok((
        one("github-public-key-identifier")?,
        one("github-public-key-signature")?,
    ))
}

fn signature_refused(e: SignatureError) -> ApiError {
    match e {
        SignatureError::KeysUnavailable(why) => {
            tracing::warn!(error = %why, "GitHub's secret-scanning keys are unavailable");
            ApiError::new(
                ErrorCode::Unavailable,
                "GitHub's secret-scanning keys could not be fetched; nothing was revoked, retry later",
            )
        }
        other => ApiError::new(
            ErrorCode::SignatureInvalid,
            format!("the report is not signed by GitHub: {other}; nothing was revoked"),
        ),
    }
}

async fn check_signature(
    state: &AppState,
    key_id: &str,
    signature: &str,
    body: &[u8],
) -> ApiResult<()> {
    state
        .github_keys
        .verify(key_id, signature, body)
        .await
        .map_err(signature_refused)
}

async fn read_body(body: Body, limit: usize) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    })
}

/// A JSON list of at most `max` entries. Errors name the place and the expected shape, never
/// the input (a body of secrets must not come back in an error or a log).
fn parse_list<T: DeserializeOwned>(body: &[u8], max: usize, shape: &str) -> ApiResult<Vec<T>> {
    let message = |at: &str, e: &serde_json::Error| {
        let message = format!(
            "invalid JSON body at `{at}` (line {}, column {}): expected a list of {shape} objects",
            e.line(),
            e.column()
        );
        if e.is_syntax() || e.is_eof() {
            ApiError::bad_request(message)
        } else {
            ApiError::invalid(message)
        }
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let list: Vec<T> = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| message(&e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| message(".", &e))?;
    if list.len() > max {
        return Err(ApiError::invalid(format!(
            "the body lists {} entries; at most {max} per request",
            list.len()
        )));
    }
    Ok(list)
}
