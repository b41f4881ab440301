//! What the trust tests share: a server with a service account `ci-bot`, a local issuer, and
//! the exchange spoken as an OAuth client speaks it (a form POST to `/v1/oauth/token`).

use serde_json::{Value, json};

use super::oidc_issuer::Issuer;
use super::{Resp, ServerOptions, TestServer};

pub const AUDIENCE: &str = "https://tokctl.example";
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

pub struct Ci {
    pub server: TestServer,
    pub issuer: Issuer,
    /// The owner's session.
    pub admin: String,
}

/// A server whose key refetches are not limited (so rotation tests need not wait a minute),
/// with a `ci-bot` service account (role member).
pub async fn start() -> Ci {
    start_with(ServerOptions {
        args: vec!["--oidc-min-refetch-secs".into(), "0".into()],
        ..Default::default()
    })
    .await
}

pub async fn start_with(options: ServerOptions) -> Ci {
    let server = TestServer::start_with(options);
    let issuer = Issuer::start();
    let admin = server.owner_session().await;
    let r = server
        .post(
            "/v1/users",
            &admin,
            json!({"name": "ci-bot", "role": "member", "service": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    Ci {
        server,
        issuer,
        admin,
    }
}

impl Ci {
    /// Adds a trust policy for the local issuer; `extra` overrides the defaults.
    pub async fn trust(&self, name: &str, subject: &str, extra: Value) -> Resp {
        let mut body = json!({
            "name": name, "issuer": self.issuer.url, "audience": AUDIENCE,
            "subject": subject, "owner": "ci-bot", "scopes": ["work:read"],
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        self.server.post("/v1/trust", &self.admin, body).await
    }

    pub async fn exchange(&self, jwt: &str) -> Resp {
        exchange_at(&self.server, jwt).await
    }

    /// Every token the service account has, whatever its status.
    pub async fn minted(&self) -> Vec<Value> {
        let r = self
            .server
            .get("/v1/tokens?owner=ci-bot&status=all", &self.admin)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["items"].as_array().cloned().unwrap_or_default()
    }

    /// The `reason` of the newest `auth.failed` event.
    pub async fn last_refusal(&self) -> Value {
        let r = self
            .server
            .get("/v1/audit?action=auth.failed&limit=1", &self.admin)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["items"][0]["detail"].clone()
    }
}

pub async fn exchange_at(server: &TestServer, jwt: &str) -> Resp {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/oauth/token", server.url))
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", jwt),
            ("subject_token_type", ID_TOKEN_TYPE),
        ])
        .send()
        .await
        .expect("exchange request");
    Resp::read(resp).await
}
