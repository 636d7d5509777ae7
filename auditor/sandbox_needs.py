"""What auditor's sandbox takes away from a command routed to it, and what the command
needs back: the table ``rules/sandbox_needs.toml`` and the reading of a command's program.

Which capabilities a profile takes away comes from the sandbox's own definitions: the
namespaces of its profile (:mod:`auditor.sandbox.profiles`: new net, pid, uts and ipc
namespaces) and the file system every profile builds from an allow-list
(:mod:`auditor.sandbox.view`: no home folder, no ``/var`` or ``/run``, so no host socket,
only ``/dev/null``-class devices, nothing writable but the working folder in ``standard``
and a private ``/tmp``); every profile also passes only the allow-listed environment (so no
``$HOME``), drops every capability, sets ``no_new_privs``, refuses new namespaces, runs a
root caller's command as an unused uid, and applies the resource limits. ``strict`` differs
in what it shows (fewer ``/etc`` files, no ``/opt``, ``/sys`` or ``/dev/pts``, the working
folder read-only and only when asked): the table's words say so per profile. The table says
how each is given back, where anything can, and which programs need which.

A command's program is read from its argv (``[sys.executable, "-m", "pip", ...]`` is pip)
or from the words of a shell string (each simple command of a pipeline or list; leading
``NAME=value`` words and wrappers such as ``env``, ``nice`` or ``timeout`` are skipped),
as far as the words are known at rewrite time: literal text, names bound once to a constant
string (the scanner's scopes), ``sys.executable``; a word built at run time is unknown. The
reading of the code itself is :mod:`auditor.command_reader` (libcst); this module does not
import the parser.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.rules_files import package_toml, read_rule_file
from auditor.sandbox.limits import Limits
from auditor.sandbox.profiles import PROFILES, Profile, get_profile

RULES_FILE = "sandbox_needs.toml"
LANGS = ("en", "pt-BR")

PYTHON = "\0python"
"""A word that is the running interpreter (``sys.executable``)."""

HOME = "\0home"
"""The start of a word that begins in a home folder: the shell's tilde expansion (``~``,
``~root``, ``~/x``), followed by the rest of the word after the user name (``/x``)."""

Word = str | None
"""A word of a command: its text, :data:`PYTHON`, or None when it is built at run time."""

_PYTHON_NAMES = frozenset({"python", "pypy"})
_PYTHON_VALUE_OPTIONS = frozenset({"-W", "-X", "--check-hash-based-pycs"})
_VERSION_SUFFIX = re.compile(r"[-.]?\d+(?:\.\d+)*$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# shell syntax that ends a simple command (pipes, lists, subshells, command substitution)
_SEPARATORS = frozenset("|&;()\n`")
_QUOTES = "'\""
# a word holding these is expanded by the shell: not known at rewrite time
_EXPANDED = frozenset("$*~{")


class TableError(ValueError):
    """A mistake in rules/sandbox_needs.toml; the message names the entry and key."""


@dataclass(frozen=True, slots=True)
class Capability:
    """Something the sandbox takes away. ``give_back``: per profile, the keyword argument
    that gives it back ("" when nothing can); ``auto``: route-to-sandbox passes it itself
    to a command known to need it; ``texts``: per language, ``label`` and per profile the
    text saying what is taken away."""

    name: str
    auto: bool
    give_back: Mapping[str, str]
    texts: Mapping[str, Mapping[str, str]]

    def keyword(self, profile: str) -> str:
        return self.give_back.get(profile, "")

    def label(self, lang: str = "en") -> str:
        return self.texts[lang]["label"]

    def lost(self, profile: str, lang: str = "en", limits: Limits | None = None) -> str:
        """What ``profile`` takes away, in ``lang``, with the effective ``limits``."""
        words = self.texts[lang]
        text = words.get(profile) or words["standard"]
        limits = limits or Limits()
        return text.format(
            memory=_size(limits.memory),
            cpu_time=_number(limits.cpu_time),
            pids=_number(limits.pids),
            file_size=_size(limits.file_size),
            output=_size(limits.output),
        )


def _size(value: object) -> str:
    return "no limit" if value is None else str(value)


def _number(value: object) -> str:
    return "no limit" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True, slots=True)
class Example:
    """A call of ``rules/sandbox_needs.toml`` that the test suite migrates."""

    code: str
    granted: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()
    declined: str | None = None


@dataclass(frozen=True, slots=True)
class Program:
    names: tuple[str, ...]
    modules: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()
    may: frozenset[str] = frozenset()
    subcommands: Mapping[str, frozenset[str]] = field(default_factory=dict)
    subcommands_may: Mapping[str, frozenset[str]] = field(default_factory=dict)
    options: Mapping[str, frozenset[str]] = field(default_factory=dict)
    value_options: frozenset[str] = frozenset()
    wrapper: bool = False
    skip: int = 0
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True, slots=True)
class Paths:
    """``[paths]``: the roots of the host's file system that no profile shows, and what a
    command that names a path there (or writes outside the working folder) needs."""

    hidden: tuple[str, ...] = ()
    hidden_needs: str = "files"
    write_needs: str = "write"
    writable: tuple[str, ...] = ()  # written to, as on the host (/dev/null)


@dataclass(frozen=True, slots=True)
class Table:
    capabilities: Mapping[str, Capability]
    programs: tuple[Program, ...]
    by_name: Mapping[str, Program]
    by_module: Mapping[str, Program]
    paths: Paths = Paths()


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TableError(f"rules/{RULES_FILE}: {where}: expected a list of strings")
    return tuple(value)


def _caps(value: object, where: str, known: Iterable[str]) -> frozenset[str]:
    names = _strings(value, where)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise TableError(f"rules/{RULES_FILE}: {where}: unknown capability {unknown[0]!r}")
    return frozenset(names)


def _cap_map(value: object, where: str, known: Iterable[str]) -> dict[str, frozenset[str]]:
    if not isinstance(value, dict):
        raise TableError(f"rules/{RULES_FILE}: {where}: expected a table")
    return {key: _caps(v, f"{where}.{key}", known) for key, v in value.items()}


_PROGRAM_KEYS = frozenset(
    {
        "names",
        "modules",
        "needs",
        "may",
        "subcommands",
        "subcommands_may",
        "options",
        "value_options",
        "wrapper",
        "skip",
        "examples",
    }
)


def parse_table(text: str, *, own: bool = False) -> Table:
    """The table from the text of ``rules/sandbox_needs.toml``; :class:`TableError` names
    the entry and key of a mistake. ``own``: the text is auditor's own file (its parse is
    kept: auditor.rules_files)."""
    try:
        data = package_toml(text) if own else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"rules/{RULES_FILE}: {exc}") from None
    capabilities: dict[str, Capability] = {}
    for name, entry in data.get("capability", {}).items():
        where = f"capability.{name}"
        give_back = entry.get("give_back", {})
        texts = {lang: entry.get(lang) for lang in LANGS}
        for lang, words in texts.items():
            if not isinstance(words, dict) or "label" not in words:
                raise TableError(f"rules/{RULES_FILE}: {where}.{lang}: needs a label")
        if not isinstance(give_back, dict) or set(give_back) != set(PROFILES):
            raise TableError(f"rules/{RULES_FILE}: {where}.give_back: one keyword per profile")
        capabilities[name] = Capability(
            name,
            bool(entry.get("auto", False)),
            dict(give_back),
            texts,
        )
    programs: list[Program] = []
    by_name: dict[str, Program] = {}
    by_module: dict[str, Program] = {}
    for index, entry in enumerate(data.get("program", [])):
        names = _strings(entry.get("names"), f"program {index + 1}.names")
        where = f"program {index + 1} ({names[0] if names else '?'})"
        extra = sorted(set(entry) - _PROGRAM_KEYS)
        if extra:
            raise TableError(f"rules/{RULES_FILE}: {where}: unknown key {extra[0]!r}")
        examples = []
        for i, example in enumerate(entry.get("examples", [])):
            at = f"{where}.examples[{i}]"
            if not isinstance(example, dict) or not isinstance(example.get("code"), str):
                raise TableError(f"rules/{RULES_FILE}: {at}: needs code")
            declined = example.get("declined")
            if declined is not None and declined not in capabilities:
                raise TableError(f"rules/{RULES_FILE}: {at}: unknown capability {declined!r}")
            examples.append(
                Example(
                    example["code"],
                    tuple(sorted(_caps(example.get("granted", []), at, capabilities))),
                    tuple(sorted(_caps(example.get("needed", []), at, capabilities))),
                    declined,
                )
            )
        if not examples:
            raise TableError(f"rules/{RULES_FILE}: {where}: every entry needs examples")
        program = Program(
            names=names,
            modules=_strings(entry.get("modules", []), f"{where}.modules"),
            needs=_caps(entry.get("needs", []), f"{where}.needs", capabilities),
            may=_caps(entry.get("may", []), f"{where}.may", capabilities),
            subcommands=_cap_map(
                entry.get("subcommands", {}), f"{where}.subcommands", capabilities
            ),
            subcommands_may=_cap_map(
                entry.get("subcommands_may", {}), f"{where}.subcommands_may", capabilities
            ),
            options=_cap_map(entry.get("options", {}), f"{where}.options", capabilities),
            value_options=frozenset(
                _strings(entry.get("value_options", []), f"{where}.value_options")
            ),
            wrapper=bool(entry.get("wrapper", False)),
            skip=int(entry.get("skip", 0)),
            examples=tuple(examples),
        )
        programs.append(program)
        for name in program.names:
            if name in by_name:
                raise TableError(f"rules/{RULES_FILE}: {where}: {name!r} is listed twice")
            by_name[name] = program
        for module in program.modules:
            by_module[module] = program
    raw = data.get("paths", {})
    keys = {"hidden", "hidden_needs", "write_needs", "writable"}
    if not isinstance(raw, dict) or set(raw) - keys:
        raise TableError(f"rules/{RULES_FILE}: paths: expected {', '.join(sorted(keys))}")
    hidden = _strings(raw.get("hidden", []), "paths.hidden")
    writable = _strings(raw.get("writable", []), "paths.writable")
    if any(not root.startswith("/") or root.endswith("/") for root in (*hidden, *writable)):
        raise TableError(f"rules/{RULES_FILE}: paths: absolute roots, no trailing /")
    needs = {
        key: next(iter(_caps([raw.get(key, default)], f"paths.{key}", capabilities)))
        for key, default in (("hidden_needs", "files"), ("write_needs", "write"))
    }
    paths = Paths(hidden, needs["hidden_needs"], needs["write_needs"], writable)
    return Table(capabilities, tuple(programs), by_name, by_module, paths)


@cache
def table() -> Table:
    return parse_table(read_rule_file(RULES_FILE), own=True)


def taken_away(profile: str | Profile) -> tuple[str, ...]:
    """The capabilities ``profile`` takes away from a command, in the table's order."""
    prof = get_profile(profile)
    # every profile: the allow-listed view (auditor/sandbox/view.py) and the rest above
    taken = {"environment", "home", "files", "services", "devices", "write", "privileges"}
    taken.add("limits")
    for namespace, name in (
        ("net", "network"),
        ("pid", "processes"),
        ("uts", "hostname"),
        ("ipc", "ipc"),
    ):
        if namespace in prof.namespaces:
            taken.add(name)
    return tuple(name for name in table().capabilities if name in taken)


def profiles_taking(name: str) -> tuple[str, ...]:
    """The profiles that take capability ``name`` away."""
    return tuple(p for p in PROFILES if name in taken_away(p))


# -- reading a command's program -------------------------------------------------------------
def program_of(word: str) -> Program | None:
    """The table's entry for a program word (a path, a versioned name)."""
    name = word.rsplit("/", 1)[-1]
    programs = table().by_name
    found = programs.get(name)
    if found is None:
        found = programs.get(_VERSION_SUFFIX.sub("", name))
    return found


def _is_python(word: Word) -> bool:
    if word == PYTHON:
        return True
    if word is None:
        return False
    name = word.rsplit("/", 1)[-1]
    return _VERSION_SUFFIX.sub("", name) in _PYTHON_NAMES


@dataclass(frozen=True, slots=True)
class Reading:
    """What one simple command runs: ``label`` ("pip install", "curl"; the words read when
    the program is not in the table), whether the table knows it, what it needs and may
    need."""

    label: str
    known: bool
    needs: frozenset[str] = frozenset()
    may: frozenset[str] = frozenset()
    code: bool = False  # Python source code on the command line (python -c CODE)


_UNKNOWN = Reading("", False)


def _shown(word: Word) -> str:
    if word is not None and word.startswith(HOME):
        return "~" + word[len(HOME) :]
    return "sys.executable" if word == PYTHON else "…" if word is None else word


def _skip_options(words: Sequence[Word], start: int, value_options: frozenset[str]) -> int:
    """The index of the first word at or after ``start`` that is not an option (or the
    value of one)."""
    i = start
    while i < len(words):
        word = words[i]
        if word is None or not word.startswith("-") or word == "-":
            return i
        if word == "--":
            return i + 1
        i += 2 if word in value_options else 1
    return i


def read_command(words: Sequence[Word]) -> Reading:
    """What the simple command of ``words`` runs, by the table, and what the host paths
    written on its line need (:func:`path_needs`)."""
    reading = _read_words(words)
    needs = path_needs(words)
    if not needs - reading.needs:
        return reading
    return Reading(
        reading.label,
        reading.known,
        reading.needs | needs,
        reading.may - needs,
        reading.code,
    )


_REDIRECT = re.compile(r"^(?:\d*|&)(?:>>?|<|>\||<>)")


def path_needs(words: Sequence[Word]) -> frozenset[str]:
    """What the absolute paths written on a command's line need that every profile takes
    away (rules/sandbox_needs.toml ``[paths]``): a path under a root no profile shows
    (``/var/tmp``, ``/srv``, the host's ``/tmp``) needs the host's files; a redirection to a
    path outside the working folder (``> /var/log/x``) needs to write there. An option's
    value (``--file=/srv/x``) and a redirection's target (``>/var/x``, ``> /var/x``) count."""
    paths = table().paths
    out: set[str] = set()
    redirect = False
    for word in words:
        if word is None or word == PYTHON:
            redirect = False
            continue
        match = _REDIRECT.match(word)
        target = word
        writes = redirect
        if match is not None:
            target = word[match.end() :]
            writes = ">" in match.group(0)
            if not target:  # the target is the next word
                redirect = writes
                continue
        redirect = False
        if "=" in target and not target.startswith("/"):
            target = target.split("=", 1)[1]
        if target.startswith(HOME):
            out.add(paths.hidden_needs)  # ~root, ~/x: a home folder, which no profile shows
            continue
        if not target.startswith("/"):
            continue
        if any(target == root or target.startswith(root + "/") for root in paths.hidden):
            out.add(paths.hidden_needs)
        if writes and not any(
            target == root or target.startswith(root + "/") for root in paths.writable
        ):
            out.add(paths.write_needs)
    return frozenset(out)


def _read_words(words: Sequence[Word]) -> Reading:
    i = 0
    while i < len(words) and words[i] is not None and _ASSIGNMENT.match(words[i] or ""):
        i += 1
    start = i
    while i < len(words):
        word = words[i]
        if word is None or word.startswith(HOME):
            return _UNKNOWN  # (~/bin/tool: a program of a home folder, not the table's)
        if _is_python(word):
            return _read_python(words, i)
        program = program_of(word)
        if program is None:
            return Reading(word.rsplit("/", 1)[-1], False)
        if program.wrapper:
            i = _skip_options(words, i + 1, program.value_options)
            while i < len(words) and words[i] is not None and _ASSIGNMENT.match(words[i] or ""):
                i += 1
            i += program.skip
            continue
        return _read_program(program, word, words[i + 1 :])
    if i == start:
        return Reading("", True)  # nothing runs (only assignments)
    return _UNKNOWN


def _read_python(words: Sequence[Word], at: int) -> Reading:
    i = at + 1
    while i < len(words):
        word = words[i]
        if word == "-m" and i + 1 < len(words):
            module = words[i + 1]
            if module is None:
                return _UNKNOWN
            program = table().by_module.get(module) or table().by_module.get(module.split(".")[0])
            label = f"{_shown(words[at])} -m {module}"
            if program is None:
                return Reading(label, False)
            return _read_program(program, module, words[i + 2 :])
        if word == "-c":
            return Reading(" ".join(_shown(w) for w in words[at : i + 1]), False, code=True)
        if word is None or not word.startswith("-") or word == "-":
            break
        i += 2 if word in _PYTHON_VALUE_OPTIONS else 1
    return Reading(" ".join(_shown(w) for w in words[at : at + 2]), False)


def _read_program(program: Program, word: str, rest: Sequence[Word]) -> Reading:
    name = word.rsplit("/", 1)[-1]
    needs = set(program.needs)
    may = set(program.may)
    label = name
    for option in rest:
        if option is not None and option in program.options:
            needs |= program.options[option]
    if program.subcommands or program.subcommands_may:
        i = _skip_options(rest, 0, program.value_options)
        sub: Word = rest[i] if i < len(rest) else ""
        if sub is None:  # built at run time: any of them
            for caps in (*program.subcommands.values(), *program.subcommands_may.values()):
                may |= caps
            label = f"{name} …"
        else:
            needs |= program.subcommands.get(sub, frozenset())
            may |= program.subcommands_may.get(sub, frozenset())
            if sub:
                label = f"{name} {sub}"
    return Reading(label, True, frozenset(needs), frozenset(may - needs))


def split_commands(segments: Iterable[Word]) -> list[list[Word]]:
    """The simple commands of a shell string given as known text and unknown parts
    (None) or the interpreter (:data:`PYTHON`), each as its words. Quotes group words
    (their separators are text); a word holding an expansion (``$``, a glob...) or a part
    built at run time is None."""
    commands: list[list[Word]] = [[]]
    word: list[str] = []
    known = True
    started = False
    quote = ""

    tilde = False  # the word starts with an unquoted ~ (a home folder)

    def end_word() -> None:
        nonlocal word, known, started, tilde
        if started:
            text = "".join(word)
            if tilde and known and not (set(text[1:]) & (_EXPANDED - {"~"})):
                # ~, ~user, ~/x, ~user/x: a home folder (the rest of the path kept)
                slash = text.find("/")
                commands[-1].append(HOME + (text[slash:] if slash >= 0 else ""))
            else:
                commands[-1].append(text if known and not (set(text) & _EXPANDED) else None)
        word, known, started, tilde = [], True, False, False

    for segment in segments:
        if segment is None:
            known = False
            started = True
            continue
        if segment == PYTHON:
            if started:
                known = False
            else:
                commands[-1].append(PYTHON)
            continue
        for char in segment:
            if quote:
                if char == quote:
                    quote = ""
                else:
                    word.append(char)
            elif char in _QUOTES:
                quote = char
                started = True
            elif char in _SEPARATORS:
                end_word()
                if commands[-1]:
                    commands.append([])
            elif char.isspace():
                end_word()
            else:
                if char == "~" and not started:
                    tilde = True
                word.append(char)
                started = True
    end_word()
    return [c for c in commands if c]


@dataclass(frozen=True, slots=True)
class SandboxEffect:
    """What routing one command to the sandbox changes for it.

    ``programs``: what it runs ("pip install", "curl"); ``unknown``: some program is not in
    the table (``unlisted`` names those whose name is known) or not known at rewrite time,
    so every capability the profile takes away is listed in ``lost``; ``granted``: given
    back by the rewrite (``network=True``);
    ``needed``: taken away although the table says it needs it; ``lost``: every capability
    taken away that it needs or may need (``needed`` first), not counting ``granted``;
    ``blocking``: needed, and nothing can give it back."""

    profile: str
    programs: tuple[str, ...] = ()
    unknown: bool = True
    unlisted: tuple[str, ...] = ()
    granted: tuple[str, ...] = ()
    needed: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()
    blocked_by: tuple[str, ...] = ()  # the programs that need what is ``blocking``
    code: bool = False  # generated Python code, not a command

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "programs": list(self.programs),
            "unknown": self.unknown,
            "unlisted": list(self.unlisted),
            "granted": list(self.granted),
            "needed": list(self.needed),
            "lost": list(self.lost),
            "blocking": list(self.blocking),
            "blocked_by": list(self.blocked_by),
            "code": self.code,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxEffect:
        return cls(
            data["profile"],
            tuple(data["programs"]),
            bool(data["unknown"]),
            tuple(data["unlisted"]),
            tuple(data["granted"]),
            tuple(data["needed"]),
            tuple(data["lost"]),
            tuple(data["blocking"]),
            tuple(data["blocked_by"]),
            bool(data["code"]),
        )

    def describe(self) -> list[str]:
        """What the call runs (first line), gets back and loses, in English."""
        caps = table().capabilities
        if self.code:
            what = "generated Python code"
        else:
            parts = list(self.programs)
            if self.unlisted:
                parts.append(f"{', '.join(self.unlisted)}, not in rules/sandbox_needs.toml")
            elif self.unknown:
                parts.append("a program not known before it runs")
            what = ", ".join(parts)
        lines = [what]
        if self.granted:
            given = ", ".join(
                f"{caps[n].label()} ({caps[n].keyword(self.profile)})" for n in self.granted
            )
            lines.append(f"given back: {given}")
        if self.needed:
            lines.append("needs, and loses: " + ", ".join(caps[n].label() for n in self.needed))
        maybe = [n for n in self.lost if n not in self.needed]
        if maybe:
            verb = "loses" if self.unknown else "may need, and loses"
            lines.append(f"{verb}: " + ", ".join(caps[n].label() for n in maybe))
        if not self.lost and not self.granted:
            lines.append("needs nothing the sandbox takes away")
        return lines

    @property
    def keywords(self) -> tuple[str, ...]:
        """The keyword arguments the rewrite adds (``network=True``)."""
        caps = table().capabilities
        return tuple(caps[name].keyword(self.profile) for name in self.granted)


def effect_of(
    readings: Sequence[Reading], profile: str | Profile, passes_env: bool = False
) -> SandboxEffect:
    """What the sandbox with ``profile`` takes away from commands read as ``readings``.
    ``passes_env``: the call passes its own ``env=``, which the sandbox uses as given (so
    the environment is the call's own choice, as with subprocess; the home folder stays out
    of view whatever ``$HOME`` says)."""
    prof = get_profile(profile)
    taken = taken_away(prof)
    if passes_env:
        taken = tuple(n for n in taken if n != "environment")
    caps = table().capabilities
    unknown = not readings or any(not r.known for r in readings)
    needs: set[str] = set()
    may: set[str] = set()
    for reading in readings:
        needs |= reading.needs
        may |= reading.may
    granted = tuple(n for n in taken if n in needs and caps[n].auto and caps[n].keyword(prof.name))
    needed = tuple(n for n in taken if n in needs and n not in granted)
    maybe = set(taken) if unknown else may
    lost = needed + tuple(n for n in taken if n in maybe and n not in needs)
    blocking = tuple(n for n in needed if not caps[n].keyword(prof.name))
    programs = tuple(dict.fromkeys(r.label for r in readings if r.known and r.label))
    unlisted = tuple(dict.fromkeys(r.label for r in readings if not r.known and r.label))
    blocked_by = tuple(
        dict.fromkeys(r.label for r in readings if r.known and r.needs & set(blocking))
    )
    # only generated Python code (python -c CODE) where a program is not known
    code = unknown and bool(readings) and all(r.code for r in readings if not r.known)
    return SandboxEffect(
        prof.name,
        programs,
        unknown,
        () if code else unlisted,
        granted,
        needed,
        lost,
        blocking,
        blocked_by,
        code=code,
    )


def code_effect(profile: str | Profile) -> SandboxEffect:
    """What generated Python code run in the sandbox loses (everything the profile takes)."""
    prof = get_profile(profile)
    return SandboxEffect(prof.name, lost=taken_away(prof), code=True)
