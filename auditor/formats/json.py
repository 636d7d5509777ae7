"""The JSON findings document (``schema: auditor/findings/v1``)."""

from __future__ import annotations

import json

from auditor.findings import ScanResult


def render(result: ScanResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
