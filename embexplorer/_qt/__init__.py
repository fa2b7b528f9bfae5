"""Qt views (PySide6 + pyqtgraph). They render core state and pass on user requests."""
