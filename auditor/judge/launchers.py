"""What an argument vector really runs: launchers peeled off, by the table of
``rules/launchers.toml`` (loaded by ``auditor.judge.launcher_table``).

``peel(words)`` reads an argv the way each launcher at its head reads its own arguments and
says what finally runs: a program with its argv, a shell command string, source code of an
interpreter, a script path, a Python module, or "unknown" when that cannot be told from the
argv. ``peel_shell(parts)`` does the same for the first simple command of a shell command
string given as constant text and holes (see ``shellwords.first_command``). An argv item is a
``Word``: its text, or None when it is known only at run time, with the constant head and
tail it is known to have (``f"--user={u}"``), whether it is ``sys.executable``, and whether
it may split into several words (a hole of a shell string).

What the peeling covers
-----------------------
* Launchers of launchers, repeatedly: ``sudo -u x env A=1 timeout 5 bash -c CMD`` gives ``via
  = ("sudo", "env", "timeout", "bash -c")`` and kind "shell". The families: privilege (sudo,
  sudoedit, doas, pkexec, su, runuser), wrappers (env, timeout, nice, ionice, nohup, stdbuf,
  setsid, taskset, chrt, flock, time, xargs, watch, script, sg, fakeroot, parallel, screen,
  tmux's commands that run one: new-session, send-keys...), isolation and containers
  (unshare, nsenter, systemd-run, bwrap, firejail, chroot, docker/podman exec and run, with
  ``container`` and global options, kubectl exec), remote (ssh), shells (sh, dash, ash, bash,
  zsh, ksh, mksh, busybox's applets, cmd, Windows PowerShell, pwsh), interpreters (python,
  perl, ruby, node, php, tclsh/wish, expect, jshell, java, deno run/eval, bun -e/run/exec),
  package installers and runners (pip install, download and wheel, also as ``python -m pip``;
  uv pip install, uv run, uv tool run/uvx, uv tool install; pipx run and install; npm install
  and exec, npx; pnpm dlx/exec, pnpx, yarn dlx, bunx/bun x, deno x; gem install and exec;
  cargo install), build tools that run a project's code (cargo run: the project is fixed
  unless --manifest-path or --config is not; go run PKG: a script), programs that run code or
  commands through some arguments (fish, ipython, awk, sed, lua, Rscript, gdb, strace, sqlite3,
  psql, mysql, at, batch, crontab, ed, ex and vim -e, m4, gnuplot, dc, R, sftp (which read it
  from their input), vim -c, emacs --eval, socat's
  addresses, tcpdump -z; poetry, pipenv and conda run; make -f/--eval and its NAME=value words; find
  -exec up to ``;``/``+``; tar --to-command and -I; zip -TT; rsync -e/--rsync-path; scp -S/-o; git
  -c and the git sub-commands whose options or operands run commands, each with its own table: clone
  -u, fetch/pull/ls-remote --upload-pack, push --receive-pack, archive --exec, rebase -x, submodule
  foreach, bisect run, config NAME VALUE (``setting-choosers``/``setting-shells``), difftool -x,
  grep -O, daemon --access-hook: for tar, zip, rsync, scp, git, make and cargo run, ``then =
  "nothing"``, a call with no such option is read as no launcher at all, and so is a git call whose
  command is constant (``plain-constant``); a script read from ``/dev/stdin`` is the caller's
  input), and a shell's own ``exec``, ``command``, ``time``, ``eval``, ``.``/``source`` where the
  shell reads a command word.
* Package installers (``then = "packages"``): every operand (a requirement, a package spec)
  and the options that name requirements files or indexes are choosers, since the
  packages' build and install code runs; a word known only at run time where an option may
  stand is a chooser too (an option or a package, either chooses). ``Peeled.installs`` says
  so. A runner's package (``npx PKG``, ``uvx PKG``, ``pipx run APP``) is its program word.
  A Python module that is a launcher (``python -m pip``) is peeled as that launcher.
* Program names by basename (``/usr/bin/sudo``, ``C:\\...\\cmd.exe``; ``.exe`` and letter
  case ignored) and by pattern (``python3.11``, ``pypy3``, ``perl5.36``); ``sys.executable``
  is Python. A launcher whose own path is chosen at run time but whose known tail names it
  (``f"{venv}/bin/python"``) is peeled, and its index is a chooser.
* Each launcher's options, from its table: flags, options with one value (a separate word,
  ``--opt=value``, ``-ovalue``; Go's ``-o=value``), with several value words (``bwrap --bind
  SRC DEST``), values that may only be attached (``--mount[=file]``, perl's ``-l[octal]``,
  deno's ``--allow-read[=paths]``), Go's ``-name=value`` (``go run -ldflags=...``),
  values taken only when the next word is no option (``node -p``, ``sudo -h``), clustered
  short flags (``-xe``; a shell's ``-oe x``), unique prefixes of GNU long options (``--us``
  for ``--user``), PowerShell's case-insensitive abbreviations and cmd's ``/switches``,
  ``--`` and a lone ``-``, options that may follow operands (GNU permutation in ``su``,
  ``runuser``, ``kubectl exec``; ssh's options after HOST), ``NAME=value`` words (``env``,
  ``sudo``), and the operands a launcher reads before what it runs (timeout's DURATION,
  taskset's MASK, chrt's PRIORITY, flock's FILE, docker exec's CONTAINER, ssh's HOST).
* What follows: a program argv (kind "program", peeled again), a shell string (``sh -c``,
  ``su -c``, ``flock FILE -c``, ``env -S``, ``script -c``; ``cmd /c``, ``powershell
  -Command``, ``watch``, ``eval`` and ssh's words, ``joined``), code (``python -c``, ``perl
  -e``/``-E``, ``node -e``/``-p``, ``ruby -e``, ``php -r``/``-R``), a script path
  (``python x.py``, ``bash x.sh``, ``pwsh -File``, ``su USER x.sh``), a module (``python
  -m``), a sub-command (``docker exec``, ``docker container run``, ``busybox sh``; one known
  only at run time, ``docker "$verb"``, makes what runs unknown, through the dispatcher). The
  ``language`` of code, a script or a shell string is the launcher's, or the one an option
  names (``osascript -l JavaScript``: ``language-values``; a value the table does not map, or
  one known only at run time, leaves it None).
* ``choosers``: the launcher operands and option values that choose what runs: a container
  image, a chroot or ``--root`` directory, ``su -s SHELL``, ``ssh -o``/``-F`` (a
  ProxyCommand runs locally), modules preloaded (``node -r``, ``perl -M``, ``ruby -r``),
  php's ``-d``/``-c`` (``auto_prepend_file``), a second ``perl -e``, and the ``NAME=value``
  words of env and sudo that set PATH, LD_PRELOAD, PYTHONPATH, BASH_ENV and the like.

What it does not do
-------------------
* It never guesses: an option the table does not know, a value missing, a word known only
  at run time where an option or a launcher operand may stand (``ssh "$host" ls``: the host
  could be ``-oProxyCommand=...``; ``perl -e CODE "$arg"``: the argument could be another
  ``-e``), options of a GNU-permuting launcher among its command's words, or a launcher that
  reads what it runs from elsewhere (``bash -s``, ``python -``, an interactive shell,
  ``xargs``, ``bwrap --args FD``, ``docker run --entrypoint``) give kind "unknown" with a
  one-line ``note``: callers treat it as a program chosen at run time. A dynamic word where
  what runs starts is what runs, chosen at run time (``sudo "$x"``: kind "program").
* A shell string is not split here: kind "shell" stops the peeling; a caller may run
  ``peel_shell`` on a constant command string to look inside it. ``peel_shell`` reads only
  the first simple command (``cd /srv && sudo make``: ``cd``), skips leading assignments
  (``LD_PRELOAD=... ls`` is read as ``ls``) and takes a hole as one word that may split.
* What a launcher does besides running the command is not modelled: which user or host it
  runs as, the mounts and namespaces of ``bwrap``/``nsenter``/``unshare``, the environment
  it sets through options (``docker run -e``), what a container image or a remote host has
  installed, whether the launcher accepts a value (``timeout -k -- 5 ls`` is read as running
  ``ls``; timeout refuses the duration ``--``). Only sudo, sudoedit, doas, pkexec, su and
  runuser are ``privileged`` (``systemd-run`` and ``docker run --privileged`` are not).
* ``sudo -s``/``-i`` with a command pass it to a shell after escaping it: it is read as the
  program argv it nearly always is. BusyBox applets are read with the tables of the programs
  they stand for. Windows' ``py`` launcher is not in the table. Options that only another
  version of a tool knows may be missing: each entry says where its option list came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from auditor.judge.launcher_table import (
    KINDS,
    VALUE_EFFECTS,
    Launcher,
    LauncherTableError,
    Option,
    Style,
    Table,
    builtin_table,
    load_table,
)
from auditor.judge.shellwords import PeelResult, PeelWord, exposed_quoted_holes, first_command

__all__ = [
    "KINDS",
    "LauncherTableError",
    "Peeled",
    "Word",
    "builtin_table",
    "example_parts",
    "example_words",
    "load_table",
    "peel",
    "peel_shell",
    "program_name",
]


# --- The public interface ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    """An item of an argument vector. ``text`` is None when it is not known at compile time;
    ``head`` and ``tail`` are then the constant text it is known to start and end with
    (``f"--user={u}"``: head ``--user=``). ``python``: the item is ``sys.executable``.
    ``splits``: the item may turn into several words or none (a hole of a shell string)."""

    text: str | None
    python: bool = False
    head: str = ""
    tail: str = ""
    splits: bool = False


@dataclass(frozen=True, slots=True)
class Peeled:
    """What an argv runs once its launchers are peeled off.

    ``via``: the launchers peeled, in order, as a reader names them (``("sudo", "bash -c")``).
    ``privileged``: one of them is sudo, doas, pkexec, su or runuser.
    ``kind`` and ``start``, an index into the input words (``len(words)`` when nothing
    follows):

    * "program": ``words[start:]`` is the effective argv;
    * "shell": ``words[start]`` is a shell command string (``joined``: ``words[start:]``
      joined by spaces is, as for ssh, ``cmd /c`` and ``powershell -Command``);
    * "code": ``words[start]`` is source code for ``language``;
    * "script": ``words[start]`` is a script path run by ``language``'s interpreter,
      ``words[start + 1:]`` its arguments;
    * "module": ``words[start]`` is the module name (``python -m``);
    * "unknown": what runs cannot be told (``note`` says why): a program chosen at run time.

    ``offset``: the payload starts that many characters into ``words[start]`` (an attached
    option value: ``-cCODE``, ``--command=CMD``). ``choosers``: indexes of launcher operands
    and option values that choose what runs (a container image, a chroot directory...).
    ``note``: why the peeling stopped where it did, in one line.
    """

    via: tuple[str, ...]
    privileged: bool
    kind: str
    start: int
    language: str | None = None
    choosers: tuple[int, ...] = ()
    note: str | None = None
    joined: bool = False
    offset: int = 0
    # "unknown" because a shell or interpreter reads what it runs from its standard input:
    # its language ("sh", "python"...)
    stdin: str | None = None
    # the last launcher installs packages (then = "packages": pip install): its operands are
    # choosers and ``note`` says what their code does
    installs: bool = False
    # "unknown" because the last launcher adds words read from its input to the command at
    # ``start`` (xargs): they are that command's last arguments
    input_words: bool = False


def peel(words: Sequence[Word], *, table: Table | None = None, in_shell: bool = False) -> Peeled:
    """Peel the launchers off an argv (see the module docstring); ``table``: another launcher
    table than rules/launchers.toml's; ``in_shell``: the words are a command a shell reads
    (its own commands, eval, exec, source, are launchers too)."""
    return _peel(words, table or builtin_table(), in_shell=in_shell)


def peel_shell(
    parts: Sequence[str | None], *, holes_split: bool = True, table: Table | None = None
) -> tuple[tuple[str | None, ...], Peeled] | None:
    """Peel the first simple command of a shell command string given as constant text
    segments and holes (None): ``f"sudo {cmd} --x"`` is ``("sudo ", None, " --x")``. Returns
    the command's words (None: a dynamic word) and what they run; None when the string cannot
    be split (an unterminated quote in its constant text). ``holes_split=False`` when every
    hole is known to be one quoted word (``shlex.quote``)."""
    pieces = first_command(parts, holes_split=holes_split)
    if pieces is None:
        return None
    words = tuple(Word(p.text, head=p.head, tail=p.tail, splits=p.splits) for p in pieces)
    return tuple(p.text for p in pieces), _peel(words, table or builtin_table(), in_shell=True)


def exposed_holes(
    parts: Sequence[str | int | None],
    *,
    table: Table | None = None,
    not_options: Set[int] = frozenset(),
) -> set[int]:
    """Which quoted holes (ints) of a shell command string given as constant text, holes
    (None) and quoted holes do not protect: see :func:`auditor.judge.shellwords.
    exposed_quoted_holes`."""
    chosen = table or builtin_table()

    def peel_words(words: Sequence[PeelWord]) -> PeelResult:
        peeled = _peel([Word(w.text) for w in words], chosen, in_shell=True)
        return PeelResult(
            peeled.kind, peeled.start, peeled.joined, peeled.stdin is not None, peeled.choosers
        )

    return exposed_quoted_holes(parts, peel_words, not_options)


def program_name(word: Word) -> str | None:
    """The basename a program word goes by (lower case, without ``.exe``), or None when it is
    not known (a dynamic word whose known tail holds no path separator)."""
    text = word.text
    if text is None:
        tail = word.tail
        cut = max(tail.rfind("/"), tail.rfind("\\"))
        if cut < 0:
            return None
        text = tail[cut + 1 :]
    else:
        cut = max(text.rfind("/"), text.rfind("\\"))
        text = text[cut + 1 :]
    text = text.lower()
    if text.endswith(".exe"):
        text = text[:-4]
    return text or None


def _match(table: Table, word: Word, in_shell: bool) -> tuple[Launcher, str] | None:
    """The launcher an argv's first word runs, and the basename it goes by."""
    if word.python:
        return table.python, "python"
    name = program_name(word)
    if name is None:
        return None
    if in_shell:
        entry = table.builtins.get(name)
        if entry is not None:
            return entry, name
    entry = table.by_program.get(name)
    if entry is not None:
        return entry, name
    for pattern, entry in table.patterns:
        if pattern.fullmatch(name):
            return entry, name
    return None


# --- Examples: the notation of the table's examples -------------------------------------------

_EXAMPLE_HOLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_.]*")


def example_words(argv: Sequence[str]) -> tuple[Word, ...]:
    """The words of an example argv: an item holding ``$name`` is dynamic (its known head
    and tail around the holes are kept), ``$sys.executable`` is the running Python."""
    words: list[Word] = []
    for item in argv:
        if item == "$sys.executable":
            words.append(Word(None, python=True))
            continue
        holes = list(_EXAMPLE_HOLE.finditer(item))
        if not holes:
            words.append(Word(item))
        else:
            words.append(Word(None, head=item[: holes[0].start()], tail=item[holes[-1].end() :]))
    return tuple(words)


_SHELL_HOLE = re.compile(r"«[^»]*»")


def example_parts(command: str) -> tuple[str | None, ...]:
    """The parts of an example shell command: ``«name»`` is a hole."""
    parts: list[str | None] = []
    at = 0
    for hole in _SHELL_HOLE.finditer(command):
        parts.append(command[at : hole.start()])
        parts.append(None)
        at = hole.end()
    parts.append(command[at:])
    return tuple(parts)


# --- Peeling ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    """An option read from the argv: its value, when it takes one, is in ``words[index]``
    from character ``offset`` (index None: no value)."""

    option: Option
    index: int | None
    offset: int = 0


@dataclass(slots=True)
class _Read:
    next: int
    found: list[_Found]


@dataclass(slots=True)
class _Bad:
    note: str


@dataclass(slots=True)
class _Ambiguous:
    note: str


@dataclass(slots=True)
class _Outcome:
    """What one launcher leads to: the next argv (``go``: the peeling goes on at ``start``),
    a sub-command's launcher, or the final result."""

    kind: str  # a KIND, "go" or "dispatch"
    start: int
    suffix: str = ""
    language: str | None = None
    note: str | None = None
    joined: bool = False
    offset: int = 0
    choosers: list[int] = field(default_factory=list)
    sub: Launcher | None = None
    installs: bool = False
    # a launcher that runs nothing of its own here (then = "nothing": tar, git with no option
    # that runs a command): it is itself the program, as if it were no launcher
    plain: bool = False


class _Unknown(Exception):
    """Raised inside a launcher's reading: what runs cannot be told. ``stdin``: the
    language of the shell or interpreter that reads what it runs from its standard input,
    when that is why."""

    def __init__(self, index: int, note: str, stdin: str | None = None) -> None:
        super().__init__(note)
        self.index = index
        self.note = note
        self.stdin = stdin


def _peel(words: Sequence[Word], table: Table, *, in_shell: bool) -> Peeled:
    via: list[str] = []
    choosers: list[int] = []
    privileged = False
    n = len(words)
    i = 0
    shell_level = in_shell
    forced: tuple[Launcher, str] | None = None
    prefix = ""
    head = 0  # where the program word of the launcher being read is (a dispatcher's own)
    mark = 0  # how many choosers there were before it

    def done(kind: str, start: int, **extra: Any) -> Peeled:
        return Peeled(tuple(via), privileged, kind, start, choosers=tuple(choosers), **extra)

    while True:
        if i >= n:
            return done("program", n)
        word = words[i]
        if forced is not None:
            entry, basename = forced
            forced = None
        else:
            matched = _match(table, word, shell_level)
            if matched is None:
                return done("program", i)
            entry, basename = matched
            head, mark = i, len(choosers)
            if word.text is None and not word.python:
                choosers.append(i)  # the launcher's own path is chosen at run time
        label = prefix + (entry.label or basename)
        prefix = ""
        privileged = privileged or entry.privileged
        dispatcher = entry.then == "dispatch"
        reader = _Reader(table, entry, label, words, i)
        try:
            outcome = reader.run()
        except _Unknown as unknown:
            # a dispatcher too: its sub-command (busybox's applet, docker exec or ps) chooses
            # what runs, and a word it cannot read may be that sub-command
            via.append(label)
            choosers.extend(reader.choosers)
            return done(
                "unknown",
                unknown.index,
                note=unknown.note,
                stdin=unknown.stdin,
                input_words=entry.input_words and entry.then == "unknown",
            )
        choosers.extend(outcome.choosers)
        if outcome.kind == "dispatch":
            assert outcome.sub is not None
            if entry.prefix:  # busybox sh: the applet is named after the multi-call binary
                prefix = label + " "
            forced = (outcome.sub, program_name(words[outcome.start]) or "")
            i = outcome.start
            shell_level = False
            continue
        # git log, cargo run: git, cargo itself is the program (unless a sub-command's launcher
        # took over after options that choose: git -c core.pager=$x clone URL)
        if outcome.plain and all(c == head for c in choosers[mark:]):
            return done("program", head)
        if not dispatcher or outcome.suffix:  # docker ps: docker itself is the program
            via.append(label + outcome.suffix)  # (but bun -e CODE runs code)
        if outcome.kind == "go":
            i = outcome.start
            shell_level = entry.builtin
            continue
        if outcome.kind == "module":
            module = words[outcome.start].text
            module = module[outcome.offset :] if module is not None else None
            runner = (
                table.by_module.get(module)
                if module is not None and outcome.language == "python"
                else None
            )
            if runner is not None:  # python -m pip install: pip reads the words after it
                forced = (runner, module or "")
                i = outcome.start
                shell_level = False
                continue
        return done(
            outcome.kind,
            outcome.start,
            language=outcome.language,
            note=outcome.note,
            joined=outcome.joined,
            offset=outcome.offset,
            installs=outcome.installs,
        )


# the paths through which a program reads its standard input as a file: a script read from
# one of them is the caller's input (``sh /dev/stdin``)
_STDIN_PATHS = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
# the modes in which, with no command after the options, a shell reads its input (sudo -s)
_INTERACTIVE = ("interactive", "interactive-shell")


def _equals_value(style: Style, text: str) -> bool:
    """Whether ``name=value`` in a whole-word option gives the option its value: ``--name=value``
    (long-equals), and, for Go's flag package (whole-word options, short-equals), also
    ``-name=value``."""
    if text.startswith("--"):
        return style.long_equals
    return style.short_equals and not style.clusters


class _Reader:
    """Reads one launcher's arguments, from the word after its program word."""

    def __init__(
        self, table: Table, entry: Launcher, label: str, words: Sequence[Word], at: int
    ) -> None:
        self.table = table
        self.entry = entry
        self.style = entry.style
        self.label = label
        self.words = words
        self.n = len(words)
        self.at = at
        # the state of the reading
        self.mode: _Found | None = None  # the option that says what runs, if any
        self.choosers: list[int] = []
        self.slots = len(entry.operands)  # operands to read before what runs
        self.filled = 0
        self.payload: int | None = None  # where what runs starts
        self.option_after_payload = False
        self.then = entry.then
        self.language = entry.language  # what the payload is written in (osascript -l)
        # then = "nothing": the operands read so far, and the setting the first one names
        # (git config NAME VALUE)
        self.operands_read = 0
        self.setting: str | None = None

    # -- options -------------------------------------------------------------------------------

    def _lookup_long(self, name: str) -> Option | _Bad | None:
        entry, style = self.entry, self.style
        key = name.lower() if style.case_insensitive else name
        if style.abbreviations and key.startswith("--") and len(key) > 2:
            key = key[1:]  # PowerShell reads --Command as -Command
        elif style.abbreviations and key.startswith("/"):
            key = "-" + key[1:]  # and Windows PowerShell reads /Command as -Command
        option = entry.long.get(key)
        if option is not None:
            return option
        if style.long == "prefix" and key.startswith("--") and len(key) > 2:
            hits = {id(o): o for alias, o in entry.long.items() if alias.startswith(key)}
            if len(hits) == 1:
                return next(iter(hits.values()))
            if len(hits) > 1:
                return _Bad(f"{self.label}: the option {name} is ambiguous")
        if style.abbreviations:
            for candidate in entry.options:
                folded = [a.lower() for a in candidate.aliases]
                full = max(folded, key=len)
                shortest = min((a for a in folded if full.startswith(a)), key=len)
                if full.startswith(key) and len(key) >= len(shortest):
                    return candidate
        return None

    def _unknown_option(self, text: str, index: int) -> _Read | _Bad | None:
        mode = self.style.unknown
        if mode == "flag":
            return _Read(index + 1, [])
        if mode == "operand":
            return None
        return _Bad(f"{self.label} has no option {text!r} in the table")

    def _values(self, option: Option, first: int) -> _Read | _Bad:
        """An option whose value words follow it, from ``first``."""
        if option.next_unless_option:  # node -p CODE, but node -p -e CODE
            following = self.words[first] if first < self.n else None
            if following is None or (following.text or following.head or "-")[0] == "-":
                return _Read(first, [_Found(option, None)])
            return _Read(first + 1, [_Found(option, first)])
        if first + option.arity > self.n:
            return _Bad(f"{self.label}: the option {option.canonical} lacks its value")
        return _Read(first + option.arity, [_Found(option, first)])

    def read_option(self, index: int) -> _Read | _Bad | _Ambiguous | None:
        """The option(s) at ``words[index]``; None when it is not an option."""
        word = self.words[index]
        style = self.style
        text = word.text
        if text is None:
            if word.python:
                return None
            return self._read_dynamic(word, index)
        if len(text) < 2 or text[0] not in style.leaders:
            return None
        read: _Read | _Bad | None
        if not style.clusters or (text[1] in style.leaders and style.long != "none"):
            read = self._read_long(text, index)
        else:
            read = self._read_cluster(text, index)
        if isinstance(read, _Bad) and any(p.fullmatch(text) for p in self.entry.flag_patterns):
            return _Read(index + 1, [])  # nice -5, cmd /t:0a: a flag written its own way
        return read

    def _read_long(self, text: str, index: int) -> _Read | _Bad | None:
        """A whole-word option: ``--name``, ``--name=value``, or any option of a style
        without clusters."""
        style = self.style
        name, eq = text, ""
        if "=" in text and _equals_value(style, text):
            name, eq = text[: text.index("=")], "="
        found = self._lookup_long(name)
        if isinstance(found, _Bad):
            return found
        if found is None:
            return self._unknown_option(name, index)
        option = found
        if eq:
            if option.arity > 1:
                return _Bad(f"{self.label}: {option.canonical} takes separate value words")
            if option.arity == 0 and option.optional is None and not style.short_equals:
                return _Bad(f"{self.label}: {option.canonical} takes no value")
            if option.arity == 0 and option.optional is None:
                return _Read(index + 1, [_Found(option, None)])  # Go: --rm=false
            return _Read(index + 1, [_Found(option, index, len(name) + 1)])
        if option.arity == 0 or option.optional is not None:
            return _Read(index + 1, [_Found(option, None)])
        return self._values(option, index + 1)

    def _read_cluster(self, text: str, index: int) -> _Read | _Bad | None:
        """A cluster of one-letter options: ``-xe``, ``-uroot``, ``-l0``."""
        entry, style = self.entry, self.style
        found: list[_Found] = []
        pending: list[Option] = []  # options whose values come in the next words (shells)
        k = 1
        while k < len(text):
            letter = text[k].lower() if style.case_insensitive else text[k]
            option = entry.short.get(letter)
            if option is None:
                if style.unknown == "operand" and k == 1:
                    return None
                if style.unknown == "flag":
                    k += 1
                    continue
                return _Bad(f"{self.label} has no option -{text[k]} in the table (in {text!r})")
            if option.optional is not None:
                match = option.optional.match(text, k + 1)
                end = match.end() if match else k + 1
                found.append(_Found(option, index if end > k + 1 else None, k + 1))
                k = end
                continue
            if option.arity == 0:
                found.append(_Found(option, None))
                k += 1
                continue
            if style.attached and k + 1 < len(text):
                if option.arity > 1:
                    return _Bad(f"{self.label}: -{text[k]} takes separate value words")
                offset = k + 1
                if style.short_equals and text[offset] == "=":
                    offset += 1
                found.append(_Found(option, index, offset))
                return _Read(index + 1, found)
            if style.attached:
                read = self._values(option, index + 1)
                if isinstance(read, _Bad):
                    return read
                return _Read(read.next, found + read.found)
            pending.append(option)  # bash -oe x: o takes the next word, e is a flag
            k += 1
        following = index + 1
        for option in pending:
            if following + option.arity > self.n:
                return _Bad(f"{self.label}: the option {option.canonical} lacks its value")
            found.append(_Found(option, following))
            following += option.arity
        return _Read(following, found)

    def _read_dynamic(self, word: Word, index: int) -> _Read | _Bad | _Ambiguous | None:
        """A word known only at run time: its known head may settle whether, and which,
        option it is."""
        style = self.style
        head = word.head
        what = f"a word known only at run time where {self.label} reads its options"
        if not head:
            return _Ambiguous(what)
        if head[0] not in style.leaders:
            return None
        if len(head) == 1:
            return _Ambiguous(what)
        if not style.clusters or (head[1] in style.leaders and style.long != "none"):
            if "=" in head and _equals_value(style, head):
                name = head[: head.index("=")]
                option = self._lookup_long(name)
                if isinstance(option, Option) and (option.arity == 1 or option.optional):
                    return _Read(index + 1, [_Found(option, index, len(name) + 1)])
                if isinstance(option, Option) and option.arity == 0 and style.short_equals:
                    return _Read(index + 1, [_Found(option, None)])
            return _Ambiguous(what)
        found: list[_Found] = []
        for k in range(1, len(head)):
            letter = head[k].lower() if style.case_insensitive else head[k]
            option = self.entry.short.get(letter)
            if option is None:
                if style.unknown == "flag":
                    continue
                return _Bad(f"{self.label} has no option -{head[k]} in the table")
            if option.arity == 0 and option.optional is None:
                found.append(_Found(option, None))
                continue
            if option.arity == 1 and style.attached:
                found.append(_Found(option, index, k + 1))
                return _Read(index + 1, found)
            if option.optional is not None and option.optional.fullmatch(head[k + 1 :] + "\0"):
                # its attached value takes the rest of the word, whatever it is (jshell -J...)
                found.append(_Found(option, index, k + 1))
                return _Read(index + 1, found)
            return _Ambiguous(what)
        return _Ambiguous(what)

    # -- the launcher's arguments ----------------------------------------------------------------

    def _assignment(self, word: Word, index: int) -> bool:
        """Whether the word is a NAME=value the launcher puts in the environment; one that
        sets a variable choosing what runs (PATH, LD_PRELOAD...) is a chooser."""
        pattern = self.entry.assignment
        text = word.text if word.text is not None else word.head
        if pattern is None or not text or pattern.match(text) is None:
            return False
        choosing = self.entry.chooser_assignments
        if choosing is not None and choosing.match(text):
            self.choosers.append(index)
        return True

    def run(self) -> _Outcome:
        entry, style, words, n = self.entry, self.style, self.words, self.n
        anchored = entry.dashdash_command
        harmless = anchored and not entry.steers  # kubectl exec: nothing before -- steers
        j = self.at + 1
        options_open = True
        while j < n:
            word = words[j]
            text = word.text
            if options_open:
                if text is not None and style.dashdash and text == "--":
                    options_open = False
                    j += 1
                    if anchored:
                        self.payload = j
                        break
                    continue
                if text is not None and len(text) == 1 and text in style.leaders:
                    if entry.dash == "flag":
                        j += 1
                        continue
                    if entry.dash == "end":
                        options_open = False
                        j += 1
                        continue
                read = self.read_option(j)
                if isinstance(read, _Bad):
                    raise _Unknown(j, read.note)
                if isinstance(read, _Ambiguous) and self.then == "packages":
                    # an option or a package, known only at run time: either chooses
                    self.choosers.append(j)
                    j += 1
                    continue
                if isinstance(read, _Ambiguous) and self.then in ("nothing", "stdin"):
                    # tar, rsync, git: an option that runs a command, or a file name (or
                    # git's sub-command, or git config's NAME)
                    if entry.dynamic_words == "chooser":
                        self.choosers.append(j)
                    self.operands_read += 1
                    j += 1
                    if entry.permute == "none":
                        options_open = False
                    continue
                if isinstance(read, _Ambiguous):
                    if harmless:
                        j += 1
                        continue
                    if self.filled < self.slots:
                        raise _Unknown(
                            j,
                            f"a word known only at run time where {self.label} reads its "
                            f"options or its {entry.operands[self.filled]} operand",
                        )
                    if (self.mode is not None and self.mode.index is not None) or (
                        self.payload is not None and entry.permute == "all"
                    ):
                        raise _Unknown(j, read.note)
                    if self.payload is None:
                        self.payload = j  # what runs starts with a word chosen at run time
                    if entry.permute == "all":
                        j += 1
                        continue
                    break
                if isinstance(read, _Read):
                    if self.payload is not None:
                        self.option_after_payload = True
                    for found in read.found:
                        self._check_value(found)
                        self._apply(found)
                    j = read.next
                    if any(f.option.effect == "program-next" for f in read.found):
                        self._program_next(j)
                        self.payload = j
                        self.then = "program"
                        break
                    if any(f.option.last for f in read.found):
                        options_open = False
                        break
                    continue
                if entry.assignments == "among-options" and self._assignment(word, j):
                    j += 1
                    continue
            # a word that is not an option
            if self.then in ("nothing", "stdin") and self.filled >= self.slots:
                if self.operands_read == 0 and text is not None and text in entry.subcommands:
                    self.payload = j  # git clone: the sub-command reads the words after it
                    break
                self._setting(word, j)
                self.operands_read += 1
                j += 1  # a file name, a sub-command, a find expression: data (at's time too)
                if entry.permute == "none":
                    options_open = False
                continue
            if self.then == "packages" and self.filled >= self.slots:
                self.choosers.append(j)  # pip install SPEC: the package chooses what runs
                j += 1
                if entry.permute != "all":
                    options_open = False
                continue
            if self.filled < self.slots and self.payload is None:
                if word.splits and not harmless:
                    raise _Unknown(
                        j,
                        f"a word that may split where {self.label} reads its "
                        f"{entry.operands[self.filled]} operand",
                    )
                if self.filled in entry.operand_choosers:
                    self.choosers.append(j)
                self.filled += 1
                j += 1
                if entry.permute == "none":
                    options_open = False
                continue
            if self.payload is None and text is not None and text in entry.after_operands:
                if j + 1 >= n:
                    raise _Unknown(j, f"{self.label} {text} lacks its command")
                self.mode = _Found(entry.after_operands[text], j + 1)
                j += 2
                break
            if (
                self.payload is None
                and entry.assignments == "after-options"
                and self._assignment(word, j)
            ):
                options_open = False
                j += 1
                continue
            if anchored and options_open:
                raise _Unknown(j, f"{self.label} reads its command only after --")
            if self.payload is None:
                self.payload = j
            if entry.permute == "all" and options_open and not anchored:
                j += 1
                continue
            break
        return self._finish(j)

    def _setting(self, word: Word, j: int) -> None:
        """``git config NAME VALUE``: a value that chooses what runs (core.pager), or that is
        a shell command (alias.NAME = "!CMD"; one known only at run time may be)."""
        entry = self.entry
        if not entry.setting_choosers and not entry.setting_shells:
            return
        if self.operands_read == 0:
            self.setting = word.text
            if word.text is None:  # a setting named at run time (after --)
                self.choosers.append(j)
            return
        key = self.setting
        if self.operands_read != 1 or key is None:
            return
        for pattern, prefix in entry.setting_shells:
            if not pattern.fullmatch(key):
                continue
            known = word.text if word.text is not None else word.head
            if known.startswith(prefix):
                offset = len(prefix)
            elif word.text is None and not known:
                offset = 0  # it may start with the prefix: a shell command chosen at run time
            else:
                if word.text is None:
                    self.choosers.append(j)  # not a shell command, still a chooser (git args)
                return
            option = Option(key, (key,), arity=1, effect="shell")
            if self.mode is None:
                self.mode = _Found(option, j, offset)
            return
        if any(p.fullmatch(key) for p in entry.setting_choosers):
            self.choosers.append(j)

    def _plain_constant(self, index: int) -> bool:
        """A launcher whose constant command leaves it plain (``plain-constant``: git
        rebase -x 'make test' is git with constant arguments, as before it was modelled),
        when nothing else of its words chooses what runs."""
        return (
            self.entry.plain_constant and self.words[index].text is not None and not (self.choosers)
        )

    def _program_next(self, j: int) -> None:
        """``find ... -exec PROG ARGS ;``: the program argv at ``j`` ends at a terminator;
        another such option after it runs a second command, which the peeling cannot say."""
        entry, words = self.entry, self.words
        end = next((k for k in range(j, self.n) if words[k].text in entry.terminators), None)
        if end is None or end == j:
            raise _Unknown(j, f"{self.label}: a command with no {entry.terminators[0]} after it")
        for k in range(end + 1, self.n):
            text = words[k].text
            option = self.entry.long.get(text) if text is not None else None
            if option is not None and option.effect == "program-next":
                raise _Unknown(k, f"{self.label} runs more than one command ({text})")

    def _check_value(self, found: _Found) -> None:
        """An option value that is a shell word which may split: the words after it may
        shift, so what runs cannot be told (unless the value is itself what runs)."""
        option = found.option
        if found.index is None or option.effect in (*VALUE_EFFECTS, "shell-rest"):
            return
        count = 1 if found.offset else option.arity
        for k in range(found.index, found.index + count):
            if self.words[k].splits:
                raise _Unknown(
                    k,
                    f"a word that may split where {self.label} reads the value of "
                    f"{option.canonical}",
                )

    def _apply(self, found: _Found) -> None:
        option = found.option
        if option.chooser and found.index is not None:
            self.choosers.append(found.index)
        languages = self.entry.language_values.get(option.canonical)
        if languages is not None:  # osascript -l JavaScript; a value not known: no language
            text = self.words[found.index].text if found.index is not None else None
            self.language = languages.get(text[found.offset :]) if text is not None else None
        effect = option.effect
        if effect in VALUE_EFFECTS and found.index is None:
            return  # node -p with no code after it: just a flag
        if effect == "program-next":
            return  # find -exec: the reading stops at the program (run)
        if effect in ("no-operands", "program-argv"):
            self.slots = 0
            if effect == "program-argv":
                self.then = "program"
            return
        if effect is None:
            return
        mode = self.mode
        if mode is None or mode.option.effect in _INTERACTIVE:
            self.mode = found
        elif mode.option.effect == "stdin" and effect in (*VALUE_EFFECTS, "shell-operand"):
            self.mode = found  # bash -s -c CMD, vim -es -c CMD: the command runs (first)
        elif mode.option.effect == effect and found.index is not None:
            self.choosers.append(found.index)  # perl -e A -e B: every -e is code that runs

    def _outcome(self, kind: str, start: int, **extra: Any) -> _Outcome:
        return _Outcome(kind, start, choosers=self.choosers, **extra)

    def _finish(self, j: int) -> _Outcome:
        entry, words, n, mode, payload = self.entry, self.words, self.n, self.mode, self.payload
        language = self.language
        # the shell or interpreter that reads what it runs from its input (a language not
        # known, osascript -l $x: the launcher's own)
        reads = language or entry.language or "sh"
        if mode is not None and mode.option.effect not in _INTERACTIVE:
            option = mode.option
            effect = option.effect
            suffix = " " + option.canonical
            note = option.note
            if effect in VALUE_EFFECTS or (effect == "shell-rest" and mode.index is not None):
                assert mode.index is not None
                value = words[mode.index].text
                value = value[mode.offset :] if value is not None else None
                if value == "-" and entry.dash == "stdin" and effect in ("script", "shell-rest"):
                    raise _Unknown(mode.index, f"{self.label}{suffix} - reads its input", reads)
                if value in _STDIN_PATHS and effect == "script":  # awk -f /dev/stdin
                    raise _Unknown(
                        mode.index, f"{self.label}{suffix} {value}: its script is its input", reads
                    )
                if self._plain_constant(mode.index):  # git rebase -x 'make test'
                    return self._outcome("program", n, plain=True)
                return self._outcome(
                    "shell" if effect == "shell-rest" else str(effect),
                    mode.index,
                    suffix=suffix,
                    language=language,
                    note=note,
                    joined=effect == "shell-rest",
                    offset=mode.offset,
                )
            if effect == "shell-rest":  # a flag (cmd /c): all the words after it
                if j >= n:
                    return self._outcome("program", n, note=f"{self.label}{suffix} runs nothing")
                return self._outcome(
                    "shell", j, suffix=suffix, language=language, note=note, joined=True
                )
            if effect == "shell-operand":
                if payload is None:
                    raise _Unknown(n, f"{self.label}{suffix} lacks its command string")
                return self._outcome("shell", payload, suffix=suffix, language=language, note=note)
            if effect == "nothing":  # git --version: git itself is the program
                return self._outcome(
                    "program",
                    n,
                    note=note or f"{self.label}{suffix} runs nothing",
                    plain=self.then == "nothing" and not self.choosers,
                )
            index = mode.index if mode.index is not None else payload if payload is not None else n
            stdin = (reads) if effect == "stdin" else None
            raise _Unknown(index, note or f"{self.label}{suffix}: what runs is unknown", stdin)
        if self.option_after_payload and payload is not None:
            raise _Unknown(
                payload,
                f"{self.label} reads options among its command's words (GNU permutation)",
            )
        then = self.then
        if then == "nothing" and payload is not None:  # git clone: a sub-command's own table
            sub_text = words[payload].text
            assert sub_text is not None
            sub = self.table.by_name[entry.subcommands[sub_text]]
            return self._outcome("dispatch", payload, sub=sub)
        if then == "writes":  # tee FILE...: its input goes to the files it names
            prefix = entry.target_prefix
            for index in range(payload if payload is not None else n, n):
                target = words[index].text
                head = words[index].head if target is None else target
                if not (head.startswith(prefix) or prefix.startswith(head)):
                    continue  # dd if=FILE, bs=N: not where it writes
                if target is None:
                    raise _Unknown(
                        index,
                        f"{self.label} writes its input to a file chosen at run time, which may"
                        " decide what runs (/etc/cron.d, /etc/sudoers.d)",
                        reads,
                    )
                if any(p.fullmatch(target) for p in entry.code_targets):
                    note = f"{self.label} writes its input to {target}, which decides what runs"
                    raise _Unknown(index, note, reads)
            return self._outcome("program", n, plain=not self.choosers)
        if then == "nothing":  # tar, git: the launcher runs only what options say
            return self._outcome("program", n, plain=not self.choosers)
        if then == "packages":  # the packages' own code runs: their operands are choosers
            return self._outcome("program", n, note=entry.note, installs=True)
        if then == "stdin":  # at, crontab -, psql: the operands are data, the input runs
            raise _Unknown(
                n, entry.note or f"{self.label} runs the commands it reads from its input", reads
            )
        if payload is None:
            if mode is not None:  # "interactive" (sudo -s) with no command
                raise _Unknown(
                    n, f"{self.label} {mode.option.canonical} with no command reads its input", "sh"
                )
            if then == "dispatch":
                return self._outcome("program", self.at)
            if entry.empty == "stdin":
                raise _Unknown(
                    n,
                    f"{self.label} with no command reads commands from its input",
                    reads,
                )
            return self._outcome("program", n)
        if mode is not None and mode.option.effect == "interactive-shell":
            # sudo -s CMD ARGS: the words, joined (sudo backslash-escapes their
            # metacharacters, not `$`), are a command the target user's shell runs (-c)
            return self._outcome(
                "shell",
                payload,
                suffix=" " + mode.option.canonical,
                language="sh",
                note=mode.option.note,
                joined=True,
            )
        if then == "program":
            return self._outcome("go", payload)
        if then == "script":
            if words[payload].text == "-" and entry.dash == "stdin":
                raise _Unknown(payload, f"{self.label} - reads its script from its input", reads)
            if words[payload].text in _STDIN_PATHS:  # sh /dev/stdin
                raise _Unknown(
                    payload, f"{self.label} {words[payload].text}: its script is its input", reads
                )
            return self._outcome("script", payload, language=language)
        if then == "code":  # awk PROGRAM, sed SCRIPT: the first operand is the code
            return self._outcome("code", payload, language=language)
        if then == "shell-rest":
            return self._outcome("shell", payload, language=language, joined=True)
        if then == "shell":  # git submodule foreach CMD ARGS: CMD is a shell string
            if self._plain_constant(payload):
                return self._outcome("program", n, plain=True)
            return self._outcome("shell", payload, language=language)
        if then == "unknown":
            raise _Unknown(payload, entry.note or f"{self.label}: what runs is unknown")
        # then == "dispatch": a sub-command
        sub_word = words[payload]
        if sub_word.text is None:
            raise _Unknown(
                payload, f"a word known only at run time where {self.label} reads its sub-command"
            )
        target = entry.subcommands.get(sub_word.text)
        if target is None:
            return self._outcome("program", self.at)
        return self._outcome("dispatch", payload, sub=self.table.by_name[target])
