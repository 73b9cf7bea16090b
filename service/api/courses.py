"""The course catalogue: anyone may browse active courses; admins manage them; users enrol."""

from service.api.blueprint import Blueprint
from service.api.bodies import json_body
from service.api.spec import BEARER_SECURITY
from service.db import queries, transaction
from service.errors import abort
from service.queries import returns
from service.schemas.common import MessageSchema
from service.schemas.courses import (
    COURSE_COLUMNS,
    COURSE_FIELDS,
    CourseCreateSchema,
    CourseDeletedSchema,
    CourseListQuerySchema,
    CourseListSchema,
    CourseSchema,
    CourseUpdateSchema,
)
from service.schemas.progress import (
    ProgressSchema,
    ProgressUpdateSchema,
)
from service.security import admin_required, authenticate, bearer_token, current_user, login_required

blp = Blueprint("courses", __name__, url_prefix="/api/courses", description="The course catalogue")

# Public routes that show more to an admin: a token is optional, but a bad one is still a 401.
OPTIONAL_BEARER = [{}, *BEARER_SECURITY]
COURSE_NOT_FOUND = "Course not found"
NOT_ENROLLED = "You are not enrolled in this course"
PROGRESS = {"tags": ["progress"]}

returns("courses.insert_course", *COURSE_COLUMNS)
returns("courses.update_course", *COURSE_COLUMNS)
returns("courses.list_courses_page", body=CourseListSchema)
returns("courses.get_course", "is_active", body=CourseSchema)
returns("progress.enroll_in_course", body=ProgressSchema)
returns("progress.get_progress", body=ProgressSchema)
returns("progress.update_progress", body=ProgressSchema)


def _caller_is_admin():
    """Whether the request carries an admin's token (None: no token at all)."""
    if bearer_token() is None:
        return None
    return authenticate()["is_admin"]


@blp.get("")
@blp.doc(security=OPTIONAL_BEARER)
@blp.arguments(CourseListQuerySchema, location="query")
@blp.response(200, CourseListSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
def list_courses(args):
    """A page of active courses in id order; filter by category, difficulty_level and q."""
    if args["include_inactive"]:
        is_admin = _caller_is_admin()
        if is_admin is None:
            abort(401, "Sign in as an admin to list inactive courses", headers={"WWW-Authenticate": "Bearer"})
        if not is_admin:
            abort(403, "Only admins may list inactive courses")
    page = queries.courses.list_courses_page(
        include_inactive=args["include_inactive"],
        category=args["category"],
        difficulty_level=args["difficulty_level"],
        q=args["q"],
        after_id=args["after_id"],
        page_size=args["limit"],
    )
    return json_body(page["body"])


@blp.get("/<int:course_id>")
@blp.doc(security=OPTIONAL_BEARER)
@blp.response(200, CourseSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def get_course(course_id):
    """One course; an inactive one only for admins."""
    course = queries.courses.get_course(id=course_id)
    if course is None or (not course["is_active"] and not _caller_is_admin()):
        abort(404, COURSE_NOT_FOUND)
    return json_body(course["body"])


@blp.post("")
@admin_required
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
@blp.alt_response(409, response="CONFLICT")
def create_course(data):
    """Add a course (admin). Active titles are unique, whatever their case."""
    return queries.courses.insert_course(**{name: data.get(name) for name in COURSE_FIELDS})


@blp.put("/<int:course_id>")
@admin_required
@blp.arguments(CourseUpdateSchema)
@blp.response(200, CourseSchema)
@blp.alt_response(409, response="CONFLICT")
def update_course(data, course_id):
    """Change any subset of a course's fields (admin); null clears description or a URL."""
    params = {name: data.get(name) for name in COURSE_FIELDS}
    course = queries.courses.update_course(id=course_id, fields_sent=list(data), **params)
    if course is None:
        abort(404, COURSE_NOT_FOUND)
    return course


@blp.delete("/<int:course_id>")
@admin_required
@blp.response(200, CourseDeletedSchema)
def delete_course(course_id):
    """Erase a course (admin); one with enrolments is deactivated instead, keeping their progress."""
    with transaction():
        if queries.courses.lock_course(id=course_id) is None:
            abort(404, COURSE_NOT_FOUND)
        if queries.courses.course_has_enrolments(id=course_id):
            queries.courses.deactivate_course(id=course_id)
            return {
                "message": "Course deactivated, not deleted: it has enrolments, whose progress is kept",
                "action": "deactivated",
            }
        queries.courses.delete_course(id=course_id)
        return {"message": "Course deleted", "action": "deleted"}


@blp.post("/<int:course_id>/enroll", **PROGRESS)
@login_required
@blp.response(201, ProgressSchema, description="Enrolled")
@blp.alt_response(200, schema=ProgressSchema, description="Already enrolled: the existing progress")
@blp.alt_response(409, response="CONFLICT")
def enroll(course_id):
    """Enrol the caller in an active course (200 with the existing progress if already enrolled)."""
    user = current_user()
    progress = queries.progress.enroll_in_course(user_id=user["id"], course_id=course_id)
    if progress is not None:
        return json_body(progress["body"], 201)
    existing = queries.progress.get_progress(user_id=user["id"], course_id=course_id)
    if existing is not None:
        return json_body(existing["body"])
    course = queries.courses.get_course(id=course_id)
    if course is None or not user["is_admin"]:
        abort(404, COURSE_NOT_FOUND)
    abort(409, "This course is inactive: it takes no new enrolments")


@blp.delete("/<int:course_id>/enroll", **PROGRESS)
@login_required
@blp.response(200, MessageSchema)
def unenroll(course_id):
    """Drop the caller's enrolment in a course, with its progress."""
    if queries.progress.delete_enrolment(user_id=current_user()["id"], course_id=course_id) is None:
        abort(404, NOT_ENROLLED)
    return {"message": "Enrolment removed"}


@blp.put("/<int:course_id>/progress", **PROGRESS)
@login_required
@blp.arguments(ProgressUpdateSchema)
@blp.response(200, ProgressSchema)
def update_progress(data, course_id):
    """Report progress 0 to 100; completed_at is set the first time it reaches 100."""
    progress = queries.progress.update_progress(
        user_id=current_user()["id"],
        course_id=course_id,
        progress_percentage=data["progress_percentage"],
    )
    if progress is None:
        abort(404, NOT_ENROLLED)
    return json_body(progress["body"])
