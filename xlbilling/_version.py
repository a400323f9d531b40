"""The version of xlbilling, in one place (``xlbilling.__version__`` and the User-Agent it sends)."""

__version__ = "0.1.0"
