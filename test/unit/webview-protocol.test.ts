// Guards of the host–webview protocol: what the host accepts from a webview.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  isComparePanelState,
  isHostToWebviewMessage,
  isResultsPanelState,
  isRunId,
  isWebviewToHostMessage,
  maxComparedRuns,
  maxWebviewErrorLength,
} from '../../src/protocol/webview';

describe('isRunId', () => {
  test('accepts run folder names', () => {
    assert.equal(isRunId('20261204-210156-mnist-quick'), true);
    assert.equal(isRunId('20261204-210156-hinton_mnist.v2-3'), true);
  });

  test('rejects paths and odd values', () => {
    for (const value of ['', '.', '..', '../x', 'a/b', 'a\\b', '/etc', 'C:run', 'a b', 'x'.repeat(129), 42, null, undefined, ['run']]) {
      assert.equal(isRunId(value), false, JSON.stringify(value));
    }
  });
});

describe('isWebviewToHostMessage', () => {
  test('accepts the three message kinds', () => {
    assert.equal(isWebviewToHostMessage({ type: 'webview/ready' }), true);
    assert.equal(isWebviewToHostMessage({ type: 'webview/openRun', runId: '20261204-210156-mnist-quick' }), true);
    assert.equal(isWebviewToHostMessage({ type: 'webview/error', message: 'TypeError: x is undefined' }), true);
  });

  test('rejects a path in place of a run id', () => {
    assert.equal(isWebviewToHostMessage({ type: 'webview/openRun', runId: '../../secrets' }), false);
    assert.equal(isWebviewToHostMessage({ type: 'webview/openRun', runDir: '/tmp/run' }), false);
  });

  test('rejects unknown and malformed messages', () => {
    for (const value of [null, 'webview/ready', [], {}, { type: 'run/cancel' }, { type: 'webview/error' }, { type: 'webview/error', message: 'x'.repeat(maxWebviewErrorLength + 1) }]) {
      assert.equal(isWebviewToHostMessage(value), false, JSON.stringify(value).slice(0, 80));
    }
  });
});

describe('panel state guards', () => {
  test('results state needs a run id', () => {
    assert.equal(isResultsPanelState({ view: 'results', runId: 'r1', ui: { tab: 1 } }), true);
    assert.equal(isResultsPanelState({ view: 'results', runId: '..' }), false);
    assert.equal(isResultsPanelState({ view: 'compare', runIds: ['r1'] }), false);
  });

  test('compare state needs one to eight run ids', () => {
    assert.equal(isComparePanelState({ view: 'compare', runIds: ['r1', 'r2'] }), true);
    assert.equal(isComparePanelState({ view: 'compare', runIds: [] }), false);
    assert.equal(isComparePanelState({ view: 'compare', runIds: new Array(maxComparedRuns + 1).fill('r') }), false);
    assert.equal(isComparePanelState({ view: 'compare', runIds: ['r1', 'a/b'] }), false);
  });
});

describe('isHostToWebviewMessage', () => {
  test('accepts host message types only', () => {
    assert.equal(isHostToWebviewMessage({ type: 'results/events', runId: 'r', events: [] }), true);
    assert.equal(isHostToWebviewMessage({ type: 'compare/snapshot', runs: [], warnings: [] }), true);
    assert.equal(isHostToWebviewMessage({ type: 'webview/ready' }), false);
    assert.equal(isHostToWebviewMessage({ source: 'react-devtools' }), false);
  });
});
