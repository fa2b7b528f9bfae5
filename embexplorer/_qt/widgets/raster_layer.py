"""A point-cloud graphics item that draws a million points in a few milliseconds.

Many points in view: the points are rasterised with numpy straight into a
``QImage`` at device resolution ("splat": a per-pixel winner colour plus a
``np.bincount`` density that drives the alpha, so overlapping regions read as
darker / denser). Few points in view (see
:class:`embexplorer.core.view.scatter_math.LodDecider`): crisp antialiased discs
drawn with one ``drawPixmapFragments`` call from a small sprite atlas. Either
way the result is cached as one image keyed on the view transform, so hover
and selection overlays repainting on top never re-rasterise the big layer.
No Qt object is ever created per point.

At millions of points (the numpy engine is :mod:`embexplorer.core.view.splat`):
a pan at the same zoom moves the last raster by whole pixels instead of
drawing a new one (the raster is anchored to the data); a zoom step by the
wheel or the mouse on a big set shows the last raster scaled and draws the
exact one once the view is still; big sets are sorted spatially once, in the
background, which makes every later raster faster and pixel-identical.
"""

from __future__ import annotations

import time
from concurrent import futures

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui

from embexplorer._qt.widgets.raster_sprites import sprite_atlas
from embexplorer.core.view import palette
from embexplorer.core.view.scatter_math import LodDecider, argb, finite_bounds
from embexplorer.core.view.splat import (
    DENSITY_LEVELS,
    DENSITY_SATURATION,
    SpatialOrder,
    Splatter,
    corner_pixels,
    count_within,
    density_levels,
    dilate_points,
    line_sums,
    order_pool,
    pixel_xy,
    shade_table,
    spatial_order,
)

#: Largest point size (pixels) the raster splat supports.
MAX_POINT_SIZE = 24
#: Most points in view drawn as real SVG circles in an SVG export (beyond: an embedded image).
SVG_VECTOR_MAX = 50_000
#: Sized points are rasterised as 16-bit keys ``(level << KEY_LEVEL_SHIFT | colour entry) + 1``:
#: colour entries up to ``KEY_CODES`` (more fall back to ARGB passes).
KEY_LEVEL_SHIFT = 12
KEY_CODES = (1 << KEY_LEVEL_SHIFT) - 1
#: From this many points a set is also sorted spatially (in the background) for faster rasters,
#: once it has been rasterised this many times (a set drawn once is not worth the sort).
ORDER_MIN = 300_000
ORDER_AFTER_RASTERS = 2
#: From this many points a zoom step first draws the last raster scaled (a full raster of 3M points takes
#: 30-100 ms here)...
ZOOM_PREVIEW_MIN = 1_000_000
#: ...and the exact raster follows once the view has been still this long (ms).
ZOOM_SETTLE_MS = 120
#: Previews only while the user zooms: a paint at most this long (s) after the wheel or a mouse drag
#: changed the range (a fit, a resize or a screenshot always gets the exact raster).
MANUAL_WINDOW_S = 0.3


class PointCloudItem(pg.GraphicsObject):
    """Many 2-D points in one item: numpy raster when dense, vector discs when few.

    Parameters
    ----------
    lod : LodDecider, optional
        Raster/vector decision (with hysteresis).
    """

    def __init__(self, lod: LodDecider | None = None) -> None:
        super().__init__()
        self.lod = lod or LodDecider()
        self._x = np.zeros(0, dtype=np.float32)
        self._y = np.zeros(0, dtype=np.float32)
        self._cidx = np.zeros(0, dtype=np.uint16)
        self._lut = np.array([argb(*palette.BLUE)], dtype=np.uint32)
        self._visible: np.ndarray | None = None
        self._has_nan = False
        self._size = 4
        self._outline = True
        self._bounds = QtCore.QRectF()
        self._version = 0
        self._cache_key: tuple | None = None
        self._cache_img: QtGui.QImage | None = None
        self._cache_origin = QtCore.QPoint(0, 0)
        self._atlas: QtGui.QPixmap | None = None
        self._atlas_key: tuple | None = None
        self._frags = internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._force_mode: str | None = None
        self._cache_buf: np.ndarray | None = None
        self._cache_target = QtCore.QRectF()
        self._eff = 4
        # Optional per-point size classes (uint8) and the diameter of each class; None = uniform.
        self._classes: np.ndarray | None = None
        self._class_sizes: tuple[int, ...] | None = None
        self._effs: tuple[int, ...] = (4,)
        #: Extra scale of point sizes while exporting at 2x (set by the exporter).
        self.render_scale = 1.0
        self._cache_source = QtCore.QRect()
        #: Points drawn by the last paint and the mode used ("raster"/"vector").
        self.last_in_view = 0
        self.last_mode = "raster"
        #: Paints and (re-)rasterisations so far: overlays must not cause the latter.
        self.paint_count = 0
        self.render_count = 0
        self._splatter = Splatter()
        self._settle_timer: QtCore.QTimer | None = None
        self._settled = False  # the zoom preview's timer ran out: the next paint renders
        self._cache_clip: QtCore.QRectF | None = None  # the view, while a scaled preview is drawn
        self._manual_vb = None
        self._manual_at = -1e9  # time.monotonic() of the last range change by the mouse
        self._order: SpatialOrder | None = None
        self._order_job: tuple | None = None
        self._rasters = 0
        self._levels = density_levels()
        self._fbounds = (0.0, 0.0, 0.0, 0.0)  # (x0, x1, y0, y1) of the finite points
        #: The last raster, for drawing it moved by whole pixels after a pan (see _shift_cache).
        self._anchor: dict | None = None
        self._anchor_counts: tuple | None = None
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    # -- data -----------------------------------------------------------------
    def set_points(self, x: np.ndarray, y: np.ndarray) -> None:
        """Set coordinates (two float32 arrays of equal length)."""
        self.prepareGeometryChange()
        self._x = np.ascontiguousarray(x, dtype=np.float32)
        self._y = np.ascontiguousarray(y, dtype=np.float32)
        n = len(self._x)
        if len(self._cidx) != n:
            self._cidx = np.zeros(n, dtype=np.uint16)
            self._lut = self._lut[:1]
        if self._classes is not None and len(self._classes) != n:
            self._classes = self._class_sizes = None
        self._visible = None
        # NaN / inf rows (e.g. a failed projection) must go through the in-view mask,
        # which drops them; the "everything is in view" shortcut would not.
        b = None
        self._has_nan = False
        if n:
            raw = (float(self._x.min()), float(self._x.max()), float(self._y.min()), float(self._y.max()))
            self._has_nan = not bool(np.isfinite(raw).all())
            b = finite_bounds(self._x, self._y) if self._has_nan else raw
        if b is not None:
            x0, x1, y0, y1 = b
            self._fbounds = b
            self._bounds = QtCore.QRectF(x0, y0, max(x1 - x0, 1e-9), max(y1 - y0, 1e-9))
        else:
            self._bounds = QtCore.QRectF()
        self.lod.reset()
        self._order = None
        self._order_job = None
        self._rasters = 0  # full rasters of these points (the sort waits for the second)
        self._invalidate()

    def _spatial(self, start: bool = False) -> SpatialOrder | None:
        """The spatial order of the points once its background sort is done (else None); ``start``
        the sort if it is due and not running.

        Big sets only, and started from the second raster of the same points (from
        :meth:`_render_raster`): the sort (~0.1-0.5 s of CPU at 3M points) does not compete with the
        first picture, and sets drawn once (live training frames) are never sorted.
        """
        if self._order is None and self._order_job is not None:
            x, job = self._order_job
            if job.done():
                self._order_job = None
                if x is self._x and job.exception() is None:
                    self._order = job.result()
        if start and self._order is None and self._order_job is None and len(self._x) >= ORDER_MIN:
            self._order_job = (self._x, order_pool().submit(spatial_order, self._x, self._y))
        return self._order

    def wait_spatial(self, timeout: float | None = None) -> bool:
        """Sort the points spatially now if due and block until done (tests, benchmarks); True when the
        order is there."""
        self._spatial(start=True)
        if self._order_job is not None:
            futures.wait([self._order_job[1]], timeout)
        return self._spatial() is not None

    def set_colors(self, index: np.ndarray, lut: np.ndarray) -> None:
        """Per-point colour entries (uint16) into ``lut`` (uint32 ARGB)."""
        index = np.ascontiguousarray(index, dtype=np.uint16)
        if len(index) != len(self._x):
            raise ValueError(f"{len(index)} colours for {len(self._x)} points")
        self._cidx = index
        self._lut = np.asarray(lut, dtype=np.uint32)
        self._invalidate()

    def set_visible_mask(self, mask: np.ndarray | None) -> None:
        """Hide points where ``mask`` is False (None shows all)."""
        self._visible = None if mask is None else np.asarray(mask, dtype=bool)
        self._invalidate()

    def set_point_size(self, size: int) -> None:
        """Point diameter in device pixels."""
        self._size = int(np.clip(size, 1, MAX_POINT_SIZE))
        self._invalidate()

    def set_size_classes(self, classes: np.ndarray | None, sizes=None) -> None:
        """Per-point size classes (uint8, one per point) and the diameter of each class.

        Class ``k`` is drawn ``sizes[k]`` device pixels wide (clipped to
        :data:`MAX_POINT_SIZE`), larger classes first so small points stay on
        top. ``None`` restores the uniform :meth:`set_point_size` drawing.
        """
        if classes is None:
            self._classes = self._class_sizes = None
            self.prepareGeometryChange()
            self._invalidate()
            return
        classes = np.ascontiguousarray(classes, dtype=np.uint8)
        if len(classes) != len(self._x):
            raise ValueError(f"{len(classes)} size classes for {len(self._x)} points")
        sizes = tuple(int(np.clip(s, 1, MAX_POINT_SIZE)) for s in (sizes or ()))
        if len(classes) and int(classes.max()) >= len(sizes):
            raise ValueError(f"size class {int(classes.max())} but only {len(sizes)} sizes")
        self.prepareGeometryChange()
        self._classes = classes
        self._class_sizes = sizes
        self._invalidate()

    @property
    def size_classes(self) -> tuple[np.ndarray | None, tuple[int, ...] | None]:
        """The per-point classes and class diameters (``(None, None)`` when uniform)."""
        return self._classes, self._class_sizes

    @property
    def max_point_size(self) -> int:
        """Largest diameter drawn (device pixels, before the DPR / export scale)."""
        if self._class_sizes:
            return max(self._class_sizes)
        return self._size

    def set_outline(self, on: bool) -> None:
        """Darker rim around vector discs (off for single-colour highlight layers)."""
        self._outline = bool(on)
        self._invalidate()

    def force_mode(self, mode: str | None) -> None:
        """Force ``"raster"`` or ``"vector"`` (tests, export); None = automatic."""
        self._force_mode = mode
        self._invalidate()

    @property
    def point_size(self) -> int:
        return self._size

    @property
    def n(self) -> int:
        return len(self._x)

    def _invalidate(self) -> None:
        self._version += 1
        self.update()

    # -- QGraphicsItem --------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        if self._bounds.isNull():
            return QtCore.QRectF()
        # Pad by the point radius in data units so edge points are not clipped.
        px = self.pixelVectors()
        pad_x = pad_y = 0.0
        if px[0] is not None:
            size = self.max_point_size
            pad_x = abs(px[0].x()) * size + abs(px[1].x()) * size
            pad_y = abs(px[0].y()) * size + abs(px[1].y()) * size
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:
        n = len(self._x)
        if n == 0:
            return
        vb = self.getViewBox()
        if vb is not None and vb is not self._manual_vb:
            self._manual_vb = vb  # the wheel and mouse drags emit it: zoom previews are for them only
            vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        tr = p.transform()
        if tr.m12() != 0 or tr.m21() != 0:
            return  # rotated views are not used by the app
        device = p.device()
        dev_rect = QtCore.QRect(0, 0, device.width(), device.height())
        view_rect = vb.viewRect() if vb is not None else self._bounds
        target = tr.mapRect(view_rect).toAlignedRect().intersected(dev_rect)
        if target.isEmpty():
            return
        engine = p.paintEngine()
        if engine is not None and engine.type() == QtGui.QPaintEngine.Type.SVG:
            if self._paint_svg_vector(p, tr, target):
                return
        # Render in physical pixels on high-DPI screens (crisp, not upscaled); points
        # grow with the DPR and with an export scale so they look the same size.
        dpr = float(device.devicePixelRatioF()) if hasattr(device, "devicePixelRatioF") else 1.0
        scale = dpr * self.render_scale
        key = (tr.m11(), tr.m22(), tr.m31(), tr.m32(), target.x(), target.y(), target.width(),
               target.height(), dpr, self.render_scale, self._version)
        self.paint_count += 1
        phys = tr * QtGui.QTransform.fromScale(dpr, dpr)
        target_phys = QtCore.QRect(round(target.x() * dpr), round(target.y() * dpr),
                                   round(target.width() * dpr), round(target.height() * dpr))
        if (key != self._cache_key or self._cache_img is None) and not self._shift_cache(
                phys, target_phys, key, dpr) and not self._zoom_preview(phys, target_phys, key, dpr):
            self.render_count += 1
            self._settled = False
            self._cache_clip = None
            self._eff = int(np.clip(round(self._size * scale), 1, MAX_POINT_SIZE * 4))
            if self._class_sizes:
                self._effs = tuple(int(np.clip(round(s * scale), 1, MAX_POINT_SIZE * 4))
                                   for s in self._class_sizes)
            else:
                self._effs = (self._eff,)
            self._anchor_counts = None
            self._cache_img = self._render(phys, target_phys)
            self._cache_key = key
            self._cache_target = QtCore.QRectF(target)
            self._anchor = None
            if self.last_mode == "raster" and self._anchor_counts is not None:
                self._anchor = dict(scale=(key[0], key[1]) + key[8:], dx=phys.m31(), dy=phys.m32(),
                                    tr=(phys.m11(), phys.m22(), phys.m31(), phys.m32()),
                                    region=QtCore.QRect(target_phys), source=QtCore.QRect(self._cache_source),
                                    counts=self._anchor_counts, sums=None)
        p.save()
        p.resetTransform()
        if self._cache_clip is not None:
            p.setClipRect(self._cache_clip, QtCore.Qt.ClipOperation.IntersectClip)
        # Draw only the view part of the (padded) raster: no crop copy needed.
        p.drawImage(self._cache_target, self._cache_img, QtCore.QRectF(self._cache_source))
        p.restore()

    def _shift_cache(self, phys: QtGui.QTransform, target: QtCore.QRect, key: tuple, dpr: float) -> bool:
        """After a pan (same scale), draw the last raster moved by whole pixels instead of a new one.

        The raster is anchored to the data: the image drawn at the scale's first render moves
        with the points, rounded to whole device pixels (a point is then within half a pixel of
        where a fresh raster would put it, and dense areas do not shimmer while dragging). Only
        when every point that can appear in ``target`` was rasterised (the data's extent, one
        point radius wider, lies inside the moved image where it meets the view) and the points
        still in view keep the raster level of detail. False: render anew.
        """
        a = self._anchor
        if a is None or a["scale"] != (key[0], key[1]) + key[8:] or self._force_mode == "vector":
            return False
        kx, ky = round(phys.m31() - a["dx"]), round(phys.m32() - a["dy"])
        placed = a["region"].translated(kx, ky)
        r = max(self._effs) / 2.0 + 1
        need = phys.mapRect(self._bounds).adjusted(-r, -r, r, r).intersected(QtCore.QRectF(target))
        if need.isValid() and not need.isEmpty() and not QtCore.QRectF(placed).contains(need):
            return False
        dst = placed.intersected(target)
        if a["sums"] is None:
            a["sums"] = line_sums(*a["counts"][:2])
        # Buffer row j holds the points whose device row is j - shift + region.y() (columns alike).
        rect = target.translated(-kx, -ky).translated(a["counts"][2] - a["region"].x(),
                                                      a["counts"][2] - a["region"].y())
        count = count_within(*a["sums"], rect.top(), rect.bottom() + 1, rect.left(), rect.right() + 1)
        if self._force_mode is None and self.lod.update(count):
            return False  # few points left in view: crisp discs
        if dst.isEmpty():
            dst = QtCore.QRect(target.x(), target.y(), 0, 0)
        self.last_in_view = count
        self.last_mode = "raster"
        self._cache_key = key
        src = a["source"]
        self._cache_source = dst.translated(src.x() - placed.x(), src.y() - placed.y())
        self._cache_target = QtCore.QRectF(dst.x() / dpr, dst.y() / dpr, dst.width() / dpr,
                                           dst.height() / dpr)
        return True

    def _zoom_preview(self, phys: QtGui.QTransform, target: QtCore.QRect, key: tuple, dpr: float) -> bool:
        """While a big set is zoomed, draw the last raster scaled at once; the exact raster follows once
        the view has been still for :data:`ZOOM_SETTLE_MS` (False: render now)."""
        a = self._anchor
        if (a is None or self._settled or len(self._x) < ZOOM_PREVIEW_MIN or a["scale"][2:] != key[8:]
                or time.monotonic() - self._manual_at > MANUAL_WINDOW_S):
            return False  # not while the user zooms (a fit, a resize, a screenshot): the exact raster
        m11, m22, m31, m32 = a["tr"]
        r = QtCore.QRectF(a["region"])
        # The raster's region back in data coordinates, then where the new view puts it.
        xs = [(v - m31) / m11 * phys.m11() + phys.m31() for v in (r.left(), r.right())]
        ys = [(v - m32) / m22 * phys.m22() + phys.m32() for v in (r.top(), r.bottom())]
        self._cache_key = key
        self._cache_source = QtCore.QRect(a["source"])
        self._cache_target = QtCore.QRectF(min(xs) / dpr, min(ys) / dpr, abs(xs[1] - xs[0]) / dpr,
                                           abs(ys[1] - ys[0]) / dpr)
        self._cache_clip = QtCore.QRectF(target.x() / dpr, target.y() / dpr, target.width() / dpr,
                                         target.height() / dpr)
        if self._settle_timer is None:
            self._settle_timer = QtCore.QTimer(self)
            self._settle_timer.setSingleShot(True)
            self._settle_timer.setInterval(ZOOM_SETTLE_MS)
            self._settle_timer.timeout.connect(self._on_zoom_settled)
        self._settle_timer.start()
        return True

    def _on_range_changed_manually(self, *args) -> None:
        self._manual_at = time.monotonic()

    def _on_zoom_settled(self) -> None:
        if self._cache_clip is not None:  # still showing a preview: draw the exact raster now
            self._settled = True
            self._cache_key = None
            self.update()

    @property
    def previewing(self) -> bool:
        """A scaled preview of the last raster is shown (a zoom of a big set; the exact raster follows)."""
        return self._cache_clip is not None

    def _paint_svg_vector(self, p: QtGui.QPainter, tr: QtGui.QTransform, target: QtCore.QRect) -> bool:
        """Draw the points in view as SVG circles (when few enough); False to fall back to an image."""
        sx, sy, dx, dy = tr.m11(), tr.m22(), tr.m31(), tr.m32()
        xa, xb = sorted(((target.left() - dx) / sx, (target.right() + 1 - dx) / sx))
        ya, yb = sorted(((target.top() - dy) / sy, (target.bottom() + 1 - dy) / sy))
        m = (self._x >= xa) & (self._x <= xb) & (self._y >= ya) & (self._y <= yb)
        if self._visible is not None:
            m &= self._visible
        rows = np.flatnonzero(m)
        if len(rows) > SVG_VECTOR_MAX:
            return False
        fx = self._x[rows] * sx + dx
        fy = self._y[rows] * sy + dy
        cidx = self._cidx[rows]
        if self._classes is not None:
            radii = np.asarray(self._class_sizes, dtype=np.float64)[self._classes[rows]] / 2.0
        else:
            radii = np.full(len(rows), self._size / 2.0)
        p.save()
        p.resetTransform()
        p.setClipRect(target)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for entry in np.unique(cidx):
            c = int(self._lut[int(entry)])
            p.setBrush(QtGui.QColor((c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF, 220))
            sel = cidx == entry
            for x, y, r in zip(fx[sel].tolist(), fy[sel].tolist(), radii[sel].tolist()):
                p.drawEllipse(QtCore.QPointF(x, y), r, r)
        p.restore()
        return True

    # -- rendering --------------------------------------------------------------
    def _render(self, tr: QtGui.QTransform, target: QtCore.QRect) -> QtGui.QImage:
        """Render the points in ``target`` (device pixels) to a new image."""
        w, h = target.width(), target.height()
        sx, sy, dx, dy = tr.m11(), tr.m22(), tr.m31() - target.x(), tr.m32() - target.y()
        r = max(self._effs) / 2.0 + 1
        # Device rect (with a point radius margin) back in data coordinates.
        xa, xb = sorted(((-r - dx) / sx, (w + r - dx) / sx))
        ya, yb = sorted(((-r - dy) / sy, (h + r - dy) / sy))
        b = self._bounds
        # Everything in view: no mask (the common zoomed-out case).
        all_in = (not self._has_nan and xa <= b.left() and xb >= b.right() and ya <= b.top()
                  and yb >= b.bottom())
        classes = self._classes if self._class_sizes else None
        forced = self._force_mode
        if classes is None and (forced == "raster" or (forced is None and not self.lod.vector
                                                       and len(self._x) > self.lod.exit)):
            # Raster expected: the splat culls as it goes and counts the points it drew, so the
            # level of detail is decided afterwards (a wasted raster only when it turns vector).
            img, count = self._render_raster((sx, sy, dx, dy), None if all_in else (xa, xb, ya, yb), w, h)
            self.last_in_view = count
            if forced == "raster" or not self.lod.update(count):
                self.last_mode = "raster"
                return img
        x, y = self._x, self._y
        if all_in:
            rows = None if self._visible is None else np.flatnonzero(self._visible)
        else:
            m = (x >= xa) & (x <= xb) & (y >= ya) & (y <= yb)
            if self._visible is not None:
                m &= self._visible
            rows = np.flatnonzero(m)
        if rows is not None:
            x, y, cidx = x[rows], y[rows], self._cidx[rows]
            if classes is not None:
                classes = classes[rows]
        else:
            cidx = self._cidx
        count = len(x)
        self.last_in_view = count
        if forced is not None:
            vector = forced == "vector"
        else:
            vector = self.lod.update(count)
        self.last_mode = "vector" if vector else "raster"
        if vector:
            fx = x * np.float32(sx) + np.float32(dx)
            fy = y * np.float32(sy) + np.float32(dy)
            return self._render_vector(fx, fy, cidx, w, h, classes)
        if classes is not None:
            return self._render_raster_classes(x, y, (sx, sy, dx, dy), cidx, classes, w, h)
        return self._render_raster((sx, sy, dx, dy), None, w, h, (x, y, cidx))[0]

    def _render_raster(self, affine: tuple, box: tuple | None, w_view: int, h_view: int,
                       points: tuple | None = None) -> tuple[QtGui.QImage, int]:
        """Raster of every point (``box``: only those in it, ``points``: these ``(x, y, cidx)``
        instead); the image and the number of points drawn."""
        # Render with a margin of one point radius so points just outside the
        # view still show their inner part after dilation; crop at the end.
        pad = self._eff // 2 + 1
        w, h = w_view + 2 * pad, h_view + 2 * pad
        # + size // 2 centres the forward dilation window on the point.
        shift = pad + self._eff // 2
        sx, sy, dx, dy = affine
        affine = (sx, sy, dx + shift, dy + shift)
        if points is None:
            x, y, cidx, visible = self._x, self._y, self._cidx, self._visible
        else:
            (x, y, cidx), visible = points, None
        inside = False
        if box is None and points is None and len(x):
            # Every point inside the buffer? The corners of the data box answer exactly.
            ix0, ix1, iy0, iy1 = corner_pixels(*self._fbounds, affine)
            inside = ix0 >= 0 and ix1 < w and iy0 >= 0 and iy1 < h
        order = self._spatial() if points is None else None
        counts = self._splatter.splat(x, y, cidx, affine, w, h, box, visible, inside, order)
        count = int(counts.sum())
        self._anchor_counts = (counts, w, shift)
        buf = self._splatter.shade(counts, self._lut, w, h)
        self._rasters += 1
        if points is None and order is None and self._rasters >= ORDER_AFTER_RASTERS:
            self._spatial(start=True)
        if count and self._eff > 1:
            buf = dilate_points(buf, self._eff)
        return self._wrap(buf, QtCore.QRect(pad, pad, w_view, h_view)), count

    def _render_raster_classes(self, x: np.ndarray, y: np.ndarray, affine: tuple, cidx: np.ndarray,
                               classes: np.ndarray, w_view: int, h_view: int) -> QtGui.QImage:
        """Raster with per-point sizes: one splat + dilation per distinct size, largest first.

        Each smaller size overwrites the pixels it covers, so small points stay
        visible on top of big ones (a plain maximum would let whichever colour
        has the larger bytes win where a small point sits on a big one). The
        density is counted once over all points at their centre pixel; the
        passes then work on 16-bit keys ``(density level, colour entry) + 1``
        rather than ARGB (numpy's uint16 maximum is many times faster than its
        uint32 one, which pays for the extra passes), and one table lookup makes
        the ARGB image at the end.
        """
        effs = np.asarray(self._effs, dtype=np.int64)
        pad = int(effs.max()) // 2 + 1
        w, h = w_view + 2 * pad, h_view + 2 * pad
        k = len(self._lut)
        # Classes of equal drawn size (small bases round together) share one pass, largest first.
        distinct = np.unique(effs)[::-1]
        groups = np.searchsorted(-distinct, -effs).astype(np.uint8)[classes]
        if k > KEY_CODES:
            return self._render_raster_classes_argb(x, y, affine, cidx, groups, distinct, pad, w, h,
                                                    w_view, h_view)
        out = np.zeros((h, w), dtype=np.uint16)
        if len(x):
            # Centre pixels outside the padded buffer belong to discs entirely outside the view.
            sx, sy, dx, dy = affine
            ix, iy, cidx, groups = pixel_xy(x, y, (sx, sy, dx + pad, dy + pad), w, h, cidx, groups)
            lin = iy * np.int32(w)
            lin += ix
            counts = np.bincount(lin, minlength=w * h)
            self._anchor_counts = (counts, w, pad)
            # Density -> alpha level (log-scaled, as in the single-size splat), per point.
            level_of = self._levels.astype(np.uint16) << np.uint16(KEY_LEVEL_SHIFT)
            key = level_of[np.minimum(counts[lin], DENSITY_SATURATION)]
            key |= np.minimum(cidx, k - 1).astype(np.uint16)
            key += np.uint16(1)  # 0 stays "no point"
            order = np.argsort(groups, kind="stable")  # radix sort of uint8: stable keeps draw order
            bounds = np.zeros(len(distinct) + 1, dtype=np.int64)
            np.cumsum(np.bincount(groups, minlength=len(distinct)), out=bounds[1:])
            for g, eff in enumerate(distinct.tolist()):
                sel = order[bounds[g]:bounds[g + 1]]
                if not len(sel):
                    continue
                # + size // 2 centres the forward dilation window; drop shifted pixels off the buffer.
                shift = eff // 2
                gx, gy = ix[sel] + shift, iy[sel] + shift
                gkey = key[sel]
                if gx.max() >= w or gy.max() >= h:
                    ok = (gx < w) & (gy < h)
                    gx, gy, gkey = gx[ok], gy[ok], gkey[ok]
                gy *= np.int32(w)
                gy += gx
                buf = np.zeros((h, w), dtype=np.uint16)
                buf.reshape(-1)[gy] = gkey  # last write wins, as in the single-size splat
                if eff > 1:
                    buf = dilate_points(buf, eff)
                if g == 0:
                    out = buf
                else:
                    np.copyto(out, buf, where=buf != 0)
        keys = np.arange(1 << 16, dtype=np.int64) - 1
        table = np.zeros(1 << 16, dtype=np.uint32)
        code, lvl = keys & KEY_CODES, keys >> KEY_LEVEL_SHIFT
        ok = (keys >= 0) & (code < k) & (lvl < DENSITY_LEVELS)
        flat = shade_table(self._lut)
        table[ok] = flat[code[ok] * DENSITY_LEVELS + lvl[ok]]
        return self._wrap(table[out], QtCore.QRect(pad, pad, w_view, h_view))

    def _render_raster_classes_argb(self, x, y, affine, cidx, groups, distinct, pad, w, h, w_view, h_view
                                    ) -> QtGui.QImage:
        """Fallback of :meth:`_render_raster_classes` for more colours than 16-bit keys hold."""
        out: np.ndarray | None = None
        for g, eff in enumerate(distinct.tolist()):
            sel = np.flatnonzero(groups == g)
            if not len(sel):
                continue
            buf = self._splat(x[sel], y[sel], affine, cidx[sel], pad + eff // 2, w, h)
            if eff > 1:
                buf = dilate_points(buf, eff)
            if out is None:
                out = buf
            else:
                np.copyto(out, buf, where=buf != 0)
        if out is None:
            out = np.zeros((h, w), dtype=np.uint32)
        return self._wrap(out, QtCore.QRect(pad, pad, w_view, h_view))

    def _splat(self, x: np.ndarray, y: np.ndarray, affine: tuple, cidx: np.ndarray, shift: int,
               w: int, h: int) -> np.ndarray:
        """One premultiplied ARGB pixel per point (winner colour, density alpha) in a new (h, w) buffer."""
        sx, sy, dx, dy = affine
        counts = self._splatter.splat(x, y, cidx, (sx, sy, dx + shift, dy + shift), w, h)
        return self._splatter.shade(counts, self._lut, w, h)

    def _sprite_atlas(self) -> QtGui.QPixmap:
        """Discs of every colour (columns) at every drawn size (rows), built once per sizes and colours."""
        key = (self._effs, tuple(int(c) for c in self._lut), self._outline)
        if self._atlas is None or self._atlas_key != key:
            self._atlas, self._atlas_key = sprite_atlas(self._effs, self._lut, self._outline), key
        return self._atlas

    def _render_vector(self, fx: np.ndarray, fy: np.ndarray, cidx: np.ndarray, w: int, h: int,
                       classes: np.ndarray | None = None) -> QtGui.QImage:
        img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        self._cache_source = QtCore.QRect(0, 0, w, h)
        if len(fx) == 0:
            return img
        atlas = self._sprite_atlas()
        s = max(self._effs) + 2
        self._frags.resize(len(fx))
        fr = self._frags.ndarray()
        if classes is None:
            fr[:, 0] = fx
            fr[:, 1] = fy
            fr[:, 2] = cidx.astype(np.float64) * s
            fr[:, 3] = 0.0
            fr[:, 4] = s
            fr[:, 5] = s
        else:
            # Larger classes first so small discs are drawn on top of big ones.
            order = np.argsort(-classes.astype(np.int16), kind="stable")
            cls = classes[order]
            # Each sprite is centred in its cell: take a centred square just big enough for it.
            margin = (s - (np.asarray(self._effs) + 2)) // 2
            side = (s - 2 * margin).astype(np.float64)
            fr[:, 0] = fx[order]
            fr[:, 1] = fy[order]
            fr[:, 2] = cidx[order].astype(np.float64) * s + margin[cls]
            fr[:, 3] = cls.astype(np.float64) * s + margin[cls]
            fr[:, 4] = side[cls]
            fr[:, 5] = side[cls]
        fr[:, 6:10] = (1.0, 1.0, 0.0, 1.0)
        qp = QtGui.QPainter(img)
        qp.drawPixmapFragments(*self._frags.drawargs(), atlas)
        qp.end()
        return img

    def _wrap(self, buf: np.ndarray, source: QtCore.QRect | None = None) -> QtGui.QImage:
        h, w = buf.shape
        buf = np.ascontiguousarray(buf)
        # QImage does not own numpy memory: keep the buffer alive with the cached image.
        self._cache_buf = buf
        self._cache_source = source if source is not None else QtCore.QRect(0, 0, w, h)
        return QtGui.QImage(buf.data, w, h, w * 4, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
