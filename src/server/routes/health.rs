//! `GET /healthz` (liveness; also the baseline the verify benchmark compares against).

#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "ok")))]
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}
