"""`mip serve` under hostile input: it binds loopback only, answers garbage, oversized and
flooding requests with the documented error or a 4xx, keeps answering correctly, and stops
cleanly on Ctrl-C.

Usage: python tests/sdk/serve_robust.py <path to the mip binary>     (exit status 1 on failure)
"""

import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

WORLD = os.path.join(os.path.dirname(__file__), "serve-world.json")
TOKEN = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"


def start(mip):
    proc = subprocess.Popen([mip, "serve", WORLD, "--host", "vm-app", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        if line.startswith("ready: "):
            base = line.split(" on ", 1)[1].split(" ", 1)[0]
            # Keep reading what it prints (every step), as a terminal would.
            proc.lines = []
            proc.reader = threading.Thread(target=lambda: proc.lines.extend(proc.stdout), daemon=True)
            proc.reader.start()
            return proc, base
    raise RuntimeError("mip serve did not get ready")


def raw(port, data, read=True):
    """Sends bytes on a fresh connection; returns the status line ('' when closed silently)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close early on an oversized request: that is an answer too
        if not read:
            return ""
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
    return buf.split(b"\r\n", 1)[0].decode("latin-1")


def token(base, headers=None):
    req = urllib.request.Request(base + TOKEN, headers={"Metadata": "true", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    mip = os.path.abspath(sys.argv[1])
    proc, base = start(mip)
    port = int(base.rsplit(":", 1)[1])
    failures = []

    def check(what, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + what + (f": {detail}" if detail else ""))
        if not ok:
            failures.append(what)

    status, body = token(base)
    check("a token before the attack", status == 200 and isinstance(body.get("expires_in"), str), f"{status}")

    # Loopback only: the kernel's table of listening sockets has the port on 127.0.0.1 only.
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for row in open(table).read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    listening.append(local.rsplit(":", 1)[0])
    check("listens on 127.0.0.1 only", listening == ["0100007F"], f"{listening}")
    # ...and nothing answers on the machine's other addresses.
    others = {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for addr in others:
        try:
            socket.create_connection((addr, port), timeout=2).close()
            check(f"not listening on {addr}", False, "connected")
        except OSError:
            check(f"not listening on {addr}", True)

    garbage = {
        "random bytes": os.urandom(2048),
        "not HTTP": b"HELLO THERE\r\n\r\n",
        "bad request line": b"GET\r\n\r\n",
        "bad version": b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        "header without colon": b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
        "non-ASCII header": "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX: \u00e9\u00e9\r\n\r\n".encode("utf-8") % port,
        "oversized header (64 KB)": b"GET " + TOKEN.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nMetadata: true\r\nX-Big: " % port + b"a" * 65536 + b"\r\n\r\n",
        "oversized body (declared 1 GB)": b"POST /metadata/identity/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 1000000000\r\n\r\n" % port + b"x" * 1024,
        "oversized chunked body": b"POST /metadata/identity/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nTransfer-Encoding: chunked\r\n\r\n" % port + (b"4000\r\n" + b"y" * 0x4000 + b"\r\n") * 3 + b"0\r\n\r\n",
        "foreign Host (DNS rebinding)": b"GET " + TOKEN.encode() + b" HTTP/1.1\r\nHost: evil.example\r\nMetadata: true\r\n\r\n",
        "unknown method": b"BREW " + TOKEN.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nMetadata: true\r\n\r\n" % port,
        "path traversal": b"GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port,
        "placeholder in a header": b"GET " + TOKEN.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nMetadata: $IDENTITY_HEADER\r\n\r\n" % port,
    }
    for name, data in garbage.items():
        line = raw(port, data)
        code = line.split(" ")[1] if line.startswith("HTTP/1.") and " " in line else ""
        ok = line == "" or (code.isdigit() and 400 <= int(code) < 500)
        check(f"garbage: {name}", ok, line or "(connection closed)")
        check(f"  ...server still answers after {name}", token(base)[0] in (200, 429))

    # A connection that sends half a request and goes away.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metadata/identity/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1")
    s.close()

    # A burst of 1,000 real token requests from 50 threads.
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda _: token(base)[0], range(1000)))
    counts = {c: results.count(c) for c in sorted(set(results))}
    check("burst of 1,000: every request answered 200 or IMDS's 429", set(counts) <= {200, 429} and len(results) == 1000, f"{counts} in {time.time() - started:.1f} s")
    check("burst of 1,000: IMDS's limit (20 requests/s) applied", counts.get(429, 0) > 0, f"{counts}")
    time.sleep(1.2)  # the next virtual second: the limit's window has moved on
    status, body = token(base)
    check("a correct token after the burst", status == 200 and body.get("token_type") == "Bearer", f"{status}")
    status, body = token(base, {"X-Forwarded-For": "10.0.0.1"})
    check("IMDS's documented refusal still applies", status == 400 and body.get("error") == "invalid_request", f"{status} {body}")
    check("server process alive", proc.poll() is None)

    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "timeout"
    proc.reader.join(timeout=5)
    rest = "".join(proc.lines)
    check("Ctrl-C stops it cleanly", code == 0 and "stopped: " in rest, f"exit {code}")
    print(f"{'FAILED' if failures else 'passed'}: mip serve robustness ({len(failures)} failure(s))")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
