#!/usr/bin/python3
"""Write the fuzz seed corpora from real Flask and Flask-Login output.

Run with Debian's /usr/bin/python3 (python3-flask, python3-flask-login):
    fuzz/gen-seeds.py
Cookies are signed with the fuzz targets' key at a fixed timestamp so that
they stay valid for the targets (see fuzz_common.h).
"""
import base64
import datetime
import hashlib
import hmac
import os
import uuid
import zlib
from unittest import mock

import flask
import itsdangerous
from flask_login import utils as login_utils
from markupsafe import Markup

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "fuzz-secret"
TIMESTAMP = 1764366000

SESSIONS = [
    {},
    {"a": 1},
    {"_fresh": True, "_id": hashlib.sha512(b"x").hexdigest(), "_user_id": "1"},
    {"_fresh": False, "_id": "0" * 128, "_user_id": "42", "_remember": "set",
     "_remember_seconds": 3600.0, "_permanent": True},
    {"_remember": "clear"},
    {"_flashes": [("message", "Please log in to access this page."),
                  ("info", "caf\u00e9 \U0001F600")]},
    {"t": (1, "x", (2.5, None)), "b": b"\x00\xff", "m": Markup("<b>hi</b>"),
     "u": uuid.UUID(int=0x1234), "d": datetime.datetime(2030, 1, 2, 3, 4, 5,
                                                        tzinfo=datetime.timezone.utc),
     "di": {" t": "x"}, "nested": {"l": [1, -2, 3.25, 1e100, True, {}]}},
    {"next": "/protected?x=1&y=%2F", "csrf": "a" * 40},
    {"big": "".join(chr(33 + (i * 7) % 90) for i in range(1500))},
]


# fuzz_store_request plants these ids for user 42 (docs/stores.md: a token
# is ID "." base64url(HMAC-SHA256(HMAC-SHA256(secret, "clogin." purpose), ID))).
STORE_SESSION_ID = "c2Vzc2lvbi1mb3ItdGhlLWZ1enplci0wMDAwMDAwMDA"
STORE_REMEMBER_ID = "cmVtZW1iZXItZm9yLXRoZS1mdXp6ZXItMDAwMDAwMDA"


def store_token(purpose, ident):
    key = hmac.new(SECRET.encode(), b"clogin." + purpose, hashlib.sha256).digest()
    tag = hmac.new(key, ident.encode(), hashlib.sha256).digest()
    return ident + "." + base64.urlsafe_b64encode(tag).rstrip(b"=").decode()


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    app = flask.Flask("seeds")
    app.secret_key = SECRET
    with app.test_request_context():
        serializer = app.session_interface.get_signing_serializer(app)
        with mock.patch.object(itsdangerous.TimestampSigner, "get_timestamp",
                               lambda self: TIMESTAMP):
            for i, session in enumerate(SESSIONS):
                cookie = serializer.dumps(session).encode()
                write(os.path.join(HERE, "corpus", "session_cookie"), f"flask-{i}", cookie)
                raw = app.session_interface.serializer.dumps(session).encode()
                write(os.path.join(HERE, "corpus", "session_payload"), f"json-{i}", b"\x00" + raw)
                write(os.path.join(HERE, "corpus", "session_payload"), f"zlib-{i}",
                      b"\x01" + zlib.compress(raw))
        for i, user_id in enumerate(["1", "42", "user@example.com", "a|b", "\u00e9"]):
            write(os.path.join(HERE, "corpus", "remember"), f"flask-login-{i}",
                  login_utils.encode_cookie(user_id).encode())
    session = "session=" + store_token(b"session-id", STORE_SESSION_ID)
    remember = "remember_token=" + store_token(b"remember-token", STORE_REMEMBER_ID)
    store = os.path.join(HERE, "corpus", "store_request")
    write(store, "session", session.encode())
    write(store, "remember", remember.encode())
    write(store, "both", f"theme=dark; {session}; {remember}".encode())
    write(store, "flask", b"session=eyJfdXNlcl9pZCI6IjQyIn0.ZVPxAA.abc")


if __name__ == "__main__":
    main()
