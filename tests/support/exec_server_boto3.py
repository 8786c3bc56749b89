"""boto3 as the command of `awsfed exec --server`: probes the credentials endpoint without and with
a wrong token, then makes two STS calls with one session, reading the access key each call was
signed with. Between the calls it prints `ready` and waits for a line on standard input (the test
ages the cached session meanwhile). Prints one JSON object last."""

import json
import os
import re
import sys
import urllib.error
import urllib.request

import boto3


def status(headers):
    request = urllib.request.Request(
        os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers=headers
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


out = {
    "without_token": status({}),
    "wrong_token": status({"Authorization": "0" * 64}),
    "key_variables": sorted(
        name
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        if name in os.environ
    ),
}
session = boto3.Session()
sts = session.client("sts", region_name="us-east-1")
signed_with = []


def record_key(request, **_):
    match = re.search(r"Credential=([^/]+)/", request.headers["Authorization"].decode())
    signed_with.append(match.group(1))


sts.meta.events.register("before-send.sts.GetCallerIdentity", record_key)
out["calls"] = []
for call in range(2):
    if call == 1:
        print("ready", flush=True)
        sys.stdin.readline()
    arn = sts.get_caller_identity()["Arn"]
    out["calls"].append({"arn": arn, "key": signed_with[-1]})
out["method"] = session.get_credentials().method
print(json.dumps(out))
