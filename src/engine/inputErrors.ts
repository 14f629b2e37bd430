// Errors in what the user supplied (config, data files, teacher model). They are reported as a
// `run/rejected` event, printed without a stack trace, and make the CLI exit with code 2.

import { ConfigError } from '../config/problems';
import type { RunRejectedEvent } from '../protocol/messages';
import { DataError } from './data/errors';
import { ModelLoadError } from './models/modelIo';

/** The configured backend cannot be set up on this machine. */
export class BackendUnavailableError extends Error {}

/** Returns the rejection for an input error, or undefined for any other error. */
export function toRejection(error: unknown): RunRejectedEvent | undefined {
  if (error instanceof ConfigError) {
    const problems = error.problems.map(({ path, message, severity, line, column, endLine, endColumn }) => ({
      path,
      message,
      severity,
      line,
      column,
      endLine,
      endColumn,
    }));
    return { type: 'run/rejected', runId: '', kind: 'config', message: error.message, problems };
  }
  if (error instanceof DataError) {
    return { type: 'run/rejected', runId: '', kind: 'data', message: error.message, problems: [] };
  }
  if (error instanceof ModelLoadError) {
    return { type: 'run/rejected', runId: '', kind: 'model', message: error.message, problems: [] };
  }
  if (error instanceof BackendUnavailableError) {
    return { type: 'run/rejected', runId: '', kind: 'backend', message: error.message, problems: [] };
  }
  return undefined;
}
