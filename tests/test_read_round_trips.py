"""An authenticated read is one statement: the token's session is checked by the read itself.

The token's signature and age are still checked first, in memory; a revoked or expired
session, an inactive account or a plain user on an admin route still gets its 401/403 before
a validation error, as with login_required.
"""

from datetime import timedelta

import pytest

from service.db import release_connection


class QueryLog:
    """Wraps the app's named queries and records the name of each one a request runs."""

    def __init__(self, queries, names, file_name=None):
        self.queries, self.names, self.file_name = queries, names, file_name

    def __getattr__(self, name):
        query = getattr(self.queries, name)
        if self.file_name is None:
            return QueryLog(query, self.names, name)

        def run(*args, **kwargs):
            self.names.append(f"{self.file_name}.{name}")
            return query(*args, **kwargs)

        return run


@pytest.fixture
def statements(app, monkeypatch):
    """statements(call) -> (response, names of the named queries the request ran)."""

    def run(call):
        names = []
        monkeypatch.setitem(app.extensions, "queries", QueryLog(app.extensions["queries"], names))
        try:
            response = call()
        finally:
            monkeypatch.undo()
        return response, names

    return run


@pytest.fixture
def enrolled_course(client, db, tq, user):
    course = tq.insert_test_course(db, title="Round trips", category="mobility", is_active=True)
    assert client.post(f"/api/courses/{course}/enroll", headers=user.headers).status_code == 201
    return course


READS = [
    ("user", "/auth/me", "users.get_signed_in_user"),
    ("user", "/auth/verify-token", "sessions.authenticate_session"),
    ("user", "/auth/training-profile", "profiles.get_my_training_profile"),
    ("user", "/auth/check-email-availability?email=x@example.org", "users.check_email_for_caller"),
    ("user", "/auth/active-sessions", "sessions.list_my_sessions_page"),
    ("user", "/api/progress", "progress.list_my_progress_page"),
    ("user", "/api/users/{user}", "users.get_visible_user"),
    ("user", "/api/users/{user}/progress", "progress.list_user_progress_page"),
    ("admin", "/api/users?limit=50", "users.list_users_page"),
    ("admin", "/api/users/{user}", "users.get_visible_user"),
    (None, "/api/courses?limit=50", "courses.list_courses_page"),
    (None, "/api/courses/{course}", "courses.get_course"),
]


@pytest.mark.parametrize(("who", "path", "query"), READS)
def test_a_read_route_runs_one_statement_that_checks_the_session_too(
    client, statements, admin, user, enrolled_course, who, path, query
):
    headers = {"admin": admin.headers, "user": user.headers}.get(who, {})
    url = path.format(user=user["id"], course=enrolled_course)

    response, names = statements(lambda: client.get(url, headers=headers))

    assert response.status_code == 200, response.json
    assert names == [query]


ADMIN_READS = ["/api/users"]
USER_READS = ["/api/progress", "/auth/active-sessions", "/api/users/{user}/progress", "/api/users"]


@pytest.mark.parametrize("path", USER_READS)
def test_a_revoked_token_gets_401_before_its_query_string_is_judged(client, user, path):
    url = path.format(user=user["id"]) + "?limit=0"
    assert client.post("/auth/logout", headers=user.headers).status_code == 200

    response = client.get(url, headers=user.headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/auth/me", "/auth/training-profile", "/api/progress", "/api/users/{user}"])
def test_an_expired_session_or_an_inactive_account_reads_nothing(client, db, tq, admin, user, path):
    url = path.format(user=user["id"])
    assert (
        client.put(f"/api/users/{user['id']}", json={"is_active": False}, headers=admin.headers).status_code
        == 200
    )

    response = client.get(url, headers=user.headers)

    assert response.status_code == 401
    assert "user_info" not in response.get_data(as_text=True)


def test_a_plain_user_gets_403_for_the_user_list_before_its_query_string_is_judged(client, user):
    assert client.get("/api/users?limit=0", headers=user.headers).status_code == 403
    assert client.get("/api/users?limit=5", headers=user.headers).status_code == 403


def test_a_missing_or_forged_token_is_refused_without_a_statement(client, statements, user):
    forged = user["token"][:-4] + ("AAAA" if not user["token"].endswith("AAAA") else "BBBB")
    for headers in ({}, {"Authorization": f"Bearer {forged}"}):
        response, names = statements(lambda headers=headers: client.get("/auth/me", headers=headers))
        assert response.status_code == 401
        assert names == []


def test_another_users_account_and_progress_are_404_in_one_statement(client, statements, user, other_user):
    for path in (f"/api/users/{other_user['id']}", f"/api/users/{other_user['id']}/progress"):
        response, names = statements(lambda path=path: client.get(path, headers=user.headers))
        assert response.status_code == 404
        assert len(names) == 1


def test_the_session_list_shows_the_last_seen_time_its_own_statement_wrote(client, db, tq, user):
    tq.set_sessions_last_seen(db, user_id=user["id"], seconds_ago=600)

    listed = client.get("/auth/active-sessions", headers=user.headers).json["active_sessions"][0]

    stored = next(tq.list_session_rows(db, user_id=user["id"]))["last_seen_at"]
    assert listed["current"] is True
    assert listed["last_seen_at"] == stored.isoformat()


def test_a_view_that_forgets_to_check_its_session_fails_loudly(app):
    from service.security import login_required_with_read

    @login_required_with_read
    def careless():
        return "read without a session check"

    with app.test_request_context(headers={"Authorization": "Bearer not-even-signed"}):
        with pytest.raises(Exception) as refused:  # the signature check answers first
            careless()
        assert getattr(refused.value, "code", None) == 401

    with app.test_client() as client:
        token = _login_token(client)
        with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
            try:
                with pytest.raises(RuntimeError, match="without checking"):
                    careless()
            finally:
                release_connection()


def _login_token(client):
    client.post(
        "/auth/register",
        json={
            "username": "careful",
            "password": "careful-pass-1",
            "email": "careful@example.org",
            "full_name": "Ca Re",
        },
    )
    return client.post("/auth/login", json={"username": "careful", "password": "careful-pass-1"}).json[
        "access_token"
    ]


def test_last_seen_is_kept_within_a_minute_by_reads_too(client, db, tq, user):
    tq.set_sessions_last_seen(db, user_id=user["id"], seconds_ago=300)
    stale = next(tq.list_session_rows(db, user_id=user["id"]))["last_seen_at"]

    assert client.get("/api/progress", headers=user.headers).status_code == 200

    assert next(tq.list_session_rows(db, user_id=user["id"]))["last_seen_at"] > stale + timedelta(seconds=240)
