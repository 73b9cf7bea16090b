"""/openapi.json: a valid OpenAPI document of every route of the API contract, errors included."""

import pytest
from openapi_spec_validator import validate

# Every endpoint of the contract (../shared/spec/API.md) → who may call it. /openapi.json and
# /docs serve the document itself and are not part of it.
# fmt: off
CONTRACT = {
    "GET /ping": "public",
    "GET /health": "public",
    "POST /auth/register": "public",
    "POST /auth/login": "public",
    "POST /auth/logout": "user",
    "POST /auth/logout-all": "user",
    "POST /auth/refresh": "user",
    "GET /auth/me": "user",
    "GET /auth/verify-token": "user",
    "GET /auth/active-sessions": "user",
    "DELETE /auth/active-sessions/{id}": "user",
    "GET /auth/check-availability": "public",
    "GET /auth/check-email-availability": "user",
    "PUT /auth/profile": "user",
    "PUT /auth/change-password": "user",
    "GET /auth/training-profile": "user",
    "PUT /auth/training-profile": "user",
    "GET /api/users": "admin",
    "POST /api/users": "admin",
    "GET /api/users/{id}": "user",  # self or admin
    "PUT /api/users/{id}": "user",  # self or admin
    "DELETE /api/users/{id}": "admin",
    "GET /api/users/{id}/progress": "user",  # self or admin
    "GET /api/courses": "public",  # a token is optional (include_inactive is for admins)
    "GET /api/courses/{id}": "public",
    "POST /api/courses": "admin",
    "PUT /api/courses/{id}": "admin",
    "DELETE /api/courses/{id}": "admin",
    "POST /api/courses/{id}/enroll": "user",
    "DELETE /api/courses/{id}/enroll": "user",
    "PUT /api/courses/{id}/progress": "user",
    "GET /api/progress": "user",
    "GET /admin/stats": "admin",
    "GET /admin/users": "admin",
    "GET /admin/users/{id}": "admin",
    "GET /admin/users/export": "admin",
    "GET /admin/activity": "admin",
    "DELETE /admin/users/{id}": "admin",
    "DELETE /admin/users/{id}/sessions": "admin",
    "POST /admin/cleanup-sessions": "admin",
}
# fmt: on

# Routes that may answer 409 or 429 besides the errors every route of their kind can give.
CONFLICTS = {
    "POST /auth/register",
    "PUT /auth/profile",
    "POST /api/users",
    "PUT /api/users/{id}",
    "POST /api/courses",
    "PUT /api/courses/{id}",
    "POST /api/courses/{id}/enroll",
}
THROTTLED = {"POST /auth/login"}
NO_DATABASE = {"GET /ping", "GET /health/live"}
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    return response.json


def generic(path):
    """/api/users/{user_id}/progress → /api/users/{id}/progress (the contract's spelling)."""
    parts = path.split("/")
    return "/".join("{id}" if part.startswith("{") else part for part in parts)


def operations(document):
    """'METHOD /generic/path' → the operation, with the path's parameters among its own."""
    return {
        f"{method.upper()} {generic(path)}": {
            **operation,
            "parameters": item.get("parameters", []) + operation.get("parameters", []),
        }
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def resolve(document, ref_or_object):
    if "$ref" not in ref_or_object:
        return ref_or_object
    section, name = ref_or_object["$ref"].split("/")[-2:]
    return document["components"][section][name]


def test_the_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_the_document_has_a_title_a_version_and_a_description(document):
    info = document["info"]

    assert info["title"] == "UrTraining API"
    assert info["version"]
    assert "Bearer" in info["description"] and '"detail"' in info["description"]


def test_every_route_of_the_contract_is_documented_with_its_method(document):
    documented = operations(document)

    missing = sorted(set(CONTRACT) - set(documented))
    assert not missing, missing


def test_the_document_has_no_operation_the_app_does_not_serve(app, document):
    served = {
        f"{method} {generic(rule.rule.replace('<', '{').replace('>', '}'))}".replace("{int:", "{")
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert set(operations(document)) <= served


@pytest.mark.parametrize("route", sorted(CONTRACT))
def test_protected_routes_carry_bearer_security_and_their_401_and_403(document, route):
    operation = operations(document)[route]
    who = CONTRACT[route]
    responses = operation["responses"]

    if who == "public":
        assert {} in operation.get("security", [{}]), f"{route} must not require a token"
    else:
        assert operation["security"] == [{"bearerAuth": []}]
        assert resolve(document, responses["401"])["headers"]["WWW-Authenticate"]["required"] is True
    assert ("403" in responses) == (who == "admin" or route == "GET /api/courses")


def test_the_bearer_scheme_is_declared(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


@pytest.mark.parametrize("route", sorted(CONTRACT))
def test_every_operation_documents_the_errors_it_can_give(document, route):
    operation = operations(document)[route]
    statuses = set(operation["responses"])

    expected = set()
    if "requestBody" in operation:
        expected |= {"400", "413", "415", "422"}
    if "{" in route:
        expected.add("404")
    if route not in NO_DATABASE:
        expected.add("503")
    if route in CONFLICTS:
        expected.add("409")
    if route in THROTTLED:
        expected.add("429")
    if any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
        expected.add("422")
    assert expected <= statuses, f"{route} lacks {sorted(expected - statuses)}"
    assert "default" in statuses


@pytest.mark.parametrize("route", sorted(CONTRACT))
def test_every_error_response_uses_the_common_error_schema(document, route):
    for status, response in operations(document)[route]["responses"].items():
        if status == "default" or int(status) >= 400:
            body = resolve(document, response)["content"]["application/json"]["schema"]
            if route.startswith("GET /health") and status == "503":
                continue  # the health answer itself: {"status", "database"}
            assert body == {"$ref": "#/components/schemas/Error"}, (route, status)


def test_the_error_schema_is_the_one_the_service_answers_with(document):
    error = document["components"]["schemas"]["Error"]

    assert error["required"] == ["detail", "status"]
    assert error["properties"]["detail"]["type"] == "string"
    assert error["properties"]["status"]["type"] == "integer"
    assert error["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


def test_named_error_responses_say_which_headers_come_with_them(document):
    responses = document["components"]["responses"]

    assert set(responses["UNAUTHORIZED"]["headers"]) == {"WWW-Authenticate"}
    assert set(responses["TOO_MANY_REQUESTS"]["headers"]) == {"Retry-After"}
    assert set(responses["SERVICE_UNAVAILABLE"]["headers"]) == {"Retry-After"}
    for name in ("BAD_REQUEST", "CONFLICT", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        assert responses[name]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


@pytest.mark.parametrize("route", sorted(CONTRACT))
def test_every_operation_has_a_summary_a_tag_and_a_success_schema(document, route):
    operation = operations(document)[route]
    successes = [status for status in operation["responses"] if status.startswith("2")]

    assert operation["summary"]
    assert len(operation["tags"]) == 1
    assert successes
    for status in successes:
        assert operation["responses"][status]["content"]["application/json"]["schema"]


def test_tags_group_operations_by_resource_and_have_descriptions(document):
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    used = {tag for operation in operations(document).values() for tag in operation["tags"]}

    assert used <= set(tags)
    assert {"auth", "users", "courses", "progress", "admin"} <= used
    assert all(tags.values())


@pytest.mark.parametrize("route", sorted(route for route in CONTRACT if "{" in route))
def test_path_parameters_are_documented_as_integers(document, route):
    parameters = [p for p in operations(document)[route]["parameters"] if p["in"] == "path"]

    assert len(parameters) == 1
    assert parameters[0]["required"] is True
    assert parameters[0]["schema"]["type"] == "integer"


def test_request_bodies_reject_unknown_fields_in_the_document_too(document):
    bodies = [
        resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
        for operation in operations(document).values()
        if "requestBody" in operation
    ]

    assert bodies
    assert all(body["additionalProperties"] is False for body in bodies)


def test_list_query_parameters_are_documented(document):
    listed = operations(document)

    def names(route):
        return {p["name"] for p in listed[route].get("parameters", []) if p["in"] == "query"}

    assert names("GET /api/users") == {"limit", "cursor", "q", "is_active", "is_admin"}
    assert names("GET /api/courses") == {
        "limit",
        "cursor",
        "category",
        "difficulty_level",
        "q",
        "include_inactive",
    }
    assert names("GET /admin/users") == {"page", "limit"}
    assert names("GET /auth/check-availability") == {"username", "email"}


def test_the_document_describes_rules_the_service_enforces(document):
    schemas = document["components"]["schemas"]
    profile = schemas["TrainingProfileSave"]

    assert profile["minProperties"] == 1
    assert profile["properties"]["training_goals"]["uniqueItems"] is True
    assert profile["properties"]["training_goals"]["maxItems"] == 5
    assert schemas["CourseCreate"]["properties"]["video_url"]["pattern"].startswith("^https?://")
    assert schemas["Register"]["properties"]["full_name"]["maxLength"] == 100
    assert schemas["Register"]["properties"]["username"]["pattern"] == "^[A-Za-z0-9_.-]{3,50}$"
