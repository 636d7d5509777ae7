"""Turn what the analysis knows of a call site into a policy class, rule, risk and action."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from auditor.globs import path_matches
from auditor.judge.catalogue import Sink, builtin_sinks
from auditor.judge.launcher_table import builtin_table
from auditor.judge.policy import ClassRule, Policy, default_summary
from auditor.judge.shellwords import argv_matches, shell_command_matches
from auditor.rules_files import rule_table

_MESSAGES = {
    "dynamic-shell": "runs a shell command assembled at run time; isolate it in the sandbox",
    "dynamic-program": "runs a program chosen at run time; isolate it in the sandbox",
    "dynamic-code": "runs {code} generated at run time; isolate it in the sandbox",
    "dynamic-import": "imports a module chosen at run time; review where the name comes from",
    "dynamic-call": "calls a function looked up by a name chosen at run time (it may be any "
    "function in reach, a sink included); review where the name comes from",
    "constant-shell": "runs a constant command through a shell; convert it to an argv list "
    "(or isolate it where it needs shell syntax)",
    "shell-wrapper": "passes shell= to a callee outside the catalogue (a possible wrapper); "
    "review it, or declare it as a sink in the policy",
    "fixed-program": "runs a fixed program with arguments built at run time (no shell)",
    "constant-command": "runs a constant command without a shell",
    "constant-code": "runs constant {code}",
}
# The summaries of the code classes said of one site, in the words of its language (the
# class summaries of rules/policy.toml name none: a class holds Python, Perl, Ruby... code)
_CODE_SUMMARIES = {
    "critical-code": "{code} from remote input or model output",
    "dynamic-code": "{code} generated at run time",
    "constant-code": "constant {code}",
}


def code_words(language: str | None) -> str:
    """What a message calls code in ``language`` (a language of rules/launchers.toml):
    "Perl code"; "code" when the language is not known."""
    if language is None:
        return "code"
    return f"{builtin_table().language_name(language)} code"


def site_summary(rule: ClassRule, language: str | None) -> str:
    """The summary of a site's class inside a sentence: the class summary, lower case, or for
    code in a known language the words that name it ("Perl code generated at run time"),
    unless the policy gives the class its own summary."""
    template = _CODE_SUMMARIES.get(rule.name)
    if template is None or language is None or rule.summary != default_summary(rule.name):
        return rule.summary.lower()
    return template.format(code=code_words(language))


def _message(category: str, language: str | None) -> str:
    return _MESSAGES[category].format(code=code_words(language))


@dataclass(frozen=True, slots=True)
class Verdict:
    category: str
    rule: str
    risk: str
    action: str
    isolated: bool
    trusted_by: str | None
    message: str
    # what the code the site runs is written in (``Finding.language``), None for a command
    language: str | None = None


def category_of(
    sink: Sink | None, shell: bool | None, payload: str, runs: str | None = None
) -> str:
    """``runs``: what an argv runs once its launchers are peeled off ("shell", "code" or
    "program"; auditor.scan.runs), None when its head is no launcher."""
    if sink is None:
        return "shell-wrapper"
    if sink.form == "module":
        return "dynamic-import"
    if sink.form == "dispatch":
        return "dynamic-call"
    if sink.kind == "code":
        if payload == "fixed-program":  # a constant module run with arguments set at run time
            return "fixed-program"
        return "dynamic-code" if payload == "dynamic" else "constant-code"
    if runs in ("shell", "code") and payload == "fixed-program":
        return "fixed-program"  # a constant command or code, a launcher's value dynamic
    if runs == "code":
        return "dynamic-code" if payload == "dynamic" else "constant-code"
    if runs == "program" and payload == "dynamic":
        # even through a shell: what runs is chosen at run time (executable=, env PATH=)
        return "dynamic-program"
    if shell is not False or runs == "shell":
        return "dynamic-shell" if payload == "dynamic" else "constant-shell"
    return {
        "dynamic": "dynamic-program",
        "fixed-program": "fixed-program",
        "constant": "constant-command",
    }[payload]


def classify(
    policy: Policy,
    sink: Sink | None,
    shell: bool | None,
    payload: str,
    rel_path: str,
    command: str | tuple[str, ...] | None,
    callee: str = "call",
    runs: str | None = None,
    via: tuple[str, ...] = (),
    privileged: bool = False,
    language: str | None = None,
) -> Verdict:
    """``command`` is the constant command of a constant site: the string a shell runs, or
    the argv list run without a shell. A trusted-command pattern matches only a simple
    command (no shell syntax: see auditor.judge.shellwords), word for word. ``runs``,
    ``via`` and ``privileged``: what an argv runs behind the launchers at its head
    (``sudo``, ``bash -c``, ``python -c``: auditor.scan.runs); ``language``: what the code
    they run is written in (``perl`` for ``perl -e CODE``), None when it is not known. The
    code a sink of form "code" runs (eval, exec, runpy) is Python."""
    category = category_of(sink, shell, payload, runs)
    if sink is not None and sink.form == "code":
        language = "python"
    elif sink is None or runs != "code":
        language = None
    rule = policy.rule_for(category)
    risk, action = rule.risk, rule.action
    trusted_by = None
    for pattern in policy.trusted_paths:
        if path_matches(rel_path, pattern):
            trusted_by = f"path:{pattern}"
            break
    if trusted_by is None and command is not None and payload == "constant":
        for pattern in policy.trusted_commands:
            if (
                shell_command_matches(pattern, command)
                if isinstance(command, str)
                else argv_matches(pattern, command)
            ):
                trusted_by = f"command:{pattern}"
                break
    isolated = bool(sink is not None and sink.isolated)
    name = sink.name.removeprefix("builtins.") if sink is not None else callee
    message = f"{called(name)} {_message(category, language)}"
    if shell is None and sink is not None and category.endswith("shell"):
        message += " (shell= could not be determined; assumed true)"
    if via:
        message += f" (through {', '.join(via)})"
    if isolated:
        risk, action = "low", "allow"
        message = f"{called(name)} runs its payload in the sandbox ({site_summary(rule, language)})"
    elif trusted_by is not None:
        risk, action = "low", "allow"
        summary = site_summary(rule, language)
        message = f"{called(name)}: {summary}; allowed, trusted by the policy ({trusted_by})"
    elif privileged and payload != "constant":
        risk, action = _privileged(risk, action)
        message += "; as another user (root by default): nothing built at run time is allowed"
    return Verdict(category, rule.rule, risk, action, isolated, trusted_by, message, language)


_RISKS = ("low", "medium", "high", "critical")


def _privileged(risk: str, action: str) -> tuple[str, str]:
    """A site run through sudo, doas, su... with anything built at run time: at least high,
    and never allowed (review, unless it is already isolated or converted)."""
    if _RISKS.index(risk) < _RISKS.index("high"):
        risk = "high"
    return risk, "review" if action == "allow" else action


# -- what the project-wide stage (auditor.flow) learns of a site ---------------------------

# a dynamic class, fed by an origin the policy ranks critical, becomes its critical class
CRITICAL_OF = {
    "dynamic-shell": "critical-shell",
    "shell-wrapper": "critical-shell",
    "dynamic-program": "critical-program",
    "dynamic-code": "critical-code",
    "dynamic-import": "critical-import",
    "dynamic-call": "critical-call",
    "fixed-program": "critical-arguments",
}
# a dynamic class whose payload turns out constant (every caller passes constants)
_CONSTANT_OF = {
    "dynamic-shell": "constant-shell",
    "dynamic-code": "constant-code",
    "shell-wrapper": "shell-wrapper",
}
_CRITICAL_MESSAGES = {
    "critical-shell": "runs a shell command built from {origin}: whoever controls it runs "
    "commands on {host}; isolate it in the sandbox",
    "critical-program": "runs a program chosen by {origin}; isolate it in the sandbox",
    "critical-code": "runs {code} that comes from {origin}; isolate it in the sandbox",
    "critical-import": "imports a module chosen by {origin}; review where the name comes from",
    "critical-call": "calls a function looked up by a name that comes from {origin}: whoever "
    "controls it calls any function in reach; map allowed names to functions with a table",
    "critical-arguments": "runs a fixed program with arguments from {origin} (an option can "
    "change what it does); isolate it or check every argument",
}
# the CWE of the sinks that deserialise data that can run code (rules/sinks.toml's form
# "data": pickle.loads), reported only when the data comes from an origin ranked critical
DESERIALISATION = 502
_DESERIALISES = (
    "deserialises data that can run code, from {origin}: whoever controls it runs code in "
    "this process; isolate it in the sandbox, or read a format that holds only data (JSON)"
)
ORIGIN_WORDS = {
    "remote-input": "request data (remote-input)",
    "llm-output": "model output (llm-output)",
    "user-input": "user input (user-input)",
    "file": "a file's content (file)",
    "environment": "the environment (environment)",
    "parameter": "a caller outside the scanned code (parameter)",
    "internal": "values built inside the program (internal)",
}
_LOWER = {"critical": "high", "high": "medium", "medium": "low", "low": "low"}


@dataclass(frozen=True, slots=True)
class Flowed:
    """What the project-wide stage says of a site: its payload when every caller passes
    constants (None: unchanged), its origin, and the sanitizer every dynamic part of it
    that comes from that origin went through (None: not sanitized)."""

    payload: str | None
    origin: str | None
    sanitizer: str | None = None
    why: str = "every caller passes constants"  # said of a new payload class
    # of a program chosen at run time: the origin of the program itself, when it is not
    # ``origin`` (``[editor, path]``: the editor from the environment, the path from a model)
    program: str | None = None


def _call_name(sink_name: str) -> str:
    return sink_name.removeprefix("builtins.")


@functools.cache
def _settings() -> tuple[str, ...]:
    """``os.environ[``, ``os.environb[``: how the sink of a setting of the process's
    environment by key starts (rules/sinks.toml's ``[[environ]]`` mappings)."""
    entries = rule_table("sinks.toml").get("environ", ())
    return tuple(f"{e['name']}[" for e in entries if e.get("form") == "mapping")


def called(name: str) -> str:
    """How a message names a site's sink: the call (``os.system()``,
    ``__salt__["cmd.run"]()``), or for a setting of the process's environment by key
    (``os.environ[PATH]``), the assignment."""
    return f"{name} = ..." if name.startswith(_settings()) else f"{name}()"


def handed_text(handed_to: str | None) -> str:
    """What a finding's message says of a sink handed over as a value."""
    return f" (handed over to {handed_to}(), which calls it)" if handed_to else ""


def _handed(finding: Any) -> str:
    return handed_text(getattr(finding, "handed_to", None))


_DYNAMIC_OF = {
    "constant-shell": "dynamic-shell",
    "constant-code": "dynamic-code",
    "constant-command": "dynamic-program",
}


def unfrozen(policy: Policy, finding: Any, why: str) -> dict[str, Any]:
    """The fields of a constant ``finding`` that change once what it reads is found to be
    written at run time (``why``: by what): the dynamic class of its sink, no origin known
    (``dataclasses.replace(finding, **changes)``); {} when it is no constant finding."""
    category = _DYNAMIC_OF.get(finding.category)
    if finding.payload != "constant" or category is None:
        return {}
    rule = policy.rule_for(category)
    risk, action = rule.risk, rule.action
    message = f"{_call_name(finding.sink)}() {_MESSAGES[category]} ({why})"
    if finding.isolated:
        risk, action = "low", "allow"
        message = f"{_call_name(finding.sink)}() runs its payload in the sandbox ({why})"
    message += _handed(finding)
    return {
        "payload": "dynamic",
        "category": category,
        "rule": rule.rule,
        "risk": risk,
        "action": action,
        "message": message,
        "trusted_by": None,
        "origin": "internal",
    }


def unisolated(policy: Policy, finding: Any, why: str) -> dict[str, Any]:
    """The fields of an isolated ``finding`` that change once its call is found not to run
    in the sandbox (``why``: because of what, e.g. a monkeypatch of the sandbox in another
    file): judged as the call it would be without the sandbox, as :func:`classify` judges
    it, saying why (``dataclasses.replace(finding, **changes)``); {} when it is not
    isolated."""
    if not finding.isolated:
        return {}
    category, language = finding.category, finding.language
    rule = policy.rule_for(category)
    risk, action = rule.risk, rule.action
    name = _call_name(finding.sink)
    message = f"{called(name)} {_message(category, language)}"
    if finding.shell is None and category.endswith("shell"):
        message += " (shell= could not be determined; assumed true)"
    if finding.via:
        message += f" (through {', '.join(finding.via)})"
    trusted_by = finding.trusted_by
    if trusted_by is not None:
        risk, action = "low", "allow"
        summary = site_summary(rule, language)
        message = f"{called(name)}: {summary}; allowed, trusted by the policy ({trusted_by})"
    elif finding.privileged and finding.payload != "constant":
        risk, action = _privileged(risk, action)
        message += "; as another user (root by default): nothing built at run time is allowed"
    if finding.note:
        message += f": {finding.note}"
    message += _handed(finding) + f" (not counted as isolated: {why})"
    return {"isolated": False, "risk": risk, "action": action, "message": message}


_DOUBT = " (not counted as isolated: "


def _doubt(message: str) -> str:
    """The ``(not counted as isolated: ...)`` part of a message (a call of the sandbox judged
    as the call without it), kept when the message is written anew."""
    start = message.find(_DOUBT)
    if start < 0:
        return ""
    depth = 0
    for end in range(start + 1, len(message)):
        if message[end] == "(":
            depth += 1
        elif message[end] == ")":
            depth -= 1
            if depth == 0:
                return message[start : end + 1]
    return message[start:]


@functools.cache
def _builtin_remote() -> frozenset[str]:
    return frozenset(s.name for s in builtin_sinks() if s.remote)


def _remote(sink: str, policy: Policy) -> bool:
    """Whether the sink ``sink`` runs its command on another host (rules/sinks.toml's
    ``remote``: paramiko, fabric), in the built-in catalogue or the policy's own sinks."""
    return sink in _builtin_remote() or any(s.remote and s.name == sink for s in policy.sinks)


def reclassify(policy: Policy, finding: Any, flowed: Flowed) -> dict[str, Any]:
    """The fields of ``finding`` (an auditor.findings.Finding) that change with what the
    project-wide stage found: ``dataclasses.replace(finding, **changes)``."""
    changes: dict[str, Any] = {}
    category = finding.category
    name = _call_name(finding.sink)
    trusted_by = finding.trusted_by
    if flowed.payload is not None and flowed.payload != finding.payload:
        if category == "dynamic-program" or category == "fixed-program":
            category = {"constant": "constant-command", "fixed-program": "fixed-program"}.get(
                flowed.payload, category
            )
        else:
            category = _CONSTANT_OF.get(category, category)
        if category == finding.category and flowed.payload != "constant":
            return {}
        rule = policy.rule_for(category)
        risk, action = rule.risk, rule.action
        language = finding.language
        message = f"{called(name)} {_message(category, language)} ({flowed.why})"
        if finding.isolated:
            risk, action = "low", "allow"
            message = (
                f"{called(name)} runs its payload in the sandbox ({site_summary(rule, language)})"
            )
        elif trusted_by is not None and trusted_by.startswith("path:"):
            risk, action = "low", "allow"
            summary = site_summary(rule, language)
            message = f"{called(name)}: {summary}; allowed, trusted by the policy ({trusted_by})"
        elif trusted_by is not None:
            trusted_by = None
        message += _handed(finding)
        changes.update(
            payload=flowed.payload if flowed.payload != "dynamic" else finding.payload,
            category=category,
            rule=rule.rule,
            risk=risk,
            action=action,
            message=message,
            trusted_by=trusted_by,
            origin=None,
            note=None,
        )
        return changes
    if finding.payload == "constant" or flowed.origin is None:
        return {}
    origin = flowed.origin
    changes["origin"] = origin
    if finding.isolated:
        return changes
    words = ORIGIN_WORDS.get(origin, origin)
    override = policy.origin_risk(origin)
    if override == "critical" and flowed.sanitizer is None and category in CRITICAL_OF:
        critical = CRITICAL_OF[category]
        rule = policy.rule_for(critical)
        code = code_words(finding.language)
        # (a command ssh, paramiko or fabric runs, on the host they connect to)
        remote = _remote(finding.sink, policy) or any(v.startswith("ssh") for v in finding.via)
        host = "the remote host" if remote else "this host"
        text = _CRITICAL_MESSAGES[critical].format(origin=words, code=code, host=host)
        message = f"{called(name)} {text}"
        if finding.cwe == DESERIALISATION:  # a pickle: data that names what it calls
            message = f"{called(name)} {_DESERIALISES.format(origin=words)}"
        if critical == "critical-program" and flowed.program not in (None, origin):
            chosen = ORIGIN_WORDS.get(flowed.program or "", flowed.program)
            message = (
                f"{called(name)} runs a program chosen at run time by {chosen} with arguments "
                f"from {words}; isolate it in the sandbox"
            )
        if trusted_by is not None:
            message += f" (the policy trusts {trusted_by}, but not data from outside)"
        message += _handed(finding)
        if finding.note:
            message += f": {finding.note}"
        message += _doubt(finding.message)
        changes.update(
            category=critical,
            rule=rule.rule,
            risk=rule.risk,
            action=rule.action,
            message=message,
            trusted_by=None,
        )
        return changes
    if trusted_by is not None:
        return changes
    risk = finding.risk
    message = finding.message
    if override is not None and override != "critical":
        risk = override
    quiet = origin in ("internal", "parameter")  # said by the origin field, not the message
    if flowed.sanitizer is not None and origin != "internal":
        risk = _LOWER[policy.rule_for(category).risk if override == "critical" else risk]
        message += f"; the payload comes from {words}, {flowed.sanitizer}"
    elif not quiet:
        message += f"; the payload comes from {words}"
    changes.update(risk=risk, message=message)
    return changes
