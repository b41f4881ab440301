#!/usr/bin/env python3
"""How long a revoke takes to be acknowledged with two PostgreSQL replicas.

    TOKCTL_TEST_DATABASE_URL=postgres://USER:PASS@HOST/DB \
        benches/profile/revoke_latency.py [TOKCTL_BINARY] [LABEL]

Creates a database of its own next to the one the URL names, runs `tokctl server init` and two
replicas of the given build (default target/release/tokctl) on it, mints 150 tokens, then revokes
them one by one through the two replicas in turn and prints the median, p90 and largest time from
sending a revoke to its answer. Run it for two builds in turn to compare them: a revoke waits for
every replica's credential lease to apply it (docs/decisions/0011-credential-leases.md).
Needs psql.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

PASSWORD = "bench-password-123"
TOKENS = 150

binary = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "target/release/tokctl")
label = sys.argv[2] if len(sys.argv) > 2 else "build"
admin = os.environ["TOKCTL_TEST_DATABASE_URL"]
name = f"tokctl_revoke_latency_{os.getpid()}"
base = admin.rsplit("/", 1)[0]
url = f"{base}/{name}"


def psql(sql):
    subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


psql(f"CREATE DATABASE {name}")
home = subprocess.run(["mktemp", "-d"], check=True, capture_output=True, text=True).stdout.strip()
env = {**os.environ, "HOME": home}
replicas = []
try:
    subprocess.run(
        [binary, "server", "init", "--org", "acme", "--owner", "owner@example.com",
         "--password-stdin", "--database", url],
        input=(PASSWORD + "\n").encode(), check=True, env=env, capture_output=True)
    ports = [free_port(), free_port()]
    replicas = [
        subprocess.Popen([binary, "server", "--listen", f"127.0.0.1:{p}", "--database", url],
                         env=env, stderr=subprocess.DEVNULL)
        for p in ports
    ]
    for _ in range(200):
        try:
            for p in ports:
                urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz").close()
            break
        except OSError:
            time.sleep(0.05)
    session = call(ports[0], "POST", "/v1/sessions",
                   body={"email": "owner@example.com", "password": PASSWORD})["secret"]
    ids = [call(ports[0], "POST", "/v1/tokens", session, {"name": f"t{i}"})["token"]["id"]
           for i in range(TOKENS)]
    took = []
    for i, token_id in enumerate(ids):
        sent = time.perf_counter()
        call(ports[i % 2], "POST", f"/v1/tokens/{token_id}/revoke", session, {})
        took.append((time.perf_counter() - sent) * 1000)
    took.sort()
    print(f"{label}: revoke acknowledged in {statistics.median(took):.2f} ms (median), "
          f"p90 {took[int(len(took) * 0.9)]:.2f} ms, max {took[-1]:.2f} ms "
          f"({TOKENS} revokes through two replicas in turn)")
finally:
    for r in replicas:
        r.terminate()
        r.wait()
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
