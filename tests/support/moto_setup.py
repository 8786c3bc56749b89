#!/usr/bin/env python3
"""Creates a compiled model's desired state in moto: per account the SAML provider, awsfed's customer
managed policies and roles (path, trust, MaxSessionDuration, attachments, inline policies).

    moto_setup.py --endpoint http://127.0.0.1:PORT --desired DESIRED.json --metadata IDP-METADATA.xml
    moto_setup.py --endpoint URL --role-arn ARN [--drop-trust-action ACTION] [--max-session-duration S]
        Changes one role afterwards (negative tests: a trust without sts:SetSourceIdentity, a role
        whose maximum session is shorter than the client file says).

DESIRED.json is `awsfed compile --output json`. Each account is reached by assuming a role in it
(moto maps an assumed role's keys to that account and checks nothing). The sign-in tests use this
instead of `awsfed apply` so that they test sign-in alone.
"""
import argparse
import json
import urllib.parse

import boto3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--desired")
    parser.add_argument("--metadata")
    parser.add_argument("--role-arn")
    parser.add_argument("--drop-trust-action")
    parser.add_argument("--max-session-duration", type=int)
    args = parser.parse_args()
    if args.role_arn:
        update_role(args)
        return
    with open(args.desired) as f:
        desired = json.load(f)
    with open(args.metadata) as f:
        metadata = f.read()
    for account in desired["accounts"]:
        iam = iam_in(args.endpoint, account["id"])
        if account.get("saml_provider"):
            iam.create_saml_provider(Name=account["saml_provider"]["name"], SAMLMetadataDocument=metadata)
        for policy in account.get("policies", []):
            iam.create_policy(PolicyName=policy["name"], Path=policy["path"],
                              PolicyDocument=json.dumps(policy["document"]))
        for role in account["roles"]:
            iam.create_role(RoleName=role["name"], Path=role["path"],
                            AssumeRolePolicyDocument=json.dumps(role["trust_policy"]),
                            MaxSessionDuration=role["max_session_duration"])
            for arn in role.get("managed_policy_arns", []):
                if ":aws:policy/" not in arn:
                    iam.attach_role_policy(RoleName=role["name"], PolicyArn=arn)
            for name, document in role.get("inline_policies", {}).items():
                iam.put_role_policy(RoleName=role["name"], PolicyName=name, PolicyDocument=json.dumps(document))


def iam_in(endpoint, account_id):
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="setup", aws_secret_access_key="setup")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/awsfed-test-setup",
                            RoleSessionName="setup")["Credentials"]
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def update_role(args):
    account_id = args.role_arn.split(":")[4]
    name = args.role_arn.rsplit("/", 1)[1]
    iam = iam_in(args.endpoint, account_id)
    if args.drop_trust_action:
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(urllib.parse.unquote(trust))
        for statement in trust["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            statement["Action"] = [a for a in actions if a != args.drop_trust_action]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    if args.max_session_duration:
        iam.update_role(RoleName=name, MaxSessionDuration=args.max_session_duration)


if __name__ == "__main__":
    main()
