// Coalesces bursts of change notifications, such as a file watcher's events while a worker
// appends to events.jsonl. No `vscode` import.

/**
 * Runs `action` at most once per `delayMs`. The first `schedule()` starts a timer and the calls
 * that follow before it fires are merged into that one run. Unlike a debounce, a steady stream of
 * calls still runs the action every `delayMs`.
 */
export class CoalescingTimer {
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly action: () => void,
    private readonly delayMs: number,
  ) {}

  schedule(): void {
    if (this.timer !== undefined || this.disposed) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.action();
    }, this.delayMs);
  }

  /** Runs a scheduled action now instead of when its timer fires; does nothing when none is scheduled. */
  flush(): void {
    if (this.timer === undefined) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.action();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
