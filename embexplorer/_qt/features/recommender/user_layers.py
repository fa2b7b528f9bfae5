"""A user's movies on the plot: rated ones by stars, recommendations, the taste arrow."""

from __future__ import annotations

import numpy as np

from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle

#: Layer names (one per star count, so the legend can name each colour).
RATED_LAYER = "recommender.rated-{}"
RECOMMENDED_LAYER = "recommender.recommended"
TASTE_LAYER = "recommender.taste"
#: Rated movies are squares: told apart from the category-coloured circles underneath.
RATED_SIZE = 9
RECOMMENDED_STYLE = LayerStyle(palette.RECOMMENDED, symbol="star", size=15, z=21)
TASTE_STYLE = LayerStyle(palette.USER_VECTOR, size=1, width=3.0, z=26)


def user_layers(owner: str, highlight: dict | None, to_row: np.ndarray | None) -> list[Layer]:
    """The layers of the User panel's ``highlight`` (model item indices mapped by ``to_row``;
    ``-1``: a movie not on the plot).  Empty when there is nothing to draw."""
    if highlight is None or to_row is None:
        return []
    layers = []
    rated = np.asarray(highlight["rated"], dtype=np.int64)
    ratings = np.asarray(highlight["ratings"], dtype=np.float64)
    rows = to_row[rated] if len(rated) else np.zeros(0, np.int64)
    shown = rows >= 0
    stars = np.clip(np.rint(ratings[shown]), 1, 5).astype(int)
    for k, color in palette.RATING.items():
        r = rows[shown][stars == k]
        if len(r):
            style = LayerStyle(color, symbol="s", size=RATED_SIZE, labels=False, z=18 + k / 10)
            layers.append(Layer(RATED_LAYER.format(k), owner, style, f"rated {k}★", rows=r))
    recommended = np.asarray(highlight["recommended"], dtype=np.int64)
    rec = to_row[recommended] if len(recommended) else rows[:0]
    rec = rec[rec >= 0]
    if len(rec):
        layers.append(Layer(RECOMMENDED_LAYER, owner, RECOMMENDED_STYLE, "recommended", rows=rec))
    vector = highlight.get("vector")
    if vector is not None:
        # The origin of the plane is the mean movie; the arrow points where the user's taste points.
        layers.append(Layer(TASTE_LAYER, owner, TASTE_STYLE, "user taste", direction=np.asarray(vector),
                            direction_label="user taste"))
    return layers
