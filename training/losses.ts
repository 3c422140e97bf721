/** Mean binary log loss; `fromLogits` takes raw logits instead of probabilities. */
export function logloss(y: ArrayLike<number>, v: ArrayLike<number>, fromLogits = false): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    if (fromLogits) {
      // log(1 + e^z) - y z, computed stably
      const z = v[i];
      s += Math.max(z, 0) - z * y[i] + Math.log1p(Math.exp(-Math.abs(z)));
    } else {
      const p = Math.min(Math.max(v[i], 1e-15), 1 - 1e-15);
      s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
    }
  }
  return s / y.length;
}
