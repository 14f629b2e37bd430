// Located config problems: what is wrong, where in the file, and how it is printed.

export type ProblemSeverity = 'error' | 'warning';

/** One error or warning about a config file, located in its text. */
export interface ConfigProblem {
  /** JSON pointer of the value concerned, e.g. `/teacher/train/epochs`, or '' for the root. */
  path: string;
  message: string;
  severity: ProblemSeverity;
  /** Start of the range in the text, in UTF-16 code units as JavaScript strings count them. */
  offset: number;
  length: number;
  /** 1-based line and column of `offset`. */
  line: number;
  column: number;
  /** 1-based line and column just after the range (exclusive end, as in a VS Code Range). */
  endLine: number;
  endColumn: number;
}

export interface TextRange {
  offset: number;
  length: number;
}

/** Builds a problem, computing its lines and columns from `text`. */
export function createProblem(
  text: string,
  range: TextRange,
  path: string,
  message: string,
  severity: ProblemSeverity = 'error',
): ConfigProblem {
  const start = positionAt(text, range.offset);
  const end = positionAt(text, range.offset + range.length);
  return {
    path,
    message,
    severity,
    offset: range.offset,
    length: range.length,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  };
}

/** Returns the 1-based line and column of an offset. `\n`, `\r\n` and `\r` each end a line. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const char = text.charCodeAt(i);
    const isLineFeed = char === 0x0a;
    const isLoneCarriageReturn = char === 0x0d && text.charCodeAt(i + 1) !== 0x0a;
    if (isLineFeed || isLoneCarriageReturn) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Formats a problem as `file:line:column: severity: message`, the form that compilers print and VS Code problem matchers read. */
export function formatProblem(problem: ConfigProblem, filePath: string): string {
  return `${filePath}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message}`;
}

export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}

/** Sorts problems by position in the file, then errors before warnings. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.offset - b.offset || severityRank(a) - severityRank(b));
}

function severityRank(problem: ConfigProblem): number {
  return problem.severity === 'error' ? 0 : 1;
}

/** Error thrown for an invalid config file; its message lists every problem, one a line. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  readonly filePath: string;

  constructor(filePath: string, problems: ConfigProblem[]) {
    super(problems.map((problem) => formatProblem(problem, filePath)).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.filePath = filePath;
  }
}
