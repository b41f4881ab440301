"""TLS in front of a plain-HTTP tokctl server, for the command line's TLS tests.

    tls_proxy.py CERT KEY UPSTREAM_PORT SESSIONS_FILE

Terminates TLS with CERT and KEY on a free loopback port (printed first, on its own line),
copies bytes both ways to 127.0.0.1:UPSTREAM_PORT, and appends one line to SESSIONS_FILE for
every handshake that succeeded: nothing a client sends can reach the server without one.
Serves until killed.
"""
import socket
import ssl
import sys
import threading

cert, key, upstream_port, sessions_file = sys.argv[1:5]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)


def pipe(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(raw):
    try:
        tls = context.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    with open(sessions_file, "a") as f:
        f.write("handshake\n")
    upstream = socket.create_connection(("127.0.0.1", int(upstream_port)))
    threading.Thread(target=pipe, args=(upstream, tls), daemon=True).start()
    pipe(tls, upstream)


while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
