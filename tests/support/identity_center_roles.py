#!/usr/bin/env python3
"""Stand-ins for the roles IAM Identity Center provisions, which moto does not create.

When a permission set is assigned to an account, Identity Center creates in that account a role
`AWSReservedSSO_<permission set>_<unique suffix>` under `/aws-reserved/sso.amazonaws.com/<region>/`
(no region part for an instance in us-east-1), trusted by the SAML provider it creates there,
`AWSSSO_<16 hex>_DO_NOT_DELETE`; when the last assignment of the set in the account goes, the role
goes with it, and a later assignment makes a new role with a new suffix ("Referencing permission
sets in resource policies, Amazon EKS Cluster config maps, and AWS KMS key policies", IAM Identity
Center User Guide). moto 5.2.5 records assignments and creates none of this, so a test that wants
the access portal's sign-in decided at the trust gate makes the roles itself with this script after
each change to the assignments:

    identity_center_roles.py --endpoint URL sync

makes IAM match the instance's assignments: for every (account, permission set) assigned to anyone,
the provider and the role (trust: the provider, for sts:AssumeRoleWithSAML and sts:TagSession with
`SAML:aud` = https://signin.aws.amazon.com/saml; the set's inline policy as `AwsSSOInlinePolicy`, its
managed policies attached, its session duration as the role's maximum), and no reserved role (nor,
once the account has none, the provider) for anything else. Prints JSON:

    {"instance": ARN, "roles": {ACCOUNT: {SET: ROLE-ARN}}, "providers": {ACCOUNT: PROVIDER-ARN},
     "assignments": [{"account", "set", "principal_type", "principal"}]}

(`principal`: a group's display name, a user's user name). It is a stand-in for what AWS
provisions, not a claim about AWS: the suffixes are random as AWS's are, and the role carries only
what the gate and awsfed's scan read. It never touches a role outside the reserved path.
"""
import argparse
import hashlib
import functools
import json
import os
import re
import secrets
import subprocess
import tempfile

import boto3
from botocore.config import Config

KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
CONFIG = Config(retries={"max_attempts": 1})
RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"
AUDIENCE = "https://signin.aws.amazon.com/saml"
INLINE_POLICY = "AwsSSOInlinePolicy"
PORTAL_ENTITY = "https://portal.sso.awsfed.test/saml/assertion"


def metadata():
    """The provider's metadata document: the portal's entity id and a throwaway signing
    certificate (IAM requires a document of 1,000 characters or more; nothing here checks the
    signature of the portal's assertions)."""
    with tempfile.TemporaryDirectory() as folder:
        cert = os.path.join(folder, "cert.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=awsfed test access portal", "-keyout", os.path.join(folder, "key.pem"),
             "-out", cert],
            check=True, capture_output=True)
        with open(cert) as f:
            body = "".join(line.strip() for line in f if "CERTIFICATE" not in line)
    return (
        f'<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{PORTAL_ENTITY}"><md:IDPSSODescriptor '
        f'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">'
        f'<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{body}'
        f'</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService '
        f'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://portal.sso.awsfed.test/saml"/>'
        f"</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def iam(endpoint, account):
    """IAM acting in `account` (moto maps an assumed role's keys to its account)."""
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", config=CONFIG, **KEYS)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="identity-center-stand-in")["Credentials"]
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", config=CONFIG,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def seconds(duration):
    """ISO 8601 `PT1H`, `PT8H30M`, `PT3600S` → seconds (3600 when absent)."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration or "")
    if not match:
        return 3600
    hours, minutes, secs = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def instance_state(endpoint):
    """The instance, its permission sets by name, and every assignment in the organisation."""
    kw = dict(endpoint_url=endpoint, region_name="eu-west-1", config=CONFIG, **KEYS)
    sso = boto3.client("sso-admin", **kw)
    store = boto3.client("identitystore", **kw)
    instance = sso.list_instances()["Instances"][0]
    arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    region = arn.split(":")[3] or "eu-west-1"
    sets = {}
    for set_arn in sso.list_permission_sets(InstanceArn=arn, MaxResults=100)["PermissionSets"]:
        described = sso.describe_permission_set(InstanceArn=arn, PermissionSetArn=set_arn)["PermissionSet"]
        inline = sso.get_inline_policy_for_permission_set(InstanceArn=arn, PermissionSetArn=set_arn).get("InlinePolicy")
        managed = sso.list_managed_policies_in_permission_set(
            InstanceArn=arn, PermissionSetArn=set_arn)["AttachedManagedPolicies"]
        sets[set_arn] = {"name": described["Name"], "inline": inline or None,
                         "managed": sorted(p["Arn"] for p in managed),
                         "seconds": seconds(described.get("SessionDuration"))}
    organizations = boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1",
                                 config=CONFIG, **KEYS)
    accounts = [a["Id"] for page in organizations.get_paginator("list_accounts").paginate()
                for a in page["Accounts"]]
    names = {}

    def principal(kind, principal_id):
        if (kind, principal_id) not in names:
            if kind == "GROUP":
                found = store.describe_group(IdentityStoreId=store_id, GroupId=principal_id)
                names[(kind, principal_id)] = found.get("DisplayName") or principal_id
            else:
                found = store.describe_user(IdentityStoreId=store_id, UserId=principal_id)
                names[(kind, principal_id)] = found.get("UserName") or principal_id
        return names[(kind, principal_id)]

    assignments = []
    for account in accounts:
        for set_arn, permission_set in sets.items():
            for a in sso.list_account_assignments(InstanceArn=arn, AccountId=account,
                                                  PermissionSetArn=set_arn)["AccountAssignments"]:
                assignments.append({"account": account, "set": permission_set["name"],
                                    "principal_type": a["PrincipalType"],
                                    "principal": principal(a["PrincipalType"], a["PrincipalId"])})
    return arn, region, {s["name"]: s for s in sets.values()}, accounts, assignments


def reserved_roles(client, path):
    found = {}
    for page in client.get_paginator("list_roles").paginate(PathPrefix=RESERVED_PATH):
        for role in page["Roles"]:
            if role["Path"] == path and role["RoleName"].startswith("AWSReservedSSO_"):
                found[role["RoleName"].rsplit("_", 1)[0][len("AWSReservedSSO_"):]] = role
    return found


def create_role(client, path, provider_arn, permission_set):
    name = f"AWSReservedSSO_{permission_set['name']}_{secrets.token_hex(8)}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        "Condition": {"StringEquals": {"SAML:aud": AUDIENCE}}}]}
    role = client.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust),
                              MaxSessionDuration=permission_set["seconds"])["Role"]
    if permission_set["inline"]:
        client.put_role_policy(RoleName=name, PolicyName=INLINE_POLICY, PolicyDocument=permission_set["inline"])
    for arn in permission_set["managed"]:
        client.attach_role_policy(RoleName=name, PolicyArn=arn)
    return role["Arn"]


def delete_role(client, name):
    for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
        client.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        client.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    client.delete_role(RoleName=name)


def sync(endpoint):
    instance, region, sets, accounts, assignments = instance_state(endpoint)
    path = RESERVED_PATH if region == "us-east-1" else f"{RESERVED_PATH}{region}/"
    provider_name = f"AWSSSO_{hashlib.sha256(instance.encode()).hexdigest()[:16]}_DO_NOT_DELETE"
    document = functools.cache(metadata)
    wanted = {}
    for a in assignments:
        wanted.setdefault(a["account"], set()).add(a["set"])
    roles, providers = {}, {}
    for account in accounts:
        client = iam(endpoint, account)
        existing = reserved_roles(client, path)
        provider_arn = f"arn:aws:iam::{account}:saml-provider/{provider_name}"
        has_provider = any(p["Arn"] == provider_arn for p in client.list_saml_providers()["SAMLProviderList"])
        names = wanted.get(account, set())
        for name, role in existing.items():
            if name not in names:
                delete_role(client, role["RoleName"])
        if not names:
            if has_provider:
                client.delete_saml_provider(SAMLProviderArn=provider_arn)
            continue
        if not has_provider:
            client.create_saml_provider(Name=provider_name, SAMLMetadataDocument=document())
        providers[account] = provider_arn
        roles[account] = {
            name: existing[name]["Arn"] if name in existing else create_role(client, path, provider_arn, sets[name])
            for name in sorted(names)
        }
    return {"instance": instance, "roles": roles, "providers": providers,
            "assignments": sorted(assignments, key=lambda a: (a["account"], a["set"], a["principal"]))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("command", choices=["sync"])
    args = parser.parse_args()
    print(json.dumps(sync(args.endpoint), sort_keys=True))


if __name__ == "__main__":
    main()
