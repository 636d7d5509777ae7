"""A parser for the sudoers(5) subset that deployment files use.

Handles comments, ``\\`` continuation lines, ``Defaults`` (with ``:user``, ``@host``,
``>runas`` and ``!cmnd`` scopes), ``User_Alias``/``Runas_Alias``/``Host_Alias``/``Cmnd_Alias``
(several per line with ``:``), user specifications with run-as lists, option and tag specs
(``NOPASSWD:`` and friends carry over to the following commands of the same spec) and
``#include``/``@include``/``#includedir``/``@includedir``. It never raises on bad input: a line
it cannot read becomes a :class:`~auditor.findings.ScanError` with the file and line, and the
rest of the file is still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor.findings import ScanError
from auditor.system.reading import read_config_text
from auditor.system.sudomatch import ArgPattern, pattern_text

TAGS = frozenset(
    {
        "EXEC", "NOEXEC", "FOLLOW", "NOFOLLOW", "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT",
        "NOLOG_OUTPUT", "MAIL", "NOMAIL", "INTERCEPT", "NOINTERCEPT", "PASSWD", "NOPASSWD",
        "SETENV", "NOSETENV",
    }
)  # fmt: skip
# Tags that cancel each other: the later one wins.
_OPPOSITE = {"PASSWD": "NOPASSWD", "NOPASSWD": "PASSWD", "EXEC": "NOEXEC", "NOEXEC": "EXEC",
             "SETENV": "NOSETENV", "NOSETENV": "SETENV"}  # fmt: skip
_OPTION_RE = re.compile(
    r"(ROLE|TYPE|CHROOT|CWD|TIMEOUT|NOTBEFORE|NOTAFTER|APPARMOR_PROFILE|PRIVS|LIMITPRIVS)"
    r"\s*=\s*(\S+)\s*"
)
_TAG_RE = re.compile(r"([A-Z_]+)\s*:\s*")
_ALIAS_KINDS = ("User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias")
_ALIAS_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DIGEST_RE = re.compile(r"^(sha224|sha256|sha384|sha512):\S+\s+")
_INCLUDE_RE = re.compile(r"^[#@](include|includedir)\s+(.+?)\s*$")
MAX_INCLUDE_DEPTH = 128


@dataclass(frozen=True, slots=True)
class Command:
    """One command of a user specification or a Cmnd_Alias.

    ``args`` is ``None`` when the rule gives no argument list (any arguments allowed), ``""``
    when it gives ``""`` (no arguments allowed), else the argument text (escapes removed).
    ``pattern`` is the argument list as sudo matches it (see
    :func:`auditor.system.sudomatch.pattern_text`: glob escapes such as ``\\*`` kept).
    """

    program: str
    args: str | None
    negated: bool = False
    tags: frozenset[str] = frozenset()
    runas: str | None = None
    text: str = ""
    pattern: str | None = None

    @property
    def arg_pattern(self) -> ArgPattern:
        """The argument list for sudo's matching (sudoedit matches paths)."""
        text = self.pattern if self.pattern is not None or self.args is None else self.args
        return ArgPattern(text, pathname=self.program == "sudoedit")

    @property
    def nopasswd(self) -> bool:
        return "NOPASSWD" in self.tags


@dataclass(frozen=True, slots=True)
class UserSpec:
    path: str
    line: int
    users: tuple[str, ...]
    hosts: tuple[str, ...]
    commands: tuple[Command, ...]
    text: str
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True, slots=True)
class Alias:
    path: str
    line: int
    kind: str
    name: str
    members: tuple[str, ...]
    commands: tuple[Command, ...] = ()


@dataclass(frozen=True, slots=True)
class Default:
    path: str
    line: int
    scope: str  # "", ":user", "@host", ">runas" or "!cmnd" (with its list)
    settings: tuple[str, ...]
    text: str = ""
    end_line: int = 0
    end_column: int = 0


@dataclass(slots=True)
class Sudoers:
    """A sudoers file with everything it includes."""

    files: list[str] = field(default_factory=list)
    specs: list[UserSpec] = field(default_factory=list)
    aliases: dict[str, Alias] = field(default_factory=dict)
    defaults: list[Default] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    includedirs: list[str] = field(default_factory=list)  # folders it includes (sudoers.d)


@dataclass(frozen=True, slots=True)
class LogicalLine:
    line: int  # first physical line
    text: str
    end_line: int = 0  # last physical line (continuations)
    end_column: int = 0  # 1-based, exclusive, on end_line


def _strip_comment(raw: str) -> str:
    """Drop a ``#`` comment: a ``#`` at the start of a token that is not ``#<uid>``."""
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i : i + 2])
            i += 2
            continue
        if ch == "#" and (i == 0 or raw[i - 1] in " \t,=(:!"):
            rest = raw[i + 1 :]
            if not rest[:1].isdigit():
                break
        out.append(ch)
        i += 1
    return "".join(out).rstrip()


def logical_lines(text: str, path: str, errors: list[ScanError]) -> list[LogicalLine]:
    """Join ``\\`` continuations, drop comments and blank lines; keep include directives."""
    lines: list[LogicalLine] = []
    pending: list[str] = []
    start = 0
    physical = text.splitlines()
    for number, raw in enumerate(physical, start=1):
        if not pending:
            start = number
            stripped = raw.strip()
            if _INCLUDE_RE.match(stripped):
                lines.append(LogicalLine(number, stripped))
                continue
        body = raw if pending else raw.lstrip()
        continued = body.endswith("\\") and not body.endswith("\\\\")
        if continued:
            body = body[:-1]
        pending.append(body)
        if continued:
            continue
        joined = _strip_comment(" ".join(p.strip() for p in pending))
        pending = []
        if joined.strip():
            lines.append(LogicalLine(start, joined.strip(), number, len(raw.rstrip()) + 1))
    if pending:
        errors.append(
            ScanError(path, "sudoers: the file ends inside a continued line (trailing '\\')", start)
        )
        joined = _strip_comment(" ".join(p.strip() for p in pending))
        if joined.strip():
            last = physical[-1] if physical else ""
            lines.append(LogicalLine(start, joined.strip(), len(physical), len(last.rstrip()) + 1))
    return lines


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and not after a backslash."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_command(
    text: str, tags: frozenset[str] = frozenset(), runas: str | None = None
) -> Command:
    """A bare command (``!``* then a path, ``ALL``, an alias or ``sudoedit``, then args)."""
    body = text.strip()
    negated = False
    while body.startswith("!"):
        negated = not negated
        body = body[1:].lstrip()
    digest = _DIGEST_RE.match(body)
    if digest:
        body = body[digest.end() :]
    parts = body.split(None, 1)
    program = unescape(parts[0]) if parts else ""
    args = unescape(parts[1].strip()) if len(parts) > 1 else None
    pattern = pattern_text(parts[1].strip()) if len(parts) > 1 else None
    if args == '""':
        args = pattern = ""
    return Command(program, args, negated, tags, runas, text.strip(), pattern)


def _parse_cmnd_specs(text: str) -> tuple[list[Command], str | None]:
    """A Cmnd_Spec_List: runas, options and tags carry over to the following commands."""
    commands: list[Command] = []
    tags: set[str] = set()
    runas: str | None = None
    for raw in split_unescaped(text, ","):
        rest = raw.strip()
        if not rest:
            return commands, "empty command in the list (a stray ',')"
        if rest.startswith("("):
            close = rest.find(")")
            if close < 0:
                return commands, "unbalanced '(' in the run-as list"
            runas = rest[1:close].strip() or "root"
            rest = rest[close + 1 :].lstrip()
            # a new run-as spec resets nothing else in sudo; tags keep carrying over
        while True:
            option = _OPTION_RE.match(rest)
            if option:
                rest = rest[option.end() :]
                continue
            tag = _TAG_RE.match(rest)
            if tag and tag.group(1) in TAGS:
                name = tag.group(1)
                tags.discard(_OPPOSITE.get(name, ""))
                tags.add(name)
                rest = rest[tag.end() :]
                continue
            if tag and not rest.startswith(("sha", "/")) and tag.group(1).isupper():
                return commands, f"unknown tag '{tag.group(1)}:'"
            break
        if not rest:
            return commands, "a run-as list or tag without a command"
        command = parse_command(rest, frozenset(tags), runas)
        if command.program == "ALL" and command.args is not None:
            return commands, f"ALL takes no arguments, got {rest!r}"
        commands.append(command)
    return commands, None


def _alias_definitions(body: str) -> list[str]:
    """``NAME = a, b : OTHER = c``: definitions are separated by a ':' that a ``NAME =``
    follows (a digest such as ``sha256:...`` holds ':' too)."""
    parts = split_unescaped(body, ":")
    out: list[str] = []
    for part in parts:
        if out and not re.match(r"^\s*[A-Z][A-Z0-9_]*\s*=", part):
            out[-1] += ":" + part
        else:
            out.append(part)
    return out


def _parse_alias(kind: str, body: str, path: str, line: int) -> tuple[list[Alias], str | None]:
    aliases: list[Alias] = []
    for definition in _alias_definitions(body):
        name, eq, members = definition.partition("=")
        name = name.strip()
        if not eq:
            return aliases, f"{kind}: expected NAME = members, got {definition.strip()!r}"
        if not _ALIAS_NAME_RE.match(name):
            return aliases, f"{kind}: invalid alias name {name!r} (upper case, digits, '_')"
        items = tuple(m.strip() for m in split_unescaped(members, ",") if m.strip())
        if not items:
            return aliases, f"{kind} {name}: no members"
        commands: tuple[Command, ...] = ()
        if kind in ("Cmnd_Alias", "Cmd_Alias"):
            commands = tuple(parse_command(item) for item in items)
        aliases.append(Alias(path, line, kind, name, items, commands))
    return aliases, None


def _parse_user_spec(logical: LogicalLine, path: str) -> tuple[UserSpec | None, str | None]:
    text = logical.text
    eq = text.find("=")
    if eq < 0:
        return None, "expected 'user host = command', 'Defaults' or an alias definition"
    head = text[:eq].rstrip()
    head_parts = head.split()
    if len(head_parts) < 2:
        return None, f"expected a user list and a host list before '=', got {head!r}"
    users_text = " ".join(head_parts[:-1])
    hosts_text = head_parts[-1]
    users = tuple(u.strip() for u in split_unescaped(users_text, ",") if u.strip())
    hosts = tuple(h.strip() for h in hosts_text.split(",") if h.strip())
    # Several `host = cmnds` groups separated by ':' are rare; read the first one's commands
    # and any later group's too (the ':' must be followed by 'HOST =').
    body = text[eq + 1 :]
    groups = re.split(r"\s:\s*(?=[^\s=,:]+\s*=)", body)
    commands: list[Command] = []
    for group in groups:
        chunk = group
        if group is not groups[0]:
            chunk = group.partition("=")[2]
        parsed, error = _parse_cmnd_specs(chunk)
        commands.extend(parsed)
        if error:
            break
    # On an error, the commands read before it are kept (and checked): nothing is lost.
    spec = (
        UserSpec(
            path, logical.line, users, hosts, tuple(commands), text,
            logical.end_line, logical.end_column,
        )
        if commands
        else None
    )  # fmt: skip
    return spec, error


def _include_target(spec: str, current: Path) -> Path:
    name = spec.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    name = name.replace("%h", "localhost")
    target = Path(name)
    return target if target.is_absolute() else current.parent / target


def _included_files(folder: Path) -> list[Path]:
    """What sudo reads from an includedir: files whose names have no '.' and do not end in
    '~', in lexical order."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and "." not in p.name and not p.name.endswith("~")
    )


def parse_file(path: Path, display: str | None = None) -> Sudoers:
    """Parse ``path`` and everything it includes."""
    result = Sudoers()
    _parse_into(result, path, display or path.as_posix(), set(), 0)
    return result


def parse_text(text: str, display: str) -> Sudoers:
    """Parse sudoers ``text`` (includes are not followed)."""
    result = Sudoers()
    _parse_lines(result, text, display, None, set(), 0)
    return result


def _parse_into(result: Sudoers, path: Path, display: str, seen: set[Path], depth: int) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    text = read_config_text(path, display, result.errors, "sudoers")
    if text is None:
        return
    result.files.append(display)
    _parse_lines(result, text, display, path, seen, depth)


def _display_of(target: Path, base_display: str, base: Path) -> str:
    try:
        return (Path(base_display).parent / target.relative_to(base.parent)).as_posix()
    except ValueError:
        return target.as_posix()


def _parse_lines(
    result: Sudoers, text: str, display: str, path: Path | None, seen: set[Path], depth: int
) -> None:
    for logical in logical_lines(text, display, result.errors):
        include = _INCLUDE_RE.match(logical.text)
        if include:
            if path is None:
                continue
            if depth >= MAX_INCLUDE_DEPTH:
                result.errors.append(
                    ScanError(display, "sudoers: includes nested too deeply", logical.line)
                )
                continue
            target = _include_target(include.group(2), path)
            target_display = _display_of(target, display, path)
            if include.group(1) == "include":
                if not target.is_file():
                    result.errors.append(
                        ScanError(
                            display,
                            f"sudoers: included file {include.group(2)} not found",
                            logical.line,
                        )
                    )
                    continue
                _parse_into(result, target, target_display, seen, depth + 1)
            elif target.is_dir():
                result.includedirs.append(target_display)
                for child in _included_files(target):
                    _parse_into(result, child, f"{target_display}/{child.name}", seen, depth + 1)
            continue
        error = _parse_statement(result, logical, display)
        if error:
            result.errors.append(ScanError(display, f"sudoers: {error}", logical.line))


def _parse_statement(result: Sudoers, logical: LogicalLine, display: str) -> str | None:
    text = logical.text
    first = re.split(r"[\s:@>!=]", text, maxsplit=1)[0]
    if first == "Defaults":
        match = re.match(r"Defaults([:@>!]\S+)?\s*(.*)$", text)
        assert match is not None
        settings = tuple(s.strip() for s in split_unescaped(match.group(2), ",") if s.strip())
        if not settings:
            return "Defaults without a setting"
        default = Default(
            display, logical.line, match.group(1) or "", settings, text,
            logical.end_line, logical.end_column,
        )  # fmt: skip
        result.defaults.append(default)
        return None
    if first in _ALIAS_KINDS:
        aliases, error = _parse_alias(first, text[len(first) :], display, logical.line)
        for alias in aliases:
            result.aliases[alias.name] = alias
        return error
    spec, error = _parse_user_spec(logical, display)
    if spec is not None:
        result.specs.append(spec)
    return error
