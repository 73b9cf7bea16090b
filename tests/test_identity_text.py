"""Emails and full names that could pass for someone else's: invisible characters and mixed-script
look-alikes are refused; compatibility forms (fullwidth letters, ligatures) are normalised (NFKC)."""

import pytest

ZERO_WIDTH_SPACE = "\u200b"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
CYRILLIC_A = "\u0430"
GREEK_OMICRON = "\u03bf"
FULLWIDTH_ADMIN = "\uff41\uff44\uff4d\uff49\uff4e"  # "admin" in fullwidth letters


def register(client, email="pat@example.org", full_name="Pat Doe", username="pat"):
    return client.post(
        "/auth/register",
        json={"username": username, "password": "correct-horse-1", "email": email, "full_name": full_name},
    )


@pytest.mark.parametrize(
    "email",
    [
        f"bo{ZERO_WIDTH_SPACE}ss@example.org",
        f"boss@exa{ZERO_WIDTH_SPACE}mple.org",
        f"boss{RIGHT_TO_LEFT_OVERRIDE}@example.org",
        f"{CYRILLIC_A}dmin@example.org",
        f"admin@ex{CYRILLIC_A}mple.org",
        f"b{GREEK_OMICRON}ss@example.org",
    ],
    ids=[
        "zero-width in name",
        "zero-width in domain",
        "bidi override",
        "cyrillic a",
        "cyrillic domain",
        "greek o",
    ],
)
def test_an_email_with_invisible_or_look_alike_characters_is_refused(client, db, tq, email):
    response = register(client, email=email)

    assert response.status_code == 422
    assert "email" in response.json["errors"]
    assert tq.count_users(db) == 0


@pytest.mark.parametrize(
    "full_name",
    [
        f"Ali{ZERO_WIDTH_SPACE}ce Smith",
        f"Alice {RIGHT_TO_LEFT_OVERRIDE}htimS",
        f"{CYRILLIC_A}lice Smith",
        "Alice\u00a0\u2060Smith",
        "Alice\tSmith",
        "Alice \u3164 Smith",
    ],
    ids=["zero-width", "bidi override", "cyrillic a", "word joiner", "tab", "hangul filler"],
)
def test_a_full_name_with_invisible_or_look_alike_characters_is_refused(client, db, tq, full_name):
    response = register(client, full_name=full_name)

    assert response.status_code == 422
    assert "full_name" in response.json["errors"]
    assert tq.count_users(db) == 0


@pytest.mark.parametrize(
    "full_name",
    [
        "José García-Núñez",
        "Zoë O'Brien",
        "Иван Петров",
        "Ivan Иванов",
        "山田 太郎",
        "やまだ タロウ",
        "김민준",
        "محمد علي",
        "Ελένη Παπαδοπούλου",
    ],
)
def test_names_in_any_one_script_per_word_are_accepted(client, full_name):
    response = register(client, full_name=full_name)

    assert response.status_code == 201, response.json
    assert response.json["user_info"]["full_name"] == full_name


def test_a_fullwidth_look_alike_email_is_normalised_to_the_plain_one_it_imitates(client):
    response = register(client, email=f"{FULLWIDTH_ADMIN}@example.org", username="mimic")

    assert response.status_code == 201, response.json
    assert response.json["user_info"]["email"] == "admin@example.org"


def test_a_fullwidth_copy_of_a_taken_email_is_a_duplicate(client, admin):
    taken = register(client, email="\uff42\uff4f\uff53\uff53@example.org", username="twin")  # "boss"

    assert taken.status_code == 409
    assert taken.json["detail"] == "Email already registered"


def test_a_name_with_a_compatibility_form_is_stored_normalised(client):
    response = register(client, full_name="\uff30\uff41\uff54 Doe \ufb01sher")

    assert response.status_code == 201, response.json
    assert response.json["user_info"]["full_name"] == "Pat Doe fisher"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/profile", {"email": f"{CYRILLIC_A}lice@example.org"}),
        ("/auth/profile", {"full_name": f"Ali{ZERO_WIDTH_SPACE}ce"}),
    ],
)
def test_a_profile_update_refuses_look_alikes_too(client, user, path, body):
    response = client.put(path, json=body, headers=user.headers)

    assert response.status_code == 422
    assert set(body) <= set(response.json["errors"])


def test_an_admin_update_refuses_look_alikes_too(client, admin, user):
    response = client.put(
        f"/api/users/{user['id']}", json={"email": f"{CYRILLIC_A}lice@example.org"}, headers=admin.headers
    )

    assert response.status_code == 422
    assert "email" in response.json["errors"]
