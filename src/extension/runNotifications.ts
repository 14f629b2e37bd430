// Notifications of a run outside the tree: a cancellable progress notification while it waits or
// runs, and a message when it ends (completed, cancelled, failed or rejected).

import * as path from 'node:path';

import * as vscode from 'vscode';

import { ConfigDiagnostics, showConfigErrors } from './configDiagnostics';
import { firstLine, formatCount, type Localizer } from './format';
import { localizeRunError } from './runs/hostErrors';
import type { RunHandle, RunManager, RunOutcome } from './runs/runManager';
import { describeProgress, runFraction, teacherMembers, trainedRoles } from './runProgress';
import type { RunsModel } from './runsModel';

export interface RunNotificationsDependencies {
  manager: RunManager;
  runs: RunsModel;
  diagnostics: ConfigDiagnostics;
  log: vscode.LogOutputChannel;
  l10n: Localizer;
  openResults: (runDir: string) => Promise<void>;
}

export class RunNotifications implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: RunNotificationsDependencies) {
    this.subscription = deps.manager.onDidEnd((outcome) => {
      void this.showOutcome(outcome);
    });
  }

  /**
   * Shows a progress notification until the run ends: queue position, then phase, epoch and
   * percentage. Its Cancel button cancels the run.
   */
  trackProgress(handle: RunHandle, name: string): void {
    const { manager, runs, l10n } = this.deps;
    const options: vscode.ProgressOptions = {
      location: vscode.ProgressLocation.Notification,
      title: l10n.t('Distill: {0}', name),
      cancellable: true,
    };

    void vscode.window.withProgress(options, (progress, token) => {
      return new Promise<void>((resolve) => {
        let reportedPercent = 0;
        const update = (): void => {
          if (handle.state === 'queued') {
            progress.report({ message: l10n.t('Waiting for a free run slot (distill.maxConcurrentRuns)…') });
            return;
          }
          const config = runs.startedConfig(handle);
          const roles = trainedRoles(config);
          const members = teacherMembers(config);
          const fraction = runFraction(handle, roles, members);
          const percent = fraction === undefined ? reportedPercent : Math.max(reportedPercent, fraction * 100);
          progress.report({ message: describeProgress(handle, roles, l10n, members), increment: percent - reportedPercent });
          reportedPercent = percent;
        };

        const subscriptions: vscode.Disposable[] = [];
        const finish = (): void => {
          subscriptions.forEach((subscription) => subscription.dispose());
          resolve();
        };
        subscriptions.push(
          manager.onDidReceiveEvent(({ handle: eventHandle }) => {
            if (eventHandle.key === handle.key) {
              update();
            }
          }),
          manager.onDidChange(update),
          manager.onDidEnd((outcome) => {
            if (outcome.handle.key === handle.key) {
              finish();
            }
          }),
          token.onCancellationRequested(() => {
            manager.cancel(handle.key);
          }),
        );

        // The run may have ended before the notification was shown, such as a worker that could not start.
        if (handle.state === 'finished') {
          finish();
          return;
        }
        update();
      });
    });
  }

  private async showOutcome(outcome: RunOutcome): Promise<void> {
    const { runs, log, l10n } = this.deps;
    const { handle } = outcome;
    const name = runs.nameOf(handle);
    const label = handle.runId ?? name;

    switch (outcome.status) {
      case 'completed': {
        const distilled = outcome.summary?.models.distilled;
        const baseline = outcome.summary?.models.baseline;
        const message =
          distilled !== undefined && baseline !== undefined
            ? l10n.t(
                'Run {0} completed: distilled student {1} vs baseline student {2} test errors.',
                label,
                formatCount(distilled.errors, l10n),
                formatCount(baseline.errors, l10n),
              )
            : l10n.t('Run {0} completed.', label);
        await this.offerResults(vscode.window.showInformationMessage, message, handle);
        return;
      }

      case 'cancelled': {
        const message = handle.runId === undefined ? l10n.t('The queued run of {0} was cancelled before it started.', name) : l10n.t('Run {0} was cancelled.', label);
        await this.offerResults(vscode.window.showInformationMessage, message, handle);
        return;
      }

      case 'failed': {
        if (outcome.stderrTail.length > 0) {
          log.error(outcome.stderrTail.map((line) => `[${label}] worker output: ${line}`).join('\n'));
        }
        const error = localizeRunError(outcome.error, outcome.errorReason, l10n);
        const message = l10n.t('Run {0} failed: {1}', label, firstLine(error ?? l10n.t('unknown error')));
        await this.offerResults(vscode.window.showErrorMessage, message, handle, true);
        return;
      }

      case 'rejected':
        await this.showRejection(outcome, name);
        return;
    }
  }

  private async showRejection(outcome: RunOutcome, name: string): Promise<void> {
    const { diagnostics, log, l10n } = this.deps;
    const rejection = outcome.rejection;
    const configUri = vscode.Uri.file(outcome.handle.configPath);
    if (rejection?.kind === 'config' && rejection.problems.length > 0) {
      diagnostics.publish(configUri, rejection.problems);
      const errors = rejection.problems.filter((problem) => problem.severity === 'error');
      await showConfigErrors(configUri, errors.length > 0 ? errors : rejection.problems, l10n);
      return;
    }

    const showLog = l10n.t('Show log');
    const message = l10n.t(
      '{0} could not start: {1}',
      name === path.basename(outcome.handle.configPath) ? name : `${name} (${path.basename(outcome.handle.configPath)})`,
      firstLine(outcome.error ?? l10n.t('unknown error')),
    );
    const choice = await vscode.window.showErrorMessage(message, showLog);
    if (choice === showLog) {
      log.show(true);
    }
  }

  /** Shows a message with Open results when the run has a folder, and Show log when asked. */
  private async offerResults(
    show: (message: string, ...items: string[]) => Thenable<string | undefined>,
    message: string,
    handle: RunHandle,
    withLog = false,
  ): Promise<void> {
    const { log, l10n, openResults } = this.deps;
    const openResultsAction = l10n.t('Open results');
    const showLog = l10n.t('Show log');
    const actions = [...(withLog ? [showLog] : []), ...(handle.runDir === undefined ? [] : [openResultsAction])];
    const choice = await show(message, ...actions);
    if (choice === showLog) {
      log.show(true);
    } else if (choice === openResultsAction && handle.runDir !== undefined) {
      await openResults(handle.runDir);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
