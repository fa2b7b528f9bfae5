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
# Highlights are drawn from their own palette, DISJOINT from the categorical one: every highlight
# colour is at least HIGHLIGHT_MIN_DELTA_E (CIELAB distance) from every category colour, so a
# neighbour is never read as "Comedy" (tests/test_palette.py checks it).  While a highlight is
# shown the base points are dimmed (scatter_points), as the TensorFlow Projector does.
#: Smallest CIELAB distance between a highlight colour and any categorical colour.
HIGHLIGHT_MIN_DELTA_E = 25.0
MAGENTA = (230, 0, 230)
ELECTRIC_BLUE = (0, 60, 255)
INK = (25, 25, 25)
RASPBERRY = (200, 0, 110)
#: The highlight palette (each entry disjoint from :data:`CATEGORICAL`).
HIGHLIGHT = (MAGENTA, ELECTRIC_BLUE, INK, RASPBERRY)
#: The neighbours of a query and the lines to them.
NEIGHBOUR = ELECTRIC_BLUE
#: The query point (a star) of a neighbour search; also the search focus ring.
QUERY = MAGENTA
#: The analogy parallelogram (a -> b, c -> answer).
ANALOGY = INK
#: Where ``c + (b - a)`` falls (the analogy's expected point).
EXPECTED = MAGENTA
#: A user's recommended movies.
RECOMMENDED = INK
#: The user-taste arrow.
USER_VECTOR = INK
#: A user's rated movies by rounded stars, 1 (magenta) to 5 (blue): one ramp inside the highlight
#: palette, none of it a genre's colour.
RATING = {1: MAGENTA, 2: (172, 15, 236), 3: (115, 30, 242), 4: (57, 45, 248), 5: ELECTRIC_BLUE}
#: Lecture: the two ends of a principal component (low, high).
PCA_LOW, PCA_HIGH = ELECTRIC_BLUE, MAGENTA
#: The selection's highlight and the rubber band.
SELECTION = RASPBERRY
#: Lecture: the caption banner above the plot (a pale "sticky note" readable from the back row).
CAPTION_BACKGROUND, CAPTION_BORDER = (255, 248, 220), (217, 201, 140)
CAPTION_TEXT, CAPTION_DETAIL = (26, 26, 26), (85, 85, 85)


def to_lab(rgb) -> tuple[float, float, float]:
    """CIELAB (D65) coordinates of an sRGB ``(r, g, b)`` colour (0-255)."""
    c = [v / 255.0 for v in rgb]
    c = [((v + 0.055) / 1.055) ** 2.4 if v > 0.04045 else v / 12.92 for v in c]
    x = (0.4124 * c[0] + 0.3576 * c[1] + 0.1805 * c[2]) / 0.95047
    y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    z = (0.0193 * c[0] + 0.1192 * c[1] + 0.9505 * c[2]) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(a, b) -> float:
    """CIE76 colour difference of two sRGB colours (about 2.3 is just noticeable; 25 is clearly apart)."""
    la, lb = to_lab(a), to_lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb)) ** 0.5
