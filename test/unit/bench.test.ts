// The pure parts of `npm run bench`: parsing the JSON lines of its child processes, ratios and the
// table, the data files shared with the PyTorch peer, and the path where PyTorch is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { findPeerPython } from '../../bench/peer';
import {
  formatRatio,
  matchingPeer,
  parseEngineOutput,
  parsePeerOutput,
  parsePeerProbe,
  renderBenchTable,
  type BenchReport,
  type ModelTiming,
  type PeerResult,
} from '../../bench/report';
import { DISTILLATION_WORKLOAD, readWorkloadData, writeWorkloadData } from '../../bench/workloadData';

const peerScript = resolve(__dirname, '../../bench/torch_peer.py');

function timing(model: string, examples: number, epochSeconds: number): ModelTiming {
  return { model, examples, timedEpochs: 2, epochSeconds, examplesPerSecond: examples / epochSeconds };
}

/** Joins the lines of wrapped cells: drops the table's vertical borders and collapses whitespace. */
function flatten(text: string): string {
  return text.replace(/[│\s]+/g, ' ');
}

function sampleReport(peers: PeerResult[]): BenchReport {
  return {
    engines: [
      { status: 'unavailable', label: 'Distill Lab, tfjs tensorflow', threads: 2, reason: 'tfjs-node failed to load' },
      { status: 'measured', label: 'Distill Lab, tfjs wasm', threads: 1, timing: timing('distillation step', 6000, 6) },
      { status: 'unsupported', label: 'Distill Lab, tfjs wasm, 2 threads', threads: 2, reason: 'because this build has no thread-count option' },
    ],
    peers,
    students: {
      backend: 'wasm',
      comparison: {
        teacher: timing('teacher 784-1200-1200-10', 6000, 5),
        distilled: timing('distilled 784-800-800-10', 6000, 2.1),
        baseline: timing('baseline 784-800-800-10', 6000, 2),
      },
    },
    quick: { status: 'measured', seconds: 93.25 },
    timedEpochs: 2,
  };
}

test('peer output gives mean of timed epochs', () => {
  const stdout = 'warning: something\n{"status": "measured", "torch": "1.13.0", "blas": "OpenBLAS", "threads": 1, "examples": 6000, "epochSeconds": [9, 2, 4], "meanLoss": 824.5}\n';

  const result = parsePeerOutput(stdout);

  assert.equal(result.status, 'measured');
  assert.ok(result.status === 'measured');
  assert.equal(result.torch, '1.13.0');
  assert.equal(result.blas, 'OpenBLAS');
  assert.equal(result.threads, 1);
  assert.equal(result.timing.timedEpochs, 2);
  assert.equal(result.timing.epochSeconds, 3);
  assert.equal(result.timing.examplesPerSecond, 2000);
  assert.equal(result.lastEpochLoss, 824.5);
});

test('peer output reports missing torch', () => {
  const result = parsePeerOutput('{"status": "missing", "reason": "No module named \'torch\'"}');

  assert.deepEqual(result, { status: 'missing', reason: "No module named 'torch'" });
});

test('peer output rejects malformed lines', () => {
  assert.throws(() => parsePeerOutput(''), /printed nothing on stdout/);
  assert.throws(() => parsePeerOutput('Traceback (most recent call last):'), /printed invalid JSON/);
  assert.throws(() => parsePeerOutput('[1, 2]'), /expected a JSON object/);
  assert.throws(() => parsePeerOutput('{"status": "done"}'), /invalid "status"/);
  assert.throws(
    () => parsePeerOutput('{"status": "measured", "torch": "2.1", "blas": "OpenBLAS", "threads": 1, "examples": 6000, "epochSeconds": [9]}'),
    /invalid "epochSeconds"/,
  );
  assert.throws(
    () => parsePeerOutput('{"status": "measured", "torch": "2.1", "blas": "OpenBLAS", "threads": "all", "examples": 6000, "epochSeconds": [9, 2]}'),
    /invalid "threads"/,
  );
});

test('peer probe reports ready or missing', () => {
  assert.deepEqual(parsePeerProbe('{"status": "ready", "torch": "1.13.0", "python": "/usr/bin/python3"}'), { status: 'ready', torch: '1.13.0' });
  assert.deepEqual(parsePeerProbe('{"status": "missing", "reason": "no torch"}'), { status: 'missing', reason: 'no torch' });
  assert.throws(() => parsePeerProbe('{"status": "measured"}'), /invalid "status"/);
});

test('engine output parses each status', () => {
  const measured = parseEngineOutput(
    '{"status":"measured","label":"wasm","threads":1,"timing":{"model":"distillation step","examples":6000,"timedEpochs":2,"epochSeconds":5,"examplesPerSecond":1200}}',
  );
  const unavailable = parseEngineOutput('{"status":"unavailable","label":"tensorflow","threads":2,"reason":"not installed"}');
  const unsupported = parseEngineOutput('{"status":"unsupported","label":"wasm, 2 threads","threads":2,"reason":"no option"}');

  assert.equal(measured.status, 'measured');
  assert.ok(measured.status === 'measured');
  assert.equal(measured.timing.examplesPerSecond, 1200);
  assert.deepEqual(unavailable, { status: 'unavailable', label: 'tensorflow', threads: 2, reason: 'not installed' });
  assert.deepEqual(unsupported, { status: 'unsupported', label: 'wasm, 2 threads', threads: 2, reason: 'no option' });
  assert.throws(() => parseEngineOutput('{"status":"measured","label":"wasm","threads":1}'), /no "timing" object/);
  assert.throws(() => parseEngineOutput('{"status":"late","label":"wasm","threads":1}'), /invalid "status"/);
});

test('ratio decimals depend on size', () => {
  assert.equal(formatRatio(1, 2), '0.50');
  assert.equal(formatRatio(3, 2), '1.50');
  assert.equal(formatRatio(15, 1000), '0.015');
  assert.equal(formatRatio(0, 2), '–');
  assert.equal(formatRatio(1, 0), '–');
});

test('matching peer has same threads', () => {
  const oneThread: PeerResult = { status: 'measured', torch: '1.13', blas: 'OpenBLAS', threads: 1, timing: timing('step', 6000, 2) };
  const twoThreads: PeerResult = { status: 'measured', torch: '1.13', blas: 'OpenBLAS', threads: 2, timing: timing('step', 6000, 1) };

  assert.equal(matchingPeer({ threads: 1 }, [oneThread, twoThreads]), oneThread);
  assert.equal(matchingPeer({ threads: 2 }, [oneThread, twoThreads]), twoThreads);
  assert.equal(matchingPeer({ threads: 4 }, [oneThread, twoThreads]), undefined);
  assert.equal(matchingPeer({ threads: 1 }, [{ status: 'missing', reason: 'no torch' }]), undefined);
});

test('table shows ratios and every section', () => {
  const peers: PeerResult[] = [
    { status: 'measured', torch: '1.13.0', blas: 'OpenBLAS', threads: 1, timing: timing('step', 6000, 2) },
    { status: 'measured', torch: '1.13.0', blas: 'OpenBLAS', threads: 2, timing: timing('step', 6000, 1) },
  ];

  const text = renderBenchTable(sampleReport(peers));

  // wasm: 1000 examples/s against PyTorch's 3000 with one thread.
  assert.match(text, /Distill Lab, tfjs wasm\s*│\s*1 │\s*6000 │\s*1000 │\s*6\.00 │\s*0\.33 \(vs 1 thread\) │/);
  assert.match(text, /not available: tfjs-node failed to load/);
  assert.match(text, /PyTorch 1\.13\.0 \(OpenBLAS\)\s*│\s*2 │\s*6000 │\s*6000 │/);
  assert.match(text, /1\.050 \(target <= 1\.10, met\)/);
  assert.match(text, /93\.3 s wall time/);
  assert.match(text, /Ours ÷ PyTorch: our examples\/s divided by those of PyTorch at the same thread count/);
});

test('table leaves out unsupported backends', () => {
  const text = renderBenchTable(sampleReport([{ status: 'missing', reason: 'no torch' }]));

  assert.doesNotMatch(text, /│ Distill Lab, tfjs wasm, 2 threads/);
  assert.match(text, /Distill Lab, tfjs wasm, 2 threads: not measured, because this build has no thread-count option\./);
});

test('table names PyTorch install when missing', () => {
  const text = renderBenchTable(sampleReport([{ status: 'missing', reason: 'no torch' }]));

  assert.match(flatten(text), /PyTorch not installed \(apt-get install python3-torch libopenblas0-pthread\): no torch/);
  assert.match(text, /Distill Lab, tfjs wasm\s*│\s*1 │\s*6000 │\s*1000 │\s*6\.00 │\s*– │/);
});

test('missing python reports PyTorch missing', () => {
  const result = findPeerPython(['/nonexistent/python3'], peerScript);

  assert.ok('status' in result);
  assert.equal(result.status, 'missing');
  assert.match(result.reason, /\/nonexistent\/python3 failed to start/);
});

test('peer search skips Python without torch', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bench-python-'));
  try {
    const withoutTorch = join(folder, 'python-without-torch');
    const withTorch = join(folder, 'python-with-torch');
    writeFileSync(withoutTorch, '#!/bin/sh\necho \'{"status": "missing", "reason": "No module named torch"}\'\n');
    writeFileSync(withTorch, '#!/bin/sh\necho \'{"status": "ready", "torch": "1.13.0"}\'\n');
    chmodSync(withoutTorch, 0o755);
    chmodSync(withTorch, 0o755);

    assert.deepEqual(findPeerPython([withoutTorch, withTorch], peerScript), { python: withTorch });
    const missing = findPeerPython([withoutTorch], peerScript);
    assert.ok('status' in missing);
    assert.match(missing.reason, /python-without-torch: No module named torch/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('workload data round-trips and truncates', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bench-data-'));
  try {
    const features = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    const labels = Int32Array.from([1, 0, 1]);
    const teacherLogits = Float32Array.from([2, -1, 0.5, 0.25, -3, 4]);
    writeWorkloadData(folder, { meta: { count: 3, features: 2, classes: 2, workload: DISTILLATION_WORKLOAD }, features, labels, teacherLogits });

    const all = readWorkloadData(folder);
    const firstTwo = readWorkloadData(folder, 2);

    assert.deepEqual(all.features, features);
    assert.deepEqual(all.labels, labels);
    assert.deepEqual(all.teacherLogits, teacherLogits);
    assert.equal(all.meta.workload.temperature, DISTILLATION_WORKLOAD.temperature);
    assert.equal(firstTwo.meta.count, 2);
    assert.deepEqual(firstTwo.features, features.subarray(0, 4));
    assert.deepEqual(firstTwo.labels, labels.subarray(0, 2));
    assert.deepEqual(firstTwo.teacherLogits, teacherLogits.subarray(0, 4));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
