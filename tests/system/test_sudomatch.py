"""sudo's argument matching, one test per rule of sudoers(5), and the argument vectors the
grant analysis builds from a rule's wildcards."""

from __future__ import annotations

import pytest

from auditor.system.sudoers import parse_command, parse_text
from auditor.system.sudomatch import ArgPattern, injections, pattern_text, pattern_words


def _admits(args_text: str | None, argv: list[str], *, sudoedit: bool = False) -> bool:
    if args_text is None:
        command = parse_command("sudoedit" if sudoedit else "/usr/bin/cmd")
    else:
        command = parse_command(("sudoedit " if sudoedit else "/usr/bin/cmd ") + args_text)
    return command.arg_pattern.admits(argv)


def test_no_argument_list_admits_any_arguments() -> None:
    assert _admits(None, [])
    assert _admits(None, ["--anything", "/etc/shadow"])


def test_empty_quotes_admit_no_arguments_only() -> None:
    assert _admits('""', [])
    assert not _admits('""', ["-x"])
    assert not _admits('""', [""])  # an empty argument is an argument


def test_exact_arguments_admit_exactly_those() -> None:
    assert _admits("status app.service", ["status", "app.service"])
    assert not _admits("status app.service", ["status", "app.service", "-l"])
    assert not _admits("status app.service", ["status"])


def test_a_star_matches_spaces_so_it_adds_words() -> None:
    assert _admits("/var/log/*", ["/var/log/x", "/etc/shadow"])
    argv = ["-czf", "/backup/app-1", "--x", "2.tgz", "/srv/app"]
    assert _admits("-czf /backup/app-*.tgz /srv/app", argv)


def test_a_star_matches_leading_dashes_so_fixed_then_star_admits_every_option() -> None:
    assert _admits("restart *", ["restart", "--evil=1", "-x"])
    assert _admits("*", ["--modprobe=/tmp/x"])


def test_a_star_matches_slashes_and_dots() -> None:
    assert _admits("* restart", ["../../bin/sh", "restart"])
    assert _admits("/var/log/*.log", ["/var/log/../../etc/x.log"])


def test_a_star_matches_nothing_too_but_not_the_space_before_it() -> None:
    assert _admits("*", [])
    assert _admits("-L *", ["-L", ""])  # "-L " + "": the space is literal
    assert not _admits("-L *", ["-L"])


def test_question_mark_and_sets_match_one_character_spaces_included() -> None:
    assert _admits("a?b", ["a", "b"])  # "a b": ? matched the space
    assert _admits("app[0-9]", ["app7"]) and not _admits("app[0-9]", ["appx"])
    assert _admits("app[!0-9]", ["appx"]) and not _admits("app[!0-9]", ["app7"])


def test_sudoers_escapes_are_removed_and_glob_escapes_kept() -> None:
    assert pattern_text(r"app\:app a\,b c\=d") == "app:app a,b c=d"
    assert pattern_text(r"\*") == r"\*"
    assert _admits(r"\*", ["*"]) and not _admits(r"\*", ["x"])
    assert _admits("a   b", ["a", "b"])  # blanks collapse to one space


def test_the_caller_chooses_where_words_split() -> None:
    """sudo compares the arguments joined by spaces: one argument holding a space is the
    same text as two arguments."""
    assert _admits("-c echo hi", ["-c", "echo hi"])
    assert _admits("-c echo hi", ["-c", "echo", "hi"])


def test_a_regular_expression_between_caret_and_dollar() -> None:
    assert _admits("^-u [a-z]+$", ["-u", "bob"])
    assert not _admits("^-u [a-z]+$", ["-u", "bob", "-s"])
    assert not _admits("^-u [a-z]+$", ["-u", "Bob"])


def test_sudoedit_matches_paths_a_star_stops_at_a_slash() -> None:
    assert _admits("/etc/*", ["/etc/passwd"], sudoedit=True)
    assert not _admits("/etc/*", ["/etc/app/secret"], sudoedit=True)
    assert not _admits("/etc/app/*.yml", ["/etc/app/x", "/etc/shadow.yml"], sudoedit=True)


def test_injections_put_the_callers_words_where_each_star_stands() -> None:
    pattern = ArgPattern(pattern_text("-czf /backup/app-*.tgz /srv/*"))
    found = list(injections(pattern, ["--checkpoint-action=exec=sh"]))
    assert {i.star for i in found} == {1, 2}  # both stars, in their pattern words
    for inj in found:
        assert pattern.admits(list(inj.argv))
        assert inj.argv[inj.start : inj.end] == ("--checkpoint-action=exec=sh",)
    # a variant with one more word first, for a star where an option wants its value
    assert any(inj.argv[inj.start - 1] == "x" for inj in found)


@pytest.mark.parametrize("text", ["", "status app.service", "/var/log/app.log"])
def test_no_injection_without_a_wildcard(text: str) -> None:
    assert list(injections(ArgPattern(text), ["--evil"])) == []


def test_no_argument_list_injects_the_words_alone_and_sudoedit_never() -> None:
    assert [i.argv for i in injections(ArgPattern(None), ["-e", "x"])] == [("-e", "x")]
    assert list(injections(ArgPattern("/etc/*", pathname=True), ["x"])) == []


def test_a_regex_with_dot_star_takes_words_too() -> None:
    pattern = ArgPattern("^status .*$")
    found = list(injections(pattern, ["--evil"]))
    assert found and all(pattern.admits(list(i.argv)) for i in found)


def test_minimal_argument_vector_and_pattern_words() -> None:
    assert ArgPattern(pattern_text("-n 100 /var/log/*.log")).minimal() == [
        "-n",
        "100",
        "/var/log/.log",
    ]
    assert ArgPattern(None).minimal() == [] and ArgPattern("").minimal() == []
    assert pattern_words(r"a\ b c") == [r"a\ b", "c"]


def test_a_digest_in_a_cmnd_alias_is_not_an_alias_separator() -> None:
    """``Cmnd_Alias X = sha256:HEX /path``: the ':' of the digest does not start another
    alias definition (it did, and the whole line was an error)."""
    digest = "sha256:" + "ab" * 32
    parsed = parse_text(f'Cmnd_Alias B = {digest} /usr/local/sbin/backup "" : C = /bin/true\n', "s")
    assert parsed.errors == []
    assert [c.program for c in parsed.aliases["B"].commands] == ["/usr/local/sbin/backup"]
    assert set(parsed.aliases) == {"B", "C"}


def test_the_argument_pattern_is_kept_as_sudo_matches_it() -> None:
    parsed = parse_text(r'u ALL=(root) /bin/echo a\,b \*  c, /bin/id ""' + "\n", "s")
    echo, ident = parsed.specs[0].commands
    assert (echo.args, echo.pattern) == ("a,b *  c", r"a,b \* c")
    assert (ident.args, ident.pattern) == ("", "")
    assert echo.arg_pattern.admits(["a,b", "*", "c"]) and not echo.arg_pattern.admits(
        ["a,b", "x", "c"]
    )
