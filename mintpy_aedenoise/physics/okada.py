"""Surface displacement of a finite rectangular dislocation in an elastic half-space.

Closed-form surface (z = 0) solution of Okada (1985), "Surface deformation due to shear and
tensile faults in a half-space", BSSA 75(4), 1135-1154, equations (25)-(30), for the
strike-slip, dip-slip and tensile (opening) components, evaluated with Chinnery's notation
over the four corners of the fault.

Geometry and conventions
------------------------
- Coordinates are east, north (metres) at the free surface; displacements are east, north,
  up, in the units of ``slip`` / ``opening``.
- ``(x0, y0, depth)`` is the fault *centroid*; depth is positive down.
- ``strike`` is clockwise from north; the fault dips ``dip`` degrees (0-90) to the right of
  the strike direction (Aki & Richards, 1980).
- ``rake`` follows Aki & Richards: the motion of the hanging wall relative to the foot
  wall, 0 = left-lateral, 90 = reverse/thrust (hanging wall up), 180 = right-lateral,
  -90 = normal. For a vertical fault the "hanging wall" is the side to the right of strike.
- ``opening`` is the tensile dislocation (positive = opening).
- Okada's (1985) expressions use the medium constant ``mu / (lambda + mu) = 1 - 2 nu``
  (not the ``alpha = (lambda + mu) / (lambda + 2 mu)`` of Okada, 1992).

Okada's frame is obtained by rotating east/north so that x points along strike and y to
its left (the up-dip side). For ``strike = 90`` it coincides with east/north.

Singular points
---------------
Off the fault the solution is smooth; on the surface it is discontinuous only across the
trace of a surface-reaching fault. Every singular form is evaluated by construction
(no division by zero, no floating-point warnings):

- ``arctan(xi eta / (q R))`` is taken as 0 where ``q = 0`` and Okada's ``I5`` as 0 where
  ``xi = 0``: the means of their one-sided limits, whose jumps cancel in Chinnery's sum
  everywhere but on the trace. On the trace the top-edge terms take their continuous
  limits instead (``eta / q -> cos(dip) / sin(dip)``, ``y~ q / (eta^2 + q^2) -> sin(dip)``);
- ``R + eta``, ``R - xi`` and ``X + q cos(dip)`` are computed without cancellation;
- a point *exactly* on the trace of a surface-reaching fault (``q = 0`` in floating point)
  gets the mean of the two one-sided limits (the displacement jumps there by the slip and
  opening vector); a point nominally on the trace but off it by rounding gets one of the
  one-sided limits;
- near the two top corners of a surface-reaching fault the Volterra solution grows like
  the logarithm of the distance (this is physical); *at* a corner ``R`` (the distance to
  it) is replaced by 1 m, which gives a finite but not physically meaningful value there.

A fault whose top edge lies above the surface by less than 1e-6 of its width (rounding) is
treated as surface-reaching. For ``cos(dip) < 2e-5`` (within ~1.1e-3 degrees of vertical) the
vertical (``cos(dip) = 0``) forms of Okada's I-terms are used: the general forms lose
precision like ``eps / cos(dip)**2`` and the vertical ones are accurate to ``O(cos(dip))``,
so the relative error stays below ~1e-5 across the switch (checked against a 60-digit
evaluation of the general forms).

Examples
--------
Left-lateral slip of 1 m on a vertical, north-striking, surface-reaching fault: 2 km east
of its midpoint the ground moves north.

>>> ue, un, uz = displacement(2e3, 0.0, x0=0.0, y0=0.0, depth=5e3, strike=0.0, dip=90.0,
...                           length=10e3, width=10e3, slip=1.0)
>>> print(f"{float(ue):.4f} {float(un):.4f} {float(uz):.4f}")
0.0000 0.2933 0.0000
"""
import numpy as np

__all__ = ["displacement"]

# a top edge less than this fraction of the width above the surface counts as at the surface
_TOP_TOLERANCE = 1e-6
# below this cos(dip) the vertical forms of the I-terms are used (see module docstring)
_COS_VERTICAL = 2e-5


def displacement(east, north, *, x0, y0, depth, strike, dip, length, width,
                 rake=0.0, slip=0.0, opening=0.0, nu=0.25):
    """Surface displacement due to a rectangular fault (Okada, 1985).

    Parameters
    ----------
    east, north : array_like
        Observation coordinates at the surface, in metres.
    x0, y0 : array_like
        East and north coordinates of the fault centroid, in metres.
    depth : array_like
        Depth of the fault centroid, in metres, positive down (> 0).
    strike : array_like
        Strike in degrees, clockwise from north.
    dip : array_like
        Dip in degrees, in [0, 90], dipping to the right of the strike direction.
    length : array_like
        Fault length along strike, in metres (> 0).
    width : array_like
        Fault width along dip, in metres (> 0).
    rake : array_like
        Rake in degrees (Aki & Richards): 0 left-lateral, 90 reverse (hanging wall up).
    slip : array_like
        Slip in metres (or any length unit, which the displacement inherits).
    opening : array_like
        Tensile dislocation (opening) in the unit of ``slip``.
    nu : array_like
        Poisson's ratio, in (0, 0.5).

    Returns
    -------
    ue, un, uz : numpy.ndarray
        East, north and up displacement, with the broadcast shape of all arguments.
        float32 if every floating-point argument is float32, float64 otherwise.

    Raises
    ------
    ValueError
        If the arguments do not broadcast, are not finite, or describe an invalid fault:
        ``length <= 0``, ``width <= 0``, ``depth <= 0``, dip outside [0, 90], nu outside
        (0, 0.5), or a top edge above the surface.
    """
    a, shape, dtype = prepare_arguments(
        "okada.displacement",
        dict(east=east, north=north, x0=x0, y0=y0, depth=depth, strike=strike, dip=dip,
             length=length, width=width, rake=rake, slip=slip, opening=opening, nu=nu))
    _validate(a)

    sin_dip = np.sin(np.radians(a["dip"]))
    cos_dip = np.sin(np.radians(90.0 - a["dip"]))  # exactly 0 at 90 and 1 at 0 degrees
    half_w = 0.5 * a["width"]
    d_top = np.maximum(a["depth"] - half_w * sin_dip, 0.0)
    strike_r = np.radians(a["strike"])
    sin_st, cos_st = np.sin(strike_r), np.cos(strike_r)

    # observation point in Okada's frame, relative to the centroid's surface projection
    de = a["east"] - a["x0"]
    dn = a["north"] - a["y0"]
    x_rel = de * sin_st + dn * cos_st
    y_rel = dn * sin_st - de * cos_st

    ux, uy, uz = _okada_surface(x_rel, y_rel, d_top, sin_dip, cos_dip, a)

    ue = ux * sin_st - uy * cos_st
    un = ux * cos_st + uy * sin_st
    return finish_outputs((ue, un, uz), shape, dtype)


def prepare_arguments(caller, args):
    """Common argument handling of the displacement functions of this subpackage.

    Parameters
    ----------
    caller : str
        Name of the calling function, for error messages.
    args : dict of array_like
        The arguments, by name.

    Returns
    -------
    arrays : dict of numpy.ndarray
        float64 arrays, all with the number of dimensions of the broadcast shape (leading
        axes of length 1 added), not broadcast.
    shape : tuple of int
        The broadcast shape of all arguments.
    dtype : numpy.dtype
        float32 if every floating-point argument is float32, else float64.

    Raises
    ------
    ValueError
        If the arguments do not broadcast together or one is not finite.
    """
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in args.values()))
    except ValueError as err:
        raise ValueError(f"{caller}: arguments do not broadcast ({err})") from None
    # Python scalars are "weak" in NumPy's promotion, so float32 arrays stay float32
    values = [v if isinstance(v, (int, float)) else np.asarray(v) for v in args.values()]
    single = np.result_type(*values, 1.0) == np.float32
    arrays = {}
    for name, value in args.items():
        value = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{caller}: {name} must be finite")
        arrays[name] = value.reshape((1,) * (len(shape) - value.ndim) + value.shape)
    return arrays, shape, np.dtype(np.float32 if single else np.float64)


def finish_outputs(outputs, shape, dtype):
    """Broadcast float64 results to the full shape and cast them to the output dtype.

    Parameters
    ----------
    outputs : sequence of numpy.ndarray
        Results.
    shape : tuple of int
        Output shape.
    dtype : numpy.dtype
        Output dtype.

    Returns
    -------
    tuple of numpy.ndarray
        Writable arrays of the given shape and dtype.
    """
    return tuple((u if u.shape == shape else np.broadcast_to(u, shape).copy())
                 .astype(dtype, copy=False) for u in outputs)


def _validate(a):
    """Raise ValueError for an invalid fault geometry or Poisson's ratio.

    Parameters
    ----------
    a : dict of numpy.ndarray
        The arguments of :func:`displacement`, as float64 arrays.
    """
    checks = (
        ("length", a["length"] <= 0, "length must be > 0"),
        ("width", a["width"] <= 0, "width must be > 0"),
        ("depth", a["depth"] <= 0, "centroid depth must be > 0 (positive down)"),
        ("dip", (a["dip"] < 0) | (a["dip"] > 90), "dip must be within [0, 90] degrees"),
        ("nu", (a["nu"] <= 0) | (a["nu"] >= 0.5), "Poisson's ratio nu must be in (0, 0.5)"),
    )
    for name, bad, message in checks:
        if np.any(bad):
            raise ValueError(f"okada.displacement: {message}, got {name}={a[name][bad][:3]}")
    top = a["depth"] - 0.5 * a["width"] * np.sin(np.radians(a["dip"]))
    above = top < -_TOP_TOLERANCE * a["width"]
    if np.any(above):
        raise ValueError("okada.displacement: the fault's top edge is above the surface "
                         "(depth - width/2 * sin(dip) < 0); top-edge depths "
                         f"{np.broadcast_to(top, above.shape)[above][:3]}")


def _stable_sum(r, v, r2_minus_v2):
    """``r + v`` for ``r >= |v|``, without cancellation when ``v < 0``.

    Parameters
    ----------
    r : numpy.ndarray
        Non-negative term.
    v : numpy.ndarray
        Term with ``|v| <= r``.
    r2_minus_v2 : numpy.ndarray
        ``r**2 - v**2`` computed without cancellation (a sum of squares).

    Returns
    -------
    numpy.ndarray
        ``r + v``, as ``(r**2 - v**2) / (r - v)`` where ``v < 0``.
    """
    out = r + np.abs(v)
    np.divide(r2_minus_v2, out, out=out, where=v < 0)
    return out


def _chinnery(f):
    """Chinnery's sum ``f(x, p) - f(x, p - W) - f(x - L, p) + f(x - L, p - W)``.

    Parameters
    ----------
    f : numpy.ndarray
        Corner values of shape (2, 2, ...): axis 0 is (xi = x, xi = x - L), axis 1 is
        (bottom edge eta = p, top edge eta = p - W).

    Returns
    -------
    numpy.ndarray
        The sum, without the two corner axes.
    """
    return (f[0, 0] + f[1, 1]) - (f[0, 1] + f[1, 0])


def _okada_surface(x_rel, y_rel, d_top, sin_dip, cos_dip, a):
    """Displacement in Okada's frame (x along strike, y to its left, z up).

    Corner arrays have shape (2, 2, ...) (see :func:`_chinnery`); each is reduced by
    Chinnery's sum as soon as possible to keep the memory footprint small.

    Parameters
    ----------
    x_rel, y_rel : numpy.ndarray
        Observation point along and across strike, relative to the centroid projection.
    d_top : numpy.ndarray
        Depth of the top edge (>= 0).
    sin_dip, cos_dip : numpy.ndarray
        Sine and cosine of the dip.
    a : dict of numpy.ndarray
        The validated arguments of :func:`displacement` (length, width, rake, slip,
        opening and nu are used).

    Returns
    -------
    ux, uy, uz : numpy.ndarray
        Displacement along strike, to the left of strike, and up.
    """
    s, c = sin_dip, cos_dip
    ch = _chinnery
    alpha = 1.0 - 2.0 * a["nu"]  # mu / (lambda + mu) of Okada (1985)
    half_l, half_w = 0.5 * a["length"], 0.5 * a["width"]
    d_bot = d_top + a["width"] * s

    # xi (2, 1, ...) for x and x - L; edge quantities (1, 2, ...) for the bottom (eta = p)
    # and top (eta = p - W) edges. At the surface d~ (dt) is the depth of the edge and y~
    # (yt) the horizontal distance from its surface projection: eta = y~ cos + d~ sin and
    # q = y~ sin - d~ cos, the same for both edges.
    xi = np.stack([x_rel + half_l, x_rel - half_l])[:, None]
    yt = np.stack([y_rel + half_w * c, y_rel - half_w * c])[None]
    dt = np.stack(np.broadcast_arrays(d_bot, d_top))[None]
    q = yt[0, 1] * s - d_top * c
    eta = yt * c + dt * s
    xi2, q2 = xi * xi, q * q
    rho2 = yt * yt + dt * dt  # = eta**2 + q**2, exactly 0 on the trace of a surface fault
    r = np.sqrt(xi2 + rho2)
    if np.any(d_top == 0.0):
        r[r == 0.0] = 1.0  # top corner of a surface-reaching fault (see module docstring)
    inv_r = 1.0 / r

    # terms in 1 / (R + eta)
    r_eta = _stable_sum(r, eta, xi2 + q2)
    c_ln_eta = ch(np.log(r_eta))
    inv_r_eta = np.divide(1.0, r_eta, out=r_eta)
    c_qe = q * ch(inv_r_eta)                   # q / (R + eta)
    w = np.multiply(inv_r_eta, inv_r, out=inv_r_eta)  # 1 / (R (R + eta))
    c_qa = q2 * ch(w)                          # q^2 / (R (R + eta))
    c_a = q * ch(xi * w)                       # xi q / (R (R + eta))
    c_ya = q * ch(yt * w)                      # y~ q / (R (R + eta))
    c_da = q * ch(dt * w)                      # d~ q / (R (R + eta))
    c_qr = q * ch(inv_r)                       # q / R
    del r_eta, inv_r_eta, w

    # On the trace of a surface fault the top edge has rho2 = 0 (d~ = 0, eta = y~ cos,
    # q = y~ sin): there eta / q -> cos / sin and y~ q / rho2 -> sin, continuously.
    on_trace = rho2 == 0.0
    rho2_safe = np.where(on_trace, 1.0, rho2)
    # arctan(xi eta / (q R)) = arctan2(xi eta sign(q), |q| R); 0 where q = 0 off the trace
    eta_sq = np.where(on_trace, c, eta * np.sign(q))
    abs_q = np.where(on_trace, s, np.abs(q))
    c_th = ch(np.arctan2(xi * eta_sq, abs_q * r))
    # y~ q / (R (R + xi)) and d~ q / (R (R + xi)) as (y~ q / rho2) (R - xi) / R
    p = _stable_sum(r, -xi, rho2)
    p *= inv_r
    c_yb = ch(np.where(on_trace, s, yt * q / rho2_safe) * p)
    c_db = ch((dt * q / rho2_safe) * p)
    del p, inv_r, on_trace, rho2_safe, eta_sq, abs_q, rho2

    vertical = c < _COS_VERTICAL
    if np.all(vertical):
        c_i1, c_i3, c_i4, c_i5 = _i_terms_vertical(xi, q, eta, yt, dt, s, alpha, r, c_ln_eta)
    elif not np.any(vertical):
        c_i1, c_i3, c_i4, c_i5 = _i_terms_general(xi, q, eta, yt, dt, s, c, alpha, r, xi2,
                                                  q2, c_ln_eta)
    else:
        c_safe = np.where(vertical, 1.0, c)
        general = _i_terms_general(xi, q, eta, yt, dt, s, c_safe, alpha, r, xi2, q2,
                                   c_ln_eta)
        vert = _i_terms_vertical(xi, q, eta, yt, dt, s, alpha, r, c_ln_eta)
        c_i1, c_i3, c_i4, c_i5 = (np.where(vertical, v, g) for v, g in zip(vert, general))
    c_i2 = -alpha * c_ln_eta - c_i3

    # Okada (1985), eqs (25)-(27), with the dislocation components U1, U2, U3
    rake_r = np.radians(a["rake"])
    u1 = -a["slip"] * np.cos(rake_r) / (2.0 * np.pi)
    u2 = -a["slip"] * np.sin(rake_r) / (2.0 * np.pi)
    u3 = a["opening"] / (2.0 * np.pi)
    sc, s2 = s * c, s * s
    a_minus_th = c_a - c_th
    ux = (u1 * (c_a + c_th + s * c_i1)
          + u2 * (c_qr - sc * c_i3)
          + u3 * (c_qa - s2 * c_i3))
    uy = (u1 * (c_ya + c * c_qe + s * c_i2)
          + u2 * (c_yb + c * c_th - sc * c_i1)
          - u3 * (c_db + s * a_minus_th + s2 * c_i1))
    uz = (u1 * (c_da + s * c_qe + s * c_i4)
          + u2 * (c_db + s * c_th - sc * c_i5)
          + u3 * (c_yb + c * a_minus_th - s2 * c_i5))
    return ux, uy, uz


def _i_terms_general(xi, q, eta, yt, dt, s, c, alpha, r, xi2, q2, c_ln_eta):
    """Chinnery sums of Okada's (1985) I1, I3, I4, I5 for cos(dip) > 0 (eq. 28).

    Parameters
    ----------
    xi, q, eta, yt, dt : numpy.ndarray
        Chinnery coordinates xi, q, eta, y~ and d~ (corner or edge shaped).
    s, c : numpy.ndarray
        Sine and cosine (> 0) of the dip.
    alpha : numpy.ndarray
        mu / (lambda + mu).
    r, xi2, q2 : numpy.ndarray
        R, xi**2 and q**2.
    c_ln_eta : numpy.ndarray
        Chinnery sum of ln(R + eta).

    Returns
    -------
    c_i1, c_i3, c_i4, c_i5 : numpy.ndarray
        Chinnery sums of the I-terms (I2 = -alpha ln(R + eta) - I3 follows).
    """
    ch = _chinnery
    r_d = r + dt
    c_yrd = ch(yt / r_d)
    c_xrd = ch(xi / r_d)
    c_ln_d = ch(np.log(r_d, out=r_d))
    del r_d
    x = np.sqrt(xi2 + q2)
    x_qc = _stable_sum(x, q * c, xi2 + q2 * (s * s))  # X + q cos(dip)
    r_x = r + x
    num = x * r_x
    num *= s
    num += eta * x_qc
    den = np.multiply(r_x, np.abs(xi) * c, out=r_x)
    # arctan2(0, 0) = 0: I5 = 0 where xi = 0
    c_atan = ch(np.arctan2(np.multiply(num, np.sign(xi), out=num), den))
    del num, den
    tan_dip = s / c
    c_i5 = (2.0 * alpha / c) * c_atan
    c_i4 = (alpha / c) * (c_ln_d - s * c_ln_eta)
    c_i3 = alpha * (c_yrd / c - c_ln_eta) + tan_dip * c_i4
    c_i1 = -(alpha / c) * c_xrd - tan_dip * c_i5
    return c_i1, c_i3, c_i4, c_i5


def _i_terms_vertical(xi, q, eta, yt, dt, s, alpha, r, c_ln_eta):
    """Chinnery sums of Okada's (1985) I1, I3, I4, I5 for cos(dip) = 0 (eq. 29).

    Parameters
    ----------
    xi, q, eta, yt, dt : numpy.ndarray
        Chinnery coordinates xi, q, eta, y~ and d~ (corner or edge shaped).
    s : numpy.ndarray
        Sine of the dip.
    alpha : numpy.ndarray
        mu / (lambda + mu).
    r : numpy.ndarray
        R.
    c_ln_eta : numpy.ndarray
        Chinnery sum of ln(R + eta).

    Returns
    -------
    c_i1, c_i3, c_i4, c_i5 : numpy.ndarray
        Chinnery sums of the I-terms (I2 = -alpha ln(R + eta) - I3 follows).
    """
    ch = _chinnery
    inv_r_d = r + dt
    np.divide(1.0, inv_r_d, out=inv_r_d)
    c_rd = ch(inv_r_d)
    c_xrd = ch(xi * inv_r_d)
    c_erd = ch(eta * inv_r_d)
    inv_r_d *= inv_r_d                        # 1 / (R + d~)^2
    c_xrd2 = ch(xi * inv_r_d)
    c_yrd2 = ch(yt * inv_r_d)
    del inv_r_d
    half_alpha = 0.5 * alpha
    c_i1 = -half_alpha * q * c_xrd2
    c_i3 = half_alpha * (c_erd + q * c_yrd2 - c_ln_eta)
    c_i4 = -alpha * q * c_rd
    c_i5 = -alpha * s * c_xrd
    return c_i1, c_i3, c_i4, c_i5
