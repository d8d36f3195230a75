"""refsite: a static reference site generator for sourced, cross-linked records."""

__version__ = "0.1.0"
