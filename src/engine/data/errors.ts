// Errors in data files or data settings that the user can fix.

/** Location of a data error; `line` is 1-based, as editors show it. */
export interface DataErrorLocation {
  file?: string;
  line?: number;
  /** JSON pointer of the config field the error is about, e.g. `/transfer/examples`, so it can be shown at that field. */
  setting?: string;
}

/**
 * Invalid data file or data setting. The CLI prints the message without a stack trace, so the
 * message names the file, states what was expected and what was found, and gives the fix.
 * When `file` is set the message starts with `file:line: ` (or `file: `), a form that terminals
 * and editors turn into a link.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly file?: string;
  readonly line?: number;
  readonly setting?: string;

  constructor(message: string, location: DataErrorLocation = {}) {
    super(formatLocation(location) + message);
    this.file = location.file;
    this.line = location.line;
    this.setting = location.setting;
  }
}

function formatLocation({ file, line }: DataErrorLocation): string {
  if (file === undefined) {
    return '';
  }
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/**
 * Converts a failed open or read of a data file into a DataError that names the file. Errors
 * other than the usual file-system ones are returned unchanged.
 * `description` names the file's role, such as "IDX file" or "CSV file".
 */
export function toFileError(error: unknown, file: string, description: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new DataError(
        `${description} not found. Check the path; relative paths are resolved against the folder of the config file.`,
        { file },
      );
    case 'EISDIR':
      return new DataError(`${description} expected, but the path is a folder. Give the path of the file itself.`, {
        file,
      });
    case 'EACCES':
    case 'EPERM':
      return new DataError(`${description} could not be read: permission denied. Make the file readable.`, { file });
    default:
      return error;
  }
}
