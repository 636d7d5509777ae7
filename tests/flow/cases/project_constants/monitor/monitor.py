"""The monitor process."""

print("monitoring")
