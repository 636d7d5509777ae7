"""The calls that change a container handed to them first (``heapq.heappush(L, x)``,
``operator.iadd(L, [x])``, ``list.extend(L, [x])``), from ``rules/mutators.toml``: as
regular expressions over a file's text, for the project-wide checks of module globals
changed from elsewhere (auditor.flow.stage), and as names, for the per-file collector."""

from __future__ import annotations

import functools
import re

from auditor.rules_files import rule_table


@functools.cache
def mutator_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(functions by last name, builtin types, their changing methods)."""
    table = rule_table("mutators.toml")
    return (
        frozenset(table.get("functions", ())),
        frozenset(table.get("types", ())),
        frozenset(table.get("methods", ())),
    )


@functools.cache
def mutator_call() -> str:
    """A regular expression for the opening of such a call, up to and with its ``(``:
    ``heappush(``, ``bisect.insort(``, ``list.append(``."""
    functions, types, methods = mutator_names()
    plain = "|".join(sorted(map(re.escape, functions)))
    typed = "|".join(sorted(map(re.escape, types)))
    changing = "|".join(sorted(map(re.escape, methods)))
    return (
        rf"(?<![\w.])(?:[\w.]*\.)?(?:{plain})\s*\(|(?<![\w.])(?:{typed})\s*\.\s*(?:{changing})\s*\("
    )


@functools.cache
def first_argument_changed() -> re.Pattern[str]:
    """Such a call whose first argument ends with a name (``heappush(k.L5, x)``,
    ``list.extend(L3, [x])``): group 1 is that name."""
    return re.compile(rf"(?:{mutator_call()})\s*(?:[\w.]+\s*\.\s*)?([A-Za-z_]\w*)\s*[,)]")


# ``object.__setattr__(m, "NAME", v)``, ``m.__setattr__("NAME", v)``,
# ``m.__dict__.__setitem__("NAME", v)``: an attribute set (group 1 or 2 is its name)
SETATTR_DUNDER = re.compile(
    r"\b(?:object|type|ModuleType|types\s*\.\s*ModuleType)\s*\.\s*__setattr__\(\s*[\w.\[\]]+\s*,"
    r"\s*[rbu]?['\"]([A-Za-z_]\w*)['\"]"
    r"|\.\s*__setattr__\(\s*[rbu]?['\"]([A-Za-z_]\w*)['\"]"
)
