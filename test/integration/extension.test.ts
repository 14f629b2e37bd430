/// <reference types="mocha" />
// Extension host tests: run inside VS Code by @vscode/test-cli (npm run test:integration) on a
// copy of test/integration/workspace/, which .vscode-test.mjs makes. They need a VS Code build,
// which the test runner downloads.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { DistillExtensionApi } from '../../src/extension/extension';
import type { ExperimentNode } from '../../src/extension/views/experimentsTree';

const extensionId = 'distill-lab.distill-lab';

const commandIds = [
  'distill.startRun',
  'distill.cancelRun',
  'distill.openResults',
  'distill.compareRuns',
  'distill.createConfig',
  'distill.rerun',
  'distill.deleteRun',
  'distill.revealRun',
  'distill.exportStudent',
];

function workspaceFile(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder !== undefined, 'the tests need the fixture workspace open: see .vscode-test.mjs');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

async function activate(): Promise<DistillExtensionApi> {
  const extension = vscode.extensions.getExtension<DistillExtensionApi>(extensionId);
  assert.ok(extension !== undefined, `extension ${extensionId} is not installed in the test instance`);
  return extension.activate();
}

/** Polls `condition` every 100 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
async function waitFor<T>(description: string, condition: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function children(api: DistillExtensionApi, node?: ExperimentNode): ExperimentNode[] {
  return api.experiments.getChildren(node);
}

suite('Distill Lab extension', () => {
  test('activates and returns its API', async () => {
    const api = await activate();
    assert.ok(api.runManager !== undefined);
    assert.ok(api.experiments !== undefined);
  });

  test('registers every command', async () => {
    await activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of commandIds) {
      assert.ok(registered.has(id), `${id} is not registered`);
    }
  });

  test('invalid config gets diagnostics at the values', async () => {
    const api = await activate();
    const uri = workspaceFile('invalid', 'broken.distill.json');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);

    const diagnostics = await waitFor('diagnostics of broken.distill.json', () => {
      const found = api.diagnostics.get(uri) ?? [];
      return found.length >= 2 ? found : undefined;
    });
    const byText = new Map(diagnostics.map((diagnostic) => [document.getText(diagnostic.range), diagnostic]));

    const epochs = byText.get('"ten"');
    assert.ok(epochs !== undefined, `no diagnostic covers "ten": ${diagnostics.map((d) => JSON.stringify(d.range)).join(', ')}`);
    assert.equal(epochs.range.start.line, 5);
    assert.equal(epochs.range.start.character, 25);
    assert.equal(epochs.severity, vscode.DiagnosticSeverity.Error);
    assert.match(epochs.message, /\/teacher\/train\/epochs/);

    const temperature = byText.get('-1');
    assert.ok(temperature !== undefined, 'no diagnostic covers -1');
    assert.equal(temperature.range.start.line, 7);
    assert.match(temperature.message, /\/distillation\/temperature/);
  });

  test('start run refuses an invalid config', async () => {
    const api = await activate();
    const handle = await vscode.commands.executeCommand('distill.startRun', workspaceFile('invalid', 'broken.distill.json'));
    assert.equal(handle, undefined);
    assert.equal(api.runManager.handles().length, 0);
  });

  test('start run completes and the tree shows it', async () => {
    const api = await activate();
    const uri = workspaceFile('tiny.distill.json');
    const handle = await vscode.commands.executeCommand<{ key: string } | undefined>('distill.startRun', uri);
    assert.ok(handle !== undefined, 'distill.startRun returned no run handle');

    await api.runManager.whenIdle();
    api.runs.reload();

    const group = children(api).find((node) => node.kind === 'group' && node.name === 'integration-tiny');
    assert.ok(group !== undefined, 'no integration-tiny group in the tree');
    const runNode = children(api, group).find((node) => node.kind === 'run');
    assert.ok(runNode !== undefined, 'no run under the integration-tiny group');
    assert.ok(runNode.kind === 'run');
    assert.equal(runNode.run.record.status, 'completed');
    assert.ok(existsSync(path.join(runNode.run.record.runDir, 'summary.json')));

    const item = api.experiments.getTreeItem(runNode);
    assert.match(String(item.description), /^\d+ vs \d+ errors$/);
    assert.equal(item.contextValue, 'distill.run.completed');

    const models = children(api, runNode).map((node) => (node.kind === 'model' ? node.role : node.kind));
    assert.deepEqual(models, ['teacher', 'distilled', 'baseline']);
  });

  test('second run waits in the queue', async () => {
    const api = await activate();
    const uri = workspaceFile('tiny.distill.json');
    await vscode.commands.executeCommand('distill.startRun', uri);
    await vscode.commands.executeCommand('distill.startRun', uri);

    // distill.maxConcurrentRuns defaults to 1.
    const queued = api.runs.pending().filter((pending) => pending.queuePosition !== undefined);
    assert.equal(queued.length, 1);
    const group = children(api).find((node) => node.kind === 'group' && node.name === 'integration-tiny');
    assert.ok(group !== undefined);
    const pendingNode = children(api, group).find((node) => node.kind === 'pending' && node.pending.queuePosition === 1);
    assert.ok(pendingNode !== undefined, 'the queued run is not in the tree');
    assert.equal(api.experiments.getTreeItem(pendingNode).description, 'queued, position 1');

    await api.runManager.whenIdle();
  });
});
