"""The README's client walk-through, run as written against a real gunicorn with sample data."""

import ast
import re
import shutil
import subprocess
import sys

import pytest

from tests.live_server import PROJECT_DIR, live_server

SCRIPT = PROJECT_DIR / "docs" / "client_walkthrough.py"
BASH = shutil.which("bash") or "/bin/bash"


def readme_curl_lines():
    """The second sh block of the README's "Client walk-through" section (the curl lines)."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("## Client walk-through", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2, "the section shows the script's command, then the curl lines"
    return blocks[1]


def progress_of(server, username, password):
    token = server.login(username, password)
    status, body, _ = server.request("GET", "/api/progress", token=token)
    assert status == 200, body
    return [(item["course"]["title"], item["progress_percentage"]) for item in body["progress"]]


def test_the_script_uses_only_the_standard_library():
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_script_and_the_curl_lines_walk_a_new_user_to_40_percent_of_a_course(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        script = subprocess.run(
            [
                sys.executable,
                str(SCRIPT),
                "--base-url",
                server.base,
                "--username",
                "walker",
                "--password",
                "walk-the-walk-1",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        curl = subprocess.run(
            [BASH, "-euo", "pipefail", "-c", readme_curl_lines()],
            env={"B": server.base, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert script.returncode == 0, script.stdout + script.stderr
        lines = script.stdout.splitlines()
        assert [line.split(" ", 1)[0] for line in lines] == ["1.", "2.", "3.", "4.", "5.", "6."]
        assert lines[0].startswith("1. registered walker (id ")
        assert lines[2] == "3. questionnaire saved: beginner, goals improve_flexibility, maintain_fitness"
        assert lines[3].startswith("4. enrolled in 'Mobility Reset' (course ")
        assert lines[4] == "5. progress reported: 40%"
        assert progress_of(server, "walker", "walk-the-walk-1") == [("Mobility Reset", 40)]

        assert curl.returncode == 0, curl.stdout + curl.stderr
        assert '"progress_percentage":40' in curl.stdout.replace(" ", "")
        assert progress_of(server, "dana", "dana-pass-123") == [("Mobility Reset", 40)]
        token = server.login("dana", "dana-pass-123")
        status, body, _ = server.request("GET", "/auth/training-profile", token=token)
        assert status == 200
        assert body["training_profile"]["training_experience"]["level"] == "beginner"


def test_the_script_stops_with_the_services_detail_when_a_step_is_refused(fresh_database, tmp_path):
    with live_server(fresh_database, tmp_path) as server:
        args = [sys.executable, str(SCRIPT), "--base-url", server.base, "--username", "walker"]
        first = subprocess.run(
            [*args, "--password", "walk-the-walk-1"], capture_output=True, text=True, timeout=120
        )
        again = subprocess.run(
            [*args, "--password", "walk-the-walk-1"], capture_output=True, text=True, timeout=120
        )

    assert first.returncode == 0, first.stderr
    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr.strip() == "stopped: POST /auth/register answered 409: Username already registered"
