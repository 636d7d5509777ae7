"""The ast pre-filter is sound: on real code, skipping the files it rejects changes no
finding and no error (the argument is in auditor/scan/prefilter.py)."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

from auditor.judge.policy import load_policy
from auditor.scan.analyze import Context, Options, analyze_source
from tests.conftest import FIXTURES, REPO, make_policy


def _dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def _files() -> list[Path]:
    stdlib = Path(os.__file__).parent
    picked = sorted(stdlib.glob("*.py"))[::8]  # an eighth of the top-level stdlib modules
    for folder in (_dir("bandit"), REPO / "examples", FIXTURES / "tree"):
        picked += sorted(folder.rglob("*.py"))
    return picked


def test_prefilter_changes_nothing() -> None:
    policy = load_policy(REPO / "examples" / "llm_backend")  # with a project sink
    full = Context(policy, Options(prefilter=False))
    fast = Context(policy, Options(prefilter=True))
    skipped = 0
    for path in _files():
        data = path.read_bytes()
        rel = path.name
        a = analyze_source(data, str(path), rel, full)
        b = analyze_source(data, str(path), rel, fast)
        assert b.findings == a.findings, path
        assert b.latent == a.latent, path
        if a.parsed and not b.parsed:
            skipped += 1
            assert a.findings == []
        # libcst's own parse failures are not reported for files that cannot hold a finding
        assert b.errors == [e for e in a.errors if not e.message.startswith("valid Python")]
    assert skipped > 20  # it must also be worth having


@pytest.mark.parametrize(
    "code",
    [
        # a getattr literal spelled with escapes or implicit concatenation
        'import os\ngetattr(os, "sys\\x74em")(cmd)\n',
        'import os\ngetattr(os, "sys" "tem")(cmd)\n',
        'import os\ngetattr(os, "sys" + "tem")(cmd)\n',
        # ... and so may the name operator's attrgetter or methodcaller looks up
        'import operator, os\noperator.attrgetter("sys\\x74em")(os)(cmd)\n',
        'import operator, os\noperator.methodcaller("sys" "tem", cmd)(os)\n',
        # identifiers are NFKC-folded: fullwidth letters name the same builtin
        "\uff45\uff56\uff41\uff4c(code)\n",
        # a function looked up by name in a module's namespace: no sink name in the text
        "def f(name):\n    globals()[name]()\n",
        "def f(name):\n    g = vars().get(name)\n    g()\n",
        "def f(name):\n    f.__globals__[name]()\n",
        # a standard-library sink module used without an import
        "def f(cmd):\n    os.system(cmd)\n",
        "subprocess  .  call(cmd)\n",
        "def f(name):\n    ns = globals()\n    fn = ns.get(name)\n    fn()\n",
        # a sink module looked up in sys.modules: no import of it, no ``os.`` in the text
        "import sys\ndef f(x):\n    sys.modules['os'].system(x)\n",
        "import sys\ndef f(x):\n    sys.modules.get('subprocess').getoutput(x)\n",
        # a setting of the process's environment: no sink's name in the text
        "import os\ndef f(p):\n    os.environ['PATH'] = p\n",
        "import os\ndef f(p):\n    os.environ |= {'PATH': p}\n",
        "from os import environ as e\ndef f(p):\n    e.setdefault('PATH', p)\n",
        "from os import *\ndef f(p):\n    environ['LD_PRELOAD'] = p\n",
        "from os import *\ndef f(p):\n    putenv('LD_PRELOAD', p)\n",
        "import os\nENV = os.environ\ndef f(p):\n    ENV.update(PATH=p)\n",
        "def f(p):\n    os.putenv('BASH_ENV', p)\n",
        "import sys\ndef f(p):\n    sys.modules['os'].environ['PATH'] = p\n",
    ],
)
def test_text_check_lets_disguised_names_through(code: str) -> None:
    policy = load_policy(REPO / "examples" / "llm_backend")
    full = analyze_source(code.encode(), "m.py", "m.py", Context(policy, Options(prefilter=False)))
    fast = analyze_source(code.encode(), "m.py", "m.py", Context(policy))
    assert len(full.findings) == 1
    assert fast.findings == full.findings


@pytest.mark.parametrize(
    "code",
    [
        "import operator\nclass H:\n    def helper(self):\n        return 1\n"
        "    def g(self, name):\n        operator.methodcaller(name)(self)\n",
        "import operator\nclass H:\n    def g(self, name):\n"
        "        f = operator.attrgetter(name)(self)\n        f()\n",
        "from operator import methodcaller\nclass H:\n    def g(self, name):\n"
        "        m = methodcaller(name)\n        m(self)\n",
    ],
)
def test_a_method_called_by_name_through_operator_is_kept(code: str) -> None:
    # no sink module, no sink word: only the lookup by name (latent: the project-wide stage
    # reports it when the name has a critical origin) makes the file worth parsing
    policy = make_policy()
    full = analyze_source(code.encode(), "m.py", "m.py", Context(policy, Options(prefilter=False)))
    fast = analyze_source(code.encode(), "m.py", "m.py", Context(policy))
    assert len(full.latent) == 1
    assert fast.latent == full.latent


@pytest.mark.parametrize(
    ("code", "reported"),
    [
        ("import os\ndef go(c):\n    os.system.__call__(c)\n", True),
        ("import os\nsh = os.system\ndef go(c):\n    sh.__call__(c)\n", True),
        # a base class's __call__ (a metaclass, an argparse action): no sink, no parse
        (
            "import os\nclass M(type):\n    def __call__(cls, *a):\n"
            "        return super().__call__(*a)\n"
            "def go():\n    return os.system\n",
            False,
        ),
    ],
)
def test_a_sink_called_through_its_dunder_call(code: str, reported: bool) -> None:
    """``X.__call__(...)`` is a call of ``X`` for the survey too (auditor.scan.prefilter):
    the body holding it stays, and the file is parsed; the body of ``super().__call__``
    (reportable for its other function) is dropped."""
    from auditor.scan.prefilter import survey

    found = survey(ast.parse(code), Context(make_policy()).words)
    [call] = [c for c in found.calls if getattr(c.func, "attr", "") == "__call__"]
    kept = not any(first <= call.lineno <= last for first, last, _ in found.stubs)
    assert found.may_report
    assert kept == reported
    if reported:
        full = Context(make_policy(), Options(prefilter=False))
        whole = analyze_source(code.encode(), "m.py", "m.py", full)
        fast = analyze_source(code.encode(), "m.py", "m.py", Context(make_policy()))
        assert [f.sink for f in fast.findings] == [f.sink for f in whole.findings]
        assert [f.sink for f in fast.findings] == ["os.system"]


_WORDS_TEXTS = [
    "import os\nos.system(cmd)\n",
    "xsystem(1); system_(2); _system(3); system2(4); os.systemx; a.system.b\n",
    "from subprocess import run as r\nr(['ls'], shell=True)\n",
    "getattr(obj, name)()\nglobals()['f']()\n__builtins__.eval\n",
    "# eval in a comment, 'exec' in a string, popen\n",
    "def f():\n    return 1\n",
    "",
]


@pytest.mark.parametrize("text", [*_WORDS_TEXTS, "__FILES__"])
def test_text_check_finds_the_words_the_pattern_finds(text: str) -> None:
    """text_may_report splits ASCII text into runs of word characters and keeps the sink
    words among them: the same set as the words' alternation between word boundaries."""
    from auditor.scan import prefilter

    words = Context(load_policy(REPO / "examples" / "llm_backend")).words  # a project sink
    assert words.vocabulary is not None and words.defined
    texts = [text]
    if text == "__FILES__":  # real code: the scanner's own modules, and subprocess and os
        texts = [p.read_text() for p in sorted((REPO / "auditor" / "scan").glob("*.py"))]
        texts += [Path(os.__file__).read_text(), Path(subprocess.__file__).read_text()]
    for source in texts:
        if not source.isascii():
            continue
        by_pattern = set(words.pattern.findall(source))
        assert words.vocabulary.intersection(prefilter._WORD.findall(source)) == by_pattern


def test_a_word_that_is_no_identifier_keeps_the_pattern() -> None:
    from auditor.scan.prefilter import SinkWords, text_may_report

    words = SinkWords(
        roots=frozenset({"os"}), last=frozenset({"system"}), methods=frozenset(),
        builtins=frozenset(), defined=frozenset({"run-it"}),
    )  # fmt: skip
    assert words.vocabulary is None
    assert text_may_report("run-it(x)\n", words)
    assert not text_may_report("run_it(x)\n", words)
