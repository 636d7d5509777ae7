"""``safeimport.optional`` called while another thread is still importing the module: it
returned the partly initialised module from ``sys.modules``, and the metrics failed with
"partially initialized module 'prometheus_client' has no attribute 'Counter'" (seen once
in CI, a pool's threads). It waits for that import to end now."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from auditor.sandbox import safeimport

SLOW = "import time\ntime.sleep(0.5)\nCounter = 1\n"


def test_a_module_another_thread_is_importing_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"auditor_slow_import_{time.monotonic_ns()}"
    (tmp_path / f"{name}.py").write_text(SLOW)
    monkeypatch.syspath_prepend(str(tmp_path))
    # the folder is a temporary one (a place a payload could write): let the safe path keep it
    monkeypatch.setattr(safeimport, "safe_path", lambda: list(sys.path))
    importer = threading.Thread(target=__import__, args=(name,))
    importer.start()
    try:
        deadline = time.monotonic() + 5
        while name not in sys.modules and time.monotonic() < deadline:
            time.sleep(0.001)
        assert name in sys.modules, "the other thread did not start its import"
        module = safeimport.optional(name)
        assert module is not None and getattr(module, "Counter", None) == 1
    finally:
        importer.join()
        sys.modules.pop(name, None)
