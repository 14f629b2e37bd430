// The results page of one run: a header with the run's status, and four tabs (curves, soft
// targets, accuracy, confusion), plus a Sweep tab for a sweep's child runs. It builds its state
// from the host's snapshot and applies live events in batches, once per animation frame.

import type { ResultsHostMessage } from '../../protocol/webview';
import { t } from '../l10n';
import { formatDateTime, formatFixed, statusLabel } from '../model/format';
import { applyEvents, applySoftened, createResultsState, type ResultsChange, type ResultsState } from '../model/results';
import type { ResultsUiState } from '../model/uiState';
import { AccuracyTab } from './accuracyTab';
import { ConfusionTab } from './confusionTab';
import { CurvesTab } from './curvesTab';
import { h, replaceContent } from './dom';
import { SoftTargetsTab } from './softTargetsTab';
import { SweepTab } from './sweepTab';
import { onThemeChange, readTheme } from './theme';

const allChanges: ReadonlySet<ResultsChange> = new Set<ResultsChange>(['run', 'curves', 'evaluations', 'softened']);


export class ResultsPage {
  private state: ResultsState | undefined;
  private readonly header: HTMLElement;
  private readonly body: HTMLElement;
  private readonly curves: CurvesTab;
  private readonly softTargets: SoftTargetsTab;
  private readonly accuracy: AccuracyTab;
  private readonly confusion: ConfusionTab;
  /** Created when the host sends the run's sweep, so only sweep children have the tab. */
  private sweep: SweepTab | undefined;
  private pendingChanges = new Set<ResultsChange>();
  private frameRequested = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly runId: string,
    private readonly ui: ResultsUiState,
    private readonly saveUi: () => void,
  ) {
    this.curves = new CurvesTab(readTheme(), ui, saveUi);
    this.softTargets = new SoftTargetsTab(ui, saveUi);
    this.accuracy = new AccuracyTab();
    this.confusion = new ConfusionTab();

    this.header = h('header', { class: 'run-header' }, h('h2', {}, runId));
    const tabNames = [t('Curves'), t('Soft targets'), t('Accuracy'), t('Confusion')];
    const tabs = h('vscode-tabs', { 'selected-index': ui.tab, 'aria-label': t('Results views'), 'data-testid': 'tabs' });
    tabNames.forEach((name, index) => tabs.append(h('vscode-tab-header', { slot: 'header', 'data-testid': `tab-${index}` }, name)));
    [this.curves, this.softTargets, this.accuracy, this.confusion].forEach((tab) => tabs.append(h('vscode-tab-panel', {}, tab.element)));
    tabs.addEventListener('vsc-tabs-select', (event) => {
      this.ui.tab = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      this.saveUi();
    });
    this.body = tabs;

    this.root.replaceChildren(this.header, h('p', { class: 'loading' }, t('Loading the run…')));
    onThemeChange(() => {
      this.curves.setTheme(readTheme());
      this.sweep?.setTheme(readTheme());
    });
  }

  receive(message: ResultsHostMessage): void {
    if (message.runId !== this.runId) {
      return;
    }
    switch (message.type) {
      case 'results/snapshot':
        this.state = createResultsState(message);
        this.root.replaceChildren(this.header, this.body);
        this.schedule(allChanges);
        break;
      case 'results/events':
        if (this.state !== undefined) {
          this.schedule(applyEvents(this.state, message.events));
        }
        break;
      case 'results/softened':
        if (this.state !== undefined) {
          this.schedule(applySoftened(this.state, message.softened));
        }
        break;
      case 'results/sweep':
        this.showSweep(message.sweep);
        break;
      case 'results/error':
        this.root.replaceChildren(this.header, h('p', { class: 'error', role: 'alert' }, message.message));
        break;
    }
  }

  private showSweep(sweep: Parameters<SweepTab['update']>[0]): void {
    if (this.sweep === undefined) {
      this.sweep = new SweepTab(readTheme(), this.ui, this.saveUi);
      this.body.append(
        h('vscode-tab-header', { slot: 'header', 'data-testid': `tab-${this.body.querySelectorAll('vscode-tab-header').length}` }, t('Sweep')),
        h('vscode-tab-panel', {}, this.sweep.element),
      );
    }
    this.sweep.update(sweep);
  }

  private schedule(changes: ReadonlySet<ResultsChange>): void {
    changes.forEach((change) => this.pendingChanges.add(change));
    if (this.frameRequested) {
      return;
    }
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const pending = this.pendingChanges;
      this.pendingChanges = new Set();
      this.render(pending);
    });
  }

  private render(changes: ReadonlySet<ResultsChange>): void {
    const state = this.state;
    if (state === undefined) {
      return;
    }
    if (changes.has('run') || changes.has('evaluations')) {
      this.renderHeader(state);
    }
    this.curves.update(state, changes);
    this.softTargets.update(state, changes);
    this.accuracy.update(state, changes);
    this.confusion.update(state, changes);
    this.root.dataset.events = String(state.eventCount);
  }

  private renderHeader(state: ResultsState): void {
    const details = [
      t('Run {0}', state.runId),
      state.summary?.backend === undefined ? undefined : t('{0} backend', state.summary.backend),
      state.temperature === undefined ? undefined : `T = ${formatFixed(state.temperature, state.temperature % 1 === 0 ? 0 : 2)}`,
      state.summary?.startedAt === undefined ? undefined : t('started {0}', formatDateTime(state.summary.startedAt)),
    ].filter((part): part is string => part !== undefined);

    replaceContent(
      this.header,
      h('div', { class: 'title-row' }, h('h2', {}, state.runName), h('vscode-badge', { class: `status status-${state.status}`, 'data-testid': 'run-status' }, statusLabel(state.status))),
      h('p', { class: 'run-meta' }, details.join(' · ')),
      state.phase === undefined ? undefined : h('p', { class: 'phase', 'aria-live': 'polite' }, state.phase.detail),
      state.error === undefined ? undefined : h('p', { class: 'error', role: 'alert' }, state.error),
      state.warnings.length === 0 ? undefined : h('ul', { class: 'warnings' }, ...state.warnings.map((warning) => h('li', {}, warning))),
    );
  }
}
