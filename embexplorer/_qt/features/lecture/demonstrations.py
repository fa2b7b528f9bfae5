"""The six demonstrations of the Lecture menu: what each runs, shows and marks on the plot.

A :class:`Demonstration` fills its page of the Lecture dock and works through the lecture
feature (``lecture``: caption, background run, data sets, the ratings and models it reuses) and
the commands other features offer (the User dock, the analogy solver, colouring, zooming).  The
numbers come from :mod:`embexplorer.core.teaching.lecture`.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from embexplorer.core.analysis.frames import SCALED_MOVIE_FRAME_AXES, signs_matching
from embexplorer.core.teaching.lecture import (
    EXTREMES_N,
    LECTURE_EPOCHS,
    LECTURE_SEED,
    LECTURES,
    TOP_RATED,
    all_pca_extremes,
    available_analogies,
    compare_neighbours,
    compare_runs,
    default_movie,
    genre_embeddings,
    norm_histograms,
    ratings_summary,
    run_configs,
    what_if_example,
)
from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle
from embexplorer.core.view.projection import FrameProjection

#: Principal components of the sets a demonstration shows.
MAX_COMPONENTS = 10
#: Neighbours listed in the genre demonstration.
GENRE_NEIGHBOURS = 10
#: Layers of the genre demonstration (the chosen movie, its genre neighbours) and of the PCA axes
#: (both ends of the component read).
GENRE_NEIGHBOURS_LAYER, GENRE_QUERY_LAYER = "lecture.genre-neighbours", "lecture.genre-query"
PCA_LOW_LAYER, PCA_HIGH_LAYER = "lecture.pca-low", "lecture.pca-high"
GENRE_NEIGHBOURS_STYLE = LayerStyle(palette.NEIGHBOUR, size=9, width=1.0, z=20)
GENRE_QUERY_STYLE = LayerStyle(palette.QUERY, symbol="star", size=18, z=22)
PCA_LOW_STYLE = LayerStyle(palette.PCA_LOW, size=10, z=20)
PCA_HIGH_STYLE = LayerStyle(palette.PCA_HIGH, size=10, z=20)
#: GloVe downloads the analogies open when no word vectors are shown (smallest first).
GLOVE_NAMES = ("glove-wiki-gigaword-50", "glove-wiki-gigaword-100")
#: How long short notes stay in the status bar (ms).
NOTE_MS = 5000


def lecture_config():
    """Training settings of the lecture's quick models (a few epochs, a fixed seed)."""
    from embexplorer.core.recommender.mf import MFConfig

    return MFConfig(epochs=LECTURE_EPOCHS, seed=LECTURE_SEED)


def reusable_model(models, ratings):
    """The first of ``models`` trained on ``ratings`` (same users and items), else None."""
    for model in models:
        if (model is not None and model.item_ids == list(ratings.item_ids)
                and model.user_ids == list(ratings.user_ids)):
            return model
    return None


def _quick_model(models, ratings, control):
    """A reusable model of ``ratings``, else one trained now (worker thread)."""
    from embexplorer.core.recommender.mf import train

    return reusable_model(models, ratings) or train(ratings, lecture_config(), control=control)


def _fit(emb):
    """PCA of a set shown by a demonstration (worker thread)."""
    from embexplorer.core.analysis.pca import fit_pca

    return fit_pca(emb.vectors, n_components=min(MAX_COMPONENTS, emb.dims, emb.n))


def _item_rows(model, n: int) -> np.ndarray:
    """Model item index -> row of ``model.item_embeddings(n)`` (-1: not among the ``n`` most rated)."""
    rows = model.most_rated(n)
    to_row = np.full(model.n_items, -1, dtype=np.int64)
    to_row[rows] = np.arange(len(rows))
    return to_row


class Demonstration:
    """One entry of the Lecture menu and its page of the Lecture dock.

    Parameters
    ----------
    lecture : LectureFeature
    """

    #: Key of :data:`~embexplorer.core.teaching.lecture.LECTURES`.
    name = ""
    #: Docks this demonstration uses: the lecture puts the others away while it runs.
    docks: tuple[str, ...] = ()

    def __init__(self, lecture) -> None:
        self.lecture = lecture
        self.ctx = lecture.ctx
        self.page = lecture.panel.pages[self.name]

    def run(self) -> None:
        """Start: end with ``lecture.finish`` (or ``lecture.fail``), now or when the work is done."""
        raise NotImplementedError

    def point_clicked(self, row: int) -> None:
        """The user clicked ``row`` of the plot while this demonstration is shown."""

    def stop(self) -> None:
        """The lecture ended: forget what waits for a signal."""

    def _set_layers(self, *layers: tuple[str, LayerStyle, str, np.ndarray, np.ndarray | None]) -> None:
        owner = self.lecture.name
        for name, style, legend, rows, lines in layers:
            self.ctx.workspace.set_layer(Layer(name, owner, style, legend, rows=rows, lines=lines))


class RatingsDemonstration(Demonstration):
    """The raw ratings table and its long tails."""

    name = "ratings"

    def run(self) -> None:
        lecture = self.lecture
        load = lecture.data_work()

        def work(control, _stop):
            data = load(control)
            return data, ratings_summary(data.ratings)

        def done(value) -> None:
            data, summary = value
            lecture.data = data
            self.page.show_ratings(data.ratings, summary)
            lecture.show_panel()
            lecture.finish(self.name, f"{data.note}: {summary.text()}")

        lecture.start(work, done)


class GenresDemonstration(Demonstration):
    """Genre flags as vectors, against learned vectors: a movie's neighbours by each."""

    name = "genres"

    def __init__(self, lecture) -> None:
        super().__init__(lecture)
        self.genre_emb = None
        self.learned_emb = None
        self.comparison = None
        self.page.movie_chosen.connect(self._on_movie_chosen)

    def run(self) -> None:
        lecture = self.lecture
        load, models = lecture.data_work(), lecture.models()

        def work(control, stop):
            data = load(control)
            genre_emb = genre_embeddings(data.ratings)
            pca = _fit(genre_emb)
            model = _quick_model(models, data.ratings, stop)
            learned = model.item_embeddings(TOP_RATED)
            cmp = compare_neighbours(genre_emb, learned, default_movie(learned), GENRE_NEIGHBOURS)
            return data, genre_emb, pca, model, learned, cmp

        def done(value) -> None:
            data, genre_emb, pca, model, learned, cmp = value
            lecture.remember(data, model)
            self.genre_emb, self.learned_emb, self.comparison = genre_emb, learned, cmp
            lecture.show_set(genre_emb, pca, "demo", f"Genre vectors of {data.note}")
            lecture.offered("explorer.color_by", "genre")
            self.page.set_movies(list(learned.labels), cmp.label)
            self.page.show_comparison(cmp, genre_emb)
            self._mark(cmp.label)
            lecture.show_panel()
            lecture.finish(self.name, f"{data.note}; learned vectors: {learned.n:,} most-rated movies")

        lecture.start(work, done)

    def compare(self, label: str) -> bool:
        """Show the genre-vs-learned neighbours of movie ``label``; False if it is not in both sets."""
        if self.genre_emb is None or self.learned_emb is None:
            return False
        try:
            cmp = compare_neighbours(self.genre_emb, self.learned_emb, label, GENRE_NEIGHBOURS)
        except KeyError:
            self.ctx.shell.message(f"{label!r} is not among the {self.learned_emb.n:,} most-rated movies",
                                   NOTE_MS)
            return False
        self.comparison = cmp
        self.page.show_comparison(cmp, self.genre_emb)
        self._mark(label)
        return True

    def _mark(self, label: str) -> None:
        """Mark the movie and its genre neighbours on the genre scatter (lines to each)."""
        ws = self.ctx.workspace
        g = self.genre_emb
        if ws.dataset is not g or label not in g.index or self.comparison is None:
            ws.remove_layer(GENRE_NEIGHBOURS_LAYER)
            ws.remove_layer(GENRE_QUERY_LAYER)
            return
        q = g.index[label]
        rows = np.array([n.row for n in self.comparison.genre], dtype=np.int64)
        lines = np.column_stack([np.full(len(rows), q, dtype=np.int64), rows])
        self._set_layers((GENRE_NEIGHBOURS_LAYER, GENRE_NEIGHBOURS_STYLE, "genre neighbours", rows, lines),
                         (GENRE_QUERY_LAYER, GENRE_QUERY_STYLE, label, np.array([q]), None))

    def point_clicked(self, row: int) -> None:
        g = self.genre_emb
        if self.ctx.workspace.dataset is g and g is not None and 0 <= row < g.n:
            label = g.labels[row]
            if self.learned_emb is not None and label in self.learned_emb.index:
                self.compare(label)

    def _on_movie_chosen(self, label: str) -> None:
        self.compare(label)


class UsersDemonstration(Demonstration):
    """A user's taste vector: a quick model trained live, then a worked what-if user in the User dock."""

    name = "users"
    docks = ("user",)

    def __init__(self, lecture) -> None:
        super().__init__(lecture)
        self._waiting = None  # the model the User dock is about to take (its first user then shows)
        self.page.new_user_requested.connect(self._on_new_user_requested)

    def run(self) -> None:
        lecture = self.lecture
        self._waiting = None
        user_panel = lecture.offered("recommender.user_panel")
        if user_panel is None:
            lecture.fail(self.name, "needs the User dock (the recommender)")
            return
        shown = lecture.offered("recommender.model")
        if shown is not None and user_panel.model is shown:
            self._show_what_if(shown, "the model trained last")
            return
        from embexplorer.core.recommender.mf import MovieFrames, train

        load = lecture.data_work()
        frames = MovieFrames(top_n=TOP_RATED, scale=True)  # updated by this run's worker only

        def work(control, stop):
            data = load(control)

            def on_epoch(stats, snapshot) -> None:
                control.emit((stats, *frames.update(snapshot)))  # the frame's PCA off the UI thread

            model = train(data.ratings, lecture_config(), control=stop, on_epoch=on_epoch)
            movies = model.item_embeddings(TOP_RATED)
            pca = _fit(movies)
            if frames.previous is not None:  # the finished set keeps the last frame's orientation
                pca = signs_matching(pca, frames.previous)
            return data, model, movies, pca

        self.ctx.workspace.claim_live(lecture.name)
        lecture.start(work, self._on_trained, on_yield=self._on_epoch)

    def _on_epoch(self, value) -> None:
        stats, emb, xy = value
        self.ctx.workspace.show_frame(self.lecture.name, emb, FrameProjection(xy, SCALED_MOVIE_FRAME_AXES),
                                      stats.epoch, "lecture: user vectors, training")
        self.lecture.say(self.name, f"epoch {stats.epoch}/{stats.epochs}: watch the movies organise…")

    def _on_trained(self, value) -> None:
        data, model, movies, pca = value
        lecture = self.lecture
        lecture.remember(data, model)
        if not lecture.show_set(movies, pca, "model", f"MF model, {data.note}", trained_live=True):
            lecture.fail(self.name, f"another set took the plot: choose {LECTURES[self.name][0]} again")
            return
        self._waiting = model
        # The Recommender hands the model to the User dock in a later event-loop slice: wait for it.
        lecture.offered("recommender.user_panel").user_selected.connect(
            lambda _user: self._on_user_panel_ready(model, data.note),
            QtCore.Qt.ConnectionType.SingleShotConnection)
        lecture.offered("recommender.show_model", model, _item_rows(model, TOP_RATED))

    def _on_user_panel_ready(self, model, note: str) -> None:
        if self._waiting is model:
            self._show_what_if(model, note)

    def _show_what_if(self, model, note: str) -> None:
        lecture = self.lecture
        if lecture.current != self.name:
            return
        self._waiting = None
        user_panel = lecture.offered("recommender.user_panel")
        self.ctx.shell.show_dock("user")
        example = what_if_example(model)
        user_panel.start_new_user()
        for item, stars in example:
            user_panel.rate(item, stars)
        rated = ", ".join(f"{model.titles[i] or model.item_ids[i]} {s:g}★" for i, s in example)
        self.page.show_example(rated)
        lecture.show_panel()
        lecture.finish(self.name, f"{note}; worked example: {len(example)} ratings")

    def stop(self) -> None:
        self._waiting = None

    def _on_new_user_requested(self) -> None:
        user_panel = self.lecture.offered("recommender.user_panel")
        if user_panel is None or user_panel.model is None:
            self.lecture.run(self.name)
            return
        self.ctx.shell.show_dock("user")
        user_panel.start_new_user()
        user_panel.movie_edit.setFocus()


class GradientDescentDemonstration(Demonstration):
    """The same model trained twice, with and without one switch: curves, frames, vector norms."""

    name = "gradient-descent"

    def __init__(self, lecture) -> None:
        super().__init__(lecture)
        self.runs = None
        self._names: list[str] = []
        self.page.rerun_requested.connect(self._on_rerun_requested)

    def run(self) -> None:
        from embexplorer.core.recommender.mf import MovieFrames

        lecture, page = self.lecture, self.page
        switch, epochs = page.switch, page.epochs_spin.value()
        load = lecture.data_work()
        self._names = [n for n, _ in run_configs(switch, epochs, LECTURE_SEED)]
        page.reset(self._names)
        page.status.setText("Training both runs on the same split with the same seed…")
        lecture.show_panel()
        self.runs = None
        n_runs = len(self._names)

        def work(control, stop):
            data = load(control)
            frames = [MovieFrames(top_n=TOP_RATED, scale=True) for _ in range(n_runs)]

            def on_epoch(run, stats, snapshot) -> None:
                control.emit((run, stats, *frames[run].update(snapshot)))

            runs = compare_runs(data.ratings, switch, epochs, LECTURE_SEED, control=stop, on_epoch=on_epoch)
            final = runs.runs[0].model.item_embeddings(TOP_RATED)
            return data, runs, norm_histograms({r.name: r for r in runs.runs}), final, _fit(final)

        self.ctx.workspace.claim_live(lecture.name)
        lecture.start(work, self._on_trained, on_yield=self._on_epoch)

    def _on_epoch(self, value) -> None:
        run, stats, emb, xy = value
        self.page.add_epoch(run, stats)
        self.ctx.workspace.show_frame(self.lecture.name, emb, FrameProjection(xy, SCALED_MOVIE_FRAME_AXES),
                                      stats.epoch, f"gradient descent: {self._names[run]}")
        self.lecture.say(self.name, f"{self._names[run]}: epoch {stats.epoch}/{stats.epochs}")

    def _on_trained(self, value) -> None:
        data, runs, hists, final, pca = value
        lecture = self.lecture
        lecture.remember(data, runs.runs[0].model)
        self.runs = runs
        self.page.show_norms(hists)
        self.page.status.setText(runs.text())
        shown = lecture.show_set(final, pca, "model", f"MF model ({runs.runs[0].name}), {data.note}",
                                 trained_live=True)
        a, b = (hists.means[r.name] for r in runs.runs)
        lecture.finish(self.name, f"{data.note}; mean movie-vector norm {a:.2f} vs {b:.2f}"
                       + ("" if shown else " (the model's movies are not shown: another set took the plot)"))

    def _on_rerun_requested(self) -> None:
        self.lecture.run(self.name)


class PCAAxesDemonstration(Demonstration):
    """Read a principal component from the items at its two ends."""

    name = "pca-axes"

    def __init__(self, lecture) -> None:
        super().__init__(lecture)
        self.ends = None
        self._source = None  # (set, PCA) read
        self.page.component_changed.connect(self._on_component_changed)

    def run(self) -> None:
        lecture = self.lecture
        ws = self.ctx.workspace
        emb, pca = ws.dataset, ws.pca
        if emb is not None and pca is not None and (emb.format == "mf" or emb.kind == "word"):
            self._show(emb, pca, "the current set")
            return
        load, models = lecture.data_work(), lecture.models()

        def work(control, stop):
            data = load(control)
            model = _quick_model(models, data.ratings, stop)
            movies = model.item_embeddings(TOP_RATED)
            return data, model, movies, _fit(movies)

        def done(value) -> None:
            data, model, movies, pca = value
            lecture.remember(data, model)
            lecture.show_set(movies, pca, "model", f"MF model, {data.note}")
            self._show(movies, pca, data.note)

        lecture.start(work, done)

    def _show(self, emb, pca, note: str) -> None:
        self._source = (emb, pca)
        self.page.set_components([pca.axis_label(i) for i in range(pca.n_components)])
        self.ends = None
        self.show_component(0)
        self.lecture.show_panel()
        self.lecture.finish(self.name, f"{note}; the {self.page.top_spin.value():,} most-rated"
                            if "ratings" in emb.metadata else note)

    def show_component(self, component: int) -> None:
        """The ends of ``component`` in the tables; on the plot, that component along X, ends marked."""
        if self._source is None:
            return
        emb, pca = self._source
        top = self.page.top_spin.value()
        rows_emb = emb if ("ratings" in emb.metadata or emb.kind != "word") else _first_rows(emb, top)
        self.ends = all_pca_extremes(rows_emb, _restricted_pca(pca, emb, rows_emb), EXTREMES_N, top)
        ends = self.ends[component]
        self.page.show_ends(ends)
        ws = self.ctx.workspace
        if ws.dataset is emb and ws.pca is pca and pca.n_components > 1:
            ws.set_axes(component, 1 if component == 0 else 0)
            # The two ends, labelled on the scatter: the axis reads left (low) to right (high).
            self._set_layers(
                (PCA_LOW_LAYER, PCA_LOW_STYLE, f"low end of {ends.title}", [r for r, _, _ in ends.low], None),
                (PCA_HIGH_LAYER, PCA_HIGH_STYLE, f"high end of {ends.title}", [r for r, _, _ in ends.high],
                 None))

    def _on_component_changed(self, component: int) -> None:
        self.show_component(component)


class AnalogiesDemonstration(Demonstration):
    """Step through the classic analogies whose words the set shown has."""

    name = "analogies"
    docks = ("analogy",)

    def __init__(self, lecture) -> None:
        super().__init__(lecture)
        self.analogies: list = []
        self.index = 0
        self._waiting = False  # for the GloVe file being opened
        self.page.step_requested.connect(self._on_step_requested)

    def run(self) -> None:
        ws = self.ctx.workspace
        self._waiting = False
        found = available_analogies(ws.dataset)
        if found:
            self._show(found)
            return
        path, fmt = _cached_glove()
        if path is None or not self.ctx.commands.has("loading.open_file"):
            self.lecture.fail(self.name, "needs word vectors: open GloVe (File ▸ Open) or download "
                                         "“glove-wiki-gigaword-50” on the start page, then choose this again")
            return
        self.lecture.say(self.name, f"opening {path.name}…")
        self._waiting = True
        ws.dataset_changed.connect(self._on_words_shown, QtCore.Qt.ConnectionType.SingleShotConnection)
        self.ctx.commands.run("loading.open_file", str(path), format=fmt)

    def _on_words_shown(self, dataset) -> None:
        if not self._waiting or self.lecture.current != self.name:
            return
        self._waiting = False
        found = available_analogies(dataset)
        if found:
            self._show(found)
        else:
            self.lecture.fail(self.name, "none of the classic analogies' words are in this set")

    def _show(self, found: list) -> None:
        self.analogies = found
        self.index = 0
        self.page.set_enabled_steps(len(found))
        self.lecture.show_panel()
        self.step(0)
        self.lecture.shown.emit(self.name)

    def step(self, delta: int) -> bool:
        """Move ``delta`` analogies on (wrapping) and solve it in the Analogy dock; False if none."""
        emb = self.ctx.workspace.dataset
        if not self.analogies or emb is None:
            return False
        self.index = (self.index + delta) % len(self.analogies)
        q = self.analogies[self.index]
        try:
            a, b, c = (emb.labels[emb.row(w, case_insensitive=True)] for w in (q.a, q.b, q.c))
        except KeyError as err:  # another set was opened since: its words are not the lecture's
            self.lecture.say(self.name, f"the set shown has no {err.args[0]!r}: run the lecture again to "
                                        "bring its word vectors back")
            return False
        self.ctx.shell.show_dock("analogy")
        ok = bool(self.lecture.offered("analogy.solve", a, b, c))
        answer = (self.lecture.offered("analogy.answer") if ok else None) or "?"
        mark = "✓" if answer.lower() == q.expected.lower() else f"✗ (expected {q.expected})"
        self.page.label.setText(f"{self.index + 1} / {len(self.analogies)} · {q.relation}: "
                                f"<b>{a} : {b} :: {c} : {answer}</b> {mark}")
        if ok:
            self.lecture.offered("explorer.zoom_to_results")
        self.lecture.say(self.name, f"{q.relation}: {a} : {b} :: {c} : {answer} {mark}")
        return ok

    def stop(self) -> None:
        self._waiting = False

    def _on_step_requested(self, delta: int) -> None:
        self.step(delta)


#: The demonstrations by lecture name, in the menu's order.
DEMONSTRATIONS: dict[str, type[Demonstration]] = {
    cls.name: cls for cls in (RatingsDemonstration, GenresDemonstration, UsersDemonstration,
                              GradientDescentDemonstration, PCAAxesDemonstration, AnalogiesDemonstration)}


def _first_rows(emb, n: int):
    """Word sets: the first ``n`` rows (sorted files list the most frequent words first)."""
    return emb if emb.n <= n else emb.subset(np.arange(n))


def _restricted_pca(pca, emb, sub):
    """``pca`` with its coordinates cut to the rows of ``sub`` (a prefix subset of ``emb``)."""
    if sub is emb:
        return pca
    import dataclasses

    return dataclasses.replace(pca, coords=np.ascontiguousarray(pca.coords[:sub.n]))


def _cached_glove():
    """(path, format) of a downloaded gensim-data GloVe model, or (None, None)."""
    from embexplorer.core.data import gensim_data

    for name in GLOVE_NAMES:
        try:
            if gensim_data.is_downloaded(name):
                spec = gensim_data.resolve(name)
                return gensim_data.model_path(spec), spec.format
        except Exception:  # noqa: BLE001 -- a damaged catalogue entry: no cached GloVe
            continue
    return None, None
