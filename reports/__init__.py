"""The audit document: jinja2 templates and the report-specific code (``audit.py``).
Kept free of heavy imports: the CLI reads LANGS without loading jinja2."""

LANGS = ("en", "pt-BR")
