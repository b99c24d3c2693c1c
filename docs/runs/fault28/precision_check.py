"""Score the same weights in float32 and in mixed_bfloat16 on a run's validation set."""
import sys
from mintpy_aedenoise import train, load_model
from mintpy_aedenoise.model import build_model
from mintpy_aedenoise.train import TrainConfig
kind, w, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
m32 = load_model(w)
args = dict(m32.config_args); args.pop("size", None)
m16 = build_model(size=(40, 40), dtype_policy="mixed_bfloat16", **args)
m16.set_weights(m32.get_weights())
for attr in ("meta", "config_args", "normalisation"):
    if hasattr(m32, attr):
        setattr(m16, attr, getattr(m32, attr))
for ln in (None, train.VALIDATION_LEVEL_NOISE):
    vs = train.validation_set(TrainConfig(kind=kind, seed=seed), level_noise=ln)
    for name, m in (("float32", m32), ("mixed_bfloat16", m16)):
        s = train._validation_scores(m, vs)
        print(ln, name, {k: round(v, 4) for k, v in s.items() if "0.1-10" in k or "0.1-0.3" in k})
