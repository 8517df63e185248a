"""Real Azure SDKs for Python against `mip serve`: unmodified azure-identity (with MSAL) as a
client of the model's token endpoints, and PyJWT verifying what they get.

Usage: python tests/sdk/serve_sdk.py <path to the mip binary>

Every case starts `mip serve tests/sdk/serve-world.json --host H --port 0 --format json`,
puts the `export` lines it prints into the environment (and nothing else of the kind), calls
`ManagedIdentityCredential(...).get_token(...)`, stops the server with Ctrl-C (SIGINT) and
then checks three things:

1. what the SDK returned or raised (exception class and the endpoint's error text), and that
   the bytes it received have the documented wire shape (the SDKs tolerate more, e.g. a
   number where IMDS sends a string, so the suite checks that itself);
2. that it is what the model says that SDK does: the same scenario, with the code on the
   host configured as this SDK and credential, is run by `mip run` (a scripted `getToken`),
   and the endpoint's answers in that trace (statuses, in order) must equal the answers the
   live session gave the real SDK, and the scripted SDK must end with a token exactly when
   the real one did;
3. that every token verifies with PyJWT against the JWKS the server publishes (found
   through its discovery document), with the right audience, issuer and object id, and a
   lifetime that holds at the session's virtual time.

Exit status 1 on any failure. Run by scripts/test (stage 1b).
"""

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import jwt
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError, ManagedIdentityCredential

# The SDK logs each expected failure as a warning; the cases check them instead.
logging.getLogger("azure.identity").setLevel(logging.ERROR)

WORLD = os.path.join(os.path.dirname(__file__), "serve-world.json")
VAULT = "https://vault.azure.net"
SCOPE = VAULT + "/.default"
ENDPOINT_VARS = ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT",
                 "MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_SERVER_THUMBPRINT", "AZURE_CLIENT_ID",
                 "AZURE_FEDERATED_TOKEN_FILE", "MSAL_MANAGED_IDENTITY_ENDPOINT"]


class Serve:
    """A `mip serve` process: its exports, base URL and the steps it prints (JSON lines)."""

    def __init__(self, mip, host, *extra):
        self.proc = subprocess.Popen([mip, "serve", WORLD, "--host", host, "--port", "0", "--format", "json", *extra],
                                     stdout=subprocess.PIPE, text=True)
        self.exports, self.base, self.lines = {}, None, []
        for line in self.proc.stdout:
            if line.startswith("export "):
                name, value = line[len("export "):].rstrip("\n").split("=", 1)
                self.exports[name] = value
            if line.startswith("ready: "):
                self.base = line.split(" on ", 1)[1].split(" ", 1)[0]
                break
        if self.base is None:
            raise RuntimeError(f"mip serve --host {host} did not get ready")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=5) as r:
            return json.load(r)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=10)
        self.reader.join(timeout=5)
        assert code == 0, f"mip serve exited {code} on Ctrl-C"
        assert any(l.startswith("stopped: ") for l in self.lines), "no 'stopped:' line after Ctrl-C"

    def endpoint_bodies(self):
        """(endpoint label, status, body text) of every token-endpoint response, as sent."""
        out = []
        for line in self.lines:
            if line.startswith("{"):
                s = json.loads(line)
                msg = s["step"]["message"]
                if msg["type"] == "response" and not s["from"].startswith("App on"):
                    out.append((s["from"], msg["status"], msg.get("body") or ""))
        return out

    def endpoint_answers(self):
        """Statuses of the token endpoint's responses, in order, from the printed steps."""
        out = []
        for line in self.lines:
            if not line.startswith("{"):
                continue
            s = json.loads(line)
            msg = s["step"]["message"]
            if msg["type"] == "response" and not s["from"].startswith("App on"):
                out.append(msg["status"])
        return out


def model_prediction(mip, host, sdk="python", identity=None, before=(), env=None, calls=1):
    """What the model's scripted SDK does on `host`: the endpoint's statuses and whether it
    ended with a token (`mip run` of the same world plus configureApp + getToken)."""
    with open(WORLD) as f:
        sc = json.load(f)
    configure = {"action": "configureApp", "host": host, "sdk": sdk, "credential": "ManagedIdentityCredential"}
    if identity:
        configure["managedIdentity"] = identity
    if env:
        configure["env"] = env
    # `calls` credentials (each a restart of the code: an empty SDK cache) ask once each, then
    # the last asks again (its second call may come from its cache).
    ask = {"action": "getToken", "host": host, "resource": VAULT}
    sc["script"] += list(before) + [configure]
    first = len(sc["script"])
    for _ in range(calls - 1):
        sc["script"] += [ask, configure]
    sc["script"] += [ask] + ([ask] if calls > 1 else [])
    index = len(sc["script"]) - 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sc, f)
        path = f.name
    try:
        trace = json.loads(subprocess.run([mip, "run", path, "--format", "json"], check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(path)
    parts = trace["participants"]
    steps = [s for s in trace["steps"] if s["action"] >= first]
    statuses = [s["message"]["status"] for s in steps if s["message"]["type"] == "response" and parts[s["from"]]["key"].startswith("endpoint:")]
    steps = [s for s in steps if s["action"] == index]
    # A token: the last call's steps (a request and its 200, or the SDK's cache) hold no failure.
    got_token = bool(steps) and all(s["outcome"] != "failure" for s in steps)
    return statuses, got_token


def verify(server, token, expected_oid):
    """PyJWT: signature with the served JWKS (via the discovery document), audience, issuer,
    object id, and nbf <= now < exp at the session's virtual time."""
    live = server.get("/_mip/live")
    tid = live["tenantId"]
    config = server.get(f"/{tid}/.well-known/openid-configuration")
    key = jwt.PyJWKClient(config["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=VAULT, issuer=config["issuer"], options={"verify_exp": False})
    now = int(time.mktime(time.strptime(live["now"], "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone
    assert claims["nbf"] <= now < claims["exp"], f"lifetime {claims['nbf']}..{claims['exp']} does not hold at virtual {live['now']}"
    assert claims["oid"] == expected_oid, f"oid {claims['oid']}, expected {expected_oid}"
    assert claims["tid"] == tid and claims["idtyp"] == "app"
    return claims


def identities(server):
    return {i["name"]: i for i in server.get("/_mip/live")["identities"]}


def call(server, **kwargs):
    """ManagedIdentityCredential with only the server's exports in the environment."""
    for name in ENDPOINT_VARS:
        os.environ.pop(name, None)
    os.environ.update(server.exports)
    try:
        return ManagedIdentityCredential(**kwargs).get_token(SCOPE), None
    except Exception as e:  # the case decides what it expects
        return None, e


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def expect_raise(err, cls, text):
    assert err is not None, f"expected {cls.__name__}, got a token"
    assert isinstance(err, cls), f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    assert text in str(err), f"expected '{text}' in: {err}"


def check_wire(server):
    """The bytes the SDK received have the documented shape (fact sheet §1.3-1.4, §2, §3.1):
    the SDKs tolerate more (a number for expires_in, say), so the suite checks it itself.
    IMDS and HIMDS: every value a JSON string, expires_on/expires_in/not_before decimal
    digits, errors {"error", "error_description"}; App Service: expires_on an epoch string
    and no expires_in, errors {"statusCode": number, "message", "correlationId"}."""
    for who, status, body in server.endpoint_bodies():
        if status == 401 and not body:
            continue  # the Arc challenge: an empty body, the realm in WWW-Authenticate
        doc = json.loads(body)
        app_service = who.startswith("Identity endpoint")
        if status == 200:
            want = ["access_token", "expires_on", "resource", "token_type"] + ([] if app_service else ["expires_in", "not_before"])
            missing = [k for k in want if k not in doc]
            assert not missing, f"{who}: 200 body lacks {missing}: {body[:200]}"
            if app_service:
                assert "expires_in" not in doc, f"{who}: App Service sends no expires_in"
                assert isinstance(doc["expires_on"], str) and doc["expires_on"].isdigit(), f"{who}: expires_on must be an epoch string: {doc['expires_on']!r}"
            else:
                bad = {k: v for k, v in doc.items() if not isinstance(v, str)}
                assert not bad, f"{who}: IMDS sends every value as a JSON string, not {bad}"
                for k in ("expires_in", "expires_on", "not_before"):
                    assert doc[k].isdigit(), f"{who}: {k} must be decimal digits: {doc[k]!r}"
            assert doc["token_type"] == "Bearer"
        elif app_service:
            assert isinstance(doc.get("statusCode"), int) and isinstance(doc.get("message"), str) and isinstance(doc.get("correlationId"), str), f"{who}: App Service error shape: {body}"
        else:
            assert set(doc) >= {"error"} and all(isinstance(v, str) for k, v in doc.items() if k in ("error", "error_description")), f"{who}: IMDS error shape: {body}"


def compare(mip, server, host, got_token, **prediction):
    model, model_token = model_prediction(mip, host, **prediction)
    # The server prints a step after it has answered: give its lines up to 5 s to arrive.
    deadline = time.monotonic() + 5
    while len(server.endpoint_answers()) < len(model) and time.monotonic() < deadline:
        time.sleep(0.02)
    check_wire(server)
    live = server.endpoint_answers()
    assert live == model, f"the real SDK saw {live}; the model says the python SDK sees {model}"
    assert got_token == model_token, f"real SDK token: {got_token}; model: {model_token}"
    return live


@case
def vm_system_assigned(mip):
    s = Serve(mip, "vm-app")
    ids = identities(s)
    tok, err = call(s)
    assert err is None, err
    verify(s, tok.token, ids["vm-app"]["principalId"])
    s.stop()
    return compare(mip, s, "vm-app", True)


@case
def vm_user_assigned_by_client_id(mip):
    s = Serve(mip, "vm-app")
    ids = identities(s)
    tok, err = call(s, client_id=ids["id-orders"]["clientId"])
    assert err is None, err
    claims = verify(s, tok.token, ids["id-orders"]["principalId"])
    assert claims["appid"] == ids["id-orders"]["clientId"]
    s.stop()
    return compare(mip, s, "vm-app", True, identity="id-orders")


@case
def msal_directly_vm_and_its_cache(mip):
    # MSAL Python's own ManagedIdentityClient (what azure-identity wraps): a dict with the
    # token, then its cache answers the second call without a request.
    import msal
    import requests
    s = Serve(mip, "vm-app")
    ids = identities(s)
    for name in ENDPOINT_VARS:
        os.environ.pop(name, None)
    os.environ.update(s.exports)
    client = msal.ManagedIdentityClient(msal.UserAssignedManagedIdentity(client_id=ids["id-orders"]["clientId"]), http_client=requests.Session())
    first = client.acquire_token_for_client(resource=VAULT)
    assert "access_token" in first, first
    verify(s, first["access_token"], ids["id-orders"]["principalId"])
    second = client.acquire_token_for_client(resource=VAULT)
    assert second.get("token_source") == "cache" and second["access_token"] == first["access_token"], second.get("token_source")
    s.stop()
    return compare(mip, s, "vm-app", True, identity="id-orders")


@case
def vm_several_identities_no_selector(mip):
    s = Serve(mip, "vm-batch")
    tok, err = call(s)
    expect_raise(err, CredentialUnavailableError, "Multiple user assigned identities exist")
    s.stop()
    return compare(mip, s, "vm-batch", False)


@case
def vm_identity_not_assigned(mip):
    s = Serve(mip, "vm-app")
    loose = identities(s)["id-loose"]
    assert not loose["attached"]
    tok, err = call(s, client_id=loose["clientId"])
    expect_raise(err, CredentialUnavailableError, "Identity not found")
    s.stop()
    return compare(mip, s, "vm-app", False, identity="id-loose")


@case
def vm_throttled_sdk_retries(mip):
    # The SDK's own retry policy (5 retries of 429); only its back-off factor is shortened
    # so the case takes a fraction of a second instead of 24 s. The count is the SDK's.
    s = Serve(mip, "vm-busy")
    tok, err = call(s, retry_backoff_factor=0.01)
    expect_raise(err, CredentialUnavailableError, "Too many requests")
    s.stop()
    live = compare(mip, s, "vm-busy", False)
    assert live == [429] * 6, live
    return live


@case
def app_service_system_assigned(mip):
    s = Serve(mip, "func-app")
    ids = identities(s)
    tok, err = call(s)
    assert err is None, err
    verify(s, tok.token, ids["func-app"]["principalId"])
    s.stop()
    return compare(mip, s, "func-app", True)


@case
def app_service_user_assigned(mip):
    s = Serve(mip, "func-app")
    ids = identities(s)
    tok, err = call(s, client_id=ids["id-reports"]["clientId"])
    assert err is None, err
    verify(s, tok.token, ids["id-reports"]["principalId"])
    s.stop()
    return compare(mip, s, "func-app", True, identity="id-reports")


@case
def app_service_sdk_cache_on_the_wall_clock(mip):
    # App Service's answer has expires_on only (an epoch), which the SDK compares with the
    # wall clock: with the scenario's 2026 clock every token looks expired and each call asks
    # again; with --start now the second call is served from the SDK's cache.
    s = Serve(mip, "func-app", "--start", "now")
    ids = identities(s)
    cred_token, err = call(s)  # sets the environment
    assert err is None, err
    credential = ManagedIdentityCredential()
    cred_token = credential.get_token(SCOPE)
    again = credential.get_token(SCOPE)
    assert again.token == cred_token.token
    claims = verify(s, cred_token.token, ids["func-app"]["principalId"])
    assert abs(claims["exp"] - time.time() - 86400) < 600, "with --start now, exp is a day from the wall clock"
    s.stop()
    live = compare(mip, s, "func-app", True, calls=2)
    # One request for `call`'s credential, one for this credential's first call; its second
    # call is served from its cache.
    assert live == [200, 200], f"the second call should come from the SDK's cache: {live}"
    return live


@case
def app_service_unknown_client_id(mip):
    s = Serve(mip, "func-app")
    unknown = "0f0e0d0c-0b0a-4909-8807-060504030201"
    tok, err = call(s, client_id=unknown)
    expect_raise(err, CredentialUnavailableError, "Unable to load the proper Managed Identity")
    s.stop()
    return compare(mip, s, "func-app", False, identity=unknown)


@case
def app_service_stale_identity_header(mip):
    # At 200,000 virtual seconds per second, the platform's daily rotation of IDENTITY_HEADER
    # has happened by the time the SDK calls: the value exported at start is stale.
    s = Serve(mip, "func-app", "--speed", "200000")
    stale = s.exports["IDENTITY_HEADER"]
    time.sleep(0.6)
    tok, err = call(s)
    expect_raise(err, ClientAuthenticationError, "X-IDENTITY-HEADER")
    s.stop()
    return compare(mip, s, "func-app", False, before=[{"action": "advanceClock", "duration": "2d"}], env={"IDENTITY_HEADER": stale})


@case
def arc_challenge(mip):
    s = Serve(mip, "arc-srv")
    ids = identities(s)
    tok, err = call(s)
    assert err is None, err
    verify(s, tok.token, ids["arc-srv"]["principalId"])
    written = [l for l in s.lines if '"401' in l]
    assert written, "no 401 challenge in the live trace"
    s.stop()
    leftovers = [f for f in os.listdir("/var/opt/azcmagent/tokens") if f.endswith(".key")] if os.path.isdir("/var/opt/azcmagent/tokens") else []
    assert not leftovers, f"key files left behind after Ctrl-C: {leftovers}"
    live = compare(mip, s, "arc-srv", True)
    assert live == [401, 200], live
    return live


@case
def arc_user_assigned_fails_closed(mip):
    # azure-identity 1.27 / msal 1.39 send the user-assigned client_id to HIMDS (no refusal
    # before the request, unlike MSAL.NET); HIMDS answers with the machine's system-assigned
    # identity, and MSAL fails closed because its selector is not echoed back.
    s = Serve(mip, "arc-srv")
    ids = identities(s)
    tok, err = call(s, client_id=ids["id-orders"]["clientId"])
    expect_raise(err, ClientAuthenticationError, "Azure Arc did not confirm the requested user-assigned managed identity")
    s.stop()
    live = compare(mip, s, "arc-srv", False, identity="id-orders")
    assert live == [401, 200], live
    return live


def main():
    mip = os.path.abspath(sys.argv[1])
    failed = 0
    for fn in CASES:
        try:
            answers = fn(mip)
            print(f"ok   {fn.__name__}: endpoint answered {answers}, as the model predicts")
        except Exception as e:  # report every case, then fail
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
    print(f"{len(CASES) - failed}/{len(CASES)} SDK cases passed (azure-identity, msal, PyJWT against mip serve)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
