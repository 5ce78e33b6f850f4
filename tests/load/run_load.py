#!/usr/bin/python3
"""Load and soak test of clogin-demo over HTTP on loopback (issue 7).

Starts the demo on a free port of 127.0.0.1 with a new database seeded with
--seed-users, runs tests/load/load_client.c (clogin-load) against it, and
stops the demo by its pid (SIGTERM): the run fails when the client does
(5xx, wrong identity, unexpected answer, connection error, timeout, RSS
growth, descriptor growth; see load_client.c), when the demo exits
non-zero, or when it wrote a sanitizer report on stderr.

    /usr/bin/python3 tests/load/run_load.py --demo PATH-TO-clogin-demo \\
        [--client PATH-TO-clogin-load] [--store cookie|memory|sqlite|redis ...]
        [--users 3000] [--conns 128] [--warmup 10] [--seconds 40]
        [--max-rss-growth-kib 4096] [--max-rss-growth-pct 10]

--demo defaults to $CLOGIN_DEMO. Without --client the client is compiled
from load_client.c with cc into a temporary directory. Each --store is one
run, one after the other (default: cookie). With the memory store the demo
gets CLOGIN_SESSION_STORE_MAX_ENTRIES=2000: visits that drop their session
cookie (to force a remember restore) leave their record behind, as a
browser that loses its cookie does, and the store keeps such records until
they expire or the bound drops them; with the bound reached during the
warm-up, RSS must then stay flat. With redis, a redis-server of the run's
own on a free port (nothing persisted), stopped by its pid.

A demo built with AddressSanitizer runs with a 32 MiB quarantine
(ASAN_OPTIONS quarantine_size_mb=32) so that its RSS settles during the
warm-up; the leak check at exit still runs.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "load-test-secret-key-0123456789abcdef"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:", "ThreadSanitizer")
STOP_TIMEOUT = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_asan(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


class Proc:
    """A child whose output is collected by threads; stopped by its pid."""

    def __init__(self, argv, env=None, cwd=None):
        self.argv = argv
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace"))
        self.proc.stdout.close()

    def text(self):
        with self.lock:
            return "".join(self.lines)

    def wait_for(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.argv[0]} did not start:\n{self.text()}")

    def stop(self):
        """SIGTERM by pid, SIGKILL after STOP_TIMEOUT; the exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.reader.join(5)
        return self.proc.returncode


def build_client(tmp):
    out = os.path.join(tmp, "clogin-load")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-o", out,
                    os.path.join(HERE, "load_client.c")], check=True)
    return out


def one_run(args, client, store, tmp):
    """One demo, one client run; a list of problems (empty when it passed)."""
    work = os.path.join(tmp, store)
    os.makedirs(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOGIN_")}
    env["CLOGIN_SECRET_KEY"] = SECRET
    if is_asan(args.demo):
        env["ASAN_OPTIONS"] = ":".join(filter(None, [
            os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=32", "detect_leaks=1"]))
    argv = [args.demo, "--port", "0", "--db", os.path.join(work, "users.db"),
            "--seed-users", str(args.users)]
    redis = None
    if store == "memory":
        argv += ["--session-store", "memory"]
        env["CLOGIN_SESSION_STORE_MAX_ENTRIES"] = "2000"
    elif store == "sqlite":
        argv += ["--session-store", "sqlite:" + os.path.join(work, "sessions.db")]
    elif store == "redis":
        port = free_port()
        redis = Proc(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no", "--dir", work], cwd=work)
        redis.wait_for(r"Ready to accept connections")
        argv += ["--session-store", f"redis://127.0.0.1:{port}/0"]
    elif store != "cookie":
        raise ValueError(store)

    problems = []
    print(f"run_load: --- {store} sessions: {' '.join(argv[1:])}", flush=True)
    demo = Proc(argv, env=env, cwd=work)
    try:
        port = int(demo.wait_for(r"serving http://127\.0\.0\.1:([0-9]+)/").group(1))
        cmd = [client, "--port", str(port), "--pid", str(demo.proc.pid),
               "--users", str(args.users), "--conns", str(args.conns),
               "--warmup", str(args.warmup), "--seconds", str(args.seconds),
               "--max-rss-growth-kib", str(args.max_rss_growth_kib),
               "--max-rss-growth-pct", str(args.max_rss_growth_pct)]
        budget = args.warmup + args.seconds + 60
        try:
            r = subprocess.run(cmd, timeout=budget, stdin=subprocess.DEVNULL)
            if r.returncode != 0:
                problems.append(f"clogin-load failed (exit {r.returncode})")
        except subprocess.TimeoutExpired:
            problems.append(f"clogin-load did not finish in {budget} s")
        if demo.proc.poll() is not None:
            problems.append(f"the demo died during the run (exit {demo.proc.returncode})")
    finally:
        rc = demo.stop()
        if redis:
            redis.stop()
    out = demo.text()
    if rc != 0:
        problems.append(f"the demo exited with status {rc} on SIGTERM")
    if any(m in out for m in SANITIZER_MARKERS):
        problems.append("a sanitizer reported an error")
    errors = [l for l in out.splitlines() if "error" in l.lower()]
    if errors:
        problems.append(f"the demo logged {len(errors)} error lines")
    if problems:
        tail = "".join(out.splitlines(True)[-40:])
        print(f"run_load: demo output (last lines):\n{tail}", flush=True)
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--demo", default=os.environ.get("CLOGIN_DEMO"))
    p.add_argument("--client")
    p.add_argument("--store", action="append", choices=("cookie", "memory", "sqlite", "redis"))
    p.add_argument("--users", type=int, default=3000)
    p.add_argument("--conns", type=int, default=128)
    p.add_argument("--warmup", type=float, default=10)
    p.add_argument("--seconds", type=float, default=40)
    p.add_argument("--max-rss-growth-kib", type=int, default=4096)
    p.add_argument("--max-rss-growth-pct", type=float, default=10)
    args = p.parse_args()
    if not args.demo or not os.path.isabs(args.demo) or not os.access(args.demo, os.X_OK):
        p.error("--demo (or CLOGIN_DEMO) must be the absolute path of clogin-demo")
    stores = args.store or ["cookie"]
    tmp = tempfile.mkdtemp(prefix="clogin-load.")
    try:
        client = args.client or build_client(tmp)
        failed = []
        for store in stores:
            problems = one_run(args, client, store, tmp)
            for pr in problems:
                print(f"run_load: FAIL ({store}): {pr}", flush=True)
            if problems:
                failed.append(store)
            else:
                print(f"run_load: ok ({store})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
