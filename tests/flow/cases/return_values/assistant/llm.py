"""The model client: no command runs here, it only returns what the model says."""

from openai import OpenAI

_client = OpenAI()


def complete(prompt: str) -> str:
    response = _client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": prompt}],
    )
    return response.choices[0].message.content or ""
