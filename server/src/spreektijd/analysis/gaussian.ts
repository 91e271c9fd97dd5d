/**
 * Full-covariance Gaussians over feature rows (d ≤ ~40): Cholesky factors, log-determinants and
 * log-likelihoods, from sufficient statistics so windows can be slid with prefix sums.
 */

/** Lower-triangular Cholesky factor of a symmetric d×d matrix (row-major), or null if not positive definite. */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (s <= 0) return null;
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j]!;
    }
  }
  return l;
}

const logDetOf = (l: Float64Array, d: number): number => {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
};

/**
 * log |Σ| of the covariance of n rows given their sum and sum of outer products, with a small
 * ridge so that short or flat stretches stay well defined. NaN if it still is not.
 */
export function logDetFromStats(n: number, sum: Float64Array, outer: Float64Array, d: number, ridge = 1e-3): number {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) c[i * d + j] = outer[i * d + j]! / n - (sum[i]! / n) * (sum[j]! / n);
    c[i * d + i]! += ridge;
  }
  const l = cholesky(c, d);
  return l ? logDetOf(l, d) : NaN;
}

export interface Gaussian {
  d: number;
  mean: Float64Array;
  /** Cholesky factor of the covariance. */
  factor: Float64Array;
  /** Everything of the log-density except the Mahalanobis term. */
  constant: number;
}

/** Fits a Gaussian to rows `rows` of the row-major matrix `x` (n × d); null with too few rows. */
export function fitGaussian(x: Float32Array, d: number, rows: ArrayLike<number>, ridge = 1e-2): Gaussian | null {
  const n = rows.length;
  if (n <= 2 * d) return null;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = rows[r]! * d;
    for (let i = 0; i < d; i++) mean[i]! += x[o + i]!;
  }
  for (let i = 0; i < d; i++) mean[i]! /= n;
  const cov = new Float64Array(d * d);
  const v = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = rows[r]! * d;
    for (let i = 0; i < d; i++) v[i] = x[o + i]! - mean[i]!;
    for (let i = 0; i < d; i++) {
      const vi = v[i]!;
      for (let j = 0; j <= i; j++) cov[i * d + j]! += vi * v[j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      cov[i * d + j]! /= n;
      cov[j * d + i] = cov[i * d + j]!;
    }
    cov[i * d + i]! += ridge;
  }
  const factor = cholesky(cov, d);
  if (!factor) return null;
  return { d, mean, factor, constant: -0.5 * (logDetOf(factor, d) + d * Math.log(2 * Math.PI)) };
}

/** log N(row | g) for row `row` of `x`; `scratch` has length ≥ d. */
export function logDensity(g: Gaussian, x: Float32Array, row: number, scratch: Float64Array): number {
  const { d, mean, factor } = g;
  const o = row * d;
  let q = 0;
  for (let i = 0; i < d; i++) {
    let s = x[o + i]! - mean[i]!;
    const base = i * d;
    for (let k = 0; k < i; k++) s -= factor[base + k]! * scratch[k]!;
    const z = s / factor[base + i]!;
    scratch[i] = z;
    q += z * z;
  }
  return g.constant - 0.5 * q;
}
