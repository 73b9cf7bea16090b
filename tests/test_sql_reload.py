"""Edits to sql/ reach a running gunicorn by a reload, and a broken file never stops it.

gunicorn's master validates SQL_DIR in a child process and hands workers the last good copy
(service/sqlfiles.py, gunicorn.conf.py). Each server here gets its own copy of sql/ (SQL_DIR)
and its own run folder (pid file, snapshots), so parallel tests do not disturb each other.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest

from service import sqlfiles
from service.queries import SQL_DIR
from tests.live_server import GUNICORN, PROJECT_DIR, free_port, live_server

DELETE_PURPOSE = "-- Delete an account; its profile, sessions and progress go with it (ON DELETE CASCADE)."
BROKEN_QUERY = "\n-- name: oops\n-- A query without its parameter list does not load.\nSELECT 1;\n"


def copy_of_sql(tmp_path):
    folder = tmp_path / "sql"
    shutil.copytree(SQL_DIR, folder)
    return folder


def replace_once(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def wait_for(condition, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class RequestStream(threading.Thread):
    """GET one course again and again; every answer must be a 200 with one of the expected titles."""

    def __init__(self, server, path, titles):
        super().__init__(daemon=True)
        self.server, self.path, self.titles = server, path, titles
        self.answers = []  # titles, in order
        self.failures = []
        self.stopped = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.idle = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            if not self.running.is_set():
                self.idle.set()
                self.running.wait(1)
                continue
            self.idle.clear()
            try:
                status, body, _ = self.server.request("GET", self.path, timeout=60)
            except OSError as error:
                self.failures.append(repr(error))
                continue
            if status != 200 or body.get("title") not in self.titles:
                self.failures.append((status, body))
            else:
                self.answers.append(body["title"])

    def served(self, title, at_least=5):
        """Whether the last `at_least` answers all had this title."""
        last = self.answers[-at_least:]
        return len(last) == at_least and set(last) == {title}

    def pause(self):
        """Wait until no request is in flight (a request inside a killed process is lost whatever
        the server does); the next ones wait in the listen queue for a worker."""
        self.running.clear()
        wait_for(self.idle.is_set, "the request stream to pause", seconds=60)

    def resume(self):
        self.running.set()

    def stop(self):
        self.stopped.set()
        self.running.set()
        self.join(timeout=90)


def reload(run_dir):
    """`make reload`, as a DBA would type it: SIGHUP to the pid in the server's pid file."""
    make = shutil.which("make")
    subprocess.run(
        [make, "--no-print-directory", "reload", f"RUN_DIR={run_dir}"], cwd=PROJECT_DIR, check=True
    )


def workers(server):
    return {child.pid for child in psutil.Process(server.process.pid).children()}


@pytest.mark.server
def test_a_reload_serves_a_good_edit_keeps_the_last_good_set_when_broken_and_after_a_worker_is_killed(
    fresh_database, tmp_path
):
    sql_dir = copy_of_sql(tmp_path)
    run_dir = tmp_path / "run"
    with live_server(fresh_database, tmp_path, SQL_DIR=sql_dir, RUN_DIR=run_dir, WEB_CONCURRENCY=1) as server:
        assert int((run_dir / "gunicorn.pid").read_text()) == server.process.pid
        status, page, _ = server.request("GET", "/api/courses?limit=1")
        assert status == 200, page
        course = page["courses"][0]
        stream = RequestStream(
            server, f"/api/courses/{course['id']}", {course["title"], course["title"].upper()}
        )
        stream.start()
        try:
            wait_for(lambda: stream.served(course["title"]), "the stream to be served")

            # (a) a good edit, then a reload: the edit is served
            replace_once(
                sql_dir / "courses.sql",
                "    api_course(c)::TEXT AS body\n",
                "    (api_course(c)::JSONB || jsonb_build_object('title', upper(c.title)))::TEXT AS body\n",
            )
            reload(run_dir)
            wait_for(lambda: stream.served(course["title"].upper()), "the edited query to be served")
            assert "sql: reloaded" in server.log()

            # (b) a broken file, then a reload: refused, named in the log, the last good set serves
            with open(sql_dir / "courses.sql", "a") as sql_file:
                sql_file.write(BROKEN_QUERY)
            before = len(server.log().splitlines())
            reload(run_dir)
            wait_for(lambda: "reload refused" in server.log(), "the reload to be refused")
            refusal = next(line for line in server.log().splitlines()[before:] if "reload refused" in line)
            assert "courses.sql" in refusal and "oops" in refusal
            answers = len(stream.answers)
            wait_for(lambda: len(stream.answers) > answers + 20, "more answers after the refused reload")
            assert stream.served(course["title"].upper(), at_least=20)

            # (c) a worker killed while sql/ is still broken: its replacement serves the last good set
            wait_for(lambda: len(workers(server)) == 1, "one worker after the reload")
            (killed,) = workers(server)
            stream.pause()
            os.kill(killed, signal.SIGKILL)
            stream.resume()
            wait_for(lambda: workers(server) - {killed}, "a replacement worker")
            answers = len(stream.answers)
            wait_for(lambda: len(stream.answers) > answers + 20, "answers from the replacement worker")
            assert stream.served(course["title"].upper(), at_least=20)
            assert server.process.poll() is None
        finally:
            stream.stop()

    assert stream.failures == []
    assert len(stream.answers) > 60


@pytest.mark.server
def test_a_broken_query_file_refuses_the_start_naming_file_and_query(tmp_path):
    sql_dir = copy_of_sql(tmp_path)
    with open(sql_dir / "courses.sql", "a") as sql_file:
        sql_file.write(BROKEN_QUERY)

    result = subprocess.run(
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/not_reached",
            "PORT": str(free_port()),
            "SQL_DIR": str(sql_dir),
            "RUN_DIR": str(tmp_path / "run"),
            "AUTO_MIGRATE": "false",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "not starting, the query files have a problem" in output
    assert "courses.sql" in output and "oops" in output


# --- the snapshot command itself (no server) -------------------------------------------------


def test_a_good_folder_is_copied_to_a_new_snapshot_and_older_ones_are_pruned(tmp_path):
    into = tmp_path / "snapshots"
    first = sqlfiles.take_snapshot(SQL_DIR, into)
    second = sqlfiles.take_snapshot(SQL_DIR, into)
    third = sqlfiles.take_snapshot(SQL_DIR, into)

    sqlfiles.prune(into, keep=[third, second])

    assert sorted(into.iterdir()) == sorted([second, third])
    assert not first.exists()
    assert sorted(path.name for path in third.iterdir()) == sorted(
        path.name for path in SQL_DIR.glob("*.sql")
    )


@pytest.mark.parametrize(
    ("file_name", "old", "new", "named"),
    [
        ("courses.sql", "-- name: lock_course(id)$", "-- name: lock_course$", "lock_course"),
        (
            "courses.sql",
            "FROM courses\nWHERE id = :id\nFOR UPDATE;",
            "FORM courses\nWHERE id = :id\nFOR UPDATE;",
            "lock_course",
        ),
        ("health.sql", "-- name: ping_database()$", "-- name: ping()$", "ping_database"),
        (
            "users.sql",
            f"delete_user(id)$\n{DELETE_PURPOSE}\nDELETE FROM users\nWHERE id = :id",
            f"delete_user(user_id)$\n{DELETE_PURPOSE}\nDELETE FROM users\nWHERE id = :user_id",
            "users.delete_user: parameter user_id is not passed by service/accounts.py",
        ),
    ],
    ids=["no parameter list", "syntax error", "a query the code calls is gone", "a parameter renamed"],
)
def test_a_broken_folder_is_refused_naming_file_and_query(tmp_path, file_name, old, new, named):
    sql_dir = copy_of_sql(tmp_path)
    replace_once(sql_dir / file_name, old, new)

    problems = sqlfiles.validate(sql_dir)

    assert problems
    assert all(file_name in problem for problem in problems), problems
    assert any(named in problem for problem in problems), problems


def test_the_snapshot_command_prints_problems_and_exits_1_without_copying(tmp_path):
    sql_dir = copy_of_sql(tmp_path)
    with open(sql_dir / "courses.sql", "a") as sql_file:
        sql_file.write(BROKEN_QUERY)

    result = subprocess.run(
        [
            os.sys.executable,
            "-m",
            "service.sqlfiles",
            "snapshot",
            "--into",
            str(tmp_path / "s"),
            "--sql-dir",
            str(sql_dir),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "courses.sql" in result.stdout and "oops" in result.stdout
    assert not (tmp_path / "s").exists() or not list(Path(tmp_path / "s").iterdir())
