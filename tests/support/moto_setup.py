#!/usr/bin/env python3
"""Creates a compiled model's desired state in moto: per account the SAML provider, awsfed's customer
managed policies and roles (path, trust, MaxSessionDuration, attachments, inline policies).

    moto_setup.py --endpoint http://127.0.0.1:PORT --desired DESIRED.json --metadata IDP-METADATA.xml
    moto_setup.py --endpoint URL --role-arn ARN [--drop-trust-action ACTION] [--max-session-duration S]
        Changes one role afterwards (negative tests: a trust without sts:SetSourceIdentity, a role
        whose maximum session is shorter than the client file says).

    moto_setup.py ... --user-keys KEYS.json
        Also gives every IAM user of the IAM-users hub an access key and, unless exempt from MFA, an
        enabled virtual MFA device named after the user (what each user does under the
        self-service policy; awsfed never creates either), and writes them to KEYS.json as
        {user: {access_key_id, secret_access_key, mfa_serial}}.

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
    parser.add_argument("--user-keys")
    args = parser.parse_args()
    if args.role_arn:
        update_role(args)
        return
    with open(args.desired) as f:
        desired = json.load(f)
    with open(args.metadata) as f:
        metadata = f.read()
    keys = {}
    for account in desired["accounts"]:
        iam = iam_in(args.endpoint, account["id"])
        if account.get("iam_users"):
            keys.update(create_iam_users(iam, account["iam_users"], args.user_keys is not None))
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
    if args.user_keys:
        with open(args.user_keys, "w") as f:
            json.dump(keys, f)


def create_iam_users(iam, hub, with_keys):
    """The IAM-users hub: policies, groups with their policies, users in their groups with theirs."""
    for policy in hub["policies"]:
        iam.create_policy(PolicyName=policy["name"], Path=policy["path"],
                          PolicyDocument=json.dumps(policy["document"]))
    for group in hub["groups"]:
        iam.create_group(GroupName=group["name"], Path=group["path"])
        for arn in group["managed_policy_arns"]:
            iam.attach_group_policy(GroupName=group["name"], PolicyArn=arn)
    keys = {}
    for user in hub["users"]:
        iam.create_user(UserName=user["name"], Path=user["path"])
        for group in user["groups"]:
            iam.add_user_to_group(GroupName=group, UserName=user["name"])
        for arn in user["managed_policy_arns"]:
            iam.attach_user_policy(UserName=user["name"], PolicyArn=arn)
        if not with_keys:
            continue
        key = iam.create_access_key(UserName=user["name"])["AccessKey"]
        keys[user["name"]] = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
                              "mfa_serial": None}
        if user["mfa"]:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user["name"])["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName=user["name"], SerialNumber=serial,
                                  AuthenticationCode1="123456", AuthenticationCode2="654321")
            keys[user["name"]]["mfa_serial"] = serial
    return keys


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
