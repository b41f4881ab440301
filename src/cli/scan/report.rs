//! `tokctl scan --report`: what was found goes to the server's `POST /v1/leaks`, which revokes
//! each live secret at once. No login is needed and none is sent: whoever holds a secret may
//! report it, and a scan in CI has no session.

use std::collections::HashSet;

use crate::api::leaks::{LeakReport, MAX_REPORTED};
use crate::client::Client;

use super::super::{CliError, Ctx};
use super::Finding;

pub(super) struct Reporter {
    client: Client,
}

impl Reporter {
    /// The server is `--server` / `TOKCTL_SERVER`, else the profile's.
    pub(super) fn new(ctx: &Ctx) -> Result<Reporter, CliError> {
        let server = match &ctx.global.server {
            Some(s) => s.clone(),
            None => ctx
                .load_config()
                .ok()
                .and_then(|(c, _)| c.profiles.get(ctx.profile_name()).map(|p| p.server.clone()))
                .ok_or_else(|| {
                    CliError::usage(
                        "--report: no server to report to",
                        Some("pass --server URL, set TOKCTL_SERVER, or log in once with `tokctl login`".into()),
                    )
                })?,
        };
        Ok(Reporter {
            client: Client::new(&server, None)?,
        })
    }

    /// Sends every finding (each secret and place once), at most [`MAX_REPORTED`] per
    /// request.
    pub(super) async fn send(
        &self,
        ctx: &Ctx,
        findings: &[Finding],
        git: bool,
    ) -> Result<(), CliError> {
        let source = if git {
            "tokctl scan --git"
        } else {
            "tokctl scan"
        };
        let mut seen = HashSet::new();
        let reports: Vec<LeakReport> = findings
            .iter()
            .filter(|f| seen.insert((f.secret.expose().to_string(), f.url())))
            .map(|f| LeakReport {
                token: f.secret.clone(),
                url: Some(f.url()),
                source: Some(source.to_string()),
            })
            .collect();
        let mut received = 0;
        for batch in reports.chunks(MAX_REPORTED) {
            received += self.client.report_leaks(batch).await?.received;
        }
        let secrets: HashSet<_> = findings.iter().map(|f| f.secret.expose()).collect();
        ctx.notice(format!(
            "reported {} {} ({received} places) to {}: live ones are revoked now",
            secrets.len(),
            if secrets.len() == 1 {
                "secret"
            } else {
                "secrets"
            },
            self.client.server()
        ));
        Ok(())
    }
}
