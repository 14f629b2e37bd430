// A small typed event emitter with the shape of VS Code's `Event<T>` and `EventEmitter<T>`, for
// code under src/extension/runs/, which must not import `vscode` so that node's test runner can
// load it. An `Event<T>` from here can be passed wherever VS Code expects one.

export type Listener<T> = (value: T) => void;

export interface Disposable {
  dispose(): void;
}

/** Subscribes a listener and returns the Disposable that unsubscribes it. */
export type Event<T> = (listener: Listener<T>, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

export class Emitter<T> {
  // One entry per subscription, so the same function subscribed twice is called twice and each
  // Disposable removes only its own subscription, as in VS Code's emitter.
  private subscriptions = new Set<{ listener: Listener<T> }>();
  private disposed = false;

  /**
   * @param onListenerError receives an error thrown by a listener; the remaining listeners still
   *   run. Without it, `fire` rethrows the first such error after every listener has run.
   */
  constructor(private readonly onListenerError?: (error: unknown) => void) {}

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    if (this.disposed) {
      return { dispose: () => undefined };
    }
    const subscription = { listener: thisArgs === undefined ? listener : listener.bind(thisArgs) };
    this.subscriptions.add(subscription);
    const disposable: Disposable = { dispose: () => this.subscriptions.delete(subscription) };
    disposables?.push(disposable);
    return disposable;
  };

  fire(value: T): void {
    // Iterates over a copy because a listener may subscribe or unsubscribe while it runs.
    const errors: unknown[] = [];
    for (const subscription of [...this.subscriptions]) {
      try {
        subscription.listener(value);
      } catch (error) {
        errors.push(error);
      }
    }

    if (errors.length === 0) {
      return;
    }
    if (this.onListenerError === undefined) {
      throw errors[0];
    }
    errors.forEach((error) => this.onListenerError?.(error));
  }

  /** Removes every listener; later `fire` calls do nothing and later subscriptions are ignored. */
  dispose(): void {
    this.disposed = true;
    this.subscriptions.clear();
  }
}
