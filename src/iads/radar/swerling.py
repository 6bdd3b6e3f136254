"""Exact detection probability of a square-law detector after non-coherent integration.

The model: ``N`` pulses, each the complex sum of the target echo and circular Gaussian noise of
unit power, pass a square-law detector and are summed. The sum is compared with a threshold ``T``
set for a false-alarm probability ``Pfa``; with noise alone the sum is Gamma(N, 1), so
``Pfa = Q(N, T)`` (``Q`` is the regularised upper incomplete gamma function, ``P = 1 - Q``).
``snr`` is the per-pulse SNR, averaged over the target fluctuation. Writing ``s`` for the Laplace
variable, the integrated statistic of each Swerling case is

========  ==================================  ==========================================
case      fluctuation                         Laplace transform of the statistic
========  ==================================  ==========================================
0         none                                (1+s)^-N exp(-N snr s/(1+s))
1         Rayleigh (chi-square 2), per scan   (1+s)^-(N-1) (1+s b)^-1,  b = 1 + N snr
2         Rayleigh, per pulse                 (1+s b)^-N,               b = 1 + snr
3         chi-square 4, per scan              (1+s)^-(N-2) (1+s b)^-2,  b = 1 + N snr/2
4         chi-square 4, per pulse             ((1+s)/(1+s b)^2)^N,      b = 1 + snr/2
========  ==================================  ==========================================

and the closed forms used here (``D(m, x) = x^m e^-x / m!``, ``m`` and ``c = 1 - 1/b`` per case):

* 0: ``Pd = Σ_k Pois(k; N snr) Q(N+k, T)`` = the generalised Marcum Q function
  ``Q_N(sqrt(2 N snr), sqrt(2T))`` = ``ncx2.sf(2T, 2N, 2 N snr)``; summed as a Skellam
  probability with both Poisson recurrences started where they cannot underflow, and the
  smaller of ``Pd`` and ``1 - Pd`` summed directly.
* 1: ``Pd = Q(m, T) + e^(-T/b) c^-m P(m, Tc)``, ``m = N-1``; for ``Tc < m+1`` the second term is
  ``D(m, T) Σ_n (Tc)^n / (m+1)_n``, free of the overflowing ``c^-m``.
* 2: ``Pd = Q(N, T/b)``.
* 3: ``Pd = Q(m, T) + e^(-T/b) c^-m [P(m, x) + ((x-m) P(m, x) + m D(m, x)) / (b-1)]``,
  ``m = N-2``, ``x = Tc``; for ``x < m+1`` the bracket times ``e^(-T/b) c^-m`` is
  ``D(m, T) Σ_n (Tc)^n/(m+1)_n [1 + (T/b)(n+1)/(m+n+1)]``. ``N = 1`` is case 4 with ``N = 1``.
* 4: ``Pd = Σ_k Binom(k; N, 1/b) Q(2N-k, T/b)``, finite, summed outward from the binomial mode
  with the recurrence ``Q(a+1, y) = Q(a, y) + D(a, y)``.

Every sum adds positive terms only. The kernels are compiled with numba; the regularised
incomplete gamma function is our own (series and continued fraction with a cancellation-free
prefactor), checked against :mod:`scipy.special` in the tests.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import special

__all__ = ["detection_probability", "required_snr", "threshold", "SWERLING_CASES"]

#: The Swerling cases this module knows.
SWERLING_CASES = (0, 1, 2, 3, 4)

_LN10_OVER_10 = math.log(10.0) / 10.0
_LOG_2PI = math.log(2.0 * math.pi)
_EPS = 2.220446049250313e-16
_TINY = 1e-300
#: Relative truncation of every series, and the miss-probability cut-off of Swerling 0.
_SERIES_EPS = 1e-17
_L_MISS = 46.0  # e^-46 = 1e-20: below this, 1 - Pmiss == 1 in double precision
_L_EXTRA = 41.5  # Pd sums are cut at e^-41.5 * Pfa ~ 1e-18 Pfa (Pd >= Pfa always)
_LOGIT_CAP = 750.0


# --------------------------------------------------------------------------------------------
# Special functions (numba)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _stirling_mu(a):
    """``log Γ(a+1) - [(a + 1/2) log a - a + log(2π)/2]`` for ``a > 0``."""
    if a >= 10.0:
        r = 1.0 / a
        r2 = r * r
        v = 1.0 / 156.0
        v = 691.0 / 360360.0 - r2 * v
        v = 1.0 / 1188.0 - r2 * v
        v = 1.0 / 1680.0 - r2 * v
        v = 1.0 / 1260.0 - r2 * v
        v = 1.0 / 360.0 - r2 * v
        return r * (1.0 / 12.0 - r2 * v)
    return math.lgamma(a + 1.0) - ((a + 0.5) * math.log(a) - a + 0.5 * _LOG_2PI)


@njit(cache=True)
def _log_dterm(a, x):
    """``log(x^a e^-x / Γ(a+1))`` (a Poisson probability for integer ``a``), ``a, x >= 0``.

    Written as ``-a φ(x/a) - log(2πa)/2 - μ(a)`` with ``φ(t) = t - 1 - log t``, so that the large
    terms ``a log x``, ``x`` and ``log Γ(a+1)`` never cancel.
    """
    if a == 0.0:
        return -x
    if x <= 0.0:
        return -math.inf
    r = x / a
    if 0.5 < r < 2.0:
        d = (x - a) / a
        a_phi = a * (d - math.log1p(d))
    else:
        a_phi = (x - a) - a * math.log(r)
    return -a_phi - 0.5 * (_LOG_2PI + math.log(a)) - _stirling_mu(a)


@njit(cache=True)
def _gammainc_pq(a, x):
    """Regularised incomplete gamma functions ``(P(a, x), Q(a, x))``, ``a >= 0``, ``x >= 0``.

    The smaller of the two is computed directly (series for ``P`` when ``x < a+1``, Lentz's
    continued fraction for ``Q`` otherwise). ``a = 0`` is the point mass at zero: ``P = 1``.
    """
    if a == 0.0:
        return 1.0, 0.0
    if x <= 0.0:
        return 0.0, 1.0
    if x != x:
        return math.nan, math.nan
    if x < a + 1.0:
        s = 1.0
        t = 1.0
        ap = a
        for _ in range(100000):
            ap += 1.0
            t *= x / ap
            s += t
            if t < s * _SERIES_EPS:
                break
        p = math.exp(_log_dterm(a, x)) * s
        return p, 1.0 - p
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < _EPS:
            break
    q = math.exp(_log_dterm(a, x)) * a * h
    return 1.0 - q, q


@njit(cache=True)
def _refine_threshold(n, pfa, t):
    """Newton steps on ``log Q(n, t) = log pfa`` from scipy's ``gammainccinv`` estimate."""
    lp = math.log(pfa)
    for _ in range(8):
        _, q = _gammainc_pq(n, t)
        dens = math.exp(_log_dterm(n - 1.0, t))
        if q <= 0.0 or dens <= 0.0:
            break
        step = (math.log(q) - lp) * q / dens
        tn = t + step
        if tn <= 0.0:
            tn = 0.5 * t
        if abs(tn - t) <= 4.0 * _EPS * t:
            t = tn
            break
        t = tn
    return t


@njit(cache=True)
def _win_lo(mu, big_l):
    """Lowest index kept of a Poisson(mu) sum: ``P(K < lo) <= e^-L`` (sub-Gaussian lower tail)."""
    v = math.floor(mu - math.sqrt(2.0 * mu * big_l))
    return 0 if v < 0.0 else int(v)


@njit(cache=True)
def _win_hi(mu, big_l):
    """Highest index kept of a Poisson(mu) sum: ``P(K > hi) <= e^-L`` (Bernstein upper tail)."""
    return int(math.ceil(mu + big_l / 3.0 + math.sqrt(big_l * big_l / 9.0 + 2.0 * mu * big_l)))


@njit(cache=True)
def _start_down(k, mu):
    """Move a downward Poisson recurrence's start below underflow: ``(k, log pmf(k))``."""
    lw = _log_dterm(float(k), mu)
    while lw < -600.0 and k > mu and k > 0:
        lw += math.log(k / mu)
        k -= 1
    return k, lw


# --------------------------------------------------------------------------------------------
# Per-case kernels: (snr [linear], n, t) -> Pd
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _prepare(case, n, t, pfa):
    """Constants that depend on (case, n, T, Pfa) only; computed once per parameter set."""
    cst = np.zeros(8)
    if case == 0:
        big_l = _L_EXTRA - math.log(pfa)
        jlo = _win_lo(t, big_l)
        jhi = _win_hi(t, big_l)
        cst[0] = big_l
        cst[1] = jlo
        cst[2] = jhi
        cst[3] = math.exp(_log_dterm(float(jlo), t))
        jm, lw = _start_down(_win_hi(t, _L_MISS), t)
        cst[4] = jm
        cst[5] = math.exp(lw)
        cst[6] = _win_lo(t, _L_MISS)
    elif case == 1 or case == 3:
        m = n - 1.0 if case == 1 else n - 2.0
        if m > 0.0:
            cst[0] = _gammainc_pq(m, t)[1]
            cst[1] = _log_dterm(m, t)
    cst[7] = 1e-18 * pfa  # negligible probability mass for sums whose result is >= pfa
    return cst


@njit(cache=True)
def _table_size(case, n, cst):
    if case == 0:
        return int(cst[2]) + 3
    if case == 4:
        return 2 * n + 3
    return 1


@njit(cache=True)
def _pd_sw0(snr, n, t, pfa, cst, inv):
    lam = n * snr
    if lam <= 0.0:
        return pfa
    if lam + n < t:
        # Pd below ~1/2: Pd = Σ_k Pois(k; lam) C(n+k-1), C(j) = P(Pois(t) <= j), summed upward.
        big_l = cst[0]
        jlo = int(cst[1])
        jhi = int(cst[2])
        klo = _win_lo(lam, big_l)
        khi = _win_hi(lam, big_l)
        w = math.exp(_log_dterm(float(klo), lam))
        jp = jlo
        p = cst[3]
        cum = 0.0
        acc = 0.0
        k = klo
        tiny = cst[7]
        while k <= khi:
            m = n + k - 1
            while jp <= m and jp <= jhi:
                cum += p
                jp += 1
                p *= t * inv[jp]
            acc += w * cum
            k += 1
            w *= lam * inv[k]
            if k > lam and w * (k + 1.0) < tiny * (k + 1.0 - lam):
                break
        return min(acc, 1.0)
    # Pd above ~1/2: sum the miss probability Pmiss = Σ_k Pois(k; lam) U(n+k),
    # U(j) = P(Pois(t) >= j), downward. First the Chernoff bound on Pmiss.
    u = 2.0 * t / (n + math.sqrt(n * n + 4.0 * lam * t))
    if (1.0 / u - 1.0) * t + n * math.log(u) - lam * (1.0 - u) < -_L_MISS:
        return 1.0
    jhi = int(cst[4])
    jlo = int(cst[6])
    klo = _win_lo(lam, _L_MISS)
    khi = min(_win_hi(lam, _L_MISS), jhi - n)
    if khi < klo:
        return 1.0
    k, lw = _start_down(khi, lam)
    w = math.exp(lw)
    inv_t = 1.0 / t
    inv_lam = 1.0 / lam
    jp = jhi
    p = cst[5]
    tail = 0.0
    acc = 0.0
    while k >= klo:
        m = n + k
        while jp >= m and jp >= jlo:
            tail += p
            p *= jp * inv_t
            jp -= 1
        acc += w * tail
        w *= k * inv_lam
        k -= 1
    return max(1.0 - acc, 0.0)


@njit(cache=True)
def _series_s(m, x):
    """``Σ_n x^n / (m+1)_n`` for ``0 <= x < m+1``."""
    s = 1.0
    term = 1.0
    mp = m
    for _ in range(100000):
        mp += 1.0
        term *= x / mp
        s += term
        if term < s * _SERIES_EPS:
            break
    return s


@njit(cache=True)
def _pd_sw1(snr, n, t, cst):
    if n == 1:
        return math.exp(-t / (1.0 + snr))
    m = n - 1.0
    ns = n * snr
    c = ns / (1.0 + ns)
    x = t * c
    if x < m + 1.0:
        pd = cst[0] + math.exp(cst[1]) * _series_s(m, x)
    else:
        p, _ = _gammainc_pq(m, x)
        pd = cst[0] + math.exp(-t / (1.0 + ns) + m * math.log1p(1.0 / ns)) * p
    return min(pd, 1.0)


@njit(cache=True)
def _pd_sw2(snr, n, t):
    return _gammainc_pq(float(n), t / (1.0 + snr))[1]


@njit(cache=True)
def _pd_sw3(snr, n, t, cst):
    if n == 1:
        h = 0.5 * snr
        beta = 1.0 + h
        y = t / beta
        return math.exp(-y) * (1.0 + y * h / beta)
    h = 0.5 * n * snr
    beta = 1.0 + h
    if n == 2:
        y = t / beta
        return math.exp(-y) * (1.0 + y)
    m = n - 2.0
    c = h / beta
    x = t * c
    if x < m + 1.0:
        tb = t / beta
        s = 1.0 + tb / (m + 1.0)
        term = 1.0
        mp = m
        nn = 0.0
        for _ in range(100000):
            mp += 1.0
            nn += 1.0
            term *= x / mp
            inc = term * (1.0 + tb * (nn + 1.0) / (mp + 1.0))
            s += inc
            if inc < s * _SERIES_EPS:
                break
        pd = cst[0] + math.exp(cst[1]) * s
    else:
        p, _ = _gammainc_pq(m, x)
        dmx = math.exp(_log_dterm(m, x))
        pref = math.exp(-t / beta + m * math.log1p(1.0 / h))
        pd = cst[0] + pref * (p + ((x - m) * p + m * dmx) / h)
    return min(pd, 1.0)


@njit(cache=True)
def _pd_sw4(snr, n, t, pfa, cst, inv):
    if snr <= 0.0:
        return pfa
    h = 0.5 * snr
    beta = 1.0 + h
    p = 1.0 / beta
    q = h / beta
    y = t / beta
    tiny = cst[7]
    km = int(math.floor((n + 1.0) * p))
    if km > n:
        km = n
    a0 = 2 * n - km
    p0, q0 = _gammainc_pq(float(a0), y)
    d0 = math.exp(_log_dterm(float(a0), y))
    lw = math.lgamma(n + 1.0) - math.lgamma(km + 1.0) - math.lgamma(n - km + 1.0)
    if km > 0:
        lw += km * math.log(p)
    if n - km > 0:
        lw += (n - km) * math.log(q)
    w0 = math.exp(lw)
    sq = w0 * q0
    sp = w0 * p0
    # k decreasing from the mode: a = 2n-k increasing, Q(a+1) = Q(a) + D(a).
    w = w0
    qa = q0
    pa = p0
    da = d0
    a = a0
    k = km
    while k > 0:
        w *= k * inv[n - k + 1] * h
        k -= 1
        qa += da
        pa -= da
        if pa < 0.0:
            pa = 0.0
        a += 1
        da *= y * inv[a]
        sq += w * qa
        sp += w * pa
        if w * n < tiny:
            break
    # k increasing from the mode: a decreasing, P(a-1) = P(a) + D(a-1), D(a-1) = D(a) a / y.
    w = w0
    qa = q0
    pa = p0
    da = d0
    a = a0
    k = km
    r = 1.0 / h
    while k < n:
        w *= (n - k) * inv[k + 1] * r
        k += 1
        da *= a / y
        a -= 1
        pa += da
        qa -= da
        if qa < 0.0:
            qa = 0.0
        sq += w * qa
        sp += w * pa
        if w * n < tiny:
            break
    if sq < 0.5:
        return sq
    return max(1.0 - sp, 0.0)


@njit(cache=True)
def _pd_one(case, snr, n, t, pfa, cst, inv):
    if snr != snr:
        return math.nan
    if snr == math.inf:
        return 1.0
    if case == 0:
        return _pd_sw0(snr, n, t, pfa, cst, inv)
    if case == 1:
        return _pd_sw1(snr, n, t, cst)
    if case == 2:
        return _pd_sw2(snr, n, t)
    if case == 3:
        return _pd_sw3(snr, n, t, cst)
    return _pd_sw4(snr, n, t, pfa, cst, inv)


@njit(cache=True)
def _reciprocals(case, n, t, pfa):
    """Table of ``1/i`` large enough for every parameter set of the call."""
    nc, nn, nt, npf = case.shape[0], n.shape[0], t.shape[0], pfa.shape[0]
    tab = 1
    last_c, last_n, last_t, last_p = -1, -1, -1.0, -1.0
    for i in range(max(nc, nn, nt, npf)):
        ci, ni = case[min(i, nc - 1)], n[min(i, nn - 1)]
        ti, pi = t[min(i, nt - 1)], pfa[min(i, npf - 1)]
        if ci != last_c or ni != last_n or ti != last_t or pi != last_p:
            tab = max(tab, _table_size(ci, ni, _prepare(ci, ni, ti, pi)))
            last_c, last_n, last_t, last_p = ci, ni, ti, pi
    inv = np.empty(tab)
    inv[0] = math.inf
    for i in range(1, tab):
        inv[i] = 1.0 / i
    return inv


@njit(cache=True)
def _pd_kernel(snr_db, case, n, t, pfa, out):
    """Pd for every element; parameter arrays have length 1 or ``len(snr_db)``."""
    size = snr_db.shape[0]
    nc, nn, nt, npf = case.shape[0], n.shape[0], t.shape[0], pfa.shape[0]
    # The reciprocal table serves every parameter set of the call.
    inv = _reciprocals(case, n, t, pfa)
    last_c, last_n, last_t, last_p = -1, -1, -1.0, -1.0
    cst = np.zeros(8)
    for i in range(size):
        ci = case[i if nc > 1 else 0]
        ni = n[i if nn > 1 else 0]
        ti = t[i if nt > 1 else 0]
        pi = pfa[i if npf > 1 else 0]
        if ci != last_c or ni != last_n or ti != last_t or pi != last_p:
            cst = _prepare(ci, ni, ti, pi)
            last_c, last_n, last_t, last_p = ci, ni, ti, pi
        s = snr_db[i]
        snr = math.exp(s * _LN10_OVER_10) if s < 3000.0 else (math.inf if s > 0.0 else math.nan)
        out[i] = _pd_one(ci, snr, ni, ti, pi, cst, inv)


# --------------------------------------------------------------------------------------------
# Inversion
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _logit(p):
    if p <= 0.0:
        return -_LOGIT_CAP
    if p >= 1.0:
        return _LOGIT_CAP
    v = math.log(p) - math.log1p(-p)
    return min(max(v, -_LOGIT_CAP), _LOGIT_CAP)


@njit(cache=True)
def _g(s_db, target, case, n, t, pfa, cst, inv):
    snr = math.exp(s_db * _LN10_OVER_10)
    return _logit(_pd_one(case, snr, n, t, pfa, cst, inv)) - target


@njit(cache=True)
def _solve_one(target, case, n, t, pfa, cst, inv, xtol):
    """Brent's method on ``logit(Pd(s)) - logit(pd)`` over ``s`` [dB]; NaN when not bracketed."""
    a = -40.0
    b = 60.0
    fa = _g(a, target, case, n, t, pfa, cst, inv)
    while fa > 0.0 and a > -400.0:
        b, a = a, a - 60.0
        fa = _g(a, target, case, n, t, pfa, cst, inv)
    fb = _g(b, target, case, n, t, pfa, cst, inv)
    while fb < 0.0 and b < 400.0:
        a, fa = b, fb
        b += 60.0
        fb = _g(b, target, case, n, t, pfa, cst, inv)
    if fa > 0.0 or fb < 0.0:
        return math.nan
    c, fc = a, fa
    d = b - a
    e = d
    for _ in range(300):
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
            d = b - a
            e = d
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * _EPS * abs(b) + 0.5 * xtol
        xm = 0.5 * (c - b)
        if abs(xm) <= tol or fb == 0.0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                pp = 2.0 * xm * s
                qq = 1.0 - s
            else:
                qq = fa / fc
                r = fb / fc
                pp = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0))
                qq = (qq - 1.0) * (r - 1.0) * (s - 1.0)
            if pp > 0.0:
                qq = -qq
            pp = abs(pp)
            if 2.0 * pp < min(3.0 * xm * qq - abs(tol * qq), abs(e * qq)):
                e = d
                d = pp / qq
            else:
                d = xm
                e = d
        else:
            d = xm
            e = d
        a, fa = b, fb
        if abs(d) > tol:
            b += d
        else:
            b += tol if xm > 0.0 else -tol
        fb = _g(b, target, case, n, t, pfa, cst, inv)
    return b


@njit(cache=True)
def _snr_kernel(pd, case, n, t, pfa, out, xtol):
    size = pd.shape[0]
    nc, nn, nt, npf = case.shape[0], n.shape[0], t.shape[0], pfa.shape[0]
    inv = _reciprocals(case, n, t, pfa)
    last_c, last_n, last_t, last_p = -1, -1, -1.0, -1.0
    cst = np.zeros(8)
    for i in range(size):
        ci = case[i if nc > 1 else 0]
        ni = n[i if nn > 1 else 0]
        ti = t[i if nt > 1 else 0]
        pi = pfa[i if npf > 1 else 0]
        if ci != last_c or ni != last_n or ti != last_t or pi != last_p:
            cst = _prepare(ci, ni, ti, pi)
            last_c, last_n, last_t, last_p = ci, ni, ti, pi
        v = pd[i]
        if v != v:
            out[i] = math.nan
        else:
            out[i] = _solve_one(_logit(v), ci, ni, ti, pi, cst, inv, xtol)


@njit(cache=True)
def _threshold_kernel(n, pfa, t0, out):
    for i in range(n.shape[0]):
        out[i] = _refine_threshold(float(n[i]), pfa[i], t0[i])


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _as_float(name, value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or array of them; got {value!r}") from None
    return arr


def _check_pfa(pfa):
    arr = _as_float("pfa", pfa)
    bad = ~((arr > 0.0) & (arr < 1.0))
    if np.any(bad):
        raise ValueError(
            f"pfa (false-alarm probability) must lie strictly between 0 and 1; "
            f"got {arr[bad].flat[0]!r}"
        )
    return arr


def _check_n(n_pulses):
    arr = np.asarray(n_pulses)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"n_pulses must be an integer >= 1; got {n_pulses!r}")
    if np.issubdtype(arr.dtype, np.floating):
        if np.any(~np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"n_pulses must be an integer >= 1; got {n_pulses!r}")
    if np.any(arr < 1) or np.any(arr > 1_000_000):
        bad = arr[(arr < 1) | (arr > 1_000_000)].flat[0]
        raise ValueError(f"n_pulses must be an integer in [1, 1000000]; got {bad!r}")
    return arr.astype(np.int64)


def _check_swerling(swerling):
    arr = np.asarray(swerling)
    ok = arr.dtype != bool and np.issubdtype(arr.dtype, np.integer)
    if not ok and np.issubdtype(arr.dtype, np.floating):
        ok = bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    if not ok or np.any((arr < 0) | (arr > 4)):
        raise ValueError(f"swerling must be one of 0, 1, 2, 3, 4; got {swerling!r}")
    return arr.astype(np.int64)


def _flat(arr, shape):
    """Length-1 array for a value constant over ``shape``, else the broadcast flattened array."""
    if arr.size == 1:
        return np.ascontiguousarray(arr.reshape(1))
    return np.ascontiguousarray(np.broadcast_to(arr, shape).reshape(-1))


def _thresholds(n_flat, pfa_flat):
    """Thresholds for aligned flat arrays (both length 1, or both full)."""
    if n_flat.size == 1:
        un, up, inverse = n_flat, pfa_flat, None
    else:
        pairs = np.stack([n_flat.astype(float), pfa_flat], axis=1)
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        un, up = uniq[:, 0].astype(np.int64), uniq[:, 1]
    t0 = special.gammainccinv(un.astype(float), up)
    t = np.empty_like(t0)
    _threshold_kernel(un, up, t0, t)
    return t if inverse is None else t[inverse.reshape(-1)]


def _params(pfa, n_pulses, swerling, shape):
    pfa = _check_pfa(pfa)
    n = _check_n(n_pulses)
    sw = _check_swerling(swerling)
    full = np.broadcast_shapes(shape, pfa.shape, n.shape, sw.shape)
    if pfa.size == 1 and n.size == 1:
        pfa_f, n_f = pfa.reshape(1), n.reshape(1)
    else:
        pfa_f = np.ascontiguousarray(np.broadcast_to(pfa, full).reshape(-1))
        n_f = np.ascontiguousarray(np.broadcast_to(n, full).reshape(-1))
    return full, pfa_f, n_f, _flat(sw, full), _thresholds(n_f, pfa_f)


def threshold(pfa, n_pulses):
    """Detection threshold ``T`` of the integrated square-law statistic, noise-normalised.

    ``T`` solves ``Q(N, T) = Pfa`` (``scipy.special.gammainccinv``, polished by Newton steps on
    our own incomplete gamma function so that ``Pd(snr=0) = Pfa`` to rounding).

    Parameters
    ----------
    pfa : array_like
        False-alarm probability per detection decision, in (0, 1) [-].
    n_pulses : array_like of int
        Number of pulses integrated non-coherently, >= 1 [-].

    Returns
    -------
    numpy.ndarray or float
        Threshold in units of the per-pulse noise power [-].
    """
    pfa_a = _check_pfa(pfa)
    n = _check_n(n_pulses)
    shape = np.broadcast_shapes(pfa_a.shape, n.shape)
    n_f = np.ascontiguousarray(np.broadcast_to(n, shape).reshape(-1))
    p_f = np.ascontiguousarray(np.broadcast_to(pfa_a, shape).reshape(-1))
    t = _thresholds(n_f, p_f).reshape(shape)
    return float(t) if t.ndim == 0 else t


def detection_probability(snr_db, pfa, n_pulses, swerling):
    """Probability of detection of a Swerling 0-4 target, square-law detector, N pulses.

    Exact (to ~1e-14 relative): no approximation formula is involved; see the module
    docstring for the closed forms.

    Parameters
    ----------
    snr_db : array_like
        Per-pulse signal-to-noise ratio, averaged over the target fluctuation [dB].
        ``-inf`` gives ``Pd = Pfa``, ``+inf`` gives 1, NaN propagates.
    pfa : array_like
        False-alarm probability, in (0, 1) [-].
    n_pulses : array_like of int
        Pulses integrated non-coherently, >= 1 [-].
    swerling : array_like of int
        Swerling case 0 (steady), 1 (Rayleigh, scan-to-scan), 2 (Rayleigh, pulse-to-pulse),
        3 (chi-square 4 dof, scan-to-scan) or 4 (chi-square 4 dof, pulse-to-pulse) [-].

    All arguments broadcast against each other. The fast path is an array of SNRs with scalar
    ``pfa``, ``n_pulses`` and ``swerling``.

    Returns
    -------
    numpy.ndarray or float
        Probability of detection in [Pfa, 1] [-], of the broadcast shape (a float for scalars).

    Raises
    ------
    ValueError
        If ``pfa`` is outside (0, 1), ``n_pulses`` is not an integer >= 1, or ``swerling`` is
        not one of 0-4.
    """
    snr = _as_float("snr_db", snr_db)
    full, pfa_f, n_f, sw_f, t_f = _params(pfa, n_pulses, swerling, snr.shape)
    snr_f = np.ascontiguousarray(np.broadcast_to(snr, full).reshape(-1))
    out = np.empty(snr_f.shape[0])
    _pd_kernel(snr_f, sw_f, n_f, t_f, pfa_f, out)
    out = out.reshape(full)
    return float(out) if out.ndim == 0 else out


def required_snr(pd, pfa, n_pulses, swerling):
    """Per-pulse SNR at which a Swerling 0-4 target is detected with probability ``pd``.

    The exact inverse of :func:`detection_probability` in ``snr_db``: Brent's method on
    ``logit(Pd)`` against SNR [dB], to 1e-9 dB.

    Parameters
    ----------
    pd : array_like
        Wanted probability of detection, in (pfa, 1) [-]; NaN gives NaN.
    pfa, n_pulses, swerling : array_like
        As in :func:`detection_probability`. All arguments broadcast.

    Returns
    -------
    numpy.ndarray or float
        Per-pulse SNR averaged over the fluctuation [dB].

    Raises
    ------
    ValueError
        As :func:`detection_probability`, and if ``pd`` is not strictly between ``pfa`` and 1.
    """
    pd_a = _as_float("pd", pd)
    pfa_a = _check_pfa(pfa)
    bad = (pd_a <= pfa_a) | (pd_a >= 1.0)  # NaN passes through to a NaN result
    if np.any(bad):
        raise ValueError(
            "pd (detection probability) must lie strictly between pfa and 1; got "
            f"pd={np.broadcast_to(pd_a, bad.shape)[bad].flat[0]!r} with "
            f"pfa={np.broadcast_to(pfa_a, bad.shape)[bad].flat[0]!r}"
        )
    full, pfa_f, n_f, sw_f, t_f = _params(pfa_a, n_pulses, swerling, pd_a.shape)
    pd_f = np.ascontiguousarray(np.broadcast_to(pd_a, full).reshape(-1))
    out = np.empty(pd_f.shape[0])
    _snr_kernel(pd_f, sw_f, n_f, t_f, pfa_f, out, 1e-9)
    if np.any(np.isnan(out) & ~np.isnan(pd_f)):
        raise ValueError("pd is too close to 1 to reach within 400 dB of SNR")
    out = out.reshape(full)
    return float(out) if out.ndim == 0 else out

