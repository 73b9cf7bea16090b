"""The course catalogue: public browsing, admin management, and what the database refuses."""

import psycopg
import pytest

from service.seed import SAMPLE_COURSES, seed_sample_data

NEW_COURSE = {
    "title": "Kettlebell Basics",
    "description": "Swings, goblet squats and presses.",
    "duration_minutes": 40,
    "difficulty_level": "beginner",
    "category": "strength",
    "video_url": "https://videos.example.com/kb.mp4",
    "thumbnail_url": "http://img.example.com/kb.png",
}


@pytest.fixture
def add_course(db, tq):
    """Insert a course directly; returns its id."""

    def add(title, category="general", is_active=True):
        return tq.insert_test_course(db, title=title, category=category, is_active=is_active)

    return add


def titles(response):
    return [course["title"] for course in response.json["courses"]]


# --- browsing ---------------------------------------------------------------------------------


def test_anyone_can_list_the_active_courses_in_id_order(client, add_course):
    add_course("Alpha")
    add_course("Retired", is_active=False)
    add_course("Beta")
    response = client.get("/api/courses")
    assert response.status_code == 200
    assert titles(response) == ["Alpha", "Beta"]
    assert response.json["pagination"] == {"limit": 50, "next_cursor": None}
    assert set(response.json["courses"][0]) == {
        "id",
        "title",
        "description",
        "duration_minutes",
        "difficulty_level",
        "category",
        "video_url",
        "thumbnail_url",
        "is_active",
        "created_at",
        "updated_at",
    }


def test_the_twelve_sample_courses_are_listed_after_seeding(client, database_url_for_tests):
    seed_sample_data(database_url_for_tests)
    seed_sample_data(database_url_for_tests)  # idempotent
    response = client.get("/api/courses")
    assert response.status_code == 200
    listed = {
        (c["title"], c["duration_minutes"], c["difficulty_level"], c["category"])
        for c in response.json["courses"]
    }
    assert listed == {
        (title, minutes, level, category) for title, minutes, level, category, _ in SAMPLE_COURSES
    }
    assert len(response.json["courses"]) == 12


def test_courses_can_be_filtered_by_category_and_difficulty(client, admin):
    for title, level, category in [
        ("A", "beginner", "cardio"),
        ("B", "advanced", "cardio"),
        ("C", "beginner", "yoga"),
    ]:
        body = {**NEW_COURSE, "title": title, "difficulty_level": level, "category": category}
        assert client.post("/api/courses", json=body, headers=admin.headers).status_code == 201
    assert titles(client.get("/api/courses?category=cardio")) == ["A", "B"]
    assert titles(client.get("/api/courses?difficulty_level=beginner")) == ["A", "C"]
    assert titles(client.get("/api/courses?category=cardio&difficulty_level=beginner")) == ["A"]
    assert titles(client.get("/api/courses?category=pilates")) == []


def test_q_searches_title_and_description_in_any_case_and_literally(client, admin):
    courses = [
        ("Morning Yoga", "Wake up gently."),
        ("Core", "Yoga-inspired core work."),
        ("Sprint 100%", "Go fast."),
    ]
    for title, description in courses:
        body = {**NEW_COURSE, "title": title, "description": description}
        assert client.post("/api/courses", json=body, headers=admin.headers).status_code == 201
    assert titles(client.get("/api/courses?q=yoga")) == ["Morning Yoga", "Core"]
    assert titles(client.get("/api/courses?q=GENTLY")) == ["Morning Yoga"]
    assert titles(client.get("/api/courses?q=100%25")) == ["Sprint 100%"]
    assert titles(client.get("/api/courses?q=_")) == []


def test_the_list_pages_with_a_cursor(client, add_course):
    for title in "ABCDE":
        add_course(title)
    first = client.get("/api/courses?limit=2")
    assert titles(first) == ["A", "B"]
    cursor = first.json["pagination"]["next_cursor"]
    assert first.json["pagination"]["limit"] == 2
    second = client.get(f"/api/courses?limit=2&cursor={cursor}")
    assert titles(second) == ["C", "D"]
    last = client.get(f"/api/courses?limit=2&cursor={second.json['pagination']['next_cursor']}")
    assert titles(last) == ["E"]
    assert last.json["pagination"]["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=abc", "cursor"),
        ("difficulty_level=expert", "difficulty_level"),
        ("category=Not%20A%20Category", "category"),
        ("q=", "q"),
        ("include_inactive=maybe", "include_inactive"),
    ],
)
def test_bad_list_parameters_are_refused(client, query, field):
    response = client.get(f"/api/courses?{query}")
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_only_admins_may_list_inactive_courses(client, add_course, user, admin):
    add_course("Active")
    add_course("Retired", is_active=False)
    anonymous = client.get("/api/courses?include_inactive=true")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/courses?include_inactive=true", headers=user.headers).status_code == 403
    response = client.get("/api/courses?include_inactive=true", headers=admin.headers)
    assert response.status_code == 200
    assert titles(response) == ["Active", "Retired"]
    assert titles(client.get("/api/courses", headers=admin.headers)) == ["Active"]


def test_anyone_can_read_an_active_course(client, add_course):
    course_id = add_course("Alpha")
    response = client.get(f"/api/courses/{course_id}")
    assert response.status_code == 200
    assert response.json["id"] == course_id
    assert response.json["title"] == "Alpha"
    assert response.json["is_active"] is True


def test_an_inactive_course_is_not_found_unless_an_admin_asks(client, add_course, user, admin):
    course_id = add_course("Retired", is_active=False)
    assert client.get(f"/api/courses/{course_id}").status_code == 404
    assert client.get(f"/api/courses/{course_id}", headers=user.headers).json == {
        "detail": "Course not found",
        "status": 404,
    }
    response = client.get(f"/api/courses/{course_id}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json["is_active"] is False


def test_a_missing_course_is_not_found(client, admin):
    assert client.get("/api/courses/999", headers=admin.headers).status_code == 404
    assert client.get("/api/courses/abc").status_code == 404


# --- creating ---------------------------------------------------------------------------------


def test_an_admin_creates_a_course(client, db, tq, admin):
    response = client.post("/api/courses", json=NEW_COURSE, headers=admin.headers)
    assert response.status_code == 201
    body = response.json
    assert {key: body[key] for key in NEW_COURSE} == NEW_COURSE
    assert body["is_active"] is True
    assert body["created_at"].endswith("+00:00")
    assert tq.get_course_row(db, id=body["id"])["title"] == "Kettlebell Basics"


def test_a_course_needs_only_its_required_fields(client, admin):
    body = {"title": "  Plain  ", "duration_minutes": 1, "difficulty_level": "all_levels", "category": "misc"}
    response = client.post("/api/courses", json=body, headers=admin.headers)
    assert response.status_code == 201
    assert response.json["title"] == "Plain"
    assert response.json["description"] is None
    assert response.json["video_url"] is None


def test_a_plain_user_cannot_create_change_or_delete_courses(client, db, tq, add_course, user):
    course_id = add_course("Alpha")
    created = client.post("/api/courses", json=NEW_COURSE, headers=user.headers)
    changed = client.put(f"/api/courses/{course_id}", json={"title": "Mine"}, headers=user.headers)
    deleted = client.delete(f"/api/courses/{course_id}", headers=user.headers)
    for response in (created, changed, deleted):
        assert response.status_code == 403
        assert response.json["detail"] == "Admin privileges required"
    assert tq.count_courses(db) == 1
    assert tq.get_course_row(db, id=course_id)["title"] == "Alpha"


def test_anonymous_callers_cannot_manage_courses_even_with_a_bad_body(client, db, tq, add_course):
    course_id = add_course("Alpha")
    responses = [
        client.post("/api/courses", json={"title": ""}),
        client.put(f"/api/courses/{course_id}", json={"nonsense": 1}),
        client.delete(f"/api/courses/{course_id}"),
    ]
    for response in responses:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert tq.get_course_row(db, id=course_id)["is_active"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "   "),
        ("title", "t" * 201),
        ("title", None),
        ("title", 5),
        ("description", "d" * 5001),
        ("duration_minutes", 0),
        ("duration_minutes", 1441),
        ("duration_minutes", "30"),
        ("duration_minutes", 30.5),
        ("difficulty_level", "expert"),
        ("difficulty_level", None),
        ("category", "Strength Training"),
        ("category", "c" * 51),
        ("category", ""),
        ("video_url", "ftp://videos.example.com/a.mp4"),
        ("video_url", "javascript:alert(1)"),
        ("video_url", "not a url"),
        ("video_url", "https://example.com/" + "v" * 2030),
        ("thumbnail_url", "//example.com/a.png"),
        ("thumbnail_url", "data:image/png;base64,AAAA"),
        ("is_active", "yes"),
        ("id", 7),
        ("created_at", "2024-01-01T00:00:00+00:00"),
    ],
)
def test_an_invalid_course_is_refused_for_its_field(client, db, tq, admin, field, value):
    response = client.post("/api/courses", json={**NEW_COURSE, field: value}, headers=admin.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert tq.count_courses(db) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("title", "t" * 200), ("description", "d" * 5000), ("duration_minutes", 1440)]
)
def test_course_fields_at_their_limits_are_accepted(client, admin, field, value):
    response = client.post("/api/courses", json={**NEW_COURSE, field: value}, headers=admin.headers)
    assert response.status_code == 201
    assert response.json[field] == value


def test_a_missing_required_field_is_named(client, admin):
    response = client.post("/api/courses", json={"title": "Only a title"}, headers=admin.headers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"duration_minutes", "difficulty_level", "category"}


def test_active_titles_are_unique_in_any_case(client, db, tq, admin):
    assert client.post("/api/courses", json=NEW_COURSE, headers=admin.headers).status_code == 201
    response = client.post(
        "/api/courses", json={**NEW_COURSE, "title": "KETTLEBELL basics"}, headers=admin.headers
    )
    assert response.status_code == 409
    assert response.json == {"detail": "An active course with this title already exists", "status": 409}
    assert tq.count_courses(db) == 1


def test_a_retired_title_can_be_used_again_but_not_revived_twice(client, db, tq, admin):
    first = client.post("/api/courses", json={**NEW_COURSE, "is_active": False}, headers=admin.headers)
    assert first.status_code == 201
    second = client.post("/api/courses", json=NEW_COURSE, headers=admin.headers)
    assert second.status_code == 201
    revived = client.put(f"/api/courses/{first.json['id']}", json={"is_active": True}, headers=admin.headers)
    assert revived.status_code == 409
    assert tq.get_course_row(db, id=first.json["id"])["is_active"] is False


# --- changing ---------------------------------------------------------------------------------


def test_an_admin_changes_only_the_fields_sent(client, db, tq, admin):
    course = client.post("/api/courses", json=NEW_COURSE, headers=admin.headers).json
    response = client.put(
        f"/api/courses/{course['id']}",
        json={"duration_minutes": 45, "video_url": None},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.json["duration_minutes"] == 45
    assert response.json["video_url"] is None
    assert response.json["title"] == NEW_COURSE["title"]
    assert response.json["thumbnail_url"] == NEW_COURSE["thumbnail_url"]
    assert response.json["updated_at"] is not None
    row = tq.get_course_row(db, id=course["id"])
    assert (row["duration_minutes"], row["video_url"], row["description"]) == (
        45,
        None,
        NEW_COURSE["description"],
    )


def test_an_admin_can_retire_and_revive_a_course(client, db, tq, admin):
    course = client.post("/api/courses", json=NEW_COURSE, headers=admin.headers).json
    path = f"/api/courses/{course['id']}"
    assert client.put(path, json={"is_active": False}, headers=admin.headers).json["is_active"] is False
    assert client.get(path).status_code == 404
    assert client.put(path, json={"is_active": True}, headers=admin.headers).json["is_active"] is True
    assert client.get(path).status_code == 200


def test_a_change_to_another_active_title_is_a_conflict(client, db, tq, admin):
    client.post("/api/courses", json=NEW_COURSE, headers=admin.headers)
    other = client.post("/api/courses", json={**NEW_COURSE, "title": "Other"}, headers=admin.headers).json
    response = client.put(
        f"/api/courses/{other['id']}", json={"title": "kettlebell basics"}, headers=admin.headers
    )
    assert response.status_code == 409
    assert tq.get_course_row(db, id=other["id"])["title"] == "Other"


@pytest.mark.parametrize(
    "body",
    [
        {"title": None},
        {"duration_minutes": None},
        {"category": None},
        {"video_url": "ftp://x.example.com"},
        {"id": 3},
        {"is_active": 1},
    ],
)
def test_an_invalid_change_is_refused(client, db, tq, admin, body):
    course = client.post("/api/courses", json=NEW_COURSE, headers=admin.headers).json
    response = client.put(f"/api/courses/{course['id']}", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]) == list(body)
    assert tq.get_course_row(db, id=course["id"])["title"] == NEW_COURSE["title"]


def test_changing_a_missing_course_is_not_found(client, admin):
    response = client.put("/api/courses/999", json={"title": "Ghost"}, headers=admin.headers)
    assert response.status_code == 404
    assert response.json["detail"] == "Course not found"


# --- deleting ---------------------------------------------------------------------------------


def test_a_course_without_enrolments_is_deleted(client, db, tq, add_course, admin):
    course_id = add_course("Alpha")
    response = client.delete(f"/api/courses/{course_id}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json == {"message": "Course deleted", "action": "deleted"}
    assert tq.get_course_row(db, id=course_id) is None


def test_a_course_with_enrolments_is_deactivated_and_its_progress_kept(
    client, db, tq, add_course, user, admin
):
    course_id = add_course("Alpha")
    assert client.post(f"/api/courses/{course_id}/enroll", headers=user.headers).status_code == 201
    client.put(f"/api/courses/{course_id}/progress", json={"progress_percentage": 40}, headers=user.headers)

    response = client.delete(f"/api/courses/{course_id}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json["action"] == "deactivated"
    assert "deactivated" in response.json["message"]
    assert tq.get_course_row(db, id=course_id)["is_active"] is False
    assert tq.get_progress_row(db, user_id=user["id"], course_id=course_id)["progress_percentage"] == 40
    assert client.get("/api/courses").json["courses"] == []
    assert client.get("/api/progress", headers=user.headers).json["progress"][0]["course_id"] == course_id


def test_deleting_a_missing_course_is_not_found(client, admin):
    response = client.delete("/api/courses/999", headers=admin.headers)
    assert response.status_code == 404
    assert response.json["detail"] == "Course not found"


# --- the database's own rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("dba_set_course_duration", {"duration_minutes": 0}),
        ("dba_set_course_duration", {"duration_minutes": 1441}),
        ("dba_set_course_video_url", {"video_url": "ftp://example.com/a.mp4"}),
        ("dba_set_course_video_url", {"video_url": "javascript:alert(1)"}),
        ("dba_set_course_difficulty", {"difficulty_level": "expert"}),
    ],
)
def test_the_database_refuses_a_direct_course_update_outside_the_limits(db, tq, add_course, query, params):
    course_id = add_course("Alpha")
    with pytest.raises(psycopg.errors.CheckViolation):
        getattr(tq, query)(db, id=course_id, **params)
    row = tq.get_course_row(db, id=course_id)
    assert (row["duration_minutes"], row["video_url"], row["difficulty_level"]) == (30, None, "beginner")
