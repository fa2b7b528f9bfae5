"""Data and formats: the embedding set, file formats and their sniffing, the load cache,
the memory guard, downloads."""
