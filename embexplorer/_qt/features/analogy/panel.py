"""Analogy panel: a : b :: c : ? (3CosAdd and 3CosMul side by side), expressions, evaluation."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from embexplorer._qt.widgets.results import LabelEdit, TableModel, connect_changes, make_table
from embexplorer._qt.widgets.search import LabelIndex
from embexplorer.core.analysis.analogy import DEFAULT_ANALOGY_K, evaluate_expression, solve_analogy
from embexplorer.core.analysis.evaluation import (
    DEFAULT_RESTRICT,
    EVAL_METHODS,
    evaluate_analogies,
    evaluate_word_pairs,
)
from embexplorer.core.analysis.neighbours import MAX_K, MIN_K
from embexplorer.core.errors import DataError
from embexplorer.core.progress import PROGRESS_STEPS

#: Task kind of the background evaluation (one at a time; a new one cancels the old).
EVAL_TASK_KIND = "analogy-evaluation"
#: Largest value a QSpinBox holds (a C int).
SPIN_MAX = 2**31 - 1
#: Questions of a section listed at most (a section of gensim's file has up to ~1,500).
MAX_LISTED_QUESTIONS = 5000


def _neighbour_rows(neighbours) -> list[list]:
    return [[i, n.label, n.score] for i, n in enumerate(neighbours, start=1)]


class AnalogyPanel(QtWidgets.QWidget):
    """"a is to b as c is to ?", vector expressions, and benchmark evaluation.

    Parameters
    ----------
    runner : TaskRunner, optional
        The main window's background runner (one is made if not given).

    Signals
    -------
    parallelogram_requested(object)
        dict with ``rows`` (a, b, c, answer -- answer may be None), ``labels``
        and ``expected`` (float32 vector c + (b - a)) for the scatter overlay.
    vector_requested(object, str)
        A vector and a description, for the neighbours panel's ``query_vector``.
    row_activated(int)
        An answer row was chosen in a result table.
    evaluation_finished(object)
        The :class:`~embexplorer.core.analysis.evaluation.AnalogyReport` of a completed evaluation.
    pairs_finished(object)
        The :class:`~embexplorer.core.analysis.evaluation.PairsReport` of a word-pair evaluation.
    """

    parallelogram_requested = QtCore.Signal(object)
    vector_requested = QtCore.Signal(object, str)
    row_activated = QtCore.Signal(int)
    evaluation_finished = QtCore.Signal(object)
    pairs_finished = QtCore.Signal(object)

    def __init__(self, runner=None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        if runner is None:
            from embexplorer._qt.workers import TaskRunner

            runner = TaskRunner(self)
        self.runner = runner
        self.emb = None
        self.results: dict = {}          # method -> AnalogyResult
        self.expression_result = None
        self.report = None               # last AnalogyReport
        self._section_outcomes: list = []
        self._index: LabelIndex | None = None

        # -- a : b :: c : ? ------------------------------------------------------
        self.a_edit = LabelEdit("a (man)")
        self.b_edit = LabelEdit("b (king)")
        self.c_edit = LabelEdit("c (woman)")
        self.solve_button = QtWidgets.QPushButton("Solve")
        self.k_spin = QtWidgets.QSpinBox()
        self.k_spin.setRange(MIN_K, MAX_K)
        self.k_spin.setValue(DEFAULT_ANALOGY_K)
        self.k_spin.setPrefix("k = ")
        self.exclude_check = QtWidgets.QCheckBox("Exclude inputs")
        self.exclude_check.setChecked(True)
        self.exclude_check.setToolTip("Leave a, b and c out of the answers (gensim does); the answer "
                                      "you would get otherwise is shown under each list")
        # The one case rule of the command line too: exact first, then ignoring case.
        self.case_check = QtWidgets.QCheckBox("Ignore case")
        self.case_check.setChecked(True)
        self.case_check.setToolTip("Checked: labels match exactly first, then ignoring case. "
                                   "Unchecked: exact matches only.")
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setWordWrap(True)
        self.add_model = TableModel(["rank", "3CosAdd", "score"])
        self.mul_model = TableModel(["rank", "3CosMul", "score"])
        self.add_table = make_table(self.add_model)
        self.mul_table = make_table(self.mul_model)
        self.add_other_label = QtWidgets.QLabel("")
        self.mul_other_label = QtWidgets.QLabel("")
        self.show_button = QtWidgets.QPushButton("Neighbours of c + (b − a)")
        self.show_button.setEnabled(False)
        self.plane_button = QtWidgets.QPushButton("Show the analogy's plane")
        self.plane_button.setToolTip("Place the words on the plane of b − a and c − a, where the "
                                     "parallelogram is a true parallelogram")
        self.plane_button.setEnabled(False)

        abc = QtWidgets.QHBoxLayout()
        for text, edit in (("", self.a_edit), ("is to", self.b_edit), ("as", self.c_edit)):
            if text:
                abc.addWidget(QtWidgets.QLabel(text))
            abc.addWidget(edit, 1)
        abc.addWidget(QtWidgets.QLabel("is to ?"))
        abc.addWidget(self.solve_button)
        opts = QtWidgets.QHBoxLayout()
        for w in (self.k_spin, self.exclude_check, self.case_check, self.show_button):
            opts.addWidget(w)
        opts.addStretch(1)
        sides = QtWidgets.QHBoxLayout()
        for table, other in ((self.add_table, self.add_other_label), (self.mul_table, self.mul_other_label)):
            col = QtWidgets.QVBoxLayout()
            col.addWidget(table, 1)
            col.addWidget(other)
            sides.addLayout(col, 1)
        solve_box = QtWidgets.QWidget()
        sl = QtWidgets.QVBoxLayout(solve_box)
        sl.addLayout(abc)
        sl.addLayout(opts)
        status = QtWidgets.QHBoxLayout()
        status.addWidget(self.status_label, 1)
        status.addWidget(self.plane_button)
        sl.addLayout(status)
        sl.addLayout(sides, 1)

        # -- expression ------------------------------------------------------------
        self.expr_edit = QtWidgets.QLineEdit()
        self.expr_edit.setPlaceholderText("king - man + woman,  0.5*paris + 0.5*berlin")
        self.expr_edit.setClearButtonEnabled(True)
        self.expr_button = QtWidgets.QPushButton("Evaluate")
        self.expr_model = TableModel(["rank", "label", "cosine"])
        self.expr_table = make_table(self.expr_model)
        self.expr_other_label = QtWidgets.QLabel("")
        self.expr_status = QtWidgets.QLabel("")
        self.expr_status.setWordWrap(True)
        self.expr_send_button = QtWidgets.QPushButton("Show in neighbours")
        self.expr_send_button.setEnabled(False)
        expr_box = QtWidgets.QWidget()
        el = QtWidgets.QVBoxLayout(expr_box)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.expr_edit, 1)
        row.addWidget(self.expr_button)
        row.addWidget(self.expr_send_button)
        el.addLayout(row)
        el.addWidget(self.expr_status)
        el.addWidget(self.expr_table, 1)
        el.addWidget(self.expr_other_label)

        # -- evaluation ------------------------------------------------------------
        self.eval_button = QtWidgets.QPushButton("Evaluate…")
        self.eval_button.setToolTip("Analogy test set in the questions-words.txt format")
        self.pairs_button = QtWidgets.QPushButton("Word pairs…")
        self.pairs_button.setToolTip("Word-similarity set (wordsim353.tsv / simlex999.txt format): "
                                     "Pearson, Spearman, out-of-vocabulary ratio")
        self.pairs_report = None
        self.eval_method_combo = QtWidgets.QComboBox()
        self.eval_method_combo.addItems(list(EVAL_METHODS))
        self.eval_restrict_spin = QtWidgets.QSpinBox()
        self.eval_restrict_spin.setRange(1, SPIN_MAX)
        self.eval_restrict_spin.setValue(DEFAULT_RESTRICT)
        self.eval_restrict_spin.setPrefix("first ")
        self.eval_restrict_spin.setSuffix(" rows")
        self.eval_case_check = QtWidgets.QCheckBox("Ignore case")
        self.eval_case_check.setChecked(True)
        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.eval_status = QtWidgets.QLabel("")
        self.eval_status.setWordWrap(True)
        self.sections_model = TableModel(["section", "accuracy", "correct", "evaluated", "skipped"])
        self.sections_table = make_table(self.sections_model)
        self.questions_model = TableModel(["line", "a", "b", "c", "expected", "predicted", ""])
        self.questions_table = make_table(self.questions_model)
        eval_box = QtWidgets.QWidget()
        vl = QtWidgets.QVBoxLayout(eval_box)
        row = QtWidgets.QHBoxLayout()
        for w in (self.eval_button, self.pairs_button, self.eval_method_combo, self.eval_restrict_spin,
                  self.eval_case_check):
            row.addWidget(w)
        row.addStretch(1)
        vl.addLayout(row)
        prog = QtWidgets.QHBoxLayout()
        prog.addWidget(self.progress_bar, 1)
        prog.addWidget(self.cancel_button)
        vl.addLayout(prog)
        vl.addWidget(self.eval_status)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.sections_table)
        split.addWidget(self.questions_table)
        vl.addWidget(split, 1)

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(solve_box, "a : b :: c : ?")
        self.tabs.addTab(expr_box, "Expression")
        self.tabs.addTab(eval_box, "Evaluation")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs)

        for edit in (self.a_edit, self.b_edit, self.c_edit):
            edit.returnPressed.connect(self._on_solve)
        self.solve_button.clicked.connect(self._on_solve)
        connect_changes(self._on_options_changed, self.k_spin, self.exclude_check, self.case_check)
        self.show_button.clicked.connect(self._on_show_expected)
        self.add_table.clicked.connect(lambda i: self._on_answer_clicked("3cosadd", i))
        self.mul_table.clicked.connect(lambda i: self._on_answer_clicked("3cosmul", i))
        self.expr_edit.returnPressed.connect(self._on_expression)
        self.expr_button.clicked.connect(self._on_expression)
        self.expr_send_button.clicked.connect(self._on_send_expression)
        self.expr_table.clicked.connect(self._on_expression_row_clicked)
        self.eval_button.clicked.connect(self._on_evaluate_clicked)
        self.pairs_button.clicked.connect(self._on_pairs_clicked)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.sections_table.clicked.connect(self._on_section_clicked)
        self.questions_table.clicked.connect(self._on_question_clicked)
        self.setEnabled(False)

    # ------------------------------------------------------------------ API
    def set_embeddings(self, emb) -> None:
        """Work on ``emb`` (None clears the panel); a running evaluation is cancelled."""
        self.runner.cancel(EVAL_TASK_KIND)
        self._show_busy(False)
        self.emb = emb
        self.results = {}
        self.expression_result = None
        self.report = None
        for model in (self.add_model, self.mul_model, self.expr_model, self.sections_model,
                      self.questions_model):
            model.set_rows([])
        for label in (self.add_other_label, self.mul_other_label, self.expr_other_label, self.status_label,
                      self.expr_status, self.eval_status):
            label.setText("")
        self.show_button.setEnabled(False)
        self.plane_button.setEnabled(False)
        self.expr_send_button.setEnabled(False)
        self.setEnabled(emb is not None)
        self._index = None
        labels = emb.labels if emb is not None else ()
        for edit in (self.a_edit, self.b_edit, self.c_edit):
            edit.set_labels(labels, self._label_index)

    def update_vectors(self, emb) -> bool:
        """New vectors for the same labels (a training epoch): keep the inputs, solve them again.

        The shown analogy and expression are recomputed (cheap); the label index is kept; a running
        file evaluation finishes on the vectors it started with.  When the labels differ this is
        :meth:`set_embeddings` (and returns False).
        """
        old = self.emb
        if emb is None or old is None or emb.n != old.n or emb.labels != old.labels:
            self.set_embeddings(emb)
            return False
        self.emb = emb
        if self.results:
            self._solve()
        if self.expression_result is not None:
            self._expression()
        return True

    def _label_index(self) -> LabelIndex:
        # one sorted index shared by the three fields, built on the first keystroke
        if self._index is None:
            self._index = LabelIndex(self.emb.labels if self.emb is not None else [])
        return self._index

    def solve(self, a: str, b: str, c: str) -> bool:
        """Fill the fields and solve; False (and a message) on unknown labels."""
        self.a_edit.setText(a)
        self.b_edit.setText(b)
        self.c_edit.setText(c)
        return self._solve()

    def evaluate_expression(self, text: str) -> bool:
        """Fill the expression field and evaluate it."""
        self.expr_edit.setText(text)
        return self._expression()

    def evaluate_file(self, path: str) -> None:
        """Evaluate an analogy file in the background (progress bar, Cancel)."""
        if self.emb is None:
            return
        method = self.eval_method_combo.currentText()
        self.report = None
        self.sections_model.set_rows([])
        self.questions_model.set_rows([])

        def work(emb, restrict, case, control):
            return evaluate_analogies(emb, path, restrict=restrict, case_insensitive=case,
                                      method=method, control=control)

        self._start_evaluation(path, work, self._on_eval_result)

    def evaluate_pairs_file(self, path: str) -> None:
        """Evaluate a word-pair similarity file in the background."""
        if self.emb is None:
            return
        self.pairs_report = None

        def work(emb, restrict, case, control):
            control.progress(None, "word pairs")
            return evaluate_word_pairs(emb, path, restrict=restrict, case_insensitive=case)

        self._start_evaluation(path, work, self._on_pairs_result)

    def _start_evaluation(self, path: str, evaluate, on_result) -> None:
        """Run ``evaluate(emb, restrict, case_insensitive, control)`` as the panel's evaluation task.

        The set and the options are read now: the task works on them even if they change meanwhile.
        """
        emb = self.emb
        restrict = self.eval_restrict_spin.value()
        case = self.eval_case_check.isChecked()
        self.eval_status.setText(f"Evaluating {path} …")
        self._show_busy(True)
        self.runner.start(EVAL_TASK_KIND, lambda control: evaluate(emb, restrict, case, control),
                          on_result=on_result, on_error=self._on_eval_error,
                          on_progress=self._on_eval_progress, on_cancelled=self._on_eval_cancelled)

    def is_evaluating(self) -> bool:
        return self.runner.is_running(EVAL_TASK_KIND)

    # --------------------------------------------------------------- solving
    def _solve(self) -> bool:
        if self.emb is None:
            return False
        a, b, c = (e.text().strip() for e in (self.a_edit, self.b_edit, self.c_edit))
        if not (a and b and c):
            self.status_label.setText("Fill in a, b and c.")
            return False
        try:
            self.results = {m: solve_analogy(self.emb, a, b, c, k=self.k_spin.value(), method=m,
                                             case_insensitive=self.case_check.isChecked())
                            for m in ("3cosadd", "3cosmul")}
        except (DataError, ValueError) as exc:
            self.results = {}
            for model in (self.add_model, self.mul_model):
                model.set_rows([])
            self.add_other_label.setText("")
            self.mul_other_label.setText("")
            self.show_button.setEnabled(False)
            self.plane_button.setEnabled(False)
            self.status_label.setText(getattr(exc, "reason", str(exc)))
            return False
        res = self.results["3cosadd"]
        self.status_label.setText(f"{res.a} is to {res.b} as {res.c} is to "
                                  f"{res.answer.label if res.answer else '?'}")
        self._render_results()
        self.show_button.setEnabled(True)
        self.plane_button.setEnabled(True)
        self._emit_parallelogram(res)
        return True

    def _render_results(self) -> None:
        exclude = self.exclude_check.isChecked()
        sides = (("3cosadd", self.add_model, self.add_table, self.add_other_label),
                 ("3cosmul", self.mul_model, self.mul_table, self.mul_other_label))
        for method, model, table, other in sides:
            res = self.results[method]
            shown = res.neighbours if exclude else res.neighbours_with_inputs
            alt = res.answer_with_inputs if exclude else res.answer
            model.set_rows(_neighbour_rows(shown))
            table.resizeColumnsToContents()
            if alt is None:
                other.setText("")
            else:
                kind = "without" if exclude else "with"
                note = " (an input!)" if alt.row in res.rows else ""
                other.setText(f"{kind} exclusion: {alt.label} ({alt.score:.4f}){note}")

    def shown_answers(self, method: str) -> list:
        """The answers listed for ``method`` (respecting "Exclude inputs")."""
        res = self.results.get(method)
        if res is None:
            return []
        return res.neighbours if self.exclude_check.isChecked() else res.neighbours_with_inputs

    def _emit_parallelogram(self, res) -> None:
        ans = res.answer
        self.parallelogram_requested.emit({
            "rows": res.parallelogram_rows,
            "labels": (res.a, res.b, res.c, ans.label if ans else None),
            "expected": res.expected,
        })

    def _on_solve(self) -> None:
        self._solve()

    def _on_options_changed(self, *_args) -> None:
        if self.results:
            self._solve()

    def _on_show_expected(self) -> None:
        res = self.results.get("3cosadd")
        if res is not None:
            self.vector_requested.emit(res.expected, f"{res.c} + ({res.b} − {res.a})")

    def _on_answer_clicked(self, method: str, index: QtCore.QModelIndex) -> None:
        shown = self.shown_answers(method)
        if index.isValid() and index.row() < len(shown):
            self.row_activated.emit(shown[index.row()].row)

    # ------------------------------------------------------------- expression
    def _expression(self) -> bool:
        if self.emb is None:
            return False
        text = self.expr_edit.text()
        try:
            res = evaluate_expression(self.emb, text, k=self.k_spin.value(),
                                      case_insensitive=self.case_check.isChecked())
        except (DataError, ValueError) as exc:
            self.expression_result = None
            self.expr_model.set_rows([])
            self.expr_other_label.setText("")
            self.expr_send_button.setEnabled(False)
            self.expr_status.setText(getattr(exc, "reason", str(exc)))
            return False
        self.expression_result = res
        terms = " ".join(f"{t.weight:+g}·{t.label}" for t in res.terms)
        self.expr_status.setText(f"{terms}  (cosine; the expression's labels excluded)")
        self.expr_model.set_rows(_neighbour_rows(res.neighbours))
        self.expr_table.resizeColumnsToContents()
        top = res.neighbours_with_inputs[0] if res.neighbours_with_inputs else None
        self.expr_other_label.setText(f"without exclusion: {top.label} ({top.score:.4f})" if top else "")
        self.expr_send_button.setEnabled(True)
        return True

    def _on_expression(self) -> None:
        self._expression()

    def _on_send_expression(self) -> None:
        res = self.expression_result
        if res is not None:
            self.vector_requested.emit(res.vector, res.text)

    def _on_expression_row_clicked(self, index: QtCore.QModelIndex) -> None:
        res = self.expression_result
        if res is not None and index.isValid() and index.row() < len(res.neighbours):
            self.row_activated.emit(res.neighbours[index.row()].row)

    # ------------------------------------------------------------- evaluation
    def _on_evaluate_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Analogy questions", "", "Analogy questions (*.txt);;All files (*)")
        if path:
            self.evaluate_file(path)

    def _on_pairs_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Word-similarity pairs", "", "Word pairs (*.tsv *.txt);;All files (*)")
        if path:
            self.evaluate_pairs_file(path)

    def _on_pairs_result(self, rep) -> None:
        self._show_busy(False)
        self.pairs_report = rep
        self.eval_status.setText(
            f"{rep.source}: Pearson {rep.pearson:.4f}, Spearman {rep.spearman:.4f}, "
            f"{rep.oov_ratio:.1f} % of pairs out of vocabulary ({rep.pairs_used:,} used)")
        self.pairs_finished.emit(rep)

    def _on_cancel(self) -> None:
        self.runner.cancel(EVAL_TASK_KIND)

    def _show_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.eval_button.setEnabled(not busy)
        self.pairs_button.setEnabled(not busy)
        if busy:
            self.progress_bar.setValue(0)

    def _on_eval_progress(self, fraction, message: str) -> None:
        if fraction is not None:
            self.progress_bar.setValue(int(fraction * PROGRESS_STEPS))
        self.progress_bar.setFormat(message or "%p%")

    def _on_eval_result(self, report) -> None:
        self._show_busy(False)
        self.report = report
        rows = [[s.name, f"{100 * s.accuracy:.1f} %", len(s.correct), s.evaluated, s.skipped]
                for s in report.sections]
        rows.append(["total", f"{100 * report.accuracy:.2f} %", report.correct, report.evaluated,
                     report.skipped])
        self.sections_model.set_rows(rows)
        self.sections_table.resizeColumnsToContents()
        self.eval_status.setText(
            f"{report.method}: accuracy {report.accuracy:.4f} on {report.evaluated:,} questions "
            f"({report.skipped:,} skipped as out of vocabulary), {report.seconds:.2f} s")
        self.evaluation_finished.emit(report)

    def _on_eval_error(self, exc) -> None:
        self._show_busy(False)
        self.eval_status.setText(f"Evaluation failed: {exc}")

    def _on_eval_cancelled(self) -> None:
        self._show_busy(False)
        self.eval_status.setText("Evaluation cancelled.")

    def _on_section_clicked(self, index: QtCore.QModelIndex) -> None:
        if self.report is None or not index.isValid():
            return
        sections = self.report.sections
        if index.row() < len(sections):
            chosen = [sections[index.row()]]
        else:  # the total row
            chosen = sections
        outcomes = sorted((o for s in chosen for o in s.correct + s.incorrect), key=lambda o: o.question.line)
        self._section_outcomes = outcomes[:MAX_LISTED_QUESTIONS]
        self.questions_model.set_rows([
            [o.question.line, o.question.a, o.question.b, o.question.c, o.question.expected, o.predicted,
             "✓" if o.correct else "✗"] for o in self._section_outcomes])
        self.questions_table.resizeColumnsToContents()

    def selected_section_outcomes(self) -> list:
        """Questions listed for the clicked section (QuestionOutcome objects)."""
        return list(self._section_outcomes)

    def _on_question_clicked(self, index: QtCore.QModelIndex) -> None:
        if not index.isValid() or index.row() >= len(self._section_outcomes) or self.emb is None:
            return
        o = self._section_outcomes[index.row()]
        q = o.question
        rows = list(o.rows)
        v = self.emb.vectors
        expected = (v[rows[2]].astype(np.float64) + v[rows[1]] - v[rows[0]]).astype(np.float32)
        self.parallelogram_requested.emit({
            "rows": (*rows, o.predicted_row if o.predicted_row >= 0 else None),
            "labels": (q.a, q.b, q.c, o.predicted),
            "expected": expected,
        })
