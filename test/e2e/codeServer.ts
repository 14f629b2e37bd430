// Starts and stops code-server (a real VS Code: the workbench runs in the browser, the extension
// host runs in Node on this machine) for end-to-end tests. Every server binds to 127.0.0.1,
// keeps its settings, state and logs in temporary folders and the test-output folder, and runs
// in its own process group so that stop() also ends its extension host, pty host and watcher.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { assertCodeServerInstalled, codeServerEntry, ensureTestOutputDir } from './paths';
import { startNetworkGuard, type NetworkGuard } from './networkGuard';

export interface CodeServerOptions {
  /** Folder that the workbench opens. */
  workspace: string;
  /** Extensions folder. Default: a new temporary folder. */
  extensionsDir?: string;
  /** VS Code user data folder (settings, state, logs). Default: a new temporary folder. */
  userDataDir?: string;
  /** .vsix files to install with `code-server --install-extension` before the server starts, in order. */
  vsix?: string | readonly string[];
  /** Value of `security.workspace.trust.enabled`. Default false, so no trust prompt appears. */
  workspaceTrust?: boolean;
  /** More user settings, written over the defaults of this module. */
  settings?: Record<string, unknown>;
  /** File name of the server log inside test-output/e2e. Default: `code-server-<port>.log`. */
  logName?: string;
  /** Time allowed for /healthz to return 200, in milliseconds. Default: 60 000. */
  startTimeoutMs?: number;
  /** Display language passed as `--locale`, such as `fr`. Default: code-server's own (English). */
  locale?: string;
}

export interface CodeServer {
  /** Workbench address with the workspace opened: http://127.0.0.1:<port>/?folder=<workspace>. */
  url: string;
  /** Server root, http://127.0.0.1:<port>/. */
  baseUrl: string;
  port: number;
  /** Process id of code-server, which is also the id of its process group. */
  pid: number;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout and stderr, and the output of the --install-extension step. */
  logFile: string;
  /** Ends the server's process group (SIGTERM, then SIGKILL after 10 s) and waits for it. */
  stop(): Promise<void>;
}

/** Settings that keep first-start pages, prompts, telemetry and online look-ups away. */
export function defaultUserSettings(workspaceTrust: boolean): Record<string, unknown> {
  return {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.enableExperiments': false,
    'workbench.settings.enableNaturalLanguageSearch': false,
    'security.workspace.trust.enabled': workspaceTrust,
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    // These built-in extensions fetch from the internet on the server side, where the
    // browser's request blocking cannot see them.
    'json.schemaDownload.enable': false,
    'npm.fetchOnlinePackageInfo': false,
    'typescript.disableAutomaticTypeAcquisition': true,
    'typescript.surveys.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'chat.commandCenter.enabled': false,
  };
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected server address: ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * Starts code-server on a free 127.0.0.1 port with the workspace opened and waits until its
 * /healthz returns 200. Throws, with the end of the server log, when the server exits early
 * or /healthz times out.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertCodeServerInstalled();

  const workspace = path.resolve(options.workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`workspace folder not found: ${workspace}`);
  }

  const port = await findFreePort();
  const logFile = path.join(ensureTestOutputDir(), options.logName ?? `code-server-${port}.log`);
  fs.writeFileSync(logFile, '');

  const createdTempDirs: string[] = [];
  const makeTempDir = (label: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `distill-e2e-${label}-`));
    createdTempDirs.push(dir);
    return dir;
  };
  const userDataDir = options.userDataDir ?? makeTempDir('user-data');
  const extensionsDir = options.extensionsDir ?? makeTempDir('extensions');
  const homeDirs = makeTempDir('xdg');

  // What the server and its extension hosts fetch goes through a guard of their own, which
  // refuses and records it, the way the browser's guard does for the page.
  const guard = await startNetworkGuard('code-server proxy');
  const workspaceTrust = options.workspaceTrust ?? false;
  writeUserSettings(userDataDir, {
    ...defaultUserSettings(workspaceTrust),
    'http.proxy': guard.proxyUrl,
    'http.proxySupport': 'override',
    'http.noProxy': ['127.0.0.1', 'localhost'],
    ...options.settings,
  });
  const configFile = writeCodeServerConfig(homeDirs, port);
  const env = await codeServerEnvironment(homeDirs, guard.proxyUrl);

  const commonArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  try {
    let vsixFiles: readonly string[] = [];
    if (typeof options.vsix === 'string') {
      vsixFiles = [options.vsix];
    } else if (options.vsix !== undefined) {
      vsixFiles = options.vsix;
    }
    for (const vsix of vsixFiles) {
      await installExtension(path.resolve(vsix), commonArgs, env, logFile);
    }

    const serverArgs = [
      ...commonArgs,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
      ...(options.locale === undefined ? [] : ['--locale', options.locale]),
      workspace,
    ];
    const server = spawnInOwnGroup(serverArgs, env, logFile);
    const baseUrl = `http://127.0.0.1:${port}/`;

    const stop = createStopper(server, { tempDirs: createdTempDirs, logFile, userDataDir, guard });
    try {
      await waitForHealthz(baseUrl, server, logFile, options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await stop();
      throw error;
    }

    return {
      url: `${baseUrl}?folder=${encodeURIComponent(workspace)}`,
      baseUrl,
      port,
      pid: server.pid as number,
      workspace,
      userDataDir,
      extensionsDir,
      logFile,
      stop,
    };
  } catch (error) {
    removeDirs(createdTempDirs);
    await guard.close();
    throw error;
  }
}

function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const userDir = path.join(userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

/**
 * Writes code-server's own config file. Without --config, code-server reads (and on first run
 * creates) $XDG_CONFIG_HOME/code-server/config.yaml, which turns on password authentication.
 */
function writeCodeServerConfig(homeDirs: string, port: number): string {
  const configFile = path.join(homeDirs, 'code-server-config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return configFile;
}

async function codeServerEnvironment(homeDirs: string, proxyUrl: string): Promise<NodeJS.ProcessEnv> {
  // Nothing listens on this port, so any request to the extension gallery fails at once
  // instead of leaving the machine.
  const closedPort = await findFreePort();
  const closedGallery = `http://127.0.0.1:${closedPort}`;

  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(homeDirs, 'config'),
    XDG_DATA_HOME: path.join(homeDirs, 'data'),
    XDG_CACHE_HOME: path.join(homeDirs, 'cache'),
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: `${closedGallery}/gallery`,
      itemUrl: `${closedGallery}/item`,
      resourceUrlTemplate: `${closedGallery}/resource/{publisher}/{name}/{version}/{path}`,
    }),
    // Read by code-server itself and by tools that its extensions start.
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
    // A password from the caller's environment would override --auth none.
    PASSWORD: '',
    HASHED_PASSWORD: '',
  };
}

/** Starts code-server on the Node that runs this process. Its extension host uses the same Node. */
function spawnInOwnGroup(args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const logFd = fs.openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [codeServerEntry, ...args], {
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    fs.closeSync(logFd);
  }
}

async function installExtension(
  vsix: string,
  commonArgs: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<void> {
  if (!fs.existsSync(vsix)) {
    throw new Error(`.vsix file not found: ${vsix}`);
  }

  fs.appendFileSync(logFile, `--- code-server --install-extension ${vsix}\n`);
  const installer = spawnInOwnGroup([...commonArgs, '--install-extension', vsix, '--force'], env, logFile);

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    installer.on('error', reject);
    installer.on('exit', (code) => resolve(code));
  });
  fs.appendFileSync(logFile, `--- install-extension exited with code ${exitCode}\n`);

  if (exitCode !== 0) {
    throw new Error(`code-server --install-extension ${vsix} failed with exit code ${exitCode}; see ${logFile}`);
  }
}

async function waitForHealthz(
  baseUrl: string,
  server: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const healthzUrl = new URL('healthz', baseUrl).toString();

  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(
        `code-server exited (code ${server.exitCode}, signal ${server.signalCode}) before ${healthzUrl} returned 200.\n` +
          tailOfFile(logFile),
      );
    }
    if ((await getStatus(healthzUrl)) === 200) {
      return;
    }
    await delay(250);
  }

  throw new Error(`timed out after ${timeoutMs} ms waiting for 200 from ${healthzUrl}.\n${tailOfFile(logFile)}`);
}

function getStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

interface StopContext {
  tempDirs: string[];
  logFile: string;
  userDataDir: string;
  guard: NetworkGuard;
}

function createStopper(server: ChildProcess, { tempDirs, logFile, userDataDir, guard }: StopContext): () => Promise<void> {
  const groupId = server.pid;
  if (groupId === undefined) {
    throw new Error(`code-server did not start; see ${logFile}`);
  }

  // A test that crashes or calls process.exit() must not leave the server running.
  const killOnExit = (): void => signalGroup(groupId, 'SIGKILL');
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      signalGroup(groupId, 'SIGTERM');
      if (!(await waitForGroupExit(groupId, 10_000))) {
        fs.appendFileSync(logFile, `--- process group ${groupId} still alive 10 s after SIGTERM; sending SIGKILL\n`);
        signalGroup(groupId, 'SIGKILL');
        await waitForGroupExit(groupId, 5_000);
      }
      process.off('exit', killOnExit);
      await guard.close();
      copyWorkbenchLogs(userDataDir, logFile);
      removeDirs(tempDirs);
    })();
    return stopping;
  };
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/** Polls with signal 0 until no process of the group is left. Returns false on timeout. */
async function waitForGroupExit(groupId: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-groupId, 0);
    } catch {
      return true;
    }
    await delay(100);
  }
  return false;
}

/**
 * Copies VS Code's own logs (extension host, remote agent, pty host) next to the server log,
 * into <log name>-logs/, because the temporary user data folder is deleted afterwards.
 */
function copyWorkbenchLogs(userDataDir: string, logFile: string): void {
  const logsDir = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logsDir)) {
    return;
  }
  const target = logFile.replace(/\.log$/, '') + '-logs';
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(logsDir, target, { recursive: true });
}

function removeDirs(dirs: string[]): void {
  for (const dir of dirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tailOfFile(file: string, lineCount = 30): string {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return `Last lines of ${file}:\n${lines.slice(-lineCount).join('\n')}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
