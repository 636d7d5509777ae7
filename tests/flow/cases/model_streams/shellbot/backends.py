"""The model client is chosen once, at import: a module-level name bound to the client's
completion function in either branch (the other modules call it by that name)."""

import os
from collections.abc import Callable
from typing import Any

complete: Callable[..., Any] = lambda *args, **kwargs: None  # noqa: E731

if os.environ.get("USE_LITELLM") == "1":
    import litellm

    complete = litellm.completion
else:
    from openai import OpenAI

    client = OpenAI()
    complete = client.chat.completions.create

try:
    import anthropic

    _claude = anthropic.Anthropic()
    answer = _claude.messages.create
except ImportError:
    import openai

    answer = openai.ChatCompletion.create


def stream(messages):
    """A streamed completion, yielded piece by piece."""
    response = complete(model="m", messages=messages, stream=True)
    for chunk in response:
        delta = chunk.choices[0].delta
        yield delta.content or ""


def relay(messages):
    yield from stream(messages)
