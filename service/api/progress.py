"""The caller's enrolments and progress (/api/progress); enrolling is under /api/courses."""

from service.api.blueprint import Blueprint
from service.api.bodies import json_body
from service.db import queries
from service.queries import returns
from service.schemas.common import PageQuerySchema
from service.schemas.progress import ProgressListSchema
from service.security import SIGNED_IN_COLUMNS, login_required_with_read, read_signed_in

blp = Blueprint(
    "progress", __name__, url_prefix="/api", description="Enrolments and progress through courses"
)

returns("progress.list_my_progress_page", *SIGNED_IN_COLUMNS, body=ProgressListSchema)


@blp.get("/progress")
@login_required_with_read
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ProgressListSchema)
def my_progress(args):
    """The caller's enrolments with course summaries, in enrolment order."""
    page = read_signed_in(
        queries.progress.list_my_progress_page, after_id=args["after_id"], page_size=args["limit"]
    )
    return json_body(page)
