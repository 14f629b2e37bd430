// Runs bench/torch_peer.py, the PyTorch peer of the distillation step, with a Python that can
// import torch. PyTorch is never a dependency of the project: the bench reports it as missing.

import { spawn, spawnSync } from 'node:child_process';

import { parsePeerOutput, parsePeerProbe, type PeerResult } from './report';

/**
 * Pythons tried in order when --python is not given. Debian's python3-torch installs into the
 * system Python, which a pyenv or virtualenv `python3` earlier on PATH hides.
 */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'];

/**
 * Returns the first of `pythons` whose `torch_peer.py --probe` reports torch, or the `missing`
 * result of the last one tried, with the reason.
 */
export function findPeerPython(pythons: string[], script: string): { python: string } | Extract<PeerResult, { status: 'missing' }> {
  let reason = 'no Python to try';
  for (const python of pythons) {
    const probe = spawnSync(python, [script, '--probe'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.error !== undefined) {
      reason = `${python} failed to start (${probe.error.message})`;
      continue;
    }
    if (probe.status !== 0) {
      reason = `${python} ${script} --probe exited with code ${probe.status}: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
      continue;
    }
    const result = parsePeerProbe(probe.stdout);
    if (result.status === 'missing') {
      reason = `${python}: ${result.reason}`;
      continue;
    }
    return { python };
  }
  return { status: 'missing', reason };
}

/** Runs the peer once with `threads` intra-op threads on the data folder written by the bench. */
export function runPeer(python: string, script: string, dataFolder: string, threads: number, timedEpochs: number): Promise<PeerResult> {
  const args = [script, '--data', dataFolder, '--threads', String(threads), '--epochs', String(timedEpochs)];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${python} ${args.join(' ')} exited with code ${code}: ${stderr.trim()}`));
        return;
      }
      try {
        resolve(parsePeerOutput(stdout));
      } catch (error) {
        reject(error);
      }
    });
  });
}
