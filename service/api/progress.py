"""Enrolments and progress: users enrol in courses and report how far they are."""

from service import db
from service.api import Blueprint
from service.errors import abort
from service.schemas.common import MessageSchema, PageQuerySchema, cursor_page
from service.schemas.progress import ProgressListSchema, ProgressSchema, ProgressUpdateSchema
from service.security import current_user, is_self_or_admin, login_required

blp = Blueprint(
    "progress", __name__, url_prefix="/api", description="Enrolments and progress through courses"
)

NOT_ENROLLED = "You are not enrolled in this course"


@blp.post("/courses/<int:course_id>/enroll")
@login_required
@blp.response(201, ProgressSchema, description="Enrolled")
@blp.alt_response(200, schema=ProgressSchema, description="Already enrolled: the existing progress")
@blp.alt_response(409, response="CONFLICT")
def enroll(course_id):
    """Enrol the caller in an active course (200 with the existing progress if already enrolled)."""
    q = db.queries()
    conn = db.connection()
    user = current_user()
    progress = q.enroll_in_course(conn, user_id=user["id"], course_id=course_id)
    if progress is not None:
        return progress
    existing = q.get_progress(conn, user_id=user["id"], course_id=course_id)
    if existing is not None:
        return existing, 200
    course = q.get_course_by_id(conn, id=course_id)
    if course is None or not user["is_admin"]:
        abort(404, "Course not found")
    abort(409, "This course is inactive: it takes no new enrolments")


@blp.delete("/courses/<int:course_id>/enroll")
@login_required
@blp.response(200, MessageSchema)
def unenroll(course_id):
    """Drop the caller's enrolment in a course, with its progress."""
    if (
        db.queries().delete_enrolment(db.connection(), user_id=current_user()["id"], course_id=course_id)
        is None
    ):
        abort(404, NOT_ENROLLED)
    return {"message": "Enrolment removed"}


@blp.put("/courses/<int:course_id>/progress")
@login_required
@blp.arguments(ProgressUpdateSchema)
@blp.response(200, ProgressSchema)
def update_progress(data, course_id):
    """Report progress 0 to 100; completed_at is set the first time it reaches 100."""
    progress = db.queries().update_progress(
        db.connection(),
        user_id=current_user()["id"],
        course_id=course_id,
        progress_percentage=data["progress_percentage"],
    )
    if progress is None:
        abort(404, NOT_ENROLLED)
    return progress


def _progress_page(user_id, args):
    rows = list(
        db.queries().list_user_progress(
            db.connection(), user_id=user_id, after_id=args["after_id"], page_size=args["limit"]
        )
    )
    return {"progress": rows, "pagination": cursor_page(rows, args["limit"])}


@blp.get("/progress")
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ProgressListSchema)
def my_progress(args):
    """The caller's enrolments with course summaries, in enrolment order."""
    return _progress_page(current_user()["id"], args)


@blp.get("/users/<int:user_id>/progress")
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ProgressListSchema)
def user_progress(args, user_id):
    """One user's enrolments (self or admin; another user's are a 404)."""
    if not is_self_or_admin(user_id):
        abort(404, "User not found")
    page = _progress_page(user_id, args)
    if not page["progress"] and not db.queries().user_exists(db.connection(), id=user_id):
        abort(404, "User not found")
    return page
