"""A stand-in for the model client."""

from __future__ import annotations


def complete(model: str, prompt: str) -> str:
    # A real deployment calls the model server here.
    return "result = 6 * 7"
