"""The model client: any OpenAI-compatible server (a local one in development)."""

from __future__ import annotations

import os

from openai import OpenAI

_client = OpenAI(base_url=os.environ.get("LLM_URL", "http://localhost:8000/v1"))


def complete(model: str, prompt: str) -> str:
    response = _client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": prompt}],
    )
    return response.choices[0].message.content or ""
