"""Figures for the demo, the evaluation and the real-data report (matplotlib, Agg backend)."""
import numpy as np

__all__ = ["save_panels"]


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
