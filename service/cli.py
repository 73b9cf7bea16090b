"""flask commands: migrate, seed, cleanup (cleanup-sessions is the same), recount."""

import click

from service.config import settings
from service.housekeeping import clean_up_everything, recount
from service.migrations import apply_migrations
from service.seed import seed_sample_data

CLEANUP_REPORT = (
    ("sessions", "deleted {} expired session(s)"),
    ("login_counters", "deleted {} stale login counter(s)"),
    ("counter_deltas", "merged away {} counter row(s)"),
)


def _config():
    return settings()


@click.command("migrate")
def migrate_command():
    """Apply pending migrations (under yoyo's lock)."""
    applied = apply_migrations(_config().DATABASE_URL)
    click.echo(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@click.command("seed")
def seed_command():
    """Create the sample users and courses that are missing."""
    seed_sample_data(_config().DATABASE_URL)
    click.echo("sample data present")


@click.command("cleanup")
@click.option("--batch-size", type=int, help="Rows deleted per statement (default: CLEANUP_BATCH_SIZE).")
def cleanup_command(batch_size):
    """Delete every expired row (sessions, stale login counters) and compact the counts, in batches."""
    result = clean_up_everything(batch_size or _config().CLEANUP_BATCH_SIZE)
    for kind, line in CLEANUP_REPORT:
        click.echo(line.format(result.deleted.get(kind, 0)))


cleanup_sessions_command = click.Command(
    "cleanup-sessions",
    callback=cleanup_command.callback,
    params=cleanup_command.params,
    help="The same as cleanup (its earlier name).",
)


@click.command("recount")
def recount_command():
    """Rebuild the maintained counts (accounts, active accounts, profiles, sign-ups) from the tables."""
    for row in recount():
        change = row["after"] - row["before"]
        note = "exact" if change == 0 else f"corrected by {change:+d}"
        click.echo(f"{row['counter']}: {row['after']} ({note})")


def init_app(app):
    for command in (
        migrate_command,
        seed_command,
        cleanup_command,
        cleanup_sessions_command,
        recount_command,
    ):
        app.cli.add_command(command)
