// Starts a sweep from the host and shows it outside the tree: a cancellable progress notification
// while it runs, and a message when it ends.

import * as vscode from 'vscode';

import { ConfigError } from '../../config/problems';
import type { SweepSummary } from '../../protocol/messages';
import type { SweepRunner } from '../../sweep/sweepRunner';
import { showConfigErrors } from '../configDiagnostics';
import type { Localizer } from '../format';
import { sweepDescription } from '../views/sweepLabels';
import type { SweepSessions, SweepStartRequest } from './sweepSessions';

/** Starts a sweep and tracks it in a notification; returns undefined when it could not start. */
export function startSweep(
  sessions: SweepSessions,
  request: SweepStartRequest,
  name: string,
  log: vscode.LogOutputChannel,
  l10n: Localizer,
): SweepRunner | undefined {
  let runner: SweepRunner;
  try {
    runner = sessions.start(request);
  } catch (error) {
    if (error instanceof ConfigError) {
      log.warn(`[${request.configPath}] Sweep not started: the config has ${error.problems.length} error(s).`);
      void showConfigErrors(vscode.Uri.file(request.configPath), error.problems, l10n);
      return undefined;
    }
    const message = error instanceof Error ? error.message : String(error);
    log.error(`[${request.configPath}] Sweep not started: ${message}`);
    void vscode.window.showErrorMessage(l10n.t('Cannot start the sweep of {0}: {1}', name, message));
    return undefined;
  }
  log.info(`[${runner.sweepId}] Sweep of "${name}" started: ${runner.summary.children.length} child runs, ${runner.summary.concurrency} at a time.`);
  trackSweep(sessions, runner, name, l10n);
  return runner;
}

function trackSweep(sessions: SweepSessions, runner: SweepRunner, name: string, l10n: Localizer): void {
  const options: vscode.ProgressOptions = {
    location: vscode.ProgressLocation.Notification,
    title: l10n.t('Distill sweep: {0}', name),
    cancellable: true,
  };
  void vscode.window.withProgress(options, (progress, token) => {
    return new Promise<void>((resolve) => {
      let reportedPercent = 0;
      const update = (summary: SweepSummary): void => {
        const ended = summary.children.filter((child) => child.status !== 'queued' && child.status !== 'running').length;
        const percent = (ended / Math.max(1, summary.children.length)) * 100;
        progress.report({ message: sweepDescription(summary, true, l10n), increment: percent - reportedPercent });
        reportedPercent = percent;
      };
      const subscriptions = [
        sessions.onDidChange((summary) => {
          if (summary.sweepId === runner.sweepId) {
            update(summary);
          }
        }),
        sessions.onDidEnd(({ summary }) => {
          if (summary.sweepId !== runner.sweepId) {
            return;
          }
          subscriptions.forEach((subscription) => subscription.dispose());
          resolve();
          void showSweepOutcome(summary, name, l10n);
        }),
        token.onCancellationRequested(() => sessions.cancel(runner.sweepId)),
      ];
      update(runner.summary);
    });
  });
}

async function showSweepOutcome(summary: SweepSummary, name: string, l10n: Localizer): Promise<void> {
  const description = sweepDescription(summary, false, l10n);
  if (summary.status === 'completed') {
    await vscode.window.showInformationMessage(l10n.t('Sweep of {0} completed: {1}', name, description));
  } else if (summary.status === 'cancelled') {
    await vscode.window.showInformationMessage(l10n.t('Sweep of {0} was cancelled: {1}', name, description));
  } else {
    await vscode.window.showErrorMessage(l10n.t('Sweep of {0} failed: {1}', name, summary.error ?? description));
  }
}
