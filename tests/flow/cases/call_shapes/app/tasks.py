from app.base import BaseTask


class Deploy(BaseTask):
    def run(self, ref: str) -> str:
        return self.shell(command=f"git checkout {ref}")
