"""What a constant script does with what it is handed at run time: whether it runs its own
arguments (``bash -c 'eval "$1"' bash CMD``, ``python3 -c "import sys; exec(sys.argv[1])"
CODE``, ``awk 'BEGIN { system(ARGV[1]) }' CMD``) or what it reads from its standard input
(``sh -c 'cat | sh'``, ``python3 -c "exec(sys.stdin.read())"``, ``awk '{ system($0) }'``).
The tables are rules/script_uses.toml's.

``runs_arguments(language, script)`` says which of the words after the script (``operands``:
a shell's $0, $1...; python's sys.argv[1:]; awk's ARGV[1:]) it runs, and as what;
``reads_input(language, script, operands)`` the language of what runs the script's input.

How far it reads
----------------
* Shell: the script is split into simple commands (``;``, ``&&``, ``||``, ``|``, ``&``,
  newlines, parentheses), with quoting, parameter expansions, ``$(...)`` and backticks
  (read as scripts of their own), redirections and here-documents (skipped; a ``<`` takes
  the command's input from elsewhere). Each command is peeled with the launcher table
  (``eval``, ``exec``, ``source``, ``sh -c``, ``sudo``...): a positional parameter, or a
  variable assigned from one, in the word that says what runs runs the argument. A command
  that reads the script's input (the first of its pipeline, or after filters only:
  ``cat | sh``, ``base64 -d | bash``) and that the table says runs its input (``sh``,
  ``bash -s``, ``python3 -``, ``source /dev/stdin``), a ``$(cat)`` in the word that says
  what runs (``eval "$(cat)"``) and a variable ``read`` from the input there
  (``while read l; do eval "$l"; done``) run the input.
* Python: the code is parsed (``ast``); names bound from ``sys.argv`` or from the input
  (``sys.stdin``, ``input()``), through plain assignments, that reach the first argument
  of exec, eval, compile, os.system, subprocess's calls... run it.
* awk: ``ARGV`` (or a variable assigned from it) in the argument of ``system()``, in the
  command of ``cmd | getline`` or ``print ... | cmd``, or printed to a constant command
  that runs its input (``print ARGV[1] | "sh"``); records (``$0``, ``$1``) and ``getline``
  variables likewise, for the input, when no file operand is given.
* perl -e, ruby -e, node -e, php -r: read as text (rules/script_uses.toml's [text.*]): the
  arguments (``$ARGV[0]``, ``shift``, ``ARGV``, ``process.argv``, ``$argv``) or the input
  (``<STDIN>``, ``$stdin``, ``readFileSync(0)``, ``php://stdin``), or a variable assigned
  from them, in the arguments of a call that runs a command or code (``system``, backticks,
  ``execSync``, ``eval``).

* Also in shell scripts: ``for a; do eval "$a"; done`` (the loop variable carries the
  arguments, or its words' labels), a file written from the input or an argument and then
  run (``cat > f && sh f``, ``tee f``, ``printf %s "$1" > f; sh ./f``), ``source <(cat)``
  (a process substitution of filters is the input), ``bash <&0`` and ``sh < /dev/stdin``
  (the script's own input), ``IFS= read -r c`` (assignments before a reader), and xargs
  reading the script's input (``xargs -0 sh -c``: :func:`xargs_runs`).
* A command of the script that gives a constant script of its own what it runs: as its
  arguments (``sh -c 'eval "$1"' sh "$x"``) or in its environment (``JOB="$x" sh -c 'eval
  "$JOB"'``, ``export JOB="$x"``, ``env JOB="$x" ...``: any variable the script assigned,
  exported or not, as it may be in the environment already); a printer piped into a
  filter that writes a file (``printf %s "$1" | tee job.sh``), and a file the script wrote
  read by a command whose output a shell runs (``cat job.sh | sh``) or by a shell as its
  input (``sh < job.sh``).
* ``runs_environment``: the environment variables a script runs (``eval "$JOB"``,
  ``exec(os.environ['CODE'])``), for a call that sets them with ``env=``.
* ``quoted_words_run``: the ``shlex.quote``d words of a shell command string that the string
  runs further on (the same reading, each quoted word taken as a variable of its own).
* ``fetches``: a script that runs code it downloads (``curl URL | sh``, ``eval "$(wget -qO-
  URL)"``, ``irm URL | iex``, ``exec(urlopen(URL).read())``), for the finding's note.
* sed (``sed e``, ``s/^/ls /e``): GNU sed's ``e`` command and the ``s`` flag ``e`` run the
  pattern space, the input, as a shell command.

It does not follow functions, arrays, ``set --``, ``shift`` (``$1`` stays the first
operand), an ``IFS`` or alias trick, or Python's attribute and container flows: a use it
misses leaves today's verdict (a fixed program with arguments built at run time).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.judge.launcher_table import builtin_table
from auditor.judge.launchers import Peeled, Word, peel
from auditor.rules_files import rule_table

__all__ = [
    "EnvUse",
    "Use",
    "fetches",
    "quoted_words_run",
    "readable",
    "reads_input",
    "runs_arguments",
    "runs_environment",
    "xargs_runs",
]

# a label of what a value carries: the index of an operand (0: a shell's $0), ALL (every
# operand: "$@", sys.argv) or INPUT (the script's standard input); an environment variable
# is _ENV + k (k: its place among those the script reads)
ALL = -1
INPUT = -2
_ENV = 1 << 20


@dataclass(frozen=True, slots=True)
class Use:
    """What a script runs of what it is handed: ``runs`` "shell", "code" or "program";
    ``language`` of the code (or the shell's); ``operands``: the indexes of the operands it
    runs (None: any of them); ``how``: one line saying how (``eval "$1"``)."""

    runs: str
    language: str | None
    operands: frozenset[int] | None
    how: str

    def hits(self, dynamic: Iterable[int]) -> bool:
        """Whether the script runs one of the operands ``dynamic`` (indexes)."""
        wanted = self.operands
        return any(wanted is None or i in wanted for i in dynamic)


def runs_arguments(language: str | None, script: str) -> Use | None:
    """How the constant ``script`` (in ``language``: "sh", "python", "awk", "perl", "ruby",
    "node", "php") runs its operands, or None when it uses them only as data (or it cannot
    be read)."""
    if language == "sh":
        return _Shell.uses(script, INPUT_OFF)
    if language == "python":
        return _python(script, "argv")
    if language == "awk":
        return _awk(script, "argv")
    if language is not None and language in _table()["text"]:
        return _text(language, script, "argv")
    return None


@dataclass(frozen=True, slots=True)
class EnvUse:
    """The environment variables a constant script runs: ``names`` (None: any, a key known
    only at run time, ``os.environ[k]``), what they run (``runs``, ``language``) and how."""

    names: frozenset[str] | None
    runs: str
    language: str | None
    how: str


def runs_environment(language: str | None, script: str) -> EnvUse | None:
    """Which environment variables the constant ``script`` runs (``sh -c 'eval "$JOB"'``,
    ``python3 -c "import os; exec(os.environ['CODE'])"``), or None."""
    if language == "sh":
        names: list[str] = []
        use = _Shell.uses(script, INPUT_OFF, names)
        if use is None:
            return None
        hit = (
            frozenset(names)
            if use.operands is None
            else frozenset(names[k - _ENV] for k in use.operands if k >= _ENV)
        )
        if not hit:
            return None
        return EnvUse(hit, use.runs, use.language, use.how)
    if language == "python":
        return _python_env(script)
    return None


def reads_input(
    language: str | None, script: str, operands: Sequence[str | None] = ()
) -> tuple[str, str] | None:
    """The language of what runs the input of the constant ``script`` and how, or None.
    ``operands``: the words after the script (an awk program with a file operand reads the
    file, not its input)."""
    use: Use | None = None
    if language == "sh":
        use = _Shell.uses(script, INPUT_ON)
    elif language == "python":
        use = _python(script, "stdin")
    elif language == "awk" and all(
        o is not None and (o == "-" or re.fullmatch(r"[A-Za-z_]\w*=.*", o, re.S)) for o in operands
    ):
        use = _awk(script, "stdin")
    elif language == "sed" and all(o == "-" for o in operands):
        use = _sed(script)
    elif language is not None and language in _table()["text"]:
        use = _text(language, script, "stdin")
    if use is None:
        return None
    return ("sh" if use.runs != "code" else use.language or "sh"), use.how


# --- The shell ---------------------------------------------------------------------------------

INPUT_OFF, INPUT_ON = False, True


@cache
def _table() -> dict[str, Any]:
    return rule_table("script_uses.toml")


@dataclass(slots=True)
class _Exp:
    """An expansion in a word: the positional parameters it expands (indexes, ALL), the
    variables it names, and whether it is a command substitution that yields the input."""

    params: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    input: bool = False
    fetch: bool = False  # $(curl URL), <(wget -O- URL): what it yields is downloaded


@dataclass(slots=True)
class _ShWord:
    pieces: list[str | _Exp] = field(default_factory=list)
    quoted: bool = False

    @property
    def text(self) -> str | None:
        if any(isinstance(p, _Exp) for p in self.pieces):
            return None
        return "".join(p for p in self.pieces if isinstance(p, str))

    def edge(self, reverse: bool) -> str:
        out: list[str] = []
        for piece in reversed(self.pieces) if reverse else self.pieces:
            if isinstance(piece, _Exp):
                break
            out.append(piece)
        return "".join(reversed(out) if reverse else out)


@dataclass(slots=True)
class _Cmd:
    words: list[_ShWord] = field(default_factory=list)
    stage: int = 0  # its place in its pipeline
    redirected: bool = False  # a < or here-document: its input is not the script's
    before: list[_Cmd] = field(default_factory=list)  # the earlier commands of its pipeline
    # the files its standard output is redirected to (> FILE, >> FILE; None: not constant)
    outputs: list[str | None] = field(default_factory=list)
    # the files its standard input is redirected from (< FILE)
    inputs: list[_ShWord] = field(default_factory=list)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^]]*\])?\+?=")
_SKIP_WORDS = frozenset({"!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done"})
_SKIP_WORDS |= {"while", "until", "esac", "time"}
_NOT_COMMANDS = frozenset({"for", "case", "select", "function", "[[", "in"})
_DECLARERS = frozenset({"local", "export", "readonly", "declare", "typeset"})
_STDIN_PATHS = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


class _Parse:
    """Splits a shell script into commands (see the module docstring)."""

    def __init__(self, text: str, depth: int) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.depth = depth
        self.commands: list[_Cmd] = []
        self.inner: list[list[_Cmd]] = []  # the commands of its substitutions
        self.pipeline: list[_Cmd] = []
        self.cmd = _Cmd()
        self.word: _ShWord | None = None
        self.skip_next = False  # the next word is a redirection's target
        self.target = ""  # what that target is: "in" (fd 0 from a file), "out" (fd 1 to one)
        self.heredocs: list[tuple[str, bool]] = []
        self.was_redirected = False  # the command's input before the redirection being read
        self.ok = True

    # words and commands
    def add(self, piece: str | _Exp) -> None:
        if self.word is None:
            self.word = _ShWord()
        self.word.pieces.append(piece)

    def end_word(self) -> None:
        if self.word is not None:
            if self.skip_next:
                self.skip_next = False
                target, self.target = self.target, ""
                if target == "in" and self.word.text in _STDIN_PATHS:
                    self.cmd.redirected = self.was_redirected  # sh < /dev/stdin
                elif target == "in":
                    self.cmd.inputs.append(self.word)
                elif target == "out":
                    self.cmd.outputs.append(self.word.text)
                if self.heredocs and self.heredocs[-1][0] == "":
                    strip = self.heredocs[-1][1]
                    self.heredocs[-1] = (self.word.text or "", strip)
            else:
                self.cmd.words.append(self.word)
        self.word = None

    def end_command(self, pipe: bool) -> None:
        self.end_word()
        cmd = self.cmd
        if cmd.words:
            cmd.stage = len(self.pipeline)
            cmd.before = list(self.pipeline)
            self.commands.append(cmd)
            self.pipeline.append(cmd)
        if not pipe:
            self.pipeline = []
        self.cmd = _Cmd()

    def matching(self, start: int, close: str) -> int:
        """The index of the ``close`` that ends a substitution opened before ``start``."""
        level, i = 1, start
        while i < self.n:
            c = self.s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'" and close == ")":
                end = self.s.find("'", i + 1)
                i = (end if end >= 0 else self.n) + 1
                continue
            if c == close and close == "`":
                return i
            if c == "(" and close == ")":
                level += 1
            elif c == ")" and close == ")":
                level -= 1
                if level == 0:
                    return i
            i += 1
        return -1

    def substitution(self, body: str) -> _Exp:
        exp = _Exp()
        if self.depth > 4:
            self.ok = False
            return exp
        sub = _Parse(body, self.depth + 1)
        commands = sub.run()
        if commands is None:
            self.ok = False
            return exp
        self.inner.append(commands)
        self.inner.extend(sub.inner)
        exp.input = bool(commands) and all(
            _filter(c) and not c.redirected and c.stage == k for k, c in enumerate(commands)
        )
        exp.fetch = bool(commands) and _downloader(commands[0])
        return exp

    def dollar(self) -> None:
        s, i = self.s, self.i
        nxt = s[i + 1] if i + 1 < self.n else ""
        if s.startswith("$((", i):
            end = s.find("))", i + 3)
            self.add(_Exp())
            self.i = (end if end >= 0 else self.n) + 2
        elif nxt == "(":
            end = self.matching(i + 2, ")")
            if end < 0:
                self.ok = False
                self.i = self.n
                return
            self.add(self.substitution(s[i + 2 : end]))
            self.i = end + 1
        elif nxt == "{":
            end = s.find("}", i + 2)
            if end < 0:
                self.ok = False
                self.i = self.n
                return
            inner = s[i + 2 : end].lstrip("#!")
            exp = _Exp()
            m = re.match(r"[0-9]+|[@*]|[A-Za-z_][A-Za-z0-9_]*", inner)
            if m is not None:
                _name(exp, m.group())
            self.add(exp)
            self.i = end + 1
        elif nxt.isdigit() or nxt in "@*":
            exp = _Exp()
            _name(exp, nxt)
            self.add(exp)
            self.i = i + 2
        elif nxt and (nxt.isalpha() or nxt == "_"):
            m = _NAME.match(s, i + 1)
            assert m is not None
            exp = _Exp()
            exp.names.add(m.group())
            self.add(exp)
            self.i = m.end()
        elif nxt and nxt in "#?$!-":
            self.add(_Exp())
            self.i = i + 2
        else:
            self.add("$")
            self.i = i + 1

    def backtick(self) -> None:
        end = self.matching(self.i + 1, "`")
        if end < 0:
            self.ok = False
            self.i = self.n
            return
        self.add(self.substitution(self.s[self.i + 1 : end].replace("\\`", "`")))
        self.i = end + 1

    def double_quoted(self) -> None:
        s = self.s
        self.i += 1
        if self.word is None:
            self.word = _ShWord()
        self.word.quoted = True
        while self.i < self.n and s[self.i] != '"':
            c = s[self.i]
            if c == "\\" and self.i + 1 < self.n:
                nxt = s[self.i + 1]
                self.add(nxt if nxt in '$`"\\' else c + nxt)
                self.i += 2
            elif c == "$":
                self.dollar()
            elif c == "`":
                self.backtick()
            else:
                self.add(c)
                self.i += 1
        if self.i >= self.n:
            self.ok = False
        self.i += 1

    def redirection(self) -> None:
        s, i = self.s, self.i
        if s.startswith("<(", i):  # a process substitution: a path that yields its output
            end = self.matching(i + 2, ")")
            if end < 0:
                self.ok = False
                self.i = self.n
                return
            self.add(self.substitution(s[i + 2 : end]))  # source <(cat): the input
            self.i = end + 1
            return
        word = self.word
        if word is not None and word.text is not None and word.text.isdigit() and not word.quoted:
            fd = word.text
            self.word = None
        else:
            self.end_word()
            fd = "0" if s[i] == "<" else "1"
        op = s[i]
        j = i + 1
        while j < self.n and s[j] in "<>&|-":
            j += 1
        text = s[i:j]
        self.was_redirected = self.cmd.redirected
        if op == "<" and fd == "0":
            self.cmd.redirected = True
        if text.startswith("<<") and not text.startswith("<<<"):
            self.heredocs.append(("", text.endswith("-")))
        if (op in "<>") and j < self.n and s[j] == "(":  # a process substitution
            end = self.matching(j + 1, ")")
            self.i = (end if end >= 0 else self.n) + 1
            return
        if text.endswith("&") and j < self.n and (s[j].isdigit() or s[j] == "-"):
            k = j
            while k < self.n and (s[k].isdigit() or s[k] == "-"):
                k += 1
            if op == "<" and fd == "0" and s[j:k] == "0":
                self.cmd.redirected = self.was_redirected  # bash <&0: its own input
            self.i = k
            return
        self.skip_next = True
        if op == "<" and fd == "0" and text == "<":
            self.target = "in"
        elif op == ">" and fd == "1" and (text in (">", ">>", ">|") or text.startswith(">&")):
            self.target = "out"
        self.i = j

    def newline(self) -> None:
        self.end_command(pipe=False)
        self.i += 1
        for delimiter, strip in self.heredocs:
            while self.i < self.n:
                end = self.s.find("\n", self.i)
                end = self.n if end < 0 else end
                line = self.s[self.i : end]
                self.i = end + 1
                if (line.lstrip("\t") if strip else line) == delimiter:
                    break
        self.heredocs = []

    def run(self) -> list[_Cmd] | None:
        s = self.s
        while self.i < self.n:
            c = s[self.i]
            if c in " \t":
                self.end_word()
                self.i += 1
            elif c == "\n":
                self.newline()
            elif c == "#" and self.word is None:
                end = s.find("\n", self.i)
                self.i = self.n if end < 0 else end
            elif c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    return None
                self.add(s[self.i + 1 : end])
                assert self.word is not None
                self.word.quoted = True
                self.i = end + 1
            elif c == '"':
                self.double_quoted()
            elif c == "\\":
                if self.i + 1 < self.n and s[self.i + 1] != "\n":
                    self.add(s[self.i + 1])
                self.i += 2
            elif c == "$":
                self.dollar()
            elif c == "`":
                self.backtick()
            elif c in "<>":
                self.redirection()
            elif c == "|":
                double = s.startswith("||", self.i)
                self.end_command(pipe=not double)
                self.i += 2 if double or s.startswith("|&", self.i) else 1
            elif c in ";&()":
                self.end_command(pipe=False)
                self.i += 1
            else:
                self.add(c)
                self.i += 1
        self.end_command(pipe=False)
        return self.commands if self.ok else None


def _name(exp: _Exp, name: str) -> None:
    if name in ("@", "*"):
        exp.params.add(ALL)
    elif name.isdigit():
        exp.params.add(int(name))
    else:
        exp.names.add(name)


def _filter(cmd: _Cmd) -> bool:
    """Whether a command passes the script's input on (``cat``, ``base64 -d``)."""
    texts = [w.text for w in cmd.words]
    if not texts or texts[0] is None:
        return False
    how = _table()["shell"]["filters"].get(texts[0].rsplit("/", 1)[-1])
    if how is None:
        return False
    if how == "any":
        return True
    files = [t for t in texts[1:] if t is None or not (t.startswith("-") or t.isdigit())]
    return all(t in _STDIN_PATHS for t in files)


class _Shell:
    """The uses of one shell script (see the module docstring)."""

    @staticmethod
    def uses(script: str, want_input: bool, names: list[str] | None = None) -> Use | None:
        """``names``: read the script's environment variables (every one it expands, in
        the order met, is appended) as its operands ``_ENV + k`` instead of its arguments."""
        parse = _Parse(script, 0)
        commands = parse.run()
        if commands is None:
            return None
        everything = [*commands, *(c for inner in parse.inner for c in inner)]
        seed: dict[str, set[int]] = {}
        if names is not None:
            for cmd in everything:
                for word in cmd.words:
                    for piece in word.pieces:
                        if not isinstance(piece, _Exp):
                            continue
                        piece.params.clear()  # $1: not the environment
                        for name in sorted(piece.names):
                            if name not in seed:
                                seed[name] = {_ENV + len(names)}
                                names.append(name)
        labels = _assignments(everything, seed)
        top = {id(c) for c in commands}
        for cmd in everything:
            use = _command_use(cmd, labels, want_input, id(cmd) in top)
            if use is not None:
                return use
        return None


def _show(word: _ShWord) -> str:
    out: list[str] = []
    for piece in word.pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif piece.input:
            out.append("$(cat)")
        elif piece.fetch:
            out.append("$(curl …)")
        elif piece.params:
            n = min(piece.params)
            out.append("$@" if n == ALL else f"${n}")
        elif piece.names:
            out.append("$" + min(piece.names))
        else:
            out.append("$…")
    text = "".join(out)
    return f'"{text}"' if word.quoted else text


def _word_labels(word: _ShWord, labels: dict[str, set[int]]) -> set[int]:
    out: set[int] = set()
    for piece in word.pieces:
        if isinstance(piece, _Exp):
            out |= piece.params
            for name in piece.names:
                out |= labels.get(name, set())
            if piece.input:
                out.add(INPUT)
    return out


def _assignments(
    commands: Sequence[_Cmd], seed: dict[str, set[int]] | None = None
) -> dict[str, set[int]]:
    """The variables assigned from positional parameters or read from the input (``seed``:
    the labels the variables start with)."""
    labels: dict[str, set[int]] = {k: set(v) for k, v in (seed or {}).items()}
    readers = set(_table()["shell"]["readers"])
    for _ in range(3):  # x=$1; y=$x
        for cmd in commands:
            words = _unwrapped(cmd.words)
            texts = [w.text for w in words]
            first = 0
            if texts and texts[0] in _DECLARERS:
                first = 1
            for k, word in enumerate(words):
                if k < first:
                    continue
                head = word.edge(False)
                m = _ASSIGN.match(head)
                if m is None:
                    if first == 0:
                        break
                    continue
                found = _word_labels(word, labels)
                if found:
                    labels.setdefault(m.group(1), set()).update(found)
            if texts and texts[0] == "for" and len(words) >= 2 and texts[1] is not None:
                # for a; do ...: the arguments; for a in WORDS: the words' labels
                if len(words) == 2:
                    labels.setdefault(texts[1], set()).add(ALL)
                elif texts[2] == "in":
                    for word in words[3:]:
                        found = _word_labels(word, labels)
                        if found:
                            labels.setdefault(texts[1], set()).update(found)
            while words and _ASSIGN.match(words[0].edge(False)):  # IFS= read -r line
                words = words[1:]
                texts = texts[1:]
            if texts and texts[0] in readers and not cmd.redirected and _reads_script_input(cmd):
                for t in texts[1:]:
                    if t is not None and _NAME.fullmatch(t):
                        labels.setdefault(t, set()).add(INPUT)
                if len(texts) == 1 or all(t is not None and t.startswith("-") for t in texts[1:]):
                    labels.setdefault("REPLY", set()).add(INPUT)
            _written(cmd, words, labels)
    return labels


def _written(cmd: _Cmd, words: Sequence[_ShWord], labels: dict[str, set[int]]) -> None:
    """The files a command writes what it is handed to: a filter of the script's input
    (``cat > job.sh``, ``tee job.sh``) writes the input, a printer (``printf %s "$1" >
    job.sh``) its words. Labelled as ``/PATH`` (no variable's name starts with a slash)."""
    texts = [w.text for w in words]
    if not texts or texts[0] is None:
        return
    program = texts[0].rsplit("/", 1)[-1]
    found: set[int] = set()
    if _filter(cmd) and _reads_script_input(cmd):
        found.add(INPUT)
    if program in _table()["shell"]["printers"]:
        for word in words[1:]:
            found |= _word_labels(word, labels)
    elif _filter(cmd) and cmd.before and not cmd.redirected:
        # printf %s "$1" | tee job.sh: what the pipeline's printers print
        for earlier in cmd.before:
            first = earlier.words[0].text if earlier.words else None
            if first is not None and first.rsplit("/", 1)[-1] in _table()["shell"]["printers"]:
                for word in earlier.words[1:]:
                    found |= _word_labels(word, labels)
    if not found:
        return
    paths = [t for t in cmd.outputs if t is not None]
    if program == "tee":
        paths += [t for t in texts[1:] if t is not None and not t.startswith("-")]
    for path in paths:
        labels.setdefault(_path_key(path), set()).update(found)


def _path_key(path: str) -> str:
    """How a file written by the script is named among the labels (``./job.sh`` and
    ``job.sh`` alike)."""
    while path.startswith("./"):
        path = path[2:]
    return "/" + path if not path.startswith("/") else "//" + path


def _file_labels(word: _ShWord, labels: dict[str, set[int]]) -> set[int]:
    """What a constant path the script wrote holds (``sh job.sh``, ``./job.sh``)."""
    text = word.text
    if not text:
        return set()
    return labels.get(_path_key(text), set())


def _unwrapped(words: Sequence[_ShWord]) -> list[_ShWord]:
    """A command's words without the reserved words before it (``while``, ``then``, ``!``)."""
    out = list(words)
    while out and out[0].text in _SKIP_WORDS:
        out.pop(0)
    return out


def _command_words(cmd: _Cmd) -> list[_ShWord]:
    """A command's words from the command itself: without the reserved words and the
    variable assignments before it (``IFS= read``, ``JOB=x sh``)."""
    words = _unwrapped(cmd.words)
    while words and _ASSIGN.match(words[0].edge(False)):
        words.pop(0)
    return words


def _peeled(words: Sequence[_ShWord]) -> Peeled:
    """What a command runs once its launchers are peeled (a word with a run-time part is
    known by its constant edges)."""
    return peel(
        [
            Word(w.text)
            if w.text is not None
            else Word(None, head=w.edge(False), tail=w.edge(True), splits=not w.quoted)
            for w in words
        ],
        in_shell=True,
    )


def _reads_script_input(cmd: _Cmd) -> bool:
    return not cmd.redirected and all(_filter(b) and not b.redirected for b in cmd.before)


def _command_use(cmd: _Cmd, labels: dict[str, set[int]], want_input: bool, top: bool) -> Use | None:
    words = _command_words(cmd)
    if not words or words[0].text in _NOT_COMMANDS:
        return None
    peeled = _peeled(words)
    shown = " ".join(_show(w) for w in words[:4]) + (" …" if len(words) > 4 else "")
    if want_input:
        if (
            top
            and peeled.kind == "unknown"
            and peeled.stdin is not None
            and _reads_script_input(cmd)
        ):
            lang = "sh" if peeled.stdin in _shells() else peeled.stdin
            pipeline = [" ".join(_show(w) for w in b.words[:3]) for b in cmd.before]
            how = " | ".join([*pipeline, shown])
            return Use("shell" if lang == "sh" else "code", lang, None, how)
        nested = _nested_input(peeled, words, cmd) if top else None
        if nested is not None:  # sh -c 'ssh host "bash -s"', sh -c 'python3 -c "..."'
            return nested
        if top and peeled.kind == "unknown" and peeled.input_words and _reads_script_input(cmd):
            through = xargs_runs([w.text for w in words], peeled.start)  # sh -c 'xargs sh -c'
            if through is not None:
                return through
        wanted: set[int] = {INPUT}
    else:
        wanted = set()
    if not want_input and peeled.kind == "unknown" and peeled.stdin is not None:
        # sh < job.sh: a file the script wrote, read by a shell as its input
        fed = {x for w in cmd.inputs for x in _file_labels(w, labels) if x >= 0 or x == ALL}
        if fed:
            how = f"{shown} < {_show(cmd.inputs[-1])}"
            return Use("shell", "sh", None if ALL in fed else frozenset(fed), how)
    if (
        not want_input
        and peeled.kind == "unknown"
        and cmd.before
        and (
            peeled.stdin is not None
            or (peeled.input_words and xargs_runs([w.text for w in words], peeled.start))
        )
    ):
        # echo "$1" | sh: what an earlier command of the pipeline prints runs
        found: set[int] = set()
        for earlier in cmd.before:
            for word in earlier.words[1:]:
                # what it prints, or a file it reads that the script wrote (cat job.sh)
                found |= _word_labels(word, labels) | _file_labels(word, labels)
        hit = {x for x in found if x >= 0 or x == ALL}
        if hit:
            operands = None if ALL in hit else frozenset(hit)
            return Use("shell", "sh", operands, f"… | {shown}")
    start = peeled.start
    if start >= len(words):
        return None
    kind = peeled.kind
    payload = words[start:] if kind == "shell" and peeled.joined else [words[start]]
    found = set()
    for word in payload:
        found |= _word_labels(word, labels)
    if kind in ("script", "program") and start < len(words):
        found |= _file_labels(words[start], labels)  # cat > job.sh && sh job.sh
    if kind == "program" and not peeled.via and start != 0:
        return None
    for i in peeled.choosers:
        if i < len(words):
            found |= _word_labels(words[i], labels)
    found |= _inner_script(peeled, words, labels, _environment(cmd, words, peeled, labels))
    hit = found & wanted if want_input else {x for x in found if x >= 0 or x == ALL}
    if not hit:
        return None
    operands = None if ALL in hit or INPUT in hit else frozenset(hit)
    if kind == "shell":
        return Use("shell", "sh", operands, shown)
    if kind == "code" or (kind == "script" and peeled.language not in (None, *_shells())):
        return Use("code", peeled.language, operands, shown)  # python3 <(cat)
    if kind == "script":
        return Use("shell", "sh", operands, shown)  # source <(cat), sh job.sh
    return Use("program", None, operands, shown)


def _environment(
    cmd: _Cmd, words: Sequence[_ShWord], peeled: Peeled, labels: dict[str, set[int]]
) -> dict[str, set[int]]:
    """The variables that may be in the environment of a command, with what they carry:
    every variable the script assigned a label to (exported or not: it may already be in
    the environment the script was given), those assigned before the command (``JOB="$1"
    sh -c ...``) and those ``env`` and its kin set (``env JOB="$1" sh -c ...``)."""
    out = {k: v for k, v in labels.items() if v and not k.startswith("/")}
    own = [w for w in _unwrapped(cmd.words)]
    before = [w for w in own[: len(own) - len(words)]]  # NAME=value before the command
    for word in [*before, *words[: peeled.start]]:
        m = _ASSIGN.match(word.edge(False))
        if m is not None:
            found = _word_labels(word, labels)
            if found:
                out.setdefault(m.group(1), set()).update(found)
    return out


def _inner_script(
    peeled: Peeled,
    words: Sequence[_ShWord],
    labels: dict[str, set[int]],
    environment: dict[str, set[int]],
) -> set[int]:
    """What a command hands a constant script of its own that the script runs: its operands
    (``sh -c 'eval "$1"' sh "$x"``, ``python3 -c "exec(sys.argv[1])" "$x"``) and the
    variables of its environment it runs (``JOB="$x" sh -c 'eval "$JOB"'``)."""
    if peeled.kind not in ("shell", "code") or peeled.joined or peeled.start >= len(words):
        return set()
    text = words[peeled.start].text
    if text is None:
        return set()
    script = text[peeled.offset :]
    if peeled.kind == "shell":
        language = "sh" if peeled.language in (None, "sh") else None
    else:
        language = peeled.language
    found: set[int] = set()
    carried = [(i, _word_labels(w, labels)) for i, w in enumerate(words[peeled.start + 1 :])]
    carried = [(i, c) for i, c in carried if c]
    if carried:
        use = runs_arguments(language, script)
        if use is not None:
            for i, carries in carried:
                # "$@" there: the operands from i on
                spread = ALL in carries and (
                    use.operands is None or any(k >= i for k in use.operands)
                )
                if spread or use.hits([i]):
                    found |= carries
    if environment:
        env = runs_environment(language, script)
        if env is not None:
            for name, carries in environment.items():
                if env.names is None or name in env.names:
                    found |= carries
    return found


_QUOTED = "__auditor_quoted_"


def quoted_words_run(
    parts: Sequence[str | int | None], not_options: AbstractSet[int] = frozenset()
) -> set[int]:
    """Which quoted holes (ints) of a shell command string the string runs as code further
    on, where the quote protects nothing: a variable assigned the word and then evaluated
    (``x='W'; eval "$x"``, ``export JOB='W'; sh -c "$JOB"``, ``x='W'; $x``), a constant
    script given the word as an argument that runs it (``sh -c 'eval "$1"' sh 'W'``), or a
    file the word is written to and then run (``echo 'W' > f.sh; sh f.sh``); or a variable
    that chooses what runs (``GIT_SSH_COMMAND='W' git fetch``, ``export PATH='W'``: the env
    launcher's ``chooser-assignments``). ``parts``:
    constant text, holes (None) and quoted holes; ``not_options``: quoted holes known to
    start with a constant that is no option. Where the quote itself stands is
    :func:`auditor.judge.shellwords.exposed_quoted_holes`'s business."""
    marks = [p for p in parts if isinstance(p, int)]
    if not marks:
        return set()
    pieces: list[str] = []
    for part in parts:
        if part is None:
            pieces.append("${__auditor_hole}")
        elif isinstance(part, int):
            # one literal word, as "$NAME" is; known to start with no option: so written
            pieces.append(f'"{"_" if part in not_options else ""}${{{_QUOTED}{part}}}"')
        else:
            pieces.append(part)
    parse = _Parse("".join(pieces), 0)
    commands = parse.run()
    if commands is None:
        return set()
    everything = [*commands, *(c for inner in parse.inner for c in inner)]
    for cmd in everything:
        for word in cmd.words:
            for piece in word.pieces:
                if isinstance(piece, _Exp):
                    piece.params.clear()  # the string's own $1: empty
    labels = _assignments(everything, {f"{_QUOTED}{m}": {_ENV + m} for m in marks})
    out: set[int] = set()
    env = builtin_table().by_program.get("env")
    choosing = env.chooser_assignments if env is not None else None
    for name, carries in labels.items():
        if choosing is not None and not name.startswith("/") and choosing.match(name + "="):
            # GIT_SSH_COMMAND='W' git fetch, PATH='W' make: what it sets chooses what runs
            out.update(k - _ENV for k in carries if k >= _ENV)
    top = {id(c) for c in commands}
    for cmd in everything:
        use = _command_use(cmd, labels, INPUT_OFF, id(cmd) in top)
        if use is None:
            continue
        if use.operands is None:
            return set(marks)
        out.update(k - _ENV for k in use.operands if k >= _ENV)
    return out & set(marks)


def _nested_input(peeled: Peeled, words: Sequence[_ShWord], cmd: _Cmd) -> Use | None:
    """A command of the script that reads the script's input and runs a constant script of
    its own (``ssh host 'bash -s'``, ``python3 -c 'exec(sys.stdin.read())'``): whether that
    one runs its input."""
    if peeled.kind not in ("shell", "code") or peeled.start >= len(words):
        return None
    if not _reads_script_input(cmd):
        return None
    texts = [w.text for w in words[peeled.start :]]
    if any(t is None for t in texts):
        return None
    parts = [t or "" for t in texts]
    parts[0] = parts[0][peeled.offset :]
    if peeled.kind == "shell":
        if peeled.language not in (None, "sh"):
            return None
        script = " ".join(parts) if peeled.joined else parts[0]
        found = reads_input("sh", script)
    else:
        found = reads_input(peeled.language, parts[0], parts[1:])
    if found is None:
        return None
    runs = "shell" if found[0] == "sh" else "code"
    return Use(runs, found[0], None, found[1])


def xargs_runs(texts: Sequence[str | None], start: int) -> Use | None:
    """What ``xargs`` (``texts``: its argv; its command starts at ``start``) runs of the
    words it reads from its input: appended to its command (``xargs -0 sh -c``: the first
    word is the script), or put in place of the replace string (``xargs -I{} sh -c {}``,
    ``xargs -I{} sh -c "echo {}"``), where the command reads what it runs, or as the
    arguments of a constant script that runs them (``xargs sh -c 'eval "$1"' sh``). None
    when it only hands them to a program as data (``xargs rm``), reads them from a file
    (``-a FILE``), or its words cannot be told."""
    options, rest = texts[1:start], texts[start:]
    if not rest or any(t is None for t in (*options, *rest)):
        return None
    replace: str | None = None
    k = 0
    while k < len(options):
        text = options[k] or ""
        value = options[k + 1] if k + 1 < len(options) else None
        if text in ("-a", "--arg-file") or text.startswith(("--arg-file=", "-a")):
            return None  # the words come from a file: the command reads the input
        if text == "-I" and value is not None:
            replace, k = value, k + 2
            continue
        if text.startswith("--replace"):
            replace = text.partition("=")[2] or "{}"
        elif text.startswith("-") and not text.startswith("--"):
            for m, letter in enumerate(text[1:], 1):
                if letter in "EILnsPd":  # a value: attached, or the next word
                    if letter == "I":
                        replace = text[m + 1 :] or value
                    if not text[m + 1 :]:
                        k += 1
                    break
                if letter in "eil":  # an optional value, attached only
                    if letter == "i":
                        replace = text[m + 1 :] or "{}"
                    break
        k += 1
    words: list[Word] = []
    landing: set[int] = set()  # where the input's words land among the command's words
    for k, word in enumerate(rest):
        assert word is not None
        if replace and replace in word:
            head, _, tail = word.partition(replace)
            words.append(Word(None, head=head, tail=tail.rpartition(replace)[2]))
            landing.add(k)
        else:
            words.append(Word(word))
    if replace is None:
        words.append(Word(None))
        landing.add(len(rest))
    inner = peel(words)
    how = f"xargs puts its input into {' '.join(t or '' for t in rest[:3])}"
    if inner.start in landing and inner.kind in ("shell", "code", "program", "script"):
        if inner.kind == "shell":
            return Use("shell", "sh", None, how)
        if inner.kind == "code":
            return Use("code", inner.language, None, how)
        return Use("program", None, None, how)  # xargs -I{} {}: the input names the program
    if inner.kind not in ("shell", "code") or inner.start >= len(rest) or inner.joined:
        return None
    script = rest[inner.start]
    assert script is not None
    language = "sh" if inner.kind == "shell" and inner.language in (None, "sh") else inner.language
    if inner.kind == "shell" and language != "sh":
        return None
    use = runs_arguments(language, script[inner.offset :])
    if use is None:
        return None
    operands = [k - inner.start - 1 for k in landing if k > inner.start]  # $0, $1...
    given = len(rest) - inner.start - 1
    if replace is None:
        hit = use.operands is None or max(use.operands) >= given
    else:
        hit = use.hits(operands)
    if not hit:
        return None
    how = f"the script runs the arguments xargs reads from its input ({use.how})"
    return Use(use.runs, use.language, None, how)


def fetches(language: str | None, script: str) -> str | None:
    """How the constant ``script`` runs code it downloads from the network (``curl -fsSL
    URL | sh``, ``eval "$(wget -qO- URL)"``, ``irm URL | iex``, ``exec(urlopen(URL).read())``),
    or None: constant, yet what runs is whatever the server sends."""
    if language == "sh":
        parse = _Parse(script, 0)
        commands = parse.run()
        if commands is None:
            return None
        for cmd in [*commands, *(c for inner in parse.inner for c in inner)]:
            found = _fetched(cmd)
            if found is not None:
                return found
        return None
    if language == "python":
        use = _python(script, "network")
        return use.how if use is not None else None
    patterns = _table()["network"].get(language or "", ())
    for pattern in patterns:
        m = re.search(pattern, script, re.I)
        if m is not None:
            return m.group()
    return None


def _downloader(cmd: _Cmd) -> bool:
    """Whether a command prints what it downloads (curl, wget...)."""
    words = _command_words(cmd)
    text = words[0].text if words else None
    return text is not None and text.rsplit("/", 1)[-1] in _table()["network"]["downloaders"]


def _fetched(cmd: _Cmd) -> str | None:
    words = _command_words(cmd)
    if not words:
        return None
    peeled = _peeled(words)
    shown = " ".join(_show(w) for w in words[:3])
    if peeled.kind == "unknown" and peeled.stdin is not None and cmd.before:
        first, *rest = cmd.before
        if _downloader(first) and all(_filter(b) for b in rest):
            return " | ".join(" ".join(_show(w) for w in c.words[:2]) for c in (*cmd.before, cmd))
    if peeled.kind not in ("shell", "code", "script") or peeled.start >= len(words):
        return None
    payload = words[peeled.start :] if peeled.joined else [words[peeled.start]]
    for word in payload:
        if any(isinstance(p, _Exp) and p.fetch for p in word.pieces):
            return shown
    return None


def readable(script: str) -> bool:
    """Whether a shell script can be split (its quotes and substitutions are closed): what
    :func:`reads_input` says of it is then all there is to say."""
    return _Parse(script, 0).run() is not None


def _shells() -> frozenset[str]:
    return builtin_table().shells


# --- Python -------------------------------------------------------------------------------------


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id, "builtins." + node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _python(code: str, source: str) -> Use | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    table = _table()["python"]
    if source == "env":
        sources = set(_ENV_MAPS | _ENV_READS)
    elif source == "network":
        sources = set(_table()["network"]["python"])
    else:
        sources = set(table[source])
    aliases = _aliases(tree)
    tainted: set[str] = set()

    def carries(expr: ast.AST | None) -> bool:
        if expr is None:
            return False
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name) and sub.id in tainted:
                return True
            if isinstance(sub, ast.Name | ast.Attribute):
                name = _dotted(sub, aliases)
                if name is not None and any(name == s or name.startswith(s + ".") for s in sources):
                    return True
            if (
                source == "stdin"
                and isinstance(sub, ast.Call)
                and _dotted(sub.func, aliases) in ("builtins.open", "os.read", "os.fdopen")
                and sub.args
                and isinstance(sub.args[0], ast.Constant)
                and (sub.args[0].value == 0 or sub.args[0].value in _STDIN_PATHS - {"-"})
            ):
                return True  # open(0).read(), open("/dev/stdin").read()
        return False

    def targets(node: ast.AST) -> list[ast.expr]:
        if isinstance(node, ast.Assign):
            return list(node.targets)
        if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            return [node.target]
        if isinstance(node, ast.For | ast.comprehension):
            return [node.target]
        if isinstance(node, ast.withitem) and node.optional_vars is not None:
            return [node.optional_vars]
        return []

    def value(node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            return node.value
        if isinstance(node, ast.For | ast.comprehension):
            return node.iter
        if isinstance(node, ast.withitem):
            return node.context_expr
        return None

    nodes = list(ast.walk(tree))
    if source == "stdin":
        found = _python_console(nodes, aliases, set(table["console"]))
        if found is not None:
            return Use("code", "python", None, found)
    for _ in range(4):
        before = len(tainted)
        for node in nodes:
            if carries(value(node)):
                for target in targets(node):
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            tainted.add(sub.id)
        if len(tainted) == before:
            break
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name is None:
            continue
        first = node.args[0] if node.args else None
        if first is None:
            for kw in node.keywords:
                if kw.arg in ("source", "args", "command", "cmd", "path", "file"):
                    first = kw.value
        if first is None or not carries(first):
            continue
        what = f"{name.removeprefix('builtins.')}()"
        if name in table["code"]:
            return Use("code", "python", None, what)
        if name in table["shell"]:
            return Use("shell", "sh", None, what)
        if name in table["program"]:
            shell = any(
                kw.arg == "shell"
                and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
                for kw in node.keywords
            )
            if shell:
                return Use("shell", "sh", None, what)
            return Use("program", None, None, what)
    return None


_ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"})
_ENV_MAPS = frozenset({"os.environ", "os.environb"})


def _python_env(code: str) -> EnvUse | None:
    """The environment variables Python code runs: read (``os.environ["CODE"]``,
    ``os.getenv("CODE")``) into exec, eval, os.system, subprocess's calls..."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    aliases = _aliases(tree)
    names: set[str] = set()
    anything = False
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _dotted(node.value, aliases) in _ENV_MAPS:
            key = node.slice
        elif isinstance(node, ast.Call) and _dotted(node.func, aliases) in _ENV_READS:
            key = node.args[0] if node.args else None
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        else:
            anything = True
    if not names and not anything:
        return None
    use = _python(code, "env")
    if use is None:
        return None
    return EnvUse(None if anything else frozenset(names), use.runs, use.language, use.how)


def _aliases(tree: ast.AST) -> dict[str, str]:
    """The names the code's imports bind, to what they name."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _python_console(
    nodes: Sequence[ast.AST], aliases: dict[str, str], consoles: set[str]
) -> str | None:
    """A call that reads Python from the input and runs it (``code.interact()``,
    ``code.InteractiveConsole().interact()``, ``pdb.set_trace()``): how, or None."""
    made: dict[str, str] = {}  # c = code.InteractiveConsole(): what made the name
    for node in nodes:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and (maker := _dotted(node.value.func, aliases)) is not None
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    made[target.id] = maker
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = _dotted(func, aliases)
        if isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Call):  # code.InteractiveConsole().interact()
                maker = _dotted(owner.func, aliases)
                name = f"{maker}.{func.attr}" if maker is not None else name
            elif isinstance(owner, ast.Name) and owner.id in made:
                name = f"{made[owner.id]}.{func.attr}"
        if name in consoles:
            return f"{name.removeprefix('builtins.')}()"
    return None


_SED_ADDRESS = re.compile(
    r"\s*(?:(?:\d+(?:~\d+)?|\$|/(?:[^/\\\n]|\\.)*/[IM]*|\\(.)(?:(?!\1).|\\.)*\1[IM]*)"
    r"\s*(?:,\s*(?:[+~]?\d+|\$|/(?:[^/\\\n]|\\.)*/[IM]*))?)?\s*!?\s*"
)
_SED_WHOLE = frozenset({".*", "^.*", ".*$", "^.*$"})


def _sed(script: str) -> Use | None:
    """A sed script that runs its input (the pattern space) as a shell command: GNU sed's
    ``e`` with no command after it, or an ``s`` command with the ``e`` flag (unless it
    replaces the whole line by constant text)."""
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c in " \t\n;{}":
            i += 1
            continue
        if c == "#":
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        m = _SED_ADDRESS.match(script, i)
        i = m.end() if m is not None else i
        if i >= n:
            break
        c = script[i]
        i += 1
        if c in "s" + "y" and i < n:
            delimiter = script[i]
            parts: list[str] = []
            i += 1
            for _ in range(2):
                part: list[str] = []
                while i < n and script[i] != delimiter:
                    if script[i] == "\\" and i + 1 < n:
                        part.append(script[i : i + 2])
                        i += 2
                        continue
                    part.append(script[i])
                    i += 1
                parts.append("".join(part))
                i += 1
            flags = re.match(r"[gpiImMe0-9]*", script[i:])
            assert flags is not None
            i += flags.end()
            if c == "s" and "e" in flags.group() and len(parts) == 2:
                pattern, replacement = parts
                constant = pattern in _SED_WHOLE and not re.search(r"&|\\[0-9]", replacement)
                if not constant:
                    return Use("shell", "sh", None, "s///e")
            if script[i : i + 1] == "w":  # s///w FILE: to the end of the line
                end = script.find("\n", i)
                i = n if end < 0 else end
            continue
        if c == "e":
            end = script.find("\n", i)
            end = n if end < 0 else end
            if not script[i:end].strip(" \t;}"):
                return Use("shell", "sh", None, "e")
            i = end  # e COMMAND: a constant command
            continue
        if c in "aicrRwWbtTv:":  # a text, file name or label: to the end of the line (or ;)
            stop = "\n" if c in "aicrRwW:" else "\n;}"
            end = min((k for k in (script.find(x, i) for x in stop) if k >= 0), default=n)
            i = end
            continue
        # = d D g G h H l n N p P q Q x z F: one letter (q and Q may take a number)
    return None


# --- awk ----------------------------------------------------------------------------------------

_AWK_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_AWK_ASSIGN = re.compile(r"\b([A-Za-z_]\w*)\s*=(?!=)([^;\n}]*)")
_AWK_GETLINE_VAR = re.compile(r"getline\s+([A-Za-z_]\w*)")


def _awk(program: str, source: str) -> Use | None:
    # constant strings blanked (their text is data), kept apart for `print | "sh"`
    strings: list[str] = []

    def blank(m: re.Match[str]) -> str:
        strings.append(m.group()[1:-1])
        return f'"{len(strings) - 1}"'

    text = _AWK_STRING.sub(blank, program)
    names: set[str] = set()
    if source == "argv":
        base = r"\bARGV\b"
    else:
        base = r"\$\s*(?:\d|NF\b|\(|[A-Za-z_])"
        for m in _AWK_GETLINE_VAR.finditer(text):  # getline line (not cmd | getline line)
            if not text[: m.start()].rstrip().endswith("|"):
                names.add(m.group(1))

    def carries(segment: str) -> bool:
        if re.search(base, segment):
            return True
        return any(re.search(rf"\b{re.escape(n)}\b", segment) for n in names)

    for _ in range(4):
        before = len(names)
        for m in _AWK_ASSIGN.finditer(text):
            if carries(m.group(2)):
                names.add(m.group(1))
        if len(names) == before:
            break
    shell = set(_table()["awk"]["shell"])
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", text):
        if m.group(1) not in shell:
            continue
        end = _close(text, m.end())
        if carries(text[m.end() : end]):
            return Use("shell", "sh", None, f"{m.group(1)}()")
    for m in re.finditer(r"(?<!\|)\|(?!\|)\s*(getline\b)?", text):
        if m.group(1):  # cmd | getline: the command before the pipe
            start = max(text.rfind(c, 0, m.start()) for c in ";{}\n(")
            if carries(text[start + 1 : m.start()]):
                return Use("shell", "sh", None, "cmd | getline")
            continue
        start = max(text.rfind(c, 0, m.start()) for c in ";{}\n")
        statement = text[start + 1 : m.start()].strip()
        if not re.match(r"printf?\b", statement):
            continue
        stop = min(
            (k for k in (text.find(c, m.end()) for c in ";}\n") if k >= 0), default=len(text)
        )
        target = text[m.end() : stop]
        if carries(target):
            return Use("shell", "sh", None, "print | cmd")
        constant = re.fullmatch(r'\s*"(\d+)"\s*', target)
        printed = statement.split(None, 1)[1] if " " in statement else ""
        bare = source == "stdin" and not printed.strip()  # print | "sh": $0
        if constant is not None and (carries(printed) or bare):
            command = strings[int(constant.group(1))]
            if reads_input("sh", command) is not None:
                return Use("shell", "sh", None, f'print | "{command}"')
    return None


def _close(text: str, start: int) -> int:
    level = 1
    for k in range(start, len(text)):
        if text[k] == "(":
            level += 1
        elif text[k] == ")":
            level -= 1
            if level == 0:
                return k
    return len(text)


# --- Other interpreters, as text --------------------------------------------------------------

_TEXT_ASSIGN = re.compile(r"([$@]?[A-Za-z_]\w*)\s*\)?\s*=(?![=~>])([^;\n]*)")


def _text(language: str, code: str, source: str) -> Use | None:
    """perl -e, ruby -e, node -e, php -r (see rules/script_uses.toml's [text.*])."""
    table = _table()["text"][language]
    patterns = [re.compile(p) for p in table.get(source, ())]
    names: set[str] = set()

    def carries(segment: str) -> bool:
        if any(p.search(segment) for p in patterns):
            return True
        return any(re.search(rf"(?<![\w$@]){re.escape(n)}\b", segment) for n in names)

    for _ in range(4):
        before = len(names)
        for m in _TEXT_ASSIGN.finditer(code):
            if carries(m.group(2)):
                names.add(m.group(1).lstrip("(").split()[-1])
        # my ($cmd) = @ARGV; const [, , cmd] = process.argv
        for m in re.finditer(
            r"(?:my|our|local|const|let|var)\s*[\[(]([^)\]]*)[)\]]\s*=([^;\n]*)", code
        ):
            if carries(m.group(2)):
                names.update(n.strip() for n in m.group(1).split(",") if n.strip())
        if len(names) == before:
            break
    for runs in ("code", "shell", "program"):
        for name in table.get(runs, ()):
            for segment in _arguments(code, name, name in table.get("methods", ())):
                if carries(segment):
                    language_of = {"code": language, "shell": "sh"}.get(runs)
                    return Use(runs, language_of, None, name if name == "`" else f"{name}()")
    return None


def _arguments(code: str, name: str, method: bool) -> list[str]:
    """The argument texts of the calls of ``name`` in ``code``: ``name(...)``, ``name ARGS``
    up to the end of the statement, a backtick command, ``%x(...)``; ``method``: also
    ``x.name(...)``."""
    out: list[str] = []
    if name == "`":
        out.extend(re.findall(r"`([^`]*)`", code))
        return out
    if name == "%x":
        out.extend(re.findall(r"%x[({\[]([^)}\]]*)", code))
        return out
    before = r"(?<![\w$])" if method else r"(?<![\w.$])"
    pattern = re.compile(rf"{before}{re.escape(name)}\b(?!\s*[=:])")
    for m in pattern.finditer(code):
        rest = code[m.end() :]
        stripped = rest.lstrip()
        if stripped.startswith("("):
            start = len(rest) - len(stripped) + 1
            out.append(rest[start : _close(rest, start)])
        elif stripped[:1] in ("{",):
            out.append(stripped[1 : stripped.find("}") if "}" in stripped else None])
        else:
            end = min((k for k in (rest.find(c) for c in ";\n}") if k >= 0), default=len(rest))
            out.append(rest[:end])
    return out
