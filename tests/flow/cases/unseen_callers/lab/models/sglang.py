import os

from openai import OpenAI

from lab.models.base import Backend


class SGLang(Backend):
    def __init__(self):
        super().__init__(api_key="parser-" + str(os.getpid()))
        self.client = OpenAI(api_key="unused")

    def start_server(self):
        os.system(f"python -m sglang.launch_server --tool-call-parser {self._api_key}")
