// Adam that updates each variable with one kernel where ADAM_UPDATE runs its SIMD loop (the
// threaded wasm build), and with tfjs's AdamOptimizer code elsewhere.

import * as tf from '@tensorflow/tfjs';

import { ADAM_UPDATE, hasSimdAdamUpdate, type AdamUpdateAttrs } from './kernels/adamUpdate';

interface Moments {
  first: tf.Variable;
  second: tf.Variable;
}

/**
 * AdamOptimizer with the same defaults and the same float32 results, whose step runs one
 * ADAM_UPDATE kernel a variable. The backend active at construction decides the path for the
 * optimizer's whole life, so the moments never move between the two implementations.
 *
 * NOTE: getWeights and setWeights save and restore the moments of tfjs's path only; the trainer
 * never saves optimizer state.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  private readonly fused: boolean;
  private readonly moments = new Map<string, Moments>();
  /** β1^t and β2^t after the last step, in float32 as AdamOptimizer's accBeta variables are. */
  private accumulatedBeta1: number;
  private accumulatedBeta2: number;

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999) {
    super(learningRate, beta1, beta2);
    this.fused = tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined && hasSimdAdamUpdate(tf.backend());
    this.accumulatedBeta1 = Math.fround(beta1);
    this.accumulatedBeta2 = Math.fround(beta2);
  }

  /** True when the steps run the fused kernel. */
  get isFused(): boolean {
    return this.fused;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!this.fused) {
      super.applyGradients(variableGradients);
      return;
    }

    const gradients: { name: string; tensor: tf.Tensor | null }[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const attrs: AdamUpdateAttrs = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      firstCorrection: Math.fround(1 - this.accumulatedBeta1),
      secondCorrection: Math.fround(1 - this.accumulatedBeta2),
    };

    tf.tidy(() => {
      for (const { name, tensor: gradient } of gradients) {
        if (gradient == null) {
          continue;
        }
        const value = tf.engine().registeredVariables[name];
        const moments = this.momentsOf(name, value);
        const [newValue, newFirst, newSecond] = tf.engine().runKernel(
          ADAM_UPDATE,
          { value, firstMoment: moments.first, secondMoment: moments.second, gradient },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
        value.assign(newValue);
        moments.first.assign(newFirst);
        moments.second.assign(newSecond);
      }
    });
    this.accumulatedBeta1 = Math.fround(this.accumulatedBeta1 * Math.fround(this.beta1));
    this.accumulatedBeta2 = Math.fround(this.accumulatedBeta2 * Math.fround(this.beta2));
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const { first, second } of this.moments.values()) {
      first.dispose();
      second.dispose();
    }
    this.moments.clear();
  }

  private momentsOf(name: string, value: tf.Variable): Moments {
    let moments = this.moments.get(name);
    if (moments === undefined) {
      moments = tf.tidy(() => ({ first: tf.zerosLike(value).variable(false), second: tf.zerosLike(value).variable(false) }));
      this.moments.set(name, moments);
    }
    return moments;
  }
}
