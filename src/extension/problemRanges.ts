// Positions of config problems in VS Code's terms. ConfigProblem and the worker's rejection
// problems count lines and columns from 1, with an exclusive end; vscode.Range counts both
// from 0. No `vscode` import.

import type { LocatedProblem } from '../protocol/messages';

export type { LocatedProblem };

/** 0-based start and end positions, the arguments of `new vscode.Range(...)`. */
export interface ZeroBasedRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export function toZeroBasedRange(problem: LocatedProblem): ZeroBasedRange {
  const startLine = Math.max(0, problem.line - 1);
  const startCharacter = Math.max(0, problem.column - 1);
  const endLine = Math.max(startLine, problem.endLine - 1);
  const endCharacter = endLine === startLine ? Math.max(startCharacter, problem.endColumn - 1) : Math.max(0, problem.endColumn - 1);
  return { startLine, startCharacter, endLine, endCharacter };
}
