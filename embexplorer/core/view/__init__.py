"""What the plot shows, Qt-free: the Workspace, overlay layers, palette and scatter maths."""
