"""Back up a database: python -m ops.backup DATABASE [--dest DIR]."""

import argparse
import subprocess


def main() -> None:
    parser = argparse.ArgumentParser(description="Back up a database.")
    parser.add_argument("database")
    parser.add_argument("--dest", default="/var/backups")
    args = parser.parse_args()
    subprocess.run(f"pg_dump {args.database} > {args.dest}/dump.sql", shell=True, check=True)


if __name__ == "__main__":
    main()
