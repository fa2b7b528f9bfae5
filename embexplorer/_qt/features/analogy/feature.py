"""The analogy feature: the Analogy dock and the parallelogram layers it draws.

``a : b :: c : ?`` is drawn as arrows a → b and c → answer, the two sides closing the
parallelogram, and the expected point ``c + (b − a)`` where the projection can place it.
"""

from __future__ import annotations

import numpy as np

from embexplorer._qt.feature import DockSpec, Feature
from embexplorer._qt.features.analogy.panel import AnalogyPanel
from embexplorer.core.errors import DataError
from embexplorer.core.view import palette
from embexplorer.core.view.layers import Layer, LayerStyle, vector_ref

#: The layers this feature draws.
ARROWS_LAYER, SIDES_LAYER, EXPECTED_LAYER = "analogy.arrows", "analogy.sides", "analogy.expected"
ARROWS_STYLE = LayerStyle(palette.ANALOGY, size=11, width=2.0, z=24)
SIDES_STYLE = LayerStyle(palette.ANALOGY, width=0.8, z=23, labels=False)
EXPECTED_STYLE = LayerStyle(palette.EXPECTED, symbol="x", size=16, width=1.2, z=25)
#: Analogy slots a feature may fill (``analogy.use_label``).
SLOTS = ("a", "b", "c")


class AnalogyFeature(Feature):
    """Analogy arithmetic and its evaluation."""

    name = "analogy"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.panel = AnalogyPanel()
        ws = ctx.workspace
        ws.dataset_changed.connect(self.panel.set_embeddings)
        ws.frame_changed.connect(lambda _epoch: self.panel.update_vectors(ws.dataset))
        self.panel.parallelogram_requested.connect(self._on_parallelogram_requested)
        self.panel.vector_requested.connect(self._on_vector_requested)
        self.panel.row_activated.connect(self._on_row_activated)
        reg = ctx.commands.register
        reg("analogy.solve", self.solve, "Solve a : b :: c : ? and draw it")
        reg("analogy.use_label", self.use_label, "Put a label in slot a, b or c")
        reg("analogy.clear", self.clear, "Remove the parallelogram")
        reg("analogy.answer", self.answer, "The answer of the last analogy solved, or None")
        reg("analogy.last_query", self.last_query, "The a, b, c of the analogy shown, or None (to ask again)")
        reg("analogy.ask", self.ask, "Set k, solve a : b :: c : ?, return one method's [(label, score)]")
        self.panel.plane_button.clicked.connect(self._on_plane_clicked)

    def docks(self) -> list[DockSpec]:
        return [DockSpec("analogy", "Analogy", self.panel, tab_with="neighbours", on_closed=self.clear)]

    # -- commands -------------------------------------------------------------------------
    def solve(self, a: str, b: str, c: str) -> bool:
        """Solve ``a : b :: c : ?``; False (and the panel says why) on unknown labels."""
        return self.panel.solve(a, b, c)

    def ask(self, a: str, b: str, c: str, k: int | None = None,
            method: str = "3cosadd") -> list[tuple[str, float]]:
        """Solve ``a : b :: c : ?`` with ``k`` answers (the dock shown): ``method``'s answers, best first.

        Raises
        ------
        DataError
            With the reason the panel gives (an unknown word, no data).
        """
        if k is not None:
            self.panel.k_spin.setValue(int(k))
        self.ctx.shell.show_dock("analogy")
        if not self.solve(a, b, c):
            raise DataError(self.panel.status_label.text() or f"cannot solve {a} : {b} :: {c} : ?", "analogy")
        return [(n.label, float(n.score)) for n in self.panel.shown_answers(method)]

    def use_label(self, slot: str, label: str) -> None:
        """Put ``label`` in the analogy's slot ``a``, ``b`` or ``c``."""
        edit = {"a": self.panel.a_edit, "b": self.panel.b_edit, "c": self.panel.c_edit}[slot]
        self.ctx.shell.show_dock("analogy")
        edit.setText(label)

    def answer(self, method: str = "3cosadd") -> str | None:
        """The label ``method`` answered to the last analogy solved (None: unsolved, no answer)."""
        result = self.panel.results.get(method)
        return result.answer.label if result is not None and result.answer is not None else None

    def last_query(self) -> list[str] | None:
        """``[a, b, c]`` of the analogy shown, or None."""
        return (self.state() or {}).get("query")

    def clear(self) -> None:
        """Remove the drawn parallelogram (the panel keeps its inputs)."""
        self.ctx.workspace.clear_layers(self.name)

    # -- the panel's requests --------------------------------------------------------------
    def _on_parallelogram_requested(self, request: dict) -> None:
        ws = self.ctx.workspace
        a, b, c, answer = request["rows"]
        pts = [a, b, c] + ([answer] if answer is not None else [])
        arrows = [[a, b]] + ([[c, answer]] if answer is not None else [])
        sides = [[a, c]] + ([[b, answer]] if answer is not None else [])
        ws.set_layer(Layer(ARROWS_LAYER, self.name, ARROWS_STYLE, "analogy a → b, c → answer", rows=pts,
                           arrows=arrows, zoom_to=True))
        ws.set_layer(Layer(SIDES_LAYER, self.name, SIDES_STYLE, "", lines=sides))
        labels = request.get("labels") or ("a", "b", "c", None)
        expected = np.asarray(request["expected"], dtype=np.float32).reshape(1, -1)
        ws.set_layer(Layer(EXPECTED_LAYER, self.name, EXPECTED_STYLE, "expected: c + (b − a)",
                           points=expected, point_labels=(f"{labels[2]} + ({labels[1]} − {labels[0]})",),
                           lines=[[c, vector_ref(0)]], zoom_to=True))
        if self.ctx.commands.has("explorer.zoom_to_results"):
            self.ctx.commands.run("explorer.zoom_to_results", only_if_hidden=True)

    def _on_plane_clicked(self) -> None:
        res = self.panel.results.get("3cosadd")
        if res is not None and self.ctx.commands.has("axes.analogy_plane"):
            self.ctx.commands.run("axes.analogy_plane", res.a, res.b, res.c,
                                  res.answer.label if res.answer is not None else None)

    def _on_vector_requested(self, vector, description: str) -> None:
        if self.ctx.commands.has("neighbours.query_vector"):
            self.ctx.commands.run("neighbours.query_vector", vector, description)

    def _on_row_activated(self, row: int) -> None:
        sel = self.ctx.workspace.selection
        if 0 <= row < sel.size:
            sel.replace([row])

    # -- sessions and the command line -------------------------------------------------------------
    def state(self) -> dict | None:
        p = self.panel
        if not p.results:
            return {"query": None}
        return {"query": [e.text().strip() for e in (p.a_edit, p.b_edit, p.c_edit)]}

    def restore(self, state: dict) -> None:
        query = state.get("query")
        if query:
            self.solve(*query)
        elif self.panel.results:
            self.panel.set_embeddings(self.ctx.workspace.dataset)
            self.clear()

    def apply_arguments(self, args) -> None:
        text = getattr(args, "analogy", None)
        if not text:
            return
        words = [t.strip() for t in text.split(",") if t.strip()]
        if len(words) != 3:
            raise DataError(f"expected three labels A,B,C, got {text!r}", "--analogy")
        if self.ctx.workspace.dataset is None:
            raise DataError("nothing to solve it in: give an embedding file", "--analogy")
        self.ctx.shell.show_dock("analogy")
        if not self.solve(*words):
            raise DataError(self.panel.status_label.text() or "cannot solve", "--analogy")
