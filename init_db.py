"""Prepare the database by hand, as the guide documents: `python init_db.py`.

Applies pending migrations and creates the sample data (unless SEED_SAMPLE_DATA=false).
gunicorn's master runs this same script once before it starts the workers.
"""

import argparse
import sys

from service.config import Config
from service.migrations import apply_migrations, wait_for_database
from service.seed import seed_sample_data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-seed", action="store_true", help="apply migrations only")
    parser.add_argument("--wait", type=int, default=1, help="seconds to wait for the database (default 1)")
    args = parser.parse_args(argv)

    config = Config()
    config.check_production_safety()
    if not config.DATABASE_URL:
        sys.exit("init_db: DATABASE_URL is not set")
    wait_for_database(config.DATABASE_URL, attempts=max(args.wait, 1))
    applied = apply_migrations(config.DATABASE_URL)
    print(f"init_db: applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}")
    if config.SEED_SAMPLE_DATA and not args.no_seed:
        seed_sample_data(config.DATABASE_URL)
        print("init_db: sample data present")


if __name__ == "__main__":
    main()
