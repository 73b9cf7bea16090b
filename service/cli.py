"""flask commands: migrate, seed, cleanup-sessions."""

import click

from service.config import settings
from service.housekeeping import delete_expired_sessions
from service.migrations import apply_migrations
from service.seed import seed_sample_data


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


@click.command("cleanup-sessions")
@click.option("--batch-size", default=10_000, show_default=True, help="Rows deleted per statement.")
def cleanup_sessions_command(batch_size):
    """Delete expired sessions in bounded batches."""
    total, _ = delete_expired_sessions(batch_size=batch_size)
    click.echo(f"deleted {total} expired session(s)")


def init_app(app):
    for command in (migrate_command, seed_command, cleanup_sessions_command):
        app.cli.add_command(command)
