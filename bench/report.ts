// Results of `npm run bench`: the JSON lines that its child processes print, their checks, and
// the one table that the bench prints. Pure functions, so unit tests can run them without
// training anything.

import Table from 'cli-table3';

import { DISTILLATION_WORKLOAD } from './workloadData';

/** Hint printed where PyTorch is missing. PyTorch is a benchmark-only peer, never a dependency. */
export const PEER_INSTALL_HINT = 'apt-get install python3-torch libopenblas0-pthread';

/** Target of the distilled / baseline epoch-time ratio: with cached teacher logits, distillation adds only the soft term. */
export const STUDENT_RATIO_TARGET = 1.1;

export interface ModelTiming {
  model: string;
  examples: number;
  timedEpochs: number;
  /** Mean over the timed epochs, in seconds. */
  epochSeconds: number;
  examplesPerSecond: number;
}

export interface StudentComparison {
  teacher: ModelTiming;
  distilled: ModelTiming;
  baseline: ModelTiming;
}

/**
 * Result of one engine child process. `unsupported` means this build of the engine has no such
 * configuration (wasm with threads before selectBackend accepts a thread count); the table leaves
 * those out. `unavailable` means the configuration exists but failed to set up.
 */
export type EngineResult =
  | { status: 'measured'; label: string; threads: number; timing: ModelTiming }
  | { status: 'unavailable'; label: string; threads: number; reason: string }
  | { status: 'unsupported'; label: string; threads: number; reason: string };

export type PeerResult =
  | { status: 'measured'; torch: string; blas: string; threads: number; timing: ModelTiming; lastEpochLoss?: number }
  | { status: 'missing'; reason: string };

export type QuickResult = { status: 'measured'; seconds: number } | { status: 'skipped' } | { status: 'failed'; reason: string };

export interface BenchReport {
  engines: EngineResult[];
  /** One entry per thread count, or one `missing` entry. */
  peers: PeerResult[];
  students: { backend: string; comparison: StudentComparison };
  quick: QuickResult;
  /** Timed epochs of the distillation step, after one warm-up epoch. */
  timedEpochs: number;
}

/** Parses the last non-empty line of a child's stdout as a JSON object; throws naming `source` when it is not one. */
function parseLastJsonLine(stdout: string, source: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const last = lines[lines.length - 1];
  if (last === undefined) {
    throw new Error(`${source} printed nothing on stdout; expected one JSON line.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`${source} printed invalid JSON: ${last.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${source} printed ${last.slice(0, 200)}; expected a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

function requireNumber(object: Record<string, unknown>, key: string, source: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${source} output has an invalid "${key}": ${JSON.stringify(value)}; expected a finite number.`);
  }
  return value;
}

function requireString(object: Record<string, unknown>, key: string, source: string): string {
  const value = object[key];
  if (typeof value !== 'string') {
    throw new Error(`${source} output has an invalid "${key}": ${JSON.stringify(value)}; expected a string.`);
  }
  return value;
}

/**
 * Parses the JSON line of bench/torch_peer.py. A measured result carries the seconds of every
 * epoch, warm-up first, and the timing averages the epochs after the warm-up, as the engine's does.
 */
export function parsePeerOutput(stdout: string): PeerResult {
  const source = 'The PyTorch peer (bench/torch_peer.py)';
  const output = parseLastJsonLine(stdout, source);
  if (output.status === 'missing') {
    return { status: 'missing', reason: requireString(output, 'reason', source) };
  }
  if (output.status !== 'measured') {
    throw new Error(`${source} output has an invalid "status": ${JSON.stringify(output.status)}; expected "measured" or "missing".`);
  }

  const examples = requireNumber(output, 'examples', source);
  const epochSeconds = output.epochSeconds;
  if (!Array.isArray(epochSeconds) || epochSeconds.length < 2 || !epochSeconds.every((seconds) => typeof seconds === 'number' && seconds > 0)) {
    throw new Error(`${source} output has an invalid "epochSeconds": ${JSON.stringify(epochSeconds)}; expected a warm-up and at least one timed epoch, in seconds.`);
  }
  const timed = (epochSeconds as number[]).slice(1);
  const meanSeconds = timed.reduce((sum, seconds) => sum + seconds, 0) / timed.length;
  return {
    status: 'measured',
    torch: requireString(output, 'torch', source),
    blas: requireString(output, 'blas', source),
    threads: requireNumber(output, 'threads', source),
    timing: { model: 'distillation step', examples, timedEpochs: timed.length, epochSeconds: meanSeconds, examplesPerSecond: examples / meanSeconds },
    ...(output.meanLoss === undefined ? {} : { lastEpochLoss: requireNumber(output, 'meanLoss', source) }),
  };
}

/** Parses the JSON line of `torch_peer.py --probe`: `ready` with the torch version, or `missing`. */
export function parsePeerProbe(stdout: string): { status: 'ready'; torch: string } | Extract<PeerResult, { status: 'missing' }> {
  const source = 'The PyTorch peer probe (bench/torch_peer.py --probe)';
  const output = parseLastJsonLine(stdout, source);
  if (output.status === 'missing') {
    return { status: 'missing', reason: requireString(output, 'reason', source) };
  }
  if (output.status !== 'ready') {
    throw new Error(`${source} output has an invalid "status": ${JSON.stringify(output.status)}; expected "ready" or "missing".`);
  }
  return { status: 'ready', torch: requireString(output, 'torch', source) };
}

/** Parses the JSON line of a `bench measure` child process. */
export function parseEngineOutput(stdout: string): EngineResult {
  const source = 'The engine child process (bench measure)';
  const output = parseLastJsonLine(stdout, source);
  const label = requireString(output, 'label', source);
  const threads = requireNumber(output, 'threads', source);
  switch (output.status) {
    case 'measured': {
      const timing = output.timing as Record<string, unknown> | undefined;
      if (typeof timing !== 'object' || timing === null) {
        throw new Error(`${source} output has no "timing" object.`);
      }
      return {
        status: 'measured',
        label,
        threads,
        timing: {
          model: requireString(timing, 'model', source),
          examples: requireNumber(timing, 'examples', source),
          timedEpochs: requireNumber(timing, 'timedEpochs', source),
          epochSeconds: requireNumber(timing, 'epochSeconds', source),
          examplesPerSecond: requireNumber(timing, 'examplesPerSecond', source),
        },
      };
    }
    case 'unavailable':
    case 'unsupported':
      return { status: output.status, label, threads, reason: requireString(output, 'reason', source) };
    default:
      throw new Error(`${source} output has an invalid "status": ${JSON.stringify(output.status)}; expected "measured", "unavailable" or "unsupported".`);
  }
}

/** Formats ours ÷ theirs: two decimals, or three below 0.1 so that small ratios keep two digits. */
export function formatRatio(ours: number, theirs: number): string {
  const ratio = ours / theirs;
  if (!Number.isFinite(ratio) || ratio <= 0) {
    return '–';
  }
  return ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2);
}

/** Returns the PyTorch run with the same thread count as the engine row, the like-for-like comparison. */
export function matchingPeer(engine: { threads: number }, peers: PeerResult[]): Extract<PeerResult, { status: 'measured' }> | undefined {
  return peers.find((peer): peer is Extract<PeerResult, { status: 'measured' }> => peer.status === 'measured' && peer.threads === engine.threads);
}

function threadsLabel(threads: number): string {
  return threads === 1 ? '1 thread' : `${threads} threads`;
}

/** Renders the one table of `npm run bench`, followed by the lines that define its ratios. */
export function renderBenchTable(report: BenchReport): string {
  const columns = 6;
  const table = new Table({
    head: ['Distillation step on', 'Threads', 'Examples', 'Examples/s', 'Epoch (s)', 'Ours ÷ PyTorch'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    // Fixed widths with wrapping, because a spanning cell would otherwise widen every column to its length.
    colWidths: [42, 9, 10, 12, 11, 22],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  const section = (title: string): void => {
    table.push([{ colSpan: columns, content: title }]);
  };
  const timingCells = (timing: ModelTiming): string[] => [String(timing.examples), timing.examplesPerSecond.toFixed(0), timing.epochSeconds.toFixed(2)];

  const workload = DISTILLATION_WORKLOAD;
  section(
    `784-${workload.hidden.join('-')}-10 ReLU MLP, dropout ${workload.inputDropout} on inputs and ${workload.dropout} after each hidden layer; ` +
      `loss ${workload.softWeight} × T² × soft CE (T = ${workload.temperature}) + ${workload.hardWeight} × hard CE; ` +
      `batch ${workload.batchSize}, Adam ${workload.learningRate}; mean of ${report.timedEpochs} epoch(s) after 1 warm-up`,
  );
  for (const engine of report.engines) {
    if (engine.status === 'unsupported') {
      continue;
    }
    if (engine.status === 'unavailable') {
      table.push([engine.label, String(engine.threads), { colSpan: columns - 2, hAlign: 'left', content: `not available: ${engine.reason}` }]);
      continue;
    }
    const peer = matchingPeer(engine, report.peers);
    const ratio = peer === undefined ? '–' : `${formatRatio(engine.timing.examplesPerSecond, peer.timing.examplesPerSecond)} (vs ${threadsLabel(peer.threads)})`;
    table.push([engine.label, String(engine.threads), ...timingCells(engine.timing), ratio]);
  }
  for (const peer of report.peers) {
    if (peer.status === 'missing') {
      table.push(['PyTorch', { colSpan: columns - 1, hAlign: 'left', content: `not installed (${PEER_INSTALL_HINT}): ${peer.reason}` }]);
      continue;
    }
    table.push([`PyTorch ${peer.torch} (${peer.blas})`, String(peer.threads), ...timingCells(peer.timing), '']);
  }

  const { backend, comparison } = report.students;
  section(`Students and teacher on ${backend}, Distill Lab engine`);
  for (const timing of [comparison.teacher, comparison.distilled, comparison.baseline]) {
    table.push([timing.model, '', ...timingCells(timing), '']);
  }
  const studentRatio = comparison.distilled.epochSeconds / comparison.baseline.epochSeconds;
  const verdict = studentRatio <= STUDENT_RATIO_TARGET ? 'met' : 'NOT met';
  table.push(['distilled / baseline epoch time', { colSpan: columns - 1, content: `${studentRatio.toFixed(3)} (target <= ${STUDENT_RATIO_TARGET.toFixed(2)}, ${verdict})` }]);

  section('Quick default, end to end through the CLI');
  table.push(['distill run examples/mnist-quick/distill.json', { colSpan: columns - 1, content: formatQuick(report.quick) }]);

  const unsupported = report.engines.filter((engine) => engine.status === 'unsupported');
  const notes = [
    'Ours ÷ PyTorch: our examples/s divided by those of PyTorch at the same thread count (above 1, ours is faster).',
    ...unsupported.map((engine) => `${engine.label}: not measured, ${engine.reason}.`),
  ];
  return `${table.toString()}\n${notes.join('\n')}`;
}

function formatQuick(quick: QuickResult): string {
  switch (quick.status) {
    case 'measured':
      return `${quick.seconds.toFixed(1)} s wall time`;
    case 'skipped':
      return 'skipped (--skip-quick)';
    case 'failed':
      return `failed: ${quick.reason}`;
  }
}
