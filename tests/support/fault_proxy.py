#!/usr/bin/env python3
"""An HTTP proxy between awsfed and moto that counts API calls and injects faults.

  fault_proxy.py --target http://127.0.0.1:PORT [--throttle 0.2] [--error 0.05] [--drop 0.03] [--seed N]
                 [--drop-response ACTION=N ...]

Prints its own endpoint (http://127.0.0.1:PORT) on the first line of stdout, then serves until killed.
Faults, each decided per request at random (seeded): throttling answers in the service's own error
format (`Throttling` for the query protocol of IAM and STS, `TooManyRequestsException` for
Organizations' JSON protocol), HTTP 500s, and dropped connections — half before the request reaches
moto, half after (the call happened but its answer is lost, as on a real network). `--drop-response
CreatePolicyVersion=3` loses the answers of the first 3 CreatePolicyVersion calls after moto made them.
`--saml-provider-tags` keeps the tags of CreateSAMLProvider and returns them from GetSAMLProvider, as IAM
does ("GetSAMLProvider", IAM API Reference: the response holds Tags) and moto 5 does not (it drops them).

  GET  /__proxy/stats   {"calls": N, "writes": N, "by_action": {...}, "injected": {...}} (forwarded calls only)
  POST /__proxy/reset   zero the counters
"""
import argparse
import http.client
import http.server
import json
import random
import threading
import urllib.parse
import re
from xml.sax.saxutils import escape

WRITE_PREFIXES = ("Create", "Put", "Update", "Delete", "Attach", "Detach", "Tag", "Untag", "Set", "Remove", "Add")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.calls = 0
        self.writes = 0
        self.by_action = {}
        self.injected = {"throttle": 0, "error": 0, "drop-before": 0, "drop-after": 0, "drop-response": 0}

    def count(self, action):
        with self.lock:
            self.calls += 1
            self.by_action[action] = self.by_action.get(action, 0) + 1
            if action.split(".")[-1].startswith(WRITE_PREFIXES):
                self.writes += 1

    def inject(self, kind):
        with self.lock:
            self.injected[kind] += 1


def action_of(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    try:
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return params.get("Action", ["unknown"])[0]
    except Exception:
        return "unknown"


class ProviderTags:
    """SAML provider ARN -> [(key, value)], for `--saml-provider-tags`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tags = {}

    def on_response(self, action, body, data):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if action == "CreateSAMLProvider":
            arn = re.search(rb"<SAMLProviderArn>([^<]+)</SAMLProviderArn>", data)
            tags = []
            n = 1
            while f"Tags.member.{n}.Key" in params:
                tags.append((params[f"Tags.member.{n}.Key"][0], params.get(f"Tags.member.{n}.Value", [""])[0]))
                n += 1
            if arn:
                with self.lock:
                    self.tags[arn.group(1).decode()] = tags
        elif action == "DeleteSAMLProvider":
            with self.lock:
                self.tags.pop(params.get("SAMLProviderArn", [""])[0], None)
        elif action == "GetSAMLProvider" and b"</GetSAMLProviderResult>" in data:
            with self.lock:
                tags = self.tags.get(params.get("SAMLProviderArn", [""])[0], [])
            if tags:
                members = "".join(f"<member><Key>{escape(k)}</Key><Value>{escape(v)}</Value></member>" for k, v in tags)
                data = data.replace(b"</GetSAMLProviderResult>", f"<Tags>{members}</Tags></GetSAMLProviderResult>".encode())
        return data


def make_handler(args, stats, rng, rng_lock):
    target = urllib.parse.urlparse(args.target)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def roll(self):
            with rng_lock:
                return rng.random()

        def reply(self, status, body, content_type, extra=None):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def drop(self):
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass

        def fault(self, json_protocol, code, status, message):
            if json_protocol:
                self.reply(status, json.dumps({"__type": code, "message": message}), "application/x-amz-json-1.1",
                           {"x-amzn-ErrorType": code})
            else:
                body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                        f"</Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
                self.reply(status, body, "text/xml")

        def do_GET(self):
            if self.path == "/__proxy/stats":
                with stats.lock:
                    body = json.dumps({"calls": stats.calls, "writes": stats.writes,
                                       "by_action": stats.by_action, "injected": stats.injected})
                self.reply(200, body, "application/json")
                return
            self.forward(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path == "/__proxy/reset":
                with stats.lock:
                    stats.reset()
                self.reply(200, "{}", "application/json")
                return
            self.forward(body)

        def forward(self, body):
            json_protocol = "X-Amz-Target" in self.headers
            if not self.path.startswith("/moto-api"):
                r = self.roll()
                if r < args.throttle:
                    stats.inject("throttle")
                    code = "TooManyRequestsException" if json_protocol else "Throttling"
                    self.fault(json_protocol, code, 400, "Rate exceeded (injected)")
                    return
                r -= args.throttle
                if r < args.error:
                    stats.inject("error")
                    self.fault(json_protocol, "InternalFailure", 500, "injected server error")
                    return
                r -= args.error
                if r < args.drop / 2:
                    stats.inject("drop-before")
                    self.drop()
                    return
                drop_after = r < args.drop
            else:
                drop_after = False
            action = action_of(self.headers, body)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers["Host"] = f"{target.hostname}:{target.port}"
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except OSError as e:
                self.reply(502, f"proxy: {e}", "text/plain")
                return
            finally:
                connection.close()
            if not self.path.startswith("/moto-api"):
                stats.count(action)
            if args.provider_tags is not None and response.status == 200:
                data = args.provider_tags.on_response(action, body, data)
            if drop_after:
                stats.inject("drop-after")
                self.drop()
                return
            with rng_lock:
                targeted = args.drop_response.get(action, 0) > 0
                if targeted:
                    args.drop_response[action] -= 1
            if targeted:
                stats.inject("drop-response")
                self.drop()
                return
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--throttle", type=float, default=0.0)
    parser.add_argument("--error", type=float, default=0.0)
    parser.add_argument("--drop", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop-response", action="append", default=[], metavar="ACTION=N")
    parser.add_argument("--saml-provider-tags", action="store_true")
    args = parser.parse_args()
    args.provider_tags = ProviderTags() if args.saml_provider_tags else None
    args.drop_response = {a: int(n) for a, _, n in (d.partition("=") for d in args.drop_response)}
    stats = Stats()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port),
                                             make_handler(args, stats, random.Random(args.seed), threading.Lock()))
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
