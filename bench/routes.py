"""The benchmarked routes, and how each request of one is built (for wrk and in-process alike)."""

import json
from dataclasses import dataclass, field

from bench.database import BENCH_PASSWORD, ENROLLED_COURSES, TOKEN_USERS

ID_STRIDE = 7919  # the same spreading as bench/route.lua


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # may hold {mid_course}, {mid_user}, {mid_page} (per scale) and {id} (per request)
    auth: str | None = None  # "user", "admin" or None
    bodies: str | None = None  # "profile", "progress", "login"
    ids: str | None = None  # "unenrolled", "enrolled", "courses" or "users": which ids {id} takes
    connections: int | None = None  # None: the run's default
    kind: str = "read"  # "floor", "read", "list", "write", "login"
    rt_requests: tuple = field(default=(8, 20))  # warm-up and measured requests for round trips


# Every GET route of the API (lists: the first page of 50 and a page in the middle), then the
# hot writes and login. Left out: /openapi.json and /docs (static documents), and
# /admin/users/export (an export of every account: its cost is the table's size by design).
ROUTES = (
    Route("GET /ping", "GET", "/ping", kind="floor"),
    Route("GET /health", "GET", "/health"),
    Route("GET /auth/me", "GET", "/auth/me", auth="user"),
    Route("GET /auth/verify-token", "GET", "/auth/verify-token", auth="user"),
    Route("GET /auth/training-profile", "GET", "/auth/training-profile", auth="user"),
    Route("GET /auth/active-sessions", "GET", "/auth/active-sessions?limit=50", auth="user", kind="list"),
    Route("GET /auth/check-availability", "GET", "/auth/check-availability?username=nobody.here"),
    Route(
        "GET /auth/check-email-availability",
        "GET",
        "/auth/check-email-availability?email=nobody.here@example.org",
        auth="user",
    ),
    Route("GET /api/courses (first page)", "GET", "/api/courses?limit=50", kind="list"),
    Route("GET /api/courses (middle page)", "GET", "/api/courses?limit=50&cursor={mid_course}", kind="list"),
    Route("GET /api/courses/{id}", "GET", "/api/courses/{id}", ids="courses"),
    Route("GET /api/progress", "GET", "/api/progress?limit=50", auth="user", kind="list"),
    Route("GET /api/users (first page)", "GET", "/api/users?limit=50", auth="admin", kind="list"),
    Route(
        "GET /api/users (middle page)",
        "GET",
        "/api/users?limit=50&cursor={mid_user}",
        auth="admin",
        kind="list",
    ),
    Route("GET /api/users/{id}", "GET", "/api/users/{id}", auth="admin", ids="users"),
    Route(
        "GET /api/users/{id}/progress",
        "GET",
        "/api/users/{id}/progress?limit=50",
        auth="admin",
        ids="users",
        kind="list",
    ),
    Route("GET /admin/stats", "GET", "/admin/stats", auth="admin"),
    Route("GET /admin/users (first page)", "GET", "/admin/users?page=1&limit=50", auth="admin", kind="list"),
    Route(
        "GET /admin/users (middle page)",
        "GET",
        "/admin/users?page={mid_page}&limit=50",
        auth="admin",
        kind="list",
    ),
    Route("GET /admin/users/{id}", "GET", "/admin/users/{id}", auth="admin", ids="users"),
    Route("GET /admin/activity", "GET", "/admin/activity?limit=10", auth="admin"),
    Route(
        "PUT /auth/training-profile",
        "PUT",
        "/auth/training-profile",
        auth="user",
        bodies="profile",
        kind="write",
    ),
    Route(
        "POST /api/courses/{id}/enroll",
        "POST",
        "/api/courses/{id}/enroll",
        auth="user",
        ids="unenrolled",
        kind="write",
    ),
    Route(
        "PUT /api/courses/{id}/progress",
        "PUT",
        "/api/courses/{id}/progress",
        auth="user",
        bodies="progress",
        ids="enrolled",
        kind="write",
    ),
    Route(
        "POST /auth/login (1 client)",
        "POST",
        "/auth/login",
        bodies="login",
        connections=1,
        kind="login",
        rt_requests=(1, 3),
    ),
    Route(
        "POST /auth/login",
        "POST",
        "/auth/login",
        bodies="login",
        connections=4,
        kind="login",
        rt_requests=(1, 3),
    ),
)


def scale_placeholders(scale):
    """Middle pages: a page halfway through each list at this scale."""
    return {
        "mid_course": str(scale.courses // 2),
        "mid_user": str(scale.users // 2),
        "mid_page": str(max(1, scale.users // 50 // 2)),
    }


def id_range(route, scale):
    """(first, last) course ids for {id}, or None."""
    if route.ids == "enrolled":
        return 1, ENROLLED_COURSES
    if route.ids == "unenrolled":
        return ENROLLED_COURSES + 1, scale.courses
    if route.ids == "courses":
        return 1, scale.courses
    if route.ids == "users":
        return 1, scale.users
    return None


def bodies(kind):
    """JSON bodies, one per line of the wrk body file."""
    if kind == "profile":
        return [
            json.dumps(
                {
                    "age": 20 + i,
                    "cardio": 1 + i % 5,
                    "training_goals": ["weight_loss", "muscle_gain"][: 1 + i % 2],
                }
            )
            for i in range(16)
        ]
    if kind == "progress":
        return [json.dumps({"progress_percentage": 5 * i}) for i in range(20)]
    if kind == "login":
        return [json.dumps({"username": f"bench{u}", "password": BENCH_PASSWORD}) for u in TOKEN_USERS]
    return []


def resolve_path(route, scale):
    path = route.path
    for key, value in scale_placeholders(scale).items():
        path = path.replace("{" + key + "}", value)
    return path


def nth_request(route, scale, tokens, n):
    """The n-th request of a route as (method, path, headers, body): the same rotation as route.lua."""
    path = resolve_path(route, scale)
    ids = id_range(route, scale)
    if ids is not None:
        first, last = ids
        path = path.replace("{id}", str(first + (n * ID_STRIDE) % (last - first + 1)))
    headers = {}
    token_list = tokens.get(route.auth) or []
    if token_list:
        headers["Authorization"] = f"Bearer {token_list[n % len(token_list)]}"
    body_list = bodies(route.bodies)
    body = body_list[n % len(body_list)] if body_list else None
    if body is not None:
        headers["Content-Type"] = "application/json"
    return route.method, path, headers, body
