class BrowserToolkit:
    def __init__(self, web_agent):
        self.web_agent = web_agent

    def act(self, message: str) -> None:
        resp = self.web_agent.step(message)
        exec(resp.msgs[0].content)

    async def aact(self, message: str) -> None:
        resp = await self.planning_agent.astep(message)
        eval(resp.msgs[0].content)
