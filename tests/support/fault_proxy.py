#!/usr/bin/env python3
"""An HTTP proxy between awsfed and moto that counts API calls and injects faults.

  fault_proxy.py --target http://127.0.0.1:PORT [--throttle 0.2] [--error 0.05] [--drop 0.03] [--seed N]
                 [--drop-response ACTION=N ...] [--saml-provider-tags] [--page-items N]

Prints its own endpoint (http://127.0.0.1:PORT) on the first line of stdout, then serves until killed.
Faults, each decided per request at random (seeded): throttling answers in the service's own error
format (`Throttling` for the query protocol of IAM and STS, `TooManyRequestsException` for
Organizations' JSON protocol), HTTP 500s, and dropped connections — half before the request reaches
moto, half after (the call happened but its answer is lost, as on a real network). `--drop-response
CreatePolicyVersion=3` loses the answers of the first 3 CreatePolicyVersion calls after moto made them.
`--saml-provider-tags` keeps the tags of CreateSAMLProvider and returns them from GetSAMLProvider, as IAM
does ("GetSAMLProvider", IAM API Reference: the response holds Tags) and moto 5 does not (it drops them).

`--page-items N` pages every IAM list answer (the actions in PAGINATED) into pages
of 1, 2, ..., N, 1, ... items with `IsTruncated` and a `Marker` of the proxy's, as IAM may ("Using
pagination", IAM API Reference: IsTruncated can be true with fewer than MaxItems results), so a caller
that reads only the first page misses the rest. The proxy reads the whole list from moto first
(following moto's own markers), so the pages hold exactly what moto holds; later pages are served from
that copy.

  GET  /__proxy/stats   {"calls": N, "writes": N, "by_action": {...}, "injected": {...},
                         "paged": {ACTION: truncated pages served}} (forwarded calls only)
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
from xml.dom import minidom
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
        self.paged = {}

    def count(self, action):
        with self.lock:
            self.calls += 1
            self.by_action[action] = self.by_action.get(action, 0) + 1
            if action.split(".")[-1].startswith(WRITE_PREFIXES):
                self.writes += 1

    def page(self, action):
        with self.lock:
            self.paged[action] = self.paged.get(action, 0) + 1

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


PAGE_MARKER = "fault-proxy-page-"
# The IAM actions that take `Marker` and answer `IsTruncated` (IAM API Reference, each action's
# page). moto leaves `IsTruncated` out of some answers (ListPolicyVersions, ListEntitiesForPolicy),
# so the proxy goes by the action, not by the answer. ListSAMLProviders is not paginated.
PAGINATED = {
    "GetAccountAuthorizationDetails", "GetGroup", "ListAccessKeys", "ListAccountAliases",
    "ListAttachedGroupPolicies", "ListAttachedRolePolicies", "ListAttachedUserPolicies",
    "ListEntitiesForPolicy", "ListGroupPolicies", "ListGroups", "ListGroupsForUser",
    "ListInstanceProfileTags", "ListInstanceProfiles", "ListInstanceProfilesForRole", "ListMFADeviceTags",
    "ListMFADevices", "ListOpenIDConnectProviderTags", "ListPolicies", "ListPolicyTags", "ListPolicyVersions",
    "ListRolePolicies", "ListRoleTags", "ListRoles", "ListSAMLProviderTags", "ListSSHPublicKeys",
    "ListServerCertificateTags", "ListServerCertificates", "ListSigningCertificates", "ListUserPolicies",
    "ListUserTags", "ListUsers", "ListVirtualMFADevices",
}


class Pager:
    """Whole IAM lists read from moto, served in small pages (`--page-items`)."""

    def __init__(self, items):
        self.items = items
        self.lock = threading.Lock()
        self.lists = {}

    @staticmethod
    def elements(node):
        return [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE]

    def result(self, doc):
        return next((c for c in self.elements(doc.documentElement) if c.tagName.endswith("Result")), None)

    def containers(self, result):
        """The list elements of a result: every child whose children are all `member`s (or none, with
        no text), besides IsTruncated and Marker."""
        found = {}
        for child in self.elements(result):
            if child.tagName in ("IsTruncated", "Marker"):
                continue
            members = self.elements(child)
            text = "".join(c.data for c in child.childNodes if c.nodeType == c.TEXT_NODE).strip()
            if all(m.tagName == "member" for m in members) and (members or not text):
                found[child.tagName] = child
        return found

    @staticmethod
    def truncated(result):
        flag = result.getElementsByTagName("IsTruncated")
        marker = result.getElementsByTagName("Marker")
        if flag and flag[0].firstChild is not None and flag[0].firstChild.data.strip() == "true" and marker:
            return marker[0].firstChild.data if marker[0].firstChild is not None else ""
        return None

    def whole(self, first, fetch_after):
        """The first answer's document turned into a template and every item of the list, reading
        moto's further pages with `fetch_after(marker)`; None when the answer holds no result."""
        doc = minidom.parseString(first)
        result = self.result(doc)
        if result is None:
            return None
        containers = self.containers(result)
        items = [(tag, m.toxml()) for tag, c in containers.items() for m in self.elements(c)]
        marker = self.truncated(result)
        while marker is not None:
            page = minidom.parseString(fetch_after(marker))
            page_result = self.result(page)
            for tag, c in self.containers(page_result).items():
                items.extend((tag, m.toxml()) for m in self.elements(c))
            marker = self.truncated(page_result)
        # The template: each list emptied to a placeholder, IsTruncated and Marker to placeholders.
        for tag, c in containers.items():
            for m in list(c.childNodes):
                c.removeChild(m)
            c.appendChild(doc.createTextNode(f"\x00{tag}\x00"))
        for old in result.getElementsByTagName("Marker"):
            old.parentNode.removeChild(old)
        for flag in result.getElementsByTagName("IsTruncated"):
            flag.parentNode.removeChild(flag)
        result.appendChild(doc.createTextNode("\x00PAGE\x00"))
        # Items in the order of the lists, each list's items together.
        order = list(containers)
        items.sort(key=lambda item: order.index(item[0]))
        return doc.toxml(), order, items

    def first(self, listed):
        template, order, items = listed
        with self.lock:
            key = str(len(self.lists))
            self.lists[key] = listed
        return self.render(key, 0, 0)

    def later(self, marker):
        key, offset, number = marker[len(PAGE_MARKER):].split("-")
        return self.render(key, int(offset), int(number))

    def render(self, key, offset, number):
        """Page `number` of a list, from item `offset`: 1 + number % items items. Returns the body and
        whether more pages follow."""
        with self.lock:
            template, order, items = self.lists[key]
        end = offset + 1 + number % self.items
        shown = items[offset:end]
        body = template
        for tag in order:
            body = body.replace(f"\x00{tag}\x00", "".join(xml for t, xml in shown if t == tag))
        more = end < len(items)
        page = "<IsTruncated>true</IsTruncated>" if more else "<IsTruncated>false</IsTruncated>"
        if more:
            page += f"<Marker>{PAGE_MARKER}{key}-{end}-{number + 1}</Marker>"
        return body.replace("\x00PAGE\x00", page).encode(), more


def with_marker(body, marker):
    """A query-protocol request body asking for the page after `marker`."""
    params = [(k, v) for k, v in urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True) if k != "Marker"]
    return urllib.parse.urlencode(params + [("Marker", marker)]).encode()


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
                                       "by_action": stats.by_action, "injected": stats.injected,
                                       "paged": stats.paged})
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

        def upstream(self, body):
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            headers["Host"] = f"{target.hostname}:{target.port}"
            if body:
                headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
                headers["Content-Length"] = str(len(body))
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                return response, response.read()
            finally:
                connection.close()

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
            paging = args.pager is not None and not json_protocol and not self.path.startswith("/moto-api")
            if paging:
                marker = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Marker", [""])[0]
                if marker.startswith(PAGE_MARKER):
                    stats.count(action)
                    data, more = args.pager.later(marker)
                    if more:
                        stats.page(action)
                    self.reply(200, data.decode(), "text/xml")
                    return
            try:
                response, data = self.upstream(body)
                if paging and response.status == 200 and action in PAGINATED:
                    listed = args.pager.whole(data, lambda marker: self.upstream(with_marker(body, marker))[1])
                    if listed is not None:
                        data, more = args.pager.first(listed)
                        if more:
                            stats.page(action)
            except OSError as e:
                self.reply(502, f"proxy: {e}", "text/plain")
                return
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
    parser.add_argument("--page-items", type=int, default=0, metavar="N")
    args = parser.parse_args()
    args.pager = Pager(args.page_items) if args.page_items > 0 else None
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
