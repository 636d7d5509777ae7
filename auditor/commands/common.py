"""Helpers shared by subcommands: policy loading with one-line errors, atomic output."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import click

from auditor.policy import Policy, PolicyError, load_policy


def load_policy_or_fail(start: Path, config: Path | None = None) -> Policy:
    try:
        return load_policy(start, config)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half-written."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror or exc}") from None
