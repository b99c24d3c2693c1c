"""Realistic synthetic MintPy datasets: transient deformation plus atmospheric noise.

:func:`simulate_scene` builds the arrays; :func:`write_dataset` writes them as genuine MintPy
files with MintPy's own ``writefile``:

- ``timeseries.h5``: ``timeseries`` (n, L, W) in metres, ``date``, ``bperp``, and the
  attributes MintPy needs (``REF_Y/REF_X``, ``REF_DATE``, ``WAVELENGTH``, ``HEADING``, ...);
- ``geometryRadar.h5`` (or ``geometryGeo.h5`` for a geocoded scene): ``height``,
  ``incidenceAngle``, ``azimuthAngle``, ``slantRangeDistance``;
- ``timeseries_truth.h5``: the noise-free deformation in the same layout;
- ``maskTempCoh.h5``: valid pixels (decorrelated ones are 0 in the time series, as MintPy
  writes them);
- ``events.json``: the catalogue of simulated events.

The time series is referenced like MintPy's: zero on the first date everywhere and zero at
the reference pixel on every date.
"""
import datetime as dt
import json
import logging
import os
import re
from dataclasses import asdict, dataclass

import numpy as np

from .noise import decorrelation_mask, fractal_dem, orbital_ramps, power_law_fields, stratified_delay
from .physics import enu2los, heading2azimuth, mogi, okada
from .synthetic import KINDS, SENTINEL1_WAVELENGTH

__all__ = ["Event", "Scene", "parse_event", "simulate_scene", "write_dataset", "write_ifgram_stack",
           "MIN_DATES"]

logger = logging.getLogger(__name__)

MIN_DATES = 9
REVISIT_DAYS = 12
SATELLITE_ALTITUDE = 693000.0
EARTH_RADIUS = 6371000.0


@dataclass
class Event:
    """One transient source: kind, timing (date indices) and geometry (pixels and metres)."""

    kind: str
    start: int
    end: int
    row: float
    col: float
    depth: float
    amplitude: float
    strike: float = 0.0
    dip: float = 90.0
    rake: float = 0.0
    length: float = 0.0
    width: float = 0.0


@dataclass
class Scene:
    """Arrays of a simulated dataset (float32, metres unless stated)."""

    timeseries: np.ndarray     # (n, L, W) referenced, noisy, 0 where decorrelated
    truth: np.ndarray          # (n, L, W) referenced, noise-free deformation
    height: np.ndarray         # (L, W) m
    incidence: np.ndarray      # (L, W) degrees
    azimuth: np.ndarray        # (L, W) degrees, MintPy convention
    slant_range: np.ndarray    # (L, W) m
    mask: np.ndarray           # (L, W) bool valid pixels
    dates: list                # YYYYMMDD strings
    bperp: np.ndarray          # (n,) m
    events: list               # list of Event
    ref_yx: tuple
    pixel_size: float
    heading: float


_EVENT_RE = re.compile(r"^(?P<kind>[a-z]+)(@(?P<start>\d+):(?P<end>\d+))?$")


def parse_event(text, n_dates):
    """Parse ``KIND`` or ``KIND@START:END`` (date indices, 0-based, START < END < n_dates).

    Examples
    --------
    >>> parse_event("fault@3:7", 20)
    ('fault', 3, 7)
    >>> parse_event("mogi", 20)
    ('mogi', None, None)
    """
    m = _EVENT_RE.match(text.strip().lower())
    if not m or m["kind"] not in KINDS:
        raise ValueError(f"bad event {text!r}: expected KIND or KIND@START:END with KIND in {KINDS}")
    if m["start"] is None:
        return m["kind"], None, None
    start, end = int(m["start"]), int(m["end"])
    if not 0 < start < end < n_dates:
        raise ValueError(f"bad event timing {text!r}: need 0 < START < END < {n_dates} (date indices)")
    return m["kind"], start, end


def _random_event(rng, kind, shape, n_dates, pixel_size, amplitude, start=None, end=None):
    length, width = shape
    if start is None:
        dur = int(rng.integers(2, min(7, n_dates - 2) + 1))
        start = int(rng.integers(1, n_dates - dur))
        end = start + dur
    margin = 0.2
    row = float(rng.uniform(margin, 1 - margin) * length)
    col = float(rng.uniform(margin, 1 - margin) * width)
    if kind == "fault":
        dip = float(rng.uniform(45, 90))
        flen = float(rng.uniform(10, 30) * pixel_size)
        fwid = float(rng.uniform(5, 15) * pixel_size)
        return Event(kind, start, end, row, col, depth=0.5 * fwid * np.sin(np.deg2rad(dip)),
                     amplitude=amplitude, strike=float(rng.uniform(0, 360)), dip=dip,
                     rake=float(rng.choice([0.0, 180.0]) + rng.uniform(-20, 20)),
                     length=flen, width=fwid)
    return Event(kind, start, end, row, col, depth=float(rng.uniform(8, 20) * pixel_size),
                 amplitude=float(amplitude * rng.choice([-1.0, 1.0])))


def _event_los(ev, east, north, inc, az, pixel_size):
    """LOS deformation map of one event scaled so that max |LOS| equals |amplitude|."""
    x0, y0 = ev.col * pixel_size, -ev.row * pixel_size
    if ev.kind == "fault":
        u = okada.displacement(east, north, x0=x0, y0=y0, depth=ev.depth, strike=ev.strike,
                               dip=ev.dip, length=ev.length, width=ev.width, rake=ev.rake, slip=1.0)
    else:
        u = mogi.displacement(east, north, x0=x0, y0=y0, depth=ev.depth, dvol=np.sign(ev.amplitude) * 1e6)
    los = enu2los(*u, inc, az)
    peak = np.abs(los).max()
    return (los * (abs(ev.amplitude) / peak if peak > 0 else 0.0)).astype(np.float32)


def _history(ev, n_dates):
    t = np.arange(n_dates)
    return np.clip((t - ev.start) / (ev.end - ev.start), 0.0, 1.0).astype(np.float32)


def slant_range_columns(width, pixel_size, heading, mid_incidence=37.5):
    """Slant range (m) of each column, consistent with the metadata of :func:`write_dataset`.

    The incidence ramp of a simulated scene is a whole swath's 30-45 degrees compressed into
    its width, so that the LOS visibly varies across it; a real swath that wide is some 250 km.
    The slant range instead follows the pixel spacing: it grows by ``RANGE_PIXEL_SIZE =
    pixel_size * sin(mid_incidence)`` per column away from the near range (the first column on
    ascending tracks, the last on descending ones, where columns still run east), and the near
    range is where MintPy's spherical-earth geometry (``utils0.incidence_angle``: the mean of
    the near and far angles) puts ``mid_incidence`` at the centre, so that MintPy's
    ``utils0.range_ground_resolution`` returns ``pixel_size``.

    Returns (width,) float32 and the ``(STARTING_RANGE, RANGE_PIXEL_SIZE)`` pair.
    """
    from mintpy.utils import utils0 as ut0
    from scipy.optimize import brentq

    step = pixel_size * np.sin(np.deg2rad(mid_incidence))
    h = SATELLITE_ALTITUDE

    def centre_incidence(near):
        atr = {"STARTING_RANGE": near, "RANGE_PIXEL_SIZE": step, "EARTH_RADIUS": EARTH_RADIUS,
               "HEIGHT": h, "WIDTH": width}
        return ut0.incidence_angle(atr, dimension=0, print_msg=False)

    near = brentq(lambda r: centre_incidence(r) - mid_incidence, h * 1.0001, 3.0 * h, xtol=1e-3)
    distance = np.arange(width, dtype=np.float64)
    if abs(heading) > 90:
        distance = distance[::-1]
    return (near + distance * step).astype(np.float32), (float(near), float(step))


def simulate_scene(rng, shape, n_dates, *, events=("fault", "mogi"), amplitude=0.01,
                   turbulence=0.005, stratified=5e-6, pixel_size=100.0, heading=-12.0,
                   start_date="20200101", decorrelated=0.0, ramps=0.0):
    """Simulate a referenced time series with transient events and atmospheric noise.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        (length, width) in pixels, each >= 16.
    n_dates : int
        Number of acquisitions (>= 9), every 12 days.
    events : sequence of str
        Event specs for :func:`parse_event` ("fault", "mogi", "fault@4:9", ...).
    amplitude : float
        Peak |LOS| displacement of each event in metres.
    turbulence : float
        Standard deviation of the turbulent delay of each date in metres (varies by date).
    stratified : float
        Standard deviation of the per-date delay/elevation gradient in m per m.
    pixel_size : float
        Pixel spacing in metres.
    heading : float
        Satellite heading in degrees (MintPy ``HEADING``; -12 ascending, -168 descending).
    start_date : str
        First date, YYYYMMDD.
    decorrelated : float
        Fraction of decorrelated pixels (written as 0, masked out).
    ramps : float
        Standard deviation of per-date orbital ramps in metres (0 for none).

    Returns
    -------
    Scene
    """
    length, width = (int(s) for s in shape)
    if length < 16 or width < 16:
        raise ValueError(f"scene size must be at least 16 x 16 pixels, got {length} x {width}")
    if n_dates < MIN_DATES:
        raise ValueError(f"need at least {MIN_DATES} dates for one 9-acquisition window, got {n_dates}")
    specs = [parse_event(e, n_dates) for e in events]

    height = fractal_dem(rng, 1, (length, width), relief=(300.0, 1500.0), pixel_size=pixel_size)[0]
    # columns run east; a right-looking radar looks east on ascending and west on descending
    # tracks, and the incidence grows away from the track, toward the far range
    ramp = np.linspace(30.0, 45.0, width, dtype=np.float32)
    if abs(heading) > 90:
        ramp = ramp[::-1]
    inc = np.broadcast_to(ramp, (length, width)).copy()
    az = np.full((length, width), heading2azimuth(heading), np.float32)
    slant = np.broadcast_to(slant_range_columns(width, pixel_size, heading)[0],
                            (length, width)).copy()

    c = np.arange(width) * pixel_size
    r = np.arange(length) * pixel_size
    east, north = np.meshgrid(c, -r)
    evs = [_random_event(rng, k, (length, width), n_dates, pixel_size, amplitude, s, e)
           for k, s, e in specs]
    truth = np.zeros((n_dates, length, width), np.float32)
    for ev in evs:
        truth += _history(ev, n_dates)[:, None, None] * _event_los(ev, east, north, inc, az, pixel_size)[None]

    noise = power_law_fields(rng, n_dates, (length, width),
                             beta=rng.uniform(5 / 3, 8 / 3, n_dates),
                             outer_scale=rng.uniform(5e3, 2e4, n_dates), pixel_size=pixel_size)
    noise *= (turbulence * np.exp(0.4 * rng.standard_normal(n_dates)))[:, None, None].astype(np.float32)
    noise += stratified_delay(rng, height, n_dates, linear_std=stratified,
                              quadratic_std=stratified / 2000.0)
    if ramps:
        noise += orbital_ramps(rng, n_dates, (length, width), sigma=ramps)

    bad = decorrelation_mask(rng, 1, (length, width), fraction=decorrelated)[0] if decorrelated else \
        np.zeros((length, width), bool)
    ref_y, ref_x = _pick_reference(rng, bad, evs, (length, width))
    ts = truth + noise
    for arr in (ts, truth):
        arr -= arr[:1]                       # reference date: the first acquisition
        arr -= arr[:, ref_y:ref_y + 1, ref_x:ref_x + 1]   # reference pixel
    ts[:, bad] = 0.0                         # MintPy writes 0 where the inversion failed

    d0 = dt.datetime.strptime(start_date, "%Y%m%d")
    dates = [(d0 + dt.timedelta(days=REVISIT_DAYS * i)).strftime("%Y%m%d") for i in range(n_dates)]
    bperp = rng.normal(0, 60, n_dates).astype(np.float32)
    bperp -= bperp[0]
    return Scene(timeseries=ts, truth=truth, height=height, incidence=inc, azimuth=az,
                 slant_range=slant, mask=~bad, dates=dates, bperp=bperp, events=evs,
                 ref_yx=(ref_y, ref_x), pixel_size=pixel_size, heading=heading)


def _pick_reference(rng, bad, events, shape):
    """A valid pixel far from every event (MintPy would pick a coherent, stable pixel)."""
    length, width = shape
    yy, xx = np.mgrid[0:length, 0:width]
    dist = np.full(shape, np.inf)
    for ev in events:
        dist = np.minimum(dist, np.hypot(yy - ev.row, xx - ev.col))
    dist[bad] = -1
    dist = dist + 1e-3 * rng.random(shape)
    y, x = np.unravel_index(np.argmax(dist), shape)
    return int(y), int(x)


def _metadata(scene, geocoded, lat0=35.0, lon0=-117.8):
    length, width = scene.height.shape
    starting_range, range_step = slant_range_columns(width, scene.pixel_size, scene.heading)[1]
    atr = {
        "FILE_TYPE": "timeseries", "UNIT": "m", "DATA_TYPE": "float32",
        "LENGTH": str(length), "WIDTH": str(width),
        "WAVELENGTH": str(SENTINEL1_WAVELENGTH), "HEADING": str(scene.heading),
        "ORBIT_DIRECTION": "ascending" if abs(scene.heading) < 90 else "descending",
        "PLATFORM": "Sen", "ANTENNA_SIDE": "-1", "PROCESSOR": "isce", "PROJECT_NAME": "aedenoiseSim",
        "RANGE_PIXEL_SIZE": str(range_step), "AZIMUTH_PIXEL_SIZE": str(scene.pixel_size),
        "ALOOKS": "1", "RLOOKS": "1", "STARTING_RANGE": str(starting_range),
        "EARTH_RADIUS": str(EARTH_RADIUS), "HEIGHT": str(SATELLITE_ALTITUDE),
        "CENTER_LINE_UTC": "50000.0",
        "REF_Y": str(scene.ref_yx[0]), "REF_X": str(scene.ref_yx[1]),
        "REF_DATE": scene.dates[0], "START_DATE": scene.dates[0], "END_DATE": scene.dates[-1],
    }
    if geocoded:
        # degrees per pixel_size metres: north-south, and east-west at the first row's latitude
        y_step = scene.pixel_size / 111320.0
        x_step = y_step / np.cos(np.deg2rad(lat0))
        atr.update({"X_FIRST": str(lon0), "Y_FIRST": str(lat0), "X_STEP": str(x_step),
                    "Y_STEP": str(-y_step), "X_UNIT": "degrees", "Y_UNIT": "degrees"})
        # pixel centres, as MintPy reads REF_LAT/REF_LON (Y_FIRST/X_FIRST are the outer corner)
        ref_lat, ref_lon = _coordinate(atr).yx2lalo(*scene.ref_yx)
        atr.update({"REF_LAT": str(ref_lat), "REF_LON": str(ref_lon)})
    return atr


def _coordinate(atr):
    from mintpy.objects.coord import coordinate

    return coordinate(atr)


def _unreferenced(atr):
    return {k: v for k, v in atr.items() if not k.startswith("REF_")}


def _lookup_table(scene):
    """``latitude`` and ``longitude`` of every pixel centre, on the grid of the geocoded metadata."""
    length, width = scene.height.shape
    coord = _coordinate(_metadata(scene, geocoded=True))
    lat = coord.yx2lalo(np.arange(length), np.zeros(length, int))[0]
    lon = coord.yx2lalo(np.zeros(width, int), np.arange(width))[1]
    lat, lon = np.meshgrid(np.asarray(lat, np.float64), np.asarray(lon, np.float64), indexing="ij")
    return {"latitude": lat.astype(np.float32), "longitude": lon.astype(np.float32)}


def _write_geometry(scene, atr, path, extra=None):
    """Write the geometry file of ``scene`` (plus ``extra`` datasets); returns its metadata."""
    from mintpy.utils import writefile

    geo_atr = _unreferenced(atr)
    geo_atr.update(FILE_TYPE="geometry", UNIT="1")
    writefile.write({"height": scene.height, "incidenceAngle": scene.incidence,
                     "azimuthAngle": scene.azimuth, "slantRangeDistance": scene.slant_range,
                     **(extra or {})},
                    out_file=path, metadata=geo_atr, print_msg=False)
    return geo_atr


def write_dataset(scene, out_dir, *, geocoded=False):
    """Write a :class:`Scene` as MintPy files in ``out_dir`` (created if needed).

    Parameters
    ----------
    scene : Scene
        From :func:`simulate_scene`.
    out_dir : str
        Output folder.
    geocoded : bool
        Geocoded metadata and ``geometryGeo.h5`` instead of ``geometryRadar.h5``.

    Returns
    -------
    dict
        Paths of the written files by role: timeseries, geometry, truth, mask, events.
    """
    from mintpy.utils import writefile

    os.makedirs(out_dir, exist_ok=True)
    atr = _metadata(scene, geocoded)
    dates = np.array(scene.dates, dtype=np.bytes_)
    paths = {
        "timeseries": os.path.join(out_dir, "timeseries.h5"),
        "truth": os.path.join(out_dir, "timeseries_truth.h5"),
        "geometry": os.path.join(out_dir, "geometryGeo.h5" if geocoded else "geometryRadar.h5"),
        "mask": os.path.join(out_dir, "maskTempCoh.h5"),
        "events": os.path.join(out_dir, "events.json"),
    }
    for role, data in (("timeseries", scene.timeseries), ("truth", scene.truth)):
        writefile.write({"timeseries": data, "date": dates, "bperp": scene.bperp},
                        out_file=paths[role], metadata=atr, print_msg=False)
    geo_atr = _write_geometry(scene, atr, paths["geometry"])
    mask_atr = dict(geo_atr, FILE_TYPE="mask")
    writefile.write({"mask": scene.mask}, out_file=paths["mask"], metadata=mask_atr, print_msg=False)
    with open(paths["events"], "w") as f:
        json.dump({"pixel_size_m": scene.pixel_size, "dates": scene.dates,
                   "reference_yx": list(scene.ref_yx),
                   "events": [asdict(e) for e in scene.events]}, f, indent=2)
    return paths


def write_ifgram_stack(scene, out_dir, *, rng, n_connections=3, geocoded=False):
    """Write a :class:`Scene` as the loaded inputs of a MintPy run: ``out_dir/inputs/``.

    Each date is paired with its next ``n_connections`` dates. The interferograms are the
    differences of the scene's noisy time series converted to phase with MintPy's sign
    convention (``ifgram_inversion`` turns phase into displacement with ``-wavelength/(4 pi)``),
    so ``phase = -4 pi / wavelength * (d2 - d1)`` radians, plus the difference of a random
    constant per date: the interferograms are not referenced (zero) at the scene's reference
    pixel, and ``reference_point`` references them again. Decorrelated pixels get random
    phase, low coherence and connected component 0, so that MintPy's temporal coherence masks
    them. In radar coordinates the geometry file also holds the lookup table (``latitude``,
    ``longitude``) that MintPy requires. ``smallbaselineApp.py`` then runs from
    ``modify_network`` on.

    Parameters
    ----------
    scene : Scene
        From :func:`simulate_scene`.
    out_dir : str
        MintPy work directory; ``inputs/`` is created in it.
    n_connections : int
        Pairs per date with its following dates (>= 1).
    rng : numpy.random.Generator
        Source of the date offsets, coherence values and decorrelated phase.
    geocoded : bool
        Geocoded metadata and ``geometryGeo.h5`` instead of ``geometryRadar.h5``.

    Returns
    -------
    dict
        Paths by role: ifgram_stack, geometry.
    """
    from mintpy.utils import writefile

    if n_connections < 1:
        raise ValueError(f"n_connections must be >= 1, got {n_connections}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n = len(scene.dates)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, min(i + n_connections, n - 1) + 1)]
    i1, i2 = (np.array(p) for p in zip(*pairs))
    shape = (len(pairs),) + scene.mask.shape
    bad = ~scene.mask

    # un-referenced, like unwrapped interferograms: a random constant per date (radians)
    offset = rng.uniform(-np.pi, np.pi, n).astype(np.float32)[:, None, None]
    phase = (-4.0 * np.pi / SENTINEL1_WAVELENGTH) * scene.timeseries + offset
    phase = phase[i2] - phase[i1]
    phase[:, bad] = rng.uniform(-np.pi, np.pi, (len(pairs), int(bad.sum())))
    coherence = rng.uniform(0.7, 0.95, shape)
    coherence[:, bad] = rng.uniform(0.05, 0.3, (len(pairs), int(bad.sum())))
    conn_comp = np.broadcast_to(scene.mask, shape).astype(np.int16)

    inputs = os.path.join(out_dir, "inputs")
    os.makedirs(inputs, exist_ok=True)
    paths = {"ifgram_stack": os.path.join(inputs, "ifgramStack.h5"),
             "geometry": os.path.join(inputs, "geometryGeo.h5" if geocoded else "geometryRadar.h5")}
    atr = _metadata(scene, geocoded)
    stack_atr = dict(_unreferenced(atr), FILE_TYPE="ifgramStack", UNIT="radian")
    dates = np.array(scene.dates, dtype=np.bytes_)
    writefile.write({"date": np.stack([dates[i1], dates[i2]], axis=1),
                     "bperp": (scene.bperp[i2] - scene.bperp[i1]).astype(np.float32),
                     "dropIfgram": np.ones(len(pairs), bool),
                     "unwrapPhase": phase.astype(np.float32),
                     "coherence": coherence.astype(np.float32),
                     "connectComponent": conn_comp},
                    out_file=paths["ifgram_stack"], metadata=stack_atr, print_msg=False)
    _write_geometry(scene, atr, paths["geometry"], extra=None if geocoded else _lookup_table(scene))
    logger.info("wrote %d interferograms (%d connections per date) to %s",
                len(pairs), n_connections, paths["ifgram_stack"])
    return paths
