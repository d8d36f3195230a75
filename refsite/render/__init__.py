"""Markdown for record pages, indexes and the views narrative pages embed."""
