"""The course catalogue: anyone may browse active courses; admins manage them."""

from service import db
from service.api import Blueprint
from service.errors import abort
from service.schemas.common import cursor_page
from service.schemas.courses import (
    COURSE_FIELDS,
    CourseCreateSchema,
    CourseDeletedSchema,
    CourseListQuerySchema,
    CourseListSchema,
    CourseSchema,
    CourseUpdateSchema,
)
from service.security import BEARER_SECURITY, admin_required, authenticate, bearer_token

blp = Blueprint("courses", __name__, url_prefix="/api/courses", description="The course catalogue")

# Public routes that show more to an admin: a token is optional, but a bad one is still a 401.
OPTIONAL_BEARER = [{}, *BEARER_SECURITY]
COURSE_NOT_FOUND = "Course not found"


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
    rows = list(
        db.queries().list_courses(
            db.connection(),
            include_inactive=args["include_inactive"],
            category=args["category"],
            difficulty_level=args["difficulty_level"],
            q=args["q"],
            after_id=args["after_id"],
            page_size=args["limit"],
        )
    )
    return {"courses": rows, "pagination": cursor_page(rows, args["limit"])}


@blp.get("/<int:course_id>")
@blp.doc(security=OPTIONAL_BEARER)
@blp.response(200, CourseSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def get_course(course_id):
    """One course; an inactive one only for admins."""
    course = db.queries().get_course_by_id(db.connection(), id=course_id)
    if course is None or (not course["is_active"] and not _caller_is_admin()):
        abort(404, COURSE_NOT_FOUND)
    return course


@blp.post("")
@admin_required
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
@blp.alt_response(409, response="CONFLICT")
def create_course(data):
    """Add a course (admin). Active titles are unique, whatever their case."""
    return db.queries().insert_course(db.connection(), **{name: data.get(name) for name in COURSE_FIELDS})


@blp.put("/<int:course_id>")
@admin_required
@blp.arguments(CourseUpdateSchema)
@blp.response(200, CourseSchema)
@blp.alt_response(409, response="CONFLICT")
def update_course(data, course_id):
    """Change any subset of a course's fields (admin); null clears description or a URL."""
    params = {name: data.get(name) for name in COURSE_FIELDS}
    course = db.queries().update_course(db.connection(), id=course_id, fields_sent=list(data), **params)
    if course is None:
        abort(404, COURSE_NOT_FOUND)
    return course


@blp.delete("/<int:course_id>")
@admin_required
@blp.response(200, CourseDeletedSchema)
def delete_course(course_id):
    """Erase a course (admin); one with enrolments is deactivated instead, keeping their progress."""
    q = db.queries()
    with db.transaction() as conn:
        if q.lock_course(conn, id=course_id) is None:
            abort(404, COURSE_NOT_FOUND)
        if q.course_has_enrolments(conn, id=course_id):
            q.deactivate_course(conn, id=course_id)
            return {
                "message": "Course deactivated, not deleted: it has enrolments, whose progress is kept",
                "action": "deactivated",
            }
        q.delete_course(conn, id=course_id)
        return {"message": "Course deleted", "action": "deleted"}
