"""Output formats for a scan result. Each module exposes ``render(result, ...) -> str``."""
