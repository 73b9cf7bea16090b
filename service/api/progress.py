"""The caller's enrolments and progress (/api/progress); enrolling is under /api/courses."""

from service.api.blueprint import Blueprint
from service.db import queries
from service.queries import returns
from service.schemas.common import PageQuerySchema, keyset_page
from service.schemas.progress import PROGRESS_COLUMNS, CourseSummarySchema, ProgressListSchema
from service.security import current_user, login_required

blp = Blueprint(
    "progress", __name__, url_prefix="/api", description="Enrolments and progress through courses"
)

returns("progress.list_user_progress", "id", *PROGRESS_COLUMNS, course=CourseSummarySchema)


@blp.get("/progress")
@login_required
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ProgressListSchema)
def my_progress(args):
    """The caller's enrolments with course summaries, in enrolment order."""
    return keyset_page("progress", queries.progress.list_user_progress, args, user_id=current_user()["id"])
