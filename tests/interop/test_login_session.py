"""A login made by clogin is a login to Flask-Login, and back.

The session clogin's login_user() writes ({"_fresh", "_id", "_user_id"}) is
signed with clogin-cookie and sent to a real Flask-Login 0.6.2 app with the
same secret key, client address and User-Agent: with the 0.6 identifier
format the login is accepted as fresh even under strong protection; with
the 0.7 format Flask-Login 0.6 sees another identifier (basic protection:
not fresh; strong: logged out). And a session Flask-Login wrote is read by
clogin with the 0.6 identifier it computes."""

import json

import flask
import flask_login

from conftest import assert_ok_output, run_tool, tool_decode

SECRET = "interop-login-secret"
ADDR = "127.0.0.1"
UA = "Mozilla/5.0 (X11; Linux x86_64) clogin-interop"


class User(flask_login.UserMixin):
    def __init__(self, uid):
        self.id = uid


def make_app(protection):
    app = flask.Flask("login-interop")
    app.secret_key = SECRET
    manager = flask_login.LoginManager(app)
    manager.session_protection = protection
    manager.user_loader(lambda uid: User(uid) if uid in ("1", "42") else None)

    @app.route("/whoami")
    def whoami():
        user = flask_login.current_user
        return json.dumps({"id": user.get_id() if user.is_authenticated else None,
                           "fresh": bool(flask_login.login_fresh())})

    @app.route("/login/<uid>")
    def login(uid):
        flask_login.login_user(User(uid))
        return "ok"

    return app


def identifier(fmt):
    (line,) = assert_ok_output(
        run_tool(["--identifier-format", fmt, "identifier", ADDR, UA], secret=SECRET), 1)
    return line


def c_login_cookie(fmt):
    session = {"_fresh": True, "_id": identifier(fmt), "_user_id": "42"}
    text = json.dumps(session, separators=(",", ":"), sort_keys=True)
    (cookie,) = assert_ok_output(run_tool(["sign", text], secret=SECRET), 1)
    return cookie


def whoami(app, cookie):
    client = app.test_client()
    client.set_cookie("localhost", "session", cookie)
    resp = client.get("/whoami", headers={"User-Agent": UA},
                      environ_base={"REMOTE_ADDR": ADDR})
    return json.loads(resp.data)


def test_c_login_with_06_identifier_is_a_fresh_flask_login():
    cookie = c_login_cookie("0.6")
    for protection in ("basic", "strong"):
        assert whoami(make_app(protection), cookie) == {"id": "42", "fresh": True}


def test_c_login_with_07_identifier_is_not_fresh_for_flask_login_06():
    cookie = c_login_cookie("0.7")
    assert whoami(make_app("basic"), cookie) == {"id": "42", "fresh": False}
    assert whoami(make_app("strong"), cookie) == {"id": None, "fresh": False}


def test_flask_login_session_carries_the_06_identifier():
    app = make_app("strong")
    client = app.test_client()
    resp = client.get("/login/1", headers={"User-Agent": UA}, environ_base={"REMOTE_ADDR": ADDR})
    cookie = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    decoded = tool_decode(cookie, now=None, secret=SECRET)
    session = json.loads(decoded.json)
    assert session["_user_id"] == "1" and session["_fresh"] is True
    assert session["_id"] == identifier("0.6")
