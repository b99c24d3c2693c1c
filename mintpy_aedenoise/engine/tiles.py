"""Spatial patches and blending: the network applied exactly as it was trained.

The auto-encoder is trained on ``patch`` x ``patch`` windows (40 x 40), each normalised on its
own (see :mod:`mintpy_aedenoise.engine.normalise`). A scene is covered by patches on one
*global* grid:

- patch starts every ``stride = patch - overlap`` pixels from row/column 0, the last patch in
  each direction clamped to the image edge (:func:`patch_starts`);
- an image smaller than a patch gets one patch padded with NaN (invalid) pixels;
- each patch is normalised and predicted independently; pixels invalid in the input (NaN in
  any frame, or masked) are zeroed by the normalisation and flagged in its mask channel, so
  their values never reach the network, and they come out NaN;
- the predictions are blended with the separable weight :func:`taper` (a Hann bell with a
  small floor, so pixels on a patch edge still count), normalised by the sum of the weights.
  With the default 50 % overlap the Hann bells of neighbouring patches sum to a constant:
  every interior pixel is a partition-of-unity average of 4 predictions.

Because the grid depends only on the image size, a strip of rows ``[y0, y1)`` is blended from
the patches that intersect it, which need only input rows ``[y0 - patch, y1 + patch)``
(:func:`input_rows`), and the result equals whole-image processing: tiling is seamless by
construction. Patches that straddle two strips are predicted once for each.

The optional uncertainty is the weighted standard deviation of the overlapping predictions at
each pixel: the spread of the network's answer when the pixel sits at different places of
its 40 x 40 context. It is cheap (no extra forward pass) but it is a consistency measure, not
a calibrated error; it is 0 (up to rounding) where a single patch covers a pixel (image
corners).
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["PATCH", "OVERLAP", "TAPER_FLOOR", "BlockIndices", "iter_blocks", "patch_starts",
           "iter_patches", "input_rows", "taper", "coverage", "blend_strip", "blend_image"]

#: Default patch size (the training window) and overlap between neighbouring patches.
PATCH = 40
OVERLAP = 20
#: Weight of a patch's edge pixels relative to its centre.
TAPER_FLOOR = 0.01


@dataclass(frozen=True)
class BlockIndices:
    """Rows ``[row_start, row_stop)`` and columns ``[col_start, col_stop)`` of a block.

    Iterating gives the two slices, so ``arr[tuple(block)]`` or ``arr[..., *block]`` selects it.

    Examples
    --------
    >>> b = BlockIndices(2, 5, 0, 4)
    >>> b.shape
    (3, 4)
    >>> np.arange(48).reshape(6, 8)[tuple(b)].shape
    (3, 4)
    """

    row_start: int
    row_stop: int
    col_start: int
    col_stop: int

    @property
    def rows(self):
        return slice(self.row_start, self.row_stop)

    @property
    def cols(self):
        return slice(self.col_start, self.col_stop)

    @property
    def shape(self):
        return (self.row_stop - self.row_start, self.col_stop - self.col_start)

    def __iter__(self):
        yield self.rows
        yield self.cols


def iter_blocks(shape, block_shape):
    """Yield non-overlapping blocks covering an image, row-major; the last ones are clipped.

    Every pixel belongs to exactly one block: this is the ownership tiling of the output.

    Parameters
    ----------
    shape : tuple of int
        (rows, cols) of the image.
    block_shape : tuple of int
        (rows, cols) of a block, each >= 1.

    Yields
    ------
    BlockIndices

    Examples
    --------
    >>> [(b.row_start, b.row_stop, b.col_start, b.col_stop) for b in iter_blocks((5, 4), (2, 4))]
    [(0, 2, 0, 4), (2, 4, 0, 4), (4, 5, 0, 4)]
    """
    nrows, ncols = (int(s) for s in shape)
    brows, bcols = (int(s) for s in block_shape)
    if brows < 1 or bcols < 1:
        raise ValueError(f"block_shape must be positive, got {block_shape}")
    for r in range(0, nrows, brows):
        for c in range(0, ncols, bcols):
            yield BlockIndices(r, min(r + brows, nrows), c, min(c + bcols, ncols))


def _check_patch(patch, overlap):
    if patch < 1 or not 0 <= overlap < patch:
        raise ValueError(f"need patch >= 1 and 0 <= overlap < patch, got patch={patch}, overlap={overlap}")


def patch_starts(size, patch=PATCH, overlap=OVERLAP):
    """First pixel of every patch along one axis of the global grid.

    Parameters
    ----------
    size : int
        Image size along the axis.
    patch : int
        Patch size.
    overlap : int
        Overlap between neighbouring patches, ``0 <= overlap < patch``.

    Returns
    -------
    list of int
        Starts every ``patch - overlap`` pixels, the last one clamped to ``size - patch``;
        ``[0]`` when the image is not larger than a patch.

    Examples
    --------
    >>> patch_starts(100)
    [0, 20, 40, 60]
    >>> patch_starts(105)
    [0, 20, 40, 60, 65]
    >>> patch_starts(30)
    [0]
    """
    _check_patch(patch, overlap)
    if size <= patch:
        return [0]
    return list(range(0, size - patch, patch - overlap)) + [size - patch]


def iter_patches(shape, patch=PATCH, overlap=OVERLAP, rows=None):
    """Yield the patches of the global grid, optionally only those meeting a strip of rows.

    Patches of an image smaller than ``patch`` extend beyond it (they are padded when read).

    Parameters
    ----------
    shape : tuple of int
        (rows, cols) of the whole image.
    patch : int
        Patch size.
    overlap : int
        Overlap between neighbouring patches.
    rows : tuple of int or None
        (y0, y1): keep only patches intersecting rows ``[y0, y1)``.

    Yields
    ------
    BlockIndices
        Global indices of a ``patch`` x ``patch`` patch.

    Examples
    --------
    >>> [(p.row_start, p.col_start) for p in iter_patches((60, 50))]
    [(0, 0), (0, 10), (20, 0), (20, 10)]
    >>> [(p.row_start, p.col_start) for p in iter_patches((60, 50), rows=(45, 60))]
    [(20, 0), (20, 10)]
    """
    y0, y1 = (0, shape[0]) if rows is None else rows
    for r in patch_starts(shape[0], patch, overlap):
        if r < y1 and r + patch > y0:
            for c in patch_starts(shape[1], patch, overlap):
                yield BlockIndices(r, r + patch, c, c + patch)


def input_rows(rows, length, patch=PATCH):
    """Input rows needed to blend output rows ``[y0, y1)``: ``[y0 - patch, y1 + patch)`` clipped.

    Parameters
    ----------
    rows : tuple of int
        (y0, y1) output rows.
    length : int
        Rows of the whole image.
    patch : int
        Patch size.

    Returns
    -------
    tuple of int
        (r0, r1) input rows.

    Examples
    --------
    >>> input_rows((100, 200), 1000)
    (60, 240)
    >>> input_rows((0, 30), 50)
    (0, 50)
    """
    y0, y1 = rows
    return max(0, y0 - patch), min(length, y1 + patch)


def taper(patch=PATCH, floor=TAPER_FLOOR):
    """1-D blending weight: a Hann bell over the patch, lifted by ``floor``.

    At 50 % overlap the bells of neighbouring patches sum to one (``sin**2 + cos**2``).

    Parameters
    ----------
    patch : int
        Patch size.
    floor : float
        Weight added everywhere (relative to the peak of 1), so edge pixels still count.

    Returns
    -------
    numpy.ndarray
        (patch,) float64 weights in ``[floor, 1]``.

    Examples
    --------
    >>> w = taper(40, floor=0.0)
    >>> bool(np.allclose(w[:20] + w[20:], 1.0))
    True
    >>> round(float(taper(40).min()), 3)
    0.012
    """
    i = np.arange(patch) + 0.5
    return (floor + (1.0 - floor) * np.sin(np.pi * i / patch) ** 2).astype(np.float64)


def coverage(shape, patch=PATCH, overlap=OVERLAP, floor=TAPER_FLOOR):
    """Sum of the blending weights of all patches at each pixel (the normaliser).

    Parameters
    ----------
    shape : tuple of int
        (rows, cols) of the image.
    patch : int
        Patch size.
    overlap : int
        Overlap between neighbouring patches.
    floor : float
        Floor of the blending weight (see :func:`taper`).

    Returns
    -------
    numpy.ndarray
        (rows, cols) float64, > 0 everywhere.

    Examples
    --------
    >>> bool((coverage((70, 45)) > 0).all())
    True
    """
    w2 = np.outer(taper(patch, floor), taper(patch, floor))
    out = np.zeros((max(shape[0], patch), max(shape[1], patch)))
    for p in iter_patches(shape, patch, overlap):
        out[tuple(p)] += w2
    return out[: shape[0], : shape[1]]


def _extract(arr, block, row_offset, fill):
    """``arr[..., block]`` in global rows (``arr`` starts at ``row_offset``), padded with ``fill``."""
    nrows, ncols = arr.shape[-2:]
    out = np.full(arr.shape[:-2] + block.shape, fill, dtype=arr.dtype)
    r0, r1 = max(block.row_start, row_offset), min(block.row_stop, row_offset + nrows)
    c0, c1 = max(block.col_start, 0), min(block.col_stop, ncols)
    out[..., r0 - block.row_start:r1 - block.row_start, c0 - block.col_start:c1 - block.col_start] = \
        arr[..., r0 - row_offset:r1 - row_offset, c0:c1]
    return out


def blend_strip(predict, frames, dem, rows, image_shape, *, row_offset=0, patch=PATCH,
                overlap=OVERLAP, mask=None, uncertainty=False, batch_size=64, floor=TAPER_FLOOR):
    """Blend patch predictions over output rows ``[y0, y1)`` of an image.

    Parameters
    ----------
    predict : callable
        ``predict(series, dem) -> maps``: (N, T, patch, patch) windows in metres (NaN where
        invalid) and (N, patch, patch) elevation to (N, patch, patch) metres, NaN where
        invalid; e.g. ``functools.partial(api.predict_normalised, model)``.
    frames : numpy.ndarray
        (B, T, R, W) windows over input rows ``[row_offset, row_offset + R)``, NaN where invalid;
        must contain :func:`input_rows` of ``rows``.
    dem : numpy.ndarray
        (R, W) elevation in metres over the same rows.
    rows : tuple of int
        (y0, y1) global output rows.
    image_shape : tuple of int
        (length, width) of the whole image; ``W`` must equal ``width``.
    row_offset : int
        Global row of ``frames[..., 0, :]``.
    patch : int
        Patch size (the training window).
    overlap : int
        Overlap between neighbouring patches.
    mask : numpy.ndarray or None
        (R, W) bool, False for pixels to ignore (treated exactly like NaN pixels).
    uncertainty : bool
        Also return the weighted standard deviation of the overlapping predictions.
    batch_size : int
        Patches per call of ``predict``.
    floor : float
        Floor of the blending weight (see :func:`taper`).

    Returns
    -------
    blended : numpy.ndarray
        (B, y1 - y0, W) float32 metres, NaN where invalid.
    std : numpy.ndarray or None
        (B, y1 - y0, W) float32 spread of the patch predictions when ``uncertainty``.
    """
    _check_patch(patch, overlap)
    frames = np.asarray(frames, dtype=np.float32)
    dem = np.asarray(dem, dtype=np.float32)
    length, width = (int(s) for s in image_shape)
    y0, y1 = (int(r) for r in rows)
    if frames.ndim != 4 or dem.shape != frames.shape[-2:] or frames.shape[-1] != width:
        raise ValueError(f"frames {frames.shape} and dem {dem.shape} must be (B, T, R, {width}) and (R, {width})")
    if not 0 <= y0 < y1 <= length:
        raise ValueError(f"rows {rows} outside the image of {length} rows")
    need0, need1 = max(0, y0 - patch + 1), min(length, y1 + patch - 1)
    if row_offset > need0 or row_offset + frames.shape[-2] < need1:
        raise ValueError(f"input rows [{row_offset}, {row_offset + frames.shape[-2]}) do not contain "
                         f"rows [{need0}, {need1}) needed for output rows [{y0}, {y1})")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != dem.shape:
            raise ValueError(f"mask shape {mask.shape} does not match dem {dem.shape}")

    n_win = frames.shape[0]
    w2 = np.outer(taper(patch, floor), taper(patch, floor))
    shape = (n_win, y1 - y0, width)
    num, den = np.zeros(shape), np.zeros(shape)
    sq = np.zeros(shape) if uncertainty else None

    def gather(block):
        x = _extract(frames, block, row_offset, np.nan)
        h = _extract(dem, block, row_offset, np.nan)
        if mask is not None:
            x[:, :, ~_extract(mask, block, row_offset, False)] = np.nan
        return x, h

    def flush(blocks, xs, hs):
        pred = np.asarray(predict(np.concatenate(xs), np.concatenate(hs)), dtype=np.float64)
        pred = pred.reshape(len(blocks), n_win, patch, patch)
        for block, p in zip(blocks, pred):
            a0, a1 = max(block.row_start, y0), min(block.row_stop, y1)
            c1 = min(block.col_stop, width)
            # the part of the patch inside the output rows and the image
            rr, cc = slice(a0 - block.row_start, a1 - block.row_start), slice(0, c1 - block.col_start)
            ok = np.isfinite(p[:, rr, cc])
            val = np.where(ok, p[:, rr, cc], 0.0)
            w = w2[rr, cc] * ok
            out = (slice(None), slice(a0 - y0, a1 - y0), slice(block.col_start, c1))
            num[out] += w * val
            den[out] += w
            if sq is not None:
                sq[out] += w * val * val

    blocks, xs, hs = [], [], []
    for block in iter_patches((length, width), patch, overlap, rows=(y0, y1)):
        x, h = gather(block)
        if not (np.isfinite(x).all(axis=1) & np.isfinite(h)).any():
            continue        # no valid pixel: every prediction would be NaN
        blocks.append(block)
        xs.append(x)
        hs.append(np.broadcast_to(h, (n_win,) + h.shape))
        if len(blocks) * n_win >= batch_size:
            flush(blocks, xs, hs)
            blocks, xs, hs = [], [], []
    if blocks:
        flush(blocks, xs, hs)

    with np.errstate(invalid="ignore", divide="ignore"):
        blended = np.where(den > 0, num / den, np.nan)
        std = None
        if sq is not None:
            var = np.where(den > 0, sq / den - blended * blended, np.nan)
            std = np.sqrt(np.maximum(var, 0.0)).astype(np.float32)
    return blended.astype(np.float32), std


def blend_image(predict, frames, dem, *, patch=PATCH, overlap=OVERLAP, mask=None, uncertainty=False,
                batch_size=64, floor=TAPER_FLOOR):
    """Blend patch predictions over a whole image held in memory.

    Same as :func:`blend_strip` with ``rows=(0, length)``; ``frames`` is (B, T, L, W) and
    ``dem`` (L, W).
    """
    frames = np.asarray(frames)
    return blend_strip(predict, frames, dem, (0, frames.shape[-2]), frames.shape[-2:], patch=patch,
                       overlap=overlap, mask=mask, uncertainty=uncertainty, batch_size=batch_size,
                       floor=floor)
