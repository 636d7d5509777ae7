class Printer:
    def __call__(self, chunks):
        text = ""
        for chunk in chunks:
            text += chunk
        return text


class QuietPrinter(Printer):
    pass
