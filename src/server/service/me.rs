//! Who a credential is: `GET /v1/me` and MCP's `whoami` answer the same.

use chrono::{TimeDelta, Utc};

use crate::api::leaks::LEAK_NOTICE_DAYS;
use crate::api::types::{Me, OrgInfo};
use crate::server::auth::Principal;
use crate::server::http::error::ApiResult;
use crate::server::state::AppState;
use crate::server::store::Store;

/// The identity, org, credential and effective permissions of the caller, and the owner's
/// tokens revoked as leaked in the last [`LEAK_NOTICE_DAYS`] days (so every credential of
/// theirs hears of a leak, not only the leaked one).
pub(crate) async fn describe(state: &AppState, p: &Principal) -> ApiResult<Me> {
    let now = Utc::now();
    let leaked_tokens = state
        .store
        .recent_leaks(p.user.id, now - TimeDelta::days(LEAK_NOTICE_DAYS))
        .await?;
    Ok(Me {
        user: p.user.info(),
        org: OrgInfo {
            name: p.org_name.clone(),
        },
        credential: p.token.info(now),
        permissions: p.permissions.names(),
        leaked_tokens,
    })
}
