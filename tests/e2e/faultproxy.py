# A fault-injecting HTTP/1.1 proxy on 127.0.0.1 for the object-store tests (tests/e2e/test_s3.py):
# it sits in front of an S3-compatible server (s3rver) and, following a plan, answers the next requests
# itself with 500 InternalError or 503 SlowDown (S3's XML error bodies), drops the connection after
# reading the request, or forwards the request byte for byte (the Host header unchanged, so a SigV4
# signature made for the proxy's address still holds upstream). Every connection carries one request
# (forwarded requests get "Connection: close"). The sockets are Python stdlib.
#
# With verify=(access_key, secret_key, region) it also checks every request's SigV4 signature and
# x-amz-content-sha256 the way S3 does, with botocore's signer (an implementation independent of
# weir's), and answers 403 SignatureDoesNotMatch (S3's XML) when they do not match: s3rver 3.x
# accepts any V4 signature ("V4 signatures have incomplete support").
#
#   p = FaultProxy(upstream_port, plan=["500", "503", "drop"], verify=("AK", "SK", "us-east-1"))
#   p.port, p.requests (line, action) per request, p.bad_signatures, p.set_plan([...]), p.close()
import hashlib
import socket
import socketserver
import threading

ERROR_BODIES = {
    "500": (500, "Internal Server Error",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
            b"<Message>We encountered an internal error. Please try again.</Message></Error>"),
    "503": (503, "Slow Down",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            b"<Message>Please reduce your request rate.</Message></Error>"),
}


def _read_request(sock):
    """The raw request (head and body), or None if the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head, rest


class FaultProxy:
    def __init__(self, upstream_port, plan=(), verify=None):
        self.upstream_port = upstream_port
        self.verify = verify
        self.bad_signatures = []  # request lines whose signature did not verify
        self.lock = threading.Lock()
        self.plan = list(plan)
        self.requests = []  # (method and target, action)
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set_plan(self, plan):
        with self.lock:
            self.plan = list(plan)
            self.requests = []

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, sock):
        req = _read_request(sock)
        if req is None:
            return
        head, body = req
        if self.verify and not self._signature_ok(head, body):
            xml = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
                   b"<Message>The request signature we calculated does not match the signature you provided. "
                   b"Check your key and signing method.</Message></Error>")
            with self.lock:
                self.bad_signatures.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
                self.requests.append((head.split(b"\r\n", 1)[0].decode("latin-1"), "403"))
            sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n" % len(xml) + xml)
            sock.close()
            return
        with self.lock:
            action = self.plan.pop(0) if self.plan else "pass"
            self.requests.append((head.split(b"\r\n", 1)[0].decode("latin-1"), action))
        if action == "drop":
            sock.close()
            return
        if action in ERROR_BODIES:
            status, reason, xml = ERROR_BODIES[action]
            sock.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n" % (status, reason.encode(), len(xml)) + xml)
            sock.close()
            return
        lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"connection:")]
        up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        try:
            up.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                sock.sendall(chunk)
        finally:
            up.close()
            sock.close()

    def _signature_ok(self, head, body):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        access_key, secret_key, region = self.verify
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        auth = headers.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return False
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        scope = parts.get("Credential", "").split("/")
        if len(scope) != 5 or scope[0] != access_key or scope[2] != region or scope[3] != "s3":
            return False
        if headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            return False
        signed = parts.get("SignedHeaders", "").split(";")
        if not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
            return False
        req = AWSRequest(method=method, url="http://%s%s" % (headers["host"], target), data=body)
        for h in signed:
            if h not in headers:
                return False
            req.headers[h] = headers[h]
        req.context["timestamp"] = headers["x-amz-date"]
        if not headers["x-amz-date"].startswith(scope[1]):
            return False
        signer = S3SigV4Auth(Credentials(access_key, secret_key), "s3", region)
        canonical = signer.canonical_request(req)
        want = signer.signature(signer.string_to_sign(req, canonical), req)
        return want == parts.get("Signature")
