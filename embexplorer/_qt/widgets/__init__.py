"""Widgets shared by the features: the raster scatter and its parts, the legend, the linked
table, the search box, result tables and label fields, export, the training panel base."""
