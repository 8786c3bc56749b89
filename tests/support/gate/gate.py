#!/usr/bin/env python3
"""The trust gate: an HTTP proxy in front of moto that enforces trust policies, as AWS would.

moto checks no trust policy (DESIGN.md), so a sign-in test against moto alone would pass with any
trust. Every request goes through this proxy to moto unchanged, except STS AssumeRole and
AssumeRoleWithSAML: for those the gate reads the target role from moto (iam:GetRole; for AssumeRole
also the calling role's policies) and asks the iam-simulate oracle (tests/oracle/oracle.mjs) whether
the request is allowed. A denial is answered with STS's own AccessDenied error and never reaches moto.

What is evaluated, per "Permissions for AssumeRole, AssumeRoleWithSAML, ..." (IAM User Guide):
  AssumeRoleWithSAML: principal = the SAML provider, action sts:AssumeRoleWithSAML on the role,
    against the trust; context SAML:aud (the Recipient), SAML:sub, SAML:iss, and sts:SourceIdentity
    when the assertion carries the attribute (a trust may require it: STS API Reference,
    AssumeRoleWithSAML, SourceIdentity). The RoleArn,PrincipalArn pair must be one of the
    assertion's Role values. With a SourceIdentity attribute, also sts:SetSourceIdentity.
  AssumeRole: principal = the caller's assumed-role session (known from the credentials the gate saw
    being issued), action sts:AssumeRole on the role, against the trust and the calling role's
    identity policies (attached managed and inline); context aws:ResourceAccount, and the role
    account's aws:ResourceOrgID and aws:ResourceOrgPaths when moto holds an organisation (read from
    moto's Organizations). With SourceIdentity, also sts:SetSourceIdentity.
  DurationSeconds over the role's MaxSessionDuration, or over 3600 for role chaining, is refused with
  STS's ValidationError.
  GetSessionToken (the IAM-users hub): the caller must be an IAM user's long-term key (moto's
    GetCallerIdentity names the user); with SerialNumber, it must be one of the user's MFA devices in
    moto and TokenCode the test code TEST_MFA_CODE (a stand-in for the device's TOTP: moto checks
    no code), else STS's AccessDenied. The session remembers whether MFA was used and when.
  AssumeRole from an IAM user (its MFA session, or its long-term key): principal = the user,
    identity policies = the user's and its groups' (attached managed and inline), context
    aws:username, aws:PrincipalArn and, for a session from GetSessionToken,
    aws:MultiFactorAuthPresent and (with MFA) aws:MultiFactorAuthAge; long-term keys carry neither
    ("Configure MFA-protected API access", IAM User Guide). No role chaining: DurationSeconds up to
    the role's MaxSessionDuration.

moto quirks handled here: moto's AssumeRoleWithSAML takes the role from the first Role value and
crashes on several, so the gate forwards a minimal assertion naming only the requested pair (plus
RoleSessionName and SessionDuration = DurationSeconds). moto's GetSessionToken answers the same
access key every time; the gate gives each answer an access key of its own (moto accepts any key
for the AssumeRole that follows), so it can tell the sessions apart.

    gate.py --moto http://127.0.0.1:PORT --oracle-dir tests/oracle [--port 0]
Prints `http://127.0.0.1:PORT` on its first stdout line when ready. GET /gate/stats returns the STS
calls seen per action and role (denied ones included) as JSON; POST /gate/reset clears them.
"""
import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SOURCE_IDENTITY_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
# The code every test MFA device shows (moto checks none).
TEST_MFA_CODE = "246810"


class Oracle:
    """One long-lived iam-simulate process; one JSON line in, one out."""

    def __init__(self, folder):
        folder = os.path.abspath(folder)
        script = os.path.join(folder, "gate-oracle.mjs")
        if not os.path.isdir(os.path.join(folder, "node_modules", "@cloud-copilot", "iam-simulate")):
            sys.exit(f"gate: iam-simulate is not installed under {folder}; run scripts/setup-test-deps")
        self.process = subprocess.Popen(["node", script], cwd=folder, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.next_id = 0

    def decide(self, simulation, mode="Strict"):
        with self.lock:
            self.next_id += 1
            self.process.stdin.write(json.dumps({"id": self.next_id, "simulation": simulation, "mode": mode}) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        if "failure" in answer or answer.get("resultType") == "error":
            raise RuntimeError(f"oracle failed: {answer}")
        return answer["overallResult"], answer


class Moto:
    """IAM reads from moto, in the right account (moto maps an assumed role's keys to its account)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.config = Config(retries={"max_attempts": 1})
        self.sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="gate", aws_secret_access_key="gate", config=self.config)
        self.clients = {}
        self.org_paths = {}
        self.lock = threading.Lock()

    def iam(self, account):
        with self.lock:
            if account not in self.clients:
                creds = self.sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/awsfed-trust-gate",
                                             RoleSessionName="trust-gate")["Credentials"]
                self.clients[account] = boto3.client(
                    "iam", endpoint_url=self.endpoint, region_name="us-east-1", config=self.config,
                    aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"])
            return self.clients[account]

    def resource_keys(self, account):
        """aws:ResourceAccount, and aws:ResourceOrgID and aws:ResourceOrgPaths when moto holds an
        organisation with the account ("AWS global condition context keys": present for a request
        to a resource of an organisation account; hub policies use them)."""
        keys = {"aws:ResourceAccount": account}
        with self.lock:
            if account not in self.org_paths:
                self.org_paths[account] = self.org_path(account)
            org_id, path = self.org_paths[account]
        if org_id:
            keys["aws:ResourceOrgID"] = org_id
            keys["aws:ResourceOrgPaths"] = [path]
        return keys

    def org_path(self, account):
        """(organisation id, the entity path of the account's parent), or (None, None)."""
        organizations = boto3.client("organizations", endpoint_url=self.endpoint, region_name="us-east-1",
                                     aws_access_key_id="gate", aws_secret_access_key="gate", config=self.config)
        try:
            org_id = organizations.describe_organization()["Organization"]["Id"]
            ids = []
            child = account
            while True:
                parent = organizations.list_parents(ChildId=child)["Parents"][0]
                ids.append(parent["Id"])
                if parent["Type"] == "ROOT":
                    break
                child = parent["Id"]
        except Exception:  # no organisation, or an account outside it: the keys are absent
            return None, None
        return org_id, "/".join([org_id] + ids[::-1]) + "/"

    def role(self, role_arn):
        account, name = parse_role_arn(role_arn)
        try:
            return self.iam(account).get_role(RoleName=name)["Role"]
        except self.iam(account).exceptions.NoSuchEntityException:
            return None

    def identity_policies(self, role_arn):
        account, name = parse_role_arn(role_arn)
        iam = self.iam(account)
        policies = []
        for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            if ":aws:policy/" in arn:
                continue  # AWS managed policies grant no sts:AssumeRole that matters here
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
            version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
            policies.append({"name": arn, "policy": document(version["PolicyVersion"]["Document"])})
        for inline in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=name, PolicyName=inline)["PolicyDocument"]
            policies.append({"name": inline, "policy": document(doc)})
        return policies


    def caller_arn(self, authorization):
        """Whom moto says an access key belongs to (moto reads the key id and checks no signature)."""
        url = urllib.parse.urlparse(self.endpoint)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        body = "Action=GetCallerIdentity&Version=2011-06-15"
        connection.request("POST", "/", body=body, headers={
            "Authorization": authorization, "Content-Type": "application/x-www-form-urlencoded"})
        data = connection.getresponse().read()
        connection.close()
        match = re.search(rb"<Arn>([^<]+)</Arn>", data)
        return match.group(1).decode() if match else None

    def mfa_devices(self, user_arn):
        account, name = parse_user_arn(user_arn)
        return [d["SerialNumber"] for d in self.iam(account).list_mfa_devices(UserName=name)["MFADevices"]]

    def user_policies(self, user_arn):
        """The user's and its groups' attached managed and inline policies."""
        account, name = parse_user_arn(user_arn)
        iam = self.iam(account)
        policies = []

        def managed(attached):
            for item in attached:
                arn = item["PolicyArn"]
                policy = iam.get_policy(PolicyArn=arn)["Policy"]
                version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
                policies.append({"name": arn, "policy": document(version["PolicyVersion"]["Document"])})

        managed(iam.list_attached_user_policies(UserName=name)["AttachedPolicies"])
        for inline in iam.list_user_policies(UserName=name)["PolicyNames"]:
            doc = iam.get_user_policy(UserName=name, PolicyName=inline)["PolicyDocument"]
            policies.append({"name": inline, "policy": document(doc)})
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            managed(iam.list_attached_group_policies(GroupName=group["GroupName"])["AttachedPolicies"])
            for inline in iam.list_group_policies(GroupName=group["GroupName"])["PolicyNames"]:
                doc = iam.get_group_policy(GroupName=group["GroupName"], PolicyName=inline)["PolicyDocument"]
                policies.append({"name": inline, "policy": document(doc)})
        return policies


def parse_user_arn(arn):
    match = re.fullmatch(r"arn:aws:iam::(\d{12}):user/(?:.*/)?([\w+=,.@-]+)", arn or "")
    if not match:
        raise ValueError(f"not a user ARN: {arn}")
    return match.group(1), match.group(2)


def document(value):
    if isinstance(value, str):
        return json.loads(urllib.parse.unquote(value))
    return value


def parse_role_arn(arn):
    match = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)", arn or "")
    if not match:
        raise ValueError(f"not a role ARN: {arn}")
    return match.group(1), match.group(2)


class Gate:
    def __init__(self, moto, oracle):
        self.moto = moto
        self.oracle = oracle
        self.sessions = {}  # access key id -> {"role_arn", "session_name", "source_identity"}
        self.stats = {}
        self.lock = threading.Lock()
        self.log = []

    def count(self, action, role_arn, outcome):
        with self.lock:
            key = f"{action} {role_arn}"
            self.stats.setdefault(key, {"calls": 0, "denied": 0})
            self.stats[key]["calls"] += 1
            if outcome != "allowed":
                self.stats[key]["denied"] += 1
            self.log.append({"action": action, "role_arn": role_arn, "outcome": outcome})

    def simulate(self, principal, action, role_arn, trust, identity, context, saml_keys_unknown=False):
        account, _ = parse_role_arn(role_arn)
        simulation = {
            "request": {
                "principal": principal,
                "action": action,
                "resource": {"resource": role_arn, "accountId": account},
                "contextVariables": context,
            },
            "identityPolicies": identity,
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
            "resourcePolicy": trust,
        }
        if not saml_keys_unknown:
            result, answer = self.oracle.decide(simulation)
            if answer.get("ignoredContextKeys"):
                raise RuntimeError(f"the oracle ignored context keys {answer['ignoredContextKeys']} for {action}")
            return result == "Allowed"
        # See tests/oracle/gate-oracle.mjs: iam-simulate knows no SAML:* keys for this action.
        result, answer = self.oracle.decide(simulation, "Discovery")
        ignored = [k for k in answer.get("ignoredContextKeys", []) if not k.lower().startswith("saml:")]
        if ignored:
            raise RuntimeError(f"the oracle ignored context keys {ignored} for {action}")
        return result == "Allowed"

    def check_saml(self, params):
        """None when allowed, else (status, code, message); also returns the assertion to forward."""
        role_arn = params.get("RoleArn", "")
        provider_arn = params.get("PrincipalArn", "")
        xml = base64.b64decode(params.get("SAMLAssertion", ""))
        root = ET.fromstring(xml)
        attributes = {}
        for attribute in root.iter(f"{{{SAML_NS}}}Attribute"):
            attributes[attribute.get("Name")] = [v.text.strip() for v in attribute.iter(f"{{{SAML_NS}}}AttributeValue") if v.text]
        pairs = set()
        for value in attributes.get(ROLE_ATTRIBUTE, []):
            parts = [p.strip() for p in value.split(",")]
            if len(parts) == 2:
                pairs.add(tuple(sorted(parts, key=lambda p: ":saml-provider/" in p)))
        session_name = (attributes.get(SESSION_NAME_ATTRIBUTE) or [""])[0]
        source_identity = (attributes.get(SOURCE_IDENTITY_ATTRIBUTE) or [None])[0]
        recipient = next((d.get("Recipient") for d in root.iter(f"{{{SAML_NS}}}SubjectConfirmationData")), None)
        name_id = next((n.text for n in root.iter(f"{{{SAML_NS}}}NameID")), None)
        issuer = next((n.text for n in root.iter(f"{{{SAML_NS}}}Issuer")), None)
        if (role_arn, provider_arn) not in pairs:
            return ("AccessDenied", f"Not authorized to perform sts:AssumeRoleWithSAML: the assertion grants no Role value {role_arn},{provider_arn}"), None
        role = self.moto.role(role_arn)
        if role is None:
            return ("AccessDenied", f"Not authorized to perform sts:AssumeRoleWithSAML: no role {role_arn}"), None
        trust = document(role["AssumeRolePolicyDocument"])
        context = {"saml:aud": recipient or "", "saml:sub": name_id or "", "saml:iss": issuer or ""}
        assume_context = dict(context)
        if source_identity is not None:
            assume_context["sts:SourceIdentity"] = source_identity
        if not self.simulate(provider_arn, "sts:AssumeRoleWithSAML", role_arn, trust, [], assume_context):
            return ("AccessDenied", f"Not authorized to perform sts:AssumeRoleWithSAML (trust policy of {role_arn})"), None
        if source_identity is not None:
            si_context = dict(context, **{"sts:SourceIdentity": source_identity})
            if not self.simulate(provider_arn, "sts:SetSourceIdentity", role_arn, trust, [], si_context, saml_keys_unknown=True):
                return ("AccessDenied", f"Not authorized to perform sts:SetSourceIdentity (trust policy of {role_arn})"), None
        duration = int(params.get("DurationSeconds", "3600"))
        if duration > int(role.get("MaxSessionDuration", 3600)):
            return ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), None
        minimal = minimal_assertion(role_arn, provider_arn, session_name, duration)
        return None, {"session_name": session_name, "source_identity": source_identity, "assertion": minimal}

    def check_session_token(self, params, authorization):
        user_arn = self.moto.caller_arn(authorization) or ""
        if ":user/" not in user_arn:
            return ("AccessDenied", f"Cannot call GetSessionToken with session credentials ({user_arn})"), None, user_arn
        serial = params.get("SerialNumber")
        code = params.get("TokenCode")
        if serial or code:
            if serial not in self.moto.mfa_devices(user_arn) or code != TEST_MFA_CODE:
                return ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), None, user_arn
        duration = int(params.get("DurationSeconds", "43200"))
        if not 900 <= duration <= 129600:
            return ("ValidationError", "DurationSeconds must be between 900 and 129600 for an IAM user."), None, user_arn
        return None, {"kind": "user", "user_arn": user_arn, "mfa": bool(serial), "issued": time.time()}, user_arn

    def check_user_assume_role(self, params, caller):
        """AssumeRole by an IAM user: its MFA session (caller from the gate) or its long-term key."""
        role_arn = params.get("RoleArn", "")
        role = self.moto.role(role_arn)
        if role is None:
            return ("AccessDenied", f"Not authorized to perform sts:AssumeRole: no role {role_arn}"), None
        user_arn = caller["user_arn"]
        _, user_name = parse_user_arn(user_arn)
        trust = document(role["AssumeRolePolicyDocument"])
        identity = self.moto.user_policies(user_arn)
        session_name = params.get("RoleSessionName", "")
        source_identity = params.get("SourceIdentity")
        context = {"aws:PrincipalArn": user_arn, "aws:username": user_name, "sts:RoleSessionName": session_name}
        if caller.get("session"):
            context["aws:MultiFactorAuthPresent"] = "true" if caller["mfa"] else "false"
            if caller["mfa"]:
                context["aws:MultiFactorAuthAge"] = str(int(time.time() - caller["issued"]))
        if source_identity:
            context["sts:SourceIdentity"] = source_identity
        if not self.simulate(user_arn, "sts:AssumeRole", role_arn, trust, identity, context):
            return ("AccessDenied", f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"), None
        si_context = {k: v for k, v in context.items() if k != "sts:RoleSessionName"}
        if source_identity and not self.simulate(user_arn, "sts:SetSourceIdentity", role_arn, trust, identity, si_context):
            return ("AccessDenied", f"User: {user_arn} is not authorized to perform: sts:SetSourceIdentity on resource: {role_arn}"), None
        duration = int(params.get("DurationSeconds", "3600"))
        if duration > int(role.get("MaxSessionDuration", 3600)):
            return ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), None
        return None, {"session_name": session_name, "source_identity": source_identity}

    def check_assume_role(self, params, access_key, authorization=""):
        role_arn = params.get("RoleArn", "")
        caller = self.sessions.get(access_key)
        if caller is None:
            user_arn = self.moto.caller_arn(authorization) or ""
            if ":user/" in user_arn:
                return self.check_user_assume_role(params, {"user_arn": user_arn, "session": False})
            return ("AccessDenied", "the trust gate does not know the calling credentials"), None
        if caller.get("kind") == "user":
            return self.check_user_assume_role(params, dict(caller, session=True))
        role = self.moto.role(role_arn)
        if role is None:
            return ("AccessDenied", f"Not authorized to perform sts:AssumeRole: no role {role_arn}"), None
        caller_account, caller_name = parse_role_arn(caller["role_arn"])
        principal = f"arn:aws:sts::{caller_account}:assumed-role/{caller_name}/{caller['session_name']}"
        trust = document(role["AssumeRolePolicyDocument"])
        identity = self.moto.identity_policies(caller["role_arn"])
        session_name = params.get("RoleSessionName", "")
        source_identity = params.get("SourceIdentity") or caller.get("source_identity")
        context = {"aws:PrincipalArn": caller["role_arn"], "sts:RoleSessionName": session_name}
        context.update(self.moto.resource_keys(parse_role_arn(role_arn)[0]))
        if caller.get("source_identity"):
            context["aws:SourceIdentity"] = caller["source_identity"]
        if source_identity:
            context["sts:SourceIdentity"] = source_identity
        if not self.simulate(principal, "sts:AssumeRole", role_arn, trust, identity, context):
            return ("AccessDenied", f"User: {principal} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"), None
        # sts:RoleSessionName is not a condition key of sts:SetSourceIdentity.
        si_context = {k: v for k, v in context.items() if k != "sts:RoleSessionName"}
        if params.get("SourceIdentity") and not self.simulate(principal, "sts:SetSourceIdentity", role_arn, trust, identity, si_context):
            return ("AccessDenied", f"User: {principal} is not authorized to perform: sts:SetSourceIdentity on resource: {role_arn}"), None
        duration = int(params.get("DurationSeconds", "3600"))
        if duration > 3600:
            return ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), None
        if duration > int(role.get("MaxSessionDuration", 3600)):
            return ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), None
        return None, {"session_name": session_name, "source_identity": source_identity}


def minimal_assertion(role_arn, provider_arn, session_name, duration):
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:AttributeStatement>'
        f'<saml:Attribute Name="{ROLE_ATTRIBUTE}"><saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute>'
        f'<saml:Attribute Name="{SESSION_NAME_ATTRIBUTE}"><saml:AttributeValue>{session_name or "unknown"}</saml:AttributeValue></saml:Attribute>'
        f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>{duration}</saml:AttributeValue></saml:Attribute>'
        '</saml:AttributeStatement></saml:Assertion></samlp:Response>'
    )
    return base64.b64encode(xml.encode()).decode()


def access_key_of(headers):
    match = re.search(r"Credential=([^/,\s]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else None


def make_handler(gate, moto_host, moto_port):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/xml"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def sts_error(self, code, message):
            status = 400 if code == "ValidationError" else 403
            body = (f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
                    f'<Message>{escape(message)}</Message></Error><RequestId>trust-gate</RequestId></ErrorResponse>')
            self.reply(status, body)

        def do_GET(self):
            if self.path == "/gate/stats":
                with gate.lock:
                    self.reply(200, json.dumps({"calls": gate.stats, "log": gate.log}), "application/json")
                return
            self.forward(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            if self.path == "/gate/reset":
                with gate.lock:
                    gate.stats.clear()
                    gate.log.clear()
                self.reply(200, "{}", "application/json")
                return
            params = {}
            if "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
            action = params.get("Action")
            if action == "GetSessionToken":
                self.session_token(params, body)
                return
            if action in ("AssumeRoleWithSAML", "AssumeRole"):
                role_arn = params.get("RoleArn", "")
                try:
                    if action == "AssumeRoleWithSAML":
                        denial, grant = gate.check_saml(params)
                    else:
                        denial, grant = gate.check_assume_role(
                            params, access_key_of(self.headers), self.headers.get("Authorization", ""))
                except Exception as error:  # a gate bug must fail the test loudly, not allow
                    gate.count(action, role_arn, f"error: {error}")
                    self.sts_error("InternalFailure", f"trust gate error: {error}")
                    return
                if denial is not None:
                    gate.count(action, role_arn, denial[0])
                    self.sts_error(*denial)
                    return
                gate.count(action, role_arn, "allowed")
                if action == "AssumeRoleWithSAML":
                    params["SAMLAssertion"] = grant["assertion"]
                    body = urllib.parse.urlencode(params).encode()
                status, headers, data = self.relay("POST", body)
                if status == 200:
                    key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
                    if key:
                        with gate.lock:
                            gate.sessions[key.group(1).decode()] = {
                                "role_arn": role_arn,
                                "session_name": grant["session_name"],
                                "source_identity": grant["source_identity"],
                            }
                self.send_relayed(status, headers, data)
                return
            self.forward(body)

        def session_token(self, params, body):
            try:
                denial, grant, user_arn = gate.check_session_token(params, self.headers.get("Authorization", ""))
            except Exception as error:  # a gate bug must fail the test loudly, not allow
                gate.count("GetSessionToken", "", f"error: {error}")
                self.sts_error("InternalFailure", f"trust gate error: {error}")
                return
            gate.count("GetSessionToken", user_arn, denial[0] if denial else "allowed")
            if denial is not None:
                self.sts_error(*denial)
                return
            status, headers, data = self.relay("POST", body)
            if status == 200:
                key = "ASIA" + uuid.uuid4().hex[:16].upper()
                data = re.sub(rb"<AccessKeyId>[^<]+</AccessKeyId>", f"<AccessKeyId>{key}</AccessKeyId>".encode(), data)
                with gate.lock:
                    gate.sessions[key] = grant
            self.send_relayed(status, headers, data)

        def forward(self, body):
            status, headers, data = self.relay(self.command, body)
            self.send_relayed(status, headers, data)

        def relay(self, method, body):
            connection = http.client.HTTPConnection(moto_host, moto_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            headers["Content-Length"] = str(len(body))
            connection.request(method, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            result = response.status, response.getheaders(), data
            connection.close()
            return result

        def send_relayed(self, status, headers, data):
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--oracle-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.moto)
    gate = Gate(Moto(args.moto), Oracle(args.oracle_dir))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(gate, url.hostname, url.port))
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
