"""An http:// server that moved to TLS: answers every request with a 308 to the same path on
TARGET (an https:// origin). Prints its loopback port first, then serves until killed.

    https_redirect.py TARGET
"""
import http.server
import sys

target = sys.argv[1]


class Redirect(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(308)
        self.send_header("Location", target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
print(server.server_address[1], flush=True)
server.serve_forever()
