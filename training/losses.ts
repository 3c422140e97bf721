/**
 * Mean binary log loss straight from logits, log(1 + e^z) - y z computed stably: early stopping
 * reads it every epoch, and going through probabilities would lose precision at large |z|.
 * (Log loss of probabilities is `logloss` in src/domain/metrics.ts.)
 */
export function loglossFromLogits(y: ArrayLike<number>, z: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.max(z[i], 0) - z[i] * y[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
  return s / y.length;
}
