"""Enrolments and progress: enrol, report, list, and who may see whose progress."""

import threading
from datetime import datetime

import psycopg
import pytest


@pytest.fixture
def course(db, tq):
    """An active course's id."""
    return tq.insert_test_course(db, title="Mobility Reset", category="flexibility", is_active=True)


@pytest.fixture
def enrolled(client, user, course):
    response = client.post(f"/api/courses/{course}/enroll", headers=user.headers)
    assert response.status_code == 201
    return course


def put_progress(client, account, course_id, percentage):
    return client.put(
        f"/api/courses/{course_id}/progress",
        json={"progress_percentage": percentage},
        headers=account.headers,
    )


# --- enrolling --------------------------------------------------------------------------------


def test_enrolling_creates_progress_at_zero_with_the_course_summary(client, db, tq, user, course):
    response = client.post(f"/api/courses/{course}/enroll", headers=user.headers)
    assert response.status_code == 201
    body = response.json
    assert body["course_id"] == course
    assert body["course"] == {
        "id": course,
        "title": "Mobility Reset",
        "duration_minutes": 30,
        "difficulty_level": "beginner",
        "category": "flexibility",
    }
    assert body["progress_percentage"] == 0
    assert body["completed_at"] is None
    assert body["updated_at"] is None
    assert datetime.fromisoformat(body["started_at"]).utcoffset() is not None
    assert tq.get_progress_row(db, user_id=user["id"], course_id=course)["progress_percentage"] == 0


def test_enrolling_again_answers_200_with_the_existing_progress(client, db, tq, user, enrolled):
    put_progress(client, user, enrolled, 30)
    again = client.post(f"/api/courses/{enrolled}/enroll", headers=user.headers)
    assert again.status_code == 200
    assert again.json["progress_percentage"] == 30
    assert tq.count_course_enrolments(db, course_id=enrolled) == 1


def test_an_empty_json_body_on_enrol_is_ignored(client, user, course):
    response = client.post(
        f"/api/courses/{course}/enroll", data="", content_type="application/json", headers=user.headers
    )
    assert response.status_code == 201


def test_enrolling_in_a_missing_course_is_not_found(client, db, tq, user):
    response = client.post("/api/courses/999/enroll", headers=user.headers)
    assert response.status_code == 404
    assert response.json["detail"] == "Course not found"


def test_an_inactive_course_cannot_be_enrolled(client, db, tq, user, admin):
    retired = tq.insert_test_course(db, title="Retired", category="general", is_active=False)
    as_user = client.post(f"/api/courses/{retired}/enroll", headers=user.headers)
    assert as_user.status_code == 404
    as_admin = client.post(f"/api/courses/{retired}/enroll", headers=admin.headers)
    assert as_admin.status_code == 409
    assert as_admin.json["detail"] == "This course is inactive: it takes no new enrolments"
    assert tq.count_course_enrolments(db, course_id=retired) == 0


def test_an_existing_enrolment_survives_the_course_being_retired(client, db, tq, user, admin, enrolled):
    assert client.delete(f"/api/courses/{enrolled}", headers=admin.headers).json["action"] == "deactivated"
    again = client.post(f"/api/courses/{enrolled}/enroll", headers=user.headers)
    assert again.status_code == 200
    assert put_progress(client, user, enrolled, 100).status_code == 200


def test_anonymous_callers_cannot_enrol_or_report_progress(client, db, tq, course):
    responses = [
        client.post(f"/api/courses/{course}/enroll"),
        client.delete(f"/api/courses/{course}/enroll"),
        client.put(f"/api/courses/{course}/progress", json={"progress_percentage": 10}),
        client.get("/api/progress"),
        client.get("/api/users/1/progress"),
    ]
    for response in responses:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert tq.count_course_enrolments(db, course_id=course) == 0


def test_concurrent_enrolments_of_one_user_leave_one_row(app, db, tq, user, course):
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    statuses = []

    def enrol():
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/courses/{course}/enroll", headers=user.headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=enrol) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * (threads_count - 1) + [201]
    assert tq.count_course_enrolments(db, course_id=course) == 1


def test_unenrolling_drops_the_progress(client, db, tq, user, enrolled):
    response = client.delete(f"/api/courses/{enrolled}/enroll", headers=user.headers)
    assert response.status_code == 200
    assert response.json == {"message": "Enrolment removed"}
    assert tq.get_progress_row(db, user_id=user["id"], course_id=enrolled) is None
    again = client.delete(f"/api/courses/{enrolled}/enroll", headers=user.headers)
    assert again.status_code == 404
    assert again.json["detail"] == "You are not enrolled in this course"


def test_unenrolling_touches_only_the_callers_enrolment(client, db, tq, user, other_user, enrolled):
    assert client.delete(f"/api/courses/{enrolled}/enroll", headers=other_user.headers).status_code == 404
    assert tq.count_course_enrolments(db, course_id=enrolled) == 1


# --- reporting progress -----------------------------------------------------------------------


def test_completed_at_is_set_the_first_time_progress_reaches_100_and_kept(client, db, tq, user, enrolled):
    forty = put_progress(client, user, enrolled, 40)
    assert forty.status_code == 200
    assert forty.json["progress_percentage"] == 40
    assert forty.json["completed_at"] is None
    assert forty.json["updated_at"] is not None

    done = put_progress(client, user, enrolled, 100)
    assert done.status_code == 200
    completed_at = done.json["completed_at"]
    assert completed_at is not None
    assert datetime.fromisoformat(completed_at).utcoffset() is not None

    lower = put_progress(client, user, enrolled, 60)
    assert lower.json["progress_percentage"] == 60
    assert lower.json["completed_at"] == completed_at
    again = put_progress(client, user, enrolled, 100)
    assert again.json["completed_at"] == completed_at
    row = tq.get_progress_row(db, user_id=user["id"], course_id=enrolled)
    assert row["progress_percentage"] == 100
    assert row["completed_at"] == datetime.fromisoformat(completed_at)


@pytest.mark.parametrize("percentage", [0, 1, 99, 100])
def test_progress_within_0_to_100_is_stored(client, db, tq, user, enrolled, percentage):
    response = put_progress(client, user, enrolled, percentage)
    assert response.status_code == 200
    assert (
        tq.get_progress_row(db, user_id=user["id"], course_id=enrolled)["progress_percentage"] == percentage
    )
    assert (response.json["completed_at"] is not None) == (percentage == 100)


@pytest.mark.parametrize("percentage", [-1, 101, 50.5, "50", None, True])
def test_progress_outside_0_to_100_or_of_the_wrong_type_is_refused(
    client, db, tq, user, enrolled, percentage
):
    response = put_progress(client, user, enrolled, percentage)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["progress_percentage"]
    assert tq.get_progress_row(db, user_id=user["id"], course_id=enrolled)["progress_percentage"] == 0


@pytest.mark.parametrize("body", [{}, {"progress_percentage": 10, "completed_at": None}, {"user_id": 1}])
def test_a_progress_body_with_missing_or_unknown_fields_is_refused(client, user, enrolled, body):
    response = client.put(f"/api/courses/{enrolled}/progress", json=body, headers=user.headers)
    assert response.status_code == 422
    assert response.json["errors"]


def test_progress_without_an_enrolment_is_not_found(client, db, tq, user, other_user, enrolled):
    response = put_progress(client, other_user, enrolled, 50)
    assert response.status_code == 404
    assert response.json["detail"] == "You are not enrolled in this course"
    assert put_progress(client, user, 999, 50).status_code == 404
    assert tq.get_progress_row(db, user_id=other_user["id"], course_id=enrolled) is None


# --- listing ----------------------------------------------------------------------------------


def test_my_progress_lists_only_my_enrolments_with_course_summaries(
    client, db, tq, user, other_user, enrolled
):
    second = tq.insert_test_course(db, title="Power HIIT", category="endurance", is_active=True)
    client.post(f"/api/courses/{second}/enroll", headers=user.headers)
    client.post(f"/api/courses/{second}/enroll", headers=other_user.headers)
    put_progress(client, user, second, 100)

    response = client.get("/api/progress", headers=user.headers)
    assert response.status_code == 200
    progress = response.json["progress"]
    assert [(p["course_id"], p["course"]["title"], p["progress_percentage"]) for p in progress] == [
        (enrolled, "Mobility Reset", 0),
        (second, "Power HIIT", 100),
    ]
    assert set(progress[0]) == {
        "course_id",
        "course",
        "progress_percentage",
        "started_at",
        "completed_at",
        "updated_at",
    }
    assert response.json["pagination"] == {"limit": 50, "next_cursor": None}
    assert [
        p["course_id"] for p in client.get("/api/progress", headers=other_user.headers).json["progress"]
    ] == [second]


def test_a_user_without_enrolments_has_an_empty_progress_list(client, user):
    response = client.get("/api/progress", headers=user.headers)
    assert response.status_code == 200
    assert response.json == {"progress": [], "pagination": {"limit": 50, "next_cursor": None}}


def test_the_progress_list_pages_with_a_cursor(client, db, tq, user):
    for title in "ABC":
        course_id = tq.insert_test_course(db, title=title, category="general", is_active=True)
        client.post(f"/api/courses/{course_id}/enroll", headers=user.headers)
    first = client.get("/api/progress?limit=2", headers=user.headers)
    assert [p["course"]["title"] for p in first.json["progress"]] == ["A", "B"]
    cursor = first.json["pagination"]["next_cursor"]
    rest = client.get(f"/api/progress?limit=2&cursor={cursor}", headers=user.headers)
    assert [p["course"]["title"] for p in rest.json["progress"]] == ["C"]
    assert rest.json["pagination"]["next_cursor"] is None
    assert client.get("/api/progress?limit=101", headers=user.headers).status_code == 422


def test_a_user_reads_their_own_progress_by_id(client, user, enrolled):
    response = client.get(f"/api/users/{user['id']}/progress", headers=user.headers)
    assert response.status_code == 200
    assert [p["course_id"] for p in response.json["progress"]] == [enrolled]


def test_another_users_progress_is_not_found_but_an_admin_sees_it(client, user, other_user, admin, enrolled):
    hidden = client.get(f"/api/users/{user['id']}/progress", headers=other_user.headers)
    assert hidden.status_code == 404
    assert hidden.json["detail"] == "User not found"
    seen = client.get(f"/api/users/{user['id']}/progress", headers=admin.headers)
    assert seen.status_code == 200
    assert [p["course_id"] for p in seen.json["progress"]] == [enrolled]


def test_an_admin_gets_an_empty_list_for_a_user_without_enrolments_and_404_for_no_user(client, user, admin):
    empty = client.get(f"/api/users/{user['id']}/progress", headers=admin.headers)
    assert empty.status_code == 200
    assert empty.json["progress"] == []
    assert client.get("/api/users/999/progress", headers=admin.headers).status_code == 404


# --- what goes with a user, and what the database refuses -------------------------------------


def test_deleting_a_user_removes_their_profile_sessions_and_progress(client, db, tq, user, admin, enrolled):
    client.put("/auth/training-profile", json={"age": 30}, headers=user.headers)
    assert tq.count_rows_owned_by(db, user_id=user["id"]) == {"profiles": 1, "sessions": 1, "progress": 1}

    response = client.delete(f"/api/users/{user['id']}", headers=admin.headers)
    assert response.status_code == 200
    assert tq.count_rows_owned_by(db, user_id=user["id"]) == {"profiles": 0, "sessions": 0, "progress": 0}
    assert tq.get_course_row(db, id=enrolled)["is_active"] is True
    assert tq.count_rows_owned_by(db, user_id=admin["id"])["sessions"] == 1


@pytest.mark.parametrize("percentage", [101, -1])
def test_the_database_refuses_a_direct_progress_update_outside_0_to_100(db, tq, user, enrolled, percentage):
    with pytest.raises(psycopg.errors.CheckViolation):
        tq.dba_set_progress_percentage(
            db, user_id=user["id"], course_id=enrolled, progress_percentage=percentage
        )
    assert tq.get_progress_row(db, user_id=user["id"], course_id=enrolled)["progress_percentage"] == 0
