// Errors in what the user supplied (config, data files, teacher model). They are reported as a
// `run/rejected` event, printed without a stack trace, and make the CLI exit with code 2.

import { parseTree } from 'jsonc-parser';

import { valueRange } from '../config/locate';
import { ConfigError, createProblem } from '../config/problems';
import type { RunRejectedEvent } from '../protocol/messages';
import { DataError } from './data/errors';
import { ModelLoadError } from './models/modelIo';

/**
 * Turns a DataError about a config field (one with a `setting`) into a ConfigError located at that
 * field in `configText`, so that the CLI prints its line and column and VS Code shows it in the
 * Problems panel. Any other error is returned unchanged.
 */
export function locateDataError(error: unknown, configText: string, configPath: string): unknown {
  if (!(error instanceof DataError) || error.setting === undefined) {
    return error;
  }
  const root = parseTree(configText, [], { allowTrailingComma: true, disallowComments: false });
  // `configText` parsed before the data was loaded, so the fallback range is not expected to be used.
  const range = root === undefined ? { offset: 0, length: 0 } : valueRange(root, error.setting);
  // Most data messages already name their field ("transfer.examples is 2400, but …"); the JSON
  // path goes in front only of those that do not.
  const fieldName = error.setting
    .split('/')
    .filter((part) => part !== '' && !/^\d+$/.test(part))
    .join('.');
  const message = error.message.includes(fieldName) ? error.message : `${error.setting}: ${error.message}`;
  const problem = createProblem(configText, range, error.setting, message);
  return new ConfigError(configPath, [problem]);
}

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
