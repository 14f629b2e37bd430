// Finds the processes that a code-server started by this test runs, through `ps`, so a test can
// kill one of them by its process id and nothing else.
import { execFileSync } from 'node:child_process';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Full command line. */
  args: string;
}

/** Lists every process of the machine with its parent, process group and command line. */
export function listProcesses(): ProcessInfo[] {
  const output = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  const processes: ProcessInfo[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match !== null) {
      processes.push({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), args: match[4] });
    }
  }
  return processes;
}

/**
 * Returns the processes of the process group `groupId` whose command line contains
 * `commandPart` and whose parent, in the same group, has `parentPart` in its command line.
 * Example: the run workers (`dist/worker.js`) of a code-server's extension host
 * (`--type=extensionHost`).
 */
export function findChildProcesses(groupId: number, parentPart: string, commandPart: string): ProcessInfo[] {
  const group = listProcesses().filter((info) => info.pgid === groupId);
  const parents = new Set(group.filter((info) => info.args.includes(parentPart)).map((info) => info.pid));
  return group.filter((info) => parents.has(info.ppid) && info.args.includes(commandPart));
}

/** Returns whether a process with this id exists (signal 0). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
