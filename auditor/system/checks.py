"""The sudoers and systemd checks: parsed files in, :class:`~auditor.findings.Finding` out.

Rule ids, risks, actions and texts come from ``rules/system.toml``; so do the program lists
and the systemd directive tables. Findings use the scan's JSON contract: ``kind`` is
``sudoers`` or ``systemd``, ``sink`` the command or directive, ``payload`` ``constant``,
``shell`` null, and the fingerprint hashes the rule, the path and the rule's text (not its
line), so it survives edits elsewhere in the file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditor.findings import Finding
from auditor.system.data import directive_sections, matches, sudoers_list, system_data, system_rules
from auditor.system.sudoers import Alias, Command, Default, Sudoers, UserSpec
from auditor.system.units import Unit

_WILDCARD_RE = re.compile(r"[*?\[]")
# add(rule, path, line, sink, section, snippet, message)
_Add = Callable[[str, str, int, str, str, str, str], None]


def fingerprint(rule: str, path: str, text: str) -> str:
    return hashlib.sha256(f"{rule}|{path}|{text}".encode()).hexdigest()[:20]


def make_finding(
    rule: str,
    path: str,
    line: int,
    *,
    kind: str,
    sink: str,
    function: str,
    snippet: str,
    message: str,
    identity: str,
    end: tuple[int, int] | None = None,
) -> Finding:
    """``end``: the (line, column) where the rule ends, exclusive, when it spans lines."""
    info = system_rules()[rule]
    return Finding(
        rule=rule,
        path=path,
        line=line,
        column=1,
        end_line=end[0] if end and end[0] > line else line,
        end_column=end[1] if end and end[0] > line else len(snippet) + 1,
        sink=sink,
        kind=kind,
        shell=None,
        payload="constant",
        isolated=False,
        trusted_by=None,
        risk=info.risk,
        action=info.action,
        function=function,
        snippet=snippet,
        message=message,
        fingerprint=fingerprint(rule, path, identity),
        category=info.category,
        cwe=info.cwe,
    )


# ---------------------------------------------------------------------------------- sudoers


@dataclass(frozen=True, slots=True)
class Problem:
    rule: str
    message: str


def _has_wildcard(text: str | None) -> bool:
    return text is not None and bool(_WILDCARD_RE.search(text))


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def _any_args(cmd: Command) -> str:
    return "any arguments" if cmd.args is None else f"the wildcard in '{cmd.args}'"


def _writable(path: str) -> bool:
    if not path.startswith("/") and not path.startswith("~"):
        return True
    return any(path.startswith(p) for p in sudoers_list("writable_prefixes"))


def _killer_problem(program: str, args: str | None, where: str) -> Problem | None:
    base = posixpath.basename(program)
    if not matches(base, sudoers_list("killers")):
        return None
    words = _words(args) if args else []
    if base == "kill":
        if args is None or _has_wildcard(args):
            return Problem(
                "AUD404",
                f"{where}kill with {'any arguments' if args is None else 'a wildcard'} can signal "
                "any process, the user's own included",
            )
        return None
    scoped = any(w.split("=")[0] in sudoers_list("cgroup_scoped") for w in words)
    if base == "pkill" and scoped and not _has_wildcard(args):
        return None
    how = "a pattern over whole command lines (-f)" if "-f" in words else "name"
    return Problem(
        "AUD404",
        f"{where}{base} matches processes by {how}: run as root it also kills the user's own "
        "processes; kill by cgroup instead (systemctl stop auditor-sandbox.slice, or "
        "pkill --cgroup)",
    )


def _inner_commands(script: str) -> list[tuple[str, str | None]]:
    """The simple commands of a ``sh -c`` script: (program, args)."""
    out: list[tuple[str, str | None]] = []
    for part in re.split(r"\|\||&&|[;|&]", script):
        words = part.strip().split(None, 1)
        if words:
            out.append((words[0], words[1] if len(words) > 1 else None))
    return out


def command_problems(cmd: Command) -> list[Problem]:
    """What is wrong with one (non-negated) sudoers command."""
    problems: list[Problem] = []
    program = cmd.program
    base = posixpath.basename(program)
    root_shell = False
    if program == "ALL":
        problems.append(Problem("AUD401", "ALL lets the user run any command as root"))
        root_shell = True
    elif program == "sudoedit":
        return problems
    elif program.endswith("/"):
        # a folder: every program in it, shells included, with any arguments
        problems.append(
            Problem("AUD402", f"the folder '{program}' allows every program in it, shells included")
        )
        root_shell = True
    else:
        if _has_wildcard(program) or _writable(program):
            why = (
                "has a wildcard" if _has_wildcard(program) else "can be replaced by a non-root user"
            )
            problems.append(Problem("AUD405", f"the command path '{program}' {why}"))
        shell_like = (
            matches(base, sudoers_list("shells"))
            or matches(base, sudoers_list("interpreters"))
            or matches(base, sudoers_list("launchers"))
        )
        exec_options: dict[str, list[str]] = system_data()["sudoers"]["exec_options"]
        if matches(base, sudoers_list("shell_escapes")):
            problems.append(
                Problem(
                    "AUD402",
                    f"{base} has a shell escape (e.g. '!sh'): a root shell even with exact "
                    "arguments; use sudoedit or a read-only command",
                )
            )
            root_shell = True
        elif shell_like and (cmd.args is None or _has_wildcard(cmd.args)):
            problems.append(
                Problem("AUD402", f"{base} with {_any_args(cmd)} runs any command as root")
            )
            root_shell = True
        elif base in exec_options:
            words = _words(cmd.args) if cmd.args else []
            risky = [w for w in words if w.split("=")[0] in exec_options[base]]
            if cmd.args is None or _has_wildcard(cmd.args) or risky:
                how = f"the option {risky[0]}" if risky else _any_args(cmd)
                problems.append(Problem("AUD402", f"{base} with {how} can run any command as root"))
                root_shell = True
        words = _words(cmd.args) if cmd.args else []
        if matches(base, sudoers_list("shells")) and words[:1] == ["-c"] and len(words) > 1:
            if not root_shell:
                problems.append(
                    Problem(
                        "AUD407", f"'{words[1]}' is run through {base} -c; allow the program itself"
                    )
                )
            for inner, inner_args in _inner_commands(words[1]):
                found = _killer_problem(inner, inner_args, f"inside {base} -c: ")
                if found:
                    problems.append(found)
        elif not root_shell and shell_like:
            for word in words:
                if word.startswith(("/", "~", "./")) and _writable(word):
                    problems.append(
                        Problem(
                            "AUD405", f"{base} runs '{word}', which a non-root user can replace"
                        )
                    )
        killer = _killer_problem(program, cmd.args, "")
        if killer:
            problems.append(killer)
        if not problems and (cmd.args is None or _has_wildcard(cmd.args)):
            problems.append(Problem("AUD406", f"{base} with {_any_args(cmd)}"))
    if "SETENV" in cmd.tags and program != "sudoedit":
        problems.append(
            Problem("AUD409", "SETENV lets the caller set LD_PRELOAD and the like for this command")
        )
    if root_shell and cmd.nopasswd:
        shown = cmd.text or program
        problems.append(
            Problem("AUD403", f"NOPASSWD on '{shown}': no password is asked before this root shell")
        )
    return problems


def _expand(
    cmd: Command, aliases: dict[str, Alias], seen: frozenset[str] = frozenset()
) -> list[tuple[Command, Alias | None]]:
    alias = aliases.get(cmd.program)
    if alias is None or alias.kind not in ("Cmnd_Alias", "Cmd_Alias") or cmd.program in seen:
        return [(cmd, None)]
    out: list[tuple[Command, Alias | None]] = []
    for member in alias.commands:
        inherited = Command(
            member.program,
            member.args,
            member.negated != cmd.negated,
            cmd.tags,
            cmd.runas,
            member.text,
        )
        for expanded, _via in _expand(inherited, aliases, seen | {cmd.program}):
            out.append((expanded, alias))
    return out


def _defaults_problems(default: Default) -> list[Problem]:
    problems: list[Problem] = []
    dangerous = sudoers_list("dangerous_env")
    for setting in default.settings:
        name, _op, value = _split_setting(setting)
        if name == "!authenticate":
            problems.append(Problem("AUD408", "no password is asked for any rule it covers"))
        elif name == "!env_reset":
            problems.append(
                Problem("AUD409", "the caller's whole environment reaches root commands")
            )
        elif name == "env_keep" and _op != "-=":
            kept = [v for v in value.strip('"').split() if matches(v.split("=")[0], dangerous)]
            if kept:
                problems.append(
                    Problem(
                        "AUD409",
                        f"env_keep keeps {', '.join(kept)}, which chooses code a root "
                        "command loads",
                    )
                )
    return problems


def _split_setting(setting: str) -> tuple[str, str, str]:
    match = re.match(r"^(\S+?)\s*([+-]?=)\s*(.*)$", setting)
    if match is None:
        return setting.strip(), "", ""
    return match.group(1), match.group(2), match.group(3)


def _spec_function(spec: UserSpec) -> str:
    return f"sudoers: user {', '.join(spec.users)}"


def _trusted(cmd: Command, patterns: Sequence[str]) -> str | None:
    """The policy's ``trusted_commands`` pattern that covers a command's text (the program's
    base name and its arguments, as the scan matches argv), if any."""
    text = posixpath.basename(cmd.program) + (f" {cmd.args}" if cmd.args else "")
    for pattern in patterns:
        if fnmatch.fnmatchcase(text, pattern):
            return pattern
    return None


def check_sudoers(sudoers: Sudoers, trusted_commands: Sequence[str] = ()) -> list[Finding]:
    """Findings for every rule and Defaults entry. A command that only allows any arguments
    (AUD406, nothing worse) and that the policy's ``trusted_commands`` cover is reported as
    allowed, with ``trusted_by`` set, as the scan does for a trusted command."""
    findings: list[Finding] = []
    for spec in sudoers.specs:
        for cmd in spec.commands:
            for expanded, via in _expand(cmd, sudoers.aliases):
                if expanded.negated:
                    continue
                where = f" (via Cmnd_Alias {via.name}, {via.path}:{via.line})" if via else ""
                problems = command_problems(expanded)
                trusted = None
                if [p.rule for p in problems] == ["AUD406"]:
                    trusted = _trusted(expanded, trusted_commands)
                for problem in problems:
                    info = system_rules()[problem.rule]
                    finding = make_finding(
                        problem.rule,
                        spec.path,
                        spec.line,
                        kind="sudoers",
                        sink=expanded.text or expanded.program,
                        function=_spec_function(spec),
                        snippet=spec.text,
                        message=f"{info.summary}: {problem.message}{where}. Fix: {info.fix}",
                        identity=f"{spec.text}|{expanded.text}|{problem.message}",
                        end=(spec.end_line, spec.end_column),
                    )
                    if trusted is not None:
                        finding = dataclasses.replace(
                            finding,
                            trusted_by=f"command:{trusted}",
                            risk="low",
                            action="allow",
                            message=f"{info.summary}: allowed, trusted by the policy "
                            f"(command:{trusted})",
                        )
                    findings.append(finding)
    for default in sudoers.defaults:
        for problem in _defaults_problems(default):
            info = system_rules()[problem.rule]
            findings.append(
                make_finding(
                    problem.rule,
                    default.path,
                    default.line,
                    kind="sudoers",
                    sink=f"Defaults{default.scope}",
                    function=f"sudoers: Defaults{default.scope}",
                    snippet=default.text,
                    message=f"{info.summary}: {problem.message}. Fix: {info.fix}",
                    identity=f"{default.text}|{problem.message}",
                    end=(default.end_line, default.end_column),
                )
            )
    return unique_findings(findings)


def unique_findings(findings: list[Finding]) -> list[Finding]:
    """Each fingerprint once, in order."""
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out


# ---------------------------------------------------------------------------------- systemd


def _is_infinity(value: str) -> bool:
    return value.strip().lower() in ("infinity", "")


def _sandbox_unit(unit: Unit, sandbox_names: Sequence[str] | None) -> bool:
    data = system_data()["systemd"]
    if unit.type == "slice":
        return True
    if unit.type not in ("service", "scope"):
        return False
    names = sandbox_names if sandbox_names is not None else data["sandbox_names"]
    return matches(unit.name, [str(p) for p in names])


def check_unit(unit: Unit, sandbox_names: Sequence[str] | None = None) -> list[Finding]:
    """Findings for one unit with its drop-ins. ``sandbox_names``: globs of the services
    and scopes that must bound memory, swap and CPU (default from rules/system.toml;
    every slice must)."""
    data = system_data()["systemd"]
    findings: list[Finding] = []
    where = directive_sections()
    allowed_sections = data["unit_types"].get(unit.type)
    deprecated: dict[str, dict[str, str]] = data["deprecated"]
    lookalikes: dict[str, str] = data["lookalikes"]

    def add(
        rule: str, path: str, line: int, sink: str, section: str, snippet: str, message: str
    ) -> None:
        info = system_rules()[rule]
        findings.append(
            make_finding(
                rule,
                path,
                line,
                kind="systemd",
                sink=sink,
                function=f"{unit.name} [{section}]",
                snippet=snippet,
                message=f"{info.summary}: {message}. Fix: {info.fix}",
                identity=f"{unit.name}|{section}|{snippet}|{message}",
            )
        )

    ignored_sections: set[str] = set()
    for section in unit.sections:
        runtime_only = section.name in data["runtime_only_sections"]
        wrong_type = allowed_sections is not None and section.name not in allowed_sections
        if section.name.startswith("X-") or not (runtime_only or wrong_type):
            continue
        ignored_sections.add(section.name)
        if runtime_only:
            why = (
                f"a unit file cannot have a [{section.name}] section: scopes exist only at "
                "run time (systemd-run --scope); put the limits in a slice"
            )
        else:
            why = f"a .{unit.type} unit has no [{section.name}] section"
        add(
            "AUD505",
            section.path,
            section.line,
            f"[{section.name}]",
            section.name,
            f"[{section.name}]",
            why,
        )

    for d in unit.directives:
        snippet = f"{d.key}={d.value}"
        if d.key.startswith("X-") or d.section.startswith("X-"):
            continue
        entry = deprecated.get(f"{d.section}.{d.key}") or deprecated.get(d.key)
        if entry is not None:
            target = entry.get("section", d.section)
            move = f" in [{target}]" if target != d.section else ""
            add(
                "AUD503",
                d.path,
                d.line,
                f"{d.key}=",
                d.section,
                snippet,
                f"{d.key}= is deprecated ({entry['note']}); use {entry['use']}={move}",
            )
            continue
        if d.key in lookalikes:
            add(
                "AUD504",
                d.path,
                d.line,
                f"{d.key}=",
                d.section,
                snippet,
                f"{d.key}= is not a systemd directive; did you mean {lookalikes[d.key]}=?",
            )
            continue
        sections = where.get(d.key)
        if sections is None or d.section in sections or d.section in ignored_sections:
            continue
        if allowed_sections is not None and d.section not in allowed_sections:
            continue
        targets = sorted(sections & set(allowed_sections or sections)) or sorted(sections)
        add(
            "AUD504",
            d.path,
            d.line,
            f"{d.key}=",
            d.section,
            snippet,
            f"{d.key}= is read only in [{'], ['.join(targets)}], not in [{d.section}]",
        )

    if unit.type == "service" and unit.base is not None:
        _restart_findings(unit, add)
    if _sandbox_unit(unit, sandbox_names) and unit.base is not None:
        _limit_findings(unit, add)
    return findings


def _restart_findings(unit: Unit, add: _Add) -> None:
    kind = unit.get("Service", "Type")
    if kind is not None and kind.value == "oneshot":
        return
    restart = unit.get("Service", "Restart")
    if restart is None or restart.value == "no":
        path, line = (restart.path, restart.line) if restart else unit.section_line("Service")
        snippet = f"Restart={restart.value}" if restart else "[Service]"
        add(
            "AUD501",
            path,
            line,
            "Restart=",
            "Service",
            snippet,
            f"{unit.name} is not restarted when it fails; add Restart=on-failure and RestartSec=5",
        )
        return
    missing = [
        name
        for section, name in (
            ("Service", "RestartSec"),
            ("Unit", "StartLimitIntervalSec"),
            ("Unit", "StartLimitBurst"),
        )
        if unit.get(section, name) is None
        and not (name == "StartLimitIntervalSec" and unit.get("Unit", "StartLimitInterval"))
    ]
    if missing:
        add(
            "AUD502",
            restart.path,
            restart.line,
            "Restart=",
            "Service",
            f"Restart={restart.value}",
            f"{unit.name} restarts without {', '.join(m + '=' for m in missing)}",
        )


def _limit_findings(unit: Unit, add: _Add) -> None:
    data = system_data()["systemd"]
    section = {"slice": "Slice", "scope": "Scope"}.get(unit.type, "Service")
    if unit.type == "service" and unit.get("Service", "Slice") is not None:
        return  # its limits come from the slice it is put in
    path, line = unit.section_line(section)
    for name in data["sandbox_required"]:
        current = unit.get(section, name)
        if current is None or _is_infinity(current.value):
            shown = f"{name}={current.value}" if current else f"[{section}]"
            where_path, where_line = (current.path, current.line) if current else (path, line)
            add(
                "AUD506",
                where_path,
                where_line,
                f"{name}=",
                section,
                shown,
                f"sandbox unit {unit.name} has no {name}= limit",
            )
    tasks = unit.get(section, "TasksMax")
    if tasks is not None and tasks.value.strip().lower() == "infinity":
        add(
            "AUD507",
            tasks.path,
            tasks.line,
            "TasksMax=",
            section,
            f"TasksMax={tasks.value}",
            f"sandbox unit {unit.name} sets TasksMax=infinity",
        )


def apply_overrides(findings: list[Finding], rules: dict[str, dict[str, str]]) -> list[Finding]:
    """``[tool.auditor.system.rules.AUDnnn]`` risk/action overrides (findings the policy
    already allows keep their low/allow)."""
    out = []
    for f in findings:
        override = rules.get(f.rule)
        if override and f.trusted_by is None:
            f = dataclasses.replace(
                f, risk=override.get("risk", f.risk), action=override.get("action", f.action)
            )
        out.append(f)
    return out
