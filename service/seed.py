"""The documented sample accounts and courses (spec: "Sample data"), created idempotently:
running the seed twice changes nothing."""

from functools import partial

import psycopg
from psycopg.rows import dict_row
from werkzeug.security import generate_password_hash

from service.accounts import save_training_profile
from service.config import libpq_url
from service.queries import load_queries

# The sample passwords are public; hashing them at full OWASP strength at every start would
# only slow start-up. They are upgraded to the configured method at their first login.
SAMPLE_HASH_METHOD = "scrypt:32768:8:1"


SAMPLE_USERS = [
    {
        "username": "admin",
        "password": "123",
        "email": "admin@example.com",
        "full_name": "Administrator",
        "is_admin": True,
        "profile": {
            "gender": "male",
            "age": 30,
            "height_cm": 180,
            "weight_kg": 75.0,
            "training_goals": ["maintain_fitness", "muscle_gain"],
            "training_level": "intermediate",
            "frequency_last_3_months": "3_4_times_week",
            "training_location": "gym",
            "location_details": "full_fitness_center",
            "session_duration": "45_60_min",
            "joint_back_problems": False,
            "chronic_conditions": False,
            "strength_training": 4,
            "cardio": 3,
            "hiit": 3,
            "yoga_pilates": 2,
            "functional_training": 4,
            "stretching": 3,
        },
    },
    {
        "username": "user",
        "password": "password",
        "email": "user@example.com",
        "full_name": "Regular User",
        "is_admin": False,
        "profile": {
            "gender": "female",
            "age": 25,
            "height_cm": 165,
            "weight_kg": 60.0,
            "training_goals": ["weight_loss", "improve_flexibility"],
            "training_level": "beginner",
            "frequency_last_3_months": "1_2_times_week",
            "training_location": "home",
            "location_details": "no_equipment",
            "session_duration": "30_45_min",
            "joint_back_problems": False,
            "chronic_conditions": False,
        },
    },
]

# (title, minutes, level, category, description)
SAMPLE_COURSES = [
    ("Mobility Reset", 30, "beginner", "flexibility", "Loosen hips, spine and shoulders."),
    ("Fat Burn Express", 45, "intermediate", "weight_loss", "A brisk circuit to burn calories."),
    ("Power HIIT", 40, "advanced", "endurance", "Hard intervals for seasoned athletes."),
    ("Yoga for Energy", 50, "all_levels", "stress_relief", "A flowing practice to wake you up."),
    ("Morning Stretch", 20, "beginner", "mobility", "A gentle start to the day."),
    ("Total Body Strength", 60, "intermediate", "muscle_gain", "Compound lifts for the whole body."),
    ("Core Crusher", 30, "all_levels", "core_strength", "Abs, obliques and lower back."),
    ("Glute Power", 35, "beginner", "toning", "Build and shape the glutes."),
    ("Boxing Basics", 45, "beginner", "cardio", "Stance, punches and footwork."),
    ("Quick Fix: 15 Min Burner", 15, "all_levels", "fat_burn", "Short and intense."),
    ("Mobility Flow Advanced", 40, "advanced", "flexibility", "Deep mobility sequences."),
    ("Low Impact Burn", 30, "beginner", "weight_loss", "Joint-friendly cardio."),
]


def seed_sample_data(database_url):
    """Insert the sample users (with profiles) and courses that are missing."""
    queries = load_queries()
    with psycopg.connect(libpq_url(database_url), row_factory=dict_row) as conn:
        for sample in SAMPLE_USERS:
            taken = queries.users.username_and_email_taken(
                conn, username=sample["username"], email=sample["email"]
            )
            if taken["username_taken"] or taken["email_taken"]:
                continue
            user_id = queries.users.insert_user_if_absent(
                conn,
                username=sample["username"],
                email=sample["email"],
                hashed_password=generate_password_hash(sample["password"], method=SAMPLE_HASH_METHOD),
                full_name=sample["full_name"],
                is_admin=sample["is_admin"],
            )
            upsert = partial(queries.profiles.upsert_training_profile, conn)
            save_training_profile(user_id, sample["profile"], upsert=upsert)
        for title, minutes, level, category, description in SAMPLE_COURSES:
            queries.courses.insert_course_if_absent(
                conn,
                title=title,
                description=description,
                duration_minutes=minutes,
                difficulty_level=level,
                category=category,
            )
