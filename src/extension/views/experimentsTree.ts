// The Experiments view: runs grouped by config name, newest first, each with its teacher,
// distilled student and baseline student as children, and when the run has them the ensemble's
// members and the bias-adjusted student. Labels and tooltips come from runLabels.ts.

import * as vscode from 'vscode';

import type { ModelRole } from '../../config/types';
import type { SweepSummary } from '../../protocol/messages';
import { groupSweepRuns } from '../sweeps/sweepIndex';
import type { SweepsModel } from '../sweeps/sweepsModel';
import { formatCount, type Localizer } from '../format';
import type { ExperimentRun, PendingRun, RunsModel } from '../runsModel';
import { describeProgress } from '../runProgress';
import {
  evaluatedModels,
  modelContextValue,
  modelDescription,
  runContextValue,
  runDescription,
  runLabel,
  runTooltip,
  RUN_STATUS_COLORS,
  RUN_STATUS_ICONS,
  type EvaluatedModel,
} from './runLabels';
import { sweepChildLabel, sweepDescription, sweepLabel, sweepTooltip } from './sweepLabels';

export const EXPERIMENTS_VIEW_ID = 'distill.experiments';

export type ExperimentNode = GroupNode | RunNode | PendingNode | ModelNode | SweepNode;

export interface GroupNode {
  kind: 'group';
  name: string;
  runs: ExperimentRun[];
  pending: PendingRun[];
  sweeps: SweepNode[];
}

/** A sweep under its experiment, with its child runs in grid order. */
export interface SweepNode {
  kind: 'sweep';
  sweepId: string;
  summary?: SweepSummary;
  runs: ExperimentRun[];
}

export interface RunNode {
  kind: 'run';
  run: ExperimentRun;
}

export interface PendingNode {
  kind: 'pending';
  pending: PendingRun;
}

export interface ModelNode {
  kind: 'model';
  run: ExperimentRun;
  role: ModelRole;
  model: EvaluatedModel;
}

const modelIcons: Record<ModelRole, string> = {
  teacher: 'mortar-board',
  distilled: 'beaker',
  baseline: 'circle-large-outline',
};

export class ExperimentsTreeProvider implements vscode.TreeDataProvider<ExperimentNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExperimentNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;
  private readonly parents = new Map<ExperimentNode, ExperimentNode>();

  private readonly sweepSubscription: vscode.Disposable | undefined;

  constructor(
    private readonly model: RunsModel,
    private readonly l10n: Localizer,
    private readonly sweeps?: SweepsModel,
  ) {
    this.subscription = model.onDidChange(() => this.changeEmitter.fire(undefined));
    this.sweepSubscription = sweeps?.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  /** Root: one group per config name, ordered by its newest run; runs that wait for a worker come first. */
  getChildren(node?: ExperimentNode): ExperimentNode[] {
    if (node === undefined) {
      this.parents.clear();
      return this.groups();
    }
    const children = this.childrenOf(node);
    children.forEach((child) => this.parents.set(child, node));
    return children;
  }

  getParent(node: ExperimentNode): ExperimentNode | undefined {
    return this.parents.get(node);
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return this.groupItem(node);
      case 'run':
        return this.runItem(node.run);
      case 'pending':
        return this.pendingItem(node.pending);
      case 'model':
        return this.modelItem(node);
      case 'sweep':
        return this.sweepItem(node);
    }
  }

  private groups(): GroupNode[] {
    const groups = new Map<string, GroupNode>();
    const groupOf = (name: string): GroupNode => {
      let group = groups.get(name);
      if (group === undefined) {
        group = { kind: 'group', name, runs: [], pending: [], sweeps: [] };
        groups.set(name, group);
      }
      return group;
    };
    for (const pending of this.model.pending()) {
      groupOf(pending.name).pending.push(pending);
    }
    // The children of a sweep go under one sweep node instead of being runs of their experiment.
    const { plain, groups: sweepGroups } = groupSweepRuns(
      this.model.runs(),
      this.sweeps?.sweeps() ?? [],
      (run) => run.record.summary?.sweep?.sweepId,
      (run) => run.record.summary?.sweep?.index ?? 0,
    );
    for (const sweep of sweepGroups) {
      const name = sweep.summary?.name ?? sweep.runs[0]?.record.name ?? sweep.sweepId;
      groupOf(name).sweeps.push({ kind: 'sweep', ...sweep });
    }
    // runs() is newest first, so groups are created in the order of their newest run.
    for (const run of plain) {
      groupOf(run.record.name).runs.push(run);
    }
    return [...groups.values()];
  }

  private childrenOf(node: ExperimentNode): ExperimentNode[] {
    switch (node.kind) {
      case 'group':
        return [
          ...node.pending.map((pending): PendingNode => ({ kind: 'pending', pending })),
          ...node.sweeps,
          ...node.runs.map((run): RunNode => ({ kind: 'run', run })),
        ];
      case 'sweep':
        return node.runs.map((run): RunNode => ({ kind: 'run', run }));
      case 'run':
        return evaluatedModels(node.run.record.summary, this.l10n).map((model): ModelNode => ({ kind: 'model', run: node.run, role: model.role, model }));
      case 'pending':
      case 'model':
        return [];
    }
  }

  private groupItem(node: GroupNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `group:${node.name}`;
    item.iconPath = new vscode.ThemeIcon('beaker');
    item.contextValue = 'distill.group';
    const count = node.runs.length + node.pending.length + node.sweeps.length;
    item.description = count === 1 ? this.l10n.t('1 run') : this.l10n.t('{0} runs', formatCount(count, this.l10n));
    return item;
  }

  private runItem(run: ExperimentRun): vscode.TreeItem {
    const { record } = run;
    const hasModels = Object.keys(record.summary?.models ?? {}).length > 0;
    const membership = record.summary?.sweep;
    const item = new vscode.TreeItem(
      membership === undefined ? runLabel(record, this.l10n) : sweepChildLabel(membership, this.l10n),
      hasModels ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `run:${record.runDir}`;
    const color = RUN_STATUS_COLORS[record.status];
    item.iconPath = new vscode.ThemeIcon(RUN_STATUS_ICONS[record.status], color === undefined ? undefined : new vscode.ThemeColor(color));
    const description = runDescription(record, run.handle, run.roles, this.l10n, run.members);
    item.description = run.folderName === undefined ? description : `${description} · ${run.folderName}`;
    item.tooltip = new vscode.MarkdownString(runTooltip(record, run.config, this.l10n));
    item.contextValue = runContextValue(record.status);
    return item;
  }

  private sweepItem(node: SweepNode): vscode.TreeItem {
    const item = new vscode.TreeItem(sweepLabel(node.summary, this.l10n), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sweep:${node.sweepId}`;
    const live = this.sweeps?.isLive(node.sweepId) ?? false;
    const status = live ? 'running' : (node.summary?.status ?? 'interrupted');
    const color = RUN_STATUS_COLORS[status];
    item.iconPath = new vscode.ThemeIcon(live ? RUN_STATUS_ICONS.running : 'table', color === undefined ? undefined : new vscode.ThemeColor(color));
    item.description = sweepDescription(node.summary, live, this.l10n);
    item.tooltip = sweepTooltip(node.summary, this.l10n);
    item.contextValue = live ? 'distill.sweep.live' : 'distill.sweep';
    return item;
  }

  private pendingItem(pending: PendingRun): vscode.TreeItem {
    const item = new vscode.TreeItem(pending.name, vscode.TreeItemCollapsibleState.None);
    item.id = `pending:${pending.handle.key}`;
    const queued = pending.queuePosition !== undefined;
    item.iconPath = new vscode.ThemeIcon(queued ? RUN_STATUS_ICONS.queued : RUN_STATUS_ICONS.running);
    item.description = queued
      ? this.l10n.t('queued, position {0}', pending.queuePosition as number)
      : describeProgress(pending.handle, [], this.l10n);
    item.tooltip = pending.handle.configPath;
    // Not a run item: it has no folder yet, so only Cancel applies (see package.json's menus).
    item.contextValue = 'distill.pending';
    return item;
  }

  private modelItem(node: ModelNode): vscode.TreeItem {
    const { model } = node;
    const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    const runDir = node.run.record.runDir;
    item.description = modelDescription(model.evaluation, this.l10n);
    switch (model.kind) {
      case 'model':
        item.id = `model:${runDir}:${node.role}`;
        item.iconPath = new vscode.ThemeIcon(modelIcons[node.role]);
        item.contextValue = modelContextValue(node.role);
        break;
      case 'member':
        item.id = `member:${runDir}:${model.member ?? ''}`;
        item.iconPath = new vscode.ThemeIcon('person');
        // Not `distill.model.*`, whose menus act on whole models; package.json's Export menu names it.
        item.contextValue = 'distill.member';
        break;
      case 'adjusted':
        item.id = `adjusted:${runDir}`;
        item.iconPath = new vscode.ThemeIcon(modelIcons.distilled);
        // Not `distill.model.distilled`, whose menus act on the unadjusted student.
        item.contextValue = 'distill.adjusted';
        break;
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.sweepSubscription?.dispose();
    this.changeEmitter.dispose();
  }
}
