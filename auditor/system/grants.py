"""What a sudoers command grants: the program table (``rules/sudo_programs.toml``) applied
with sudo's own argument matching (:mod:`auditor.system.sudomatch`).

Each program of the table lists *techniques*, in the spirit of GTFOBins' "sudo" entries: a
kind of grant (``run``: root runs any program; ``write`` / ``read``: any file; ``defence``: a
firewall, network, log or service goes off; ``info``: what only root sees; ``pager``: a root
shell through a pager on older systemd), the words the caller needs (``--modprobe=PROGRAM``)
and where they must stand (``place``). A technique applies to a rule when the rule admits an
argument vector that holds those words at that place (a ``*`` in the rule lets the caller
insert them), or, for ``always`` techniques, whatever the arguments (``vim``'s ``:!sh``).

Placeholders in words (PROGRAM, FILE, DIR...) stand for text the caller chooses.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from auditor.system.grant_table import (
    KINDS,
    WHAT,
    Program,
    Technique,
    find_program,
    program_table,
)
from auditor.system.sudomatch import ArgPattern, has_wildcard, injections, pattern_words

__all__ = [
    "KINDS", "WHAT", "Analysis", "Context", "Grant", "Program", "Technique", "analyze",
    "describe", "find_program", "program_table", "strongest",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Grant:
    """One way a rule goes beyond its literal command."""

    kind: str
    what: str  # "root can run any program"
    how: str  # "--modprobe=PROGRAM"
    program: str  # the program whose technique it is
    via: str = ""  # the launcher it runs through ("timeout")
    technique: Technique | None = None

    @property
    def detail(self) -> str:
        return f"{self.how} (through {self.via})" if self.via else self.how

    @property
    def message(self) -> str:
        return f"{self.what}: {self.detail}"


def describe(grants: Sequence[Grant], most: int = 2) -> str:
    """One line for grants of one kind: the first one's ``what`` and up to ``most`` ways."""
    ways: list[str] = []
    for grant in grants:
        if grant.detail not in ways:
            ways.append(grant.detail)
    return f"{grants[0].what}: {'; or '.join(ways[:most])}"


@dataclass(slots=True)
class Analysis:
    """What one sudoers command grants."""

    program: str
    known: bool = False  # the table has an entry for it
    harmless: bool = False  # the table says no arguments make it grant more
    grants: list[Grant] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {g.kind for g in self.grants}


# ------------------------------------------------------------------------------- analysis


@dataclass(frozen=True, slots=True)
class Context:
    """What else decides a grant: the NOEXEC tag, and the environment variables that reach
    the command (``env_keep``, ``!env_reset``)."""

    noexec: bool = False
    kept_env: frozenset[str] = frozenset()  # env_keep entries (a trailing * is a wildcard)
    all_env: bool = False  # !env_reset: every variable but sudo's env_delete list
    setenv: bool = False  # the SETENV tag: every variable, env_delete's included


def analyze(program: str, pattern: ArgPattern, context: Context = Context()) -> Analysis:
    """What running ``program`` as the target user with arguments ``pattern`` can do."""
    return _analyze(program, pattern, context, "", 0)


def _analyze(program: str, pattern: ArgPattern, context: Context, via: str, depth: int) -> Analysis:
    base = posixpath.basename(program)
    result = Analysis(base)
    entries = find_program(program)
    if not entries:
        return result
    result.known = True
    result.harmless = all(e.harmless for e in entries)
    for entry in entries:
        if entry.launcher is not None and depth < 8:
            # what the launched command grants comes first: it is the launcher's purpose
            inner = _through_launcher(entry, pattern, context, via, depth)
            result.grants.extend(inner.grants)
            if not inner.known and not inner.grants and inner.program:
                result.harmless = False
        for technique in entry.techniques:
            grant = _grant(entry, technique, pattern, context, via)
            if grant is not None:
                result.grants.append(grant)
        if entry.runs_after and depth < 8:
            result.grants.extend(_commands_after(entry, pattern, context, via, depth))
    return result


def _commands_after(
    entry: Program, pattern: ArgPattern, context: Context, via: str, depth: int
) -> list[Grant]:
    """The exact commands an option runs (``find -exec PROGRAM ARGS ;``)."""
    argv = pattern.minimal()
    if not argv or pattern.wild:
        return []
    here = f"{via}, {entry.name}" if via else entry.name
    grants: list[Grant] = []
    i = 0
    while i < len(argv):
        if argv[i] in entry.runs_after and i + 1 < len(argv):
            end = i + 1
            while end < len(argv) and argv[end] not in (";", "+", "\\;"):
                end += 1
            inner = ArgPattern(" ".join(argv[i + 2 : end]))
            grants.extend(_analyze(argv[i + 1], inner, context, here, depth + 1).grants)
            i = end
        i += 1
    return grants


def _grant(
    entry: Program, technique: Technique, pattern: ArgPattern, context: Context, via: str
) -> Grant | None:
    if technique.env and not _env_reaches(technique.env, context):
        return None
    if not applies(entry, technique, pattern):
        return None
    how = technique.how
    if technique.place == "target":
        how = f"{how}: {target_path(entry, technique, pattern)}"
    if technique.exec and context.noexec:
        if not technique.noexec:
            return None
        kind = technique.noexec
        return Grant(kind, WHAT[kind], technique.noexec_how or how, entry.name, via, technique)
    what = technique.what or WHAT[technique.kind]
    return Grant(technique.kind, what, how, entry.name, via, technique)


def _env_reaches(names: Sequence[str], context: Context) -> bool:
    if context.setenv:
        return True
    if context.all_env:
        deleted = env_delete()
        return any(not any(fnmatch.fnmatchcase(n, d) for d in deleted) for n in names)
    return any(fnmatch.fnmatchcase(n, kept) for n in names for kept in context.kept_env)


@cache
def env_delete() -> tuple[str, ...]:
    """The variables sudo removes even with ``!env_reset`` (its built-in env_delete list)."""
    from auditor.system.data import sudoers_list

    return tuple(sudoers_list("env_delete"))


def applies(entry: Program, technique: Technique, pattern: ArgPattern) -> bool:
    """Does the rule admit an argument vector that makes the technique work?"""
    place = technique.place
    if place == "bare":
        return pattern.admits([])
    if place in ("code", "script"):
        return _star_in_code(entry, pattern, script=place == "script")
    if place == "target":
        return _fixed_target(entry, technique, pattern)
    if place == "always":
        minimal = pattern.minimal()
        if minimal is not None and _conditions(entry, technique, minimal, (0, 0)):
            return True
        if technique.words:
            for inj in injections(pattern, technique.words):
                if _conditions(entry, technique, list(inj.argv), (inj.start, inj.end)):
                    return True
        return False
    for inj in injections(pattern, technique.words):
        argv = list(inj.argv)
        if _placed(entry, place, argv, inj.start, inj.end) and _conditions(
            entry, technique, argv, (inj.start, inj.end)
        ):
            return True
    return False


def _takes_value(entry: Program, word: str) -> bool:
    return word in entry.value_options


def _operand_flags(entry: Program, argv: Sequence[str]) -> list[bool]:
    """For each word: is it an operand (not an option, not an option's value)?"""
    flags: list[bool] = []
    after_dashes = False
    skip = False
    for word in argv:
        if skip:
            flags.append(False)
            skip = False
            continue
        if after_dashes:
            flags.append(True)
            continue
        if word == "--":
            after_dashes = True
            flags.append(False)
            continue
        if word.startswith("-") and word != "-":
            flags.append(False)
            skip = _takes_value(entry, word)
            continue
        flags.append(True)
    return flags


def _placed(entry: Program, place: str, argv: list[str], start: int, end: int) -> bool:
    before = argv[:start]
    consumed = start > 0 and _takes_value(entry, argv[start - 1]) and "--" not in before
    if place == "any":
        return True
    if place == "first":
        return start == 0
    if place == "option":
        return "--" not in before and not consumed
    if place in ("leading", "verb-option"):
        if "--" in before or consumed:
            return False
        operands = sum(_operand_flags(entry, before))
        return operands == (1 if place == "verb-option" else 0)
    if place == "operand":
        return not consumed
    if place == "last":
        return end == len(argv) and not consumed
    raise AssertionError(place)


def _verb(entry: Program, argv: Sequence[str]) -> str:
    for word, operand in zip(argv, _operand_flags(entry, argv), strict=True):
        if operand:
            return word
    return ""


def _has_words(argv: Sequence[str], wanted: str) -> bool:
    """Is ``wanted`` (one word, or several separated by spaces) in ``argv``? An option
    ``--name`` also matches ``--name=value``."""
    parts = wanted.split(" ")
    n = len(parts)
    for i in range(len(argv) - n + 1):
        window = argv[i : i + n]
        if window == parts:
            return True
        if n == 1 and parts[0].startswith("--") and window[0].startswith(parts[0] + "="):
            return True
    return False


def _conditions(
    entry: Program, technique: Technique, argv: list[str], injected: tuple[int, int]
) -> bool:
    start, end = injected
    literal = argv[:start] + argv[end:]
    if technique.verbs and _verb(entry, argv) not in technique.verbs:
        return False
    if any(_has_words(literal, w) for w in technique.unless):
        return False
    if technique.needs and not all(_has_words(argv, w) for w in technique.needs):
        return False
    return not technique.needs_any or any(_has_words(argv, w) for w in technique.needs_any)


def _star_in_code(entry: Program, pattern: ArgPattern, *, script: bool) -> bool:
    """``code``: a wildcard stands in (or after) the code a ``-c``/``-e`` option or the
    first operand carries: the caller closes the quotes and appends a command (``x"; sh
    #``). ``script``: a wildcard stands in the first operand, a path the program runs or
    reads (``../`` leads anywhere, sudo's ``*`` matching ``/``)."""
    if pattern.text is None:
        return True
    if not pattern.wild or pattern.regex:
        return pattern.regex
    words = pattern_words(pattern.text)
    first_operand = None
    flags = _operand_flags(entry, [_plain(w) for w in words])
    for index, operand in enumerate(flags):
        if operand:
            first_operand = index
            break
    for index, word in enumerate(words):
        if not has_wildcard(word):
            continue
        if script:
            if first_operand is not None and index == first_operand:
                return True
            continue
        if any(_plain(w) in entry.code_options for w in words[:index]):
            return True
        if entry.code_operand and first_operand is not None and index >= first_operand:
            # inside the program text (awk, sed): same as after -c
            return index == first_operand or any(
                has_wildcard(w) for w in words[first_operand : index + 1]
            )
    return False


def _plain(word: str) -> str:
    return re.sub(r"\\(.)", r"\1", word)


@cache
def sensitive_paths() -> tuple[str, ...]:
    from auditor.system.data import sudoers_list

    return tuple(sudoers_list("sensitive_paths"))


def is_sensitive(path: str) -> bool:
    """A file whose content decides what root runs (sudoers, cron, units, passwd...)."""
    normal = posixpath.normpath(path) if path.startswith("/") else path
    return any(fnmatch.fnmatchcase(normal, p) for p in sensitive_paths())


def _fixed_target(entry: Program, technique: Technique, pattern: ArgPattern) -> bool:
    """``target``: an exact operand (or ``of=PATH`` with ``words = ["of="]``) names a file
    whose content decides what root runs, and the program writes the caller's data there."""
    argv = pattern.minimal()
    if argv is None:
        return False
    prefix = technique.words[0] if technique.words else ""
    flags = _operand_flags(entry, argv)
    for word, operand in zip(argv, flags, strict=True):
        if prefix:
            if word.startswith(prefix) and is_sensitive(word[len(prefix) :]):
                return True
        elif operand and is_sensitive(word):
            return True
    return False


def target_path(entry: Program, technique: Technique, pattern: ArgPattern) -> str:
    argv = pattern.minimal() or []
    prefix = technique.words[0] if technique.words else ""
    for word, operand in zip(argv, _operand_flags(entry, argv), strict=True):
        if prefix and word.startswith(prefix) and is_sensitive(word[len(prefix) :]):
            return word[len(prefix) :]
        if not prefix and operand and is_sensitive(word):
            return word
    return ""


# ------------------------------------------------------------------------------ launchers


def _through_launcher(
    entry: Program, pattern: ArgPattern, context: Context, via: str, depth: int
) -> Analysis:
    """The command a launcher runs: any program when a wildcard stands before it (or the
    rule has no argument list), else that program with the rest of the pattern."""
    launcher = entry.launcher
    assert launcher is not None
    here = f"{via}, {entry.name}" if via else entry.name
    run_any = Grant(
        "run", WHAT["run"], f"{entry.name} runs the program the caller names", entry.name, via
    )
    if pattern.text is None:
        return Analysis(entry.name, True, False, [run_any])
    if pattern.regex:
        return Analysis(entry.name, True, False, [run_any] if pattern.wild else [])
    words = pattern_words(pattern.text)
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "-":
        if has_wildcard(words[i]):
            return Analysis(entry.name, True, False, [run_any])
        if words[i] == "--":
            i += 1
            break
        i += 2 if _plain(words[i]) in entry.value_options else 1
    if launcher.assignments:
        while i < len(words) and "=" in words[i] and not words[i].startswith("-"):
            if has_wildcard(words[i]):
                return Analysis(entry.name, True, False, [run_any])
            i += 1
    for _ in range(launcher.operands):
        if i < len(words) and has_wildcard(words[i]):
            return Analysis(entry.name, True, False, [run_any])
        i += 1
    if i >= len(words):
        if launcher.bare_shell:
            shell = Grant("run", WHAT["run"], f"{entry.name} starts a shell", entry.name, via)
            return Analysis(entry.name, True, False, [shell])
        return Analysis("", True, True, [])
    if any(has_wildcard(w) for w in words[i : i + 1]) or (
        launcher.shell_string and any(has_wildcard(w) for w in words[i:])
    ):
        return Analysis(entry.name, True, False, [run_any])
    if launcher.shell_string:
        out = Analysis(entry.name, True, True)
        for inner, inner_args in simple_commands(" ".join(_plain(w) for w in words[i:])):
            found = _analyze(inner, ArgPattern(inner_args or ""), context, here, depth + 1)
            out.grants.extend(found.grants)
        return out
    inner_program = _plain(words[i])
    rest = " ".join(words[i + 1 :])
    inner_pattern = ArgPattern(None if launcher.stdin_args else rest)
    return _analyze(inner_program, inner_pattern, context, here, depth + 1)


def simple_commands(script: str) -> list[tuple[str, str | None]]:
    """The simple commands of a shell command line: (program, arguments)."""
    out: list[tuple[str, str | None]] = []
    for part in re.split(r"\|\||&&|[;|&\n]", script):
        words = part.strip().split(None, 1)
        if words:
            out.append((words[0], words[1] if len(words) > 1 else None))
    return out


def strongest(grants: Iterable[Grant]) -> dict[str, list[Grant]]:
    """The grants worth reporting, by kind in report order: a root-equivalent grant (run,
    then write) makes the others moot; otherwise every kind found."""
    by_kind: dict[str, list[Grant]] = {}
    for grant in grants:
        by_kind.setdefault(grant.kind, []).append(grant)
    for kind in ("run", "write"):
        if kind in by_kind:
            return {kind: by_kind[kind]}
    return {k: by_kind[k] for k in KINDS if k in by_kind}
