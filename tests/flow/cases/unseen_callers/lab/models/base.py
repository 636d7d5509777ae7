class Backend:
    def __init__(self, api_key=None):
        self._api_key = api_key
