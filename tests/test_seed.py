"""Sample data: created idempotently, exactly as the API spec's "Sample data" section says."""

from service.seed import seed_sample_data

# Spelled out from the spec (not imported from service/seed.py), so a typo there fails here.
SPEC_COURSES = [
    ("Mobility Reset", 30, "beginner", "flexibility"),
    ("Fat Burn Express", 45, "intermediate", "weight_loss"),
    ("Power HIIT", 40, "advanced", "endurance"),
    ("Yoga for Energy", 50, "all_levels", "stress_relief"),
    ("Morning Stretch", 20, "beginner", "mobility"),
    ("Total Body Strength", 60, "intermediate", "muscle_gain"),
    ("Core Crusher", 30, "all_levels", "core_strength"),
    ("Glute Power", 35, "beginner", "toning"),
    ("Boxing Basics", 45, "beginner", "cardio"),
    ("Quick Fix: 15 Min Burner", 15, "all_levels", "fat_burn"),
    ("Mobility Flow Advanced", 40, "advanced", "flexibility"),
    ("Low Impact Burn", 30, "beginner", "weight_loss"),
]

ADMIN = {
    "username": "admin",
    "email": "admin@example.com",
    "full_name": "Administrator",
    "is_admin": True,
    "is_active": True,
    "training_profile": {
        "basic_information": {"gender": "male", "age": 30, "height_cm": 180, "weight_kg": 75.0},
        "training_goals": ["maintain_fitness", "muscle_gain"],
        "training_experience": {"level": "intermediate", "frequency_last_3_months": "3_4_times_week"},
        "preferences": {
            "training_location": "gym",
            "location_details": "full_fitness_center",
            "session_duration": "45_60_min",
        },
        "health": {"joint_back_problems": False, "chronic_conditions": False, "health_details": None},
        "training_types": {
            "strength_training": 4,
            "cardio": 3,
            "hiit": 3,
            "yoga_pilates": 2,
            "functional_training": 4,
            "stretching": 3,
        },
    },
}

USER = {
    "username": "user",
    "email": "user@example.com",
    "full_name": "Regular User",
    "is_admin": False,
    "is_active": True,
    "training_profile": {
        "basic_information": {"gender": "female", "age": 25, "height_cm": 165, "weight_kg": 60.0},
        "training_goals": ["weight_loss", "improve_flexibility"],
        "training_experience": {"level": "beginner", "frequency_last_3_months": "1_2_times_week"},
        "preferences": {
            "training_location": "home",
            "location_details": "no_equipment",
            "session_duration": "30_45_min",
        },
        "health": {"joint_back_problems": False, "chronic_conditions": False, "health_details": None},
        "training_types": {
            "strength_training": None,
            "cardio": None,
            "hiit": None,
            "yoga_pilates": None,
            "functional_training": None,
            "stretching": None,
        },
    },
}


def login(client, username, password):
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def shown(user):
    """A User as the API shows it, without ids and timestamps."""
    profile = {k: v for k, v in user["training_profile"].items() if k not in ("created_at", "updated_at")}
    kept = {k: v for k, v in user.items() if k not in ("id", "created_at", "updated_at", "training_profile")}
    return {**kept, "training_profile": profile}


def test_seeding_twice_gives_the_documented_accounts_profiles_and_courses(
    client, db, tq, database_url_for_tests
):
    seed_sample_data(database_url_for_tests)
    seed_sample_data(database_url_for_tests)

    assert tq.count_users(db) == 2
    assert tq.count_courses(db) == 12
    courses = list(tq.list_course_rows(db))
    rows = [
        (row["title"], row["duration_minutes"], row["difficulty_level"], row["category"]) for row in courses
    ]
    assert sorted(rows) == sorted(SPEC_COURSES)
    assert all(row["is_active"] for row in courses)

    admin = login(client, "admin", "123")
    user = login(client, "user", "password")
    assert (admin["user_info"]["is_admin"], user["user_info"]["is_admin"]) == (True, False)
    assert client.post("/auth/login", json={"username": "admin", "password": "password"}).status_code == 401

    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    admin_shown = client.get(f"/api/users/{admin['user_info']['id']}", headers=headers)
    user_shown = client.get(f"/api/users/{user['user_info']['id']}", headers=headers)
    assert (admin_shown.status_code, user_shown.status_code) == (200, 200)
    assert shown(admin_shown.json) == ADMIN
    assert shown(user_shown.json) == USER


def test_seeding_again_keeps_changes_made_to_sample_accounts(client, db, tq, database_url_for_tests):
    seed_sample_data(database_url_for_tests)
    token = login(client, "user", "password")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    url = f"/api/users/{token['user_info']['id']}"
    assert client.put(url, json={"full_name": "Renamed User"}, headers=headers).status_code == 200

    seed_sample_data(database_url_for_tests)

    assert client.get(url, headers=headers).json["full_name"] == "Renamed User"
    assert tq.count_users(db) == 2
