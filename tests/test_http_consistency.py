"""One error body everywhere, HEAD and OPTIONS as HTTP says, and unknown query parameters refused."""

import io

import pytest

from service.errors import abort

ERROR_KEYS = {"detail", "status"}


def assert_error_body(response, status):
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.json
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]


# --- the same error body from every source --------------------------------------------------


def test_an_unknown_path_is_a_json_404(client):
    assert_error_body(client.get("/no/such/thing"), 404)
    assert_error_body(client.post("/api/nothing", json={}), 404)


def test_a_path_parameter_that_is_not_an_integer_is_a_json_404(client):
    assert_error_body(client.get("/api/courses/abc"), 404)


@pytest.mark.parametrize(
    "digit",
    ["\uff11", "\u0661", "\u0967", "\U0001d7cf"],
    ids=["fullwidth", "arabic-indic", "devanagari", "math bold"],
)
@pytest.mark.parametrize(
    "path", ["/api/courses/{}", "/api/users/{}", "/api/users/{}/progress", "/admin/users/{}"]
)
def test_a_path_id_in_other_digits_than_ascii_is_a_json_404(client, db, tq, admin, path, digit):
    course_id = tq.insert_test_course(db, title="One", category="mobility", is_active=True)
    existing = str(course_id if "courses" in path else admin["id"])
    zero = ord(digit) - 1  # each parameter is its script's digit one
    same_number = "".join(chr(zero + int(d)) for d in existing)
    assert client.get(path.format(existing), headers=admin.headers).status_code == 200

    assert_error_body(client.get(path.format(same_number), headers=admin.headers), 404)


def integer_query_parameters(client):
    """(path, parameter) of every GET operation's integer query parameter in the OpenAPI document."""
    document = client.get("/openapi.json").json
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer":
                yield path, parameter["name"]


def test_every_integer_query_parameter_refuses_digits_other_than_ascii(app, client, admin):
    checked = list(integer_query_parameters(app.test_client()))
    assert ("/api/courses", "limit") in checked and ("/admin/users", "page") in checked

    for path, name in checked:
        for value in ("\uff15", "\u0665", " 5", "5 ", "+\uff15"):
            response = client.get(path, query_string={name: value}, headers=admin.headers)
            assert_error_body(response, 422)
            assert name in response.json["errors"], (path, name, value)
        assert client.get(path, query_string={name: "5"}, headers=admin.headers).status_code == 200


# --- headers on every answer ------------------------------------------------------------------


def every_kind_of_answer(client, user):
    return {
        "login": client.post("/auth/login", json={"username": "alice", "password": user["password"]}),
        "failed login": client.post("/auth/login", json={"username": "alice", "password": "nope-nope"}),
        "me": client.get("/auth/me", headers=user.headers),
        "own account": client.get(f"/api/users/{user['id']}", headers=user.headers),
        "refresh": client.post("/auth/refresh", headers=user.headers),
        "courses": client.get("/api/courses"),
        "ping": client.get("/ping"),
        "not found": client.get("/no/such/thing"),
        "validation": client.post("/auth/register", json={}),
        "options": client.options("/auth/me"),
        "openapi": client.get("/openapi.json"),
    }


def test_every_answer_says_nosniff_and_is_not_stored_by_caches(client, user):
    for name, response in every_kind_of_answer(client, user).items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Cache-Control"] == "no-store", name


def test_the_api_documentation_assets_keep_their_own_caching(client):
    response = client.get("/docs/assets/swagger-ui.css")

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] != "no-store"


def test_a_wrong_method_is_a_json_405_with_the_allowed_methods(client):
    response = client.delete("/ping")

    assert_error_body(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_wrong_method_on_a_route_with_several_names_every_method_it_has(client):
    response = client.patch("/api/courses/1")

    assert_error_body(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def test_a_declared_body_over_the_limit_is_a_json_413_before_any_view_runs(client):
    response = client.post("/auth/logout", data=b"x" * 70_000, content_type="application/json")

    assert_error_body(response, 413)


def test_a_streamed_body_over_the_limit_is_a_json_413_when_it_is_read(client):
    """No Content-Length (chunked): the limit applies while the body is read."""
    body = b'{"username": "' + b"x" * 70_000 + b'"}'
    response = client.post(
        "/auth/login",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert_error_body(response, 413)


def test_a_non_json_body_is_a_json_415_and_malformed_json_a_json_400(client):
    assert_error_body(client.post("/auth/login", data="username=a", content_type="text/plain"), 415)
    assert_error_body(client.post("/auth/login", data="{", content_type="application/json"), 400)


def test_an_error_raised_before_any_view_has_the_same_body(make_app, database_url_for_tests):
    app = make_app(database_url_for_tests)

    @app.before_request
    def refuse_everything():
        abort(429, "Slow down", headers={"Retry-After": "7"})

    response = app.test_client().get("/ping")

    assert_error_body(response, 429)
    assert response.headers["Retry-After"] == "7"


def test_an_unexpected_exception_before_any_view_is_a_json_500(make_app, database_url_for_tests):
    app = make_app(database_url_for_tests)

    @app.before_request
    def fail():
        raise RuntimeError("a bug")

    response = app.test_client().get("/ping")

    assert_error_body(response, 500)
    assert "a bug" not in response.get_data(as_text=True)


def test_a_failing_teardown_does_not_replace_the_answer(make_app, database_url_for_tests):
    """Raised out of the app, it would reach the client as the WSGI server's HTML 500."""
    app = make_app(database_url_for_tests)

    @app.teardown_request
    def fail(exc):
        raise RuntimeError("teardown failed")

    response = app.test_client().get("/ping")

    assert response.status_code == 200
    assert response.json == {"message": "pong"}


def test_an_unreachable_database_is_a_json_503_with_retry_after(make_app):
    app = make_app("postgresql://nobody@127.0.0.1:9/none", DB_POOL_TIMEOUT="0.3", DB_CONNECT_TIMEOUT="1")

    response = app.test_client().post("/auth/login", json={"username": "alice", "password": "whatever"})

    assert_error_body(response, 503)
    assert int(response.headers["Retry-After"]) > 0


def test_errors_carry_cors_headers_for_browser_clients(client):
    response = client.get("/no/such/thing", headers={"Origin": "http://app.example"})

    assert_error_body(response, 404)
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://app.example")


# --- HEAD and OPTIONS -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ping", "/api/courses", "/auth/me", "/openapi.json"])
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)

    assert head.status_code == get.status_code
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers.get("WWW-Authenticate") == get.headers.get("WWW-Authenticate")


def test_head_is_not_allowed_where_get_is_not(client):
    response = client.head("/auth/login")

    assert response.status_code == 405
    assert response.data == b""
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_options_names_the_allowed_methods_in_the_header_and_a_json_body(client):
    response = client.options("/api/courses/1")

    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
    assert response.json == {"allow": ["DELETE", "GET", "HEAD", "OPTIONS", "PUT"]}


def test_options_needs_no_token_even_on_a_protected_route(client):
    response = client.options("/admin/stats")

    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


def test_a_cors_preflight_allows_the_method_the_token_and_json(client):
    response = client.options(
        "/api/courses/1",
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://app.example")
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


# --- unknown query parameters: refused on every route that takes query parameters ----------

LIST_ROUTES = [
    ("user", "/api/progress"),
    ("user", "/api/users/{user_id}/progress"),
    ("user", "/auth/active-sessions"),
    ("admin", "/api/users"),
    ("admin", "/admin/users"),
    ("admin", "/admin/activity"),
    ("admin", "/admin/users/export"),
    (None, "/api/courses"),
]


@pytest.mark.parametrize(("caller", "path"), LIST_ROUTES)
def test_an_unknown_query_parameter_on_a_list_route_is_a_422_naming_it(client, user, admin, caller, path):
    account = {"user": user, "admin": admin, None: None}[caller]
    headers = account.headers if account else {}
    path = path.format(user_id=user["id"])

    assert client.get(path, headers=headers).status_code == 200
    response = client.get(f"{path}?limt=5", headers=headers)

    assert_error_body(response, 422)
    assert response.json["errors"] == {"limt": ["Unknown field."]}
    assert response.json["detail"] == "limt: Unknown field."


def test_a_misspelt_filter_is_refused_rather_than_listing_everyone(client, admin):
    response = client.get("/api/users?is_admn=true", headers=admin.headers)

    assert_error_body(response, 422)
    assert "is_admn" in response.json["errors"]


def test_the_availability_check_refuses_unknown_parameters_too(client):
    response = client.get("/auth/check-availability?username=carol&nick=c")

    assert_error_body(response, 422)
    assert list(response.json["errors"]) == ["nick"]


def test_a_route_without_query_parameters_ignores_a_query_string(client, user):
    """Like a cache-busting ?_=123 from a browser: nothing here reads the query string."""
    response = client.get("/auth/me?_=123", headers=user.headers)

    assert response.status_code == 200
    assert response.json["user_info"]["username"] == "alice"
