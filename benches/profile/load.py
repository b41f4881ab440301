"""Sends COUNT requests to URL+PATH over 4 keep-alive connections: a POST of BODY with the
bearer TOKEN to /v1/verify (each answer must be an allowed verdict), a GET with the bearer TOKEN
to /v1/forward-auth (each must be allowed: 204), else a plain GET."""
import http.client
import sys
import threading
from urllib.parse import urlsplit

url, path, count, body, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
where = urlsplit(url)


def worker(n):
    c = http.client.HTTPConnection(where.hostname, where.port)
    for _ in range(n):
        if path == "/v1/verify":
            c.request("POST", path, body=body, headers={
                "Content-Type": "application/json", "Authorization": "Bearer " + token})
        elif path.startswith("/v1/forward-auth"):
            c.request("GET", path, headers={"Authorization": "Bearer " + token})
        else:
            c.request("GET", path)
        r = c.getresponse()
        data = r.read()
        expected = 204 if path.startswith("/v1/forward-auth") else 200
        assert r.status == expected, (r.status, data)
        assert path != "/v1/verify" or data.startswith(b'{"allowed":true,'), data


threads = [threading.Thread(target=worker, args=(count // 4,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
