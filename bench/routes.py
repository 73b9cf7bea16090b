"""The benchmarked routes, and how each request of one is built (for wrk and in-process alike)."""

import json
from dataclasses import dataclass, field

from bench.database import BENCH_PASSWORD, ENROLLED_COURSES, TOKEN_USERS

ID_STRIDE = 7919  # the same spreading as bench/route.lua


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # may hold {deep_course}, {deep_user}, {deep_page} (per scale) and {id} (per request)
    auth: str | None = None  # "user", "admin" or None
    bodies: str | None = None  # "profile", "progress", "login"
    ids: str | None = None  # "unenrolled" or "enrolled": which course ids {id} takes
    connections: int | None = None  # None: the run's default
    kind: str = "read"  # "floor", "read", "write", "login"
    rt_requests: tuple = field(default=(8, 20))  # warm-up and measured requests for round trips


ROUTES = (
    Route("GET /ping", "GET", "/ping", kind="floor"),
    Route("GET /auth/me", "GET", "/auth/me", auth="user"),
    Route("GET /auth/verify-token", "GET", "/auth/verify-token", auth="user"),
    Route("GET /auth/training-profile", "GET", "/auth/training-profile", auth="user"),
    Route("GET /api/courses (first page)", "GET", "/api/courses?limit=50"),
    Route("GET /api/courses (deep page)", "GET", "/api/courses?limit=50&cursor={deep_course}"),
    Route("GET /api/users (first page)", "GET", "/api/users?limit=50", auth="admin"),
    Route("GET /api/users (deep page)", "GET", "/api/users?limit=50&cursor={deep_user}", auth="admin"),
    Route("GET /admin/users (first page)", "GET", "/admin/users?page=1&limit=50", auth="admin"),
    Route("GET /admin/users (deep page)", "GET", "/admin/users?page={deep_page}&limit=50", auth="admin"),
    Route("GET /api/progress", "GET", "/api/progress?limit=50", auth="user"),
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
    """Deep pages: the last full page of each list at this scale."""
    return {
        "deep_course": str(scale.courses - 60),
        "deep_user": str(scale.users - 60),
        "deep_page": str(max(1, scale.users // 50 - 1)),
    }


def id_range(route, scale):
    """(first, last) course ids for {id}, or None."""
    if route.ids == "enrolled":
        return 1, ENROLLED_COURSES
    if route.ids == "unenrolled":
        return ENROLLED_COURSES + 1, scale.courses
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
