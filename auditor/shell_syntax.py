"""Whether a command string needs a shell: the rules shell-to-argv converts by, which
route-to-sandbox and the audit document use too, so that all three agree."""

from __future__ import annotations

import shlex

from auditor.plans import NEEDS_SHELL, Decline

# Characters a POSIX shell gives a meaning to (besides separating words).
# (``%`` is only special inside ``${...}``, which needs ``$``: ``date +%Y`` is fine.)
_SHELL_CHARS = frozenset("|&;<>()$`\\\"'*?[]{}~#!\n\r\t\v\f^")
# Words that are shell builtins or reserved words, or behave differently as a builtin.
_SHELL_WORDS = frozenset(
    [
        "!",
        ".",
        ":",
        "[[",
        "alias",
        "bg",
        "break",
        "builtin",
        "case",
        "cd",
        "command",
        "continue",
        "declare",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "history",
        "if",
        "in",
        "jobs",
        "kill",  # a builtin in dash and bash: ``kill -l`` prints other names than procps's
        "let",
        "local",
        "logout",
        "printf",
        "pwd",
        "read",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "source",
        "suspend",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
        "[",
    ]
)


def shell_free_argv(command: str) -> list[str]:
    """The argv of a shell command that has no shell syntax, or :class:`Decline` (key
    ``needs-shell``: only a shell can run it)."""
    bad = sorted({ch for ch in command if ch in _SHELL_CHARS})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise Decline(f"the command uses shell syntax ({shown}); it needs a shell", NEEDS_SHELL)
    argv = shlex.split(command)
    if not argv:
        raise Decline("the command is empty", NEEDS_SHELL)
    if argv != command.split(" ") and argv != command.split():
        raise Decline("shlex cannot split the command exactly", NEEDS_SHELL)
    if argv[0] in _SHELL_WORDS:
        raise Decline(
            f"{argv[0]!r} is a shell builtin or reserved word; it needs a shell", NEEDS_SHELL
        )
    if not all(word.isprintable() for word in argv):
        raise Decline("the command holds non-printable characters", NEEDS_SHELL)
    if "=" in argv[0]:
        raise Decline(
            "the command starts with a variable assignment; it needs a shell", NEEDS_SHELL
        )
    return argv


def needs_shell(command: str) -> bool:
    """Whether only a shell can run ``command`` (the rules of :func:`shell_free_argv`)."""
    try:
        shell_free_argv(command)
    except Decline:
        return True
    return False
