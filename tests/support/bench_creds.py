#!/usr/bin/env python3
"""The harness of scripts/bench-creds: sets up moto behind the trust gate for examples/mixed, signs a
web developer in (counting STS calls), then times cached `awsfed creds`, the AWS CLI's
credential resolution on the same profile (botocore, in a fresh process: awscli 1.x has no
`configure export-credentials`) and a whole `aws sts get-caller-identity`, and /bin/true, interleaved,
RUNS times each; then awsfed's in-process part (AWSFED_TIMING) of the cached runs."""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(REPO, ".venv", "bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url):
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"bench: {url} did not answer")


def gate_calls(gate):
    with urllib.request.urlopen(f"{gate}/gate/stats") as response:
        return json.load(response)["calls"]


def reset(gate):
    urllib.request.urlopen(urllib.request.Request(f"{gate}/gate/reset", method="POST", data=b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awsfed", required=True)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    awsfed = os.path.abspath(args.awsfed)
    work = tempfile.mkdtemp(prefix="awsfed-bench-")
    children = []
    try:
        port = free_port()
        moto = f"http://127.0.0.1:{port}"
        children.append(subprocess.Popen([f"{VENV}/moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{moto}/moto-api/")
        home = os.path.join(work, "home")
        os.makedirs(home)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSFED_", "XDG_"))}
        env.update(HOME=home, XDG_CACHE_HOME=f"{home}/.cache", XDG_CONFIG_HOME=f"{home}/.config",
                   AWS_CONFIG_FILE=f"{home}/.aws/config", AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials")
        model = os.path.join(REPO, "examples", "mixed", "awsfed.yaml")
        desired = os.path.join(work, "desired.json")
        with open(desired, "wb") as f:
            f.write(subprocess.run([awsfed, "-c", model, "compile", "--output", "json"], env=env, check=True,
                                   capture_output=True).stdout)
        client_dir = os.path.join(home, ".config", "awsfed")
        subprocess.run([awsfed, "-c", model, "export", "client", "--out", client_dir], env=env, check=True,
                       capture_output=True)
        keys = os.path.join(work, "idp")
        py = [f"{VENV}/python", "-W", "ignore"]
        subprocess.run(py + [f"{REPO}/tests/support/idp.py", "keys", keys], check=True)
        subprocess.run(py + [f"{REPO}/tests/support/moto_setup.py", "--endpoint", moto, "--desired", desired,
                             "--metadata", f"{keys}/idp-metadata.xml"], check=True)
        gate_process = subprocess.Popen(py + [f"{REPO}/tests/support/gate/gate.py", "--moto", moto,
                                              "--oracle-dir", f"{REPO}/tests/oracle"], stdout=subprocess.PIPE, text=True)
        children.append(gate_process)
        gate = gate_process.stdout.readline().strip()
        env["AWS_ENDPOINT_URL"] = gate
        saml = os.path.join(work, "saml.b64")
        with open(saml, "w") as f:
            f.write(subprocess.run(py + [f"{REPO}/tests/support/idp.py", "response", "--keys", keys, "--desired", desired,
                                         "--user", "fay@example.com", "--groups", "web-developers",
                                         "--source-identity", "fay@example.com"],
                                   check=True, capture_output=True, text=True).stdout)

        # Uncached sign-ins, counted at the gate.
        results = {}
        for target in ["dev-web/Admin", "prod-web/ReadOnly"]:
            reset(gate)
            subprocess.run([awsfed, "creds", target, "--saml-file", saml], env=env, check=True, capture_output=True)
            calls = sum(v["calls"] for v in gate_calls(gate).values())
            results[target] = calls
        print(f"uncached sign-in, STS calls: hub-and-spoke dev-web/Admin = {results['dev-web/Admin']}, "
              f"direct prod-web/ReadOnly = {results['prod-web/ReadOnly']}")

        subprocess.run([awsfed, "configure", "--region", "us-east-1", "--command", awsfed], env=env, check=True,
                       capture_output=True)
        aws = f"{VENV}/aws"
        commands = {
            "/bin/true": ["/bin/true"],
            "awsfed creds dev-web/Admin (cached, 2 hops)": [awsfed, "creds", "dev-web/Admin"],
            "awsfed creds prod-web/ReadOnly (cached, 1 hop)": [awsfed, "creds", "prod-web/ReadOnly"],
            # Any option sends the call through the full command-line parser: the cached path as
            # it was before it skipped the parser for `creds TARGET`.
            "awsfed creds --client … dev-web/Admin (full parser)": [
                awsfed, "creds", "--client", f"{client_dir}/client.json", "dev-web/Admin"],
            # awscli 1.x has no `configure export-credentials` (a CLI v2 command): its credential
            # resolver is botocore's, so that is timed resolving the same profile in a fresh process,
            # and the whole CLI making one call with the profile (to the local moto).
            "botocore (AWS CLI v1) resolving --profile dev-web-Admin": [
                f"{VENV}/python", "-c",
                "import botocore.session; botocore.session.Session(profile='dev-web-Admin').get_credentials().get_frozen_credentials()"],
            "aws sts get-caller-identity --profile dev-web-Admin": [aws, "sts", "get-caller-identity", "--profile", "dev-web-Admin"],
        }
        for name, command in commands.items():
            done = subprocess.run(command, env=env, capture_output=True)
            if done.returncode != 0:
                sys.exit(f"bench: {name} failed: {done.stderr.decode()}")
        reset(gate)
        timings = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                start = time.perf_counter_ns()
                subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                timings[name].append((time.perf_counter_ns() - start) / 1e6)
        sts_during = sum(v["calls"] for v in gate_calls(gate).values())
        # awsfed's own part: main() to exit, as the binary measures it (AWSFED_TIMING), in separate
        # runs so the timed runs above write nothing extra.
        inside = {name: [] for name in list(commands)[1:4]}
        parsing = {name: [] for name in inside}
        timing_env = dict(env, AWSFED_TIMING="1")
        for _ in range(args.runs):
            for name in inside:
                done = subprocess.run(commands[name], env=timing_env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, check=True, text=True)
                line = [l for l in done.stderr.splitlines() if l.startswith("awsfed: timing: ")][-1]
                words = line.split()
                inside[name].append(int(words[2]) / 1000)
                parsing[name].append(0 if "skipped" in line else int(words[5].lstrip("(")) / 1000)

        print(f"\n{args.runs} runs each, interleaved, wall time per call (ms):")
        print(f"{'command':60} {'median':>8} {'p90':>8} {'mean':>8} {'min':>8}")
        medians = {}
        for name, values in timings.items():
            values.sort()
            medians[name] = statistics.median(values)
            p90 = values[int(len(values) * 0.9) - 1]
            print(f"{name:60} {medians[name]:8.2f} {p90:8.2f} {statistics.mean(values):8.2f} {values[0]:8.2f}")
        floor = medians["/bin/true"]
        resolver = medians["botocore (AWS CLI v1) resolving --profile dev-web-Admin"]
        cli = medians["aws sts get-caller-identity --profile dev-web-Admin"]
        for name in list(commands)[1:4]:
            print(f"{name}: median {medians[name] - floor:+.2f} ms over /bin/true; "
                  f"botocore resolver / awsfed = {resolver / medians[name]:.0f}x; AWS CLI call / awsfed = {cli / medians[name]:.0f}x")
        print(f"\nin-process part (AWSFED_TIMING: main() to exit), {args.runs} runs each (ms):")
        print(f"{'command':60} {'median':>8} {'p90':>8} {'mean':>8} {'min':>8} {'parsing':>8}")
        for name, values in inside.items():
            values.sort()
            p90 = values[int(len(values) * 0.9) - 1]
            print(f"{name:60} {statistics.median(values):8.3f} {p90:8.3f} {statistics.mean(values):8.3f} "
                  f"{values[0]:8.3f} {statistics.median(parsing[name]):8.3f}")
        print("(parsing: median of the command-line parsing part)")
        print(f"STS calls during the timed runs (cache hits make none; the CLI's runs include awsfed's): {sts_during}")
    finally:
        for child in children:
            child.kill()
            child.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
