"""sudo's own matching of a command's arguments (sudoers(5), "Wildcards" and "Command
line arguments"), and the argument vectors a rule admits.

sudo joins the caller's arguments with single spaces and matches that text against the
rule's argument pattern with ``fnmatch(3)`` *without* ``FNM_PATHNAME``: a ``*`` matches any
text, spaces, slashes and leading dashes included, so ``cmd fixed *`` admits every option
after ``fixed``, and ``cat /var/log/*`` admits ``/var/log/x /etc/shadow``. A rule without an
argument list admits any arguments; ``""`` admits none; ``^...$`` is a regular expression
(sudo 1.9.10 and later). ``sudoedit`` matches its arguments as paths (``FNM_PATHNAME``: a
``*`` stops at ``/``).

The grant analysis asks whether a rule admits an argument vector that holds words of the
caller's choosing at some place; :func:`injections` builds such vectors, one per wildcard,
and every vector it returns is checked with :func:`admits`, so the analysis never claims a
vector sudo would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

# Characters sudoers requires to be escaped in arguments; the backslash is removed before
# matching. A backslash before a glob character stays (fnmatch reads it as "literal").
_SUDOERS_SPECIALS = frozenset(",:=\\ \t#")
_JUNK = "x"  # the filler a caller puts where a wildcard needs some text


def pattern_text(raw: str) -> str:
    """The argument pattern as sudo keeps it: sudoers escapes of ``,:=\\`` and blanks
    removed, glob escapes (``\\*``) kept, runs of blanks collapsed to one space."""
    out: list[str] = []
    i = 0
    pending_space = False
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if pending_space and out:
                out.append(" ")
            pending_space = False
            out.append(nxt if nxt in _SUDOERS_SPECIALS else raw[i : i + 2])
            i += 2
            continue
        if ch in " \t":
            pending_space = True
            i += 1
            continue
        if pending_space and out:
            out.append(" ")
        pending_space = False
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "lit" (one character), "star", "one" ("?") or "set" ("[...]")
    text: str


def tokens(pattern: str) -> list[Token]:
    """A glob pattern as tokens (sudo's fnmatch: ``*``, ``?``, ``[...]``, ``\\c``)."""
    out: list[Token] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(Token("lit", pattern[i + 1]))
            i += 2
        elif ch == "*":
            out.append(Token("star", "*"))
            i += 1
        elif ch == "?":
            out.append(Token("one", "?"))
            i += 1
        elif ch == "[":
            end = _set_end(pattern, i)
            if end < 0:
                out.append(Token("lit", "["))
                i += 1
            else:
                out.append(Token("set", pattern[i : end + 1]))
                i = end + 1
        else:
            out.append(Token("lit", ch))
            i += 1
    return out


def _set_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] in "!^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return -1


def _set_regex(text: str) -> str:
    body = text[1:-1]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    escaped = body.replace("\\", "\\\\").replace("[", "\\[")
    return f"[{'^' if negate else ''}{escaped}]"


@cache
def glob_regex(pattern: str, pathname: bool = False) -> re.Pattern[str]:
    """The regular expression of an fnmatch pattern (``pathname``: ``*``, ``?`` and sets
    never match ``/``, as with ``FNM_PATHNAME``)."""
    parts: list[str] = []
    for token in tokens(pattern):
        if token.kind == "lit":
            parts.append(re.escape(token.text))
        elif token.kind == "star":
            parts.append("[^/]*" if pathname else ".*")
        elif token.kind == "one":
            parts.append("[^/]" if pathname else ".")
        else:
            parts.append(_set_regex(token.text))
    return re.compile("".join(parts), re.DOTALL)


def has_wildcard(pattern: str) -> bool:
    return any(t.kind != "lit" for t in tokens(pattern))


def is_regex(pattern: str) -> bool:
    return len(pattern) >= 2 and pattern.startswith("^") and pattern.endswith("$")


@dataclass(frozen=True, slots=True)
class ArgPattern:
    """A rule's argument list: ``None`` (no list: any arguments), ``""`` (written ``""``: no
    arguments) or the pattern text (see :func:`pattern_text`)."""

    text: str | None
    pathname: bool = False  # sudoedit: arguments are paths

    @property
    def any(self) -> bool:
        return self.text is None

    @property
    def none(self) -> bool:
        return self.text == ""

    @property
    def regex(self) -> bool:
        return self.text is not None and is_regex(self.text)

    @property
    def wild(self) -> bool:
        """Does it admit more than one argument vector (no list, a wildcard, a regex)?"""
        if self.text is None:
            return True
        return self.regex or has_wildcard(self.text)

    def admits(self, args: Sequence[str]) -> bool:
        """Would sudo run the command with these arguments?"""
        if self.text is None:
            return True
        if self.text == "":
            return not args
        joined = " ".join(args)
        if self.regex:
            try:
                return re.fullmatch(self.text, joined) is not None
            except re.error:
                return False
        return glob_regex(self.text, self.pathname).fullmatch(joined) is not None

    def minimal(self) -> list[str] | None:
        """The shortest argument vector the pattern admits (wildcards matched by as little
        as they take), or None for a regex it cannot build one for."""
        if self.text is None or self.text == "":
            return []
        if self.regex:
            built = _regex_literal(self.text)
            return built.split() if built is not None and self.admits(built.split()) else None
        items = tokens(self.text)
        for star in ("", _JUNK):  # "fixed *" needs text after its space
            argv = "".join(star if t.kind == "star" else _fill(t) for t in items).split()
            if self.admits(argv):
                return argv
        return None


@dataclass(frozen=True, slots=True)
class Injection:
    """An argument vector the rule admits, with ``words`` of the caller's choosing at
    ``argv[start:start + len(words)]``. ``star`` is the wildcard's index in the pattern's
    words (see :func:`pattern_words`), ``-1`` when the rule has no argument list."""

    argv: tuple[str, ...]
    start: int
    words: tuple[str, ...]
    star: int

    @property
    def end(self) -> int:
        return self.start + len(self.words)


def _fill(token: Token) -> str:
    """The least text a token matches (a ``?`` or a set needs one character)."""
    if token.kind == "lit":
        return token.text
    if token.kind == "star":
        return ""
    if token.kind == "one":
        return _JUNK
    regex = re.compile(_set_regex(token.text))
    return next((c for c in _JUNK + "a0_-.Z" if regex.fullmatch(c)), _JUNK)


def _render(items: Sequence[Token]) -> str:
    return "".join(_fill(t) for t in items)


def _regex_literal(text: str) -> str | None:
    """A regex of literal text and ``.*``/``.+`` only, with the wildcards matched minimally;
    None for anything else."""
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        if body.startswith(".*", i):
            i += 2
        elif body.startswith(".+", i):
            out.append(_JUNK)
            i += 2
        elif body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        elif body[i] in ".^$*+?()[]{}|":
            return None
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def pattern_words(pattern: str) -> list[str]:
    """The pattern split at its (unescaped) spaces: the words a caller passes when no
    wildcard is stretched over a space."""
    words: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern[i] == " ":
            if current:
                words.append("".join(current))
            current = []
        else:
            current.append(pattern[i])
        i += 1
    if current:
        words.append("".join(current))
    return words


def injections(pattern: ArgPattern, words: Sequence[str]) -> Iterator[Injection]:
    """Argument vectors the rule admits with ``words`` inserted where a wildcard stands,
    each wildcard in turn; with no argument list, ``words`` alone. For a wildcard inside a
    word (``/backup/app-*.tgz``) the caller completes that word and starts new ones
    (``/backup/app-x --inserted words x.tgz``); a second variant puts one more word before
    the inserted ones, for a wildcard that an option would otherwise take as its value."""
    fill = tuple(words)
    if pattern.text is None:
        yield Injection(fill, 0, fill, -1)
        return
    if pattern.text == "" or pattern.pathname:
        return
    if pattern.regex:
        yield from _regex_injections(pattern, fill)
        return
    items = tokens(pattern.text)
    stars = [i for i, t in enumerate(items) if t.kind == "star"]
    for index in stars:
        prefix = _render(items[:index])
        suffix = _render(items[index + 1 :])
        star_word = len(pattern_words(_render(items[:index]) + "\0")) - 1
        for extra in ((), (_JUNK,)):
            yield from _one(pattern, prefix, suffix, extra + fill, len(extra), star_word)


def _one(
    pattern: ArgPattern, prefix: str, suffix: str, fill: tuple[str, ...], skip: int, star: int
) -> Iterator[Injection]:
    head = prefix
    if head and not head.endswith(" "):
        head += _JUNK + " "
    tail = suffix
    if tail and not tail.startswith(" "):
        tail = " " + _JUNK + tail
    before = head.split()
    argv = [*before, *fill, *tail.split()]
    if pattern.admits(argv):
        yield Injection(tuple(argv), len(before) + skip, fill[skip:], star)


def _regex_injections(pattern: ArgPattern, fill: tuple[str, ...]) -> Iterator[Injection]:
    text = pattern.text or ""
    body = text[1:-1]
    for match in re.finditer(r"\.[*+]", body):
        head = _regex_literal("^" + body[: match.start()].replace(".+", "x") + "$")
        tail = _regex_literal("^" + body[match.end() :] + "$")
        if head is None or tail is None:
            continue
        star = len(head.split())
        for extra in ((), (_JUNK,)):
            yield from _one(pattern, head, tail, extra + fill, len(extra), star)
