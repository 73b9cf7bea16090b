"""Property-based tests of every operation of /openapi.json with schemathesis.

schemathesis reads the service's own OpenAPI document and sends generated requests — valid ones
and deliberately invalid ones — through the WSGI app, once as a plain user and once as an admin.
Every response must be a documented status with a body matching its documented schema and
content type, never a server error, and invalid data must be refused.

Each generated request gets a freshly signed-in token, and the caller's account is restored
first, so a request that ends sessions (logout, refresh, password change) or that changes the
caller's own account (an admin deactivating or demoting themselves) cannot spoil the next one.

`make test` runs a few examples per operation; `make fuzz` sets FUZZ_MAX_EXAMPLES (200).
"""

import os
import re
from collections import Counter

import jsonschema
import pytest
import schemathesis
from flask import request_finished
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from service import create_app
from service.security import open_session
from tests.conftest import make_config

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _openapi_document():
    """The document, read at collection time from an app that never connects (no pool connections)."""
    config = make_config("postgresql://fuzz@127.0.0.1:9/unused", DB_POOL_MIN_SIZE=0)
    app = create_app(config)
    try:
        return app.test_client().get("/openapi.json").json
    finally:
        app.extensions["pool"].close()


class TestApp:
    """A WSGI app forwarding to the test app, which exists only once the fixtures have run."""

    target = None

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


# Schema-valid requests the contract itself refuses, whatever the data: a wrong current
# password and deleting your own account (400), and an availability check that names neither
# a username nor an email (422; OpenAPI cannot say "at least one of two query parameters").
CONTRACT_REFUSALS = {
    "PUT /auth/change-password": "400",
    "DELETE /api/users/{user_id}": "400",
    "DELETE /admin/users/{user_id}": "400",
    "GET /auth/check-availability": "422",
    # Full names whose letters mix scripts within a word, or that hold unassigned or private-use
    # code points, are refused (422; API description, docs/SECURITY.md): no JSON Schema pattern
    # can say "one script per word" (the document's pattern refuses what one can: controls and
    # the common invisible characters).
    "POST /auth/register": "422",
    "PUT /auth/profile": "422",
    "POST /api/users": "422",
    "PUT /api/users/{user_id}": "422",
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis's default
CONFIG = SchemathesisConfig.from_dict(
    {
        # PostgreSQL text cannot hold NUL: the service refuses "\u0000" in any text with a 422
        # (API description; tests/test_auth.py), which JSON Schema's "string" cannot say.
        "generation": {"allow-x00": False, "with-security-parameters": False},
        "operations": [
            {
                "include-name": name,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, status]}},
            }
            for name, status in CONTRACT_REFUSALS.items()
        ],
    }
)

# Collected per operation from the document; the requests go to the test app (`app` fixture).
schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG)
schema.app = TEST_APP = TestApp()

# How many requests each operation got, per caller, and the classes of the answers (2xx, 4xx…).
REQUESTS = Counter()
ANSWERS = Counter()


HASH = re.compile(r"(pbkdf2|scrypt):[^$\s]*\$[^$\s]+\$[0-9a-f]{16,}")
HASH_KEYS = {"hashed_password", "token_hash", "password"}


def _keys_and_strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield "key", key
            yield from _keys_and_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys_and_strings(item)
    elif isinstance(value, str):
        yield "string", value


@pytest.fixture(autouse=True)
def no_password_hash_in_any_response():
    """conftest's check, by shape: generated names such as "pbkdf2:" are not leaks, real hashes are."""
    leaks = []

    def check(sender, response, **extra):
        if response.direct_passthrough or not response.is_json:
            return
        for kind, text in _keys_and_strings(response.get_json()):
            if (kind == "key" and text in HASH_KEYS and response.status_code < 400) or HASH.search(text):
                leaks.append((response.status_code, text[:80]))

    request_finished.connect(check)
    yield
    request_finished.disconnect(check)
    assert not leaks, f"password hash material in responses: {leaks}"


class World:
    """Accounts and courses with small ids (1, 2, 3…), which generated ids often are, and enrolments."""

    def __init__(self, app, db, tq, make_account, client):
        self.app, self.db, self.tq = app, db, tq
        TEST_APP.target = app
        self.admin = make_account("boss", is_admin=True)  # id 1
        self.user = make_account("alice")  # id 2
        others = [make_account(f"other{n}") for n in range(6)]  # ids 3 to 8
        for n, category in enumerate(("flexibility", "hiit", "yoga", "core", "cardio", "x")):
            tq.insert_test_course(db, title=f"Course {n + 1}", category=category, is_active=n != 5)
        for account in (self.admin, self.user, *others[:3]):
            for course_id in (1, 2):
                client.post(f"/api/courses/{course_id}/enroll", headers=account.headers)

    def headers_for(self, role):
        """Restore the caller's account and sign it in afresh."""
        account = self.admin if role == "admin" else self.user
        self.tq.set_user_active(self.db, id=account["id"], is_active=True)
        if role == "admin":
            self.tq.make_admin(self.db, id=account["id"])
        with self.app.test_request_context():
            token, _session = open_session(account["id"])
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app, db, tq, make_account, client):
    return World(app, db, tq, make_account, client)


class RequestCountReport:
    """Adds the number of generated requests per operation to pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter):
        if not REQUESTS:
            return
        write = terminalreporter.write_line
        terminalreporter.section(
            f"schemathesis: generated requests per operation (max_examples={MAX_EXAMPLES})"
        )
        for role in ("user", "admin"):
            counts = {label: n for (who, label), n in REQUESTS.items() if who == role}
            if not counts:
                continue
            fewest = min(counts, key=counts.get)
            write(
                f"as {role}: {len(counts)} operations, {sum(counts.values())} requests, "
                f"fewest {counts[fewest]} ({fewest}), most {max(counts.values())}"
            )
            answers = Counter()
            for (who, _label, cls), n in ANSWERS.items():
                if who == role:
                    answers[cls] += n
            write("  answers: " + ", ".join(f"{n} {cls}" for cls, n in sorted(answers.items())))
            never_ok = sorted(label for label in counts if not ANSWERS[role, label, "2xx"])
            if never_ok:
                write(f"  never a 2xx: {', '.join(never_ok)}")
            exhausted = sorted(f"{label} ({n})" for label, n in counts.items() if n < MAX_EXAMPLES)
            if exhausted:
                write(f"  fewer than {MAX_EXAMPLES} (inputs exhausted): {', '.join(exhausted)}")


@pytest.fixture(scope="module", autouse=True)
def request_count_report(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("fuzz-request-counts"):
        manager.register(RequestCountReport(), "fuzz-request-counts")


def call_and_validate(case, world, role):
    REQUESTS[role, case.operation.label] += 1
    response = case.call_and_validate(headers=world.headers_for(role))
    ANSWERS[role, case.operation.label, f"{response.status_code // 100}xx"] += 1


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_plain_user_every_operation_keeps_its_contract(case, world):
    call_and_validate(case, world, "user")


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_admin_every_operation_keeps_its_contract(case, world):
    call_and_validate(case, world, "admin")


# --- inputs checked on every run, whatever schemathesis happens to generate ---------------------
# Each case: the document and the service disagreed; the fix made one of them say what the other
# does. The checks below validate sample bodies against the documented schema (JSON Schema
# 2020-12, as OpenAPI 3.1 reads it) and expect the service to accept exactly the valid ones.


def documented_body(document, ref):
    root = {"$ref": f"#/components/schemas/{ref}", "components": document["components"]}
    return jsonschema.Draft202012Validator(root)


@pytest.fixture(scope="module")
def document():
    return _openapi_document()


def agrees(document, client, headers, method, url, ref, body):
    """The service accepts the body exactly when the document's schema does."""
    valid = documented_body(document, ref).is_valid(body)
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == (200 if valid else 422), (body, valid, response.json)


def test_a_route_that_takes_a_body_refuses_a_request_without_one(client, user):
    """Was: PUT /auth/profile with no body answered 200 although the document requires a body."""
    for method, url in (
        ("PUT", "/auth/profile"),
        ("POST", "/auth/register"),
        ("PUT", "/auth/training-profile"),
    ):
        response = client.open(url, method=method, headers=user.headers)
        assert response.status_code == 400, url
        assert response.json == {"detail": "Request body is required: send a JSON object", "status": 400}


def test_an_integer_field_takes_a_number_without_a_fraction(client, user, admin, document):
    """Was: 70.0 refused, though JSON Schema's "integer" (and so the document) allows it."""
    course = client.post(
        "/api/courses",
        json={"title": "Flow", "duration_minutes": 30.0, "difficulty_level": "beginner", "category": "yoga"},
        headers=admin.headers,
    )
    assert course.status_code == 201, course.json
    assert course.json["duration_minutes"] == 30
    client.post(f"/api/courses/{course.json['id']}/enroll", headers=user.headers)
    url = f"/api/courses/{course.json['id']}/progress"
    for value in (86.0, 86, 86.5, "86", True, 1e300, 100.0, -0.0):
        agrees(document, client, user.headers, "PUT", url, "ProgressUpdate", {"progress_percentage": value})
    assert client.get("/api/progress", headers=user.headers).json["progress"][0]["progress_percentage"] == 0


COURSE_URLS = [
    "http://localhost",
    "https://videos.example.com/a.mp4?t=10#start",
    "http://x:82#ox",
    "http://10.0.0.1:8080/",
    "",  # was: schema-valid (any string) but refused
    "http://",
    "ftp://example.com/a",
    "javascript:alert(1)",
    "//example.com/a.png",
    "http://exa mple.com/",
    "HTTP://EXAMPLE.COM/",
    "http://[::1]/",
    "http://user:secret@example.com/",
    "https://example.com/caf\u00e9",
]


@pytest.mark.parametrize("url", COURSE_URLS)
def test_course_urls_are_accepted_exactly_when_the_document_says_so(client, admin, db, tq, document, url):
    course = tq.insert_test_course(db, title="Mobility", category="flexibility", is_active=True)
    agrees(
        document, client, admin.headers, "PUT", f"/api/courses/{course}", "CourseUpdate", {"video_url": url}
    )


def test_a_course_url_ending_in_a_newline_is_refused_as_the_documents_pattern_says(client, admin, db, tq):
    """OpenAPI patterns are ECMA regexes: `$` is the end of the text, not "before a final newline"
    as in Python's re (and so in the jsonschema library), which the service used to follow."""
    course = tq.insert_test_course(db, title="Mobility", category="flexibility", is_active=True)
    response = client.put(
        f"/api/courses/{course}", json={"video_url": "http://example.com/\n"}, headers=admin.headers
    )

    assert response.status_code == 422
    assert response.json["errors"] == {"video_url": ["Must be an http:// or https:// URL."]}


@pytest.mark.parametrize(
    "full_name",
    [
        "Al",
        " Al ",
        "\tAl\n",
        "A",
        "  A  ",
        "A" * 100,
        "A" * 101,
        " " + "A" * 100,
        "A" * 98 + "  ",
        "A\u00a0",
        "A\nB",
    ],
)
def test_trimmed_names_are_accepted_exactly_when_the_document_says_so(client, user, document, full_name):
    """Trimmed fields: maxLength applies to the text as sent, the minimum to the trimmed text."""
    agrees(document, client, user.headers, "PUT", "/auth/profile", "ProfileUpdate", {"full_name": full_name})


@pytest.mark.parametrize(
    "profile",
    [
        {},
        {"age": 30},
        {"training_goals": ["cardio"]},
        {"training_goals": ["weight_loss", "weight_loss"]},
        None,
    ],
)
def test_questionnaires_inside_a_user_update_follow_the_document(client, user, document, profile):
    """Was: {} and repeated goals passed the document (loose nullable object, no uniqueItems)."""
    url = f"/api/users/{user['id']}"
    agrees(document, client, user.headers, "PUT", url, "UserUpdate", {"training_profile": profile})
