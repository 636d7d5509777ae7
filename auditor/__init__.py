"""auditor: find, classify, report and sandbox dynamic execution in Python code."""

__version__ = "0.1.0"
