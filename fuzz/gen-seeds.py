#!/usr/bin/python3
"""Write the fuzz seed corpora from real Flask and Flask-Login output.

Run with Debian's /usr/bin/python3 (python3-flask, python3-flask-login):
    fuzz/gen-seeds.py
Cookies are signed with the fuzz targets' key at a fixed timestamp so that
they stay valid for the targets (see fuzz_common.h).
"""
import datetime
import hashlib
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


if __name__ == "__main__":
    main()
