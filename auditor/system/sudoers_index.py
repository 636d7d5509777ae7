"""A parsed sudoers set, indexed: aliases expanded (User_Alias, Runas_Alias, Host_Alias,
Cmnd_Alias), each command's target users and groups, and the Defaults that reach a command
(the environment it keeps, NOEXEC)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from auditor.system.grants import Context
from auditor.system.sudoers import Alias, Command, Default, Sudoers, UserSpec


class SudoersIndex:
    """Aliases, Defaults scopes and who reaches root, for one parsed sudoers set."""

    def __init__(self, sudoers: Sudoers) -> None:
        self.sudoers = sudoers
        self.aliases = sudoers.aliases

    def expand(
        self, names: Iterable[str], kind: str, seen: frozenset[str] = frozenset()
    ) -> set[str]:
        """Members of ``names`` with aliases of ``kind`` (User_Alias, Runas_Alias,
        Host_Alias) expanded; negated members are dropped."""
        out: set[str] = set()
        for raw in names:
            name = raw.strip()
            if not name or name.startswith("!"):
                continue
            alias = self.aliases.get(name)
            if alias is not None and alias.kind == kind and name not in seen:
                out |= self.expand(alias.members, kind, seen | {name})
            else:
                out.add(name)
        return out

    def users(self, spec: UserSpec) -> set[str]:
        return self.expand(spec.users, "User_Alias")

    def runas(self, cmd: Command) -> tuple[frozenset[str], frozenset[str]]:
        """The target users and groups of a command; no run-as list means root."""
        if cmd.runas is None:
            return frozenset({"root"}), frozenset()
        users_text, _, groups_text = cmd.runas.partition(":")
        users = [u for u in users_text.split(",") if u.strip()]
        groups = [g for g in groups_text.split(",") if g.strip()]
        if not users and not groups:
            return frozenset({"root"}), frozenset()
        expanded_users = frozenset(self.expand(users, "Runas_Alias"))
        expanded_groups = frozenset(self.expand(groups, "Runas_Alias"))
        return expanded_users, expanded_groups

    def _scope_applies(self, default: Default, users: set[str], cmd: Command) -> bool:
        scope = default.scope
        if not scope:
            return True
        kind, names = scope[0], [n for n in scope[1:].split(",") if n]
        if kind == ":":
            wanted = self.expand(names, "User_Alias")
            return "ALL" in wanted or bool(wanted & users)
        if kind == ">":
            wanted = self.expand(names, "Runas_Alias")
            runas_users, _ = self.runas(cmd)
            return "ALL" in wanted or bool(wanted & runas_users)
        if kind == "!":
            for name in names:
                alias = self.aliases.get(name)
                members = (
                    alias.commands if alias and alias.kind in ("Cmnd_Alias", "Cmd_Alias") else ()
                )
                programs = {c.program for c in members} or {name}
                if cmd.program in programs or "ALL" in programs:
                    return True
            return False
        return True  # @host: hosts are not known here

    def context(self, spec: UserSpec, cmd: Command) -> Context:
        """NOEXEC and the environment that reaches the command, from its tags and the
        Defaults that apply to its users, target and command (in file order)."""
        users = self.users(spec)
        kept: set[str] = set()
        all_env = False
        noexec = False
        for default in self.sudoers.defaults:
            if not self._scope_applies(default, users, cmd):
                continue
            for setting in default.settings:
                name, op, value = split_setting(setting)
                if name == "env_keep":
                    values = set(value.strip().strip('"').split())
                    if op == "+=":
                        kept |= values
                    elif op == "-=":
                        kept -= values
                    else:
                        kept = values
                elif name == "!env_keep":
                    kept = set()
                elif name in ("!env_reset", "env_reset"):
                    all_env = name == "!env_reset"
                elif name in ("noexec", "!noexec"):
                    noexec = name == "noexec"
        if "NOEXEC" in cmd.tags:
            noexec = True
        elif "EXEC" in cmd.tags:
            noexec = False
        setenv = "SETENV" in cmd.tags or cmd.program == "ALL"
        expanded = {v.split("=")[0] for v in kept}
        return Context(noexec=noexec, kept_env=frozenset(expanded), all_env=all_env or setenv,
                       setenv=setenv)  # fmt: skip


def split_setting(setting: str) -> tuple[str, str, str]:
    match = re.match(r"^(\S+?)\s*([+-]?=)\s*(.*)$", setting)
    if match is None:
        return setting.strip(), "", ""
    return match.group(1), match.group(2), match.group(3)


def expand_commands(
    cmd: Command, aliases: dict[str, Alias], seen: frozenset[str] = frozenset()
) -> list[tuple[Command, Alias | None]]:
    """A command, or the members of the Cmnd_Alias it names (recursively), with the
    command's tags and run-as list."""
    alias = aliases.get(cmd.program)
    if alias is None or alias.kind not in ("Cmnd_Alias", "Cmd_Alias") or cmd.program in seen:
        return [(cmd, None)]
    out: list[tuple[Command, Alias | None]] = []
    for member in alias.commands:
        inherited = dataclasses.replace(
            member, negated=member.negated != cmd.negated, tags=cmd.tags, runas=cmd.runas
        )
        for expanded, _via in expand_commands(inherited, aliases, seen | {cmd.program}):
            out.append((expanded, alias))
    return out
