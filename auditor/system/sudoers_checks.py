"""The sudoers checks: what each rule grants, as findings (AUD401 to AUD417).

For each command of each user specification (Cmnd_Alias members expanded, negated commands
skipped) the grant analysis (:mod:`auditor.system.grants`) says what its arguments let the
caller do, given the Defaults that reach it (kept environment variables, NOEXEC). The target
user decides what that means: as root, a root-equivalent grant (run, write) is high; as
another user it is a lateral move (AUD417), unless that user reaches root through rules of
the same file or a group such as docker (AUD415).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditor.findings import Finding
from auditor.system.checks_common import make_finding, unique_findings
from auditor.system.data import matches, sudoers_list, system_rules
from auditor.system.grants import (
    WHAT,
    Context,
    Grant,
    Program,
    analyze,
    describe,
    find_program,
    is_sensitive,
    sensitive_paths,
    simple_commands,
    strongest,
)
from auditor.system.replaceable import replaceable
from auditor.system.sudoers import Alias, Command, Default, Sudoers, UserSpec
from auditor.system.sudoers_index import SudoersIndex, expand_commands, split_setting
from auditor.system.sudomatch import ArgPattern, glob_regex, has_wildcard, pattern_words

RULE_OF_KIND = {
    "run": "AUD402", "write": "AUD410", "read": "AUD411", "defence": "AUD412",
    "kill": "AUD404", "info": "AUD413", "pager": "AUD414",
}  # fmt: skip
# What a rule reaching these means: root, whoever may run it.
ROOT_EQUIVALENT = frozenset({"AUD401", "AUD402", "AUD405", "AUD410"})
# Problems that only widen what an ordinary command does: the policy's trusted_commands may
# allow them.
TRUSTABLE = frozenset({"AUD406", "AUD413"})
_ROOT_NAMES = frozenset({"root", "#0", "ALL"})
# shown first when a wildcard command path matches many programs
_NOTABLE = ("sh", "bash", "python", "perl", "vi", "less", "find", "tar", "env")


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding-to-be: ``message`` follows the rule's summary in the finding; ``grant``
    is the same as one self-contained line for the audit document's rules table."""

    rule: str
    message: str
    grant: str = ""
    how: str = ""

    @property
    def line(self) -> str:
        return self.grant or self.message


@dataclass(slots=True)
class Evaluated:
    """One command of one rule, analysed as if it ran as root."""

    spec: UserSpec
    cmd: Command
    via: Alias | None
    runas_users: frozenset[str]
    runas_groups: frozenset[str]
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""  # what the command grants, for the audit document's table

    @property
    def as_root(self) -> bool:
        return bool(self.runas_users & _ROOT_NAMES)

    @property
    def root_equivalent(self) -> bool:
        return any(p.rule in ROOT_EQUIVALENT for p in self.problems)


# -------------------------------------------------------------------------- one command


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


def _any_args(cmd: Command) -> str:
    return "any arguments" if cmd.args is None else f"the wildcard in '{cmd.args}'"


def _killer_problem(program: str, args: str | None, where: str) -> Problem | None:
    base = posixpath.basename(program)
    if not matches(base, sudoers_list("killers")):
        return None
    wild = args is None or has_wildcard(args)
    words = _words(args) if args else []
    if base == "kill":
        if wild:
            return Problem(
                "AUD404",
                f"{where}kill with {'any arguments' if args is None else 'a wildcard'} can signal "
                "any process, the user's own included",
            )
        return None
    scoped = any(w.split("=")[0] in sudoers_list("cgroup_scoped") for w in words)
    if base == "pkill" and scoped and not wild:
        return None
    how = "a pattern over whole command lines (-f)" if "-f" in words else "name"
    return Problem(
        "AUD404",
        f"{where}{base} matches processes by {how}: run as root it also kills the user's own "
        "processes; kill by cgroup instead (systemctl stop auditor-sandbox.slice, or "
        "pkill --cgroup)",
    )


def _grant_problems(grants: Sequence[Grant], where: str = "", *, wild: bool) -> list[Problem]:
    problems = []
    for kind, found in strongest(grants).items():
        if kind == "info" and not wild:
            continue  # an exact command shows what it was written to show
        line = describe(found)
        what, _, how = line.partition(": ")
        # the rule's summary already says "run any program as root" for run, write, read
        message = how if what == WHAT[kind] and kind in ("run", "write", "read") else line
        problems.append(Problem(RULE_OF_KIND[kind], f"{where}{message}", f"{where}{line}", how))
    return problems


def _sudoedit_problems(cmd: Command) -> list[Problem]:
    pattern = cmd.arg_pattern
    if pattern.text is None:
        return [Problem("AUD410", "sudoedit without a file list edits any file (/etc/sudoers)")]
    paths = pattern_words(pattern.text)
    for path in paths:
        if has_wildcard(path):
            regex = glob_regex(path, pathname=True)
            hit = next(
                (
                    s.replace("*", "x")
                    for s in sensitive_paths()
                    if regex.fullmatch(s.replace("*", "x"))
                ),
                None,
            )
            if hit is not None:
                return [
                    Problem("AUD410", f"sudoedit edits any file matching '{path}' (e.g. {hit})")
                ]
        elif is_sensitive(path):
            return [Problem("AUD410", f"sudoedit edits {path}, a file that decides what root runs")]
    if pattern.wild:
        return [Problem("AUD406", f"sudoedit edits any file matching '{pattern.text}'")]
    return []


def _path_problems(program: str) -> list[Problem]:
    if has_wildcard(program):
        return [Problem("AUD405", f"the command path '{program}' has a wildcard")]
    reason = replaceable(program)
    if reason is not None:
        return [
            Problem(
                "AUD405",
                f"the command path '{program}' can be replaced by a non-root user: {reason}",
            )
        ]
    return []


def command_problems(cmd: Command, context: Context | None = None) -> list[Problem]:
    """What one (non-negated) sudoers command grants beyond itself, as if run as root."""
    program = cmd.program
    if program == "ALL":
        problems = [Problem("AUD401", "ALL lets the user run any command as root")]
    elif program == "sudoedit":
        problems = _sudoedit_problems(cmd)
    elif program.endswith("/"):
        problems = [
            Problem("AUD402", f"the folder '{program}' allows every program in it, shells included")
        ]
    else:
        problems = _program_problems(cmd, context or Context())
    if "SETENV" in cmd.tags and program not in ("sudoedit", "ALL"):
        problems.append(
            Problem("AUD409", "SETENV lets the caller set LD_PRELOAD and the like for this command")
        )
    if cmd.nopasswd and any(p.rule in ROOT_EQUIVALENT for p in problems):
        shown = cmd.text or program
        problems.append(
            Problem("AUD403", f"NOPASSWD on '{shown}': no password is asked before this root shell")
        )
    return problems


def _program_problems(cmd: Command, context: Context) -> list[Problem]:
    program = cmd.program
    base = posixpath.basename(program)
    pattern = cmd.arg_pattern
    entries = find_program(program)
    analysis = analyze(program, pattern, context)
    problems = _path_problems(program)
    problems.extend(
        _wildcard_path(program, entries, _grant_problems(analysis.grants, wild=pattern.wild))
    )
    words = _words(cmd.args) if cmd.args else []
    if entries and "sh" in (entries[0].name, entries[0].like) and words[:1] == ["-c"] and words[1:]:
        problems.extend(_shell_script(base, words[1], pattern, context, problems))
    elif entries and not any(p.rule == "AUD402" for p in problems):
        problems.extend(_replaceable_scripts(base, entries[0], words))
    killer = _killer_problem(program, cmd.args, "")
    if killer and not any(p.rule == "AUD404" for p in problems):
        problems.append(killer)
    if not problems and pattern.wild and not analysis.harmless and not killer:
        if analysis.known:
            why = "the grant table knows no way beyond the command with them; review"
        else:
            why = "a program the grant table does not know; review what they allow"
        problems.append(Problem("AUD406", f"{base} with {_any_args(cmd)}: {why}"))
    return problems


def _wildcard_path(program: str, entries: list[Program], problems: list[Problem]) -> list[Problem]:
    """A wildcard in the command's base name (``/usr/bin/*``) matches every program of the
    table it could name: say which."""
    if not has_wildcard(posixpath.basename(program)):
        return problems
    names = {p.name for p in entries}
    first = [n for n in _NOTABLE if n in names]
    shown = ", ".join((first or sorted(names))[:4]) + (", ..." if len(names) > 4 else "")
    return [
        dataclasses.replace(
            p,
            message=f"'{program}' matches {shown}: {p.message}",
            grant=f"'{program}' matches {shown}: {p.line}",
        )
        for p in problems
    ]


def _shell_script(
    base: str, script: str, pattern: ArgPattern, context: Context, found: list[Problem]
) -> list[Problem]:
    """``sh -c SCRIPT``: the shell is not needed (AUD407), and what the script does as
    written counts (a killer by pattern, a pager); a wildcard in it is a root shell already."""
    problems = []
    if not any(p.rule == "AUD402" for p in found):
        problems.append(
            Problem("AUD407", f"'{script}' is run through {base} -c; allow the program itself")
        )
    where = f"inside {base} -c: "
    for inner, inner_args in simple_commands(script):
        killer = _killer_problem(inner, inner_args, where)
        if killer:
            problems.append(killer)
        if not pattern.wild:
            grants = analyze(inner, ArgPattern(inner_args or ""), context).grants
            problems.extend(_grant_problems(grants, where, wild=False))
    return problems


def _replaceable_scripts(base: str, entry: Program, words: list[str]) -> list[Problem]:
    """The scripts a shell or interpreter runs, when someone other than root can replace
    them (an exact path under /home, or owned by another user on this machine)."""
    if not any(t.place in ("script", "code") for t in entry.techniques):
        return []
    problems = []
    for word in words:
        if word.startswith(("/", "~", "./")) and not has_wildcard(word):
            reason = replaceable(word)
            if reason is not None:
                message = f"{base} runs '{word}', which a non-root user can replace: {reason}"
                problems.append(Problem("AUD405", message))
    return problems


# ------------------------------------------------------------------------------ the file


def _root_groups() -> frozenset[str]:
    return frozenset(sudoers_list("root_groups"))


class RuleEvaluation:
    """Every command of every rule of a sudoers set, evaluated; then who reaches root."""

    def __init__(self, sudoers: Sudoers) -> None:
        self.index = SudoersIndex(sudoers)
        self.items: list[Evaluated] = []
        for spec in sudoers.specs:
            for cmd in spec.commands:
                for expanded, via in expand_commands(cmd, sudoers.aliases):
                    if expanded.negated:
                        continue
                    users, groups = self.index.runas(expanded)
                    item = Evaluated(spec, expanded, via, users, groups)
                    item.problems = command_problems(expanded, self.index.context(spec, expanded))
                    self.items.append(item)
        self.reach = self._reach()

    def _reach(self) -> dict[str, Evaluated]:
        """User name (or ALL) -> a rule through which that user reaches root: a
        root-equivalent rule for root, or for a target who reaches root in turn."""
        found: dict[str, Evaluated] = {}
        changed = True
        while changed:
            changed = False
            for item in self.items:
                if not item.root_equivalent:
                    continue
                if not item.as_root and self.path_to_root(item, found) is None:
                    continue
                for user in self.index.users(item.spec):
                    if user not in found:
                        found[user] = item
                        changed = True
        return found

    def path_to_root(
        self, item: Evaluated, found: dict[str, Evaluated] | None = None
    ) -> str | None:
        """How a command for a target other than root reaches root anyway, or None."""
        groups = item.runas_groups & _root_groups()
        if groups:
            group = sorted(groups)[0]
            why = _GROUP_WHY.get(group, "a root-equivalent group")
            return f"runs with group {group}, which is root ({why})"
        table = self.reach if found is None else found
        for user in sorted(item.runas_users):
            via = table.get(user) or table.get("ALL")
            if via is not None and via is not item:
                return (
                    f"runs as {user}, who may run '{via.cmd.text or via.cmd.program}' as root "
                    f"({via.spec.path}:{via.spec.line})"
                )
        return None

    def finalize(self) -> list[Evaluated]:
        """Problems for targets other than root: root-equivalent grants become AUD415
        (the target reaches root) or AUD417 (a lateral move), reading any file as the
        target AUD417; turning defences off, killing and information need root, so for
        another user they are not grants (and are dropped)."""
        for item in self.items:
            if item.as_root:
                continue
            kept = [p for p in item.problems if p.rule == "AUD409"]
            lateral = [p for p in item.problems if p.rule in ROOT_EQUIVALENT]
            reads = [p for p in item.problems if p.rule == "AUD411"]
            if not lateral and reads:
                target = ", ".join(sorted(item.runas_users)) or "the caller"
                kept.insert(0, Problem("AUD417", f"reads any file as {target}: {reads[0].how}"))
            if lateral:
                how = self.path_to_root(item)
                target = ", ".join(sorted(item.runas_users)) or "the caller"
                groups = ", ".join(sorted(item.runas_groups))
                shown = f"{target} (group {groups})" if groups else target
                grant = _as_user(lateral[0], shown)
                if how is not None:
                    kept.insert(0, Problem("AUD415", f"{how}; the rule {grant}"))
                    if item.cmd.nopasswd:
                        shown = item.cmd.text or item.cmd.program
                        kept.append(
                            Problem(
                                "AUD403", f"NOPASSWD on '{shown}': no password on the way to root"
                            )
                        )
                else:
                    kept.insert(0, Problem("AUD417", grant))
            item.problems = kept
        return self.items


def _as_user(problem: Problem, target: str) -> str:
    """A root-equivalent problem restated for another target user."""
    verb = {"AUD410": "writes any file"}.get(problem.rule, "runs any program")
    if problem.rule == "AUD405":
        return f"runs, as {target}, a file others can replace: {problem.message}"
    if problem.rule == "AUD401":
        return f"runs any program as {target} (ALL)"
    return f"{verb} as {target}: {problem.how or problem.message}"


_GROUP_WHY = {
    "docker": "the docker socket runs containers as root",
    "lxd": "lxd runs privileged containers",
    "disk": "raw access to the disks",
    "root": "root's group owns system files",
}


# ------------------------------------------------------------------------------ Defaults


def defaults_problems(default: Default) -> list[Problem]:
    problems: list[Problem] = []
    dangerous = sudoers_list("dangerous_env")
    for setting in default.settings:
        name, op, value = split_setting(setting)
        if name == "!authenticate":
            problems.append(Problem("AUD408", "no password is asked for any rule it covers"))
        elif name == "!env_reset":
            problems.append(
                Problem(
                    "AUD409",
                    "most of the caller's environment reaches root commands (PAGER, "
                    "GIT_SSH_COMMAND, NODE_OPTIONS...; sudo still drops LD_* and PYTHONPATH)",
                )
            )
        elif name == "setenv":
            problems.append(
                Problem("AUD409", "setenv: the caller may set any variable, LD_PRELOAD included")
            )
        elif name == "env_keep" and op != "-=":
            kept = [
                v for v in value.strip().strip('"').split() if matches(v.split("=")[0], dangerous)
            ]
            if kept:
                problems.append(
                    Problem(
                        "AUD409",
                        f"env_keep keeps {', '.join(kept)}, which chooses code a root command "
                        "loads or runs",
                    )
                )
        elif name == "!secure_path":
            problems.append(
                Problem("AUD416", "!secure_path: root commands search the caller's PATH")
            )
        elif name == "secure_path":
            for folder in value.strip().strip('"').split(":"):
                reason = (
                    replaceable(folder) if folder else "an empty entry means the working directory"
                )
                if reason is not None:
                    problems.append(
                        Problem(
                            "AUD416",
                            f"secure_path lists {folder or '(empty)'}: {reason}; a program "
                            "root looks up by name can be the caller's",
                        )
                    )
    return problems


def _secure_path_missing(sudoers: Sudoers) -> bool:
    return not any(
        not d.scope and any(split_setting(s)[0] == "secure_path" for s in d.settings)
        for d in sudoers.defaults
    )


# -------------------------------------------------------------------------------- output


def _spec_function(index: SudoersIndex, spec: UserSpec) -> str:
    """``sudoers: user OPS (alice, bob) on WEB (web1, web2)``: the users and hosts as
    written, with their aliases expanded."""
    users = ", ".join(spec.users)
    expanded = sorted(index.users(spec))
    if sorted(spec.users) != expanded:
        users += f" ({', '.join(expanded)})"
    text = f"sudoers: user {users}"
    if list(spec.hosts) != ["ALL"]:
        hosts = sorted(index.expand(spec.hosts, "Host_Alias"))
        written = ", ".join(spec.hosts)
        text += f" on {written}" + (f" ({', '.join(hosts)})" if hosts != sorted(spec.hosts) else "")
    return text


def _trusted(cmd: Command, patterns: Sequence[str]) -> str | None:
    """The policy's ``trusted_commands`` pattern that covers a command's text (the program's
    base name and its arguments, as the scan matches argv), if any."""
    text = posixpath.basename(cmd.program) + (f" {cmd.args}" if cmd.args else "")
    for pattern in patterns:
        if fnmatch.fnmatchcase(text, pattern):
            return pattern
    return None


def check_sudoers(
    sudoers: Sudoers, trusted_commands: Sequence[str] = (), *, main: bool = False
) -> list[Finding]:
    """Findings for every rule and Defaults entry. For a command the policy's
    ``trusted_commands`` cover, the findings that only say it takes any arguments or shows
    information (AUD406, AUD413) are reported as allowed, with ``trusted_by`` set, as the
    scan does for a trusted command; the others stay, and nothing is trusted on a command
    that reaches root. ``main``: the set is a main sudoers file (not a sudoers.d
    snippet, which inherits the main file's Defaults): it must set secure_path."""
    evaluation = RuleEvaluation(sudoers)
    findings: list[Finding] = []
    for item in evaluation.finalize():
        spec, cmd, via = item.spec, item.cmd, item.via
        where = f" (via Cmnd_Alias {via.name}, {via.path}:{via.line})" if via else ""
        trusted = None
        if not any(p.rule in ROOT_EQUIVALENT or p.rule == "AUD415" for p in item.problems):
            trusted = _trusted(cmd, trusted_commands)
        for problem in item.problems:
            info = system_rules()[problem.rule]
            finding = make_finding(
                problem.rule,
                spec.path,
                spec.line,
                kind="sudoers",
                sink=cmd.text or cmd.program,
                function=_spec_function(evaluation.index, spec),
                snippet=spec.text,
                message=f"{info.summary}: {problem.message}{where}. Fix: {info.fix}",
                identity=f"{spec.text}|{cmd.text}|{problem.message}",
                end=(spec.end_line, spec.end_column),
            )
            if trusted is not None and problem.rule in TRUSTABLE:
                finding = dataclasses.replace(
                    finding,
                    trusted_by=f"command:{trusted}",
                    risk="low",
                    action="allow",
                    message=f"{info.summary}: allowed, trusted by the policy (command:{trusted})",
                )
            findings.append(finding)
    for default in sudoers.defaults:
        for problem in defaults_problems(default):
            findings.append(_defaults_finding(default, problem))
    if main and sudoers.specs and _secure_path_missing(sudoers):
        first = sudoers.specs[0]
        problem = Problem(
            "AUD416",
            "no Defaults secure_path: root commands search the caller's PATH for the programs "
            "they run by name",
        )
        info = system_rules()[problem.rule]
        findings.append(
            make_finding(
                problem.rule,
                first.path,
                first.line,
                kind="sudoers",
                sink="Defaults secure_path",
                function="sudoers: Defaults",
                snippet=first.text,
                message=f"{info.summary}: {problem.message}. Fix: {info.fix}",
                identity=f"secure_path|{problem.message}",
                end=(first.end_line, first.end_column),
            )
        )
    return unique_findings(findings)


def _defaults_finding(default: Default, problem: Problem) -> Finding:
    info = system_rules()[problem.rule]
    return make_finding(
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


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One command of one rule, for the audit document's table of what each rule grants."""

    path: str
    line: int
    users: str
    runas: str
    command: str
    hosts: str
    grants: tuple[str, ...]  # one line per problem, or what the command is limited to
    rules: tuple[str, ...]
    nopasswd: bool


def rule_rows(sudoers: Sudoers) -> list[RuleRow]:
    """What every command of every rule grants, findings or not."""
    evaluation = RuleEvaluation(sudoers)
    rows = []
    for item in evaluation.finalize():
        users = ", ".join(sorted(evaluation.index.users(item.spec)))
        runas = ", ".join(sorted(item.runas_users)) or "the caller"
        if item.runas_groups:
            runas += f" : {', '.join(sorted(item.runas_groups))}"
        if item.problems:
            grants = tuple(p.line for p in item.problems if p.rule != "AUD403")
        elif item.cmd.arg_pattern.wild:
            grants = ("any arguments, none known to reach further",)
        else:
            grants = ("exactly this command",)
        hosts = ", ".join(sorted(evaluation.index.expand(item.spec.hosts, "Host_Alias")))
        rows.append(
            RuleRow(
                path=item.spec.path,
                line=item.spec.line,
                users=users,
                runas=runas,
                command=item.cmd.text or item.cmd.program,
                hosts=hosts,
                grants=grants or ("exactly this command",),
                rules=tuple(p.rule for p in item.problems),
                nopasswd=item.cmd.nopasswd,
            )
        )
    return rows
