//! Leak reports: a secret found somewhere it should not be is revoked at once, whoever reports
//! it (`POST /v1/leaks`, GitHub's secret scanning through `/v1/leaks/github`,
//! `tokctl revoke --secret-stdin`).
//!
//! Rules: only a checksum-valid tokctl secret is looked up (anything else is counted and
//! dropped, never hashed nor stored); a live one is revoked with reason `leaked` in the same
//! transaction as its `token.leaked` event (url, source, how it came; never the secret); a
//! secret already revoked or expired changes nothing, so a replayed report is harmless. Every
//! report is audited once as `leak.report` with its counts and the reporter's address, matched
//! or not. What the reporter is told is the route's business: anonymous reporters learn nothing
//! about which secrets were real. Throttling and body limits live in front of this, in the
//! route.

use chrono::Utc;

use crate::api::leaks::{MAX_SOURCE_CHARS, MAX_URL_CHARS, clean_metadata};
use crate::api::perms::Permission;
use crate::api::secret::{self, Secret};
use crate::server::auth::Principal;
use crate::server::http::client_ip::ClientAddr;
use crate::server::http::error::ApiResult;
use crate::server::state::AppState;
use crate::server::store::{LeakPlace, NewEvent, Store, TokenRecord};

/// One reported secret and where it was found, as received.
pub(crate) struct Reported {
    pub token: Secret,
    pub url: Option<String>,
    pub source: Option<String>,
}

/// Who sent a report.
pub(crate) struct Reporter<'a> {
    pub ip: ClientAddr,
    /// `report` (`/v1/leaks`) or `github` (`/v1/leaks/github`).
    pub via: &'static str,
    /// The credential the report came with, if any (only to tell it what it may see).
    pub principal: Option<&'a Principal>,
}

/// What became of one reported secret.
pub(crate) enum Outcome {
    /// Not a checksum-valid tokctl secret: not looked up.
    Malformed,
    /// Well-formed, but no token has it (or only a previous secret whose grace has ended).
    Unknown,
    /// The token it belongs to; `revoked` when this report revoked it (it was live).
    Matched {
        token: Box<TokenRecord>,
        revoked: bool,
    },
}

/// Revokes every live secret of the report and audits the report. One outcome per entry, in
/// order.
pub(crate) async fn report(
    state: &AppState,
    items: Vec<Reported>,
    reporter: &Reporter<'_>,
) -> ApiResult<Vec<Outcome>> {
    let received = items.len();
    let mut outcomes = Vec::with_capacity(received);
    for item in items {
        outcomes.push(report_one(state, item, reporter).await?);
    }
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let revoked = count(|o| matches!(o, Outcome::Matched { revoked: true, .. }));
    let malformed = count(|o| matches!(o, Outcome::Malformed));
    let mut detail = serde_json::json!({
        "via": reporter.via,
        "received": received,
        "malformed": malformed,
        "revoked": revoked,
    });
    reporter.ip.annotate(&mut detail);
    state
        .store
        .record_event(event(state, reporter, "leak.report", detail))
        .await?;
    Ok(outcomes)
}

async fn report_one(
    state: &AppState,
    item: Reported,
    reporter: &Reporter<'_>,
) -> ApiResult<Outcome> {
    if secret::parse(item.token.expose()).is_err() {
        return Ok(Outcome::Malformed);
    }
    let place = LeakPlace {
        url: clean_metadata(item.url.as_deref(), MAX_URL_CHARS),
        source: clean_metadata(item.source.as_deref(), MAX_SOURCE_CHARS),
    };
    let mut detail = serde_json::json!({
        "url": place.url,
        "source": place.source,
        "via": reporter.via,
    });
    reporter.ip.annotate(&mut detail);
    let hash = state.hash_secret(item.token.expose());
    let found = state
        .store
        .revoke_leaked(
            &hash,
            Utc::now(),
            &place,
            event(state, reporter, "token.leaked", detail),
        )
        .await?;
    Ok(match found {
        Some((token, revoked)) => Outcome::Matched {
            token: Box::new(token),
            revoked,
        },
        None => Outcome::Unknown,
    })
}

/// An event of the report: by the reporting credential when there is one, else anonymous.
fn event(
    state: &AppState,
    reporter: &Reporter<'_>,
    action: &'static str,
    detail: serde_json::Value,
) -> NewEvent {
    NewEvent {
        org_id: state.org_id,
        at: Utc::now(),
        action,
        actor: reporter.principal.map(|p| p.user.label().to_string()),
        actor_user_id: reporter.principal.map(|p| p.user.id),
        credential_id: reporter.principal.map(|p| p.token.id.clone()),
        target: None,
        ip: reporter.ip.audit_ip(),
        detail,
        root_id: reporter
            .principal
            .and_then(|p| p.chain.root.as_deref().map(str::to_string)),
    }
}

/// Whether a reporting credential may be told which token a reported secret was: its owner's
/// own tokens (with `tokens:read` or `tokens:write`), any of its org's with `tokens:admin` —
/// the tokens it could list or revoke anyway.
pub(crate) fn may_see(p: &Principal, token: &TokenRecord) -> bool {
    token.org_id == p.org_id()
        && (p.has(Permission::TokensAdmin)
            || (token.user_id == p.user.id
                && (p.has(Permission::TokensRead) || p.has(Permission::TokensWrite))))
}
