"""Copy the build to a host."""

import subprocess

import click


@click.command()
@click.option("--host", required=True)
@click.argument("folder")
def push(host: str, folder: str) -> None:
    subprocess.run(["rsync", "-a", folder, f"{host}:/srv/app/"], check=True)


if __name__ == "__main__":
    push()
