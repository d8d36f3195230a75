"""The MkDocs host: the only modules that import MkDocs. The plugin hands MkDocs the engine's pages;
the build and the live preview run MkDocs; every use of its private interface is in :mod:`.internals`."""
