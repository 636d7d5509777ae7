"""auditor.scan.strings: the memoised value of a string literal is libcst's own."""

from __future__ import annotations

import libcst as cst
import pytest

from auditor.scan import strings
from auditor.scan.strings import string_value

LITERALS = [
    "'plain'",
    '"double"',
    "'''triple\nline'''",
    "r'raw\\n'",
    "'escape\\n\\t\\x41'",
    "b'bytes\\xff'",
    "rb'raw bytes\\d'",
    "u'unicode \\u00e9'",
    "'\\N{BULLET}'",
    "''",
]


@pytest.mark.parametrize("text", LITERALS)
def test_same_value_as_libcst(text: str) -> None:
    node = cst.parse_expression(text)
    assert isinstance(node, cst.SimpleString)
    first = string_value(node)
    assert first == node.evaluated_value
    assert type(first) is type(node.evaluated_value)
    assert string_value(node) == first  # from the cache this time


def test_a_literal_seen_before_is_not_evaluated_again() -> None:
    text = "'auditor test_strings: seen once'"
    before = strings._evaluated.cache_info()
    for _ in range(3):
        assert string_value(cst.SimpleString(text)) == "auditor test_strings: seen once"
    after = strings._evaluated.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 2


def test_bytes_and_str_of_the_same_text_stay_apart() -> None:
    assert string_value(cst.SimpleString("'x'")) == "x"
    assert string_value(cst.SimpleString("b'x'")) == b"x"


def test_a_long_literal_is_evaluated_without_the_cache() -> None:
    text = repr("x" * (strings._CACHED_MAX + 1))
    before = strings._evaluated.cache_info()
    assert string_value(cst.SimpleString(text)) == "x" * (strings._CACHED_MAX + 1)
    assert strings._evaluated.cache_info() == before
