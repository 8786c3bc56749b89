#!/usr/bin/env python3
"""The harness of scripts/bench-creds: sets up moto behind the trust gate for examples/mixed, signs a
web developer in (counting STS calls), then times cached `awsfed creds`, the AWS CLI's
credential resolution on the same profile (botocore, in a fresh process: awscli 1.x has no
`configure export-credentials`) and a whole `aws sts get-caller-identity`, and /bin/true, interleaved,
RUNS times each (the AWS CLI's CLI_RUNS times); then awsfed's in-process part (AWSFED_TIMING) of the
cached runs.

Each run's CPU time (user + system, from getrusage of the waited-for child, so it includes the
process's start: exec, the dynamic loader, page faults) is reported beside its wall time: on a
loaded machine the wall time mostly measures waiting for a core, while CPU time and the minimum
wall time show what the process itself costs."""
import argparse
import json
import os
import resource
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


def timed(command, env):
    """(wall ms, CPU ms) of one run. RUSAGE_CHILDREN grows by exactly the waited-for child (moto
    and the gate are not waited for until the end)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter_ns()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter_ns() - start) / 1e6
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, used * 1000


def format_load(load):
    return " ".join(f"{value:.2f}" for value in load)


def reset(gate):
    urllib.request.urlopen(urllib.request.Request(f"{gate}/gate/reset", method="POST", data=b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awsfed", required=True)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--cli-runs", type=int, default=20,
                        help="runs of the AWS CLI and botocore commands (each takes 100s of ms)")
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
            # Any other option than --client sends the call through the full command-line parser:
            # the cached path as it was before it skipped the parser for `creds TARGET`.
            "awsfed creds dev-web/Admin --command-timeout 5m (full parser)": [
                awsfed, "creds", "dev-web/Admin", "--command-timeout", "5m"],
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
        cpu = {name: [] for name in commands}
        slow = {name for name in commands if not name.startswith(("/bin/true", "awsfed"))}
        load_before = os.getloadavg()
        for run in range(args.runs):
            for name, command in commands.items():
                if name in slow and run >= args.cli_runs:
                    continue
                wall, used = timed(command, env)
                timings[name].append(wall)
                cpu[name].append(used)
        load_after = os.getloadavg()
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

        print(f"\nload average (1, 5, 15 min): {format_load(load_before)} before the timed runs, "
              f"{format_load(load_after)} after; {os.cpu_count()} CPUs")
        print(f"{args.runs} runs each ({args.cli_runs} of the AWS CLI and botocore), interleaved, per call (ms); "
              "CPU = user + system time of the process:")
        print(f"{'command':60} {'median':>8} {'p90':>8} {'mean':>8} {'min':>8} {'CPU mean':>9} {'CPU med':>8} {'CPU min':>8}")
        medians, minima, cpu_means = {}, {}, {}
        for name, values in timings.items():
            values.sort()
            medians[name] = statistics.median(values)
            minima[name] = values[0]
            cpu_means[name] = statistics.mean(cpu[name])
            p90 = values[int(len(values) * 0.9) - 1]
            print(f"{name:60} {medians[name]:8.2f} {p90:8.2f} {statistics.mean(values):8.2f} {values[0]:8.2f} "
                  f"{cpu_means[name]:9.3f} {statistics.median(cpu[name]):8.3f} {min(cpu[name]):8.3f}")
        floor = "/bin/true"
        resolver = medians["botocore (AWS CLI v1) resolving --profile dev-web-Admin"]
        cli = medians["aws sts get-caller-identity --profile dev-web-Admin"]
        for name in list(commands)[1:4]:
            print(f"{name}: over /bin/true: CPU mean {cpu_means[name] - cpu_means[floor]:+.3f} ms, "
                  f"min wall {minima[name] - minima[floor]:+.2f} ms, median wall {medians[name] - medians[floor]:+.2f} ms; "
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
