"""LLM backend example application."""
