"""A resource server validating bearer tokens with authlib's RFC 7662 client (tests/it/oauth_metadata.rs).

    python3 introspect_authlib.py URL TOKEN_TO_CHECK SCOPE   # GATEWAY in the environment

authlib's OAuth2Session.introspect_token posts the form to the introspection endpoint (found
from the RFC 8414 metadata), authenticated with the gateway's bearer token; authlib's
IntrospectTokenValidator then judges the answer for SCOPE. Prints one JSON line:
{"introspection": …, "verdict": "ok" | "invalid_token" | "insufficient_scope"}. Exit 3 when
authlib is not installed.
"""

import json
import os
import sys

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test server is plain HTTP

try:
    import requests
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
    from authlib.oauth2.rfc7662 import IntrospectTokenValidator
except ImportError as e:
    print(f"authlib is not installed: {e}", file=sys.stderr)
    sys.exit(3)


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


class TokctlIntrospection(IntrospectTokenValidator):
    def __init__(self, endpoint, gateway):
        super().__init__()
        self.endpoint = endpoint
        self.gateway = gateway

    def introspect_token(self, token_string):
        session = OAuth2Session()
        resp = session.introspect_token(self.endpoint, token=token_string, auth=Bearer(self.gateway))
        resp.raise_for_status()
        return resp.json()


def main():
    base, token, scope = sys.argv[1], sys.argv[2], sys.argv[3]
    metadata = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    validator = TokctlIntrospection(metadata["introspection_endpoint"], os.environ["GATEWAY"])
    claims = validator.authenticate_token(token)
    try:
        validator.validate_token(claims, [scope], None)
        verdict = "ok"
    except InvalidTokenError:
        verdict = "invalid_token"
    except InsufficientScopeError:
        verdict = "insufficient_scope"
    print(json.dumps({"introspection": claims, "verdict": verdict}))


main()
