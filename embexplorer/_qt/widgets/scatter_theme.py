"""Look of the scatter view: the colours of each theme, text sizes and ring sizes."""

from __future__ import annotations

from embexplorer.core.view import palette

#: Point sizes of the tick labels, the point labels and the axis titles (times the font scale).
TICK_FONT_PT = 9
LABEL_FONT_PT = 9
AXIS_TITLE_PT = 11
#: Diameters (pixels) of the hover and focus rings around a point (times the overlay scale).
HOVER_RING_PX = 12
FOCUS_RING_PX = 18
#: Width (pixels) of the axis lines unless a theme thickens them.
AXIS_WIDTH_PX = 1.0


def _theme(*, background: str, foreground: str, grid: float, dimmed: float, point: tuple, selection: tuple,
           focus: tuple, hover: str, label: str, label_bg: tuple, tooltip_bg: str, tooltip_border: str,
           rubber: tuple, axis_width: float = AXIS_WIDTH_PX) -> dict:
    """One theme as the dict the view reads: every key required here, the tooltip text in the label colour."""
    return dict(locals(), tooltip_fg=label)


#: Colours of the light and dark themes ("contrast": black on white with thick axes, for projectors).
#: ``grid`` and ``dimmed`` are opacities (grid lines; the points under a selection or a highlight layer:
#: the high-contrast theme dims less, so that a projector does not wash the points out).
THEMES: dict[str, dict] = {
    "light": _theme(background="#ffffff", foreground="#3a3a3a", grid=0.12, dimmed=0.35, point=palette.BLUE,
                    selection=palette.SELECTION, focus=palette.QUERY, hover="#111111", label="#1a1a1a",
                    label_bg=(255, 255, 255, 190), tooltip_bg="rgba(255,255,255,235)",
                    tooltip_border="#9a9a9a", rubber=(40, 40, 40)),
    "dark": _theme(background="#1b1d21", foreground="#cfd2d6", grid=0.05, dimmed=0.5, point=(94, 172, 255),
                   selection=(255, 170, 60), focus=(255, 90, 90), hover="#ffffff", label="#f0f0f0",
                   label_bg=(27, 29, 33, 190), tooltip_bg="rgba(40,42,48,240)", tooltip_border="#5a5d63",
                   rubber=(230, 230, 230)),
    "contrast": _theme(background="#ffffff", foreground="#000000", grid=0.2, dimmed=0.55, point=(0, 82, 204),
                       selection=palette.RASPBERRY, focus=palette.MAGENTA, hover="#000000", label="#000000",
                       label_bg=(255, 255, 255, 225), tooltip_bg="rgba(255,255,255,245)",
                       tooltip_border="#000000", rubber=(0, 0, 0), axis_width=2.5),
}
