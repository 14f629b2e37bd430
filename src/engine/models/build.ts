// Builds tf.LayersModel instances from model specs. Every model takes flat feature vectors and
// returns logits (no softmax), so the same code serves soft targets at any temperature.

import * as tf from '@tensorflow/tfjs';

import type { CnnSpec, MlpSpec, ModelSpec } from '../../config/types';

export interface InputDescription {
  features: number;
  /** Image shape [height, width, channels]; CNNs reshape the flat input to it. */
  shape: [number, number, number];
  classes: number;
}

/** Derives a distinct initialiser seed for each layer from the model's seed. */
function layerSeed(seed: number, index: number): number {
  return (seed * 7919 + index * 104729) % 2147483647;
}

function buildMlp(spec: MlpSpec, input: InputDescription, seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [input.features] }));
  if (spec.inputDropout > 0) {
    model.add(tf.layers.dropout({ rate: spec.inputDropout }));
  }

  spec.hidden.forEach((units, index) => {
    model.add(
      tf.layers.dense({
        units,
        activation: spec.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, index) }),
        kernelConstraint: spec.maxNorm === undefined ? undefined : tf.constraints.maxNorm({ maxValue: spec.maxNorm, axis: 0 }),
      }),
    );
    if (spec.dropout > 0) {
      model.add(tf.layers.dropout({ rate: spec.dropout }));
    }
  });

  model.add(
    tf.layers.dense({
      units: input.classes,
      activation: 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, spec.hidden.length) }),
      name: 'logits',
    }),
  );
  return model;
}

function buildCnn(spec: CnnSpec, input: InputDescription, seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [input.features] }));
  model.add(tf.layers.reshape({ targetShape: input.shape }));

  let flattened = false;
  spec.layers.forEach((layer, index) => {
    const kernelInitializer = tf.initializers.glorotUniform({ seed: layerSeed(seed, index) });
    switch (layer.type) {
      case 'conv':
        if (flattened) {
          throw new Error(`model.layers[${index}]: a conv layer cannot follow a dense layer; put conv and maxPool layers first.`);
        }
        model.add(
          tf.layers.conv2d({
            filters: layer.filters,
            kernelSize: layer.kernelSize,
            strides: layer.strides,
            padding: layer.padding,
            activation: layer.activation,
            kernelInitializer,
          }),
        );
        break;
      case 'maxPool':
        if (flattened) {
          throw new Error(`model.layers[${index}]: a maxPool layer cannot follow a dense layer; put conv and maxPool layers first.`);
        }
        model.add(tf.layers.maxPooling2d({ poolSize: layer.poolSize, strides: layer.strides ?? layer.poolSize }));
        break;
      case 'dense':
        if (!flattened) {
          model.add(tf.layers.flatten());
          flattened = true;
        }
        model.add(tf.layers.dense({ units: layer.units, activation: layer.activation, kernelInitializer }));
        break;
      case 'dropout':
        model.add(tf.layers.dropout({ rate: layer.rate }));
        break;
    }
  });

  if (!flattened) {
    model.add(tf.layers.flatten());
  }
  model.add(
    tf.layers.dense({
      units: input.classes,
      activation: 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, spec.layers.length) }),
      name: 'logits',
    }),
  );
  return model;
}

/** Builds a model whose weights depend only on the spec, the input and the seed. */
export function buildModel(spec: ModelSpec, input: InputDescription, seed: number): tf.Sequential {
  return spec.type === 'mlp' ? buildMlp(spec, input, seed) : buildCnn(spec, input, seed);
}

export function countParameters(model: tf.LayersModel): number {
  return model.countParams();
}

function isDropoutLayer(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'Dropout';
}

/**
 * Runs the model layer by layer. In training mode each dropout layer draws its mask from
 * `dropoutSeed` and its position, so a run with the same seed repeats exactly. We do not seed
 * tfjs's own Dropout layer because, given a seed, it would reuse one fixed mask at every step.
 */
export function forward(model: tf.LayersModel, inputs: tf.Tensor, training: boolean, dropoutSeed = 0): tf.Tensor2D {
  let activations = inputs;
  model.layers.forEach((layer, index) => {
    if (layer.getClassName() === 'InputLayer') {
      return;
    }
    if (isDropoutLayer(layer)) {
      const rate = (layer.getConfig() as { rate: number }).rate;
      if (training && rate > 0) {
        // TODO: tf.dropout draws its uniform numbers in JavaScript on the main thread, about 4 ms of
        // the 784-1200-1200 MLP's 55 ms step on 2 wasm threads. The generator itself (seedrandom's
        // alea) takes 1.0 of the 1.3 ms of a 128 x 1200 mask, so only a worker thread drawing the
        // next step's numbers from the same seeds would save that time and keep the masks.
        activations = tf.dropout(activations, rate, undefined, dropoutSeed + index);
      }
      return;
    }
    activations = layer.apply(activations) as tf.Tensor;
  });
  return activations as tf.Tensor2D;
}

/**
 * Applies each layer's kernel constraint (max-norm) to its current weights. The trainer calls it
 * after every optimizer step, because a custom training loop bypasses model.fit, which would.
 */
export function applyConstraints(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const constraint = (layer as unknown as { kernelConstraint?: { apply(weights: tf.Tensor): tf.Tensor } | null }).kernelConstraint;
    if (constraint === undefined || constraint === null) {
      continue;
    }
    const kernel = layer.trainableWeights.find((weight) => weight.name.endsWith('kernel'));
    if (kernel === undefined) {
      continue;
    }
    const variable = kernel.read() as tf.Variable;
    tf.tidy(() => {
      variable.assign(constraint.apply(variable));
    });
  }
}

/** Returns the trainable tf.Variables of a model, for optimizer.minimize. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** Copies every weight of `source` into `target`; both must have the same architecture. */
export function copyWeights(source: tf.LayersModel, target: tf.LayersModel): void {
  const weights = source.getWeights().map((weight) => weight.clone());
  target.setWeights(weights);
  weights.forEach((weight) => weight.dispose());
}
