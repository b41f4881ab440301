//! Who a credential is: `GET /v1/me` and MCP's `whoami` answer the same.

use chrono::Utc;

use crate::api::types::{Me, OrgInfo};
use crate::server::auth::Principal;

/// The identity, org, credential and effective permissions of the caller.
pub(crate) fn describe(p: &Principal) -> Me {
    Me {
        user: p.user.info(),
        org: OrgInfo {
            name: p.org_name.clone(),
        },
        credential: p.token.info(Utc::now()),
        permissions: p.permissions.names(),
    }
}
