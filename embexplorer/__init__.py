"""embexplorer: a desktop application for exploring embeddings."""

__version__ = "0.1.0"
