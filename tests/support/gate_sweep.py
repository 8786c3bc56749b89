#!/usr/bin/env python3
"""Signs users in through the trust gate (tests/support/gate/gate.py) and says which targets each
reaches: iam-simulate decides every STS call against the trusts and policies deployed in moto.

  gate_sweep.py --gate URL --keys DIR --desired DESIRED.json --targets TARGETS.json \
                --user EMAIL=GROUP [--user EMAIL=GROUP ...] [--portal STATE.json] [--workers N]

TARGETS.json is a list of role ARNs. For each user, idp.py gives the SAML response of the user's
group under DESIRED.json's IdP mapping (`awsfed compile --output json`: the old or the new Role
values). Every Role value is entered with AssumeRoleWithSAML. A target is reached when it is one of
them and that entry is allowed, or when AssumeRole into it is allowed from a role entered in a hub
account, as awsfed's client chains (the SAML session's RoleSessionName and SourceIdentity), or,
looking for paths nobody intends, from one role entered outside the hub accounts.

With --portal (what tests/support/identity_center_roles.py sync printed: the instance's
assignments and the reserved roles standing in for those Identity Center provisions), each user also
signs in through the access portal: the portal offers the reserved role of every permission set
assigned in an account to the user's group or to the user (by user name = EMAIL), and entering one
is AssumeRoleWithSAML with the assertion the portal's SAML provider sends: the pair (reserved role,
the account's AWSSSO_..._DO_NOT_DELETE provider), the user as RoleSessionName, audience and
recipient https://signin.aws.amazon.com/saml, no SourceIdentity and no session tags. The portal
sends one such assertion per role chosen; one assertion with every offered pair gets the same
verdicts, since the gate judges only the pair asked for. Only offered targets are entered; a portal
session is then one more role entered outside the hub accounts, which must chain into nothing.

Prints JSON: {"reached": {EMAIL: {ROLE-ARN: "saml" | "portal" | "chained" | null}}, "calls": N}
("saml": entered with AssumeRoleWithSAML itself, "portal": through the access portal). A gate
error (anything but AccessDenied) fails the sweep: an error must never count as a denial.
"""
import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = Config(retries={"max_attempts": 1}, max_pool_connections=16)


def sts(gate, credentials=None):
    keys = credentials or {"AccessKeyId": "sweep", "SecretAccessKey": "sweep", "SessionToken": None}
    return boto3.client("sts", endpoint_url=gate, region_name="us-east-1", config=CONFIG,
                        aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                        aws_session_token=keys.get("SessionToken"))


def denied(error):
    return error.response.get("Error", {}).get("Code") == "AccessDenied"


def idp_response(args, email, *options):
    output = subprocess.run(
        [sys.executable, "-W", "ignore", os.path.join(HERE, "idp.py"), "response", "--keys", args.keys,
         "--desired", args.desired, "--user", email, "--lifetime", "3600", *options],
        check=True, capture_output=True, text=True)
    return output.stdout.strip()


def response(args, email, group):
    return idp_response(args, email, "--groups", group, "--source-identity", email)


def portal_response(args, email, pairs):
    """The portal's assertion for `pairs`: no group's Role values, no SourceIdentity."""
    extra = [arg for pair in pairs for arg in ("--extra-role", f"{pair[0]},{pair[1]}")]
    return idp_response(args, email, "--groups", "", *extra)


def portal_pairs(state, email, group, targets):
    """(reserved role, provider) of every target the portal offers the user."""
    offered = set()
    for a in state["assignments"]:
        mine = (a["principal_type"], a["principal"]) in (("GROUP", group), ("USER", email))
        role = state["roles"].get(a["account"], {}).get(a["set"])
        if mine and role in targets:
            offered.add((role, state["providers"][a["account"]]))
    return sorted(offered)


def role_values(desired, group):
    for mapping in desired["groups"]:
        if mapping["group"] == group:
            return [(v["role_arn"], v["provider_arn"]) for v in mapping["role_values"]]
    return []


def account_of(arn):
    return arn.split(":")[4]


class Sweep:
    def __init__(self, args):
        self.args = args
        self.calls = 0
        with open(args.desired) as f:
            self.desired = json.load(f)
        with open(args.targets) as f:
            self.targets = json.load(f)
        self.hub_accounts = {a["id"] for a in self.desired["accounts"] if a.get("hubs")}
        self.portal = None
        if args.portal:
            with open(args.portal) as f:
                self.portal = json.load(f)

    def enter(self, saml, pair):
        role_arn, provider_arn = pair
        self.calls += 1
        try:
            answer = sts(self.args.gate).assume_role_with_saml(
                RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=saml)
        except ClientError as error:
            if denied(error):
                return None
            raise
        return answer["Credentials"]

    def chain(self, credentials, target, email):
        self.calls += 1
        try:
            sts(self.args.gate, credentials).assume_role(
                RoleArn=target, RoleSessionName=email, SourceIdentity=email)
        except ClientError as error:
            if denied(error):
                return False
            raise
        return True

    def user(self, email, group, pool):
        saml = response(self.args, email, group)
        pairs = role_values(self.desired, group)
        entered = dict(zip((p[0] for p in pairs), pool.map(lambda p: self.enter(saml, p), pairs)))
        hubs = [c for arn, c in entered.items() if c and account_of(arn) in self.hub_accounts]
        probe = next((arn for arn, c in entered.items() if c and account_of(arn) not in self.hub_accounts), None)
        through_portal = {}
        if self.portal is not None:
            offered = portal_pairs(self.portal, email, group, set(self.targets))
            if offered:
                assertion = portal_response(self.args, email, offered)
                through_portal = dict(zip((p[0] for p in offered),
                                          pool.map(lambda p: self.enter(assertion, p), offered)))
        portal_probe = next((arn for arn, c in through_portal.items() if c), None)

        def reached(target):
            if entered.get(target):
                return "saml"
            if through_portal.get(target):
                return "portal"
            # The hub roles, then a role entered elsewhere and one entered through the portal,
            # which must chain into nothing.
            sources = list(hubs)
            for arn, credentials in ((probe, entered.get(probe)), (portal_probe, through_portal.get(portal_probe))):
                if arn and arn != target:
                    sources.append(credentials)
            return "chained" if any(self.chain(c, target, email) for c in sources) else None

        return dict(zip(self.targets, pool.map(reached, self.targets)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gate", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--desired", required=True)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--user", action="append", required=True, help="EMAIL=GROUP")
    parser.add_argument("--portal", help="identity_center_roles.py sync's output: sign in through the portal too")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    sweep = Sweep(args)
    reached = {}
    with ThreadPoolExecutor(args.workers) as pool:
        for user in args.user:
            email, group = user.split("=", 1)
            reached[email] = sweep.user(email, group, pool)
    json.dump({"reached": reached, "calls": sweep.calls}, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
