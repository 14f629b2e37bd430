// Output to stdout that survives a reader that stops early, as in `distill run --json | head -1`.
// Writing to a pipe whose reader has exited fails with EPIPE; without a listener, Node throws that
// error from the stream and the process ends with a stack trace. The CLI treats it like Ctrl-C.

let closed = false;
const closeListeners = new Set<() => void>();

/**
 * Adds the listener that turns EPIPE on `stream` into the closed state. Call it once, before the
 * first write. Other stream errors are rethrown, as Node would do without a listener.
 */
export function watchStdout(stream: NodeJS.WritableStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // ERR_STREAM_DESTROYED follows EPIPE for writes that were already queued.
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
      throw error;
    }
    if (closed) {
      return;
    }
    closed = true;
    for (const listener of closeListeners) {
      listener();
    }
  });
}

/** Returns true once a write to stdout failed because its reader closed it. */
export function isStdoutClosed(): boolean {
  return closed;
}

/** Calls `listener` once stdout is closed; the returned function removes it. */
export function onStdoutClosed(listener: () => void): () => void {
  closeListeners.add(listener);
  return () => closeListeners.delete(listener);
}

/** Writes `text` to stdout unless its reader has closed it. */
export function writeStdout(text: string): void {
  if (!closed) {
    process.stdout.write(text);
  }
}
