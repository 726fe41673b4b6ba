"""A local git server over HTTP (`git http-backend` behind Python's HTTP server) that serves
its repositories only to a request whose Basic password or Bearer token the test provider
accepts: what Azure DevOps does with an Entra token.

    python3 git_server.py PROJECT_ROOT PROVIDER_BASE_URL CA_FILE

Prints `port=N` once it listens, then `refused: REASON` for each request it turns away (never
the token); runs until SIGTERM.
"""
import base64
import http.server
import signal
import subprocess
import sys

import provider_check  # beside this file

root, provider, ca_file = sys.argv[1:4]


def provider_accepts(token):
    """The provider's own verdict on the bearer token."""
    return provider_check.provider_accepts(provider, ca_file, token)


def token_of(authorization):
    """The token in `Basic base64(user:token)` or `Bearer token`, or None."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value, validate=True).decode().partition(":")[2]
        except ValueError:
            return None
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def log_message(self, *args):
        pass

    def serve(self):
        token = token_of(self.headers.get("Authorization"))
        if not token or not provider_accepts(token):
            print("refused:", "no credential" if not token else "the provider does not accept the token", flush=True)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        environment = {
            "GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
            "REQUEST_METHOD": self.command, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "tester", "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "PATH": "/usr/bin:/bin",
        }
        output = subprocess.run(["git", "http-backend"], input=body, env=environment, capture_output=True).stdout
        head, _, payload = output.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port={server.server_address[1]}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server.serve_forever()
