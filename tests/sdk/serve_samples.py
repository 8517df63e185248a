"""The playground's own code samples, run as written against `mip serve` (issue 14, item 6).

Usage: python tests/sdk/serve_samples.py <path to the mip binary>

For every built-in scenario, `mip samples <id>` gives each request step's samples. The Python
and JavaScript samples that ask a credential for a token (src/samples.rs `sdk_get_token`: they
name no endpoint, the SDK finds it in the environment) are run unchanged, with the pinned
azure-identity (this venv) and @azure/identity (node_modules), against `mip serve <id> --host
<the step's host>` with only its exports in the environment. Each must end as the model's
scripted SDK of that language ends on that host after the script (a token, or an error), and
its requests must reach the served endpoint. Steps on hosts `mip serve` cannot serve (AKS
workload identity, laptops, a host the script deletes) are listed as skipped, with the reason.
Exit status 1 on any failure.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from serve_sdk import ENDPOINT_VARS  # noqa: E402  (same environment rules as the SDK suite)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def start(mip, scenario, host):
    proc = subprocess.Popen([mip, "serve", scenario, "--host", host, "--port", "0", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    exports = {}
    for line in proc.stdout:
        if line.startswith("export "):
            k, v = line[len("export "):].rstrip("\n").split("=", 1)
            exports[k] = v
        if line.startswith("ready: "):
            return proc, exports
    return None, proc.stderr.read().strip()


def stop(proc):
    proc.send_signal(2)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, f"mip serve exited {proc.returncode}"
    steps = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return [s["step"]["message"]["status"] for s in steps if s["step"]["message"]["type"] == "response" and not s["from"].startswith("App on")]


def prediction(mip, scenario_id, host, lang, resource):
    with open(builtin_path(scenario_id)) as f:
        sc = json.load(f)
    sc["script"] += [{"action": "configureApp", "host": host, "sdk": "python" if lang == "Python" else "js"},
                     {"action": "getToken", "host": host, "resource": resource}]
    index = len(sc["script"]) - 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sc, f)
    try:
        trace = json.loads(subprocess.run([mip, "run", f.name, "--format", "json"], check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(f.name)
    steps = [s for s in trace["steps"] if s["action"] == index]
    last = steps[-1]["message"] if steps else {}
    return last.get("type") == "response" and last.get("status") == 200


_builtins = {}


def builtin_path(scenario_id):
    """The built-in's file in the repository's scenarios/ folder (NN-<id>.json)."""
    if not _builtins:
        for name in os.listdir(os.path.join(ROOT, "scenarios")):
            if name[:2].isdigit() and name.endswith(".json"):
                _builtins[name[3:-5]] = os.path.join(ROOT, "scenarios", name)
    return _builtins[scenario_id]


def run_sample(lang, code, env):
    if lang == "Python":
        r = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, env=env, timeout=120)
    else:
        # Inside the repository, so `import "@azure/identity"` resolves from node_modules.
        with tempfile.NamedTemporaryFile("w", suffix=".mjs", dir=os.path.join(ROOT, "target"), delete=False) as f:
            f.write(code)
        try:
            r = subprocess.run(["node", f.name], capture_output=True, text=True, env=env, timeout=120)
        finally:
            os.unlink(f.name)
    return r.returncode == 0 and "expires" in r.stdout, (r.stdout + r.stderr).strip().splitlines()[-1:] or [""]


def main():
    mip = os.path.abspath(sys.argv[1])
    ids = [l.split()[0] for l in subprocess.run([mip, "list"], check=True, capture_output=True, text=True).stdout.splitlines()]
    ran = failed = 0
    skipped = []
    for sid in ids:
        entries = json.loads(subprocess.run([mip, "samples", sid], check=True, capture_output=True, text=True).stdout)
        token_samples = {}
        for e in entries:
            code = e["code"]
            if e["lang"] not in ("Python", "JavaScript") or not e["host"]:
                continue
            if not ("get_token(" in code or "getToken(" in code) or any(x in code for x in ("SecretClient", "BlobClient", "urllib.request.Request", "fetch(")):
                continue
            token_samples.setdefault(e["host"], {}).setdefault((e["lang"], code), e["step"])
        for host, samples in token_samples.items():
            proc, exports = start(mip, sid, host)
            if proc is None:
                skipped.append(f"{sid}/{host}: {exports.splitlines()[-1] if exports else 'not servable'}")
                continue
            env = {k: v for k, v in os.environ.items() if k not in ENDPOINT_VARS}
            env.update(exports)
            results = []
            for (lang, code), step in samples.items():
                scope = code.split("get_token(\"" if lang == "Python" else "getToken(\"", 1)[1].split("\"", 1)[0]
                resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
                ok, tail = run_sample(lang, code, env)
                expected = prediction(mip, sid, host, lang, resource)
                results.append((sid, step, lang, ok, expected, tail))
            answers = stop(proc)
            for sid_, step, lang, ok, expected, tail in results:
                ran += 1
                good = ok == expected and answers
                failed += not good
                print(f"{'ok  ' if good else 'FAIL'} {sid_} step {step} {lang}: {'token' if ok else 'error'} (model: {'token' if expected else 'error'}) {'' if good else tail}")
    for s in skipped:
        print(f"skip {s}")
    print(f"{ran - failed}/{ran} token samples ran as written against mip serve and ended as the model predicts; {len(skipped)} host(s) skipped")
    sys.exit(1 if failed or not ran else 0)


if __name__ == "__main__":
    main()
