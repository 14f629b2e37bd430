// A status bar item for this window's runs: the first running run's name, phase and epoch, and
// how many more run or wait. A click opens the results of the run shown. Hidden when idle.

import * as vscode from 'vscode';

import { formatCount, type Localizer } from './format';
import type { RunManager } from './runs/runManager';
import { describeProgress, describeProgressShort, teacherMembers, trainedRoles } from './runProgress';
import type { RunsModel } from './runsModel';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('distill.activeRun', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly manager: RunManager,
    private readonly runs: RunsModel,
    private readonly l10n: Localizer,
  ) {
    this.item.name = l10n.t('Distill runs');
    // RunsModel coalesces the workers' frequent events before it fires.
    this.subscription = runs.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    const { l10n } = this;
    const handles = this.manager.handles();
    const running = handles.filter((handle) => handle.state === 'running');
    const queued = handles.filter((handle) => handle.state === 'queued');
    if (running.length === 0 && queued.length === 0) {
      this.item.hide();
      return;
    }

    const extra: string[] = [];
    if (running.length > 1) {
      extra.push(l10n.t('+{0} running', running.length - 1));
    }
    if (queued.length > 0) {
      extra.push(l10n.t('{0} queued', formatCount(queued.length, l10n)));
    }
    const suffix = extra.length === 0 ? '' : ` (${extra.join(', ')})`;

    const displayed = running[0];
    if (displayed === undefined) {
      this.item.text = `$(clock) ${l10n.t('Distill: {0} queued', formatCount(queued.length, l10n))}`;
      this.item.tooltip = l10n.t('Runs wait for a free slot: see the distill.maxConcurrentRuns setting.');
      this.item.command = { title: l10n.t('Show experiments'), command: 'distill.experiments.focus' };
      this.item.show();
      return;
    }

    const name = this.runs.nameOf(displayed);
    this.item.text = `$(sync~spin) ${name}: ${describeProgressShort(displayed, l10n)}${suffix}`;
    const config = this.runs.startedConfig(displayed);
    this.item.tooltip = `${displayed.runId ?? name}\n${describeProgress(displayed, trainedRoles(config), l10n, teacherMembers(config))}`;
    this.item.command =
      displayed.runDir === undefined
        ? { title: l10n.t('Show experiments'), command: 'distill.experiments.focus' }
        : { title: l10n.t('Open results'), command: 'distill.openResults', arguments: [displayed.runDir] };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
