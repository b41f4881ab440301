//! `tokctl rotate TOKEN [--expires D] [--grace D] [--exec CMD]`: a new secret for the same
//! token, delivered like a minted one.

use super::args::RotateArgs;
use super::exec::{Made, deliver};
use super::mint::expiry_string;
use super::{CliError, Ctx, resolve_token};
use crate::api::duration::format_duration;
use crate::api::types::RotateRequest;

pub(crate) async fn run(ctx: &Ctx, a: RotateArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let id = resolve_token(client, &a.token, a.owner.as_deref()).await?;
    let req = RotateRequest {
        expires: a.expires.map(expiry_string),
        grace: a.grace.map(format_duration),
        dry_run: false,
    };
    if a.dry_run {
        let preview = client.rotate_dry_run(&id, &req).await?;
        return super::dry_run::rotated(ctx, &preview, a.exec.exec.as_deref());
    }
    let issued = client.rotate(&id, &req).await?;
    deliver(ctx, issued, &a.exec, Made::Rotated).await
}
