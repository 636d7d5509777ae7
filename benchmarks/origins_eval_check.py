#!/usr/bin/env python3
"""Check that the semgrep-rules test files origins_eval.py scores are all there and whole.

The files are copied by hand into benchmarks/.cache/semgrep-rules/ (see
benchmarks/origins_eval_files.toml for where each came from). A copy cut short or
mangled on the way still often reads as Python, so each file is checked three ways:
it exists, it parses (``ast.parse``), and it holds the number of ``# ruleid`` and
``# ok`` labels that the ``[labels]`` table of the toml records for it (counted the
way origins_eval.py counts them).

    python3 benchmarks/origins_eval_check.py

Exit 0 when every file is complete, 1 otherwise (one line per problem).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from origins_eval import FILES, HERE, SEMGREP, labels_of

EXPECTED: dict[str, list[int]] = tomllib.loads((HERE / "origins_eval_files.toml").read_text())[
    "labels"
]


def problems() -> tuple[list[str], int, int]:
    out: list[str] = []
    ruleid = ok = 0
    for rel in FILES:
        path = SEMGREP / rel
        if not path.is_file():
            out.append(f"{rel}: missing")
            continue
        text = path.read_text()
        try:
            ast.parse(text, filename=rel)
        except SyntaxError as error:
            out.append(f"{rel}:{error.lineno}: does not parse: {error.msg}")
        labels = labels_of(rel, text)
        counts = [sum(lab.kind == kind for lab in labels) for kind in ("ruleid", "ok")]
        ruleid += counts[0]
        ok += counts[1]
        want = EXPECTED.get(rel)
        if want is None:
            out.append(f"{rel}: no entry in [labels] of origins_eval_files.toml")
        elif counts != want:
            out.append(
                f"{rel}: {counts[0]} ruleid / {counts[1]} ok labels, expected {want[0]} / {want[1]}"
            )
    out += [f"{rel}: in [labels] but not in [files]" for rel in EXPECTED if rel not in FILES]
    return out, ruleid, ok


def main() -> int:
    found, ruleid, ok = problems()
    for line in found:
        print(line)
    print(f"{len(FILES)} files, {ruleid} ruleid and {ok} ok labels; {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
