"""Qt-free core: data model, file formats, numerics.

Nothing under ``embexplorer.core`` may import Qt (PySide6, pyqtgraph,
superqt); plain pytest tests it, and the CLI uses it without a display.
"""

from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn
from embexplorer.core.errors import DataError
from embexplorer.core.progress import Cancelled, TaskControl

__all__ = ["Cancelled", "DataError", "EmbeddingSet", "MetadataColumn", "TaskControl"]
