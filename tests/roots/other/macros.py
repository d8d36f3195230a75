from refsite.mkdocs_host.macros import define_env

__all__ = ["define_env"]
