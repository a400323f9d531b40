"""_apis."""
