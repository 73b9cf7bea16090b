"""Create the sample data idempotently: running it twice changes nothing."""

import psycopg
from psycopg.rows import dict_row
from werkzeug.security import generate_password_hash

from service.db import load_queries
from service.dburl import libpq_url
from service.sample_data import SAMPLE_COURSES, SAMPLE_USERS
from service.training_profiles import save_training_profile

# The sample passwords are public; hashing them at full OWASP strength at every start would
# only slow start-up. They are upgraded to the configured method at their first login.
SAMPLE_HASH_METHOD = "scrypt:32768:8:1"


def seed_sample_data(database_url):
    """Insert the sample users (with profiles) and courses that are missing."""
    queries = load_queries()
    with psycopg.connect(libpq_url(database_url), row_factory=dict_row) as conn:
        for sample in SAMPLE_USERS:
            taken = queries.username_and_email_taken(conn, username=sample["username"], email=sample["email"])
            if taken["username_taken"] or taken["email_taken"]:
                continue
            user_id = queries.insert_user_if_absent(
                conn,
                username=sample["username"],
                email=sample["email"],
                hashed_password=generate_password_hash(sample["password"], method=SAMPLE_HASH_METHOD),
                full_name=sample["full_name"],
                is_admin=sample["is_admin"],
            )
            save_training_profile(conn, user_id, sample["profile"], queries)
        for title, minutes, level, category, description in SAMPLE_COURSES:
            queries.insert_course_if_absent(
                conn,
                title=title,
                description=description,
                duration_minutes=minutes,
                difficulty_level=level,
                category=category,
            )
