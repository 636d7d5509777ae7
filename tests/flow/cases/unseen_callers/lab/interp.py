import time
import typing
from typing import Union


class PyInterpreter:
    def run(self, code):
        exec(code)


class EchoInterpreter:
    def run(self, code):
        return code


class Toolkit:
    def __init__(self, kind):
        self.interp: Union[PyInterpreter, EchoInterpreter]  # noqa: UP007
        if kind:
            self.interp = PyInterpreter()
        else:
            self.interp = EchoInterpreter()

    def execute_code(self, code: str):
        return self.interp.run(code)


def warm_up():
    PyInterpreter().run(f"started = {time.time()}")


class Evaluator:
    def evaluate(self, source: str):
        return self._execute(source)

    @typing.no_type_check
    def _execute(self, expression):
        return eval(expression)


def traced(func):
    return func


class Runner:
    def start(self):
        return self.launch("ls " + str(time.time()))

    @traced
    def launch(self, command):
        import os

        os.system(command)
