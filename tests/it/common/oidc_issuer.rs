//! A real OpenID Connect issuer on loopback for the trust tests: a discovery document, a JWKS
//! endpoint whose keys a test can rotate, GitHub Actions' ID token endpoint
//! (`ACTIONS_ID_TOKEN_REQUEST_URL`), and keys generated per run (RS256, ES256, EdDSA) that sign
//! real JWTs. The signing is aws-lc-rs's; the server under test verifies with jsonwebtoken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
    RsaKeyPair, RsaPublicKeyComponents,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A signing key made for this run, with its public JWK.
pub struct SigningKey {
    pub kid: String,
    pub alg: &'static str,
    pair: Pair,
}

static NEXT: AtomicU64 = AtomicU64::new(1);

fn kid(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl SigningKey {
    pub fn rs256() -> SigningKey {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa key");
        SigningKey {
            kid: kid("rsa"),
            alg: "RS256",
            pair: Pair::Rsa(pair),
        }
    }

    pub fn es256() -> SigningKey {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("ec key");
        SigningKey {
            kid: kid("ec"),
            alg: "ES256",
            pair: Pair::Ec(pair),
        }
    }

    pub fn eddsa() -> SigningKey {
        let pair = Ed25519KeyPair::generate().expect("ed25519 key");
        SigningKey {
            kid: kid("ed"),
            alg: "EdDSA",
            pair: Pair::Ed(pair),
        }
    }

    /// The public key as a JWK, as an issuer publishes it.
    pub fn jwk(&self) -> Value {
        match &self.pair {
            Pair::Rsa(p) => {
                let c = RsaPublicKeyComponents::<Vec<u8>>::from(p.public_key());
                json!({"kty": "RSA", "kid": self.kid, "alg": "RS256", "use": "sig",
                       "n": b64(&c.n), "e": b64(&c.e)})
            }
            Pair::Ec(p) => {
                let point = p.public_key().as_ref();
                json!({"kty": "EC", "kid": self.kid, "alg": "ES256", "use": "sig", "crv": "P-256",
                       "x": b64(&point[1..33]), "y": b64(&point[33..65])})
            }
            Pair::Ed(p) => json!({"kty": "OKP", "kid": self.kid, "alg": "EdDSA", "use": "sig",
                                  "crv": "Ed25519", "x": b64(p.public_key().as_ref())}),
        }
    }

    /// The raw bytes of the public key as a confused verifier would take them as an HMAC
    /// secret: the JWK's text (any fixed public bytes serve the attack test).
    pub fn public_bytes(&self) -> Vec<u8> {
        self.jwk().to_string().into_bytes()
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0; p.public_modulus_len()];
                p.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .expect("rsa sign");
                sig
            }
            Pair::Ec(p) => p.sign(&rng, message).expect("ec sign").as_ref().to_vec(),
            Pair::Ed(p) => p.sign(message).as_ref().to_vec(),
        }
    }

    /// A JWT of `claims`, signed with this key, `kid` in its header.
    pub fn jwt(&self, claims: &Value) -> String {
        self.jwt_with_header(
            &json!({"alg": self.alg, "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    pub fn jwt_with_header(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = self.sign(message.as_bytes());
        format!("{message}.{}", b64(&sig))
    }
}

/// An HS256 JWT whose HMAC key is `secret` (the algorithm-confusion attack).
pub fn hs256_jwt(kid: &str, secret: &[u8], claims: &Value) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", b64(tag.as_ref()))
}

/// An unsigned JWT (`alg: none`).
pub fn unsigned_jwt(kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// A JWT with its payload replaced after signing.
pub fn tampered(jwt: &str, claims: &Value) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    )
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn jti() -> String {
    format!(
        "jti-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        now()
    )
}

/// A GitHub Actions ID token's claim set (as GitHub documents it), for `repo` on `git_ref`.
pub fn github_claims(iss: &str, aud: &str, repo: &str, git_ref: &str) -> Value {
    let t = now();
    let owner = repo.split('/').next().unwrap_or_default();
    json!({
        "jti": jti(), "sub": format!("repo:{repo}:ref:{git_ref}"), "aud": aud,
        "ref": git_ref, "sha": "d6a8c3c5a1d7a2b0f6e7b0c7d9e1f2a3b4c5d6e7",
        "repository": repo, "repository_owner": owner, "repository_owner_id": "1001",
        "run_id": "6025312361", "run_number": "42", "run_attempt": "1",
        "repository_visibility": "private", "repository_id": "2002", "actor_id": "3003",
        "actor": "octocat", "workflow": "deploy", "head_ref": "", "base_ref": "",
        "event_name": "push", "ref_protected": "true", "ref_type": "branch",
        "workflow_ref": format!("{repo}/.github/workflows/deploy.yml@{git_ref}"),
        "workflow_sha": "d6a8c3c5a1d7a2b0f6e7b0c7d9e1f2a3b4c5d6e7",
        "job_workflow_ref": format!("{repo}/.github/workflows/deploy.yml@{git_ref}"),
        "job_workflow_sha": "d6a8c3c5a1d7a2b0f6e7b0c7d9e1f2a3b4c5d6e7",
        "runner_environment": "github-hosted",
        "iss": iss, "nbf": t - 5, "exp": t + 300, "iat": t - 5,
    })
}

/// A GitLab CI ID token's claim set (`id_tokens:`), for `project` on branch `branch`.
pub fn gitlab_claims(iss: &str, aud: &str, project: &str, branch: &str) -> Value {
    let t = now();
    let namespace = project.split('/').next().unwrap_or_default();
    json!({
        "namespace_id": "72", "namespace_path": namespace, "project_id": "20",
        "project_path": project, "user_id": "1", "user_login": "alice",
        "user_email": "alice@example.com", "user_access_level": "developer",
        "pipeline_id": "574", "pipeline_source": "push", "job_id": "302",
        "ref": branch, "ref_type": "branch", "ref_path": format!("refs/heads/{branch}"),
        "ref_protected": "true", "runner_id": 1, "runner_environment": "gitlab-hosted",
        "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc", "project_visibility": "private",
        "ci_config_ref_uri": format!("gitlab.example.com/{project}//.gitlab-ci.yml@refs/heads/{branch}"),
        "ci_config_sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
        "jti": jti(), "iss": iss, "iat": t - 5, "nbf": t - 5, "exp": t + 300,
        "sub": format!("project_path:{project}:ref_type:branch:ref:{branch}"), "aud": aud,
    })
}

#[derive(Default)]
struct State {
    keys: Vec<Value>,
    jwks_fetches: u64,
    /// GitHub Actions' endpoint: the request bearer it wants, and the key and claims it signs.
    actions: Option<(String, Arc<SigningKey>, Value)>,
}

/// The issuer, served on a loopback port until dropped.
pub struct Issuer {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Issuer {
    pub fn start() -> Issuer {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind issuer");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = {
            use axum::extract::{Query, State as S};
            use axum::http::HeaderMap;
            use axum::routing::get;
            let issuer = url.clone();
            axum::Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get(move || {
                        let issuer = issuer.clone();
                        async move {
                            axum::Json(json!({
                                "issuer": issuer, "jwks_uri": format!("{issuer}/jwks"),
                                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                            }))
                        }
                    }),
                )
                .route(
                    "/jwks",
                    get(|S(st): S<Arc<Mutex<State>>>| async move {
                        let mut st = st.lock().unwrap();
                        st.jwks_fetches += 1;
                        axum::Json(json!({"keys": st.keys}))
                    }),
                )
                .route(
                    "/actions-token",
                    get(|S(st): S<Arc<Mutex<State>>>, headers: HeaderMap,
                         Query(q): Query<std::collections::HashMap<String, String>>| async move {
                        let st = st.lock().unwrap();
                        let Some((bearer, key, claims)) = st.actions.as_ref() else {
                            return Err(axum::http::StatusCode::NOT_FOUND);
                        };
                        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
                        if auth != Some(&format!("Bearer {bearer}")) {
                            return Err(axum::http::StatusCode::UNAUTHORIZED);
                        }
                        let mut claims = claims.clone();
                        claims["aud"] = q.get("audience").cloned().unwrap_or_default().into();
                        claims["jti"] = jti().into();
                        Ok(axum::Json(json!({"count": 1, "value": key.jwt(&claims)})))
                    }),
                )
                .with_state(state.clone())
        };
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Issuer {
            url,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Publishes exactly these keys at the JWKS endpoint (a rotation replaces the list).
    pub fn publish(&self, keys: &[&SigningKey]) {
        self.state.lock().unwrap().keys = keys.iter().map(|k| k.jwk()).collect();
    }

    /// How many times the JWKS endpoint was fetched.
    pub fn jwks_fetches(&self) -> u64 {
        self.state.lock().unwrap().jwks_fetches
    }

    /// Serves GitHub Actions' ID token endpoint: `ACTIONS_ID_TOKEN_REQUEST_URL` and `_TOKEN`
    /// for the CLI's environment. Tokens carry `claims`, the asked audience and a fresh `jti`.
    pub fn serve_actions_tokens(
        &self,
        key: Arc<SigningKey>,
        claims: Value,
    ) -> [(String, String); 2] {
        let bearer = format!("actions-request-{}", jti());
        self.state.lock().unwrap().actions = Some((bearer.clone(), key, claims));
        [
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                format!("{}/actions-token?api-version=2.0", self.url),
            ),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(), bearer),
        ]
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
