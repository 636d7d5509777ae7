"""Where the system audit looks: the deployment folders of a scanned tree, and which files
there are sudoers files or systemd units. Kept free of the parsers, so that a scan of a
tree with none of these files does not import them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from auditor.globs import path_matches

#: Folders of a scanned tree where sudoers files and systemd units are looked for.
DEPLOY_DIRS = ("deploy", "etc", "systemd", "sudoers.d", "packaging", "ops", "infra")

UNIT_SUFFIXES = (
    ".service", ".slice", ".scope", ".socket", ".timer", ".mount", ".automount", ".swap",
    ".path", ".target", ".device",
)  # fmt: skip


def is_unit_file(path: Path) -> bool:
    return path.name.endswith(UNIT_SUFFIXES)


def is_dropin(path: Path) -> bool:
    return path.suffix == ".conf" and path.parent.name.endswith(
        tuple(s + ".d" for s in UNIT_SUFFIXES)
    )


def looks_like_sudoers(path: Path) -> bool:
    """A sudoers file by its name or folder (sudoers, sudoers.d/*, *.sudoers)."""
    if path.parent.name == "sudoers.d" or path.name == "sudoers" or path.suffix == ".sudoers":
        return True
    return path.name.startswith("sudoers") and path.suffix in ("", ".conf")


def discover(roots: Iterable[Path], exclude: Iterable[str] = ()) -> tuple[list[Path], list[Path]]:
    """Sudoers files and unit files found under the deployment folders of ``roots`` (what
    ``scan`` and ``report`` pick up from a repository), except those whose path relative to
    their root matches an ``exclude`` glob (the scan's ``--exclude`` and policy ``exclude``)."""
    excluded = list(exclude)
    sudoers: list[Path] = []
    units: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for name in DEPLOY_DIRS:
            folder = root / name
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                rel = path.relative_to(root)
                if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                    continue
                if any(path_matches(rel.as_posix(), glob) for glob in excluded):
                    continue
                if looks_like_sudoers(path):
                    sudoers.append(path)
                elif is_unit_file(path) or is_dropin(path):
                    units.append(path)
    return sorted(set(sudoers)), sorted(set(units))
