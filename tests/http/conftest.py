"""Fixtures for the HTTP tests of clogin-demo and its Flask reference.

Servers run as subprocesses on 127.0.0.1 with --port 0 (the port is read
from their "serving http://127.0.0.1:N/" line) and a database in a
temporary directory:

- the C demo is the executable named by CLOGIN_DEMO (an absolute path,
  built with AddressSanitizer); without it every test fails, none skips;
- the Flask reference is tests/http/flask_app.py under /usr/bin/python3.

A server is stopped by its pid (SIGTERM, then SIGKILL after 15 s). The
test that owns it fails if it exited non-zero, was killed, or wrote a
sanitizer report or a Python traceback on stderr.

`site` runs a test against both ("c" and "flask") with the default
configuration; those servers are shared by the tests of a session, which
only ever log in as alice with fresh cookie jars and never change the
database. A test that needs its own configuration or changes a password
starts its own server with `start_site(kind, env=...)`.

The demo gives its users a session auth hash (their password hash), which
Flask-Login knows nothing of: a session cookie forged with the secret but
without `_auth_hash` is no login, and its remember cookies are not
Flask-Login's. `compat_site` is `site` with the demo started with
`--no-auth-hash`, for the tests of what sharing a secret with Flask-Login
means.

Session stores (test_stores.py): `store` is each server-side store in turn
("memory", "sqlite", "redis") and `store_args(store, tmp)` the demo's
--session-store arguments for it; `redis_server` is one Redis shared by a
session's tests (each test's demo seeds its own database, so alice's id,
and so her sessions, differ from test to test), `start_redis()` a Redis of
a test's own, to kill or pause. Each Redis runs on a free port of
127.0.0.1, persists nothing, and is stopped by its pid.
"""

import os

import pytest

from clogin_http import KINDS, SECRET, RedisServer, demo_path, start_server

STORES = ("memory", "sqlite", "redis")


@pytest.fixture(scope="session")
def c_server(tmp_path_factory):
    demo_path()
    s = start_server("c", str(tmp_path_factory.mktemp("c-default")))
    yield s
    s.stop_checked()


@pytest.fixture(scope="session")
def flask_server(tmp_path_factory):
    s = start_server("flask", str(tmp_path_factory.mktemp("flask-default")))
    yield s
    s.stop_checked()


@pytest.fixture(params=KINDS)
def site(request):
    """The default-configuration server of each kind; the test fails if the
    server died during it."""
    if request.param == "c":
        demo_path()
    server = request.getfixturevalue(f"{request.param}_server")
    assert server.alive(), f"{server.kind} server is not running:\n{server.output()}"
    yield server
    if not server.alive():
        pytest.fail(f"the {server.kind} server died during this test (exit "
                    f"{server.proc.returncode})\n{server.output()}", pytrace=False)


@pytest.fixture(scope="session")
def c_compat_server(tmp_path_factory):
    demo_path()
    s = start_server("c", str(tmp_path_factory.mktemp("c-compat")),
                     argv_extra=["--no-auth-hash"])
    yield s
    s.stop_checked()


@pytest.fixture(params=KINDS)
def compat_site(request):
    """As `site`, with the C demo's cookies exactly Flask-Login's
    (--no-auth-hash)."""
    name = "c_compat_server" if request.param == "c" else "flask_server"
    if request.param == "c":
        demo_path()
    server = request.getfixturevalue(name)
    assert server.alive(), f"{server.kind} server is not running:\n{server.output()}"
    yield server
    if not server.alive():
        pytest.fail(f"the {server.kind} server died during this test (exit "
                    f"{server.proc.returncode})\n{server.output()}", pytrace=False)


@pytest.fixture(params=KINDS)
def kind(request):
    """For tests that start their own servers: "c" or "flask"."""
    if request.param == "c":
        demo_path()
    return request.param


@pytest.fixture
def start_site(tmp_path):
    """start_site(kind, env=None, secret=SECRET, db=None): a server of its
    own for this test, stopped (and checked) at teardown."""
    servers = []
    count = [0]

    def start(kind, env=None, secret=SECRET, db=None, argv_extra=()):
        count[0] += 1
        s = start_server(kind, str(tmp_path / f"{kind}-{count[0]}"), env=env,
                         secret=secret, db=db, argv_extra=argv_extra)
        servers.append(s)
        return s

    yield start
    problems = []
    for s in servers:
        problems += [f"{s.kind} server: {p}\n{s.output()}" for p in s.stop()]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------
# Session stores
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    r = RedisServer(str(tmp_path_factory.mktemp("redis-shared")))
    yield r
    r.stop()


@pytest.fixture
def start_redis(tmp_path):
    """start_redis(): a Redis of this test's own (RedisServer), stopped at
    teardown, resumed first if the test left it paused."""
    servers = []

    def start():
        r = RedisServer(str(tmp_path / f"redis-{len(servers) + 1}"))
        servers.append(r)
        return r

    yield start
    for r in servers:
        r.stop()


@pytest.fixture(params=STORES)
def store(request):
    """Each server-side store in turn: "memory", "sqlite" or "redis"."""
    demo_path()
    return request.param


@pytest.fixture
def store_args(request, tmp_path):
    """store_args(store): the demo's --session-store arguments for a store;
    sqlite is a file of this test's directory, redis the shared server."""
    def args(name):
        if name == "memory":
            return ["--session-store", "memory"]
        if name == "sqlite":
            return ["--session-store", "sqlite:" + os.path.join(tmp_path, "sessions.db")]
        if name == "redis":
            return ["--session-store", request.getfixturevalue("redis_server").url(0)]
        raise ValueError(name)
    return args
