// Adapts a teacher loaded from a model.json to the run's data: checks its input and output
// shapes, reshapes flat inputs to its input shape, and turns a final softmax into logits.

import * as tf from '@tensorflow/tfjs';

import { ModelLoadError } from './modelIo';
import type { InputDescription } from './build';

export interface LoadedTeacher {
  model: tf.LayersModel;
  predict: (inputs: tf.Tensor2D) => tf.Tensor2D;
  /** True when the model ended in a softmax that was replaced by the identity. */
  removedSoftmax: boolean;
}

function describeShape(shape: (number | null)[]): string {
  return `[${shape.map((value) => (value === null ? 'batch' : String(value))).join(', ')}]`;
}

/**
 * Replaces the activation of the last layer by the identity when it is a softmax, because soft
 * targets need logits. Dense and Activation layers keep their activation function in the
 * `activation` field in tfjs-layers 4.22; that field is not part of the public API.
 */
function removeFinalSoftmax(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const config = last.getConfig() as { activation?: string };
  if (config.activation !== 'softmax') {
    return false;
  }
  const identity = tf.layers.activation({ activation: 'linear' }) as unknown as { activation: unknown };
  (last as unknown as { activation: unknown }).activation = identity.activation;
  return true;
}

/**
 * Checks a loaded model against the data and wraps it as a teacher. `subject` names it in errors,
 * e.g. `The teacher` or `The ensemble member "b"`.
 */
export function prepareLoadedTeacher(model: tf.LayersModel, modelPath: string, input: InputDescription, subject = 'The teacher'): LoadedTeacher {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ModelLoadError(
      `${subject} ${modelPath} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a teacher needs exactly one of each.`,
    );
  }

  const inputShape = model.inputs[0].shape;
  const exampleShape = inputShape.slice(1);
  const inputSize = exampleShape.reduce<number>((product, value) => product * (value ?? NaN), 1);
  if (inputSize !== input.features) {
    throw new ModelLoadError(
      `${subject} ${modelPath} takes inputs of shape ${describeShape(inputShape)} (${inputSize} values an example), ` +
        `but the data has ${input.features} features of shape [${input.shape.join(', ')}]. Load a teacher trained on this data, or change "data".`,
    );
  }

  const outputShape = model.outputs[0].shape;
  const outputSize = outputShape[outputShape.length - 1];
  if (outputShape.length !== 2 || outputSize !== input.classes) {
    throw new ModelLoadError(
      `${subject} ${modelPath} returns outputs of shape ${describeShape(outputShape)}, but the data has ${input.classes} classes; ` +
        `its last layer must have ${input.classes} units. Load a model trained on this data, or change "data".`,
    );
  }

  const removedSoftmax = removeFinalSoftmax(model);
  const targetShape = [-1, ...(exampleShape as number[])];
  const predict = (inputs: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const shaped = exampleShape.length === 1 ? inputs : tf.reshape(inputs, targetShape);
      return model.predict(shaped) as tf.Tensor2D;
    });
  return { model, predict, removedSoftmax };
}
