#!/usr/bin/env python3
"""A small registry of the tests' own (OCI distribution API, read side), serving an OCI image
layout over HTTPS on 127.0.0.1, with switches that make it answer the way a broken or hostile
registry would. The registry the tests trust is Debian's docker-registry; this one exists for
the answers that registry never gives.

    fake-registry.py --layout DIR --cert C --key K --port-file F --log L [--mode MODE ...]

Names: /v2/<any repository>/manifests/<tag> looks the tag up in DIR/index.json (ref.name
annotation, or "latest" for the first entry); manifests/<digest> and blobs/<digest> read
DIR/blobs/sha256/. Modes (several may be given):

    corrupt-blob       layer blobs have one byte changed (same length)
    truncated-blob     layer blobs: full Content-Length, half the bytes, then the connection closes
    short-length       layer blobs: Content-Length and body one byte short (a "complete" answer)
    big-manifest       manifests are padded past 4 MiB with whitespace
    schema1            manifests answer as docker schema 1 (signed JSON)
    redirect-loop      blobs redirect to themselves forever
    unauth-nochallenge every request is 401 without WWW-Authenticate
    flaky              the first answer of every path is 503
    slow-blob          layer blobs: half the bytes, then a pause of 30 s before the rest
    redirect-other     blobs redirect to a second listener (another port): it logs whether an
                       Authorization header came along
    require-basic      every request needs Basic credentials (user:pass read from --auth-file)

The log (--log) has one line per request: METHOD PATH range=R auth=yes|no port=P; it never
holds a credential.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time

args = None
seen = set()
seen_lock = threading.Lock()


def log(line):
    with open(args.log, "a") as f:
        f.write(line + "\n")


def read_blob(hexd):
    p = os.path.join(args.layout, "blobs", "sha256", hexd)
    if not os.path.isfile(p):
        return None
    with open(p, "rb") as f:
        return f.read()


def manifest_for(ref):
    if ref.startswith("sha256:"):
        data = read_blob(ref[7:])
        if data is None:
            return None, None
        mt = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
        return data, mt
    with open(os.path.join(args.layout, "index.json")) as f:
        idx = json.load(f)
    for i, d in enumerate(idx["manifests"]):
        name = d.get("annotations", {}).get("org.opencontainers.image.ref.name", "")
        tag = name.rsplit(":", 1)[-1] if ":" in name else name
        if tag == ref or (ref == "latest" and i == 0):
            return read_blob(d["digest"][7:]), d["mediaType"]
    return None, None


def is_layer(hexd):
    """A blob no manifest of the layout names as its config."""
    data = read_blob(hexd)
    if data is None:
        return False
    try:
        json.loads(data)
        return False
    except ValueError:
        return True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def send(self, code, body=b"", headers=None, length=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        port = self.server.server_address[1]
        rng = self.headers.get("Range", "-")
        authz = self.headers.get("Authorization")
        log("%s %s range=%s auth=%s port=%d" % (self.command, self.path, rng,
                                                "yes" if authz else "no", port))
        modes = args.mode
        if port != args.main_port:
            # the "other host" of redirect-other: serve the blob named in the query
            hexd = self.path.rsplit("/", 1)[-1]
            data = read_blob(hexd)
            return self.send(200 if data else 404, data or b"")
        if "unauth-nochallenge" in modes:
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        if "require-basic" in modes:
            with open(args.auth_file) as f:
                want = "Basic " + base64.b64encode(f.read().strip().encode()).decode()
            if authz != want:
                return self.send(401, b"{}", {"WWW-Authenticate": 'Basic realm="fake"'})
        if "flaky" in modes:
            with seen_lock:
                first = self.path not in seen
                seen.add(self.path)
            if first:
                return self.send(503, b"busy")
        if self.path == "/v2/" or self.path == "/v2":
            return self.send(200, b"{}")
        parts = self.path.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        kind, ref = parts[-2], parts[-1]
        if kind == "manifests":
            data, mt = manifest_for(ref)
            if data is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            if "schema1" in modes:
                data = json.dumps({"schemaVersion": 1, "name": "x", "tag": ref,
                                   "fsLayers": [], "history": []}).encode()
                mt = "application/vnd.docker.distribution.manifest.v1+prettyjws"
            if "big-manifest" in modes:
                data = data + b" " * (5 << 20)
            return self.send(200, data, {"Content-Type": mt,
                                         "Docker-Content-Digest": "sha256:" + hashlib.sha256(data).hexdigest()})
        if kind != "blobs" or not ref.startswith("sha256:"):
            return self.send(404)
        hexd = ref[7:]
        data = read_blob(hexd)
        if data is None:
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        layer = is_layer(hexd)
        if "redirect-loop" in modes:
            return self.send(307, b"", {"Location": self.path})
        if "redirect-other" in modes:
            return self.send(307, b"", {"Location": "https://127.0.0.1:%d/storage/%s" % (args.other_port, hexd)})
        if layer and "corrupt-blob" in modes:
            data = bytes([data[0] ^ 0xff]) + data[1:]
        if layer and "short-length" in modes:
            return self.send(200, data[:-1])
        start = 0
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
        if start >= len(data):
            return self.send(416, b"", {"Content-Range": "bytes */%d" % len(data)})
        code = 206 if start else 200
        hdr = {"Content-Type": "application/octet-stream"}
        if start:
            hdr["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
        body = data[start:]
        self.send_response(code)
        for k, v in hdr.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if layer and "truncated-blob" in modes:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if layer and "slow-blob" in modes and start == 0:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(30)
            self.wfile.write(body[len(body) // 2:])
            return
        self.wfile.write(body)


def serve(port):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    return httpd


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--layout", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--auth-file")
    p.add_argument("--mode", action="append", default=[])
    args = p.parse_args()
    main_srv = serve(0)
    other = serve(0)
    args.main_port = main_srv.server_address[1]
    args.other_port = other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % args.main_port)
    os.rename(args.port_file + ".tmp", args.port_file)
    # The test kills us; a forgotten server still stops by itself.
    threading.Timer(600, lambda: os._exit(0)).start()
    main_srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
