"""Training: a two-step smoke run on a tiny model, exact resume, and a save/load round trip."""
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import dataclasses

import numpy as np
import pytest

from mintpy_aedenoise.store import load_model, save_model
from mintpy_aedenoise.synthetic import generate_windows
from mintpy_aedenoise.train import (LOSS_EPS, ConfigError, TrainConfig, _validation_scores, _WeightAverage, make_batch,
                                    train, validation_keys, validation_set)


def _config(tmp_path, steps):
    return TrainConfig(kind="fault", out_dir=str(tmp_path / "run"), steps=steps, batch=4, widths=(8, 16),
                       checkpoint_every=2, validation_size=8, warmup=1)


def test_two_step_training_writes_weights_sidecar_and_checkpoint(tmp_path):
    path = train(_config(tmp_path, 2))
    meta = json.loads((tmp_path / "run" / "fault.json").read_text())
    assert meta["kind"] == "fault" and meta["training"]["samples_seen"] == 8
    assert meta["normalisation_version"] == 3 and meta["model"]["level_inputs"] is True
    assert meta["training"]["level_noise"] == {"ratio_range": [0.1, 5.0], "zero_fraction": 0.25}
    assert meta["training"]["broad_sources"] is None
    assert meta["training"]["loss"] == f"per-window weighted MSE, weight 1/(var(target)+{LOSS_EPS})"
    assert "r2_mean" in meta["validation"] and "r2_mean_level1" in meta["validation"]
    assert (tmp_path / "run" / "checkpoint.keras").is_file()
    assert load_model(path).meta["model"]["widths"] == [8, 16]


def test_an_xla_compiled_step_trains_the_same_weights_and_is_recorded(tmp_path):
    plain = load_model(train(_config(tmp_path, 2)))                      # Keras's choice: off on a CPU
    xla = load_model(train(dataclasses.replace(_config(tmp_path, 2), out_dir=str(tmp_path / "xla")), jit_compile=True))
    assert plain.meta["training"]["jit_compile"] is False
    assert xla.meta["training"]["jit_compile"] is True
    for a, b in zip(plain.get_weights(), xla.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)     # the same batches, XLA's rounding


def test_resume_continues_from_the_checkpoint(tmp_path):
    train(_config(tmp_path, 2))
    train(_config(tmp_path, 4), resume=True)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["step"] == 4 and [h["step"] for h in state["history"]] == [2, 4]


def test_a_run_stopped_while_checkpointing_resumes_from_the_checkpoint(tmp_path, caplog):
    """checkpoint.keras and ema.npz written, state.json not yet: the resume counts from the
    checkpoint's optimiser steps, and ends where the uninterrupted run ends."""
    straight = dataclasses.replace(_config(tmp_path, 4), ema=0.5)
    train(straight)
    crash = dataclasses.replace(straight, out_dir=str(tmp_path / "crash"), time_limit=1e-9)
    state_file = tmp_path / "crash" / "state.json"
    train(crash)                                       # stops at step 1
    first = state_file.read_text()
    train(crash, resume=True)                          # one more step: checkpoint at step 2
    assert json.loads(state_file.read_text())["step"] == 2
    state_file.write_text(first)                       # as if stopped before the state was replaced
    with caplog.at_level(logging.WARNING):
        train(dataclasses.replace(crash, time_limit=0.0), resume=True)
    assert "1 optimiser steps ahead of" in caplog.text and "continuing from step 2" in caplog.text
    meta = json.loads((tmp_path / "crash" / "fault.json").read_text())
    assert meta["training"]["steps"] == 4 and meta["training"]["samples_seen"] == 16
    for a, b in zip(load_model(str(tmp_path / "run" / "fault.weights.h5")).get_weights(),
                    load_model(str(tmp_path / "crash" / "fault.weights.h5")).get_weights()):
        np.testing.assert_array_equal(a, b)
    # a checkpoint older than its state is refused
    state = json.loads(state_file.read_text())
    assert state["iterations"] == 4
    state_file.write_text(json.dumps(dict(state, iterations=6)))
    with pytest.raises(RuntimeError, match="is older than"):
        train(dataclasses.replace(crash, time_limit=0.0, steps=8), resume=True)


def test_the_cli_resumes_on_the_run_s_own_schedule(tmp_path):
    from mintpy_aedenoise.cli import train as cli

    out = str(tmp_path / "run")
    train(_config(tmp_path, 6))
    assert cli.cmd_line_parse(["--model", "fault", "--out", out, "--resume"]).config.steps == 6
    assert cli.cmd_line_parse(["--model", "fault", "--out", out, "--resume", "--steps", "8"]).config.steps == 8
    assert cli.cmd_line_parse(["--model", "fault", "--out", out]).config.steps == TrainConfig.steps
    assert cli.cmd_line_parse(["--model", "fault", "--out", str(tmp_path / "new"), "--resume"]).config.steps == \
        TrainConfig.steps


def _checkpoint_weights(run):
    import keras

    from mintpy_aedenoise.model import custom_objects

    return keras.models.load_model(run / "checkpoint.keras", custom_objects=custom_objects()).get_weights()


def test_keep_best_exports_the_checkpoint_with_the_best_validation_score(tmp_path):
    config = dataclasses.replace(_config(tmp_path, 8), keep_best="r2_snr_0.1-10_level1", ema=0.9)
    train(config)
    run = tmp_path / "run"
    history = json.loads((run / "state.json").read_text())["history"]
    scores = [h["r2_snr_0.1-10_level1"] for h in history]
    best = history[int(np.argmax(scores))]
    meta = json.loads((run / "fault.best.json").read_text())
    assert meta["training"]["selected"] == {"metric": "r2_snr_0.1-10_level1", "value": best["r2_snr_0.1-10_level1"],
                                            "step": best["step"]}
    assert meta["training"]["samples_seen"] == best["samples"] and meta["validation"] == \
        {k: v for k, v in best.items() if k not in ("step", "samples")}
    assert json.loads((run / "state.json").read_text())["best"] == meta["training"]["selected"]
    # the file holds that checkpoint's (averaged) weights: they score the same again
    model = load_model(str(run / "fault.best.weights.h5"))
    again = _validation_scores(model, validation_set(config, 1.0))["r2_snr_0.1-10"]
    assert again == pytest.approx(best["r2_snr_0.1-10_level1"], abs=1e-5)
    last = json.loads((run / "fault.json").read_text())["training"]
    assert last["steps"] == 8 and last["selected"] is None
    # the combined score is the mean of the clean and the realistic-level scores, at every checkpoint
    for h in history:
        assert h["r2_snr_0.1-10_combined"] == pytest.approx((h["r2_snr_0.1-10"] + h["r2_snr_0.1-10_level1"]) / 2)


def test_a_resumed_run_keeps_the_best_checkpoint_it_had(tmp_path):
    config = dataclasses.replace(_config(tmp_path, 2), keep_best="r2_mean")
    train(config)
    run = tmp_path / "run"
    state = json.loads((run / "state.json").read_text())
    digest = hashlib.sha256((run / "fault.best.weights.h5").read_bytes()).hexdigest()
    state["best"]["value"] = 1e9              # no later checkpoint can beat this one
    (run / "state.json").write_text(json.dumps(state))
    train(dataclasses.replace(config, steps=4), resume=True)
    assert json.loads((run / "state.json").read_text())["best"] == state["best"]
    assert hashlib.sha256((run / "fault.best.weights.h5").read_bytes()).hexdigest() == digest


def test_keep_best_needs_a_logged_validation_score():
    config = TrainConfig(kind="mogi")
    assert "r2_snr_0.1-10" in validation_keys(config) and "r2_snr_0.1-10_level1" in validation_keys(config)
    TrainConfig(kind="mogi", keep_best="r2_mean_level1")
    TrainConfig(kind="mogi", keep_best="r2_snr_0.1-10_combined")
    with pytest.raises(ConfigError, match="keep_best must be one of"):
        TrainConfig(kind="mogi", keep_best="r2_bogus")
    # a run without level noise logs no _level1 scores
    with pytest.raises(ConfigError, match="keep_best"):
        TrainConfig(kind="mogi", level_noise=(), keep_best="r2_mean_level1")
    TrainConfig(kind="mogi", level_noise=(), keep_best="r2_mean")


def test_without_averaging_the_export_is_the_checkpoint(tmp_path):
    train(_config(tmp_path, 2))
    exported = load_model(str(tmp_path / "run" / "fault.weights.h5")).get_weights()
    for a, b in zip(exported, _checkpoint_weights(tmp_path / "run")):
        np.testing.assert_array_equal(a, b)
    assert json.loads((tmp_path / "run" / "fault.json").read_text())["training"]["weight_average"] is None
    assert not (tmp_path / "run" / "ema.npz").exists()


def test_the_weight_average_update_and_its_saved_step(tmp_path, caplog):
    from mintpy_aedenoise.model import build_model

    model = build_model(widths=(8, 16), seed=0)
    start = model.get_weights()
    path = str(tmp_path / "ema.npz")
    average = _WeightAverage(model, 0.75, path)
    model.set_weights([w + 1.0 for w in start])
    average.update()                                 # avg = w0 + 0.25 * ((w0 + 1) - w0)
    with average.applied():
        for a, w in zip(model.get_weights(), start):
            np.testing.assert_allclose(a, w + 0.25, rtol=0, atol=1e-6)
    for a, w in zip(model.get_weights(), start):     # the optimiser's weights are back
        np.testing.assert_array_equal(a, w + 1.0)
    average.save(7)

    resumed = _WeightAverage(model, 0.75, path, step=7)
    np.testing.assert_allclose(resumed.average[0], start[0] + 0.25, atol=1e-6)
    # a new run in the same folder, or a file from another step, starts from the model's weights
    for step in (0, 8):
        with caplog.at_level("WARNING", logger="mintpy_aedenoise.train"):
            fresh = _WeightAverage(model, 0.75, path, step=step)
        np.testing.assert_array_equal(fresh.average[0], start[0] + 1.0)
    assert "saved at step 7" in caplog.text and "restarts from the checkpoint at step 8" in caplog.text
    # an average of another network is an error naming the file
    _WeightAverage(build_model(widths=(4, 8), seed=0), 0.75, path).save(3)
    with pytest.raises(ValueError, match="ema.npz: the stored weight average does not fit"):
        _WeightAverage(model, 0.75, path, step=3)


def test_the_weight_average_is_exported_and_resumes_exactly(tmp_path):
    straight = dataclasses.replace(_config(tmp_path, 4), ema=0.5)
    train(straight)
    # the same run stopped by its time limit after one step, then resumed by a fresh call
    stopped = dataclasses.replace(straight, out_dir=str(tmp_path / "stopped"), time_limit=1e-9)
    train(stopped)
    assert json.loads((tmp_path / "stopped" / "state.json").read_text())["step"] == 1
    train(dataclasses.replace(stopped, time_limit=0.0), resume=True)

    run = tmp_path / "run"
    exported = load_model(str(run / "fault.weights.h5")).get_weights()
    average, saved_step = _WeightAverage.load(str(run / "ema.npz"))
    assert saved_step == 4
    raw = _checkpoint_weights(run)
    for e, a in zip(exported, average):
        np.testing.assert_array_equal(e, a.astype(np.float32))
    assert any(np.abs(e - r).max() > 0 for e, r in zip(exported, raw))
    for a, b in zip(exported, load_model(str(tmp_path / "stopped" / "fault.weights.h5")).get_weights()):
        np.testing.assert_array_equal(a, b)
    meta = json.loads((run / "fault.json").read_text())
    assert meta["training"]["weight_average"] == {"type": "exponential moving average", "momentum": 0.5}
    assert {"r2_mean_raw", "r2_mean_level1_raw"} <= set(meta["validation"])


def test_level_validation_set_is_the_same_windows_with_frame_levels():
    cfg = TrainConfig(kind="mogi", validation_size=6)
    plain, level = validation_set(cfg), validation_set(cfg, 1.0)
    np.testing.assert_array_equal(plain.target, level.target)
    diff = level.series - plain.series                       # (B, 9, H, W): one constant per frame
    finite = np.isfinite(diff)
    assert finite.any()
    spread = np.nanmax(diff, axis=(2, 3)) - np.nanmin(diff, axis=(2, 3))
    assert np.nanmax(spread) < 1e-6 * max(np.nanmax(np.abs(diff)), 1e-30)
    assert np.nanmax(np.abs(diff)) > 0


def test_version_2_runs_validate_without_levels(tmp_path):
    cfg = TrainConfig(kind="fault", out_dir=str(tmp_path / "v2"), steps=2, batch=4, widths=(8, 16),
                      checkpoint_every=2, validation_size=8, warmup=1, normalisation=2)
    train(cfg)
    meta = json.loads((tmp_path / "v2" / "fault.json").read_text())
    assert meta["normalisation_version"] == 2 and meta["training"]["level_noise"] is None
    assert "r2_mean" in meta["validation"] and not any(k.endswith("_level1") for k in meta["validation"])


def test_batches_are_reproducible_from_seed_and_step():
    cfg = TrainConfig(batch=4)
    a = make_batch(np.random.default_rng([0, 7]), cfg)
    b = make_batch(np.random.default_rng([0, 7]), cfg)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert a[0].shape == (4, 40, 40, 21) and a[1].shape == (4, 40, 40, 1)
    v2 = make_batch(np.random.default_rng([0, 7]), TrainConfig(batch=4, normalisation=2))
    assert v2[0].shape == (4, 40, 40, 12)


def test_level_noise_reaches_the_level_channels_only():
    """Version-3 batches carry per-frame levels in channels 12-20; the frames stay centred."""
    base = dict(batch=16, nan_fraction=0.0)
    none = make_batch(np.random.default_rng([0, 3]), TrainConfig(**base, level_noise_zero=1.0))[0]
    some = make_batch(np.random.default_rng([0, 3]), TrainConfig(**base, level_noise_zero=0.0))[0]
    np.testing.assert_allclose(none[..., :12], some[..., :12], atol=1e-5)
    assert np.abs(some[..., 12:] - none[..., 12:]).max() > 0.1


def test_saved_configs_from_before_version_3_resume_as_version_2():
    old = {k: v for k, v in dataclasses.asdict(TrainConfig()).items()
           if k not in ("normalisation", "level_noise", "level_noise_zero")}
    cfg = TrainConfig.from_saved(old, steps=9)
    assert (cfg.normalisation, cfg.level_noise, cfg.level_inputs, cfg.steps) == (2, (), False, 9)
    with pytest.raises(ValueError, match="level_noise"):
        TrainConfig(level_noise=(2.0, 1.0))
    with pytest.raises(ValueError, match="normalisation"):
        TrainConfig(normalisation=1)


def test_a_version_2_donor_seeds_a_version_3_network_exactly(tmp_path):
    """Warm start across the contract change: the level channels start with zero weight."""
    from mintpy_aedenoise.api import predict_normalised

    donor = train(dataclasses.replace(_config(tmp_path, 2), normalisation=2))
    assert json.loads(Path(donor[: -len(".weights.h5")] + ".json").read_text())["normalisation_version"] == 2
    for layer in (v2 := load_model(donor)).layers:      # a non-zero head, so outputs are informative
        if layer.name == "kernel":
            layer.set_weights([np.full_like(w, 0.05) for w in layer.get_weights()])
    save_model(v2, donor, json.loads(Path(donor[: -len(".weights.h5")] + ".json").read_text()))
    cfg = dataclasses.replace(_config(tmp_path, 1), out_dir=str(tmp_path / "v3"), init_from=donor, lr=1e-30)
    grown = load_model(train(cfg))
    assert grown.config_args["level_inputs"] and grown.meta["normalisation_version"] == 3
    b = generate_windows(np.random.default_rng(5), 4, kind="mogi", level_noise=1.0)
    np.testing.assert_allclose(predict_normalised(grown, b.series, b.dem),
                               predict_normalised(load_model(donor), b.series, b.dem), atol=1e-6)
    # the other way round is refused, naming the donor
    with pytest.raises(ValueError, match="cannot seed a version-2 network"):
        train(dataclasses.replace(_config(tmp_path, 1), out_dir=str(tmp_path / "back"),
                                  init_from=str(tmp_path / "v3" / "fault.weights.h5"), normalisation=2))


def test_a_donor_without_residual_blocks_seeds_a_network_with_them_exactly(tmp_path):
    """Growing depth: new residual blocks start as the identity, and the grown network trains, saves and resumes."""
    from mintpy_aedenoise.api import predict_normalised

    donor = train(_config(tmp_path, 2))
    for layer in (plain := load_model(donor)).layers:    # a non-zero head, so outputs are informative
        if layer.name == "kernel":
            layer.set_weights([np.full_like(w, 0.05) for w in layer.get_weights()])
    save_model(plain, donor, json.loads(Path(donor[: -len(".weights.h5")] + ".json").read_text()))
    cfg = dataclasses.replace(_config(tmp_path, 2), out_dir=str(tmp_path / "deep"), init_from=donor, lr=1e-30,
                              res_blocks=(1, 2))
    grown = load_model(train(cfg))
    assert grown.config_args["res_blocks"] == [1, 2]
    assert grown.count_params() > plain.count_params()
    assert {"res0_0a", "res0_0b", "res1_0a", "res1_1b"} <= {layer.name for layer in grown.layers}
    b = generate_windows(np.random.default_rng(5), 4, kind="fault")
    np.testing.assert_allclose(predict_normalised(grown, b.series, b.dem),
                               predict_normalised(load_model(donor), b.series, b.dem), atol=1e-6)
    # the blocks are part of the run's config: a resumed run rebuilds them
    resumed = train(dataclasses.replace(cfg, steps=3), resume=True)
    assert load_model(resumed).config_args["res_blocks"] == [1, 2]
    assert json.loads((tmp_path / "deep" / "state.json").read_text())["config"]["res_blocks"] == [1, 2]
    # a donor's blocks are never dropped: into a network without them, or with them elsewhere
    for other in ((), (0, 1)):
        with pytest.raises(ValueError,
                           match=r"layers \[.*'res0_0a', 'res0_0b'\] of the source model have no counterpart"):
            train(dataclasses.replace(cfg, out_dir=str(tmp_path / f"shallow{len(other)}"), res_blocks=other,
                                      init_from=str(tmp_path / "deep" / "fault.weights.h5")))


def test_a_network_with_residual_blocks_needs_the_version_that_builds_them(tmp_path):
    from mintpy_aedenoise.model import build_model

    for res_blocks, expected in ((None, "0.1.0"), ((0, 1), "0.2.0")):
        path = str(tmp_path / f"m{bool(res_blocks)}.weights.h5")
        save_model(build_model(widths=(8, 16), res_blocks=res_blocks), path,
                   {"kind": "fault", "min_package_version": "0.1.0"})   # as written by 0.1.0
        assert json.loads(Path(path[: -len(".weights.h5")] + ".json").read_text())["min_package_version"] == expected


def test_residual_blocks_add_their_parameters_and_flops():
    from mintpy_aedenoise.model import build_model, model_summary

    plain, empty, deep = (model_summary(build_model(widths=(8, 16), res_blocks=r)) for r in (None, (), (0, 1)))
    assert plain == empty and "res_blocks" not in plain["config"] and deep["config"]["res_blocks"] == [0, 1]
    # one block at level 1: two 3x3 16->16 convolutions (with biases), a quarter of the pixels
    assert deep["parameters"] - plain["parameters"] == 2 * (9 * 16 * 16 + 16)
    assert deep["flops_per_pixel_window"] - plain["flops_per_pixel_window"] == 2 * 2 * 9 * 16 * 16 / 4
    with pytest.raises(ValueError, match="res_blocks needs one count >= 0 per level"):
        build_model(widths=(8, 16), res_blocks=(1,))


def test_save_then_load_gives_identical_predictions(tmp_path, tiny_model):
    x = np.random.default_rng(1).normal(size=(2, 40, 40, 12)).astype(np.float32)
    save_model(tiny_model, str(tmp_path / "copy.weights.h5"), {"kind": "fault"})
    again = load_model(str(tmp_path / "copy.weights.h5"))
    np.testing.assert_array_equal(tiny_model.predict(x, verbose=0), again.predict(x, verbose=0))


def test_warm_start_records_the_lineage_and_total_windows(tmp_path):
    first = train(_config(tmp_path, 2))                                   # 8 windows
    second_cfg = dataclasses.replace(_config(tmp_path, 4), out_dir=str(tmp_path / "second"),
                                     init_from=first, seed=1)
    second = train(second_cfg)                                            # 16 more
    training = json.loads((tmp_path / "second" / "fault.json").read_text())["training"]
    assert training["samples_seen"] == 16 and training["samples_seen_total"] == 24
    assert [a["samples_seen"] for a in training["warm_start_lineage"]] == [8]
    donor = training["warm_start_lineage"][0]
    assert donor["weights"] == first and donor["run"] == str(tmp_path / "run")
    assert donor["sha256"] == hashlib.sha256(Path(first).read_bytes()).hexdigest()
    # a third generation inherits both ancestors, newest first
    third_cfg = dataclasses.replace(second_cfg, out_dir=str(tmp_path / "third"), init_from=second,
                                    steps=2, seed=2)
    train(third_cfg)
    training = json.loads((tmp_path / "third" / "fault.json").read_text())["training"]
    assert training["samples_seen_total"] == 8 + 16 + 8
    assert [a["samples_seen"] for a in training["warm_start_lineage"]] == [16, 8]
    # resuming keeps the lineage read at the start, even if the donor's sidecar changed since
    (tmp_path / "second" / "fault.json").write_text(json.dumps({"kind": "fault"}))
    train(dataclasses.replace(third_cfg, steps=4), resume=True)
    training = json.loads((tmp_path / "third" / "fault.json").read_text())["training"]
    assert training["samples_seen_total"] == 8 + 16 + 16


def test_resume_works_in_a_fresh_interpreter(tmp_path):
    """A stopped run is resumed by a new process, where no model was built to register the layers."""
    train(_config(tmp_path, 2))
    code = ("import sys; from mintpy_aedenoise.train import TrainConfig, train; "
            "train(TrainConfig(kind='fault', out_dir=sys.argv[1], steps=4, batch=4, widths=(8, 16), "
            "checkpoint_every=2, validation_size=8, warmup=1), resume=True)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "run")], check=True,
                   capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["step"] == 4 and [h["step"] for h in state["history"]] == [2, 4]


@pytest.mark.parametrize("edit, needle", [
    ({"normalisation_version": 1}, "normalisation version 1, this package supports 2, 3"),
    ({"normalisation_version": 3}, "does not match the network's inputs"),
    ({"min_package_version": "99.0.0"}, "these weights need mintpy_aedenoise >= 99.0.0"),
])
def test_sidecar_version_must_be_supported_and_match_the_network(tmp_path, tiny_model, edit, needle):
    from mintpy_aedenoise.store import ModelLoadError

    path = str(tmp_path / "m.weights.h5")
    save_model(tiny_model, path, {"kind": "fault"})
    side = tmp_path / "m.json"
    side.write_text(json.dumps({**json.loads(side.read_text()), **edit}))
    with pytest.raises(ModelLoadError, match=needle) as err:
        load_model(path)
    assert str(side) in str(err.value)


@pytest.mark.parametrize("args, needle", [
    (["--checkpoint-every", "0"], "--checkpoint-every must be >= 1, got 0"),
    (["--steps", "0"], "--steps must be >= 1, got 0"),
    (["--batch", "-1"], "--batch must be >= 1, got -1"),
    (["--lr", "0"], "--lr must be > 0, got 0.0"),
    (["--time-limit", "-5"], "--time-limit must be >= 0"),
    (["--ema", "1"], "--ema must be in [0, 1), got 1.0"),
    (["--level-noise", "2", "1"], "--level-noise needs 0 < min <= max"),
    (["--level-noise-zero", "1.5"], "--level-noise-zero must be in [0, 1], got 1.5"),
    (["--snr-range", "0", "5"], "--snr-range needs 0 < min <= max, got (0.0, 5.0)"),
    (["--snr-range", "5", "0.1"], "--snr-range needs 0 < min <= max, got (5.0, 0.1)"),
    (["--loss-eps", "0"], "--loss-eps must be > 0, got 0.0"),
    (["--broad-sources", "0", "4"], "--broad-sources needs 0 < FRACTION <= 1 and 1 <= MAX_SCALE"),
    (["--broad-sources", "0.2", "0.5"], "--broad-sources needs 0 < FRACTION <= 1 and 1 <= MAX_SCALE"),
    (["--keep-best", "r2"], "--keep-best must be one of r2_snr_0.03-0.1,"),
    (["--res-blocks", "0", "1"], "--res-blocks needs one count >= 0 per entry of widths (4)"),
    (["--res-blocks", "0", "0", "-1", "1"], "--res-blocks needs one count >= 0 per entry of widths (4)"),
])
def test_cli_refuses_bad_options_before_training(args, needle, capsys, tmp_path):
    from mintpy_aedenoise.cli.train import main

    with pytest.raises(SystemExit) as exc:
        main(["--model", "fault", "--out", str(tmp_path / "run"), *args])
    assert exc.value.code != 0 and needle in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_cli_options_reach_the_training_config(tmp_path):
    from mintpy_aedenoise.cli.train import cmd_line_parse, train_config

    cfg = train_config(cmd_line_parse(["--model", "mogi", "--out", str(tmp_path), "--snr-range", "0.05", "5",
                                       "--level-noise", "0.2", "4", "--ema", "0.99", "--seed", "7",
                                       "--loss-eps", "0.05", "--keep-best", "r2_mean_level1",
                                       "--res-blocks", "0", "0", "1", "1", "--broad-sources", "0.2", "4"]))
    assert (cfg.kind, cfg.snr_range, cfg.level_noise, cfg.ema, cfg.seed, cfg.loss_eps, cfg.keep_best,
            cfg.res_blocks, cfg.broad_sources) == ("mogi", (0.05, 5.0), (0.2, 4.0), 0.99, 7, 0.05, "r2_mean_level1",
                                                   (0, 0, 1, 1), (0.2, 4.0))
    default = train_config(cmd_line_parse(["--model", "fault"]))
    assert (default.snr_range, default.loss_eps, default.keep_best, default.res_blocks, default.broad_sources) == \
        (TrainConfig().snr_range, TrainConfig().loss_eps, "", (), ())


def test_broad_sources_reach_the_training_batches_and_the_sidecar_not_validation(tmp_path):
    """--broad-sources changes the training windows' sources (broader targets), is recorded in the
    sidecar, and leaves the validation windows on the default prior."""
    base = dict(kind="mogi", batch=64, nan_fraction=0.0, level_noise=())
    _, y, _ = make_batch(np.random.default_rng(2), TrainConfig(**base))
    _, yb, _ = make_batch(np.random.default_rng(2), TrainConfig(**base, broad_sources=(1.0, 4.0)))

    def roughness(t):        # mean |gradient| over mean |value|: lower for broader maps
        t = t[..., 0]
        return np.median(np.abs(np.diff(t, axis=2)).mean(axis=(1, 2)) / np.abs(t).mean(axis=(1, 2)))

    assert roughness(yb) < 0.8 * roughness(y)
    cfg = dataclasses.replace(_config(tmp_path, 2), broad_sources=(0.2, 4.0))
    meta = json.loads(Path(train(cfg)).with_suffix("").with_suffix(".json").read_text())
    assert meta["training"]["broad_sources"] == {"fraction": 0.2, "max_scale": 4.0}
    np.testing.assert_array_equal(validation_set(cfg).series, validation_set(_config(tmp_path, 2)).series)


def test_loss_weights_are_inverse_target_variance_plus_loss_eps():
    base = dict(kind="fault", batch=32, nan_fraction=0.0, level_noise=())
    _, y, w = make_batch(np.random.default_rng(5), TrainConfig(**base))
    expected = 1.0 / (y[..., 0].var(axis=(1, 2)) + LOSS_EPS)
    np.testing.assert_allclose(w[:, 0, 0], expected / expected.mean(), rtol=1e-5)
    assert np.all(w == w[:, :1, :1])                 # one weight per window, on every pixel
    _, y2, w2 = make_batch(np.random.default_rng(5), TrainConfig(**base, loss_eps=1.0))
    np.testing.assert_array_equal(y2, y)             # the same windows, weighted differently
    expected = 1.0 / (y[..., 0].var(axis=(1, 2)) + 1.0)
    np.testing.assert_allclose(w2[:, 0, 0], expected / expected.mean(), rtol=1e-5)
    # a larger offset counts the quiet (low-SNR) windows less against the loud ones
    assert w2[:, 0, 0].max() / w2[:, 0, 0].min() < w[:, 0, 0].max() / w[:, 0, 0].min()


def test_training_windows_follow_the_snr_range():
    cfg = TrainConfig(kind="mogi", batch=64, snr_range=(0.5, 0.6), nan_fraction=0.0, level_noise=())
    _, y, w = make_batch(np.random.default_rng(0), cfg)
    wide = make_batch(np.random.default_rng(0), TrainConfig(**{**dataclasses.asdict(cfg), "snr_range": (0.03, 10.0)}))
    # a narrow SNR band gives windows of similar target variance, so similar loss weights
    assert np.std(np.log(w[:, 0, 0])) < np.std(np.log(wide[2][:, 0, 0]))
    with pytest.raises(ValueError, match="snr_range"):
        TrainConfig(snr_range=(1.0, 0.5))


def test_config_refuses_a_zero_checkpoint_interval(tmp_path):
    with pytest.raises(ValueError, match="checkpoint_every must be >= 1"):
        TrainConfig(kind="fault", out_dir=str(tmp_path), steps=2, checkpoint_every=0)


def test_bf16_warning_reads_the_cpu_flags(tmp_path):
    from mintpy_aedenoise.train import _cpu_flags, bf16_warning

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma\n\n"
                    "processor\t: 1\nflags\t\t: fpu\n")
    flags = _cpu_flags(str(info))
    assert flags == {"fpu", "sse2", "avx2", "fma"}
    assert "drop --bf16" in bf16_warning("mixed_bfloat16", [], flags)
    assert bf16_warning("mixed_bfloat16", [], flags | {"amx_bf16"}) is None
    assert bf16_warning("mixed_bfloat16", ["/physical_device:GPU:0"], flags) is None
    assert _cpu_flags(str(tmp_path / "missing")) == set()


def test_bf16_with_xla_is_refused_without_a_gpu(tmp_path, capsys):
    """XLA on a CPU refuses the mixed-precision gradient (benchmarks/bench_train.py --bf16):
    the CLI and train() say so before anything is written."""
    from mintpy_aedenoise.cli.train import cmd_line_parse
    from mintpy_aedenoise.train import _hardware, bf16_jit_error, train

    if _hardware()["gpus"]:
        pytest.skip("the refusal is for machines without a GPU")
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exc:
        cmd_line_parse(["--model", "fault", "--out", str(out), "--bf16", "--jit"])
    assert exc.value.code == 2
    assert "train without XLA" in capsys.readouterr().err
    with pytest.raises(ValueError, match="XLA fails without a GPU"):
        train(TrainConfig(kind="fault", out_dir=str(out), steps=2), dtype_policy="mixed_bfloat16", jit_compile=True)
    assert not out.exists()
    assert bf16_jit_error("float32", True, []) is None
    assert cmd_line_parse(["--model", "fault", "--out", str(out), "--bf16"]).bf16


def test_a_resumed_bf16_run_is_refused_xla_without_a_gpu(tmp_path):
    """The refusal reads the checkpoint's policy: a bfloat16 run resumed with XLA is refused,
    and the sidecar records the policy the network trained in."""
    from mintpy_aedenoise.train import _hardware, train

    if _hardware()["gpus"]:
        pytest.skip("the refusal is for machines without a GPU")
    config = _config(tmp_path, steps=1)
    path = train(config, dtype_policy="mixed_bfloat16")
    with open(path.replace(".weights.h5", ".json")) as f:
        assert json.load(f)["training"]["dtype_policy"] == "mixed_bfloat16"
    config = _config(tmp_path, steps=2)
    with pytest.raises(ValueError, match="checkpoint.keras: mixed_bfloat16 with XLA"):
        train(config, resume=True, jit_compile=True)


def test_the_cli_resumes_in_the_checkpoints_precision(tmp_path, capsys, caplog):
    """aedenoise_train.py --resume judges XLA by the checkpoint's policy, not by --bf16: a
    bfloat16 checkpoint with --jit exits 2 naming it, and without a precision flag trains on in
    bfloat16 with no warning; a float32 one with --bf16 --jit trains on in float32 with XLA
    and warns."""
    from mintpy_aedenoise.cli.train import main
    from mintpy_aedenoise.train import _hardware

    if _hardware()["gpus"]:
        pytest.skip("the refusal is for machines without a GPU")
    bf16 = _config(tmp_path, steps=1)
    train(bf16, dtype_policy="mixed_bfloat16")
    with pytest.raises(SystemExit) as exc:
        main(["--model", "fault", "--out", bf16.out_dir, "--resume", "--steps", "2", "--jit"])
    assert exc.value.code == 2
    assert "checkpoint.keras: mixed_bfloat16 with XLA" in capsys.readouterr().err
    caplog.clear()                        # no --bf16: the checkpoint's precision, without a warning
    main(["--model", "fault", "--out", bf16.out_dir, "--resume", "--steps", "2"])
    meta = json.loads(Path(bf16.out_dir, "fault.json").read_text())["training"]
    assert (meta["dtype_policy"], meta["samples_seen"]) == ("mixed_bfloat16", 8)
    assert "trains on in" not in caplog.text
    f32 = dataclasses.replace(bf16, out_dir=str(tmp_path / "f32"))
    train(f32)
    main(["--model", "fault", "--out", f32.out_dir, "--resume", "--steps", "2", "--bf16", "--jit"])
    meta = json.loads((tmp_path / "f32" / "fault.json").read_text())["training"]
    assert (meta["dtype_policy"], meta["jit_compile"], meta["samples_seen"]) == ("float32", True, 8)
    assert "trains on in float32, the policy it was saved with, not in the mixed_bfloat16 asked" in caplog.text
    empty = tmp_path / "empty"            # --resume without a checkpoint is a fresh run
    with pytest.raises(SystemExit) as exc:
        main(["--model", "fault", "--out", str(empty), "--resume", "--steps", "2", "--bf16", "--jit"])
    assert exc.value.code == 2 and "XLA fails without a GPU" in capsys.readouterr().err
    assert not empty.exists()
