// The sweep grid that `distill run` prints for a config with a `sweep`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderSweepTable } from '../../src/cli/sweepReport';
import type { SweepChild, SweepSummary } from '../../src/protocol/messages';

function child(index: number, softWeight: number, fields: Partial<SweepChild>): SweepChild {
  return { index, temperature: 2, softWeight, hardWeight: 1 - softWeight, status: 'queued', ...fields };
}

test('children never started show not run', () => {
  const summary: SweepSummary = {
    sweepId: 'sweep-1',
    name: 'grid',
    configPath: '/work/distill.json',
    startedAt: '2026-12-05T03:00:00.000Z',
    concurrency: 2,
    status: 'cancelled',
    temperatures: [2],
    softWeights: [0.1, 0.5, 0.9],
    children: [
      child(0, 0.1, { status: 'completed', runId: 'run-a', errors: 40 }),
      child(1, 0.5, { status: 'cancelled', runId: 'run-b' }),
      child(2, 0.9, { status: 'cancelled' }),
    ],
  };

  const table = renderSweepTable(summary, false);

  const row = table.split('\n').find((line) => line.startsWith('│ 2'));
  assert.ok(row !== undefined, table);
  const cells = row.split('│').map((cell) => cell.trim()).filter((cell) => cell !== '');
  assert.deepEqual(cells, ['2', '40', 'cancelled', 'not run']);
});
