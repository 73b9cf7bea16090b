"""Who may call what: every route of the app, times every kind of caller → the expected status.

MATRIX below is the whole rule book, one row per route (as the URL map spells it). A route in
the URL map without a row fails test_every_route_in_the_url_map_has_a_row, so a new route cannot
ship without a rule. A row whose route is not in the URL map (yet) is skipped, not failed.

Callers (columns):
  anon         no Authorization header
  user         a plain account that does not own the resource in the path
  owner        the plain account that owns the resource in the path (its id, its session, its
               enrolment); for routes without a resource, just another plain account
  other        a second plain account, with resources of its own, that does not own the path's
  admin        an admin (who owns nothing in the path)
  expired      a token whose session has expired
  logged_out   a token whose session was ended by POST /auth/logout
  tampered     the owner's token with one character of its signature changed
  deactivated  the token of an account deactivated after it signed in
  foreign_key  the owner's token secret signed with a key the service does not know
"""

import hashlib
from functools import cached_property

import pytest
from itsdangerous import URLSafeTimedSerializer

from service.security import TOKEN_SALT, token_secret

IDENTITIES = (
    "anon",
    "user",
    "owner",
    "other",
    "admin",
    "expired",
    "logged_out",
    "tampered",
    "deactivated",
    "foreign_key",
)

# Routes that serve documentation or files, not the API: no rule needed.
EXCLUDED = {
    "GET /static/<path:filename>": "Flask's static files (the service ships none)",
    "GET /openapi.json": "the OpenAPI document: public by design",
    "GET /docs": "Swagger UI: public by design",
    "GET /docs/assets/<path:filename>": "Swagger UI's files: public by design",
    "GET /metrics": "Prometheus text for the operators' scraper: METRICS_TOKEN decides, never a user's token "
    "(tests/test_metrics.py)",
}

# fmt: off
MATRIX = {
    #                                                  anon user owner other admin  exp  out  tamp deact fkey
    "GET /ping":                                      (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "GET /health":                                    (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "GET /health/live":                               (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "GET /health/ready":                              (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    # sign-in: public routes ignore whatever token is sent
    "POST /auth/register":                            (201, 201, 201, 201, 201,    201, 201, 201, 201, 201),
    "POST /auth/login":                               (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "GET /auth/check-availability":                   (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    # the caller's own account and sessions
    "POST /auth/logout":                              (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "POST /auth/logout-all":                          (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "POST /auth/refresh":                             (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "GET /auth/me":                                   (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "GET /auth/verify-token":                         (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "GET /auth/check-email-availability":             (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "PUT /auth/profile":                              (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "PUT /auth/change-password":                      (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "GET /auth/training-profile":                     (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "PUT /auth/training-profile":                     (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "GET /auth/active-sessions":                      (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    "DELETE /auth/active-sessions/<int:session_id>":  (401, 404, 200, 404, 404,    401, 401, 401, 401, 401),
    # user management: another user's account is a 404 (its existence does not leak)
    "GET /api/users":                                 (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "POST /api/users":                                (401, 403, 403, 403, 201,    401, 401, 401, 401, 401),
    "GET /api/users/<int:user_id>":                   (401, 404, 200, 404, 200,    401, 401, 401, 401, 401),
    "PUT /api/users/<int:user_id>":                   (401, 404, 200, 404, 200,    401, 401, 401, 401, 401),
    "DELETE /api/users/<int:user_id>":                (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "GET /api/users/<int:user_id>/progress":          (401, 404, 200, 404, 200,    401, 401, 401, 401, 401),
    # courses: browsing is public; the catalogue is the admins'; enrolments are the caller's own
    "GET /api/courses":                               (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "GET /api/courses/<int:course_id>":               (200, 200, 200, 200, 200,    200, 200, 200, 200, 200),
    "POST /api/courses":                              (401, 403, 403, 403, 201,    401, 401, 401, 401, 401),
    "PUT /api/courses/<int:course_id>":               (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "DELETE /api/courses/<int:course_id>":            (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "POST /api/courses/<int:course_id>/enroll":       (401, 201, 200, 201, 201,    401, 401, 401, 401, 401),
    "DELETE /api/courses/<int:course_id>/enroll":     (401, 404, 200, 404, 404,    401, 401, 401, 401, 401),
    "PUT /api/courses/<int:course_id>/progress":      (401, 404, 200, 404, 404,    401, 401, 401, 401, 401),
    "GET /api/progress":                              (401, 200, 200, 200, 200,    401, 401, 401, 401, 401),
    # administration: 401 without a valid token, 403 for anyone but an admin
    "GET /admin/stats":                               (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "GET /admin/users":                               (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "GET /admin/users/<int:user_id>":                 (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "GET /admin/users/export":                        (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "GET /admin/activity":                            (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "DELETE /admin/users/<int:user_id>":              (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "DELETE /admin/users/<int:user_id>/sessions":     (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
    "POST /admin/cleanup-sessions":                   (401, 403, 403, 403, 200,    401, 401, 401, 401, 401),
}
# fmt: on

PASSWORD = "correct-horse-1"  # make_account's default: every account here has it
UNKNOWN_KEY = "a-key-this-service-has-never-used-" + "k" * 16


class World:
    """The accounts and resources one cell of the matrix needs, created on first use."""

    def __init__(self, app, client, db, tq, make_account):
        self.app, self.client, self.db, self.tq, self.make_account = app, client, db, tq, make_account

    @cached_property
    def owner(self):
        return self.make_account("owner")

    @cached_property
    def user(self):
        return self.make_account("plain")

    @cached_property
    def other(self):
        other = self.make_account("other")
        response = self.client.post(f"/api/courses/{self.other_course_id}/enroll", headers=other.headers)
        assert response.status_code == 201, response.json
        return other

    @cached_property
    def admin(self):
        return self.make_account("chief", is_admin=True)

    @cached_property
    def course_id(self):
        """A course the owner is enrolled in."""
        course_id = self.tq.insert_test_course(
            self.db, title="Matrix Course", category="core", is_active=True
        )
        response = self.client.post(f"/api/courses/{course_id}/enroll", headers=self.owner.headers)
        assert response.status_code == 201, response.json
        return course_id

    @cached_property
    def other_course_id(self):
        return self.tq.insert_test_course(self.db, title="Other Course", category="core", is_active=True)

    @property
    def owner_session_id(self):
        return next(iter(self.tq.list_session_rows(self.db, user_id=self.owner["id"])))["id"]

    def headers(self, identity):
        if identity == "anon":
            return {}
        if identity in ("user", "owner", "other", "admin"):
            return getattr(self, identity).headers
        if identity == "expired":
            account = self.make_account("expiring")
            self.tq.expire_user_sessions(self.db, user_id=account["id"])
            return account.headers
        if identity == "logged_out":
            account = self.make_account("leaver")
            assert self.client.post("/auth/logout", headers=account.headers).status_code == 200
            return account.headers
        if identity == "deactivated":
            account = self.make_account("dormant")
            self.tq.set_user_active(self.db, id=account["id"], is_active=False)
            return account.headers
        if identity == "tampered":
            payload, timestamp, signature = self.owner["token"].split(".")
            changed = ("B" if signature[0] == "A" else "A") + signature[1:]
            return {"Authorization": f"Bearer {payload}.{timestamp}.{changed}"}
        if identity == "foreign_key":
            with self.app.app_context():
                secret = token_secret(self.owner["token"])
            foreign = URLSafeTimedSerializer(
                UNKNOWN_KEY, salt=TOKEN_SALT, signer_kwargs={"digest_method": hashlib.sha256}
            ).dumps(secret)
            return {"Authorization": f"Bearer {foreign}"}
        raise ValueError(identity)


# What each route is called with: (path, JSON body or None). Paths point at the owner's resources.
REQUESTS = {
    "POST /auth/register": lambda w: (
        "/auth/register",
        {
            "username": "newcomer",
            "password": PASSWORD,
            "email": "newcomer@example.org",
            "full_name": "New Comer",
        },
    ),
    "POST /auth/login": lambda w: ("/auth/login", {"username": w.owner["username"], "password": PASSWORD}),
    "GET /auth/check-availability": lambda w: ("/auth/check-availability?username=someone", None),
    "GET /auth/check-email-availability": lambda w: (
        "/auth/check-email-availability?email=x@example.org",
        None,
    ),
    "PUT /auth/profile": lambda w: ("/auth/profile", {"full_name": "Renamed Person"}),
    "PUT /auth/change-password": lambda w: (
        "/auth/change-password",
        {"current_password": PASSWORD, "new_password": "another-passphrase-9"},
    ),
    "PUT /auth/training-profile": lambda w: ("/auth/training-profile", {"age": 30}),
    "DELETE /auth/active-sessions/<int:session_id>": lambda w: (
        f"/auth/active-sessions/{w.owner_session_id}",
        None,
    ),
    "POST /api/users": lambda w: (
        "/api/users",
        {
            "username": "created",
            "password": PASSWORD,
            "email": "created@example.org",
            "full_name": "Cre Ated",
        },
    ),
    "GET /api/users/<int:user_id>": lambda w: (f"/api/users/{w.owner['id']}", None),
    "PUT /api/users/<int:user_id>": lambda w: (f"/api/users/{w.owner['id']}", {"full_name": "Renamed Owner"}),
    "DELETE /api/users/<int:user_id>": lambda w: (f"/api/users/{w.owner['id']}", None),
    "GET /api/users/<int:user_id>/progress": lambda w: (f"/api/users/{w.owner['id']}/progress", None),
    "GET /api/courses/<int:course_id>": lambda w: (f"/api/courses/{w.course_id}", None),
    "POST /api/courses": lambda w: (
        "/api/courses",
        {"title": "New Course", "duration_minutes": 30, "difficulty_level": "beginner", "category": "core"},
    ),
    "PUT /api/courses/<int:course_id>": lambda w: (
        f"/api/courses/{w.course_id}",
        {"title": "Renamed Course"},
    ),
    "DELETE /api/courses/<int:course_id>": lambda w: (f"/api/courses/{w.course_id}", None),
    "POST /api/courses/<int:course_id>/enroll": lambda w: (f"/api/courses/{w.course_id}/enroll", None),
    "DELETE /api/courses/<int:course_id>/enroll": lambda w: (f"/api/courses/{w.course_id}/enroll", None),
    "PUT /api/courses/<int:course_id>/progress": lambda w: (
        f"/api/courses/{w.course_id}/progress",
        {"progress_percentage": 50},
    ),
    "GET /admin/users/<int:user_id>": lambda w: (f"/admin/users/{w.owner['id']}", None),
    "DELETE /admin/users/<int:user_id>": lambda w: (f"/admin/users/{w.owner['id']}", None),
    "DELETE /admin/users/<int:user_id>/sessions": lambda w: (f"/admin/users/{w.owner['id']}/sessions", None),
}


def url_map_routes(app):
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


def test_every_route_in_the_url_map_has_a_row(app):
    routes = url_map_routes(app) - set(EXCLUDED)

    missing = sorted(routes - set(MATRIX))

    assert not missing, f"routes without a rule in MATRIX (add a row): {missing}"


def test_the_exclusions_are_routes_that_exist(app):
    assert set(EXCLUDED) <= url_map_routes(app)


def test_every_row_has_one_status_per_caller():
    assert all(len(statuses) == len(IDENTITIES) for statuses in MATRIX.values())


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_the_authorization_matrix(app, client, db, tq, make_account, route, identity):
    if route not in url_map_routes(app):
        pytest.skip(f"{route} is not in the URL map yet")
    expected = MATRIX[route][IDENTITIES.index(identity)]
    world = World(app, client, db, tq, make_account)
    method, rule = route.split(" ", 1)
    path, body = REQUESTS[route](world) if route in REQUESTS else (rule, None)
    headers = world.headers(identity)

    response = client.open(path, method=method, headers=headers, json=body)

    assert response.status_code == expected, (route, identity, response.json)
    assert isinstance(response.json, (dict, list))
    if expected >= 400:
        assert isinstance(response.json["detail"], str)
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
