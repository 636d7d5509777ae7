"""The launcher table (``rules/launchers.toml``): for each program that runs another program,
a shell string, code or a script given in its arguments, how it writes its options and what
follows them. ``load_table`` reads and checks it (one-line errors naming the entry and the
key); ``builtin_table`` is the table of rules/launchers.toml, read once. The peeling that uses
it is in ``auditor.judge.launchers``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.rules_files import package_toml, read_rule_file

KINDS = ("program", "shell", "code", "script", "module", "unknown")

# What an option (or the launcher's `then`) says about what runs.
VALUE_EFFECTS = ("shell", "code", "module", "script")  # the option's value is the payload
EFFECTS = (
    *VALUE_EFFECTS,
    "shell-rest",  # the value (or, for a flag, the next word) and all words after: one command
    "shell-operand",  # a flag: the first operand after the options is a shell string
    "stdin",  # what runs is read from standard input
    "interactive",  # a flag: with no command after the options, a shell reads stdin
    # a flag: as "interactive" with no command; with one, the words after the options,
    # joined, are a command that shell runs (sudo -s/-i CMD: the shell's -c)
    "interactive-shell",
    "nothing",  # nothing runs (help, version, a query of another process)
    "unknown",  # what runs cannot be told from the argv (see the entry's notes)
    "no-operands",  # a flag: the launcher's operands are not read (podman exec --latest)
    "program-argv",  # no operands are read and what follows is a program argv (runuser -u)
    "program-next",  # a flag: the next word starts a program argv ending at a terminator
)
THEN = (
    "program",
    "script",
    "shell-rest",
    "shell",
    "dispatch",
    "unknown",
    "packages",
    "code",
    "nothing",
    "stdin",
    "writes",  # the operands are files its input is written to (tee): see code-targets
)


class LauncherTableError(ValueError):
    """rules/launchers.toml is malformed; the message names the entry and the key."""


@dataclass(frozen=True, slots=True)
class Style:
    """How a family of programs writes its options (see the [style.*] tables)."""

    name: str
    leaders: str = "-"
    clusters: bool = True
    attached: bool = True
    long: str = "exact"
    long_equals: bool = True
    short_equals: bool = False
    dashdash: bool = True
    unknown: str = "error"
    case_insensitive: bool = False
    abbreviations: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    canonical: str
    aliases: tuple[str, ...]
    arity: int = 0  # value words: 0 (a flag), 1, 2 or 3
    optional: re.Pattern[str] | None = None  # a value only when attached, matching this
    effect: str | None = None
    note: str | None = None
    chooser: bool = False
    last: bool = False  # the launcher reads no option after this one
    next_unless_option: bool = False  # its value is the next word unless that is an option


@dataclass(frozen=True, slots=True)
class Example:
    """One Fixit-style example of the table: an argv (``argv``) or a shell command
    (``shell``), and the fields of the ``Peeled`` that peeling it must give."""

    where: str
    argv: tuple[str, ...] | None
    shell: str | None
    expected: Mapping[str, Any]
    holes_split: bool = True


@dataclass(frozen=True, slots=True)
class Launcher:
    name: str
    label: str | None
    source: str
    style: Style
    programs: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # Python modules that run it (python -m pip)
    program_patterns: tuple[re.Pattern[str], ...] = ()
    privileged: bool = False
    builtin: bool = False
    short: Mapping[str, Option] = field(default_factory=dict)
    long: Mapping[str, Option] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    flag_patterns: tuple[re.Pattern[str], ...] = ()
    operands: tuple[str, ...] = ()
    operand_choosers: frozenset[int] = frozenset()
    permute: str = "none"
    then: str = "program"
    note: str | None = None
    language: str | None = None
    # canonical option name -> its value -> the language the payload is written in
    # (osascript -l JavaScript); a value not in the map: the language is not known
    language_values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    empty: str = "nothing"
    dash: str = "operand"
    dashdash_command: bool = False
    assignments: str = "none"
    assignment: re.Pattern[str] | None = None
    chooser_assignments: re.Pattern[str] | None = None
    subcommands: Mapping[str, str] = field(default_factory=dict)
    prefix: bool = False
    after_operands: Mapping[str, Option] = field(default_factory=dict)
    # then = "nothing": what a word known only at run time among the words is: "chooser"
    # (it may be an option that runs something: tar, rsync, git) or "data" (find)
    dynamic_words: str = "chooser"
    # the words that end the program argv of a "program-next" option (find -exec ... ;)
    terminators: tuple[str, ...] = ()
    # then = "nothing", git config NAME VALUE: the settings (full match) whose value chooses
    # what runs (core.pager), and those whose value starting with a prefix is a shell command
    # (alias.NAME = "!CMD"), with that prefix
    setting_choosers: tuple[re.Pattern[str], ...] = ()
    setting_shells: tuple[tuple[re.Pattern[str], str], ...] = ()
    # then = "writes": the files (regular expressions, in full) whose content decides what
    # runs (/etc/cron.d/*, /etc/sudoers.d/*): the input written to one runs, in `language`
    code_targets: tuple[re.Pattern[str], ...] = ()
    # ... among the operands that start with this (dd's "of="; "": every operand)
    target_prefix: str = ""
    # a constant shell command or code that it runs (an option's, a setting's, then =
    # "shell") leaves it plain, as no launcher: git rebase -x 'make test'
    plain_constant: bool = False
    # the launcher adds words read from its input to the command it runs (xargs): they are
    # that command's last arguments
    input_words: bool = False
    examples: tuple[Example, ...] = ()

    @property
    def steers(self) -> bool:
        """Whether an option can change what runs (an effect, a chooser, or the end of the
        options): a dynamic word among the options of a launcher that has none is harmless
        when its command is anchored after ``--`` (kubectl exec)."""
        return any(o.effect or o.chooser or o.last for o in self.options)


@dataclass(frozen=True, slots=True)
class Table:
    launchers: tuple[Launcher, ...]
    styles: Mapping[str, Style]
    by_name: Mapping[str, Launcher]
    by_program: Mapping[str, Launcher]
    builtins: Mapping[str, Launcher]
    by_module: Mapping[str, Launcher]
    patterns: tuple[tuple[re.Pattern[str], Launcher], ...]
    python: Launcher
    # language -> the name a message gives it ("perl" -> "Perl"), from the [language.NAME]
    # tables; a table without them names each language by its key
    languages: Mapping[str, str] = field(default_factory=dict)
    # the languages that are shells ([language.NAME] shell = true): what such a shell reads
    # from its input is a shell command, not code
    shells: frozenset[str] = frozenset()

    def language_name(self, language: str) -> str:
        """How a message names ``language`` (a launcher's ``language``)."""
        return self.languages.get(language, language)


_STYLE_KEYS: dict[str, type] = {
    "description": str,
    "leaders": str,
    "clusters": bool,
    "attached": bool,
    "long": str,
    "long-equals": bool,
    "short-equals": bool,
    "dashdash": bool,
    "unknown": str,
    "case-insensitive": bool,
    "abbreviations": bool,
}

_LAUNCHER_KEYS: dict[str, type] = {
    "name": str,
    "label": str,
    "source": str,
    "style": str,
    "programs": list,
    "modules": list,
    "program-patterns": list,
    "privileged": bool,
    "builtin": bool,
    "flags": list,
    "short-flags": str,
    "values": list,
    "short-values": str,
    "values2": list,
    "values3": list,
    "optional": dict,
    "optional-next": list,
    "flag-patterns": list,
    "modes": dict,
    "notes": dict,
    "last": list,
    "choosers": list,
    "operands": list,
    "permute": str,
    "then": str,
    "note": str,
    "language": str,
    "language-values": dict,
    "empty": str,
    "dash": str,
    "dashdash-command": bool,
    "assignments": str,
    "assignment": str,
    "chooser-assignments": str,
    "subcommands": dict,
    "prefix": bool,
    "inherit": str,
    "after-operands": dict,
    "dynamic-words": str,
    "terminators": list,
    "setting-choosers": list,
    "setting-shells": dict,
    "plain-constant": bool,
    "input-words": bool,
    "code-targets": list,
    "target-prefix": str,
    "examples": list,
}

_EXAMPLE_KEYS: dict[str, type] = {
    "stdin": str,
    "argv": list,
    "shell": str,
    "via": list,
    "kind": str,
    "start": int,
    "privileged": bool,
    "language": str,
    "choosers": list,
    "joined": bool,
    "offset": int,
    "holes-split": bool,
    "why": str,
}

_CHOICES: dict[str, tuple[str, ...]] = {
    "permute": ("none", "operands", "all"),
    "then": THEN,
    "empty": ("nothing", "stdin"),
    "dash": ("operand", "flag", "end", "stdin"),
    "assignments": ("none", "among-options", "after-options"),
    "long": ("prefix", "exact", "none"),
    "unknown": ("error", "flag", "operand"),
    "dynamic-words": ("chooser", "data"),
}


def _check_keys(
    data: Mapping[str, Any], keys: Mapping[str, type], where: str, *, string_lists: bool = True
) -> None:
    for key, value in data.items():
        expected = keys.get(key)
        if expected is None:
            raise LauncherTableError(f"{where}: unknown key {key!r}")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise LauncherTableError(f"{where}: {key!r} must be a {expected.__name__}")
        items: Any = value
        if (
            string_lists
            and expected is list
            and key != "examples"
            and not all(isinstance(v, str) for v in items)
        ):
            raise LauncherTableError(f"{where}: {key!r} must be a list of strings")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise LauncherTableError(f"{where}: {key!r} must be one of {', '.join(_CHOICES[key])}")


def _regex(text: str, where: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise LauncherTableError(
            f"{where}: {key!r} holds a bad regular expression: {exc}"
        ) from None


def _load_style(name: str, data: Any, where: str) -> Style:
    if not isinstance(data, dict):
        raise LauncherTableError(f"{where}: must be a table")
    _check_keys(data, _STYLE_KEYS, where)
    return Style(
        name=name,
        leaders=data.get("leaders", "-"),
        clusters=data.get("clusters", True),
        attached=data.get("attached", True),
        long=data.get("long", "exact"),
        long_equals=data.get("long-equals", True),
        short_equals=data.get("short-equals", False),
        dashdash=data.get("dashdash", True),
        unknown=data.get("unknown", "error"),
        case_insensitive=data.get("case-insensitive", False),
        abbreviations=data.get("abbreviations", False),
    )


class _OptionsBuilder:
    """Collects a launcher's options from its flags/values/... keys, checking aliases."""

    def __init__(self, style: Style, where: str) -> None:
        self.style = style
        self.where = where
        self.seen: set[str] = set()  # every alias so far, folded
        self.groups: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def add(self, group: str, key: str, **spec: Any) -> None:
        aliases = tuple(group.split())
        if not aliases:
            raise LauncherTableError(f"{self.where}: {key!r} holds an empty option")
        for alias in aliases:
            if len(alias) < 2 or alias[0] not in self.style.leaders:
                raise LauncherTableError(
                    f"{self.where}: {key!r}: {alias!r} does not start with one of "
                    f"{self.style.leaders!r} (style {self.style.name})"
                )
            if self._fold(alias) in self.seen:
                raise LauncherTableError(f"{self.where}: option {alias!r} is listed twice")
            self.seen.add(self._fold(alias))
        self.groups.append((aliases, spec))

    def _fold(self, alias: str) -> str:
        return alias.lower() if self.style.case_insensitive else alias

    def build(
        self,
        modes: Mapping[str, str],
        notes: Mapping[str, str],
        last: set[str],
        choosers: set[str],
    ) -> tuple[tuple[Option, ...], dict[str, Option], dict[str, Option]]:
        canonicals = {aliases[0] for aliases, _ in self.groups}
        for key, names in (("modes", set(modes)), ("notes", set(notes)), ("last", last)):
            for name in sorted(names - canonicals):
                raise LauncherTableError(
                    f"{self.where}: {key!r} names {name!r}, which is not the first name of "
                    "one of its options"
                )
        options: list[Option] = []
        short: dict[str, Option] = {}
        long: dict[str, Option] = {}
        for aliases, spec in self.groups:
            canonical = aliases[0]
            effect = modes.get(canonical)
            arity = spec.get("arity", 0)
            optional = spec.get("optional")
            if effect is not None:
                if effect not in EFFECTS:
                    raise LauncherTableError(
                        f"{self.where}: mode of {canonical!r} must be one of {', '.join(EFFECTS)}"
                    )
                takes_value = arity == 1 or optional is not None
                if effect in VALUE_EFFECTS and not takes_value:
                    raise LauncherTableError(
                        f"{self.where}: {canonical!r} is a flag: mode {effect!r} needs a value"
                    )
                if (
                    effect
                    in (
                        "shell-operand",
                        "interactive",
                        "interactive-shell",
                        "no-operands",
                        "program-next",
                    )
                    and takes_value
                ):
                    raise LauncherTableError(
                        f"{self.where}: {canonical!r} takes a value: mode {effect!r} is for flags"
                    )
                if effect in ("unknown", "stdin") and canonical not in notes:
                    raise LauncherTableError(
                        f"{self.where}: mode {effect!r} of {canonical!r} needs a note saying why"
                    )
            option = Option(
                canonical=canonical,
                aliases=aliases,
                arity=arity,
                optional=optional,
                next_unless_option=spec.get("next_unless_option", False),
                effect=effect,
                note=notes.get(canonical),
                chooser=canonical in choosers,
                last=canonical in last,
            )
            options.append(option)
            for alias in aliases:
                folded = self._fold(alias)
                is_short = (
                    self.style.clusters and len(alias) == 2 and alias[1] not in self.style.leaders
                )
                if is_short:
                    short[folded[1]] = option
                else:
                    long[folded] = option
        return tuple(options), short, long


def _load_launcher(
    data: Any, where: str, styles: Mapping[str, Style], parents: Mapping[str, Any]
) -> Launcher:
    if not isinstance(data, dict):
        raise LauncherTableError(f"{where}: must be a table")
    _check_keys(data, _LAUNCHER_KEYS, where)
    for required in ("name", "source", "style"):
        if required not in data:
            raise LauncherTableError(f"{where}: missing key {required!r}")
    name: str = data["name"]
    where = f"{where} ({name})"
    style = styles.get(data["style"])
    if style is None:
        raise LauncherTableError(f"{where}: 'style' names no [style.{data['style']}] table")
    inherit = data.get("inherit")
    merged = dict(data)
    if inherit is not None:
        parent = parents.get(inherit)
        if parent is None:
            raise LauncherTableError(f"{where}: 'inherit' names no earlier launcher {inherit!r}")
        for key in ("flags", "values", "values2", "values3"):
            merged[key] = list(data.get(key, [])) + list(parent.get(key, []))
        merged["optional"] = {**parent.get("optional", {}), **data.get("optional", {})}
        merged["short-flags"] = data.get("short-flags", "") + parent.get("short-flags", "")
        merged["short-values"] = data.get("short-values", "") + parent.get("short-values", "")
    builder = _OptionsBuilder(style, where)
    for group in merged.get("flags", []):
        builder.add(group, "flags")
    for letter in merged.get("short-flags", ""):
        builder.add("-" + letter, "short-flags")
    for group in merged.get("values", []):
        builder.add(group, "values", arity=1)
    for letter in merged.get("short-values", ""):
        builder.add("-" + letter, "short-values", arity=1)
    for group in merged.get("values2", []):
        builder.add(group, "values2", arity=2)
    for group in merged.get("values3", []):
        builder.add(group, "values3", arity=3)
    for group in merged.get("optional-next", []):
        builder.add(group, "optional-next", arity=1, next_unless_option=True)
    for group, pattern in merged.get("optional", {}).items():
        if not isinstance(pattern, str):
            raise LauncherTableError(f"{where}: 'optional' values must be regular expressions")
        builder.add(group, "optional", optional=_regex(pattern, where, "optional"))
    modes = data.get("modes", {})
    notes = data.get("notes", {})
    for key, table in (("modes", modes), ("notes", notes)):
        if not all(isinstance(v, str) for v in table.values()):
            raise LauncherTableError(f"{where}: {key!r} values must be strings")
    operands = tuple(data.get("operands", ()))
    chooser_names = set(data.get("choosers", ()))
    option_names = {aliases[0] for aliases, _ in builder.groups}
    for chooser in sorted(chooser_names - option_names - set(operands)):
        raise LauncherTableError(
            f"{where}: 'choosers' names {chooser!r}, neither an option's first name nor an operand"
        )
    options, short, long = builder.build(
        modes, notes, set(data.get("last", ())), chooser_names & option_names
    )
    after: dict[str, Option] = {}
    for group, effect in data.get("after-operands", {}).items():
        if effect not in VALUE_EFFECTS:
            raise LauncherTableError(
                f"{where}: 'after-operands' effects must be one of {', '.join(VALUE_EFFECTS)}"
            )
        aliases = tuple(str(group).split())
        option = Option(aliases[0], aliases, arity=1, effect=effect, last=True)
        for alias in aliases:
            after[alias] = option
    then = data.get("then", "program")
    subcommands = data.get("subcommands", {})
    if (then == "dispatch" and not subcommands) or (
        subcommands and then not in ("dispatch", "nothing")
    ):
        raise LauncherTableError(
            f"{where}: 'subcommands' goes with then = 'dispatch' (or 'nothing'), and only"
        )
    setting_choosers = tuple(
        _regex(p, where, "setting-choosers") for p in data.get("setting-choosers", ())
    )
    setting_shells: list[tuple[re.Pattern[str], str]] = []
    for pattern, prefix in data.get("setting-shells", {}).items():
        if not isinstance(prefix, str) or not prefix:
            raise LauncherTableError(f"{where}: 'setting-shells' values must be prefixes")
        setting_shells.append((_regex(pattern, where, "setting-shells"), prefix))
    if (setting_choosers or setting_shells) and then != "nothing":
        raise LauncherTableError(
            f"{where}: 'setting-choosers' and 'setting-shells' go with then = 'nothing'"
        )
    code_targets = tuple(_regex(p, where, "code-targets") for p in data.get("code-targets", ()))
    if (then == "writes") != bool(code_targets) or ("target-prefix" in data and not code_targets):
        raise LauncherTableError(
            f"{where}: 'code-targets' (and 'target-prefix') go with then = 'writes', and only"
        )
    if then in ("unknown", "packages") and "note" not in data:
        raise LauncherTableError(f"{where}: then = {then!r} needs a 'note' saying why")
    language = data.get("language")
    language_values = _language_values(data.get("language-values", {}), options, where)
    if any(o.effect == "program-next" for o in options) != bool(data.get("terminators")):
        raise LauncherTableError(f"{where}: 'terminators' goes with mode 'program-next', and only")
    needs_language = (
        then in ("script", "shell-rest", "shell", "code", "stdin", "writes")
        or bool(setting_shells)
        or any(o.effect in (*VALUE_EFFECTS, "shell-rest", "shell-operand") for o in options)
    )
    if needs_language and language is None:
        raise LauncherTableError(f"{where}: it runs scripts, code or shell strings: 'language'?")
    assignments = data.get("assignments", "none")
    if "chooser-assignments" in data and assignments == "none":
        raise LauncherTableError(f"{where}: 'chooser-assignments' needs 'assignments'")
    if (assignments != "none") != ("assignment" in data):
        raise LauncherTableError(f"{where}: 'assignments' and 'assignment' go together")
    programs = tuple(data.get("programs", ()))
    for program in programs:
        if program != program.lower() or "/" in program:
            raise LauncherTableError(f"{where}: program {program!r}: a lower-case basename")
    return Launcher(
        name=name,
        label=data.get("label"),
        source=data["source"],
        style=style,
        programs=programs,
        modules=tuple(data.get("modules", ())),
        program_patterns=tuple(
            _regex(p, where, "program-patterns") for p in data.get("program-patterns", ())
        ),
        privileged=data.get("privileged", False),
        builtin=data.get("builtin", False),
        short=short,
        long=long,
        options=options,
        flag_patterns=tuple(
            _regex(p, where, "flag-patterns") for p in data.get("flag-patterns", ())
        ),
        operands=operands,
        operand_choosers=frozenset(i for i, o in enumerate(operands) if o in chooser_names),
        permute=data.get("permute", "none"),
        then=then,
        note=data.get("note"),
        language=language,
        language_values=language_values,
        empty=data.get("empty", "nothing"),
        dash=data.get("dash", "operand"),
        dashdash_command=data.get("dashdash-command", False),
        assignments=assignments,
        assignment=_regex(data["assignment"], where, "assignment")
        if "assignment" in data
        else None,
        chooser_assignments=(
            _regex(data["chooser-assignments"], where, "chooser-assignments")
            if "chooser-assignments" in data
            else None
        ),
        subcommands=dict(subcommands),
        prefix=data.get("prefix", False),
        after_operands=after,
        dynamic_words=data.get("dynamic-words", "chooser"),
        terminators=tuple(data.get("terminators", ())),
        setting_choosers=setting_choosers,
        setting_shells=tuple(setting_shells),
        code_targets=code_targets,
        target_prefix=data.get("target-prefix", ""),
        plain_constant=data.get("plain-constant", False),
        input_words=data.get("input-words", False),
        examples=tuple(
            _load_example(e, f"{where}: example #{k + 1}")
            for k, e in enumerate(data.get("examples", ()))
        ),
    )


def _language_values(
    data: Mapping[str, Any], options: tuple[Option, ...], where: str
) -> dict[str, dict[str, str]]:
    """The ``language-values`` of a launcher: options (by their first name) that take a value
    naming the payload's language, each with its map of values to languages."""
    by_name = {o.canonical: o for o in options}
    out: dict[str, dict[str, str]] = {}
    for name, values in data.items():
        option = by_name.get(name)
        if option is None or (option.arity != 1 and option.optional is None):
            raise LauncherTableError(
                f"{where}: 'language-values' names {name!r}, which is not the first name of "
                "one of its options with a value"
            )
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            raise LauncherTableError(
                f"{where}: 'language-values' of {name!r} must map values to languages"
            )
        out[name] = dict(values)
    return out


def _languages(data: Any, where: str) -> tuple[dict[str, str], frozenset[str]]:
    """The [language.NAME] tables: each language's name in a message, and the languages
    that are shells (``shell = true``)."""
    if not isinstance(data, dict):
        raise LauncherTableError(f"{where}: 'language' must be a table of [language.NAME] tables")
    out: dict[str, str] = {}
    shells: set[str] = set()
    for key, entry in data.items():
        if not isinstance(entry, dict) or "name" not in entry or set(entry) - {"name", "shell"}:
            raise LauncherTableError(
                f"{where}: [language.{key}] holds 'name' and, for a shell, 'shell'"
            )
        if not isinstance(entry["name"], str) or not entry["name"]:
            raise LauncherTableError(f"{where}: [language.{key}] 'name' must be a string")
        if not isinstance(entry.get("shell", False), bool):
            raise LauncherTableError(f"{where}: [language.{key}] 'shell' must be a boolean")
        out[key] = entry["name"]
        if entry.get("shell", False):
            shells.add(key)
    return out, frozenset(shells)


def _load_example(data: Any, where: str) -> Example:
    if not isinstance(data, dict):
        raise LauncherTableError(f"{where}: must be a table")
    _check_keys(data, _EXAMPLE_KEYS, where, string_lists=False)
    if ("argv" in data) == ("shell" in data):
        raise LauncherTableError(f"{where}: give 'argv' or 'shell'")
    for required in ("via", "kind", "start"):
        if required not in data:
            raise LauncherTableError(f"{where}: missing key {required!r}")
    if data["kind"] not in KINDS:
        raise LauncherTableError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    choosers = data.get("choosers", [])
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in choosers):
        raise LauncherTableError(f"{where}: 'choosers' must be a list of indexes")
    if not all(isinstance(v, str) for v in data["via"]):
        raise LauncherTableError(f"{where}: 'via' must be a list of strings")
    argv = data.get("argv")
    if argv is not None and not all(isinstance(a, str) for a in argv):
        raise LauncherTableError(f"{where}: 'argv' must be a list of strings")
    return Example(
        where=where,
        argv=tuple(argv) if argv is not None else None,
        shell=data.get("shell"),
        expected={
            "via": tuple(data["via"]),
            "privileged": data.get("privileged", False),
            "kind": data["kind"],
            "start": data["start"],
            "language": data.get("language"),
            "choosers": tuple(choosers),
            "joined": data.get("joined", False),
            "offset": data.get("offset", 0),
            "stdin": data.get("stdin"),
        },
        holes_split=data.get("holes-split", True),
    )


def load_table(text: str, where: str = "rules/launchers.toml", *, own: bool = False) -> Table:
    """Read and check a launcher table; LauncherTableError names the entry and the key.
    ``own``: the text is auditor's own file (its parse is kept: auditor.rules_files)."""
    try:
        data = package_toml(text) if own else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LauncherTableError(f"{where}: {exc}") from None
    for key in data:
        if key not in ("style", "launcher", "language"):
            raise LauncherTableError(f"{where}: unknown top-level key {key!r}")
    raw_styles = data.get("style", {})
    if not isinstance(raw_styles, dict):
        raise LauncherTableError(f"{where}: 'style' must be a table of [style.NAME] tables")
    styles = {
        name: _load_style(name, value, f"{where}: [style.{name}]")
        for name, value in raw_styles.items()
    }
    raw = data.get("launcher", [])
    if not isinstance(raw, list):
        raise LauncherTableError(f"{where}: 'launcher' must be an array of [[launcher]] tables")
    launchers: list[Launcher] = []
    seen: dict[str, Any] = {}
    for k, entry in enumerate(raw):
        launcher = _load_launcher(entry, f"{where}: launcher #{k + 1}", styles, seen)
        if launcher.name in seen:
            raise LauncherTableError(f"{where}: launcher #{k + 1}: name {launcher.name!r} twice")
        seen[launcher.name] = entry
        launchers.append(launcher)
    by_name = {launcher.name: launcher for launcher in launchers}
    by_program: dict[str, Launcher] = {}
    builtins: dict[str, Launcher] = {}
    by_module: dict[str, Launcher] = {}
    patterns: list[tuple[re.Pattern[str], Launcher]] = []

    def claim(table: dict[str, Launcher], what: str, name: str, launcher: Launcher) -> None:
        if name in table:
            raise LauncherTableError(
                f"{where}: {what} {name!r} is run by {table[name].name!r} and {launcher.name!r}"
            )
        table[name] = launcher

    for launcher in launchers:
        target = builtins if launcher.builtin else by_program
        for program in launcher.programs:
            claim(target, "program", program, launcher)
        patterns.extend((p, launcher) for p in launcher.program_patterns)
        for module in launcher.modules:
            claim(by_module, "module", module, launcher)
        for sub, target_name in launcher.subcommands.items():
            if not isinstance(target_name, str) or target_name not in by_name:
                raise LauncherTableError(
                    f"{where}: launcher {launcher.name!r}: subcommand {sub!r} names no "
                    f"launcher {target_name!r}"
                )
    languages, shells = _languages(data.get("language", {}), where)
    if languages:  # then every language a launcher names is among them
        for launcher in launchers:
            used = {v for m in launcher.language_values.values() for v in m.values()}
            if launcher.language is not None:
                used.add(launcher.language)
            for language in sorted(used - set(languages)):
                raise LauncherTableError(
                    f"{where}: launcher {launcher.name!r}: language {language!r} has no "
                    f"[language.{language}] table"
                )
    python = by_name.get("python")
    if python is None:
        raise LauncherTableError(f"{where}: no launcher named 'python' (for sys.executable)")
    return Table(
        launchers=tuple(launchers),
        styles=styles,
        by_name=by_name,
        by_program=by_program,
        builtins=builtins,
        by_module=by_module,
        patterns=tuple(patterns),
        python=python,
        languages=languages,
        shells=shells,
    )


@cache
def builtin_table() -> Table:
    """The table of rules/launchers.toml, read once."""
    return load_table(read_rule_file("launchers.toml"), own=True)
