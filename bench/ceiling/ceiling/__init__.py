"""The framework ceiling: the least a signed-in Django page can cost (see settings)."""
