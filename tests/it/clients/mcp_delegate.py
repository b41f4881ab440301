"""An orchestrating agent and its sub-agent, on the official MCP Python SDK (tests/it/mcp_delegation.rs).

    python3 mcp_delegate.py delegate URL   # TOKEN in the environment: the orchestrator's
    python3 mcp_delegate.py whoami URL     # TOKEN: the sub-agent's

Prints one JSON line: the delegate step prints the child (secret and id) and what the sub-agent
saw with it; `whoami` prints the tool's result, or `{"error_code": N}` when the call is refused
with a JSON-RPC error (MCPError). Exit 3 when the SDK is not installed.
"""

import asyncio
import json
import os
import sys

try:
    from mcp import Client
    from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
    from mcp.shared.exceptions import MCPError
except ImportError as e:  # the Rust test skips with this message
    print(f"the MCP Python SDK is not installed: {e}", file=sys.stderr)
    sys.exit(3)


def structured(result):
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def call(url, token, tool, args):
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with Client(streamable_http_client(url, http_client=http)) as client:
        result = await client.call_tool(tool, args)
        return {"is_error": bool(result.is_error), "value": structured(result)}


def mcp_error(exc):
    """The MCPError inside what the SDK raised (it may come wrapped in exception groups)."""
    if isinstance(exc, MCPError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = mcp_error(inner)
        if found is not None:
            return found
    cause = exc.__cause__ or exc.__context__
    return mcp_error(cause) if cause is not None else None


async def main():
    step, url = sys.argv[1], sys.argv[2]
    token = os.environ["TOKEN"]
    if step == "delegate":
        me = await call(url, token, "whoami", {})
        made = await call(url, token, "delegate", {"scopes": ["work:read"], "expires": "10m"})
        child = made["value"]
        # The sub-agent: a separate client, its own token.
        sub_me = await call(url, child["secret"], "whoami", {})
        sub_list = await call(url, child["secret"], "list_tokens", {})
        print(json.dumps({
            "orchestrator": me["value"]["credential"]["id"],
            "child": child["secret"],
            "child_id": child["token"]["id"],
            "child_scopes": child["token"]["scopes"],
            "sub_agent_permissions": sub_me["value"]["permissions"],
            "sub_agent_credential": sub_me["value"]["credential"]["id"],
            "sub_agent_list_refused": sub_list["is_error"],
        }))
    elif step == "whoami":
        try:
            print(json.dumps(await call(url, token, "whoami", {})))
        except BaseException as exc:  # noqa: BLE001 - the point is to see the refusal
            err = mcp_error(exc)
            if err is None:
                raise
            print(json.dumps({"error_code": err.error.code, "message": err.error.message}))
    else:
        sys.exit(f"unknown step {step}")


asyncio.run(main())
