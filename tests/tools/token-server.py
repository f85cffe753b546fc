#!/usr/bin/env python3
"""The tests' own token server for docker-registry's token auth (distribution's token spec):
GET /token?service=S&scope=repository:NAME:ACTIONS, with Basic credentials, answers
{"token": JWT, "expires_in": 300}. The JWT is RS256, signed with openssl(1) (python's stdlib
has no RSA), with the signing certificate in its x5c header; docker-registry trusts it through
its rootcertbundle. Wrong credentials: 401. No credentials: a token that grants nothing.

    token-server.py --cert C --key K --tls-cert C2 --tls-key K2 --users FILE --port-file F --log L

FILE holds "user:password" lines (a file, so that no password shows in ps). The log has one
line per request (user or "anonymous", scope, granted actions), never a credential.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

args = None


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(data):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=data,
                          capture_output=True, check=True).stdout


def cert_der():
    return subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"],
                          capture_output=True, check=True).stdout


def users():
    out = {}
    with open(args.users) as f:
        for line in f:
            if ":" in line:
                u, p = line.rstrip("\n").split(":", 1)
                out[u] = p
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        user = None
        authz = self.headers.get("Authorization", "")
        if authz.startswith("Basic "):
            try:
                u, p = base64.b64decode(authz[6:]).decode().split(":", 1)
            except Exception:
                return self.reply(400, b'{"error":"bad credentials"}')
            if users().get(u) != p:
                with open(args.log, "a") as f:
                    f.write("refused user=%s\n" % u)
                return self.reply(401, b'{"error":"wrong credentials"}')
            user = u
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) == 3 and parts[0] == "repository" and user:
                access.append({"type": "repository", "name": parts[1],
                               "actions": parts[2].split(",")})
        now = int(time.time())
        claims = {"iss": "qrun-test-issuer", "sub": user or "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": access}
        header = {"typ": "JWT", "alg": "RS256",
                  "x5c": [base64.b64encode(cert_der()).decode()]}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        token = signing_input.decode() + "." + b64url(sign(signing_input))
        with open(args.log, "a") as f:
            f.write("token user=%s scope=%s granted=%s\n" % (
                user or "anonymous", ",".join(q.get("scope", [])),
                ";".join(a["name"] + ":" + ",".join(a["actions"]) for a in access)))
        self.reply(200, json.dumps({"token": token, "expires_in": 300}).encode())


def main():
    global args
    p = argparse.ArgumentParser()
    for a in ("--cert", "--key", "--tls-cert", "--tls-key", "--users", "--port-file", "--log"):
        p.add_argument(a, required=True)
    args = p.parse_args()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Timer(600, lambda: os._exit(0)).start()
    httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
