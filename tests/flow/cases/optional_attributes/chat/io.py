from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.shortcuts import PromptSession


class InputOutput:
    def __init__(self, encoding, banner, pretty=True):
        self.encoding = encoding
        self.banner = banner
        self.prompt_session = None
        if pretty:
            self.prompt_session = PromptSession(**{"multiline": False})

    def get_input(self):
        completer = WordCompleter([self.encoding])
        if self.prompt_session:
            return self.prompt_session.prompt("> ", completer=completer)
        return ""

    def ask(self):
        return input(self.banner)

    def confirm(self, question):
        return input(question + " (y/n) ") == "y"
