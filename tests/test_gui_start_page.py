"""Start page: every card and button emits its signal; downloaded datasets are marked; layout reflows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

from embexplorer._qt.features.start.page import (
    DEMOS,
    GENSIM_MODELS,
    MAX_RECENT_SHOWN,
    MOVIELENS_NAME,
    DatasetDownloader,
    StartPage,
    format_size,
)
from embexplorer.core.data import formats, gensim_data
from embexplorer.core.data.download import DATASETS

LEFT = QtCore.Qt.MouseButton.LeftButton
TIMEOUT_MS = 30_000


@pytest.fixture
def page(qtbot, tmp_path):
    recent = tmp_path / "vectors.txt"
    recent.write_text("2 2\na 1 2\nb 3 4\n", encoding="utf-8")
    p = StartPage([str(recent), str(tmp_path / "gone.bin")], gensim_dir=tmp_path / "gensim-data",
                  movielens_dir=tmp_path / "movielens")
    qtbot.addWidget(p)
    p.resize(1200, 800)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_recent_files_emit_open_requested(qtbot, page, tmp_path):
    assert len(page.recent_buttons) == 2
    with qtbot.waitSignal(page.open_requested) as blocker:
        qtbot.mouseClick(page.recent_buttons[0], LEFT)
    assert blocker.args == [str(tmp_path / "vectors.txt")]
    assert page.recent_buttons[1].badge_label.text() == "missing"
    # keyboard works too
    page.recent_buttons[1].setFocus()
    with qtbot.waitSignal(page.open_requested) as blocker:
        qtbot.keyClick(page.recent_buttons[1], QtCore.Qt.Key.Key_Return)
    assert blocker.args == [str(tmp_path / "gone.bin")]


def test_recent_list_is_capped_and_replaceable(page):
    page.set_recent_files([f"/data/f{i}.txt" for i in range(MAX_RECENT_SHOWN + 5)])
    titles = [b.title_label.text() for b in page.recent_buttons]
    assert titles == [f"f{i}.txt" for i in range(MAX_RECENT_SHOWN)]
    page.set_recent_files([])
    assert page.recent_buttons == []


def test_open_button_emits_dialog_request(qtbot, page):
    with qtbot.waitSignal(page.open_dialog_requested):
        qtbot.mouseClick(page.open_button, LEFT)


def test_dataset_cards_emit_download_requested_with_sizes(qtbot, page):
    assert list(page.dataset_cards) == [MOVIELENS_NAME, *GENSIM_MODELS]
    for name, card in page.dataset_cards.items():
        with qtbot.waitSignal(page.download_requested) as blocker:
            qtbot.mouseClick(card, LEFT)
        assert blocker.args == [name]
    glove = page.dataset_cards["glove-wiki-gigaword-50"]
    assert format_size(gensim_data.MODELS["glove-wiki-gigaword-50"].size) == "66 MB"
    assert "66 MB" in glove.badge_label.text() and "downloaded" not in glove.badge_label.text()
    assert "4.7 MB" in page.dataset_cards[MOVIELENS_NAME].badge_label.text()


def test_demo_cards_emit_demo_requested(qtbot, page):
    assert set(page.demo_cards) == set(DEMOS) == {"genres", "wiki"}
    for name, card in page.demo_cards.items():
        assert card.caption_label.text() and card.isVisible()
        with qtbot.waitSignal(page.demo_requested) as blocker:
            qtbot.mouseClick(card, LEFT)
        assert blocker.args == [name]


def test_downloaded_models_are_marked(page, tmp_path):
    spec = gensim_data.MODELS["glove-wiki-gigaword-50"]
    folder = tmp_path / "gensim-data" / spec.name
    folder.mkdir(parents=True)
    # a copy of the right size counts as downloaded (cheap check); a wrong size does not
    path = folder / spec.filename
    with open(path, "wb") as fh:
        fh.truncate(spec.size)  # sparse file of the published size
    ml = DATASETS[MOVIELENS_NAME]
    (tmp_path / "movielens").mkdir()
    with open(tmp_path / "movielens" / ml.filename, "wb") as fh:
        fh.truncate(ml.size - 1)
    page.refresh_downloads()
    assert "downloaded" in page.dataset_cards["glove-wiki-gigaword-50"].badge_label.text()
    assert "downloaded" not in page.dataset_cards[MOVIELENS_NAME].badge_label.text()
    assert "downloaded" not in page.dataset_cards["glove-wiki-gigaword-100"].badge_label.text()
    page.set_item_status("glove-wiki-gigaword-100", "downloading 12%")
    assert page.dataset_cards["glove-wiki-gigaword-100"].badge_label.text() == "downloading 12%"
    page.set_item_status("glove-wiki-gigaword-100", None)
    assert "MB" in page.dataset_cards["glove-wiki-gigaword-100"].badge_label.text()


def test_message_banner(page):
    assert page.message.isHidden()
    page.show_message("Loading glove…")
    assert not page.message.isHidden() and page.message.text() == "Loading glove…"
    page.show_message(None)
    assert page.message.isHidden()


def test_columns_reflow_for_narrow_windows(qtbot, page):
    assert page._n_columns == 3
    page.resize(700, 600)
    qtbot.waitUntil(lambda: page._n_columns == 2)
    page.resize(480, 600)
    qtbot.waitUntil(lambda: page._n_columns == 1)
    # no horizontal scrolling needed in one column (once the layout has been redone)
    qtbot.waitUntil(lambda: page.widget().minimumSizeHint().width() <= page.viewport().width())
    page.resize(1200, 800)
    qtbot.waitUntil(lambda: page._n_columns == 3)


# -- the download flow: cards -> DatasetDownloader -> local HTTP server ------------------------------------

@pytest.fixture
def server():
    from tests.test_gensim_data import _Server

    s = _Server()
    yield s
    s.close()


def _served_glove(monkeypatch, server, seed=0, repeat=1):
    """Serve test vectors under the name glove-wiki-gigaword-50 (published size/MD5 swapped for theirs)."""
    from tests.test_gensim_data import _w2v_gz

    data = _w2v_gz(seed) * repeat
    name = "glove-wiki-gigaword-50"
    spec = gensim_data.GensimModel(name, "test vectors", len(data), hashlib.md5(data).hexdigest(), dims=20)
    monkeypatch.setitem(gensim_data.MODELS, name, spec)
    server.files[f"/mirror/{name}/{name}.gz"] = data
    return spec, data


def test_card_click_downloads_verifies_and_marks(qtbot, page, server, monkeypatch, tmp_path):
    spec, data = _served_glove(monkeypatch, server)
    downloader = DatasetDownloader(gensim_dir=tmp_path / "gensim-data", gensim_base_url=server.base)
    downloader.attach(page)
    with qtbot.waitSignal(downloader.downloaded, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.dataset_cards[spec.name], LEFT)
    name, path, fmt = blocker.args
    assert name == spec.name and fmt == "word2vec"
    assert Path(path) == tmp_path / "gensim-data" / spec.name / f"{spec.name}.gz"
    assert Path(path).read_bytes() == data
    assert "downloaded" in page.dataset_cards[spec.name].badge_label.text() and not page.is_busy(spec.name)
    assert formats.load(path, format=fmt, use_cache=False).dims == 20
    # a second click uses the verified copy: no request reaches the server
    n = len(server.requests)
    with qtbot.waitSignal(downloader.downloaded, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.dataset_cards[spec.name], LEFT)
    assert len(server.requests) == n


def test_clicking_a_running_download_cancels_it(qtbot, page, server, monkeypatch, tmp_path):
    spec, _ = _served_glove(monkeypatch, server, repeat=16)  # ~600 KB in 8 KB steps: seconds
    server.slow = 0.03
    downloader = DatasetDownloader(gensim_dir=tmp_path / "gensim-data", gensim_base_url=server.base)
    downloader.attach(page)
    progress = []
    downloader.progress.connect(lambda n, f, m: progress.append(f))
    card = page.dataset_cards[spec.name]
    qtbot.mouseClick(card, LEFT)
    qtbot.waitUntil(lambda: any(f > 0 for f in progress), timeout=TIMEOUT_MS)
    assert page.is_busy(spec.name) and "cancel" in card.badge_label.text()
    with qtbot.waitSignal(downloader.cancelled, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(card, LEFT)
    assert blocker.args == [spec.name]
    assert not page.is_busy(spec.name) and "downloaded" not in card.badge_label.text()
    assert downloader.runner.wait(10.0)
    assert not (tmp_path / "gensim-data" / spec.name).exists()
    assert [p for p in (tmp_path / "gensim-data").rglob("*") if p.is_file()] == []


def test_failed_download_reports_one_line(qtbot, page, server, monkeypatch, tmp_path):
    spec, data = _served_glove(monkeypatch, server)
    server.files[f"/mirror/{spec.name}/{spec.name}.gz"] = data[::-1]  # same size, wrong bytes
    downloader = DatasetDownloader(gensim_dir=tmp_path / "gensim-data", gensim_base_url=server.base)
    downloader.attach(page)
    with qtbot.waitSignal(downloader.failed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.dataset_cards[spec.name], LEFT)
    assert blocker.args[0] == spec.name and "checksum" in blocker.args[1] and "\n" not in blocker.args[1]
    assert not page.is_busy(spec.name)


def test_live_demo_preview_draws_frames_and_opens_the_demo(qtbot, page):
    from embexplorer.core.data.embeddings import EmbeddingSet, MetadataColumn

    rng = np.random.default_rng(0)
    genres = ["Action", "Drama", "Horror"] * 20
    emb = EmbeddingSet([f"m{i}" for i in range(60)], rng.normal(size=(60, 4)).astype(np.float32),
                       {"true genre": MetadataColumn.categorical("true genre", genres)}, kind="item")
    assert page.preview_box.isHidden()
    xy = rng.normal(size=(60, 2)).astype(np.float32)
    page.show_demo_frame(emb, xy, 0.2, 1, chance=1 / 3)
    assert not page.preview_box.isHidden()
    assert "Genres, learned" in page.preview_title.text()
    assert "20%" in page.preview_caption.text() and "33%" in page.preview_caption.text()
    assert all(g in page.preview_legend.text() for g in ("Action", "Drama", "Horror"))
    x, y = page.preview_points.getData()
    np.testing.assert_allclose(np.c_[x, y], xy, rtol=1e-6)
    brushes = {b.color().name() for b in page.preview_points.data["brush"]}
    assert len(brushes) == 3  # one colour per genre
    # a later, wider frame widens the view so no point leaves it
    page.show_demo_frame(emb, xy * 3, 0.9, 2, chance=1 / 3)
    (x0, x1), (y0, y1) = page.preview_plot.getViewBox().viewRange()
    assert x0 <= (xy[:, 0] * 3).min() and x1 >= (xy[:, 0] * 3).max()
    assert y0 <= (xy[:, 1] * 3).min() and y1 >= (xy[:, 1] * 3).max()
    with qtbot.waitSignal(page.demo_requested) as blocker:
        qtbot.mouseClick(page.preview_box, LEFT)
    assert blocker.args == ["genres"]
    page.clear_preview()
    assert page.preview_box.isHidden()
