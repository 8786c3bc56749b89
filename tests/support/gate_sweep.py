#!/usr/bin/env python3
"""Signs users in through the trust gate (tests/support/gate/gate.py) and says which targets each
reaches: iam-simulate decides every STS call against the trusts and policies deployed in moto.

  gate_sweep.py --gate URL --keys DIR --desired DESIRED.json --targets TARGETS.json \
                --user EMAIL=GROUP [--user EMAIL=GROUP ...] [--workers N]

TARGETS.json is a list of role ARNs. For each user, idp.py gives the SAML response of the user's
group under DESIRED.json's IdP mapping (`awsfed compile --output json`: the old or the new Role
values). Every Role value is entered with AssumeRoleWithSAML. A target is reached when it is one of
them and that entry is allowed, or when AssumeRole into it is allowed from a role entered in a hub
account, as awsfed's client chains (the SAML session's RoleSessionName and SourceIdentity), or,
looking for paths nobody intends, from one role entered outside the hub accounts.

Prints JSON: {"reached": {EMAIL: {ROLE-ARN: "saml" | "chained" | null}}, "calls": N} ("saml":
entered with AssumeRoleWithSAML itself). A gate error (anything but
AccessDenied) fails the sweep: an error must never count as a denial.
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


def response(args, email, group):
    output = subprocess.run(
        [sys.executable, "-W", "ignore", os.path.join(HERE, "idp.py"), "response", "--keys", args.keys,
         "--desired", args.desired, "--user", email, "--groups", group, "--source-identity", email,
         "--lifetime", "3600"],
        check=True, capture_output=True, text=True)
    return output.stdout.strip()


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

        def reached(target):
            if entered.get(target):
                return "saml"
            # The hub roles, then a role entered elsewhere, which must chain into nothing.
            sources = hubs + [entered[probe]] if probe and probe != target else hubs
            return "chained" if any(self.chain(c, target, email) for c in sources) else None

        return dict(zip(self.targets, pool.map(reached, self.targets)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gate", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--desired", required=True)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--user", action="append", required=True, help="EMAIL=GROUP")
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
