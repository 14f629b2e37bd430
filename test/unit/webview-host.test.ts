// The host side of the results panels that runs without VS Code: reading run folders for
// snapshots and live updates, and the webview page with its Content Security Policy.

import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { contentSecurityPolicy, createNonce, renderWebviewPage } from '../../src/extension/results/html';
import { ResultsFeed } from '../../src/extension/results/resultsFeed';
import { EventsReader, includesFinish, readResultsSnapshot, readSoftened } from '../../src/extension/results/runFolder';

const fixtureDir = path.resolve(__dirname, '../fixtures/runs/mnist-quick');
const runId = '20261204-210156-mnist-quick';
const scratch = mkdtempSync(path.join(tmpdir(), 'distill-webview-host-'));

after(() => rmSync(scratch, { recursive: true, force: true }));

function copyFixture(name: string): string {
  const runDir = path.join(scratch, name);
  cpSync(fixtureDir, runDir, { recursive: true });
  return runDir;
}

describe('EventsReader', () => {
  test('returns only lines appended since the last read', () => {
    const file = path.join(scratch, 'incremental.jsonl');
    writeFileSync(file, '');
    const reader = new EventsReader(file);
    assert.deepEqual(reader.readNew(), []);

    appendFileSync(file, `${JSON.stringify({ type: 'run/log', runId, level: 'info', message: 'one' })}\n`);
    assert.deepEqual(reader.readNew().map((event) => event.type), ['run/log']);

    // A half-written line waits for its newline.
    const second = JSON.stringify({ type: 'run/phase', runId, phase: 'teacher', detail: 'Training' });
    appendFileSync(file, second.slice(0, 20));
    assert.deepEqual(reader.readNew(), []);
    appendFileSync(file, `${second.slice(20)}\n`);
    assert.deepEqual(reader.readNew().map((event) => event.type), ['run/phase']);
    assert.deepEqual(reader.readNew(), []);
  });

  test('reports lines that are not worker events', () => {
    const file = path.join(scratch, 'bad.jsonl');
    writeFileSync(file, `{"type":"run/log","runId":"r","level":"info","message":"ok"}\nnot json\n{"type":"other"}\n`);
    const bad: number[] = [];
    const events = new EventsReader(file, (line) => bad.push(line)).readNew();
    assert.equal(events.length, 1);
    assert.deepEqual(bad, [2, 3]);
  });

  test('missing file reads as no events', () => {
    assert.deepEqual(new EventsReader(path.join(scratch, 'absent.jsonl')).readNew(), []);
  });

  test('starts over when the file shrinks', () => {
    const file = path.join(scratch, 'replaced.jsonl');
    const line = `${JSON.stringify({ type: 'run/log', runId, level: 'info', message: 'x' })}\n`;
    writeFileSync(file, line + line);
    const problems: string[] = [];
    const reader = new EventsReader(file, (_line, text) => problems.push(text));
    assert.equal(reader.readNew().length, 2);
    writeFileSync(file, line);
    assert.equal(reader.readNew().length, 1);
    assert.match(problems[0], /shrank/);
  });
});

describe('readResultsSnapshot', () => {
  test('reads the recorded run folder', () => {
    const reader = new EventsReader(path.join(fixtureDir, 'events.jsonl'));
    const snapshot = readResultsSnapshot(runId, fixtureDir, reader);
    assert.equal(snapshot.type, 'results/snapshot');
    assert.equal(snapshot.runName, 'mnist-quick');
    assert.equal(snapshot.status, 'completed');
    assert.equal(snapshot.events.length, 295);
    assert.ok(includesFinish(snapshot.events));
    assert.deepEqual(snapshot.warnings, []);
    assert.equal((snapshot.config as { distillation: { temperature: number } }).distillation.temperature, 4);
    assert.equal(snapshot.softened?.count, 300);
    assert.equal(snapshot.softened?.inputs.byteLength, 300 * 784);
    assert.deepEqual(Object.keys(snapshot.softened?.logits ?? {}), ['teacher', 'distilled', 'baseline']);
    assert.deepEqual(reader.readNew(), [], 'the reader stays at the end of the file');
  });

  test('live run without summary or softened/', () => {
    const runDir = copyFixture('live');
    rmSync(path.join(runDir, 'summary.json'));
    rmSync(path.join(runDir, 'softened'), { recursive: true });
    const lines = readResultsSnapshot(runId, fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl'))).events.slice(0, 10);
    writeFileSync(path.join(runDir, 'events.jsonl'), lines.map((event) => `${JSON.stringify(event)}\n`).join(''));

    const snapshot = readResultsSnapshot(runId, runDir, new EventsReader(path.join(runDir, 'events.jsonl')));
    assert.equal(snapshot.status, 'running');
    assert.equal(snapshot.runName, 'mnist-quick');
    assert.equal(snapshot.summary, undefined);
    assert.equal(snapshot.softened, undefined);
    assert.deepEqual(snapshot.warnings, []);
  });

  test('warns about unreadable files', () => {
    const runDir = copyFixture('broken');
    writeFileSync(path.join(runDir, 'summary.json'), '{ "status": ');
    rmSync(path.join(runDir, 'config.json'));
    const snapshot = readResultsSnapshot(runId, runDir, new EventsReader(path.join(runDir, 'events.jsonl')));
    assert.equal(snapshot.summary, undefined);
    assert.equal(snapshot.status, 'completed', 'the status comes from run/finished');
    assert.equal(snapshot.warnings.length, 2);
    assert.match(snapshot.warnings[0], /summary\.json .* is unreadable/);
    assert.match(snapshot.warnings[1], /config\.json is missing/);
  });
});

describe('ResultsFeed', () => {
  test('follows a live run to its end', () => {
    const runDir = copyFixture('feed');
    const allLines = readResultsSnapshot(runId, fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl'))).events.map((event) => `${JSON.stringify(event)}\n`);
    const eventsFile = path.join(runDir, 'events.jsonl');
    const softenedDir = path.join(runDir, 'softened');
    const parkedSoftened = path.join(scratch, 'feed-softened');
    cpSync(softenedDir, parkedSoftened, { recursive: true });
    rmSync(softenedDir, { recursive: true });
    rmSync(path.join(runDir, 'summary.json'));
    writeFileSync(eventsFile, allLines.slice(0, 50).join(''));

    const warnings: string[] = [];
    const feed = new ResultsFeed(runId, runDir, (warning) => warnings.push(warning), () => warnings.push('bad line'));
    assert.deepEqual(feed.poll(), [], 'no poll before the snapshot');
    const snapshot = feed.snapshot();
    assert.equal(snapshot.events.length, 50);
    assert.equal(snapshot.status, 'running');
    assert.equal(feed.finished, false);
    assert.deepEqual(feed.poll(), []);

    appendFileSync(eventsFile, allLines.slice(50, 200).join(''));
    const middle = feed.poll();
    assert.deepEqual(middle.map((message) => message.type), ['results/events']);
    assert.equal(middle[0].type === 'results/events' ? middle[0].events.length : 0, 150);

    cpSync(parkedSoftened, softenedDir, { recursive: true });
    appendFileSync(eventsFile, allLines.slice(200).join(''));
    const last = feed.poll();
    assert.deepEqual(last.map((message) => message.type), ['results/events', 'results/softened']);
    assert.equal(feed.finished, true);
    assert.deepEqual(feed.poll(), []);
    assert.deepEqual(warnings, []);
  });

  test('a finished run needs no polling', () => {
    const feed = new ResultsFeed(runId, fixtureDir, () => undefined, () => undefined);
    assert.equal(feed.snapshot().softened?.count, 300);
    assert.equal(feed.finished, true);
  });
});

describe('readSoftened', () => {
  test('truncated logits give a warning naming the file', () => {
    const runDir = copyFixture('truncated');
    truncateSync(path.join(runDir, 'softened', 'distilled.f32'), 100);
    const warnings: string[] = [];
    assert.equal(readSoftened(runDir, warnings), undefined);
    assert.match(warnings[0], /softened\/distilled\.f32 has 100 bytes, but meta\.json \(300 examples\) needs 12000/);
  });

  test('incomplete meta.json gives a warning', () => {
    const runDir = copyFixture('meta');
    writeFileSync(path.join(runDir, 'softened', 'meta.json'), '{"count": 300}');
    const warnings: string[] = [];
    assert.equal(readSoftened(runDir, warnings), undefined);
    assert.match(warnings[0], /lacks count, classes, features, shape or inputFormat/);
  });

  test('buffers are copies of the file bytes', () => {
    const warnings: string[] = [];
    const softened = readSoftened(fixtureDir, warnings)!;
    assert.equal(softened.labels.byteLength, 1200);
    assert.equal(new DataView(softened.labels).getInt32(0, true), 7);
    assert.deepEqual(warnings, []);
  });
});

describe('webview page', () => {
  const nonce = createNonce();
  const page = renderWebviewPage({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/webview.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/results.css'],
    title: 'Results: <run>',
    language: 'fr',
    state: { view: 'results', runId },
  });

  test('CSP allows scripts by nonce only', () => {
    const policy = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce);
    assert.match(policy, /^default-src 'none'; /);
    assert.match(policy, new RegExp(`script-src 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'`));
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    assert.ok(page.includes(`<meta http-equiv="Content-Security-Policy" content="${policy.replace(/'/g, '&#39;')}">`));
    assert.match(policy, /style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net;/);
  });

  test('the only script carries the nonce', () => {
    const scripts = page.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${nonce}"`));
    assert.ok(scripts[0].includes('src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/webview.js"'));
    assert.doesNotMatch(page, /<script[^>]*>[^<]/, 'no inline script body');
  });

  test('escapes the title and state', () => {
    assert.ok(page.includes('<title>Results: &lt;run&gt;</title>'));
    assert.ok(page.includes(`data-state="{&quot;view&quot;:&quot;results&quot;,&quot;runId&quot;:&quot;${runId}&quot;}"`));
    assert.ok(page.includes('<html lang="fr">'));
  });

  test('nonces differ', () => {
    assert.notEqual(createNonce(), createNonce());
    assert.match(createNonce(), /^[A-Za-z0-9+/]{22}==$/);
  });
});
