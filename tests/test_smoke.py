def test_ping_answers_pong(client):
    response = client.get("/ping")
    assert response.status_code == 200
    assert response.json == {"message": "pong"}


def test_a_registered_user_can_read_themselves(client, user):
    response = client.get("/auth/me", headers=user.headers)
    assert response.status_code == 200
    assert response.json["user_info"]["username"] == "alice"
