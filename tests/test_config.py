"""Settings are typed: a malformed value stops the start with a message naming its variable."""

import pytest

from service.config import Config, ConfigError


def test_a_malformed_setting_is_refused_naming_the_variable():
    with pytest.raises(ConfigError) as raised:
        Config(environ={"DB_POOL_MAX_SIZE": "four", "LOGIN_LOCKOUT_SECONDS": "1.5"})

    message = str(raised.value)
    assert "DB_POOL_MAX_SIZE" in message
    assert "LOGIN_LOCKOUT_SECONDS" in message


def test_settings_are_read_with_their_types():
    config = Config(
        environ={
            "DB_POOL_MAX_SIZE": "7",
            "DEBUG": "yes",
            "DB_PREPARE_THRESHOLD": "none",
            "CORS_ORIGINS": "https://a.example, https://b.example",
            "PREVIOUS_SECRET_KEYS": "",
        }
    )

    assert config.DB_POOL_MAX_SIZE == 7
    assert config.DEBUG is True
    assert config.DB_PREPARE_THRESHOLD is None
    assert config.CORS_ORIGINS == ["https://a.example", "https://b.example"]
    assert config.PREVIOUS_SECRET_KEYS == []


def test_the_guides_algorithm_setting_is_accepted_and_ignored():
    config = Config(environ={"ALGORITHM": "HS256"})

    assert not hasattr(config, "ALGORITHM")
