// The messages of a results panel for one run folder: a snapshot when its webview is ready, then
// on each poll the events appended to events.jsonl and, once, the softened/ subset. No `vscode`
// import, so node's test runner drives it against real run folders.

import * as path from 'node:path';

import type { ResultsHostMessage, ResultsSnapshotMessage } from '../../protocol/webview';
import { EventsReader, includesFinish, isFinalStatus, readResultsSnapshot, readSoftened } from './runFolder';

export class ResultsFeed {
  private reader: EventsReader | undefined;
  private softenedSent = false;
  private finishedSeen = false;

  /**
   * @param warn receives each problem met while reading the folder, as a sentence without the run id.
   */
  constructor(
    readonly runId: string,
    readonly runDir: string,
    private readonly warn: (message: string) => void,
    private readonly onBadLine: (line: number, text: string) => void,
  ) {}

  /** True once the run has ended and its softened/ subset, if any, was read: later polls send nothing. */
  get finished(): boolean {
    return this.finishedSeen;
  }

  /** Reads the whole folder again and starts the next polls from the end of events.jsonl. */
  snapshot(): ResultsSnapshotMessage {
    this.reader = new EventsReader(path.join(this.runDir, 'events.jsonl'), this.onBadLine);
    const snapshot = readResultsSnapshot(this.runId, this.runDir, this.reader);
    snapshot.warnings.forEach(this.warn);
    this.softenedSent = snapshot.softened !== undefined;
    // A run marked interrupted has no run/finished line, but its folder changes no more either.
    this.finishedSeen = isFinalStatus(snapshot.status);
    return snapshot;
  }

  /** Returns the messages for what changed since the snapshot or the previous poll. */
  poll(): ResultsHostMessage[] {
    if (this.reader === undefined) {
      return [];
    }
    const messages: ResultsHostMessage[] = [];
    const events = this.reader.readNew();
    if (events.length > 0) {
      messages.push({ type: 'results/events', runId: this.runId, events });
    }

    if (!this.softenedSent) {
      const warnings: string[] = [];
      const softened = readSoftened(this.runDir, warnings);
      warnings.forEach(this.warn);
      if (softened !== undefined) {
        this.softenedSent = true;
        messages.push({ type: 'results/softened', runId: this.runId, softened });
      }
    }

    // The worker writes softened/ before run/finished, so nothing can follow the finish.
    if (includesFinish(events)) {
      this.finishedSeen = true;
    }
    return messages;
  }
}
