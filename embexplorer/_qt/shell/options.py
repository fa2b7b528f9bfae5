"""The GUI's command-line options, gathered from the features (no Qt is imported)."""

from __future__ import annotations

from embexplorer._qt import features


def add_gui_arguments(parser) -> None:
    """Add the window's options and every feature's to ``parser``."""
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="render the window offscreen to OUT.png and exit")
    parser.add_argument("--size", default="1280x800", metavar="WxH",
                        help="window size for --screenshot (default 1280x800)")
    parser.add_argument("--json", action="store_true",
                        help="with --screenshot: also print, as JSON, every drawn label and highlight "
                             "marker (window pixels), the legend, and the visible rows of each result table")
    parser.add_argument("--presentation", action="store_true",
                        help="presentation mode (large text and points, high contrast); with --screenshot "
                             "the picture shows it")
    show = parser.add_argument_group("what to show (with PATH; for --screenshot and at start-up)")
    show.add_argument("--dock", metavar="NAME", action="append",
                      help="show a panel: points, neighbours, analogy, recommender, user, word2vec, lecture, "
                           "bookmarks (repeatable)")
    features.add_arguments(parser, show)
