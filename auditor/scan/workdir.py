"""Whether the working directory a program starts in chooses what runs.

``subprocess.run(["./build.sh"], cwd=d)`` runs ``d/build.sh``; ``["make"]`` runs the recipes
of ``d/Makefile``; ``["npm", "install"]`` the scripts of ``d/package.json``; ``["python3",
"setup.py"]`` the script ``d/setup.py``. When ``d`` is known only at run time, whoever
chooses it chooses what runs. The programs that run code from their working directory are
rules/workdir.toml's; a program named by a relative path with a ``/``, a script given to an
interpreter by a path that is not absolute, and Python run with ``-m`` or ``-c`` (the working
directory first on ``sys.path``) need no entry.

Only the argv's head and the program its launchers run are read (``sudo make``, ``env A=b
make``), and of a shell string its first simple command: ``cd x && make`` is not seen."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.judge.launchers import Word, peel, peel_shell
from auditor.rules_files import rule_table


@dataclass(frozen=True, slots=True)
class WorkdirProgram:
    """A program that runs code found in its working directory (rules/workdir.toml)."""

    name: str
    programs: frozenset[str]
    reads: str
    subcommands: frozenset[str] | None = None
    relative: bool = False
    path_options: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class WorkdirTable:
    by_program: dict[str, WorkdirProgram]
    # (argv, chosen) of every example of the file, for the test suite
    examples: tuple[tuple[tuple[str, ...], bool], ...]


@functools.cache
def workdir_table() -> WorkdirTable:
    """rules/workdir.toml, read once."""
    data = rule_table("workdir.toml")
    by_program: dict[str, WorkdirProgram] = {}
    examples: list[tuple[tuple[str, ...], bool]] = []
    for entry in data.get("program", []):
        subcommands = entry.get("subcommands")
        program = WorkdirProgram(
            str(entry["name"]),
            frozenset(entry["programs"]),
            str(entry["reads"]),
            frozenset(subcommands) if subcommands is not None else None,
            bool(entry.get("relative", False)),
            frozenset(entry.get("path-options", ())),
        )
        for name in program.programs:
            by_program[name] = program
    for entry in (*data.get("program", []), *data.get("shape", [])):
        for example in entry.get("examples", ()):
            examples.append((tuple(example["argv"]), bool(example["chosen"])))
    return WorkdirTable(by_program, tuple(examples))


# launchers (rules/launchers.toml's labels) after which Python imports from the working
# directory first: its sys.path[0] is "" with -c, the working directory with -m
_PYTHON_PATH = frozenset({"python -m", "python -c"})


def _relative_path(text: str) -> bool:
    """A path read from the working directory: ``.``, ``..``, or one with a ``/`` that is
    not absolute (``./x``, ``a/b``; not ``~/x``, which the shell expands)."""
    return text in (".", "..") or ("/" in text and not text.startswith(("/", "~")))


def _basename(text: str) -> str:
    name = text.rsplit("/", 1)[-1].lower()
    return name.removesuffix(".exe")


def _reads_code(program: WorkdirProgram, rest: Sequence[str | None]) -> bool:
    """Whether ``program`` run with the arguments ``rest`` reads code from its working
    directory (``subcommands``, ``relative``)."""
    words = list(rest)
    if program.subcommands is not None:
        first = next((i for i, w in enumerate(words) if w is None or not w.startswith("-")), None)
        if first is None or words[first] not in program.subcommands:
            return False
        words = words[first + 1 :]
    if not program.relative:
        return True
    for position, word in enumerate(words):
        if word is None:
            continue
        if _relative_path(word):
            return True
        previous = words[position - 1] if position else None
        if previous in program.path_options and not word.startswith(("/", "~")):
            return True
    return False


def workdir_chooses(words: Sequence[Word]) -> str | None:
    """Why the working directory chooses what the argv ``words`` runs (a note for the
    finding), or None when it does not (see the module docstring)."""
    if not words:
        return None
    texts = [w.text for w in words]
    peeled = peel(words)
    heads = [0]
    if peeled.via and peeled.kind == "program" and 0 < peeled.start < len(words):
        heads.append(peeled.start)
    table = workdir_table().by_program
    for head in heads:
        text = texts[head]
        if text is None:
            continue
        if _relative_path(text):
            return f"the program {text} is looked up from the working directory"
        program = table.get(_basename(text))
        if program is not None and _reads_code(program, texts[head + 1 :]):
            return f"{_basename(text)} runs {program.reads}"
    operand = texts[peeled.start] if peeled.via and peeled.start < len(words) else None
    if peeled.kind == "script" and operand is not None and not operand.startswith(("/", "~")):
        return f"the script {operand} is read from the working directory"
    if any(via in _PYTHON_PATH for via in peeled.via):
        return "python -m/-c imports from the working directory first (sys.path[0])"
    return None


def shell_workdir_chooses(text: str) -> str | None:
    """The same for the first simple command of a constant shell string."""
    split = peel_shell((text,))
    if split is None:
        return None
    return workdir_chooses([Word(t) for t in split[0]])
