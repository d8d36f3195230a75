from refsite.mkdocs_macros import define_env

__all__ = ["define_env"]
