"""The words of a command expression in code, read with the scanner's scopes: the part of
:mod:`auditor.sandbox_needs` that reads libcst trees (the codemods and the audit document's
guesses use it). Apart so that the table, the effects and their words load without libcst:
a report or migration plan read from the result cache never imports the parser."""

from __future__ import annotations

import libcst as cst

from auditor.sandbox_needs import PYTHON, Reading, Word, read_command, split_commands
from auditor.scan.resolve import Resolver
from auditor.scan.scopes import Scope
from auditor.scanner_view import bound_value, exact_text


class CommandReader:
    """Reads the words of a command expression with the scanner's scopes: names resolve
    (``sys.executable``) and names bound once to a constant string are followed, as the
    scanner's payload evaluation does."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def qualname(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        return self.resolver.qualname(node, scope)

    def bound(self, node: cst.Name, scope: Scope) -> tuple[cst.BaseExpression, Scope] | None:
        return bound_value(node, scope)

    def exact_text(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        return exact_text(node, scope)

    def argv_words(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> list[Word]:
        """The words of an argv list (or of a program given as one string)."""
        if depth > 16:
            return [None]
        if isinstance(node, cst.Name):
            found = self.bound(node, scope)
            if found is None:
                return [None]
            return self.argv_words(found[0], found[1], depth + 1)
        if isinstance(node, (cst.List, cst.Tuple)):
            words: list[Word] = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    words.extend(self.argv_words(element.value, scope, depth + 1))
                else:
                    words.append(self.item(element.value, scope))
            return words
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left = self.argv_words(node.left, scope, depth + 1)
            if None in left:
                return left
            return left + self.argv_words(node.right, scope, depth + 1)
        return [self.item(node, scope)]

    def item(self, node: cst.BaseExpression, scope: Scope) -> Word:
        text = self.exact_text(node, scope)
        if text is not None:
            return str(text)
        name = self.qualname(node, scope)
        if name in ("sys.executable", "sys._base_executable"):
            return PYTHON
        if isinstance(node, cst.Call) and self.qualname(node.func, scope) == "shutil.which":
            first = node.args[0].value if node.args and not node.args[0].star else None
            return self.exact_text(first, scope) if first is not None else None
        if isinstance(node, cst.BooleanOperation):  # shutil.which("git") or "git"
            return self.item(node.left, scope)
        return None

    def shell_segments(self, node: cst.BaseExpression, scope: Scope, depth: int = 0) -> list[Word]:
        """A shell string as known text and unknown parts, in order."""
        if depth > 16:
            return [None]
        text = self.exact_text(node, scope)
        if text is not None:
            return [str(text)]
        if isinstance(node, cst.Name):
            found = self.bound(node, scope)
            if found is None:
                return [None]
            return self.shell_segments(found[0], found[1], depth + 1)
        if isinstance(node, cst.ConcatenatedString):
            return [
                *self.shell_segments(node.left, scope, depth + 1),
                *self.shell_segments(node.right, scope, depth + 1),
            ]
        if isinstance(node, cst.FormattedString):
            out: list[Word] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    out.append(part.value.replace("{{", "{").replace("}}", "}"))
                elif isinstance(part, cst.FormattedStringExpression):
                    plain = part.format_spec is None and part.conversion is None
                    word = self.item(part.expression, scope) if plain else None
                    out.append(word)
            return out
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                return [
                    *self.shell_segments(node.left, scope, depth + 1),
                    *self.shell_segments(node.right, scope, depth + 1),
                ]
            if isinstance(node.operator, cst.Modulo):
                left = self.exact_text(node.left, scope)
                if left is not None:
                    return [str(left).split("%", 1)[0], None]
            return [None]
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format"
        ):
            receiver = self.exact_text(node.func.value, scope)
            if receiver is not None:
                return [str(receiver).split("{", 1)[0], None]
        name = self.qualname(node, scope)
        if name in ("sys.executable", "sys._base_executable"):
            return [PYTHON]
        return [None]

    def readings(self, node: cst.BaseExpression | None, scope: Scope, shell: bool) -> list[Reading]:
        """What the command ``node`` runs (one reading per simple command)."""
        if node is None:
            return []
        if shell:
            commands = split_commands(self.shell_segments(node, scope))
        else:
            commands = [self.argv_words(node, scope)]
        return [read_command(words) for words in commands]
