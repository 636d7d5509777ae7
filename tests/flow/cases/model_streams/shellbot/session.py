import argparse
import os

from .backends import answer, complete, relay, stream
from .printers import Printer, QuietPrinter
from .shell import run_command


class Session:
    def __init__(self, quiet):
        self.quiet = quiet

    @property
    def printer(self) -> Printer:
        return QuietPrinter() if self.quiet else Printer()

    def ask(self, prompt):
        return self.printer(stream([{"role": "user", "content": prompt}]))


def joined():
    os.system("".join(stream([])))


def summed():
    text = ""
    for piece in relay([]):
        text += piece
    os.system(text)


def direct():
    reply = complete(model="m", messages=[])
    os.system(reply.choices[0].message.content)


def claude():
    reply = answer(model="m", max_tokens=99, messages=[])
    os.system(reply.content[0].text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prompt")
    run_command(Session(False).ask(parser.parse_args().prompt))
