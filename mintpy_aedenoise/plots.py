"""Map figures for the demo and the real-data report: a grid of 2-D maps with colour bars.

:func:`map_grid` builds the figure, :func:`save_map_grid` writes it to a PNG. Both use
Matplotlib's Agg canvas directly, without pyplot (as :func:`mintpy_aedenoise.evaluate.plot`), so
they work headless and leave the caller's backend alone.
"""
import numpy as np

__all__ = ["COLOUR_SCALES", "colour_limits", "map_grid", "save_map_grid"]

#: How the maps of a grid share colour scales: one for the whole grid, or one per row.
COLOUR_SCALES = ("grid", "row")


def colour_limits(maps, *, vmax=None, symmetric=True):
    """Colour-scale limits ``(vmin, vmax)`` of maps that share one colour bar.

    Parameters
    ----------
    maps : sequence of array_like
        Maps in display units; non-finite values are ignored.
    vmax : float or None
        Given limit, in display units: the scale is ``[-vmax, vmax]`` (``[-1, 1]`` for 0).
        None derives the limits from the maps.
    symmetric : bool
        With ``vmax=None``: ``[-L, L]`` with ``L`` the 99th percentile of ``|value|`` (1 when
        that is 0) if True, else the 1st to the 99th percentile of the values.

    Returns
    -------
    vmin, vmax : float

    Examples
    --------
    >>> colour_limits([np.array([[-2.0, 1.0], [np.nan, 0.5]])], vmax=3.0)
    (-3.0, 3.0)
    >>> colour_limits([np.zeros((2, 2)), np.full((2, 2), np.nan)])
    (-1.0, 1.0)
    >>> colour_limits([np.arange(101.0)], symmetric=False)
    (1.0, 99.0)
    """
    if vmax is not None:
        lim = float(vmax) or 1.0
        return -lim, lim
    finite = [m[np.isfinite(m)] for m in (np.asarray(m, dtype=np.float64) for m in maps)]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    if not finite.size:
        finite = np.zeros(1)
    if symmetric:
        lim = float(np.percentile(np.abs(finite), 99)) or 1.0
        return -lim, lim
    lo, hi = np.percentile(finite, [1, 99])
    return float(lo), float(hi)


def map_grid(rows, *, row_titles=None, colour_scale="grid", vmax=None, symmetric=True, suptitle=None,
             cmap="RdBu_r", unit="mm", scale=1000.0):
    """A figure of maps, one row of panels per entry of ``rows``.

    Parameters
    ----------
    rows : sequence of sequence of (str, array_like)
        For each row, its (title, 2-D map in metres) panels. Rows may differ in length (the
        missing panels are left blank); the first map sets the panels' aspect ratio.
    row_titles : sequence of str or None
        Label written left of each row.
    colour_scale : {"grid", "row"}
        "grid": one colour scale and colour bar for all the maps; "row": each row has its own,
        so that e.g. a small signal and its noisy input can both be read.
    vmax : float, sequence of (float or None), or None
        Colour limit in metres (the scale is then ``[-vmax, vmax]``); with ``colour_scale="row"``
        one value for every row or one per row. None derives the limits from the maps of the
        grid or of the row (see :func:`colour_limits`).
    symmetric : bool
        Limits derived from the maps are centred on zero; see :func:`colour_limits`.
    suptitle : str or None
        Figure title.
    cmap : str
        Matplotlib colour map.
    unit : str
        Colour-bar unit label.
    scale : float
        Factor from metres to ``unit``.

    Returns
    -------
    matplotlib.figure.Figure
        With an Agg canvas attached (``fig.savefig`` works).

    Raises
    ------
    ValueError
        Empty ``rows`` or rows, an unknown ``colour_scale``, or ``row_titles`` or a sequence
        ``vmax`` whose length differs from the number of rows.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if colour_scale not in COLOUR_SCALES:
        raise ValueError(f"colour_scale must be one of {COLOUR_SCALES}, got {colour_scale!r}")
    rows = [list(r) for r in rows]
    if not rows or not all(rows):
        raise ValueError("rows must be a non-empty sequence of non-empty rows of (title, map) panels")
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    if row_titles is not None and len(row_titles) != n_rows:
        raise ValueError(f"row_titles has {len(row_titles)} entries for {n_rows} rows")
    if isinstance(vmax, (list, tuple, np.ndarray)):
        if colour_scale != "row":
            raise ValueError("one vmax per row needs colour_scale='row'")
        if len(vmax) != n_rows:
            raise ValueError(f"vmax has {len(vmax)} entries for {n_rows} rows")
        limits = list(vmax)
    else:
        limits = [vmax] * n_rows
    # maps sharing a colour bar: (row indices, limit in metres or None)
    groups = [(range(n_rows), vmax)] if colour_scale == "grid" else [([i], lim) for i, lim in enumerate(limits)]

    data = [[np.asarray(m, dtype=np.float64) * scale for _, m in r] for r in rows]
    h, w = data[0][0].shape
    panel_w = 3.0
    panel_h = panel_w * h / w + 0.35
    fig = Figure(figsize=(panel_w * n_cols + 1.4, panel_h * n_rows + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for row_ids, lim in groups:
        vmin_, vmax_ = colour_limits([d for i in row_ids for d in data[i]],
                                     vmax=None if lim is None else float(lim) * scale, symmetric=symmetric)
        for i in row_ids:
            for j, ax in enumerate(axes[i]):
                if j >= len(rows[i]):
                    ax.axis("off")
                    continue
                im = ax.imshow(data[i][j], cmap=cmap, vmin=vmin_, vmax=vmax_, interpolation="nearest")
                ax.set_title(rows[i][j][0], fontsize=8)
                ax.set_xticks([])
                ax.set_yticks([])
            if row_titles:
                axes[i][0].set_ylabel(row_titles[i], fontsize=8)
        fig.colorbar(im, ax=[ax for i in row_ids for ax in axes[i]], shrink=0.85 if len(row_ids) == 1 else 0.6,
                     label=unit)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def save_map_grid(png, rows, **kwargs):
    """Save :func:`map_grid` ``(rows, **kwargs)`` to the PNG file ``png``; returns ``png``."""
    map_grid(rows, **kwargs).savefig(png, dpi=110, bbox_inches="tight")
    return png
