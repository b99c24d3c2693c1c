"""Figures for the demo, the evaluation and the real-data report (matplotlib, Agg backend)."""
import numpy as np

__all__ = ["save_panels", "save_panel_rows", "save_map_rows"]


def save_panels(png, panels, *, suptitle=None, cmap="RdBu_r", symmetric=True, unit="mm", scale=1000.0):
    """Save a row of maps sharing one colour scale.

    Parameters
    ----------
    png : str
        Output PNG path.
    panels : list of (str, numpy.ndarray)
        (title, 2-D map in metres) pairs.
    suptitle : str or None
        Figure title.
    cmap : str
        Matplotlib colour map.
    symmetric : bool
        Centre the colour scale on zero.
    unit : str
        Colour-bar unit label.
    scale : float
        Factor from metres to ``unit``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = [np.asarray(m, dtype=np.float64) * scale for _, m in panels]
    finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.zeros(1)
    vmax = np.percentile(np.abs(finite), 99) if finite.size else 1.0
    vmin, vmax = (-vmax, vmax) if symmetric else (np.percentile(finite, 1), np.percentile(finite, 99))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels) + 0.8, 3.4), squeeze=False)
    for ax, (title, _), d in zip(axes[0], panels, data):
        im = ax.imshow(d, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label=unit)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return png


def save_panel_rows(png, rows, *, row_titles=None, suptitle=None, cmap="RdBu_r", symmetric=True, unit="mm",
                    scale=1000.0):
    """Save a grid of maps (one row per entry of ``rows``) sharing one colour scale.

    Parameters
    ----------
    png : str
        Output PNG path.
    rows : list of list of (str, numpy.ndarray)
        For each row, its (title, 2-D map in metres) pairs; all rows have the same length.
    row_titles : list of str or None
        Label written left of each row.
    suptitle : str or None
        Figure title.
    cmap : str
        Matplotlib colour map.
    symmetric : bool
        Centre the colour scale on zero.
    unit : str
        Colour-bar unit label.
    scale : float
        Factor from metres to ``unit``.

    Returns
    -------
    str
        ``png``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    data = [[np.asarray(m, dtype=np.float64) * scale for _, m in r] for r in rows]
    finite = np.concatenate([d[np.isfinite(d)] for r in data for d in r])
    if not finite.size:
        finite = np.zeros(1)
    vmax = float(np.percentile(np.abs(finite), 99)) or 1.0
    vmin, vmax = (-vmax, vmax) if symmetric else (np.percentile(finite, 1), np.percentile(finite, 99))
    h, w = data[0][0].shape
    panel_w = 3.0
    panel_h = panel_w * h / w + 0.35
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(panel_w * n_cols + 1.2, panel_h * n_rows + 0.6),
                             squeeze=False, layout="constrained")
    im = None
    for i, (r, d_row) in enumerate(zip(rows, data)):
        for j, ax in enumerate(axes[i]):
            if j >= len(r):
                ax.axis("off")
                continue
            im = ax.imshow(d_row[j], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            ax.set_title(r[j][0], fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        if row_titles:
            axes[i][0].set_ylabel(row_titles[i], fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.6, label=unit)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def save_map_rows(png, rows, *, row_titles=None, vmax=None, suptitle=None, cmap="RdBu_r", unit="mm",
                  scale=1000.0):
    """Save a grid of maps, one row per entry of ``rows``, each row with its own symmetric colour scale.

    Unlike :func:`save_panel_rows` (one scale for the whole grid), every row gets its own colour
    bar, and its limit can be given: e.g. the peak of the true signal, so that a denoised map and
    the truth are readable while the noisy input saturates.

    Parameters
    ----------
    png : str
        Output PNG path.
    rows : list of list of (str, numpy.ndarray)
        For each row, its (title, 2-D map in metres) pairs; rows may differ in length.
    row_titles : list of str or None
        Label written left of each row.
    vmax : float, sequence of (float or None), or None
        Colour limit of each row in metres (the scale is ``[-vmax, vmax]``); None (for all rows
        or one row) uses the 99th percentile of ``|value|`` over the row's maps.
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
    str
        ``png``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    limits = list(vmax) if isinstance(vmax, (list, tuple, np.ndarray)) else [vmax] * n_rows
    if len(limits) != n_rows:
        raise ValueError(f"vmax has {len(limits)} entries for {n_rows} rows")
    data = [[np.asarray(m, dtype=np.float64) * scale for _, m in r] for r in rows]
    h, w = data[0][0].shape
    panel_w = 3.0
    panel_h = panel_w * h / w + 0.35
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(panel_w * n_cols + 1.4, panel_h * n_rows + 0.6),
                             squeeze=False)
    for i, (r, d_row, lim) in enumerate(zip(rows, data, limits)):
        if lim is None:
            finite = np.concatenate([d[np.isfinite(d)].ravel() for d in d_row] + [np.zeros(1)])
            lim = float(np.percentile(np.abs(finite), 99)) or 1.0
        else:
            lim = float(lim) * scale or 1.0
        im = None
        for j, ax in enumerate(axes[i]):
            if j >= len(r):
                ax.axis("off")
                continue
            im = ax.imshow(d_row[j], cmap=cmap, vmin=-lim, vmax=lim, interpolation="nearest")
            ax.set_title(r[j][0], fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
        if row_titles:
            axes[i][0].set_ylabel(row_titles[i], fontsize=8)
        fig.colorbar(im, ax=axes[i].tolist(), shrink=0.85, label=unit)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return png
