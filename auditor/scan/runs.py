"""What an argv list really runs, for the per-file analysis: the launchers at its head
peeled off (``auditor.judge.launchers``) and the payload class of what is left.

``["sudo", "-u", user, "bash", "-c", cmd]`` is a shell command built at run time, run as
another user; ``[sys.executable, "-c", code]`` is Python code; ``["env", prog, arg]`` is a
program chosen at run time; ``["timeout", "5", "ls", path]`` is a fixed program with a
dynamic argument. An argv whose first item is no launcher is left to the caller's own
classification (``None``). A shell command string's launchers are read from its first
simple command (``peel_shell_string``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.judge.launchers import Peeled, Word, peel, peel_shell
from auditor.judge.script_uses import (
    EnvUse,
    Use,
    fetches,
    readable,
    reads_input,
    runs_arguments,
    runs_environment,
    xargs_runs,
)
from auditor.scan.payload import Value


@dataclass(frozen=True, slots=True)
class Runs:
    """``payload``: "constant", "fixed-program" or "dynamic", of what finally runs.
    ``runs``: "shell" (a shell command string), "code" (interpreter source code) or
    "program". ``via``: the launchers peeled. ``privileged``: one of them changes user."""

    payload: str
    runs: str
    via: tuple[str, ...]
    privileged: bool
    note: str | None = None
    # the language of a shell or interpreter left to read what it runs from its standard
    # input (``["bash"]``, ``["python3", "-"]``): what the call feeds it there is the payload
    stdin: str | None = None
    # what the code is written in when ``runs`` is "code" ("python", "perl", "node"...: the
    # launcher table's languages), None when that is not known (osascript -l $lang)
    language: str | None = None
    # ``note`` says what running a dynamic payload does, and the finding's message and
    # note carry it: the packages' code an installer runs (pip install, npm install), what
    # reads a working directory chosen at run time, a setting of the environment
    told: bool = False
    # a constant script that runs the words after it or its input
    # (``["bash", "-c", 'eval "$1"', "bash", cmd]``): how, for the finding's message
    uses: str | None = None
    # the environment variables its constant script runs (``["sh", "-c", 'eval "$JOB"']``):
    # an ``env=`` that sets one of them at run time makes what runs dynamic
    environ: EnvUse | None = None
    # a constant script that runs code it downloads (``["sh", "-c", "curl URL | sh"]``):
    # how, for the finding's note (the class stays constant)
    fetches: str | None = None
    # the argv index of the script an interpreter or shell is given (``[sys.executable,
    # path]``): what the code writes into that file is what runs (auditor.scan.written)
    script_at: int | None = None
    # the argv index of the module Python is told to run (``["python3", "-m", mod]``): the
    # module's file written into the working directory is what runs (auditor.scan.written)
    module_at: int | None = None


def word_of(value: Value) -> Word:
    """The launcher table's word for an argv item."""
    if value.const and value.text is not None:
        return Word(value.text)
    if value.exe and value.name == "python":
        return Word(None, python=True)
    if value.exe and value.name:
        return Word(None, tail="/" + value.name)  # known only by name: shutil.which("sudo")
    return Word(None)


def _known(value: Value) -> bool:
    """Whether an item is fixed before run time (a constant, sys.executable...)."""
    return value.program_item()


def peel_argv(
    items: Sequence[Value], more: bool = False, tail_const: bool = True, splits: bool = False
) -> Runs | None:
    """What ``items`` (an argv list's values; ``more``: further items may follow, constant
    when ``tail_const``, any number of words of a string split at run time when ``splits``)
    runs once its launchers are peeled, or None when its head is no launcher."""
    values = list(items)
    if more:  # the items that may follow: one word known only at run time
        values.append(Value(tail_const, program=tail_const))
    if not values:
        return None
    words = [word_of(v) for v in values]
    if more and splits and not tail_const:
        words[-1] = Word(None, splits=True)  # find -name {x}: x may be "x -exec sh -c ..."
    peeled = peel(words)
    if not peeled.via:
        return None
    texts = [v.text if v.const else None for v in values]
    stdin, via, uses = _reads_stdin(peeled, texts)
    payload = _payload(peeled, values)
    runs = _runs(peeled)
    language = peeled.language if peeled.kind == "code" else None
    use = _runs_operands(peeled, values) if payload == "fixed-program" else None
    if use is not None:  # bash -c 'eval "$1"' bash CMD: CMD runs
        payload, runs, uses = "dynamic", use.runs, f"the script runs its arguments ({use.how})"
        language = use.language if use.runs == "code" else None
    script = _script(peeled, texts) if payload != "dynamic" else None
    environ = runs_environment(_language(peeled), script) if script is not None else None
    return Runs(
        payload,
        runs,
        via,
        peeled.privileged,
        peeled.note,
        stdin,
        language,
        peeled.installs,
        uses,
        environ,
        _fetches(peeled, texts),
        peeled.start if peeled.kind == "script" else None,
        peeled.start if peeled.kind == "module" and peeled.language == "python" else None,
    )


_FETCHED = "it runs code it downloads ({}): constant, yet what runs is what the server sends"


def _fetches(peeled: Peeled, texts: Sequence[str | None]) -> str | None:
    """How the constant script of ``peeled`` runs code it downloads, or None."""
    if peeled.kind not in ("shell", "code") or peeled.start >= len(texts):
        return None
    words = texts[peeled.start :] if peeled.joined else texts[peeled.start : peeled.start + 1]
    if any(t is None for t in words):
        return None
    script = " ".join(t or "" for t in words)[peeled.offset :]
    language = (
        _language(peeled)
        if peeled.kind == "code" or peeled.language in (None, "sh")
        else peeled.language
    )
    found = fetches(language, script)
    return _FETCHED.format(found) if found else None


def fetched_code(runs: Runs | None, shell: bool | None, command: object) -> str | None:
    """The note of a site whose constant script runs code it downloads: its argv's
    (``["sh", "-c", "curl URL | sh"]``), or its constant shell string's."""
    if runs is not None and runs.fetches is not None:
        return runs.fetches
    if shell is not False and isinstance(command, str):
        found = fetches("sh", command)
        if found is not None:
            return _FETCHED.format(found)
    return None


def environment_runs(runs: Runs | None, shell: bool | None, command: object) -> EnvUse | None:
    """The environment variables a site's constant script runs: its argv's (``["sh", "-c",
    'eval "$JOB"']``), or its constant shell string's (``run('eval "$JOB"', shell=True)``)."""
    if runs is not None and runs.environ is not None:
        return runs.environ
    if shell is not False and isinstance(command, str):
        return runs_environment("sh", command)
    return None


def environment_dynamic(runs: Runs | None, use: EnvUse, names: Sequence[str]) -> Runs:
    """What a site runs when ``env=`` sets at run time the variables ``names`` its constant
    script runs (``use``)."""
    shown = ", ".join(sorted(names)) or "a variable"
    how = f"the script runs its environment's {shown} ({use.how}), set at run time by env="
    language = use.language if use.runs == "code" else None
    if runs is None:
        return Runs("dynamic", use.runs, (), False, None, language=language, uses=how)
    return dataclasses.replace(
        runs, payload="dynamic", runs=use.runs, language=language, uses=how, stdin=None
    )


def _script(peeled: Peeled, texts: Sequence[str | None]) -> str | None:
    """The constant script of a shell or interpreter given one (``sh -c SCRIPT``,
    ``python -c CODE``, ``awk PROGRAM``): not a joined command (ssh, cmd /c)."""
    if peeled.kind not in ("shell", "code") or peeled.joined or peeled.start >= len(texts):
        return None
    text = texts[peeled.start]
    return text[peeled.offset :] if text is not None else None


def _language(peeled: Peeled) -> str | None:
    """The language the script analysis reads: a shell's is "sh" (cmd and PowerShell are
    not read)."""
    if peeled.kind == "shell":
        return "sh" if peeled.language in (None, "sh") else None
    return peeled.language


def _runs_operands(peeled: Peeled, values: Sequence[Value]) -> Use | None:
    """How the constant script of ``peeled`` runs the words after it that are known only at
    run time (a shell's $1, python's sys.argv, awk's ARGV), or None."""
    texts = [v.text if v.const else None for v in values]
    script = _script(peeled, texts)
    if script is None:
        return None
    operands = values[peeled.start + 1 :]
    dynamic = [i for i, v in enumerate(operands) if not v.const]
    if not dynamic:
        return None
    use = runs_arguments(_language(peeled), script)
    return use if use is not None and use.hits(dynamic) else None


_NESTED = 4  # shell strings looked into, one inside another (bash -c "ssh h 'bash -s'")


def _reads_stdin(
    peeled: Peeled, texts: Sequence[str | None], depth: int = 0
) -> tuple[str | None, tuple[str, ...], str | None]:
    """The language of what reads the commands it runs from its standard input, and the
    launchers peeled to get there: the argv's own (``["bash", "-s"]``, ``["ssh", host]``),
    or the first command of the constant shell string it runs (``["ssh", host, "bash",
    "-s"]``: the remote shell runs ``bash -s``, which reads what ssh forwards it: the
    caller's input). A constant script that passes its input to what runs it (``sh -c
    "cat | sh"``, ``python3 -c "exec(sys.stdin.read())"``, ``awk '{ system($0) }'``) and
    ``xargs`` running a script that runs the arguments xargs adds (``xargs sh -c 'eval
    "$1"' sh``) read it too; the third item says how."""
    if peeled.stdin is not None or depth >= _NESTED:
        return peeled.stdin, peeled.via, None
    if peeled.kind == "unknown" and peeled.input_words:
        return _xargs(peeled, texts)
    if peeled.kind not in ("shell", "code"):
        return None, peeled.via, None
    script = _script(peeled, texts)
    if script is not None:
        language = _language(peeled)
        operands = texts[peeled.start + 1 :]
        if language == "sed":  # sed -e A -e B: every -e is the script; the rest, files
            script = "\n".join([script, *_more_expressions(peeled, texts)])
            operands = _sed_files(operands)
        found = reads_input(language, script, operands)
        if found is not None:
            return found[0], peeled.via, f"the script runs its input ({found[1]})"
        if language == "sh" and readable(script):
            return None, peeled.via, None  # (sh -c "sh < job.sh": its input is a file)
    if peeled.kind != "shell":
        return None, peeled.via, None
    start = peeled.start
    segment = list(texts[start:]) if peeled.joined else list(texts[start : start + 1])
    if not segment or any(t is None for t in segment):
        return None, peeled.via, None
    words = [t or "" for t in segment]
    words[0] = words[0][peeled.offset :]
    split = peel_shell((" ".join(words),))
    if split is None or not split[1].via:
        return None, peeled.via, None
    stdin, via, uses = _reads_stdin(split[1], split[0], depth + 1)
    if stdin is None:
        return None, peeled.via, None
    return stdin, (*peeled.via, *via), uses


def _more_expressions(peeled: Peeled, texts: Sequence[str | None]) -> list[str]:
    """The constant values of sed's -e options after the first (``sed -e A -e B``)."""
    out: list[str] = []
    for i in peeled.choosers:
        text = texts[i] if i < len(texts) else None
        if i <= peeled.start or text is None:
            continue
        if texts[i - 1] in ("-e", "--expression"):
            out.append(text)
        elif text.startswith("--expression="):
            out.append(text.partition("=")[2])
        elif text.startswith("-e") and texts[i - 1] not in ("-f", "--file"):
            out.append(text[2:])
    return out


def _sed_files(words: Sequence[str | None]) -> list[str | None]:
    """The file operands among the words after sed's script (sed reads its options among
    them): not the options, nor the values of -e, -f and -l."""
    out: list[str | None] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("-e", "-f", "-l", "--expression", "--file", "--line-length"):
            skip = True
        elif word is None or word == "-" or not word.startswith("-"):
            out.append(word)
    return out


def _xargs(
    peeled: Peeled, texts: Sequence[str | None]
) -> tuple[str | None, tuple[str, ...], str | None]:
    """``xargs CMD...``: the words xargs reads from its input are CMD's last arguments, or
    take the place of its replace string (-I): where CMD reads what it runs (``xargs -0 sh
    -c``, ``xargs -I{} sh -c {}``), or as the arguments of a constant script that runs them
    (``xargs sh -c 'eval "$1"' sh``), the input runs (auditor.judge.script_uses)."""
    use = xargs_runs(texts, peeled.start)
    if use is None:
        return None, peeled.via, None
    language = use.language if use.runs == "code" and use.language else "sh"
    rest = texts[peeled.start :]
    inner = peel([Word(t) for t in rest]) if all(t is not None for t in rest) else None
    via = inner.via if inner is not None and inner.kind != "unknown" else ()
    return language, (*peeled.via, *via), use.how


def peel_shell_string(value: Value, payload: str) -> Runs | None:
    """The launchers at the head of a shell command string (``f"sudo -u {u} bash -c {x}"``:
    sudo, bash -c), or None when it starts with none or its words cannot be told. The site
    stays a shell site of class ``payload``: what the launchers run is read by the shell."""
    if value.items is not None:  # a list run by a shell: its first item is the command
        if not value.items:
            return None
        value = value.items[0]
    if value.const and value.text is not None:
        parts: tuple[str | None, ...] = (value.text,)
    elif value.parts is not None:
        parts = value.parts
    else:
        return None
    split = peel_shell(parts)
    if split is None or not split[1].via:
        return None
    peeled = split[1]
    stdin, via, uses = _reads_stdin(peeled, split[0])
    return Runs(payload, "shell", via, peeled.privileged, peeled.note, stdin, uses=uses)


def _runs(peeled: Peeled) -> str:
    if peeled.kind == "shell":
        return "shell"
    if peeled.kind == "code":
        return "code"
    return "program"


def _payload(peeled: Peeled, values: list[Value]) -> str:
    start = peeled.start
    if any(not _known(values[i]) for i in peeled.choosers if i < len(values)):
        return "dynamic"  # a container image, a chroot, an LD_PRELOAD chosen at run time
    if peeled.kind == "unknown":
        if all(_known(v) for v in values):
            return "constant"
        # at $when, bash -s $arg, python3 - $arg: what runs is the input (its own class, see
        # analyze._fed); the words are the program's arguments
        return "fixed-program" if peeled.stdin is not None else "dynamic"
    if start >= len(values):
        # nothing follows the launchers (``["sudo"]``): the launcher is what runs
        return "constant" if all(_known(v) for v in values) else "fixed-program"
    if peeled.kind in ("shell", "code"):
        text = values[start:] if peeled.joined else [values[start]]
        if not all(v.const for v in text):
            return "dynamic"
        rest = values[start + len(text) :]  # a shell's $0, $1... or the code's sys.argv
    elif not _known(values[start]):  # a program, a script or a module chosen at run time
        return "dynamic"
    else:
        rest = values[start + 1 :]
    # a launcher's own values (sudo -u USER, timeout DURATION) are arguments too
    constant = all(v.const for v in rest) and all(_known(v) for v in values[:start])
    return "constant" if constant else "fixed-program"


_DASH_C = Value(True, program=True, text="-c")


def shell_executable(
    exe: Value, command: Sequence[Value], more: bool, tail_const: bool, splits: bool = False
) -> Runs | None:
    """What a command run with ``shell=True`` and ``executable=exe`` runs: ``[exe, "-c",
    *command]``. None when ``exe`` reads a shell string after ``-c`` (a shell), or is no
    launcher the table knows (read as a shell too): the command is then read as any shell
    string is."""
    probe = peel([word_of(exe), Word("-c"), Word("true")])
    if not probe.via or (probe.kind == "shell" and probe.start == 2):
        return None
    return peel_argv([exe, _DASH_C, *command], more, tail_const, splits)
