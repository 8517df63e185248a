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
        return status_line(s) if read else ""


def status_line(s):
    """The first line the server sends on socket `s` ('' when it closes silently)."""
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


def endless(port, head, chunk, total):
    """Sends `head`, then `chunk` over and over (up to `total` bytes) while the server reads;
    returns (status line or '' when closed, bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(head)
            while sent < total:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # closed or reset by the server: it stopped reading
        return status_line(s), sent


def memory(pid):
    """(current, peak) resident memory of a process in KiB, from /proc/<pid>/status."""
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


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

    # Endless headers: every read is bounded, so the server answers 431 (or closes) after
    # 16 KiB and its memory stays small, however much the client sends (tiny_http read a
    # header line with no limit: an endless line grew the server until it died).
    head = b"GET " + TOKEN.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nMetadata: true\r\n" % port
    attacks = {
        "an endless header line (up to 96 MiB, no CRLF)": (head + b"X-Endless: ", b"a" * 65536, 96 << 20),
        "1 MiB header line without CRLF": (head + b"X-Long: ", b"a" * (1 << 20), 1 << 20),
        "100 KiB of headers (many lines)": (head, b"".join(b"X-H%04d: %s\r\n" % (i, b"v" * 43) for i in range(2000)), 1),
    }
    for name, (start_bytes, chunk, total) in attacks.items():
        line, sent = endless(port, start_bytes, chunk, total)
        check(f"endless: {name}: 431 or closed", line == "" or line.startswith("HTTP/1.1 431 "), f"{line or '(connection closed)'} after {sent >> 10} KiB sent")
        rss, peak = memory(proc.pid)
        check(f"  ...server memory stays under 64 MiB", peak < 64 << 10, f"RSS {rss >> 10} MiB, peak {peak >> 10} MiB")
        check(f"  ...a correct token after {name}", token(base)[0] in (200, 429))
    # A connection that opens and says nothing is closed (the 5 s deadline), not kept forever.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        t0 = time.time()
        try:
            closed = s.recv(1) == b""
        except OSError:
            closed = True
        check("a silent connection is closed within the deadline", closed and time.time() - t0 < 8, f"{time.time() - t0:.1f} s")

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
