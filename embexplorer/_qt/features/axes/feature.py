"""The axes feature: axes made of words, the analogy's own plane, and projecting a direction away.

* **Axes**: X and Y are expressions ("woman - man", "king - queen"); every point is placed by its
  cosine (or dot product) with each (:class:`~embexplorer.core.analysis.axes.AxesProjection`), the
  words that make the axes are marked, and "Back to PCA" returns to the principal components.
* **The analogy's plane** (``axes.analogy_plane``, the Analogy dock's button): the words of
  ``a : b :: c : ?`` on the plane of ``b − a`` and ``c − a``, where ``a``, ``b``, ``c + (b − a)`` and
  ``c`` are an exact parallelogram (drawn closed), the answer where it projects.
* **Project away**: a direction removed from every vector; the result is shown as the data set
  (source kind "memory", titled "… (woman - man removed)"), and the Neighbours and Analogy docks ask
  their last questions again, so a lecture sees what changed.  "Original Vectors" goes back.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets

from embexplorer._qt.feature import DockSpec, Feature, MenuItem
from embexplorer._qt.features.axes.panel import AxesPanel
from embexplorer._qt.workspace import DataSource, first_components
from embexplorer.core.analysis.axes import (
    AnalogyPlaneProjection,
    AxesProjection,
    analogy_plane,
    axes_projection,
    parse_direction,
    project_away,
)
from embexplorer.core.analysis.neighbours import UnknownLabel, most_similar, resolve_row
from embexplorer.core.errors import DataError
from embexplorer.core.progress import ScaledControl
from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle, vector_ref
from embexplorer.core.view.projection import PCAProjection

#: The layers this feature draws: the words that make the axes; the analogy's exact parallelogram.
WORDS_LAYER, PLANE_LAYER = "axes.words", "axes.plane"
WORDS_STYLE = LayerStyle(palette.QUERY, symbol="s", size=11, width=1.0, z=21)
PLANE_STYLE = LayerStyle(palette.EXPECTED, symbol="x", size=8, width=1.2, z=24, labels=False)
#: Background tasks (one of each at a time).
AWAY_TASK, PCA_TASK = "axes-project-away", "axes-pca"
#: Principal components computed for a set made here (as the loaders do).
MAX_COMPONENTS = 10
#: Neighbours compared before and after a direction is removed.
COMPARE_K = 10
#: Progress share of removing the direction (the PCA of the result gets the rest).
AWAY_PROGRESS_SHARE = 0.4
#: How long the status-bar summaries stay (ms).
MESSAGE_MS = 12000


class AxesFeature(Feature):
    """Meaning-bearing axes, the analogy's plane, and projecting a direction away."""

    name = "axes"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.panel = AxesPanel()
        self._pca = None        # the PCA projection of the set shown, kept while other axes show
        self._original = None   # (dataset, projection, source) before the first direction was removed
        self._plane_labels: tuple[str, ...] | None = None  # the analogy whose plane is shown
        ws = ctx.workspace
        ws.dataset_changed.connect(self._on_dataset_changed)
        ws.projection_changed.connect(self._on_projection_changed)
        p = self.panel
        p.apply_button.clicked.connect(self._on_apply_clicked)
        for edit in (p.x_edit, p.y_edit):
            edit.returnPressed.connect(self._on_apply_clicked)
        p.pca_button.clicked.connect(self.back_to_pca)
        p.away_button.clicked.connect(self._on_away_clicked)
        p.away_edit.returnPressed.connect(self._on_away_clicked)
        p.original_button.clicked.connect(self.restore_original)
        self.axes_action = QtGui.QAction("Meaningful &Axes…", self)
        self.axes_action.setIconText("Word Axes…")
        self.axes_action.setStatusTip("Axes made of words: woman − man against king − queen")
        self.axes_action.triggered.connect(lambda: self._show_dock(p.x_edit))
        self.pca_action = QtGui.QAction("Back to &PCA", self)
        self.pca_action.setEnabled(False)
        self.pca_action.triggered.connect(self.back_to_pca)
        self.away_action = QtGui.QAction("Project a Direction A&way…", self)
        self.away_action.setStatusTip("Remove a direction (e.g. woman − man) from every vector")
        self.away_action.triggered.connect(lambda: self._show_dock(p.away_edit))
        reg = ctx.commands.register
        reg("axes.apply", self.apply, "Place the points on two directions made of words")
        reg("axes.place", self.place, "The same, raising DataError with the reason when it cannot")
        reg("axes.back_to_pca", self.back_to_pca, "Show the principal components again")
        reg("axes.analogy_plane", self.show_analogy_plane, "Place a : b :: c on its own plane")
        reg("axes.project_away", self.project_away, "Remove a direction from every vector")
        reg("axes.restore_original", self.restore_original, "Show the vectors before a direction was removed")

    def docks(self) -> list[DockSpec]:
        return [DockSpec("axes", "Axes", self.panel, visible=False, tab_with="analogy")]

    def toolbar_items(self) -> list:
        return [self.axes_action]

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem("View", self.axes_action, 30), MenuItem("View", self.pca_action, 30),
                MenuItem("View", self.away_action, 30)]

    # -- commands -------------------------------------------------------------------------
    def apply(self, x: str, y: str, measure: str = "cosine", orthogonalise: bool = False) -> bool:
        """Place the points by ``measure`` with the directions ``x`` and ``y`` (expressions).

        False, and the panel says why (an unknown word, a syntax error...), when it cannot."""
        p, ws = self.panel, self.ctx.workspace
        for edit, text in ((p.x_edit, x), (p.y_edit, y)):
            if edit.text() != text:
                edit.setText(text)
        p.set_measure(measure)
        p.orthogonal_check.setChecked(bool(orthogonalise))
        if ws.dataset is None:
            p.say("Open a data set first.", error=True)
            return False
        if not x.strip() or not y.strip():
            p.say("Type a direction for X and for Y, e.g. woman - man and king - queen.", error=True)
            return False
        try:
            proj = axes_projection(ws.dataset, x, y, measure=measure, orthogonalise=orthogonalise)
        except (DataError, ValueError) as exc:
            p.say(str(exc), error=True)
            return False
        self._show(proj)
        rows = list(dict.fromkeys(proj.x.rows + proj.y.rows))
        ws.set_layer(Layer(WORDS_LAYER, self.name, WORDS_STYLE, "words that make the axes", rows=rows))
        shared = float(proj.x.unit @ proj.y.unit)
        note = ("Y is orthogonal to X." if orthogonalise else
                f"The two directions have a cosine of {shared:.2f}"
                + (" (tick Orthogonalise to keep only what Y adds)." if abs(shared) > 0.1 else "."))
        p.say(f"X: {proj.x.title}; Y: {proj.y.title}; by {proj.measure}. {note}")
        placed = f"Points placed by their {proj.measure} with {x.strip()} and {y.strip()}."
        self.ctx.shell.message(f"{placed} {note}", MESSAGE_MS)
        self._fit_dock()
        return True

    def _fit_dock(self) -> None:
        """The dock on screen grows to its contents (a note of three lines pushed project-away under a
        scrollbar at 1280x800)."""
        dock = self.ctx.shell.dock("axes")
        if dock is not None and dock.isVisible():
            QtWidgets.QApplication.sendPostedEvents()  # the note's new height is known
            self.ctx.shell.show_dock("axes")

    def place(self, x: str, y: str, measure: str = "cosine", orthogonalise: bool = False) -> None:
        """:meth:`apply`, raising :class:`DataError` with the panel's reason when it cannot."""
        if not self.apply(x, y, measure, orthogonalise):
            raise DataError(self.panel.status_label.text() or f"cannot place the points by {x!r} and {y!r}",
                            "axes")

    def back_to_pca(self) -> None:
        """Show the principal components of the set again (computed if they are not kept)."""
        ws = self.ctx.workspace
        if ws.dataset is None or isinstance(ws.projection, PCAProjection):
            return
        if self._pca is not None and self._pca.n == ws.dataset.n:
            ws.set_projection(self._pca)
            return
        from embexplorer.core.analysis.pca import fit_pca

        emb = ws.dataset
        k = min(MAX_COMPONENTS, emb.dims, emb.n)

        def done(pca) -> None:
            if self.ctx.workspace.dataset is emb:
                self.ctx.workspace.set_projection(first_components(pca))

        self.ctx.runner.start(PCA_TASK, lambda control: fit_pca(emb.vectors, n_components=k, control=control),
                              on_result=done, on_error=self.ctx.shell.show_error)

    def show_analogy_plane(self, a, b, c, answer=None) -> bool:
        """Place the points on the plane of ``a : b :: c : ?`` (labels or rows): ``a``, ``b``, ``c`` and
        ``c + (b − a)`` an exact parallelogram, drawn closed; ``answer`` (optional) placed exactly too.

        False, with a message, when the words are unknown or on one line."""
        ws = self.ctx.workspace
        emb = ws.dataset
        if emb is None:
            return False
        try:
            answer_row = resolve_row(emb, answer) if answer is not None else None
            proj = analogy_plane(emb, a, b, c, exact_rows=[answer_row] if answer_row is not None else [])
        except (DataError, ValueError) as exc:  # UnknownLabel is a DataError
            self.panel.say(str(exc), error=True)
            self.ctx.shell.message(str(exc), MESSAGE_MS)
            return False
        ra, rb, rc = proj.rows
        V = emb.vectors
        expected = (V[rc].astype(np.float64) + V[rb] - V[ra]).astype(np.float32)
        self._show(proj)
        self._plane_labels = proj.labels + ((emb.labels[answer_row],) if answer_row is not None else ())
        corner = vector_ref(0)
        la, lb, lc = proj.labels
        ws.set_layer(Layer(PLANE_LAYER, self.name, PLANE_STYLE, f"{la}, {lb}, {lc} + ({lb} − {la}), {lc}: "
                           "an exact parallelogram", points=expected[None],
                           lines=[[ra, rb], [rb, corner], [corner, rc], [rc, ra]], zoom_to=True))
        side = float(np.linalg.norm(V[rb].astype(np.float64) - V[ra]))
        text = (f"The plane of {la} : {lb} :: {lc} : ?  —  {la} → {lb} and {lc} → {lc} + ({lb} − {la}) "
                f"are parallel and equal here (length {side:.2f}).")
        if answer_row is not None:
            in_plane = float(np.linalg.norm(proj.xy[answer_row] - proj.project(expected)[0]))
            off = proj.off_plane(V[answer_row])
            text += (f" {emb.labels[answer_row]} lies {in_plane:.2f} from that corner on the plane and "
                     f"{off:.2f} off the plane.")
        self.panel.say(text)
        self.ctx.shell.message(text, MESSAGE_MS)
        if self.ctx.commands.has("explorer.zoom_to_results"):
            self.ctx.commands.run("explorer.zoom_to_results")
        return True

    def project_away(self, expression: str | None = None) -> bool:
        """Remove the direction ``expression`` (the panel's field, else the X expression) from every
        vector, in the background; the result becomes the data set and the Neighbours and Analogy
        docks ask their last questions again.  False (and a message) when it cannot start."""
        p, ws = self.panel, self.ctx.workspace
        typed = expression if expression is not None else p.away_edit.text()
        text = typed.strip() or p.x_edit.text().strip()
        if expression is not None and p.away_edit.text() != expression:
            p.away_edit.setText(expression)
        emb = ws.dataset
        if emb is None:
            p.say("Open a data set first.", error=True, away=True)
            return False
        if not text:
            p.say("Type the direction to remove, e.g. woman - man.", error=True, away=True)
            return False
        try:
            direction = parse_direction(emb, text, name="project away")
        except DataError as exc:
            p.say(str(exc), error=True, away=True)
            return False
        queries = self._questions()
        view = self._view()
        before = (emb, self._pca or ws.projection, ws.source)
        base = ws.source.title or emb.source or "the vectors"
        title = f"{base} ({text} removed)"
        label = queries.get("neighbours")
        k = min(MAX_COMPONENTS, emb.dims, emb.n)

        def work(control):
            from embexplorer.core.analysis.pca import fit_pca

            out = project_away(emb, direction, source=title,
                               control=ScaledControl(control, 0.0, AWAY_PROGRESS_SHARE, "Removing: "))
            pca = fit_pca(out.vectors, n_components=k,
                          control=ScaledControl(control, AWAY_PROGRESS_SHARE, 1.0, "Projecting: "))
            change = None
            if label is not None and label in emb.index:
                row = emb.index[label]
                old = [n.label for n in most_similar(emb, positive=[row], topn=COMPARE_K)]
                new = [n.label for n in most_similar(out, positive=[row], topn=COMPARE_K)]
                change = (label, [w for w in old if w not in new], [w for w in new if w not in old])
            return out, pca, change

        def done(result) -> None:
            self.ctx.shell.idle(self.name)
            out, pca, change = result
            if self.ctx.workspace.dataset is not emb:
                return  # another set was shown meanwhile
            if self._original is None:
                self._original = before
            source = DataSource("memory", title, self.name,
                                details={"removed": text, "from": before[2].title, "rows": out.n})
            self.ctx.workspace.set_dataset(out, first_components(pca), source)
            self._ask_again(queries)
            self._reshow(view)
            summary = f"Removed “{text}” from all {out.n:,} vectors."
            if change is not None:
                word, gone, new = change
                summary += (f" Neighbours of “{word}”: no change." if not gone else
                            f" Neighbours of “{word}” lost {', '.join(gone)}; gained {', '.join(new)}.")
            p.say(summary, away=True)
            self.ctx.shell.message(summary, MESSAGE_MS)

        def failed(exc) -> None:
            self.ctx.shell.idle(self.name)
            p.say(f"Could not remove the direction: {exc}", error=True, away=True)

        self.ctx.shell.busy(self.name, f"Removing “{text}” from every vector…",
                            lambda: self.ctx.runner.cancel(AWAY_TASK))
        self.ctx.runner.start(AWAY_TASK, work, on_result=done, on_error=failed,
                              on_progress=lambda f, m: self.ctx.shell.progress(self.name, f, m),
                              on_cancelled=lambda: self.ctx.shell.idle(self.name))
        p.say(f"Removing “{text}”…", away=True)
        return True

    def restore_original(self) -> bool:
        """Show the vectors as they were before the first direction was removed; False if none was."""
        if self._original is None:
            return False
        self.ctx.runner.cancel(AWAY_TASK)  # a removal still running would land on the wrong set
        emb, projection, source = self._original
        queries, view = self._questions(), self._view()
        self._original = None
        if projection is None or projection.n != emb.n:  # (never expected: a set comes with its picture)
            from embexplorer.core.analysis.pca import fit_pca

            projection = first_components(fit_pca(emb.vectors, n_components=min(MAX_COMPONENTS, emb.dims)))
        self.ctx.workspace.set_dataset(emb, projection, source)
        self._ask_again(queries)
        self._reshow(view)
        self.panel.say("The original vectors again.", away=True)
        return True

    # -- the neighbours and analogy questions, the view, asked again on the new vectors -----------
    def _questions(self) -> dict:
        cmd = self.ctx.commands
        out = {}
        if cmd.has("neighbours.last_query"):
            out["neighbours"] = cmd.run("neighbours.last_query")
        if cmd.has("analogy.last_query"):
            out["analogy"] = cmd.run("analogy.last_query")
        return out

    def _ask_again(self, queries: dict) -> None:
        cmd = self.ctx.commands
        if queries.get("neighbours") is not None and cmd.has("neighbours.query_label"):
            cmd.run("neighbours.query_label", queries["neighbours"])
        if queries.get("analogy") and cmd.has("analogy.solve"):
            cmd.run("analogy.solve", *queries["analogy"])

    def _view(self) -> dict | None:
        proj = self.ctx.workspace.projection
        if isinstance(proj, AxesProjection):
            return {"axes": [*proj.expressions, proj.measure, proj.orthogonalise]}
        if isinstance(proj, AnalogyPlaneProjection) and self._plane_labels:
            return {"plane": list(self._plane_labels)}
        return None

    def _reshow(self, view: dict | None) -> None:
        if not view:
            return
        if "axes" in view:
            x, y, measure, orth = view["axes"]
            self.apply(x, y, measure, orth)  # may fail: "woman - man" is nothing once removed (said so)
        elif "plane" in view:
            self.show_analogy_plane(*view["plane"])

    # -- following the Workspace and the panel ---------------------------------------------------
    def _show(self, projection) -> None:
        ws = self.ctx.workspace
        if isinstance(ws.projection, PCAProjection):
            self._pca = ws.projection
        ws.clear_layers(self.name)
        ws.set_projection(projection)

    def _on_dataset_changed(self, dataset) -> None:
        self._pca = None
        self._plane_labels = None
        ws = self.ctx.workspace
        if ws.source.owner != self.name:
            self._original = None  # another set: nothing of ours to go back to
        self.panel.setEnabled(dataset is not None)
        self.panel.original_button.setEnabled(self._original is not None)
        self._on_projection_changed()

    def _on_projection_changed(self) -> None:
        ws = self.ctx.workspace
        ours = isinstance(ws.projection, (AxesProjection, AnalogyPlaneProjection))
        if not ours and any(layer.owner == self.name for layer in ws.layers):
            ws.clear_layers(self.name)
        if not isinstance(ws.projection, AnalogyPlaneProjection):
            self._plane_labels = None
        can_go_back = ws.dataset is not None and not isinstance(ws.projection, PCAProjection) \
            and ws.projection is not None and not ws.is_live
        self.panel.pca_button.setEnabled(can_go_back)
        self.pca_action.setEnabled(can_go_back)

    def _on_apply_clicked(self) -> None:
        p = self.panel
        self.apply(p.x_edit.text(), p.y_edit.text(), p.measure, p.orthogonal_check.isChecked())

    def _on_away_clicked(self) -> None:
        self.project_away()

    def _show_dock(self, focus) -> None:
        self.ctx.shell.show_dock("axes")
        focus.setFocus()

    # -- sessions and the command line -------------------------------------------------------------
    def state(self) -> dict | None:
        p, proj = self.panel, self.ctx.workspace.projection
        shown = "axes" if isinstance(proj, AxesProjection) else \
            "plane" if isinstance(proj, AnalogyPlaneProjection) and self._plane_labels else None
        if shown is None and not (p.x_edit.text() or p.y_edit.text()):
            return None
        return {"x": p.x_edit.text(), "y": p.y_edit.text(), "measure": p.measure,
                "orthogonalise": bool(p.orthogonal_check.isChecked()), "shown": shown,
                "plane": list(self._plane_labels) if shown == "plane" else None}

    def restore(self, state: dict) -> None:
        p = self.panel
        x, y = str(state.get("x") or ""), str(state.get("y") or "")
        measure, orth = str(state.get("measure") or "cosine"), bool(state.get("orthogonalise"))
        shown = state.get("shown")
        if shown == "axes":
            if not self.apply(x, y, measure, orth):
                raise DataError(p.status_label.text(), "axes")
            return
        p.x_edit.setText(x)
        p.y_edit.setText(y)
        p.set_measure(measure)
        p.orthogonal_check.setChecked(orth)
        if shown == "plane" and state.get("plane"):
            if not self.show_analogy_plane(*state["plane"]):
                raise DataError(p.status_label.text(), "analogy plane")
        elif isinstance(self.ctx.workspace.projection, (AxesProjection, AnalogyPlaneProjection)):
            self.back_to_pca()

    def apply_arguments(self, args) -> None:
        axes = getattr(args, "axes", None)
        if axes:
            if self.ctx.workspace.dataset is None:
                raise DataError("nothing to place: give an embedding file", "--axes")
            self.ctx.shell.show_dock("axes")
            if not self.apply(axes[0], axes[1], getattr(args, "axes_measure", None) or "cosine",
                              bool(getattr(args, "axes_orthogonal", False))):
                raise DataError(self.panel.status_label.text(), "--axes")
        if getattr(args, "analogy_plane", False):
            text = getattr(args, "analogy", None)
            if not text:
                raise DataError("needs --analogy A,B,C (the analogy whose plane to show)", "--analogy-plane")
            if axes:
                raise DataError("give --axes or --analogy-plane, not both: the plot has one pair of axes",
                                "--analogy-plane")
            words = [t.strip() for t in text.split(",") if t.strip()]
            cmd = self.ctx.commands
            answer = cmd.run("analogy.answer") if cmd.has("analogy.answer") else None
            try:
                ok = self.show_analogy_plane(*words[:3], answer=answer)
            except UnknownLabel as exc:
                raise DataError(str(exc), "--analogy-plane") from None
            if not ok:
                raise DataError(self.panel.status_label.text(), "--analogy-plane")
