"""Every JWT in every built-in trace, verified by PyJWT (a library the model does not use).

Usage: python tests/sdk/verify_tokens.py <path to the mip binary>

For each built-in scenario, `mip run <id> --format json` gives the trace; every step's JWT is
decoded and its RS256 signature verified with PyJWT against the JWKS its issuer publishes:
`mip jwks` for Entra ID's tokens, and, for other issuers (the AKS cluster's OIDC issuer), the
JWKS the trace itself publishes in a step whose message carries a `keys` document. Lifetimes
are not checked against this machine's clock (the playground's clock is virtual): `iat`,
`nbf` and `exp` must be integers with nbf <= exp. A token that no published JWKS can verify
(its `kid` is in neither) is a failure too. Exit status 1 on any failure.
"""

import json
import subprocess
import sys

import jwt
from jwt import PyJWKSet


def run(mip, *args):
    out = subprocess.run([mip, *args], check=True, capture_output=True, text=True)
    return out.stdout


def published_jwks_in(trace):
    """JWKS documents that appear in the trace's messages (e.g. an OIDC issuer's keys)."""
    found = []
    for step in trace["steps"]:
        msg = step["message"]
        body = msg.get("body") if msg.get("type") == "response" else None
        if body is None and msg.get("type") == "internal":
            body = msg.get("detail")
        if not body or '"keys"' not in body:
            continue
        try:
            doc = json.loads(body)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
            found.append(doc)
    return found


def main():
    mip = sys.argv[1]
    entra = PyJWKSet.from_dict(json.loads(run(mip, "jwks")))
    ids = [line.split()[0] for line in run(mip, "list").splitlines() if line.strip()]
    checked, failures, unverifiable = 0, [], []
    for sid in ids:
        trace = json.loads(run(mip, "run", sid, "--format", "json"))
        sets = [entra] + [PyJWKSet.from_dict(d) for d in published_jwks_in(trace)]
        kinds = [p["kind"] for p in trace["participants"]]
        for n, step in enumerate(trace["steps"], 1):
            token = step.get("jwt")
            if not token:
                continue
            issued = kinds[step["from"]] in ("entra", "tokenEndpoint")
            if not issued:
                # Sent by the app as a scenario scripted it (replayed, tampered, forged):
                # whatever PyJWT makes of it, the trace's server answered accordingly.
                continue
            kid = jwt.get_unverified_header(token).get("kid")
            key = next((k for s in sets for k in s.keys if k.key_id == kid), None)
            if key is None:
                unverifiable.append(f"{sid} step {n}: no published JWKS has kid {kid}")
                continue
            try:
                claims = jwt.decode(token, key=key.key, algorithms=["RS256"],
                                    options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                             "verify_aud": False, "verify_iss": False})
            except jwt.InvalidTokenError as e:
                failures.append(f"{sid} step {n}: {type(e).__name__}: {e}")
                continue
            times = [claims.get(k) for k in ("iat", "nbf", "exp")]
            if not all(isinstance(t, int) for t in times) or times[1] > times[2]:
                failures.append(f"{sid} step {n}: iat/nbf/exp are not integers with nbf <= exp: {times}")
            iss = claims.get("iss", "")
            if kid == entra.keys[0].key_id and iss != f"https://sts.windows.net/{claims.get('tid')}/":
                failures.append(f"{sid} step {n}: Entra token with iss {iss!r} for tid {claims.get('tid')!r}")
            checked += 1
    print(f"PyJWT {jwt.__version__}: {checked} tokens in {len(ids)} built-in traces verified; "
          f"{len(unverifiable)} from issuers whose keys no trace publishes")
    for line in unverifiable:
        print(f"  unverifiable: {line}")
    for line in failures:
        print(f"  FAILED: {line}")
    return 1 if failures or unverifiable or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
