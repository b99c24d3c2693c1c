"""The denoising auto-encoder: a fully convolutional 2-D U-Net over the 9 frames.

Design, and where it departs from Rouet-Leduc et al. (2021)
----------------------------------------------------------
The published network is a Conv3D stack that pools time away over its first six layers and
adds elevation at layer seven. On a 2-core CPU a Conv3D stack of ~1M parameters trains at
~10 windows/s, far too slow to see enough synthetic data. Here the 9 acquisitions are
*channels* of a 2-D U-Net, so time is pooled away by the very first convolution (a learned
temporal filter at every pixel), and spatial down-sampling gives a large receptive field
cheaply. Elevation enters at the input together with the frames, because the stratified delay
has new coefficients on every date: removing it needs each frame and the elevation side by
side, before time is collapsed. The network is fully convolutional: weights trained on 40x40
windows apply to any H x W that is a multiple of ``2**levels``.

Input contract (see :mod:`mintpy_aedenoise.engine.normalise`): channels are the 9 frames
(each minus its spatial mean, divided by the window's noise scale), the normalised elevation
and its square, and a validity mask. The output is the cumulative deformation in the same
normalised units; the engine multiplies it back to metres.
"""
import json
import logging

__all__ = ["build_model", "count_flops_per_pixel", "custom_objects", "model_config_args", "model_summary",
           "n_input_channels", "transfer_weights"]

logger = logging.getLogger(__name__)

#: Extra input channels after the frames: elevation, elevation squared, validity mask.
N_AUX_CHANNELS = 3


def _kernel_combine_layer():
    """The ``KernelCombine`` layer class (defined lazily so that importing this module stays light)."""
    global _KERNEL_COMBINE
    if _KERNEL_COMBINE is None:
        import keras

        @keras.saving.register_keras_serializable(package="mintpy_aedenoise")
        class KernelCombine(keras.layers.Layer):
            """``sum_t coef[..., t] * window[..., t] + coef[..., n_frames]``: per-pixel frame weights."""

            def __init__(self, n_frames, **kwargs):
                super().__init__(**kwargs)
                self.n_frames = int(n_frames)

            def call(self, inputs):
                coef, window = inputs
                n = self.n_frames
                window = keras.ops.cast(window[..., :n], coef.dtype)
                return keras.ops.sum(coef[..., :n] * window, axis=-1, keepdims=True) + coef[..., n:n + 1]

            def get_config(self):
                return {**super().get_config(), "n_frames": self.n_frames}

        _KERNEL_COMBINE = KernelCombine
    return _KERNEL_COMBINE


_KERNEL_COMBINE = None


def custom_objects():
    """The package's custom Keras layers, keyed by their registered names.

    Pass to ``keras.models.load_model`` so that a full-model file (a training checkpoint) loads
    in a fresh interpreter, where no model has been built yet to register the layers.
    """
    layer = _kernel_combine_layer()
    return {"mintpy_aedenoise>KernelCombine": layer, "KernelCombine": layer}


def build_model(n_frames=9, widths=(24, 48, 96, 128), size=None, dtype_policy="float32", seed=None,
                head="kernel", level_inputs=False, res_blocks=None):
    """Build the U-Net auto-encoder.

    Parameters
    ----------
    n_frames : int
        Acquisitions per window.
    widths : sequence of int
        Channels at each resolution level, finest first; ``len(widths) - 1`` down-samplings.
    size : tuple of int or None
        (H, W) of the input, or None for any size (multiples of ``2**(len(widths)-1)``).
    dtype_policy : str
        Keras dtype policy of the layers ("float32" or "mixed_bfloat16"); the output is float32.
    seed : int or None
        Seed of the weight initialisers.
    head : {"kernel", "direct"}
        Output head. "direct" regresses the deformation map; "kernel" predicts, at every pixel,
        9 temporal weights and an offset, and returns ``sum_t w_t * frame_t + offset``: the
        network chooses how to combine the observed frames (the naive last-minus-first
        difference is ``w = (-1, 0, ..., 0, 1)``) and adds what the spatial prior infers.
    level_inputs : bool
        Add ``n_frames`` input channels after the auxiliary ones, holding each frame's window
        level (normalisation version 3, :mod:`mintpy_aedenoise.engine.normalise`).
    res_blocks : sequence of int or None
        Residual blocks per level, finest first (``len(widths)`` entries; None: none). Each is
        ``x + conv_b(gelu(conv_a(x)))`` after the level's decoder convolutions (after the
        bottleneck's for the coarsest level), with ``conv_b`` zero-initialised, so a network
        grown from a donor without them (:func:`transfer_weights`) computes what the donor did.

    Returns
    -------
    keras.Model
        Maps (B, H, W, C) normalised inputs, C = n_frames + 3 (+ n_frames with
        ``level_inputs``), to (B, H, W, 1) normalised output.
    """
    import keras
    from keras import layers

    widths = tuple(int(w) for w in widths)
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths needs >= 2 positive entries, got {widths}")
    res_blocks = _res_blocks(widths, res_blocks)
    h, w = (None, None) if size is None else size
    init = keras.initializers.HeNormal(seed=seed)

    def conv(x, ch, name):
        x = layers.Conv2D(ch, 3, padding="same", kernel_initializer=init, dtype=dtype_policy,
                          name=name)(x)
        return layers.Activation("gelu", dtype=dtype_policy, name=name + "_act")(x)

    def residual(x, lvl):
        for i in range(res_blocks[lvl]):
            name = f"res{lvl}_{i}"
            y = conv(x, widths[lvl], name + "a")
            y = layers.Conv2D(widths[lvl], 3, padding="same", kernel_initializer="zeros", dtype=dtype_policy,
                              name=name + "b")(y)
            x = layers.Add(dtype=dtype_policy, name=name + "_add")([x, y])
        return x

    inp = layers.Input((h, w, n_input_channels(n_frames, level_inputs)), name="window")
    x = inp
    skips = []
    for lvl, ch in enumerate(widths[:-1]):
        x = conv(x, ch, f"enc{lvl}a")
        x = conv(x, ch, f"enc{lvl}b")
        skips.append(x)
        x = layers.AveragePooling2D(2, dtype=dtype_policy, name=f"pool{lvl}")(x)
    x = conv(x, widths[-1], "mid_a")
    x = conv(x, widths[-1], "mid_b")
    x = residual(x, len(widths) - 1)
    for lvl in reversed(range(len(widths) - 1)):
        x = layers.UpSampling2D(2, interpolation="bilinear", dtype=dtype_policy, name=f"up{lvl}")(x)
        x = layers.Concatenate(dtype=dtype_policy, name=f"cat{lvl}")([x, skips[lvl]])
        x = conv(x, widths[lvl], f"dec{lvl}a")
        x = conv(x, widths[lvl], f"dec{lvl}b")
        x = residual(x, lvl)
    if head == "direct":
        out = layers.Conv2D(1, 1, kernel_initializer="zeros", dtype="float32", name="deformation")(x)
    elif head == "kernel":
        coef = layers.Conv2D(n_frames + 1, 1, kernel_initializer="zeros", dtype="float32", name="kernel")(x)
        out = _kernel_combine_layer()(n_frames, dtype="float32", name="deformation")([coef, inp])
    else:
        raise ValueError(f"unknown head {head!r}; choose 'kernel' or 'direct'")
    model = keras.Model(inp, out, name="aedenoise_unet")
    model.config_args = model_config_args(n_frames, widths, head, level_inputs, res_blocks)
    return model


def _res_blocks(widths, res_blocks):
    """``res_blocks`` as a tuple with one non-negative count per level (all zero for None or empty)."""
    if res_blocks is None or len(res_blocks) == 0:
        return (0,) * len(widths)
    counts = tuple(int(n) for n in res_blocks)
    if len(counts) != len(widths) or min(counts) < 0:
        raise ValueError(f"res_blocks needs one count >= 0 per level ({len(widths)}), got {list(res_blocks)}")
    return counts


def model_config_args(n_frames=9, widths=(24, 48, 96, 128), head="kernel", level_inputs=False, res_blocks=None):
    """The constructor arguments that :func:`build_model` records (``model.config_args``, the sidecar's ``model``).

    Optional features appear only when used, so the sidecars of networks without them are unchanged.

    >>> model_config_args(widths=(8, 16), level_inputs=True)
    {'n_frames': 9, 'widths': [8, 16], 'head': 'kernel', 'level_inputs': True}
    >>> model_config_args(widths=(8, 16), res_blocks=(0, 1))["res_blocks"]
    [0, 1]
    """
    args = {"n_frames": int(n_frames), "widths": [int(w) for w in widths], "head": head}
    if level_inputs:
        args["level_inputs"] = True
    counts = _res_blocks(widths, res_blocks)
    if any(counts):
        args["res_blocks"] = list(counts)
    return args


def n_input_channels(n_frames=9, level_inputs=False):
    """Input channels of :func:`build_model`: frames, auxiliary channels, and optional levels.

    >>> n_input_channels(9), n_input_channels(9, level_inputs=True)
    (12, 21)
    """
    return int(n_frames) * (2 if level_inputs else 1) + N_AUX_CHANNELS


def transfer_weights(src, dst):
    """Copy ``src``'s weights into ``dst``, a model with the same layers, more input channels, or more residual blocks.

    Layers are matched by name. A kernel whose input-channel axis is larger in ``dst`` (the first
    convolution when input channels were appended) gets ``src``'s kernel in its leading
    channels and zeros in the new ones. Residual blocks that ``src`` lacks keep their
    initialisation, whose zero second convolution makes each block the identity. Either way
    ``dst`` computes exactly what ``src`` did until training gives the new weights a role.

    Parameters
    ----------
    src, dst : keras.Model
        Models from :func:`build_model`.

    Raises
    ------
    ValueError
        If a layer of either model is missing from the other (new residual blocks in ``dst``
        excepted) or a weight differs in any other way.
    """
    import numpy as np

    src_layers = {layer.name: layer for layer in src.layers}
    dst_names = {layer.name for layer in dst.layers}
    dropped = [layer.name for layer in src.layers if layer.weights and layer.name not in dst_names]
    if dropped:
        raise ValueError(f"layers {dropped} of the source model have no counterpart in the destination")
    for layer in dst.layers:
        if not layer.weights:
            continue
        if layer.name not in src_layers:
            if layer.name.startswith("res"):     # a new residual block: identity at initialisation
                continue
            raise ValueError(f"layer {layer.name!r} has no counterpart in the source model")
        new = []
        for wd, ws in zip(layer.get_weights(), src_layers[layer.name].get_weights()):
            if wd.shape == ws.shape:
                new.append(ws)
            elif (wd.ndim == 4 and wd.shape[:2] + wd.shape[3:] == ws.shape[:2] + ws.shape[3:]
                  and wd.shape[2] > ws.shape[2]):
                grown = np.zeros_like(wd)
                grown[:, :, :ws.shape[2], :] = ws
                new.append(grown)
            else:
                raise ValueError(f"layer {layer.name!r}: weight shape {ws.shape} cannot go into {wd.shape}")
        layer.set_weights(new)


def count_flops_per_pixel(model):
    """Multiply-add FLOPs (2 per MAC) per output pixel for one window, from the layer shapes.

    Convolutions at a coarser level are weighted by their pixel fraction; pooling, activation
    and up-sampling costs are ignored (they are < 1% of the total).

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_model`.

    Returns
    -------
    float
        FLOPs per pixel per window.
    """
    from keras import layers

    widths = model.config_args["widths"]
    n_levels = len(widths)
    total = 0.0
    for layer in model.layers:
        if not isinstance(layer, layers.Conv2D):
            continue
        kh, kw, cin, cout = layer.kernel.shape
        name = layer.name
        if name.startswith(("enc", "dec", "res")):
            lvl = int(name[3])
        elif name.startswith("mid"):
            lvl = n_levels - 1
        else:
            lvl = 0
        total += 2.0 * kh * kw * cin * cout / 4 ** lvl
    return total


def model_summary(model):
    """Parameter count and FLOPs per pixel as a dict (for sidecars and the docs)."""
    return {"parameters": int(model.count_params()),
            "flops_per_pixel_window": float(count_flops_per_pixel(model)),
            "config": json.loads(json.dumps(model.config_args))}
