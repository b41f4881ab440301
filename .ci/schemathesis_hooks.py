"""Schemathesis hooks of .ci/schemathesis.sh: the few refusals no JSON Schema can foresee.

The OpenAPI document states every constraint the server puts on a value (src/api/schema.rs).
A handful of refusals depend on something a schema cannot see: the clock, the org policy as it
is at that moment (the run itself changes it), the kind of credential or member a request names,
or two query parameters together. A schema-valid request refused (422) for exactly one of these
reasons is not a gap in the document, so the failure is dropped here; the run's summary counts
dropped failures. Any other refusal of schema-valid data still fails the run, and so does every
other check.
"""

import schemathesis

# A phrase of the error message of each such refusal (all answer 422 `invalid`), and why no schema
# can state it.
STATE_DEPENDENT = [
    # `expires` as a date: whether it is in the future depends on the clock.
    "`expires` is in the past",
    # The org policy of the moment (PATCH /v1/org/policy changes it during the run).
    "beyond the org policy's max_expiry",
    "is not allowed by the org policy (allow_never=false)",
    "beyond the org policy's max_rate_limit",
    # A policy change is judged with the policy it changes: default_expiry <= max_expiry and
    # default_rate_limit <= max_rate_limit as they are after the change.
    "is longer than `max_expiry`",
    "is above `max_rate_limit`",
    # Whether `owner` names a person or a service account, a token is a session, the caller's
    # credential is a session: facts of the database, not of the request's shape.
    "is a person; admins mint tokens only for service accounts",
    "sessions are not rotated",
    "the credential is not a session",
    # `action` filters audit events; with `kind=access` it is refused. OpenAPI cannot relate two
    # query parameters.
    "the access log has none",
    # POST /v1/trust: the org policy's max_trust_lifetime of the moment; whether `owner` is a
    # service account (a fact of the database); an issuer URL a URL parser and the loopback rule
    # refuse (the document states the shape, `https://…`, not a URL grammar); and a `jwks` whose
    # keys are not keys (no schema checks an RSA modulus).
    "beyond the org policy's max_trust_lifetime",
    "a trust policy mints tokens of a service account only",
    "is not a URL",
    "must be an https URL without query or fragment",
    "`jwks` is not a JWK Set",
    "`jwks` has no key this server can use",
    "`jwks` is larger than 64 KiB",
]


def _message(response):
    try:
        return response.json()["error"]["message"]
    except Exception:
        return None


def _code(response):
    try:
        return response.json()["error"]["code"]
    except Exception:
        return None


def _authorization(response, case):
    """The Authorization header the request carried, as sent."""
    request = getattr(response, "request", None)
    headers = getattr(request, "headers", None) or case.headers or {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            return value
    return None


def _ambiguous(value):
    """Two credentials by tokctl's rule (src/server/auth/mod.rs `bearer`)."""
    if value is None:
        return False
    if "," in value:
        return True
    _, _, credential = value.partition(" ")
    return any(c in " \t\n\r\x0c" for c in credential.strip())


def _form_field(case, name, default=None):
    """A field of the request's form body, as generated."""
    body = case.body if isinstance(case.body, dict) else {}
    value = body.get(name, default)
    return value if isinstance(value, str) else default


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a schema-valid request's refusal for a reason listed above."""
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    # POST /mcp: the body's grammar is the MCP specification's (JSON-RPC 2.0 messages, each
    # method with its own params), implemented by the rmcp SDK; the document describes only the
    # envelope. Its refusals of malformed messages are tested in tests/it/mcp.rs.
    if case.operation.path == "/mcp" and response.status_code in (400, 415):
        return False
    # POST /v1/oauth/token: a schema-valid form names a subject token no schema can make live
    # (a secret this server issued, unrevoked, unexpired), so the exchange answers an RFC 6749
    # §5.2 error body (tests/it/token_exchange.rs covers each); and a resource/audience or scope
    # beyond the subject's depends on that subject.
    if case.operation.path == "/v1/oauth/token" and response.status_code in (400, 429):
        try:
            error = response.json().get("error")
            description = response.json().get("error_description") or ""
        except Exception:
            error, description = None, ""
        if error in ("invalid_grant", "invalid_scope", "invalid_target"):
            return False
        # How deep in a delegation chain the subject token is (the org's max_delegation_depth).
        if error == "invalid_request" and response.json().get("tokctl_code") == "delegation_too_deep":
            return False
        # An ID token's trust policy fixes scopes, lifetime and audience, so the exchange refuses
        # them beside `subject_token_type=…:id_token`/`…:jwt`: a rule between two fields of
        # the form, which the document says in words (the server ignores unknown form fields,
        # as RFC 6749 §3.2 asks, so `additionalProperties: false` cannot say it either).
        if (
            error == "invalid_request"
            and "are not taken with an ID token" in description
            and _form_field(case, "subject_token_type", "").endswith((":id_token", ":jwt"))
        ):
            return False
        # The lifetime asked for, against the subject's own expiry, the clock and the policy.
        return not (
            error == "invalid_request"
            and (
                "beyond the delegating token's own expiry" in description
                or any(phrase in description for phrase in STATE_DEPENDENT)
            )
        )
    # The anonymous pass sends no credential, so schemathesis makes up `Authorization` values for
    # the bearer scheme; one with a space or comma inside the credential is two credentials to
    # tokctl (DESIGN.md: 400 `ambiguous_credential`), which a security scheme cannot state. Only
    # such a header is excused: a single credential refused as ambiguous still fails the run.
    if response.status_code == 400 and _code(response) == "ambiguous_credential":
        return not _ambiguous(_authorization(response, case))
    # Leak reports keep to their own budget per client address (src/server/ratelimit/
    # leak_intake.rs), which a fuzzer sending every report from one address soon meets: the
    # traffic of the moment, not the request's shape.
    if case.operation.path.startswith("/v1/leaks") and response.status_code == 429:
        return False
    if response.status_code != 422:
        return True
    message = _message(response) or ""
    return not any(phrase in message for phrase in STATE_DEPENDENT)
