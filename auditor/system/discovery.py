"""Where the system audit looks: the sudoers files and systemd units anywhere in a scanned
tree, found by the walk the scan itself does (``.gitignore`` inside a git work tree, the
folders it always skips, virtual environments), minus the scan's excludes.

A file is a systemd unit by its suffix, a drop-in when it is a ``.conf`` in a ``UNIT.d/``
folder, and a sudoers file when it lies in a ``sudoers.d/`` folder, is named ``sudoers*``
or ``*.sudoers``, or, for a small text file without a code suffix, when its content parses
as sudoers rules. Kept free of the parsers (the content check imports the sudoers parser
only for the few files that look like rules), so that a scan of a tree with none of these
files does not import them."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

# The scan's own listing of a tree (git-aware, the same skipped folders), shared with it.
from auditor.scan.discover import Globs, Listing, Matcher

UNIT_SUFFIXES = (
    ".service", ".slice", ".scope", ".socket", ".timer", ".mount", ".automount", ".swap",
    ".path", ".target", ".device",
)  # fmt: skip
# Files whose content may be sudoers rules without their name saying so: no suffix, or one
# of these. Anything bigger is not a sudoers file anyone maintains by hand.
_SNIFF_SUFFIXES = frozenset({"", ".conf", ".sudo", ".rules"})
_SNIFF_MAX_BYTES = 64 * 1024
# "user[,user] host = [(runas)] [TAG:] /path | ALL | sudoedit | ALIAS": a user specification
_SPEC_BYTES_RE = re.compile(
    rb"^\s*[%+#A-Za-z0-9_.$-]+(\s*,\s*[%+#A-Za-z0-9_.$-]+)*\s+[A-Za-z0-9_.,:/-]+\s*=\s*"
    rb"(\([^)]*\)\s*)?([A-Z_]+\s*:\s*)*(ALL\b|/|sudoedit\b|[A-Z][A-Z0-9_]*\b)",
    re.MULTILINE,
)


def is_unit_file(path: Path) -> bool:
    return path.name.endswith(UNIT_SUFFIXES)


def is_dropin(path: Path) -> bool:
    return path.suffix == ".conf" and path.parent.name.endswith(
        tuple(s + ".d" for s in UNIT_SUFFIXES)
    )


# Files in a sudoers.d/ folder that are not rules (notes, templates, editor leftovers).
_NOT_RULES = frozenset(
    {".md", ".rst", ".txt", ".py", ".sh", ".yml", ".yaml", ".json", ".j2", ".jinja", ".tmpl",
     ".erb", ".bak", ".orig", ".swp", ".dpkg-dist"}
)  # fmt: skip


def looks_like_sudoers(path: Path) -> bool:
    """A sudoers file by its name or folder (sudoers, sudoers*, sudoers.d/*, *.sudoers)."""
    if path.name.endswith("~") or path.suffix in _NOT_RULES:
        return False
    if path.parent.name == "sudoers.d" or path.suffix == ".sudoers":
        return True
    return path.name.startswith("sudoers") and path.suffix in ("", ".conf")


def _small_file(path: str) -> bytes | None:
    """The bytes of a regular file of at most _SNIFF_MAX_BYTES (one open, one fstat)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _SNIFF_MAX_BYTES:
            return None
        return os.read(fd, _SNIFF_MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def holds_sudoers_rules(path: Path | str) -> bool:
    """A small text file whose content parses as sudoers rules: at least one user
    specification, and not one line the parser rejects."""
    name = os.path.basename(path)
    suffix = name[name.rfind(".") :] if "." in name[1:] else ""
    if suffix not in _SNIFF_SUFFIXES:
        return False
    data = _small_file(os.fspath(path))
    if data is None or b"\0" in data or not _SPEC_BYTES_RE.search(data):
        return False
    text = data.decode("utf-8", "replace")
    from auditor.system.sudoers import parse_text  # only for the files that look like rules

    parsed = parse_text(text, name)
    if not parsed.specs or parsed.errors:
        return False
    # every command is what sudo accepts: a full path, ALL, sudoedit or a Cmnd_Alias
    return all(
        c.program.startswith("/") or c.program in ("ALL", "sudoedit") or c.program in parsed.aliases
        for spec in parsed.specs
        for c in spec.commands
    )


def _listed(root: Path, listing: Listing) -> list[str]:
    """Every file under ``root`` the scan's walk would visit (any suffix) but for those in
    hidden folders, which the caller leaves out: POSIX paths relative to it, sorted. The
    scan's own listing of the tree (``listing``): the tree is not listed twice."""
    tree = listing.tree(root)
    if not tree.odd_venvs:
        return tree.files
    # a folder whose pyvenv.cfg is there but not a regular file: a virtualenv all the same
    return [rel for rel in tree.files if not rel.startswith(tree.odd_venvs)]


def discover(
    roots: Iterable[Path], globs: Sequence[Globs] = (), listing: Listing | None = None
) -> tuple[list[Path], list[Path]]:
    """Sudoers files and unit files anywhere under ``roots`` (what ``scan``, ``report`` and
    a bare ``auditor system`` pick up from a repository), except those that match an
    exclude glob of ``globs`` (the scan's, auditor.scan.discover.scan_globs: the policy's
    ``exclude`` from the project root, ``--exclude`` from the working directory) or lie in a
    hidden folder. ``listing``: the scan's listing of the same trees
    (auditor.scan.discover.Listing), so that they are not listed again."""
    listing = listing if listing is not None else Listing()
    sudoers: list[Path] = []
    units: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        matcher = Matcher(globs, os.fspath(root))
        for rel in _listed(root, listing):
            # plain string tests first: this runs for every file of the tree
            name = rel.rpartition("/")[2]
            suffix = name[name.rfind(".") :] if "." in name[1:] else ""
            if not (
                name.endswith(UNIT_SUFFIXES)
                or suffix in _SNIFF_SUFFIXES
                or suffix == ".sudoers"
                or "sudoers" in rel
            ):
                continue
            if "/." in "/" + rel.rpartition("/")[0]:
                continue  # a hidden folder (.git, .github, .tox)
            if not matcher.empty and matcher.excluded(rel):
                continue
            full = os.path.join(root, rel)
            path = Path(full)
            if name.endswith(UNIT_SUFFIXES) or (suffix == ".conf" and is_dropin(path)):
                if os.path.isfile(full):  # not a file git tracks but the work tree lost
                    units.append(path)
            elif looks_like_sudoers(path):
                if os.path.isfile(full):
                    sudoers.append(path)
            elif holds_sudoers_rules(full):
                sudoers.append(path)
    return sorted(set(sudoers)), sorted(set(units))
