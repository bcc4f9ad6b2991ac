"""Coefficients of vecmath.h's exp polynomial: e^r ~ 1 + r + r^2 q(r) on |r| <= ln2/(2 * TABLE)
(TABLE = the number of entries of the 2^(j/TABLE) table; 8, and q of degree 1, in vecmath.h), fitted for the least maximum relative error of e^r by Lawson's iteratively reweighted least
squares on Chebyshev points (which converges to the minimax fit). Prints q's coefficients, highest
first, as float literals, and the fit's maximum relative error in float64 and with the coefficients
rounded to float32.

    /usr/bin/python3 jit/tools/fit_exp_poly.py [DEGREE_OF_Q [TABLE]]
"""
import sys

import numpy as np


def fit(q_degree, table, points=4001, rounds=300):
    a = np.log(2) / (2 * table)
    r = np.cos(np.linspace(0, np.pi, points)) * a
    r = r[np.abs(r) > 1e-9]
    target = (np.exp(r) - 1 - r) / r**2  # what q must equal
    weight = r**2 / np.exp(r)  # an error e in q is a relative error e * weight in e^r
    basis = np.vander(r, q_degree + 1, increasing=True)
    lawson = np.ones_like(r)
    for _ in range(rounds):
        w = np.sqrt(lawson) * weight
        c, *_ = np.linalg.lstsq(basis * w[:, None], target * w, rcond=None)
        err = np.abs((basis @ c - target) * weight)
        lawson *= err
        lawson /= lawson.sum()
    c32 = c.astype(np.float32).astype(np.float64)
    return c[::-1], err.max(), np.abs((basis @ c32 - target) * weight).max()


def main():
    args = [int(a) for a in sys.argv[1:]]
    coeffs, err, err32 = fit(args[0] if args else 1, args[1] if len(args) > 1 else 8)
    print("{" + ", ".join(f"{c:.10e}f" for c in coeffs) + "}")
    print(f"max relative error {err:.3g} (float64 coefficients), {err32:.3g} (float32)")


if __name__ == "__main__":
    main()
