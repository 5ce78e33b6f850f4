"""POST /settings/password: a new password and a new alternative id end
every other session and remember cookie of the user. Each test has its own
servers, since it changes the database."""

from clogin_http import ANONYMOUS, decode_session, set_cookie

FRESH_REMEMBERED = {"authenticated": True, "id": "1", "fresh": True, "remembered": True}


def test_password_change_ends_other_sessions(kind, start_site):
    site = start_site(kind)
    old_alt = site.alt_id("alice")
    me, other, other_remembered = site.client(), site.client(), site.client()
    me.login(remember=True)
    other.login()
    other_remembered.login(remember=True)
    stolen = other_remembered.cookie("remember_token")
    assert other.whoami()["authenticated"] is True

    r = me.post("/settings/password", {"current": "wonderland", "new": "looking-glass"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    new_alt = site.alt_id("alice")
    assert new_alt != old_alt
    # This browser goes on, fresh, under the new id, and stays remembered.
    assert decode_session(set_cookie(r, "session")["value"])["_user_id"] == new_alt
    rc = set_cookie(r, "remember_token")
    assert rc and rc["value"].startswith(new_alt + "|")
    assert me.whoami() == FRESH_REMEMBERED
    assert me.get("/fresh").status_code == 200
    me.drop_cookie("session")
    assert me.whoami()["authenticated"] is True, "the new remember cookie works"

    # Every other session is over, and so is every other remember cookie.
    # (Logged out first; the exact anonymous answer of /whoami last.)
    thief = site.client()
    thief.cookies.set("remember_token", stolen)
    answers = {}
    for name, c in (("other", other), ("other_remembered", other_remembered),
                    ("thief", thief)):
        w = c.whoami()
        assert (w["authenticated"], w["id"]) == (False, None), (name, w)
        assert c.get("/protected").status_code == 302, name
        answers[name] = c.whoami()
    other_remembered.drop_cookie("session")
    w = other_remembered.whoami()
    assert (w["authenticated"], w["id"]) == (False, None)
    answers["other_remembered without session"] = w

    # The old password is gone, the new one works.
    site.client().login(password="wonderland", expect=401)
    c = site.client()
    c.login(password="looking-glass")
    assert c.whoami()["authenticated"] is True

    # Contract: /whoami for an anonymous request is all false.
    assert answers == {k: ANONYMOUS for k in answers}


def test_password_change_without_remember(kind, start_site):
    site = start_site(kind)
    me = site.client()
    me.login()
    r = me.post("/settings/password", {"current": "wonderland", "new": "x1"})
    assert r.status_code == 302
    assert set_cookie(r, "remember_token") is None
    assert me.whoami() == {"authenticated": True, "id": "1", "fresh": True,
                           "remembered": False}


def test_password_change_refusals(kind, start_site):
    site = start_site(kind)
    alt = site.alt_id("alice")
    me = site.client()
    me.login()
    r = me.post("/settings/password", {"current": "wrong", "new": "x"})
    assert r.status_code == 401
    r = me.post("/settings/password", {"new": "x"})
    assert r.status_code == 401
    r = me.post("/settings/password", {"current": "wonderland", "new": ""})
    assert r.status_code == 400
    r = me.post("/settings/password", {"current": "wonderland"})
    assert r.status_code == 400
    assert site.alt_id("alice") == alt, "nothing changed"
    assert me.whoami()["authenticated"] is True
    site.client().login()
    # A GET is not allowed.
    assert me.get("/settings/password").status_code == 405
    # Stale logins must re-authenticate first.
    me.login(remember=True)
    me.drop_cookie("session")
    r = me.post("/settings/password", {"current": "wonderland", "new": "x"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/reauth?next=%2Fsettings%2Fpassword"
    assert site.alt_id("alice") == alt
    # API keys are not fresh either.
    r = site.client().post("/settings/password?api_key=alice-api-key",
                           {"current": "wonderland", "new": "x"})
    assert r.status_code == 302
    assert site.alt_id("alice") == alt
