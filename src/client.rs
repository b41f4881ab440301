//! The typed HTTP client the command line uses to talk to `tokctl server` (`/v1`, reqwest with
//! rustls). One method per API call; errors are typed so the CLI's edge can turn them into a
//! message and an exit code.
//!
//! Not for: deciding what to print. The credential is sent only in the `Authorization` header,
//! never in a URL, and never appears in an error.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::error::{ErrorBody, ErrorCode, WireCode};
use crate::api::oauth::{
    GRANT_TOKEN_EXCHANGE, OAuthError, TOKEN_TYPE_ID_TOKEN, TokenExchangeResponse,
};
use crate::api::secret::Secret;
use crate::api::trust::{AddTrustRequest, TrustPolicy};
use crate::api::types::*;

/// How long an idle pooled connection is reused: well below the server's keep-alive idle limit
/// (`server::serve::IDLE_TIMEOUT`, 75 s), so a request never goes out on a connection the server
/// is closing.
pub(crate) const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(50);

/// The header every authenticated response carries (absent for a credential that never
/// expires).
pub(crate) const CREDENTIAL_EXPIRES_HEADER: &str = "tokctl-credential-expires";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid server URL `{0}`: write it as http://HOST:PORT or https://HOST")]
    BadUrl(String),
    #[error("cannot reach the tokctl server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The TLS handshake failed on the server's certificate (or on no trust store to check it
    /// against): nothing was sent. Exit 8, like an unreachable server.
    #[error("the tokctl server at {url} was not trusted: {reason}")]
    Untrusted { url: String, reason: String },
    /// No answer within `--timeout` (exit 8, like an unreachable server).
    #[error("no answer from {url} in {waited} s; raise --timeout or check the server")]
    Timeout {
        url: String,
        waited: crate::waiting::Timeout,
    },
    /// An error answer of the API: `{"error": {"code", "message"}}`.
    #[error("{message}")]
    Api {
        status: u16,
        code: WireCode,
        message: String,
        /// Seconds, from `Retry-After` on a 429.
        retry_after: Option<u64>,
    },
    #[error("the server at {url} did not answer like a tokctl server ({detail})")]
    Protocol { url: String, detail: String },
}

pub(crate) struct Client {
    http: reqwest::Client,
    base: reqwest::Url,
    credential: Option<Secret>,
    /// The latest `Tokctl-Credential-Expires` seen, for the once-per-command expiry warning.
    credential_expires: Mutex<Option<DateTime<Utc>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// What a path segment escapes: all but the unreserved characters and `@` (emails read as
/// they are).
const SEGMENT_ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@');

/// Percent-encodes one path segment (an id or a name, an email).
fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT_ESCAPED).to_string()
}

impl Client {
    /// A client for `server` (`http://HOST:PORT`), authenticating with `credential` when given.
    pub(crate) fn new(server: &str, credential: Option<Secret>) -> Result<Client, ClientError> {
        let bad = || ClientError::BadUrl(server.to_string());
        let mut base = reqwest::Url::parse(server.trim()).map_err(|_| bad())?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(bad());
        }
        if base.query().is_some() {
            return Err(bad());
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let host = base.host_str().unwrap_or_default().to_string();
        let unreachable = |reason: String| ClientError::Unreachable {
            url: server.to_string(),
            reason,
        };
        let tls = crate::tls::client_config().map_err(|e| unreachable(e.to_string()))?;
        let http = reqwest::Client::builder()
            // The system's trust store is read on the first TLS handshake (src/tls.rs).
            .tls_backend_preconfigured(tls)
            // The whole request, connecting included: `--timeout` is all tokctl waits.
            .timeout(crate::waiting::settings().timeout.0)
            // Never reuse a connection the server may have closed as idle (its limit: 75 s).
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .retry(
                reqwest::retry::for_host(host)
                    .max_retries_per_request(1)
                    .classify_fn(|attempt| {
                        let retry = is_idempotent(attempt.method())
                            && attempt.error().is_some_and(closed_before_response);
                        if retry {
                            attempt.retryable()
                        } else {
                            attempt.success()
                        }
                    }),
            )
            .user_agent(concat!("tokctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(Client {
            http,
            base,
            credential,
            credential_expires: Mutex::new(None),
        })
    }

    /// The server URL as given, without a trailing slash.
    pub(crate) fn server(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// When the credential expires, as the server last said (None: never, or not seen).
    pub(crate) fn credential_expires(&self) -> Option<DateTime<Utc>> {
        self.credential_expires.lock().map(|g| *g).unwrap_or(None)
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, ClientError> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|_| ClientError::BadUrl(self.server()))?;
        let mut req = self.http.request(method, url);
        if let Some(c) = &self.credential {
            req = req.bearer_auth(c.expose());
        }
        Ok(req)
    }

    /// A transport error as the CLI reports it: a timeout names the time waited.
    fn transport_error(&self, e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout {
                url: self.server(),
                waited: crate::waiting::settings().timeout,
            };
        }
        let reason = describe(&e);
        if refused_certificate(&e) {
            return ClientError::Untrusted {
                url: self.server(),
                reason,
            };
        }
        ClientError::Unreachable {
            url: self.server(),
            reason,
        }
    }

    /// Remembers when the credential expires, as the server says on every answer.
    fn note_credential_expiry(&self, resp: &reqwest::Response) {
        if let Some(v) = resp
            .headers()
            .get(CREDENTIAL_EXPIRES_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            && let Ok(mut g) = self.credential_expires.lock()
        {
            *g = Some(v.with_timezone(&Utc));
        }
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ClientError> {
        let server = self.server();
        crate::waiting::with_spinner(&server, self.send_now(req)).await
    }

    async fn send_now<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ClientError> {
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        self.note_credential_expiry(&resp);
        let status = resp.status();
        let retry_after = retry_after(&resp);
        let is_json = is_json(&resp);
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
                url: self.server(),
                detail: format!("HTTP {}, unexpected body: {e}", status.as_u16()),
            });
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Api {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
                retry_after,
            }),
            Err(_) if is_json || status == StatusCode::TOO_MANY_REQUESTS => Err(ClientError::Api {
                status: status.as_u16(),
                code: status_code_name(status),
                message: format!(
                    "HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                ),
                retry_after,
            }),
            Err(_) if status.is_server_error() => Err(ClientError::Api {
                status: status.as_u16(),
                code: status_code_name(status),
                message: format!(
                    "the server answered HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                ),
                retry_after,
            }),
            Err(_) => Err(ClientError::Protocol {
                url: self.server(),
                detail: format!("HTTP {} without a tokctl error body", status.as_u16()),
            }),
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path)?).await
    }

    async fn with_body<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(method, path)?.json(body)).await
    }

    /// Follows `next_cursor` until the last page, or until `max` items.
    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        max: Option<usize>,
    ) -> Result<Vec<T>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page: Page<T> = self
                .send(self.request(Method::GET, path)?.query(&q))
                .await?;
            items.extend(page.items);
            if let Some(max) = max
                && items.len() >= max
            {
                items.truncate(max);
                return Ok(items);
            }
            match page.next_cursor {
                Some(c) if Some(&c) != cursor.as_ref() => cursor = Some(c),
                _ => return Ok(items),
            }
        }
    }

    // --- sessions --------------------------------------------------------------------------

    pub(crate) async fn login(
        &self,
        email: &str,
        password: Secret,
        session_name: &str,
    ) -> Result<TokenWithSecret, ClientError> {
        let body = LoginRequest {
            email: email.to_string(),
            password,
            name: Some(session_name.to_string()),
        };
        self.with_body(Method::POST, "v1/sessions", &body).await
    }

    pub(crate) async fn logout(&self) -> Result<RevokeResult, ClientError> {
        self.send(self.request(Method::DELETE, "v1/sessions/current")?)
            .await
    }

    /// `POST /v1/leaks`: reports secrets found where they should not be (each live one is
    /// revoked). Works without a credential; with one, the answer names the matched tokens it
    /// may see.
    pub(crate) async fn report_leaks(
        &self,
        reports: &[crate::api::leaks::LeakReport],
    ) -> Result<crate::api::leaks::LeakReceipt, ClientError> {
        self.with_body(Method::POST, "v1/leaks", &reports).await
    }

    /// The same server, no credential.
    pub(crate) fn anonymous(&self) -> Result<Client, ClientError> {
        Client::new(&self.server(), None)
    }

    pub(crate) async fn me(&self) -> Result<Me, ClientError> {
        self.get("v1/me").await
    }

    // --- tokens ----------------------------------------------------------------------------

    pub(crate) async fn list_tokens(
        &self,
        q: &ListTokensQuery,
    ) -> Result<Vec<TokenInfo>, ClientError> {
        let mut query: Vec<(&str, String)> = vec![("limit", q.limit.unwrap_or(500).to_string())];
        let fields = [
            ("owner", &q.owner),
            ("status", &q.status),
            ("type", &q.kind),
            ("expiring_within", &q.expiring_within),
            ("unused_for", &q.unused_for),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                query.push((k, v.clone()));
            }
        }
        self.all_pages("v1/tokens", &query, None).await
    }

    pub(crate) async fn get_token(&self, id_or_name: &str) -> Result<TokenInfo, ClientError> {
        self.get(&format!("v1/tokens/{}", segment(id_or_name)))
            .await
    }

    pub(crate) async fn mint(&self, req: &MintRequest) -> Result<TokenWithSecret, ClientError> {
        self.with_body(Method::POST, "v1/tokens", req).await
    }

    pub(crate) async fn rotate(
        &self,
        id_or_name: &str,
        req: &RotateRequest,
    ) -> Result<TokenWithSecret, ClientError> {
        let path = format!("v1/tokens/{}/rotate", segment(id_or_name));
        self.with_body(Method::POST, &path, req).await
    }

    /// RFC 8693 token exchange with this client's credential as the subject: a child token
    /// (`tokctl delegate`). OAuth error bodies become [`ClientError::Api`] with the tokctl code
    /// of the same meaning (exit codes as for a mint).
    pub(crate) async fn exchange(
        &self,
        scopes: &[String],
        audience: &[String],
        expires: Option<&str>,
    ) -> Result<crate::api::oauth::TokenExchangeResponse, ClientError> {
        use crate::api::oauth::{self, OAuthError, OAuthErrorCode};
        let subject = self.credential.as_ref().ok_or_else(|| ClientError::Api {
            status: 401,
            code: WireCode::Known(ErrorCode::Unauthenticated),
            message: "no credential to delegate from".into(),
            retry_after: None,
        })?;
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", oauth::GRANT_TOKEN_EXCHANGE)
            .append_pair("subject_token", subject.expose())
            .append_pair("subject_token_type", oauth::TOKEN_TYPE_ACCESS_TOKEN);
        if !scopes.is_empty() {
            form.append_pair("scope", &scopes.join(" "));
        }
        for a in audience {
            form.append_pair("audience", a);
        }
        if let Some(e) = expires {
            form.append_pair("expires", e);
        }
        // The body holds a secret: kept in a `Secret` until it is handed to the request.
        let body = Secret::new(form.finish());
        let url = self
            .base
            .join(oauth::TOKEN_PATH.trim_start_matches('/'))
            .map_err(|_| ClientError::BadUrl(self.server()))?;
        let req = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.expose().to_string());
        let server = self.server();
        crate::waiting::with_spinner(&server, async {
            let resp = req.send().await.map_err(|e| self.transport_error(e))?;
            let status = resp.status();
            let retry_after = retry_after(&resp);
            let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
            if status.is_success() {
                return serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
                    url: self.server(),
                    detail: format!("HTTP {}, unexpected body: {e}", status.as_u16()),
                });
            }
            let Ok(err) = serde_json::from_slice::<OAuthError>(&bytes) else {
                return Err(ClientError::Protocol {
                    url: self.server(),
                    detail: format!("HTTP {} without an OAuth error body", status.as_u16()),
                });
            };
            // A tokctl server names its own code; any other OAuth server's error is mapped.
            let code = err.tokctl_code.unwrap_or_else(|| {
                WireCode::Known(match (status.as_u16(), err.error) {
                    (429, _) => ErrorCode::RateLimited,
                    (_, OAuthErrorCode::InvalidGrant) => ErrorCode::TokenUnknown,
                    (_, OAuthErrorCode::InvalidScope) => ErrorCode::ScopeExceedsCredential,
                    (_, OAuthErrorCode::InvalidTarget) => ErrorCode::WrongAudience,
                    (_, OAuthErrorCode::TemporarilyUnavailable) => ErrorCode::Unavailable,
                    _ => ErrorCode::Invalid,
                })
            });
            Err(ClientError::Api {
                status: status.as_u16(),
                code,
                message: format!(
                    "{}: {}",
                    err.error.as_str(),
                    err.error_description.unwrap_or_default()
                ),
                retry_after,
            })
        })
        .await
    }

    pub(crate) async fn revoke(
        &self,
        id_or_name: &str,
        req: &RevokeRequest,
    ) -> Result<RevokeResult, ClientError> {
        let path = format!("v1/tokens/{}/revoke", segment(id_or_name));
        self.with_body(Method::POST, &path, req).await
    }

    pub(crate) async fn bulk_revoke(
        &self,
        req: &BulkRevokeRequest,
    ) -> Result<RevokeResult, ClientError> {
        self.with_body(Method::POST, "v1/tokens/revoke", req).await
    }

    pub(crate) async fn usage(
        &self,
        id: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<serde_json::Value, ClientError> {
        let mut req = self.request(Method::GET, &format!("v1/tokens/{}/usage", segment(id)))?;
        if let Some(s) = since {
            req = req.query(&[("since", crate::api::duration::rfc3339(s))]);
        }
        self.send(req).await
    }

    // --- users -----------------------------------------------------------------------------

    pub(crate) async fn list_users(&self) -> Result<Vec<UserInfo>, ClientError> {
        self.all_pages("v1/users", &[], None).await
    }

    pub(crate) async fn add_user(&self, req: &AddUserRequest) -> Result<UserInfo, ClientError> {
        self.with_body(Method::POST, "v1/users", req).await
    }

    pub(crate) async fn set_role(
        &self,
        member: &str,
        req: &PatchUserRequest,
    ) -> Result<UserInfo, ClientError> {
        let path = format!("v1/users/{}", segment(member));
        self.with_body(Method::PATCH, &path, req).await
    }

    pub(crate) async fn remove_user(&self, member: &str) -> Result<RevokeResult, ClientError> {
        self.send(self.request(Method::DELETE, &format!("v1/users/{}", segment(member)))?)
            .await
    }

    // --- trust, token exchange ------------------------------------------------------------

    pub(crate) async fn trust_add(
        &self,
        req: &AddTrustRequest,
    ) -> Result<TrustPolicy, ClientError> {
        self.with_body(Method::POST, "v1/trust", req).await
    }

    pub(crate) async fn trust_list(&self) -> Result<Vec<TrustPolicy>, ClientError> {
        self.get("v1/trust").await
    }

    pub(crate) async fn trust_show(&self, name: &str) -> Result<TrustPolicy, ClientError> {
        self.get(&format!("v1/trust/{}", segment(name))).await
    }

    pub(crate) async fn trust_remove(
        &self,
        name: &str,
        dry_run: bool,
    ) -> Result<TrustPolicy, ClientError> {
        let mut req = self.request(Method::DELETE, &format!("v1/trust/{}", segment(name)))?;
        if dry_run {
            req = req.query(&[("dry_run", "true")]);
        }
        self.send(req).await
    }

    /// RFC 8693: exchanges a CI provider's ID token for a tokctl token (no credential of our
    /// own). A refusal is the RFC 6749 error body, answered as the inner `Err`.
    pub(crate) async fn exchange_id_token(
        &self,
        id_token: &Secret,
    ) -> Result<Result<TokenExchangeResponse, OAuthError>, ClientError> {
        let form = [
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("subject_token", id_token.expose()),
            ("subject_token_type", TOKEN_TYPE_ID_TOKEN),
        ];
        let req = self.request(Method::POST, "v1/oauth/token")?.form(&form);
        let server = self.server();
        crate::waiting::with_spinner(&server, async {
            let resp = req.send().await.map_err(|e| self.transport_error(e))?;
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(|e| self.transport_error(e))?;
            if status.is_success() {
                return serde_json::from_slice(&bytes)
                    .map(Ok)
                    .map_err(|e| ClientError::Protocol {
                        url: self.server(),
                        detail: format!("HTTP {}, unexpected body: {e}", status.as_u16()),
                    });
            }
            if let Ok(refusal) = serde_json::from_slice::<OAuthError>(&bytes) {
                return Ok(Err(refusal));
            }
            match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => Err(ClientError::Api {
                    status: status.as_u16(),
                    code: body.error.code,
                    message: body.error.message,
                    retry_after: None,
                }),
                Err(_) => Err(ClientError::Protocol {
                    url: self.server(),
                    detail: format!("HTTP {} without an OAuth error body", status.as_u16()),
                }),
            }
        })
        .await
    }

    // --- org, audit ------------------------------------------------------------------------

    pub(crate) async fn policy(&self) -> Result<OrgPolicy, ClientError> {
        self.get("v1/org/policy").await
    }

    pub(crate) async fn patch_policy(
        &self,
        patch: &serde_json::Value,
    ) -> Result<OrgPolicy, ClientError> {
        self.with_body(Method::PATCH, "v1/org/policy", patch).await
    }

    /// `GET /v1/audit`: events or access rows as the server wrote them, newest first.
    pub(crate) async fn audit(
        &self,
        query: &[(&str, String)],
        max: Option<usize>,
    ) -> Result<Vec<serde_json::Value>, ClientError> {
        self.all_pages("v1/audit", query, max).await
    }
}

/// Methods a server may receive twice with the effect of once (RFC 9110 §9.2.2): only these are
/// retried. `POST` (mint, rotate, login) never is.
fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// The connection closed (or was reset) before any response came: the server may not have
/// seen the request, e.g. a keep-alive connection it closed as idle just as we wrote to it.
/// Not a timeout, and not a failure to connect at all (no server there).
fn closed_before_response(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::*;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<reqwest::Error>()
            && (r.is_timeout() || r.is_connect())
        {
            return false;
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>()
            && h.is_incomplete_message()
        {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            )
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Dry runs (`--dry-run`): the same calls with `dry_run`, answering what would happen.
impl Client {
    pub(crate) async fn mint_dry_run(
        &self,
        req: &MintRequest,
    ) -> Result<TokenPreview, ClientError> {
        let req = MintRequest {
            dry_run: true,
            ..req.clone()
        };
        self.with_body(Method::POST, "v1/tokens", &req).await
    }

    pub(crate) async fn rotate_dry_run(
        &self,
        id_or_name: &str,
        req: &RotateRequest,
    ) -> Result<TokenPreview, ClientError> {
        let req = RotateRequest {
            dry_run: true,
            ..req.clone()
        };
        let path = format!("v1/tokens/{}/rotate", segment(id_or_name));
        self.with_body(Method::POST, &path, &req).await
    }

    pub(crate) async fn remove_user_dry_run(
        &self,
        member: &str,
    ) -> Result<RevokeResult, ClientError> {
        let path = format!("v1/users/{}", segment(member));
        self.send(
            self.request(Method::DELETE, &path)?
                .query(&[("dry_run", "true")]),
        )
        .await
    }

    pub(crate) async fn patch_policy_dry_run(
        &self,
        patch: &serde_json::Value,
    ) -> Result<PolicyPreview, ClientError> {
        let mut patch = patch.clone();
        if let Some(o) = patch.as_object_mut() {
            o.insert("dry_run".into(), serde_json::Value::Bool(true));
        }
        self.with_body(Method::PATCH, "v1/org/policy", &patch).await
    }
}

/// The answer to [`Client::raw`], as it came.
#[derive(Debug)]
pub(crate) struct RawAnswer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) is_json: bool,
}

impl Client {
    /// `tokctl api`: one request to `path` (relative to the server URL, query included) with
    /// `body` as JSON. The URL is checked to stay on the server's origin and under its path, so
    /// the credential never goes anywhere else; reqwest drops it on a redirect to another host.
    pub(crate) async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<RawAnswer, ClientError> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|_| ClientError::BadUrl(path.to_string()))?;
        if url.origin() != self.base.origin() || !url.path().starts_with(self.base.path()) {
            return Err(ClientError::BadUrl(path.to_string()));
        }
        let mut req = self.http.request(method, url);
        if let Some(c) = &self.credential {
            req = req.bearer_auth(c.expose());
        }
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let server = self.server();
        crate::waiting::with_spinner(&server, self.raw_now(req)).await
    }

    async fn raw_now(&self, req: RequestBuilder) -> Result<RawAnswer, ClientError> {
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        self.note_credential_expiry(&resp);
        let status = resp.status().as_u16();
        let is_json = is_json(&resp);
        let body = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        Ok(RawAnswer {
            status,
            body: body.to_vec(),
            is_json,
        })
    }
}

/// Whether the answer says its body is JSON.
fn is_json(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

/// The answer's `Retry-After` in seconds, when it gives one.
fn retry_after<T: std::str::FromStr>(resp: &reqwest::Response) -> Option<T> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// A reqwest error as one line, without the chain's noise.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    if e.is_timeout() {
        return "the request timed out".into();
    }
    let mut msg = String::new();
    let mut src = e.source();
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    if msg.is_empty() {
        if e.is_connect() {
            "connection failed".into()
        } else {
            e.to_string()
        }
    } else {
        msg
    }
}

/// Whether a transport error is the TLS handshake refusing the server's certificate: rustls's
/// certificate errors, and the verifier that could not be made for want of a trust store
/// (src/tls.rs).
fn refused_certificate(e: &reqwest::Error) -> bool {
    use std::error::Error as _;
    let mut src = e.source();
    while let Some(s) = src {
        if let Some(tls) = rustls_error(s) {
            return matches!(tls, rustls::Error::InvalidCertificate(_))
                || crate::tls::is_no_trust_store(tls);
        }
        src = s.source();
    }
    false
}

/// The rustls error inside `e`, if it is one. It travels inside `io::Error`s (two of them,
/// from hyper-util's connector), whose `source` skips what they wrap.
fn rustls_error<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// What an error answer without a tokctl error body is called (`--json`, `tokctl status`).
/// Named by the client, not sent by the server: `Other`, so its status decides the exit code
/// (a gateway's 502 exits 8, like an unreachable server).
fn status_code_name(status: StatusCode) -> WireCode {
    let named_after = match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        422 => ErrorCode::Invalid,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        400 => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    WireCode::Other(named_after.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(segment("ci-bot"), "ci-bot");
        assert_eq!(segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(segment("alice@example.com"), "alice@example.com");
    }

    #[test]
    fn server_urls_are_checked() {
        assert!(Client::new("http://127.0.0.1:8700", None).is_ok());
        assert_eq!(
            Client::new("https://tok.example.com/", None)
                .unwrap()
                .server(),
            "https://tok.example.com"
        );
        assert!(Client::new("127.0.0.1:8700", None).is_err());
        assert!(Client::new("ftp://x", None).is_err());
        assert!(Client::new("http://x/?a=b", None).is_err());
    }

    #[test]
    fn debug_hides_the_credential() {
        let s = crate::api::secret::generate(crate::api::secret::TokenType::Pat);
        let c = Client::new("http://127.0.0.1:1", Some(s.clone())).unwrap();
        assert!(!format!("{c:?}").contains(s.expose()));
    }
}
