#!/usr/bin/env python3
"""A test SAML IdP for awsfed's sign-in tests: pysaml2 builds the Response, Debian's xmlsec1 signs it.

    idp.py keys DIR
        Creates DIR/idp-key.pem, DIR/idp-cert.pem and DIR/idp-metadata.xml (the IAM SAML provider's
        metadata document).
    idp.py response --keys DIR --desired DESIRED.json --user EMAIL --groups G1,G2
                    [--source-identity VALUE] [--no-session-name] [--lifetime SECONDS]
                    [--recipient URL] [--extra-role ROLE_ARN,PROVIDER_ARN] [--session-duration SECONDS]
        Prints the base64 SAMLResponse a user in those directory groups receives: one
        https://aws.amazon.com/SAML/Attributes/Role value per (role, provider) the compiled model's
        IdP mapping gives those groups (DESIRED.json is `awsfed compile --output json`), with
        RoleSessionName (the e-mail address), optionally SourceIdentity and SessionDuration, and
        audience and recipient https://signin.aws.amazon.com/saml.

Used by crates/awsfed/tests/it (sign-in tests). Never used outside tests: the key is generated per
test run.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

from saml2 import BINDING_HTTP_POST, server
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

AWS_SP = "urn:amazon:webservices"
AWS_ACS = "https://signin.aws.amazon.com/saml"
ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SOURCE_IDENTITY = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
IDP_ENTITY = "https://idp.awsfed.test/saml"

SP_METADATA = f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{AWS_SP}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{AWS_ACS}" index="1"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def make_keys(folder):
    os.makedirs(folder, exist_ok=True)
    key = os.path.join(folder, "idp-key.pem")
    cert = os.path.join(folder, "idp-cert.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=awsfed test idp", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    with open(cert) as f:
        body = "".join(line.strip() for line in f if "CERTIFICATE" not in line)
    metadata = f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP_ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="{BINDING_HTTP_POST}" Location="https://idp.awsfed.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
    with open(os.path.join(folder, "idp-metadata.xml"), "w") as f:
        f.write(metadata)


def role_values(desired_path, groups, extra):
    with open(desired_path) as f:
        desired = json.load(f)
    values = []
    for mapping in desired["groups"]:
        if mapping["group"] in groups:
            for value in mapping["role_values"]:
                pair = f"{value['role_arn']},{value['provider_arn']}"
                if pair not in values:
                    values.append(pair)
    values.extend(extra)
    return values


def make_response(args):
    groups = [g for g in args.groups.split(",") if g] if args.groups else []
    roles = role_values(args.desired, groups, args.extra_role or [])
    with tempfile.TemporaryDirectory() as tmp:
        sp_metadata = os.path.join(tmp, "sp.xml")
        with open(sp_metadata, "w") as f:
            f.write(SP_METADATA)
        config = IdPConfig()
        config.load({
            "entityid": IDP_ENTITY,
            "key_file": os.path.join(args.keys, "idp-key.pem"),
            "cert_file": os.path.join(args.keys, "idp-cert.pem"),
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"local": [sp_metadata]},
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [("https://idp.awsfed.test/sso", BINDING_HTTP_POST)]},
                "policy": {"default": {
                    "lifetime": {"minutes": max(1, args.lifetime // 60)},
                    "attribute_restrictions": None,
                    "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                }},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }},
        })
        idp = server.Server(config=config)
        identity = {ROLE: roles}
        if not args.no_session_name:
            identity[SESSION_NAME] = [args.user]
        if args.source_identity:
            identity[SOURCE_IDENTITY] = [args.source_identity]
        if args.session_duration:
            identity[SESSION_DURATION] = [str(args.session_duration)]
        response = idp.create_authn_response(
            identity,
            in_response_to=None,
            destination=args.recipient,
            sp_entity_id=AWS_SP,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=args.user),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password", "authn_auth": IDP_ENTITY},
            sign_response=True,
            sign_assertion=True,
        )
    text = str(response)
    sys.stdout.write(base64.b64encode(text.encode()).decode() + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    keys = sub.add_parser("keys")
    keys.add_argument("folder")
    resp = sub.add_parser("response")
    resp.add_argument("--keys", required=True)
    resp.add_argument("--desired", required=True)
    resp.add_argument("--user", required=True)
    resp.add_argument("--groups", default="")
    resp.add_argument("--source-identity")
    resp.add_argument("--no-session-name", action="store_true")
    resp.add_argument("--lifetime", type=int, default=300)
    resp.add_argument("--recipient", default=AWS_ACS)
    resp.add_argument("--extra-role", action="append")
    resp.add_argument("--session-duration", type=int)
    args = parser.parse_args()
    if args.command == "keys":
        make_keys(args.folder)
    else:
        make_response(args)


if __name__ == "__main__":
    main()
