#!/usr/bin/env python3
"""Writes an awsfed model for an organisation made by `moto_org.py create` (its JSON on stdin).

  org_model.py --direct N [--developers] [--identity-center-ou OU --region REGION] > awsfed.yaml

The first account is the hub (`identity`); the first N workload accounts are direct, the rest
hub-and-spoke, except the accounts of --identity-center-ou, which are identity-center (the
instance found with ListInstances in REGION, its directory groups created by awsfed). Permission sets use inline policies only (moto loads AWS managed policies only when
asked to, and slowly).
"""
import argparse
import json
import sys

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--direct", type=int, default=0)
parser.add_argument("--developers", action="store_true")
parser.add_argument("--identity-center-ou")
parser.add_argument("--region", default="us-east-1")
args = parser.parse_args()
org = json.load(sys.stdin)
w = print
w("version: 1")
w("allow_warnings: [session-name-source]")
w("identity_provider:")
w("  name: corp")
w("  metadata_file: corp-idp.xml")
w("  session_name_from: email")
w("  source_identity: true")
w("  audiences: [https://signin.aws.amazon.com/saml, https://us-east-1.signin.aws.amazon.com/saml]")
if args.identity_center_ou:
    w(f"identity_center: {{ region: {args.region}, groups: create }}")
    w(f"topology: {{ default: hub-and-spoke, hub_account: identity, ous: {{ {args.identity_center_ou}: identity-center }} }}")
else:
    w("topology: { default: hub-and-spoke, hub_account: identity }")
w("accounts:")
first, *rest = org["accounts"]
w(f'  identity: {{ id: "{first["id"]}", ou: {first["ou"]} }}')
for i, a in enumerate(rest):
    direct = ", topology: direct" if i < args.direct else ""
    w(f'  {a["name"]}: {{ id: "{a["id"]}", ou: {a["ou"]}, tags: {{ env: {a["env"]} }}{direct} }}')
w("permission_sets:")
w("  Admin: { inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }, session_duration: 1h }")
w("  ReadOnly: { inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ['s3:Get*', 's3:List*'], Resource: '*' }] }, session_duration: 1h }")
w("groups:")
w("  platform-admins: [ { accounts: '*', permission_set: Admin } ]")
if args.developers:
    w("  developers: [ { accounts: { ous: [Workloads/Dev] }, permission_set: Admin }, { accounts: '*', permission_set: ReadOnly } ]")
