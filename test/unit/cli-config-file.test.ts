// The message `distill run` prints when its config file cannot be read.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { describeConfigReadError, readConfigFile } from '../../src/cli/configFile';

function folderWith(files: string[]): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-config-file-'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    writeFileSync(path.join(folder, file), '{}');
  }
  return folder;
}

function failureMessage(argument: string | undefined, cwd: string): string {
  const result = readConfigFile(argument, cwd);
  assert.equal(result.ok, false, 'the read fails');
  return result.ok ? '' : result.message;
}

test('readable config returns its text', () => {
  const folder = folderWith(['exp.distill.json']);

  const result = readConfigFile('exp.distill.json', folder);

  assert.deepEqual(result, { ok: true, configPath: path.join(folder, 'exp.distill.json'), configText: '{}' });
});

test('missing file lists the configs there', () => {
  const folder = folderWith(['b.distill.json', 'a.distill.json', 'notes.json', 'sub/distill.json']);

  const message = failureMessage('nowhere.json', folder);

  const [problem, fix] = message.split('\n');
  assert.equal(problem, `error: cannot read the config nowhere.json (${path.join(folder, 'nowhere.json')}): no such file.`);
  assert.equal(fix, 'Config files in the current folder: a.distill.json, b.distill.json. Pass one of them, e.g. `distill run a.distill.json`.');
  assert.doesNotMatch(message, /ENOENT/);
});

test('missing default config says so', () => {
  const folder = folderWith([]);

  const message = failureMessage(undefined, folder);

  assert.match(message, new RegExp(`^error: cannot read the config ${path.join(folder, 'distill.json')} \\(the default when no config is given\\): no such file\\.\\n`));
  assert.match(message, /No distill\.json or \*\.distill\.json file is in the current folder\./);
  assert.match(message, /`distill run examples\/mnist-quick\/distill\.json`/);
  assert.match(message, /create distill\.json with `\{\}` in it/);
});

test('missing file in another folder lists that folder', () => {
  const folder = folderWith(['exp/first.distill.json', 'exp/distill.json']);

  const message = failureMessage('exp/typo.distill.json', folder);

  assert.match(message, /: no such file\.\n/);
  assert.match(message, /Config files in exp: exp\/distill\.json, exp\/first\.distill\.json\. Pass one of them, e.g. `distill run exp\/distill\.json`\./);
});

test('missing folder names it', () => {
  const folder = folderWith(['distill.json']);

  const message = failureMessage('nofolder/distill.json', folder);

  assert.match(message, new RegExp(`no such file, because the folder ${path.join(folder, 'nofolder')} does not exist\\.`));
  assert.match(message, /Config files in the current folder: distill\.json\./);
});

test('folder argument lists its configs', () => {
  const folder = folderWith(['exp/distill.json']);

  const message = failureMessage('exp', folder);

  assert.match(message, /^error: cannot read the config exp \(.*\): it is a folder, not a file\.\n/);
  assert.match(message, /`distill run exp\/distill\.json`/);
});

test('absolute path is named once', () => {
  const folder = folderWith([]);
  const absolute = path.join(folder, 'absent.distill.json');

  const message = failureMessage(absolute, folderWith([]));

  assert.ok(message.startsWith(`error: cannot read the config ${absolute}: no such file.\n`), message);
  assert.match(message, new RegExp(`file is in ${folder}\\.`));
});

test('permission denied names the check', () => {
  const error = Object.assign(new Error("EACCES: permission denied, open '/srv/exp/distill.json'"), { code: 'EACCES' });

  const message = describeConfigReadError('exp/distill.json', '/srv/exp/distill.json', error, '/srv');

  assert.match(message, /^error: cannot read the config exp\/distill\.json \(\/srv\/exp\/distill\.json\): permission denied\.\n/);
  assert.match(message, /`ls -l \/srv\/exp\/distill\.json`/);
});

test('other codes keep the system message', () => {
  const error = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });

  const message = describeConfigReadError('a.json', '/w/a.json', error, '/w');

  assert.match(message, /^error: cannot read the config a\.json \(\/w\/a\.json\): EMFILE: too many open files\.\n/);
});
