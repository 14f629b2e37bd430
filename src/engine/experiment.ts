// One distillation experiment, from a start request to a summary. It validates the config, picks
// the backend, loads the data and gets a teacher (trained, loaded, or an ensemble of such members).
// Then it trains the distilled student and the baseline from the same initial weights, evaluates
// all three models, optionally adjusts the student's output biases for omitted classes, and writes
// the run folder.

import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { checkConfigText } from '../config/parse';
import { ConfigError } from '../config/problems';
import type { BackendChoice, DistillConfig, ModelRole, TeacherMemberConfig, TrainedModelConfig } from '../config/types';
import { childConfig } from '../config/sweep';
import type { ModelEvaluation, RunPhase, RunStartRequest, RunSummary, SweepMembership, WorkerEvent } from '../protocol/messages';
import { selectBackend, type SelectedBackend } from './backend';
import { BackendUnavailableError, locateDataError } from './inputErrors';
import { applyBiasOffsets, classErrorsWithOffsets, searchBiasOffsets } from './biasAdjustment';
import { loadDataset, loadTransferSource, selectTransferSet, type Dataset, type Split } from './data/dataset';
import { combineMemberLogits, ensemblePredict } from './ensemble';
import { evaluateModel, predictLogits, type LogitsFunction, type PrecomputedLogits } from './evaluate';
import { buildModel, copyWeights, forward, type InputDescription } from './models/build';
import { loadModel, saveModel } from './models/modelIo';
import { prepareLoadedTeacher, type LoadedTeacher } from './models/loadedTeacher';
import { RunStore } from './runStore';
import { readSharedStage, sharedStageDir, writeTransferLogits, type SharedStage, type TransferLogits } from './sweep/sharedStage';
import { CancelledError, trainModel } from './trainer';

/** Formats a count with thousands separators, "669,706", as the CLI table and the panels do. */
function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export interface ExperimentHooks {
  /** Receives every event, after it is appended to events.jsonl. */
  emit: (event: WorkerEvent) => void;
  /** Polled between batches; true stops the run as cancelled. */
  shouldStop: () => boolean;
}

const backendChoices: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/**
 * The part of a sweep a run is. The shared stage trains the teacher and the baseline and stores
 * the teacher's transfer-set logits; a child trains only the distilled student from them.
 */
type SweepPart = { stage: 'shared' } | { stage: 'child'; membership: SweepMembership; shared: SharedStage };

/** Parses and checks the request's config; throws ConfigError with every located problem. */
export function resolveRequestConfig(request: RunStartRequest, warn: (message: string) => void): DistillConfig {
  const { config, problems: all } = checkConfigText(request.configText, request.configPath);
  const errors = all.filter((problem) => problem.severity === 'error');
  if (config === undefined || errors.length > 0) {
    throw new ConfigError(request.configPath, errors);
  }
  for (const warning of all.filter((problem) => problem.severity === 'warning')) {
    warn(`${request.configPath}:${warning.line}:${warning.column}: warning: ${warning.message}`);
  }
  let resolved = config;
  if (request.backend !== undefined) {
    if (!backendChoices.includes(request.backend as BackendChoice)) {
      throw new Error(`Invalid backend "${request.backend}": use one of ${backendChoices.join(', ')}.`);
    }
    resolved = { ...resolved, backend: request.backend as BackendChoice };
  }
  if (request.threads !== undefined && request.threads > 0) {
    resolved = { ...resolved, threads: request.threads };
  }
  return resolved;
}

class ExperimentRun {
  private readonly summary: RunSummary;
  private readonly models: Partial<Record<ModelRole, tf.LayersModel>> = {};
  private readonly testLogits: Partial<Record<ModelRole, Float32Array>> = {};
  /** Models outside `models`, disposed with them: trained ensemble members and the bias-adjusted student. */
  private readonly extraModels: tf.LayersModel[] = [];
  /** Each ensemble member's name and logits function, once the members are trained or loaded. */
  private ensembleMembers: { name: string; predict: LogitsFunction }[] = [];

  constructor(
    private readonly store: RunStore,
    private readonly config: DistillConfig,
    private readonly data: Dataset,
    private readonly configDir: string,
    private readonly hooks: ExperimentHooks,
    backend: SelectedBackend,
    private readonly loadedTeacher: LoadedTeacher | undefined,
    private readonly loadedMembers: ReadonlyMap<string, LoadedTeacher>,
    private readonly transfer: Split,
    configPath: string,
    private readonly sweep?: SweepPart,
  ) {
    this.summary = {
      runId: store.runId,
      name: config.name,
      configPath,
      status: 'running',
      startedAt: new Date().toISOString(),
      backend: backend.name,
      threads: backend.threads,
      temperature: config.distillation.temperature,
      classes: data.classes,
      models: {},
      pid: process.pid,
      hostname: os.hostname(),
      ...(sweep?.stage === 'child' ? { sweep: sweep.membership } : {}),
    };
    store.writeSummary(this.summary);
  }

  send(event: WorkerEvent): void {
    this.store.appendEvent(event);
    this.hooks.emit(event);
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.store.log(level, message);
    this.send({ type: 'run/log', runId: this.store.runId, level, message });
  }

  private phase(phase: RunPhase, detail: string): void {
    this.log('info', detail);
    this.send({ type: 'run/phase', runId: this.store.runId, phase, detail });
  }

  private get input(): InputDescription {
    return { features: this.data.features, shape: this.data.shape, classes: this.data.classes };
  }

  private async train(
    role: ModelRole,
    model: tf.LayersModel,
    settings: TrainedModelConfig,
    split: Split,
    orderSeed: string,
    softTargets?: Parameters<typeof trainModel>[0]['softTargets'],
    member?: { name: string; seed: number },
  ): Promise<number> {
    const memberField = member === undefined ? {} : { member: member.name };
    const label = member === undefined ? role : `${role} ${member.name}`;
    const result = await trainModel({
      role,
      model,
      train: settings.train,
      augment: settings.augment,
      data: split,
      validation: this.data.validation,
      features: this.data.features,
      classes: this.data.classes,
      shape: this.data.shape,
      orderSeed,
      dropoutSeed: (member?.seed ?? this.config.seed) * 1_000_003,
      softTargets,
      shouldStop: this.hooks.shouldStop,
      onProgress: (update) => this.send({ type: 'run/progress', runId: this.store.runId, ...update, ...memberField }),
      onEpoch: (metrics) => {
        this.send({ type: 'run/epoch', runId: this.store.runId, ...metrics, ...memberField });
        // The KL part is left out when it equals the soft term, as with the "kl" loss.
        const kl =
          metrics.softKlDivergence === undefined || metrics.softKlDivergence === metrics.softLoss ? '' : `, KL ${metrics.softKlDivergence.toFixed(4)}`;
        const parts = metrics.softLoss === undefined ? '' : ` (soft ${metrics.softLoss.toFixed(4)}${kl}, hard ${(metrics.hardLoss ?? 0).toFixed(4)})`;
        this.store.log(
          'info',
          `${label} epoch ${metrics.epoch}/${metrics.epochs}: loss ${metrics.loss.toFixed(4)}${parts}, ` +
            `validation accuracy ${(metrics.validationAccuracy * 100).toFixed(2)}%, ${formatCount(Math.round(metrics.examplesPerSecond))} examples/s`,
        );
      },
    });
    return result.seconds;
  }

  private async evaluate(
    role: ModelRole,
    predict: LogitsFunction,
    parameters: number,
    trainingSeconds: number,
    precomputed?: PrecomputedLogits,
  ): Promise<ModelEvaluation> {
    const { evaluation, logits } = await evaluateModel({
      role,
      predict,
      test: this.data.test,
      features: this.data.features,
      classes: this.data.classes,
      temperature: this.config.distillation.temperature,
      parameters,
      trainingSeconds,
      precomputed,
    });
    this.testLogits[role] = logits;
    this.summary.models[role] = evaluation;
    // The summary is written before the event, so a host reading summary.json on the event sees it.
    this.store.writeSummary(this.summary);
    this.send({ type: 'run/evaluation', runId: this.store.runId, evaluation });
    this.log('info', `${role}: ${formatCount(evaluation.errors)} test errors of ${formatCount(evaluation.examples)} (accuracy ${(evaluation.accuracy * 100).toFixed(2)}%)`);
    return evaluation;
  }

  private async teacher(): Promise<LogitsFunction> {
    const teacher = this.config.teacher;
    if (teacher.kind === 'load') {
      const loaded = this.loadedTeacher as LoadedTeacher;
      this.phase('teacher', `Evaluating the teacher loaded from ${path.resolve(this.configDir, teacher.load)}`);
      this.models.teacher = loaded.model;
      await this.evaluate('teacher', loaded.predict, loaded.model.countParams(), 0);
      return loaded.predict;
    }

    if (teacher.kind === 'ensemble') {
      return this.ensembleTeacher(teacher.members, teacher.combine);
    }
    const model = buildModel(teacher.model, this.input, this.config.seed * 10 + 1);
    this.models.teacher = model;
    this.phase('teacher', `Training the teacher (${formatCount(model.countParams())} parameters) on ${formatCount(this.data.train.count)} examples`);
    const seconds = await this.train('teacher', model, teacher, this.data.train, `${this.config.seed}/teacher`);
    const predict: LogitsFunction = (inputs) => forward(model, inputs, false);
    await this.evaluate('teacher', predict, model.countParams(), seconds);
    await saveModel(model, this.store.modelDir('teacher'));
    return predict;
  }

  /**
   * Trains or loads each member in config order and evaluates it, saves each trained member as
   * models/teacher-<name>, then evaluates the ensemble as the teacher. Loaded members stay where
   * they are, because saving them would store the softmax-free copy. The ensemble's test evaluation uses the logits z' at the run's
   * temperature T (see ensemble.ts), so its accuracy is that of the soft targets the student
   * learns from; with `arithmetic` its argmax can differ from that of the mean at T = 1.
   */
  private async ensembleTeacher(members: TeacherMemberConfig[], combine: 'arithmetic' | 'geometric'): Promise<LogitsFunction> {
    const temperature = this.config.distillation.temperature;
    const predicts: LogitsFunction[] = [];
    const memberTestLogits: Float32Array[] = [];
    const memberEvaluations: ModelEvaluation[] = [];
    this.summary.ensemble = { combine, members: memberEvaluations };
    let parameters = 0;
    let trainingSeconds = 0;

    for (const [index, member] of members.entries()) {
      const position = `${index + 1}/${members.length}`;
      let predict: LogitsFunction;
      let model: tf.LayersModel;
      let seconds = 0;
      if (member.kind === 'load') {
        const loaded = this.loadedMembers.get(member.name) as LoadedTeacher;
        this.phase('teacher', `Evaluating ensemble member ${member.name} (${position}) loaded from ${member.load}`);
        model = loaded.model;
        predict = loaded.predict;
      } else {
        model = buildModel(member.model, this.input, member.seed);
        this.extraModels.push(model);
        this.phase('teacher', `Training ensemble member ${member.name} (${position}, seed ${member.seed}, ${formatCount(model.countParams())} parameters) on ${formatCount(this.data.train.count)} examples`);
        seconds = await this.train('teacher', model, member, this.data.train, `${member.seed}/teacher-${member.name}`, undefined, member);
        const trained = model;
        predict = (inputs) => forward(trained, inputs, false);
      }

      const { evaluation, logits } = await evaluateModel({
        role: 'teacher',
        predict,
        test: this.data.test,
        features: this.data.features,
        classes: this.data.classes,
        temperature,
        parameters: model.countParams(),
        trainingSeconds: seconds,
      });
      evaluation.member = member.name;
      memberEvaluations.push(evaluation);
      memberTestLogits.push(logits);
      predicts.push(predict);
      this.ensembleMembers.push({ name: member.name, predict });
      parameters += evaluation.parameters;
      trainingSeconds += seconds;
      this.store.writeSummary(this.summary);
      this.send({ type: 'run/evaluation', runId: this.store.runId, evaluation });
      this.log('info', `teacher ${member.name}: ${formatCount(evaluation.errors)} test errors of ${formatCount(evaluation.examples)} (accuracy ${(evaluation.accuracy * 100).toFixed(2)}%)`);
      if (member.kind === 'train') {
        await saveModel(model, this.store.modelDir(`teacher-${member.name}`));
      }
    }

    // The members' test logits are already computed, so the ensemble's come from them.
    const ensembleLogits = combineMemberLogits(memberTestLogits, this.data.test.count, this.data.classes, temperature, combine);
    const predict = ensemblePredict(predicts, temperature, combine);
    const inferenceMsPerExample = memberEvaluations.reduce((sum, evaluation) => sum + evaluation.inferenceMsPerExample, 0);
    await this.evaluate('teacher', predict, parameters, trainingSeconds, { logits: ensembleLogits, inferenceMsPerExample });
    return predict;
  }

  async run(): Promise<RunSummary> {
    if (this.sweep?.stage === 'child') {
      return this.runSweepChild(this.sweep.shared);
    }
    const { config, data } = this;
    const teacherPredict = await this.teacher();

    const transfer = this.transfer;
    const studentSettings = config.student;
    let cachedLogits: Float32Array | undefined;
    if (studentSettings.augment.jitter === 0) {
      this.phase('teacher-logits', `Computing the teacher's logits on the ${formatCount(transfer.count)} transfer examples once`);
      cachedLogits = await predictLogits(teacherPredict, transfer, data.features, data.classes);
    }

    // Students start from the same seeded initial weights, so a baseline built alone matches.
    const baseline = config.baseline ? buildModel(studentSettings.model, this.input, config.seed * 10 + 2) : undefined;
    if (this.sweep?.stage === 'shared') {
      if (cachedLogits !== undefined) {
        await writeTransferLogits(this.store.runDir, await this.sharedTransferLogits(cachedLogits), transfer.count, data.classes);
      }
    } else {
      await this.trainDistilled(teacherPredict, cachedLogits, baseline);
    }
    await this.trainBaseline(baseline);

    await this.storeLogits();
    return this.finish('completed');
  }

  /**
   * Returns what a sweep's shared stage stores of the teacher on the transfer set. An ensemble's
   * combined logits hold only for this run's temperature, so its members' logits are stored
   * instead, and each child combines them at its own T.
   */
  private async sharedTransferLogits(teacherLogits: Float32Array): Promise<TransferLogits> {
    const teacher = this.config.teacher;
    if (teacher.kind !== 'ensemble') {
      return { teachers: [{ name: 'teacher', logits: teacherLogits }] };
    }
    const { features, classes } = this.data;
    const teachers: TransferLogits['teachers'] = [];
    for (const member of this.ensembleMembers) {
      teachers.push({ name: member.name, logits: await predictLogits(member.predict, this.transfer, features, classes) });
    }
    return { teachers, combine: teacher.combine };
  }

  /**
   * Trains the distilled student from cached logits, or from the teacher called per batch when
   * there are none. The untrained `baseline` first gets the student's initial weights.
   */
  private async trainDistilled(teacherPredict: LogitsFunction, cachedLogits: Float32Array | undefined, baseline?: tf.LayersModel): Promise<void> {
    const { config, transfer } = this;
    const studentSettings = config.student;
    const distilled = buildModel(studentSettings.model, this.input, config.seed * 10 + 2);
    if (baseline !== undefined) {
      copyWeights(distilled, baseline);
    }
    const studentOrder = `${config.seed}/student`;

    this.models.distilled = distilled;
    this.phase('distilled', `Training the distilled student (${formatCount(distilled.countParams())} parameters) on ${formatCount(transfer.count)} transfer examples at T = ${config.distillation.temperature}`);
    const distilledSeconds = await this.train('distilled', distilled, studentSettings, transfer, studentOrder, {
      config: config.distillation,
      cachedLogits,
      teacher: cachedLogits === undefined ? teacherPredict : undefined,
      useLabels: config.transfer.labels,
    });
    await this.evaluate('distilled', (inputs) => forward(distilled, inputs, false), distilled.countParams(), distilledSeconds);
    await saveModel(distilled, this.store.modelDir('distilled'));
    await this.adjustBiases(distilled);
  }

  /**
   * Trains only the distilled student of a sweep child. The teacher's and the baseline's
   * evaluations and test logits are copied from the shared stage, so the run folder has all three.
   */
  private async runSweepChild(shared: SharedStage): Promise<RunSummary> {
    // NOTE: the copied evaluations' meanSoftened is at the shared stage's temperature, not the child's.
    for (const evaluation of [shared.teacher, shared.baseline]) {
      if (evaluation === undefined) {
        continue;
      }
      this.summary.models[evaluation.role] = evaluation;
      const logits = shared.testLogits[evaluation.role];
      if (logits !== undefined) {
        this.testLogits[evaluation.role] = logits;
      }
      this.store.writeSummary(this.summary);
      this.send({ type: 'run/evaluation', runId: this.store.runId, evaluation });
    }

    if (shared.ensemble !== undefined) {
      this.summary.ensemble = shared.ensemble;
      this.store.writeSummary(this.summary);
    }

    let teacherPredict: LogitsFunction | undefined = this.loadedTeacher?.predict;
    if (shared.transferLogits === undefined && teacherPredict === undefined) {
      teacherPredict = await this.loadSharedTeacher(shared);
    }
    const unused: LogitsFunction = () => {
      throw new Error('The teacher is not called when its transfer-set logits are cached.');
    };
    await this.trainDistilled(teacherPredict ?? unused, shared.transferLogits);

    await this.storeLogits();
    return this.finish('completed');
  }

  /**
   * Loads the teacher of a sweep's shared stage, for a child whose student uses jitter and so
   * needs soft targets per batch. An ensemble's trained members come from the shared stage's
   * models folder, its loaded members from their own files, combined at this child's T.
   */
  private async loadSharedTeacher(shared: SharedStage): Promise<LogitsFunction> {
    const teacher = this.config.teacher;
    if (teacher.kind !== 'ensemble') {
      this.phase('teacher', `Loading the shared teacher from ${shared.teacherModelDir} to compute soft targets per batch`);
      const model = await loadModel(path.join(shared.teacherModelDir, 'model.json'));
      this.models.teacher = model;
      return (inputs) => forward(model, inputs, false);
    }

    this.phase('teacher', `Loading the ${teacher.members.length} shared ensemble members from ${shared.modelsDir} to compute soft targets per batch`);
    const predicts: LogitsFunction[] = [];
    for (const member of teacher.members) {
      if (member.kind === 'load') {
        predicts.push((this.loadedMembers.get(member.name) as LoadedTeacher).predict);
        continue;
      }
      const model = await loadModel(path.join(shared.modelsDir, `teacher-${member.name}`, 'model.json'));
      this.extraModels.push(model);
      predicts.push((inputs) => forward(model, inputs, false));
    }
    return ensemblePredict(predicts, this.config.distillation.temperature, teacher.combine);
  }

  private async trainBaseline(baseline: tf.LayersModel | undefined): Promise<void> {
    const { config, transfer } = this;
    const studentSettings = config.student;
    const studentOrder = `${config.seed}/student`;
    if (baseline !== undefined) {
      this.models.baseline = baseline;
      this.phase('baseline', `Training the baseline student on the same ${formatCount(transfer.count)} examples with hard labels only`);
      const baselineSeconds = await this.train('baseline', baseline, studentSettings, transfer, studentOrder);
      await this.evaluate('baseline', (inputs) => forward(baseline, inputs, false), baseline.countParams(), baselineSeconds);
      await saveModel(baseline, this.store.modelDir('baseline'));
    }
  }

  /**
   * Searches the output-bias offsets of the omitted classes on the validation split, applies them
   * to a copy of the distilled student, evaluates that copy on the test split and saves it as
   * models/distilled-adjusted. Does nothing unless transfer.adjustBias is on and classes are omitted.
   */
  private async adjustBiases(distilled: tf.LayersModel): Promise<void> {
    const { adjustBias, omitClasses } = this.config.transfer;
    if (!adjustBias.enabled || omitClasses.length === 0) {
      return;
    }
    const { validation, test, features, classes } = this.data;
    if (validation.count === 0) {
      this.log('warn', 'Bias adjustment skipped: it needs validation examples, and data.validation is 0.');
      return;
    }
    this.phase('bias-adjustment', `Searching output-bias offsets in [${adjustBias.min}, ${adjustBias.max}] by ${adjustBias.step} for ${omitClasses.length === 1 ? 'class' : 'classes'} ${omitClasses.join(', ')} on ${formatCount(validation.count)} validation examples`);

    const predict: LogitsFunction = (inputs) => forward(distilled, inputs, false);
    const validationLogits = await predictLogits(predict, validation, features, classes);
    const search = searchBiasOffsets(validationLogits, validation.y, validation.count, classes, omitClasses, adjustBias);

    const adjusted = buildModel(this.config.student.model, this.input, this.config.seed * 10 + 2);
    this.extraModels.push(adjusted);
    copyWeights(distilled, adjusted);
    applyBiasOffsets(adjusted, omitClasses, search.offsets);
    const { evaluation, logits } = await evaluateModel({
      role: 'distilled',
      predict: (inputs) => forward(adjusted, inputs, false),
      test,
      features,
      classes,
      temperature: this.config.distillation.temperature,
      parameters: adjusted.countParams(),
      trainingSeconds: this.summary.models.distilled?.trainingSeconds ?? 0,
    });

    const before = this.testLogits.distilled as Float32Array;
    const zeros = omitClasses.map(() => 0);
    const classBefore = classErrorsWithOffsets(before, test.y, test.count, classes, omitClasses, zeros);
    const classAfter = classErrorsWithOffsets(logits, test.y, test.count, classes, omitClasses, zeros);
    this.summary.biasAdjustment = {
      classes: [...omitClasses],
      offsets: search.offsets,
      validationErrorsBefore: search.errorsBefore,
      validationErrorsAfter: search.errorsAfter,
      testErrorsBefore: this.summary.models.distilled?.errors ?? 0,
      testErrorsAfter: evaluation.errors,
      classTestErrorsBefore: classBefore.errors,
      classTestErrorsAfter: classAfter.errors,
      classTestExamples: classBefore.examples,
      evaluation,
    };
    this.store.writeSummary(this.summary);
    const perClass = omitClasses
      .map((classId, index) => `class ${classId}: offset ${search.offsets[index]}, test errors ${formatCount(classBefore.errors[index])} → ${formatCount(classAfter.errors[index])} of ${formatCount(classBefore.examples[index])}`)
      .join('; ');
    this.log(
      'info',
      `Bias adjustment: validation errors ${formatCount(search.errorsBefore)} → ${formatCount(search.errorsAfter)}, test errors ${formatCount(this.summary.biasAdjustment.testErrorsBefore)} → ${formatCount(evaluation.errors)}; ${perClass}`,
    );
    await saveModel(adjusted, this.store.modelDir('distilled-adjusted'));
  }

  /** Writes the logits of the first `storedLogits` test examples for each evaluated model. */
  async storeLogits(): Promise<void> {
    const count = Math.min(this.config.evaluation.storedLogits, this.data.test.count);
    const roles = Object.keys(this.testLogits) as ModelRole[];
    if (count === 0 || roles.length === 0) {
      return;
    }
    const { classes, features } = this.data;
    const logits: Partial<Record<ModelRole, Float32Array>> = {};
    for (const role of roles) {
      logits[role] = (this.testLogits[role] as Float32Array).slice(0, count * classes);
    }
    await this.store.writeStoredLogits({
      count,
      classes,
      features,
      shape: this.data.shape,
      inputFormat: this.config.data.normalization === 'unit' ? 'uint8' : 'float32',
      labels: this.data.test.y.slice(0, count),
      inputs: this.data.test.x.slice(0, count * features),
      logits,
    });
  }

  finish(status: 'completed' | 'cancelled' | 'failed', error?: string): RunSummary {
    this.summary.status = status;
    this.summary.finishedAt = new Date().toISOString();
    if (error !== undefined) {
      this.summary.error = error;
    }
    this.store.writeSummary(this.summary);
    this.send({ type: 'run/finished', runId: this.store.runId, status, error, summary: this.summary });
    return this.summary;
  }

  dispose(): void {
    for (const model of [...Object.values(this.models), ...this.extraModels, ...[...this.loadedMembers.values()].map((loaded) => loaded.model)]) {
      model?.dispose();
    }
  }
}

/** Loads the data splits and selects the transfer set. Raises DataError when the data does not fit the config. */
async function loadExperimentData(config: DistillConfig, configDir: string, log: (message: string) => void): Promise<{ data: Dataset; transfer: Split }> {
  const data = await loadDataset(config.data, configDir);
  log(`Data: ${data.source}; ${formatCount(data.train.count)} training, ${formatCount(data.validation.count)} validation, ${formatCount(data.test.count)} test examples, ${data.classes} classes`);

  const transferSource = config.transfer.source === undefined ? data.train : await loadTransferSource(config.transfer.source, config.data, data, configDir);
  if (config.transfer.source !== undefined) {
    log(`Transfer set source: ${config.transfer.source.source}; ${formatCount(transferSource.count)} training examples`);
  }
  return { data, transfer: selectTransferSet(transferSource, config.transfer, data.classes) };
}

/**
 * Runs one experiment. Invalid input (config, data files, teacher model) throws before a run
 * folder is created. After that, every outcome is written to the run folder and returned as the
 * summary, cancelled and failed runs included.
 */
export async function runExperiment(request: RunStartRequest, hooks: ExperimentHooks, log: (message: string) => void): Promise<RunSummary> {
  const stage = request.sweep;
  const requestConfig = resolveRequestConfig(request, log);
  const config = stage?.stage === 'child' ? childConfig(requestConfig, stage.membership) : requestConfig;
  const threads = config.threads > 0 ? config.threads : undefined;
  let choiceSource: string | undefined;
  if (request.backend !== undefined) {
    choiceSource = request.backendOption === undefined ? 'overrides the config' : `set by ${request.backendOption}`;
  }
  const backendOptions = { threads, choiceSource, sharedCores: request.sharedCores };
  const backend = await selectBackend(config.backend, log, backendOptions).catch((error: unknown) => {
    throw new BackendUnavailableError(error instanceof Error ? error.message : String(error));
  });
  const configDir = path.dirname(request.configPath);
  const { data, transfer } = await loadExperimentData(config, configDir, log).catch((error: unknown) => {
    throw locateDataError(error, request.configText, request.configPath);
  });
  const loadedMembers = new Map<string, LoadedTeacher>();
  if (config.teacher.kind === 'ensemble') {
    for (const member of config.teacher.members) {
      if (member.kind !== 'load') {
        continue;
      }
      const modelPath = path.resolve(configDir, member.load);
      const loaded = prepareLoadedTeacher(await loadModel(modelPath), modelPath, { features: data.features, shape: data.shape, classes: data.classes }, `The ensemble member "${member.name}"`);
      loadedMembers.set(member.name, loaded);
      log(`Teacher member ${member.name}: loaded from ${modelPath}${loaded.removedSoftmax ? '; its final softmax is skipped to get logits' : ''}`);
    }
  }
  let loadedTeacher: LoadedTeacher | undefined;
  if (config.teacher.kind === 'load') {
    const modelPath = path.resolve(configDir, config.teacher.load);
    loadedTeacher = prepareLoadedTeacher(await loadModel(modelPath), modelPath, {
      features: data.features,
      shape: data.shape,
      classes: data.classes,
    });
    log(`Teacher: loaded from ${modelPath}${loadedTeacher.removedSoftmax ? '; its final softmax is skipped to get logits' : ''}`);
  }

  let sweepPart: SweepPart | undefined;
  let store: RunStore;
  if (stage?.stage === 'shared') {
    sweepPart = { stage: 'shared' };
    store = RunStore.open(sharedStageDir(stage.sweepDir), stage.sweepId);
  } else if (stage?.stage === 'child') {
    const { membership } = stage;
    sweepPart = { stage: 'child', membership, shared: await readSharedStage(stage.sweepDir, transfer.count, data.classes, config.distillation.temperature) };
    store = RunStore.create(request.runsDir, `${config.name}-T${membership.temperature}-s${membership.softWeight}`);
  } else {
    store = RunStore.create(request.runsDir, config.name);
  }
  store.writeConfig(config);
  const run = new ExperimentRun(store, config, data, configDir, hooks, backend, loadedTeacher, loadedMembers, transfer, request.configPath, sweepPart);
  run.send({
    type: 'run/started',
    runId: store.runId,
    runDir: store.runDir,
    backend: backend.name,
    kernels: backend.kernels,
    threads: backend.threads,
    backendDetail: backend.detail,
    config,
    configPath: request.configPath,
  });
  const kernels = backend.kernels.length > 0 ? ` with kernels ${backend.kernels.join(', ')}` : '';
  run.log('info', `Run ${store.runId} started in ${store.runDir} on the ${backend.name} backend (${backend.detail}; ${backend.selection})${kernels}`);

  try {
    return await run.run();
  } catch (error) {
    if (error instanceof CancelledError) {
      run.log('warn', 'Cancelled; the metrics and models written so far are kept.');
      await run.storeLogits();
      return run.finish('cancelled');
    }
    const message = error instanceof Error ? error.message : String(error);
    run.log('error', message);
    if (error instanceof Error && error.stack !== undefined) {
      store.log('error', error.stack);
    }
    return run.finish('failed', message);
  } finally {
    run.dispose();
  }
}
