"""Code and commands from local Hugging Face models."""

import subprocess

from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

generator = pipeline("text-generation", model="bigcode/starcoder2-3b")


def complete_script(prefix: str) -> None:
    out = generator(prefix, max_new_tokens=128)
    code = out[0]["generated_text"]
    exec(code)


class CommandModel:
    def __init__(self, name: str) -> None:
        self.tokenizer = AutoTokenizer.from_pretrained(name)
        self.model = AutoModelForCausalLM.from_pretrained(name)

    def command_for(self, prompt: str) -> str:
        inputs = self.tokenizer(prompt, return_tensors="pt")
        output_ids = self.model.generate(**inputs, max_new_tokens=64)
        return self.tokenizer.decode(output_ids[0], skip_special_tokens=True)


def run_request(text: str) -> None:
    model = CommandModel("Salesforce/codegen-350M-mono")
    command = model.command_for(text)
    subprocess.run(command, shell=True, check=True)
