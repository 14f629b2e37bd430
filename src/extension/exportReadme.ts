// The README.md written beside an exported model: what the model expects as input and what it
// returns. No `vscode` import.

import type { DistillConfig, ModelRole } from '../config/types';
import type { ModelEvaluation } from '../protocol/messages';
import { formatCount, formatNumber, formatPercent, roleLabel, type Localizer } from './format';

export interface ExportReadmeInput {
  runId: string;
  configName: string;
  role: ModelRole;
  /** The model's name for the title, "Teacher a" or "Distilled student, bias-adjusted"; the role's label when absent. */
  modelLabel?: string;
  /** The resolved config of the run, from its config.json. */
  config?: DistillConfig;
  /** Shape of the model's input with `null` for the batch size, from model.json. */
  inputShape?: (number | null)[];
  classes?: number;
  evaluation?: ModelEvaluation;
}

/**
 * Reads the input shape from a TensorFlow.js layers model.json: the `batch_input_shape` of the
 * first layer, which the project's models always give. Returns undefined for another layout.
 */
export function readModelInputShape(modelJson: unknown): (number | null)[] | undefined {
  const topology = (modelJson as { modelTopology?: unknown } | undefined)?.modelTopology as
    | { model_config?: unknown; config?: unknown }
    | undefined;
  // Keras saves `{ model_config: { config } }`; TensorFlow.js saves `{ class_name, config }`.
  const modelConfig = (topology?.model_config as { config?: unknown } | undefined)?.config ?? topology?.config;
  const layers = (modelConfig as { layers?: unknown } | undefined)?.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    return undefined;
  }
  const shape = (layers[0] as { config?: { batch_input_shape?: unknown } }).config?.batch_input_shape;
  if (!Array.isArray(shape) || !shape.every((size) => size === null || typeof size === 'number')) {
    return undefined;
  }
  return shape as (number | null)[];
}

function normalizationText(config: DistillConfig | undefined, l10n: Localizer): string {
  switch (config?.data.normalization) {
    case 'unit':
      return l10n.t('Divide every input value by 255, so pixel bytes 0–255 become 0–1, as in training.');
    case 'standard':
      return l10n.t(
        "Standardize every feature with the mean and standard deviation of this run's training split (without the validation examples). The run folder does not store these statistics: compute them again from the same training data.",
      );
    case 'none':
      return l10n.t('None: feed the values exactly as they are in the data files.');
    default:
      return l10n.t('Unknown: config.json of the run could not be read.');
  }
}

function dataText(config: DistillConfig | undefined, l10n: Localizer): string {
  switch (config?.data.source) {
    case 'mnist':
      return l10n.t('MNIST, 28×28 grey-level images flattened row by row into 784 values.');
    case 'idx':
      return l10n.t('IDX files: {0}', config.data.train.images);
    case 'csv':
      return l10n.t('CSV files: {0}', config.data.train);
    default:
      return l10n.t('unknown');
  }
}

/** Renders README.md for an exported model. */
export function renderExportReadme(input: ExportReadmeInput, l10n: Localizer): string {
  const { config, evaluation } = input;
  const shape = input.inputShape === undefined ? l10n.t('unknown') : `[${input.inputShape.map((size) => (size === null ? 'batch' : String(size))).join(', ')}]`;
  const classes = input.classes === undefined ? l10n.t('unknown') : l10n.t('{0} classes, labelled 0 to {1}', input.classes, input.classes - 1);
  const exampleShape = ['count', ...(input.inputShape?.slice(1).map(String) ?? ['features'])].join(', ');
  const temperature = config === undefined ? undefined : formatNumber(config.distillation.temperature, l10n);

  const lines = [
    `# ${input.modelLabel ?? roleLabel(input.role, l10n)} · ${input.configName}`,
    '',
    l10n.t('Exported from the Distill Lab run {0}. A TensorFlow.js layers model: model.json with its weight files.', input.runId),
    '',
    `## ${l10n.t('Input')}`,
    '',
    `- ${l10n.t('Shape')}: \`${shape}\`, float32`,
    `- ${l10n.t('Data')}: ${dataText(config, l10n)}`,
    `- ${l10n.t('Normalization')}: ${normalizationText(config, l10n)}`,
    '',
    `## ${l10n.t('Output')}`,
    '',
    `- ${l10n.t('Classes')}: ${classes}`,
    `- ${l10n.t('The outputs are logits, not probabilities: apply softmax to get class probabilities, and argmax to get the predicted class.')}`,
  ];
  if (temperature !== undefined && input.role !== 'baseline') {
    lines.push(`- ${l10n.t('The soft targets of training were softmax(logits / T) with T = {0}. At inference use T = 1.', temperature)}`);
  }
  if (evaluation !== undefined) {
    lines.push(
      '',
      `## ${l10n.t('Test results')}`,
      '',
      `- ${l10n.t('Accuracy')}: ${formatPercent(evaluation.accuracy, l10n)}`,
      `- ${l10n.t('Errors')}: ${l10n.t('{0} of {1}', formatCount(evaluation.errors, l10n), formatCount(evaluation.examples, l10n))}`,
      `- ${l10n.t('Parameters')}: ${formatCount(evaluation.parameters, l10n)}`,
    );
  }
  lines.push(
    '',
    `## ${l10n.t('Loading')}`,
    '',
    '```js',
    "// file:// URLs need @tensorflow/tfjs-node; in a browser, load @tensorflow/tfjs from an http(s) URL.",
    "const tf = require('@tensorflow/tfjs-node');",
    "const model = await tf.loadLayersModel('file:///path/to/model.json');",
    `const logits = model.predict(tf.tensor(inputs, [${exampleShape}]));`,
    '```',
    '',
  );
  return lines.join('\n');
}
