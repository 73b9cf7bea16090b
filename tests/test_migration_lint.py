"""Migrations that cannot lock a big table by accident: squawk (`make lint`) refuses a risky
migration, naming its file; the repository's migrations pass; yoyo's non-transactional
migrations tell squawk so."""

import fcntl
import re
import shutil
import subprocess

import pytest

from service.migrations import MIGRATIONS_DIR
from tests.live_server import PROJECT_DIR

SQUAWK = PROJECT_DIR / "node_modules" / ".bin" / "squawk"

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
RISKY = FIXTURES / "risky-migrations"  # one risk per file, each named for it
SAFE = FIXTURES / "safe-migrations"  # the same changes made the safe way (migrations/README.md)


@pytest.fixture
def empty_tables():
    """Overrides the per-test table reset: these tests need no database."""


@pytest.fixture(scope="session")
def squawk():
    """The squawk binary `make lint` installs (npm, package.json), installed here if missing."""
    if not SQUAWK.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("node/npm is not installed: squawk (npm package squawk-cli) cannot run here")
        with open(PROJECT_DIR / "package.json") as lock:  # one installer at a time across xdist workers
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not SQUAWK.exists():
                subprocess.run(
                    [npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=PROJECT_DIR,
                    check=True,
                    timeout=300,
                )
    return SQUAWK


ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\")  # colours and links


def lint_migrations(folder):
    """`make lint-migrations` on another folder: the same command, the same .squawk.toml
    (its colours taken out of the output)."""
    result = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "lint-migrations", f"MIGRATIONS_DIR={folder}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result.stdout = ANSI.sub("", result.stdout)
    return result


def test_each_risky_migration_fails_the_lint_naming_its_file(squawk):
    risky = sorted(RISKY.glob("*.sql"))
    assert len(risky) >= 6

    result = lint_migrations(RISKY)

    assert result.returncode != 0, result.stdout
    for path in risky:
        assert f"{path}:" in result.stdout, f"squawk let {path.name} pass:\n{result.stdout}"


def test_one_risky_migration_among_good_ones_fails_the_lint_naming_it(squawk, tmp_path):
    folder = tmp_path / "any-folder"  # the exemptions of .squawk.toml hold wherever the files are
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    for path in SAFE.glob("*.sql"):
        shutil.copy(path, folder / path.name)
    shutil.copy(RISKY / "0100.blocking-index.sql", folder / "0200.blocking-index.sql")

    result = lint_migrations(folder)

    assert result.returncode != 0
    named = set(re.findall(r"(\S+\.sql):\d+", result.stdout))
    assert named == {str(folder / "0200.blocking-index.sql")}, result.stdout


def test_the_safe_ways_pass_the_lint(squawk):
    result = lint_migrations(SAFE)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_repositorys_migrations_pass_the_lint(squawk):
    result = lint_migrations(MIGRATIONS_DIR)

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_non_transactional_migration_tells_squawk_so():
    """yoyo runs a file marked `-- transactional: false` statement by statement; squawk must not
    assume a transaction there (else it misjudges CONCURRENTLY), and must everywhere else."""
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        header = re.match(r"(?:--[^\n]*\n|\s*\n)*", path.read_text()).group(0)
        non_transactional = re.search(r"^--\s*transactional\s*:\s*false\s*$", header, re.M | re.I) is not None
        told = "-- squawk-disable-assume-in-transaction" in header
        assert non_transactional == told, path.name
