"""The Lecture's ratings table: our numpy-backed model vs a QStandardItemModel (one item per cell), same run.

Shows the 100,000 ml-100k ratings (user, movie, rating, time) in a QTableView and sorts them by a
column, timing model set-up + first paint and a sort with

* ours: :class:`embexplorer._qt.features.lecture.pages.RatingsTableModel` (cells formatted only when Qt asks,
  sorting is one stable ``np.argsort``);
* the peer: ``QStandardItemModel`` filled with one ``QStandardItem`` per cell (the obvious Qt way),
  sorted by Qt.

Also times the Lecture's numeric parts on the same data: the ratings summary, the genre set and
its neighbour comparison, and the two gradient-descent runs.

    python -m tests.bench.bench_lecture [--quick] [--data ../shared/data/ml-100k]

``--quick`` shows only the first 20,000 ratings to the peer (its cost is linear in the rows).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ml-100k"
QUICK_ROWS = 20_000
TIME_FORMAT = "%Y-%m-%d %H:%M"
#: Epochs of each gradient-descent run timed here (the lecture's default).
GD_EPOCHS = 5


def _ms(t0: float) -> float:
    return 1000.0 * (time.perf_counter() - t0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="peer on the first 20,000 ratings only")
    p.add_argument("--data", default=str(DEFAULT_DATA), help="ml-100k folder")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtGui, QtWidgets

    from embexplorer._qt.features.lecture.pages import RatingsPage, RatingsTableModel
    from embexplorer.core.recommender.mf import MFConfig, train
    from embexplorer.core.recommender.movielens import load_movielens
    from embexplorer.core.teaching.lecture import (
        compare_neighbours,
        compare_runs,
        genre_embeddings,
        ratings_summary,
    )

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    r = load_movielens(args.data)
    n_peer = QUICK_ROWS if args.quick else len(r)
    desc = QtCore.Qt.SortOrder.DescendingOrder

    # -- ours --------------------------------------------------------------------------------
    view = QtWidgets.QTableView()
    view.resize(900, 500)
    view.show()
    app.processEvents()
    t0 = time.perf_counter()
    model = RatingsTableModel()
    model.set_ratings(r)
    view.setModel(model)
    app.processEvents()
    view.grab()
    ours_show = _ms(t0)
    t0 = time.perf_counter()
    model.sort(1, desc)
    app.processEvents()
    view.grab()
    ours_sort = _ms(t0)
    page = RatingsPage()
    page.resize(1200, 500)
    page.show()
    app.processEvents()
    t0 = time.perf_counter()
    page.show_ratings(r, ratings_summary(r))
    app.processEvents()
    page.grab()
    ours_page = _ms(t0)

    # -- the peer: one QStandardItem per cell -------------------------------------------------
    pview = QtWidgets.QTableView()
    pview.resize(900, 500)
    pview.show()
    app.processEvents()
    t0 = time.perf_counter()
    peer = QtGui.QStandardItemModel(n_peer, 4)
    for i in range(n_peer):
        item = int(r.items[i])
        peer.setItem(i, 0, QtGui.QStandardItem(r.user_ids[int(r.users[i])]))
        peer.setItem(i, 1, QtGui.QStandardItem(r.titles[item]))
        peer.setItem(i, 2, QtGui.QStandardItem(f"{float(r.ratings[i]):g}"))
        peer.setItem(i, 3, QtGui.QStandardItem(time.strftime(TIME_FORMAT, time.gmtime(int(r.timestamps[i])))))
    pview.setModel(peer)
    app.processEvents()
    pview.grab()
    peer_show = _ms(t0)
    t0 = time.perf_counter()
    peer.sort(1, desc)
    app.processEvents()
    pview.grab()
    peer_sort = _ms(t0)

    print(f"ratings table, {len(r):,} rows (peer: {n_peer:,} rows)")
    print(f"  set up + first paint: ours {ours_show:8.1f} ms   QStandardItemModel {peer_show:8.1f} ms   "
          f"ratio {peer_show / ours_show:6.1f}x")
    print(f"  sort by title:        ours {ours_sort:8.1f} ms   QStandardItemModel {peer_sort:8.1f} ms   "
          f"ratio {peer_sort / ours_sort:6.1f}x")
    print(f"  whole Ratings page (table + counts + two histograms): {ours_page:.1f} ms")

    # -- the numeric parts ---------------------------------------------------------------------
    t0 = time.perf_counter()
    s = ratings_summary(r)
    print(f"ratings_summary: {_ms(t0):.1f} ms ({s.text()})")
    t0 = time.perf_counter()
    g = genre_embeddings(r)
    t_genre = _ms(t0)
    m = train(r, MFConfig(epochs=GD_EPOCHS))
    learned = m.item_embeddings(1000)
    t0 = time.perf_counter()
    cmp = compare_neighbours(g, learned, "Star Wars (1977)")
    print(f"genre_embeddings: {t_genre:.1f} ms; compare_neighbours: {_ms(t0):.1f} ms ({cmp.text()})")
    t0 = time.perf_counter()
    runs = compare_runs(r, epochs=GD_EPOCHS)
    print(f"compare_runs, 2 x {GD_EPOCHS} epochs on 80,000 ratings: {_ms(t0) / 1000:.2f} s ({runs.text()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
