// Softened distributions and the comparisons of the results view. No DOM use, so node's test
// runner checks these functions directly.

/** Lowest and highest temperature on the webview's slider. */
export const minTemperature = 0.5;
export const maxTemperature = 50;

/** Positions of the temperature slider, from 0 to this number; the slider is log-scaled. */
export const temperatureSliderSteps = 1000;

/** Returns softmax(logits[offset .. offset + classes) / T), computed in float64 with the max subtracted. */
export function softmaxAt(logits: ArrayLike<number>, offset: number, classes: number, temperature: number): Float64Array {
  const result = new Float64Array(classes);
  let max = -Infinity;
  for (let k = 0; k < classes; k += 1) {
    max = Math.max(max, logits[offset + k] / temperature);
  }

  let sum = 0;
  for (let k = 0; k < classes; k += 1) {
    result[k] = Math.exp(logits[offset + k] / temperature - max);
    sum += result[k];
  }
  for (let k = 0; k < classes; k += 1) {
    result[k] /= sum;
  }
  return result;
}

/** Shannon entropy of a distribution, in bits; terms with p = 0 count as 0. */
export function entropyBits(distribution: ArrayLike<number>): number {
  let entropy = 0;
  for (let k = 0; k < distribution.length; k += 1) {
    const p = distribution[k];
    if (p > 0) {
      entropy -= p * Math.log2(p);
    }
  }
  return entropy;
}

export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let k = 1; k < length; k += 1) {
    if (values[offset + k] > values[offset + best]) {
      best = k;
    }
  }
  return best;
}

export interface MeanSoftened {
  /** means[trueClass][class]; a row of zeros for a class without examples. */
  means: number[][];
  /** Examples per true class. */
  counts: number[];
}

/** Mean of softmax(logits / T) over the examples of each true class, as the engine computes it for the summary. */
export function meanSoftenedByClass(logits: ArrayLike<number>, labels: ArrayLike<number>, count: number, classes: number, temperature: number): MeanSoftened {
  const sums = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i += 1) {
    const label = labels[i];
    if (label < 0 || label >= classes) {
      continue;
    }
    const distribution = softmaxAt(logits, i * classes, classes, temperature);
    counts[label] += 1;
    for (let k = 0; k < classes; k += 1) {
      sums[label][k] += distribution[k];
    }
  }

  const means = sums.map((row, label) => row.map((value) => (counts[label] === 0 ? 0 : value / counts[label])));
  return { means, counts };
}

/**
 * Share of the teacher–baseline gap that distillation recovered:
 * (baseline errors − distilled errors) / (baseline errors − teacher errors).
 * Returns null when the teacher is not better than the baseline, where the share has no meaning.
 * The result is above 1 when the distilled student beats the teacher, and negative when it is
 * worse than the baseline.
 */
export function gapRecovered(teacherErrors: number, distilledErrors: number, baselineErrors: number): number | null {
  const gap = baselineErrors - teacherErrors;
  if (!(gap > 0)) {
    return null;
  }
  return (baselineErrors - distilledErrors) / gap;
}

/** Teacher parameters per student parameter; null when either count is missing or zero. */
export function compressionRatio(teacherParameters: number | undefined, studentParameters: number | undefined): number | null {
  if (teacherParameters === undefined || studentParameters === undefined || !(teacherParameters > 0) || !(studentParameters > 0)) {
    return null;
  }
  return teacherParameters / studentParameters;
}

/** Maps a slider position (0 … temperatureSliderSteps) to a temperature on a log scale. */
export function sliderToTemperature(position: number): number {
  const fraction = Math.min(1, Math.max(0, position / temperatureSliderSteps));
  return minTemperature * Math.pow(maxTemperature / minTemperature, fraction);
}

/** Maps a temperature to the nearest slider position. */
export function temperatureToSlider(temperature: number): number {
  const clamped = Math.min(maxTemperature, Math.max(minTemperature, temperature));
  const fraction = Math.log(clamped / minTemperature) / Math.log(maxTemperature / minTemperature);
  return Math.round(fraction * temperatureSliderSteps);
}

/**
 * Returns the temperature of a slider position, or `runTemperature` exactly when the position is
 * the one nearest to it, so that the user can land on the run's own temperature by dragging.
 */
export function snappedTemperature(position: number, runTemperature: number | undefined): number {
  if (runTemperature !== undefined && temperatureToSlider(runTemperature) === Math.round(position)) {
    return runTemperature;
  }
  return sliderToTemperature(position);
}
