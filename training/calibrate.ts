/** Platt scaling fitted by Newton's method on validation logits (two parameters, converges in a few steps). */
import { sigmoid } from '../src/domain/scoring.js';

export function fitPlatt(z: ArrayLike<number>, y: ArrayLike<number>): { method: 'platt'; a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0,
      gb = 0,
      haa = 0,
      hab = 0,
      hbb = 0;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i] + b);
      const r = p - y[i];
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * z[i];
      gb += r;
      haa += w * z[i] * z[i];
      hab += w * z[i];
      hbb += w;
    }
    // Tiny ridge keeps the 2x2 Hessian invertible on separable validation data.
    haa += 1e-9;
    hbb += 1e-9;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { method: 'platt', a, b };
}

/**
 * Stretches a Platt map fitted on single-network out-of-fold logits so it suits the average of K
 * fold networks. Averaging shrinks each network's own noise (variance tau2 in the network logit,
 * weight w in the blend) by K, so the averaged logits spread less than the out-of-fold ones the
 * map was fitted on, and the map would leave the PDs under-confident (regression dilution run
 * backwards). With S the variance of the blended out-of-fold logits, the slope grows by
 * c = S / (S - w^2 tau2 (1 - 1/K)). The intercept is then solved so that the average PD stays what
 * the out-of-fold fit gives (the observed default rate) on logits spread as the average's are: the
 * out-of-fold logits pulled toward their mean by sqrt(1 - noise / S).
 * tau2 is estimated from how much the networks disagree on rows they all trained on, which
 * understates their disagreement on new rows: the correction errs small, never large.
 */
export function averagingCorrection(
  cal: { a: number; b: number },
  oofBlend: ArrayLike<number>,
  tau2: number,
  w: number,
  k: number,
): { a: number; b: number; stretch: number } {
  const n = oofBlend.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += oofBlend[i];
  m /= n;
  let S = 0;
  for (let i = 0; i < n; i++) S += (oofBlend[i] - m) ** 2;
  S /= n - 1;
  // Guard rails: no correction without a measurable spread, and never more than half the variance.
  const noise = S > 0 && tau2 > 0 ? Math.min(w * w * tau2 * (1 - 1 / k), S / 2) : 0;
  if (noise === 0) return { a: cal.a, b: cal.b, stretch: 1 };
  const stretch = S / (S - noise);
  const a = cal.a * stretch;
  const shrink = Math.sqrt(1 - noise / S);
  let target = 0;
  for (let i = 0; i < n; i++) target += sigmoid(cal.a * oofBlend[i] + cal.b);
  target /= n;
  // Mean PD is increasing in b: bisect.
  const meanPd = (b: number) => {
    let t = 0;
    for (let i = 0; i < n; i++) t += sigmoid(a * (m + (oofBlend[i] - m) * shrink) + b);
    return t / n;
  };
  let lo = cal.b - 10;
  let hi = cal.b + 10;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (meanPd(mid) < target) lo = mid;
    else hi = mid;
  }
  return { a, b: (lo + hi) / 2, stretch };
}
