"""Every colour the application draws with, in one place (RGB tuples, Qt-free).

The categorical palette colours points by a metadata column; the overlay colours
mark what a feature highlights (neighbours, analogy, a user's movies) on top of
them; the series colours draw curves and charts.  Features import their colours
from here, so a change of theme or a clash between a highlight and a category
is fixed once.
"""

from __future__ import annotations

#: Tableau-20 reordered so the first ten are the strong hues (the categories of most
#: data sets) and the light variants come after.
TAB20_HEX = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)


def hex_to_rgb(text: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an ``(r, g, b)`` tuple."""
    text = text.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


#: The categorical palette as (r, g, b) tuples.
CATEGORICAL = tuple(hex_to_rgb(h) for h in TAB20_HEX)

# -- series (curves, bars) -----------------------------------------------------------
#: Default point colour with no colour-by column, first curve of a chart (training loss).
BLUE = CATEGORICAL[0]
#: Second curve of a chart (validation loss, a second run).
RED = CATEGORICAL[3]
#: Third curve (analogy accuracy while word2vec trains).
GREEN = CATEGORICAL[2]
#: Histogram bars (blue, partly transparent).
HIST_RGBA = (*BLUE, 160)

# -- overlays: what features highlight on the plot --------------------------------------
#: The neighbours of a query and the lines to them.
NEIGHBOUR = (44, 160, 44)
#: The query point (a star) of a neighbour search; also the search focus ring.
QUERY = (214, 39, 40)
#: The analogy parallelogram (a -> b, c -> answer).
ANALOGY = (230, 120, 0)
#: Where ``c + (b - a)`` falls (the analogy's expected point).
EXPECTED = (128, 60, 170)
#: A user's recommended movies.
RECOMMENDED = (148, 0, 211)
#: The user-taste arrow.
USER_VECTOR = (20, 20, 20)
#: A user's rated movies by rounded stars, 1 (red) to 5 (green).
RATING = {1: (215, 48, 39), 2: (252, 141, 89), 3: (230, 200, 40), 4: (145, 207, 96), 5: (26, 152, 80)}
#: Lecture: the two ends of a principal component (low, high).
PCA_LOW, PCA_HIGH = EXPECTED, ANALOGY
#: The selection's highlight and the rubber band.
SELECTION = (230, 85, 13)
#: Lecture: the caption banner above the plot (a pale "sticky note" readable from the back row).
CAPTION_BACKGROUND, CAPTION_BORDER = (255, 248, 220), (217, 201, 140)
CAPTION_TEXT, CAPTION_DETAIL = (26, 26, 26), (85, 85, 85)
