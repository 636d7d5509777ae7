"""shellwords.first_command: the words of the first simple command of a shell string given as
constant text and holes, as a POSIX shell would split it (issue 15, part A: launchers are also
peeled off the first words of shell strings)."""

from __future__ import annotations

import pytest

from auditor.judge.shellwords import Piece, first_command


def texts(*parts: str | None, holes_split: bool = True) -> tuple[str | None, ...]:
    pieces = first_command(parts, holes_split=holes_split)
    assert pieces is not None
    return tuple(p.text for p in pieces)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("sudo -u x rm -rf /tmp/a", ("sudo", "-u", "x", "rm", "-rf", "/tmp/a")),
        ("a; b", ("a",)),
        ("a && b", ("a",)),
        ("a || b", ("a",)),
        ("a | b", ("a",)),
        ("a & b", ("a",)),
        ("a\nb", ("a",)),
        ("a # b c", ("a",)),
        ("# comment\n  ls -l", ("ls", "-l")),
        ("(cd /x && make)", ("cd", "/x")),
        ("{ sudo x; }", ("sudo", "x")),
        ("! grep -q x f", ("grep", "-q", "x", "f")),
        ("if sudo true; then x; fi", ("sudo", "true")),
        ("while read l; do x; done", ("read", "l")),
        ("A=1 B='2 3' sudo ls", ("sudo", "ls")),
        ("ls A=1", ("ls", "A=1")),  # after the command word, an assignment is an argument
        ('"A"=1 ls', ("A=1", "ls")),  # a quoted name is no assignment
        ("2>/dev/null sudo ls >out 2>&1", ("sudo", "ls")),
        ("cat <<EOF\nhello\nEOF", ("cat",)),
        ("x &>/dev/null y", ("x", "y")),
        ("echo 2 > f", ("echo", "2")),
        ("echo a2>f", ("echo", "a2")),
        ("sudo \\\n  -u root ls", ("sudo", "-u", "root", "ls")),
        ("printf '%s;%s' a b", ("printf", "%s;%s", "a", "b")),
        ('echo "a | b" \\; c', ("echo", "a | b", ";", "c")),
        ("echo '' \"\"", ("echo", "", "")),
        ("[ -x y ]", ("[", "-x", "y", "]")),
        ("x=1; sudo y", ("sudo", "y")),  # a command of assignments only runs nothing
        ("", ()),
        ("A=1", ()),
    ],
)
def test_first_command_words(command: str, words: tuple[str, ...]) -> None:
    assert texts(command) == words


@pytest.mark.parametrize("command", ["'unterminated", 'say "hi', "a \\", 'x "$(y"', "x `y"])
def test_cannot_split(command: str) -> None:
    assert first_command([command]) is None


def test_holes_make_dynamic_words() -> None:
    pieces = first_command(["sudo ", None, " --x"])
    assert pieces == (Piece("sudo"), Piece(None, splits=True), Piece("--x"))
    pieces = first_command(["sudo --user=", None, " ls"], holes_split=False)
    assert pieces == (Piece("sudo"), Piece(None, head="--user="), Piece("ls"))
    pieces = first_command(["", None, "/bin/python3 -c x"])
    assert pieces is not None
    assert pieces[0] == Piece(None, tail="/bin/python3", splits=True)
    # a hole inside quotes is still pasted into the command before the shell reads it
    pieces = first_command(["sh -c '", None, "'"])
    assert pieces == (Piece("sh"), Piece("-c"), Piece(None, splits=True))
    assert texts("sh -c '", None, "'", holes_split=False) == ("sh", "-c", None)


def test_expansions_are_dynamic() -> None:
    pieces = first_command(["sudo $CMD \"$HOME/bin/x\" `id` $(date) ${A:-b} $'\\n' ~/y"])
    assert pieces == (
        Piece("sudo"),
        Piece(None, splits=True),
        Piece(None, tail="/bin/x"),
        Piece(None, splits=True),
        Piece(None, splits=True),
        Piece(None, splits=True),
        Piece(None),
        Piece(None, tail="/y"),
    )
    assert texts("echo '$HOME' \\$x $") == ("echo", "$HOME", "$x", "$")


def test_globs_and_braces_split() -> None:
    pieces = first_command(["ls x[ab].py *.c a{b,c}d {} x{y}"])
    assert pieces == (
        Piece("ls"),
        Piece(None, head="x", tail=".py", splits=True),
        Piece(None, tail=".c", splits=True),
        Piece(None, head="a", tail="d", splits=True),
        Piece("{}"),
        Piece("x{y}"),
    )
    assert texts("ls '*.py' \\*") == ("ls", "*.py", "*")  # quoted: plain text


def test_substitutions_hide_their_operators() -> None:
    assert texts('x "$(a; b)" y') == ("x", None, "y")
    assert texts("x $(a | (b)) y") == ("x", None, "y")
    assert texts("x `a; b` y") == ("x", None, "y")
