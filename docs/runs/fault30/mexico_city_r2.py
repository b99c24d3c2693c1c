"""Mexico City R² of fault29 and fault30 at four decimals, on one pixel set (benchmarks/real_data_report.compare).

Run from the repository root when "fault" was the shipped fault29; the maps are written to a temporary folder."""
import sys, os, tempfile, numpy as np
sys.path.insert(0, "benchmarks")
import real_data_report as R
d = R.DEFAULT_DATA
ts, dates, vel, mask, attrs = R.read_inputs(d, "timeseries_demErr.h5")
res = {}
tmp = tempfile.mkdtemp(prefix="mexico_city_r2.")
for name, model in [("fault29", "fault"), ("fault30", "runs/fault30/fault.weights.h5")]:
    out = os.path.join(tmp, f"mx_{name}.h5")
    if not os.path.exists(out):
        R.run_aedenoise(os.path.join(d, "timeseries_demErr.h5"), os.path.join(d, "geometryGeo.h5"), os.path.join(d, "maskTempCoh.h5"), model, out)
    res[name] = R.read_output(out)
maps0, starts, ends = res["fault29"]
idx = {x: i for i, x in enumerate(dates)}
naive = np.stack([ts[idx[e]] - ts[idx[s]] for s, e in zip(starts, ends)])
dts = np.array([R.years_between(s, e) for s, e in zip(starts, ends)])
refs = vel[None] * dts[:, None, None]
valid = mask & np.isfinite(vel) & np.isfinite(naive).all(axis=0)
for m, _, _ in res.values(): valid &= np.isfinite(m).all(axis=0)
v = vel[valid]
fast = valid & (vel <= np.quantile(v, R.BOWL_FRACTION)); stable = valid & (vel >= np.quantile(v, 1 - R.BOWL_FRACTION))
for name, (m, _, _) in res.items():
    sc = [R.compare(m[w], refs[w], valid, fast, stable, 10.0) for w in range(len(starts))]
    print(name, "R2", ["%.4f" % s["R2"] for s in sc], "mean %.4f" % np.mean([s["R2"] for s in sc]),
          "slope_short %.4f" % np.mean([s["slope_short"] for s in sc]))
