"""Tools beside the engine, never part of a build: the benchmark, the synthetic projects it builds,
and the extraction of the map's geography."""
