"""No mass assignment: on every write route, fields the caller may not set (is_admin, is_active,
id, hashed_password, user_id) are refused with a 422 naming the field, and nothing is written.

Every POST/PUT/PATCH/DELETE route of the URL map must appear below, either in BODY_CASES (it
reads a JSON body) or in NO_BODY_ROUTES (it reads none, so a body cannot change what it does).
"""

import pytest

from tests.test_authorization_matrix import url_map_routes

PASSWORD = "correct-horse-1"
FORBIDDEN = ("is_admin", "is_active", "id", "hashed_password", "user_id")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class Scene:
    """alice (a plain user, enrolled in a course), bob (a bystander) and boss (an admin)."""

    def __init__(self, client, db, tq, user, other_user, admin):
        self.client, self.db, self.tq = client, db, tq
        self.alice, self.bob, self.boss = user, other_user, admin
        self.course_id = tq.insert_test_course(db, title="Mass Course", category="core", is_active=True)
        enrolled = client.post(f"/api/courses/{self.course_id}/enroll", headers=user.headers)
        assert enrolled.status_code == 201, enrolled.json

    def headers(self, caller):
        return {"anon": {}, "user": self.alice.headers, "admin": self.boss.headers}[caller]

    def hostile_value(self, field):
        return {
            "is_admin": True,
            "is_active": False,
            "id": self.bob["id"],
            "hashed_password": "pbkdf2:sha256:1$salt$0000",
            "user_id": self.bob["id"],
        }[field]

    def alice_session_id(self):
        return next(iter(self.tq.list_session_rows(self.db, user_id=self.alice["id"])))["id"]


# (route, caller) → (fields this caller may legitimately set there, the valid request to extend)
BODY_CASES = {
    ("POST /auth/register", "anon"): (
        (),
        lambda s: (
            "/auth/register",
            {
                "username": "newcomer",
                "password": PASSWORD,
                "email": "newcomer@example.org",
                "full_name": "New Comer",
            },
        ),
    ),
    ("POST /auth/login", "anon"): (
        (),
        lambda s: ("/auth/login", {"username": "alice", "password": PASSWORD}),
    ),
    ("PUT /auth/profile", "user"): ((), lambda s: ("/auth/profile", {"full_name": "Alice Renamed"})),
    ("PUT /auth/change-password", "user"): (
        (),
        lambda s: (
            "/auth/change-password",
            {"current_password": PASSWORD, "new_password": "another-passphrase-9"},
        ),
    ),
    ("PUT /auth/training-profile", "user"): ((), lambda s: ("/auth/training-profile", {"age": 30})),
    ("POST /api/users", "admin"): (
        ("is_admin", "is_active"),
        lambda s: (
            "/api/users",
            {
                "username": "created",
                "password": PASSWORD,
                "email": "created@example.org",
                "full_name": "Cre Ated",
            },
        ),
    ),
    ("PUT /api/users/<int:user_id>", "user"): (
        (),
        lambda s: (f"/api/users/{s.alice['id']}", {"full_name": "Alice Renamed"}),
    ),
    ("PUT /api/users/<int:user_id>", "admin"): (
        ("is_admin", "is_active"),
        lambda s: (f"/api/users/{s.alice['id']}", {"full_name": "Alice Renamed"}),
    ),
    ("POST /api/courses", "admin"): (
        ("is_active",),  # a course's own flag, which admins manage
        lambda s: (
            "/api/courses",
            {
                "title": "New Course",
                "duration_minutes": 30,
                "difficulty_level": "beginner",
                "category": "core",
            },
        ),
    ),
    ("PUT /api/courses/<int:course_id>", "admin"): (
        ("is_active",),
        lambda s: (f"/api/courses/{s.course_id}", {"title": "Renamed Course"}),
    ),
    ("PUT /api/courses/<int:course_id>/progress", "user"): (
        (),
        lambda s: (f"/api/courses/{s.course_id}/progress", {"progress_percentage": 50}),
    ),
}

# Routes that read no body: route → (caller, path builder, status of the plain request)
NO_BODY_ROUTES = {
    "POST /auth/logout": ("user", lambda s: "/auth/logout", 200),
    "POST /auth/logout-all": ("user", lambda s: "/auth/logout-all", 200),
    "POST /auth/refresh": ("user", lambda s: "/auth/refresh", 200),
    "DELETE /auth/active-sessions/<int:session_id>": (
        "user",
        lambda s: f"/auth/active-sessions/{s.alice_session_id()}",
        200,
    ),
    "DELETE /api/users/<int:user_id>": ("admin", lambda s: f"/api/users/{s.alice['id']}", 200),
    "DELETE /api/courses/<int:course_id>": ("admin", lambda s: f"/api/courses/{s.course_id}", 200),
    "POST /api/courses/<int:course_id>/enroll": ("user", lambda s: f"/api/courses/{s.course_id}/enroll", 200),
    "DELETE /api/courses/<int:course_id>/enroll": (
        "user",
        lambda s: f"/api/courses/{s.course_id}/enroll",
        200,
    ),
    "DELETE /admin/users/<int:user_id>": ("admin", lambda s: f"/admin/users/{s.alice['id']}", 200),
    "DELETE /admin/users/<int:user_id>/sessions": (
        "admin",
        lambda s: f"/admin/users/{s.alice['id']}/sessions",
        200,
    ),
    "POST /admin/cleanup-sessions": ("admin", lambda s: "/admin/cleanup-sessions", 200),
}

BODY_ATTEMPTS = [
    (route, caller, field)
    for (route, caller), (allowed, _) in BODY_CASES.items()
    for field in FORBIDDEN
    if field not in allowed
]


@pytest.fixture
def scene(client, db, tq, user, other_user, admin):
    return Scene(client, db, tq, user, other_user, admin)


def test_every_write_route_is_covered(app):
    writes = {route for route in url_map_routes(app) if route.split(" ", 1)[0] in WRITE_METHODS}
    covered = {route for route, _ in BODY_CASES} | set(NO_BODY_ROUTES)

    missing = sorted(writes - covered)

    assert not missing, f"write routes without a mass-assignment case: {missing}"


@pytest.mark.parametrize(("route", "caller", "field"), BODY_ATTEMPTS)
def test_a_field_the_caller_may_not_set_is_a_422_naming_it_and_nothing_is_written(
    app, client, db, tq, scene, route, caller, field
):
    if route not in url_map_routes(app):
        pytest.skip(f"{route} is not in the URL map yet")
    _, build = BODY_CASES[(route, caller)]
    path, body = build(scene)
    before = tq.get_database_fingerprint(db)

    response = client.open(
        path,
        method=route.split(" ", 1)[0],
        headers=scene.headers(caller),
        json={**body, field: scene.hostile_value(field)},
    )

    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert response.json["detail"].startswith(field)
    assert tq.get_database_fingerprint(db) == before


@pytest.mark.parametrize(("route", "caller"), sorted(BODY_CASES))
def test_the_valid_request_of_each_case_succeeds(app, client, scene, route, caller):
    """The control for the test above: its 422s come from the added field, not the request."""
    if route not in url_map_routes(app):
        pytest.skip(f"{route} is not in the URL map yet")
    _, build = BODY_CASES[(route, caller)]
    path, body = build(scene)

    response = client.open(path, method=route.split(" ", 1)[0], headers=scene.headers(caller), json=body)

    assert response.status_code in (200, 201), response.json


@pytest.mark.parametrize(
    ("route", "caller"),
    [
        ("POST /api/users", "admin"),
        ("PUT /api/users/<int:user_id>", "user"),
        ("PUT /api/users/<int:user_id>", "admin"),
    ],
)
@pytest.mark.parametrize("field", ["user_id", "id"])
def test_a_nested_training_profile_cannot_carry_an_owner_or_id(client, db, tq, scene, route, caller, field):
    _, build = BODY_CASES[(route, caller)]
    path, body = build(scene)
    before = tq.get_database_fingerprint(db)

    response = client.open(
        path,
        method=route.split(" ", 1)[0],
        headers=scene.headers(caller),
        json={**body, "training_profile": {"age": 30, field: scene.bob["id"]}},
    )

    assert response.status_code == 422
    assert "training_profile" in response.json["errors"]
    assert any(field in message for message in response.json["errors"]["training_profile"])
    assert tq.get_database_fingerprint(db) == before


@pytest.mark.parametrize("route", sorted(NO_BODY_ROUTES))
def test_a_route_without_a_body_ignores_one_full_of_privileged_fields(app, client, db, tq, scene, route):
    if route not in url_map_routes(app):
        pytest.skip(f"{route} is not in the URL map yet")
    caller, build, status = NO_BODY_ROUTES[route]
    bob_before = (tq.get_user_row(db, username="bob"), tq.count_rows_owned_by(db, user_id=scene.bob["id"]))
    hostile = {field: scene.hostile_value(field) for field in FORBIDDEN}

    response = client.open(
        build(scene), method=route.split(" ", 1)[0], headers=scene.headers(caller), json=hostile
    )

    assert response.status_code == status, response.json
    assert (
        tq.get_user_row(db, username="bob"),
        tq.count_rows_owned_by(db, user_id=scene.bob["id"]),
    ) == bob_before
    alice = tq.get_user_row(db, username="alice")
    assert alice is None or (alice["is_admin"] is False and alice["is_active"] is True)
