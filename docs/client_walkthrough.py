#!/usr/bin/env python3
"""A UrTraining client using only Python's standard library.

It registers an account, signs in, fills in the training questionnaire, enrols in a beginner
course and reports progress, printing what the service answers at each step:

    python3 docs/client_walkthrough.py [--base-url http://127.0.0.1:8000] [--username carol]

Every answer of the service is JSON; an error is {"detail": "...", "status": <code>} and the
script stops on the first one it does not expect, showing the detail.
"""

import argparse
import json
import secrets
import sys
import urllib.error
import urllib.request

QUESTIONNAIRE = {
    "gender": "female",
    "age": 34,
    "height_cm": 168,
    "weight_kg": 61.5,
    "training_goals": ["improve_flexibility", "maintain_fitness"],
    "training_level": "beginner",
    "frequency_last_3_months": "1_2_times_week",
    "training_location": "home",
    "location_details": "no_equipment",
    "session_duration": "30_45_min",
    "joint_back_problems": False,
    "chronic_conditions": False,
    "yoga_pilates": 4,
    "stretching": 5,
}


class ApiError(Exception):
    pass


class Client:
    def __init__(self, base_url):
        if not base_url.startswith(("http://", "https://")):
            raise ApiError(f"not an http(s) URL: {base_url}")
        self.base_url = base_url.rstrip("/")
        self.token = None

    def call(self, method, path, body=None, expect=(200,)):
        """Send a request; return the parsed JSON answer, or raise ApiError with its detail."""
        data = None if body is None else json.dumps(body).encode()
        url = self.base_url + path  # http(s) only: checked in __init__
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, answer = response.status, json.load(response)
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.load(error)
        if status not in expect:
            raise ApiError(f"{method} {path} answered {status}: {answer.get('detail')}")
        return answer


def walk(base_url, username, password):
    api = Client(base_url)

    user = api.call(
        "POST",
        "/auth/register",
        {
            "username": username,
            "password": password,
            "email": f"{username}@example.com",
            "full_name": "Walk Through",
        },
        expect=(201,),
    )["user_info"]
    print(f"1. registered {user['username']} (id {user['id']})")

    login = api.call("POST", "/auth/login", {"username": username, "password": password})
    api.token = login["access_token"]
    print(f"2. signed in; the token is good for {login['expires_in']} s")

    profile = api.call("PUT", "/auth/training-profile", QUESTIONNAIRE)["training_profile"]
    goals = ", ".join(profile["training_goals"])
    print(f"3. questionnaire saved: {profile['training_experience']['level']}, goals {goals}")

    courses = api.call("GET", "/api/courses?difficulty_level=beginner&limit=5")["courses"]
    if not courses:
        raise ApiError("there is no beginner course to enrol in")
    course = courses[0]
    api.call("POST", f"/api/courses/{course['id']}/enroll", expect=(200, 201))
    print(f"4. enrolled in {course['title']!r} (course {course['id']}, {course['duration_minutes']} min)")

    progress = api.call("PUT", f"/api/courses/{course['id']}/progress", {"progress_percentage": 40})
    print(f"5. progress reported: {progress['progress_percentage']}%")

    mine = api.call("GET", "/api/progress")["progress"]
    print("6. my courses: " + "; ".join(f"{p['course']['title']} {p['progress_percentage']}%" for p in mine))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=f"walker_{secrets.token_hex(3)}")
    parser.add_argument("--password", default=secrets.token_urlsafe(12), help="default: a random one")
    args = parser.parse_args(argv)
    try:
        walk(args.base_url, args.username, args.password)
    except (ApiError, urllib.error.URLError) as error:
        print(f"stopped: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
