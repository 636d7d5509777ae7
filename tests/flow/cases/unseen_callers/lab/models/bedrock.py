import os

from openai import OpenAI

from lab.models.base import Backend


class Bedrock(Backend):
    def __init__(self):
        super().__init__(api_key=os.environ.get("BEDROCK_API_KEY"))
        self.client = OpenAI(api_key=self._api_key)
