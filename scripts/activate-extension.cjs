// Loads the built dist/extension.js outside VS Code, with a minimal stand-in for the `vscode`
// module, calls activate() on one workspace folder and prints one JSON line:
//   { "requireMs": …, "activateMs": …, "packages": ["ajv", …] }
// requireMs is the time to load the bundle and the packages it requires at the top level,
// activateMs the time of activate() itself, and packages the npm packages loaded by then.
// `npm run bench:ui` and test/unit/extension-bundle.test.ts run it in a fresh node process.
// Usage: node scripts/activate-extension.cjs WORKSPACE_FOLDER
//
// The stand-in implements what activation calls, as no-ops that return disposables. It does not
// show UI or watch files, so the time that VS Code's own calls take is not included.
'use strict';

const Module = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const workspaceFolder = process.argv[2];
if (workspaceFolder === undefined) {
  process.stderr.write('Usage: node scripts/activate-extension.cjs WORKSPACE_FOLDER\n');
  process.exit(2);
}
const repositoryRoot = path.resolve(__dirname, '..');

const disposable = () => ({ dispose() {} });
const event = () => disposable();

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener) => {
      this.listeners.add(listener);
      return { dispose: () => this.listeners.delete(listener) };
    };
  }
  fire(value) {
    this.listeners.forEach((listener) => listener(value));
  }
  dispose() {
    this.listeners.clear();
  }
}

class Uri {
  constructor(scheme, fsPath) {
    this.scheme = scheme;
    this.fsPath = fsPath;
    this.path = fsPath;
  }
  static file(fsPath) {
    return new Uri('file', fsPath);
  }
  static joinPath(base, ...parts) {
    return new Uri(base.scheme, path.join(base.fsPath, ...parts));
  }
  toString() {
    return `${this.scheme}://${this.fsPath}`;
  }
}

/** Any class that activation constructs but does not read back, such as TreeItem or ThemeIcon. */
class Plain {
  constructor(...args) {
    this.args = args;
  }
}

/** Wraps a namespace so that its unknown members are no-op functions that return a disposable, and onDid* events. */
function namespace(members) {
  return new Proxy(members, {
    get(target, key) {
      if (key in target) {
        return target[key];
      }
      return typeof key === 'string' && key.startsWith('onDid') ? event : disposable;
    },
  });
}

function logChannel() {
  const lines = [];
  return namespace({ lines, info: (line) => lines.push(line), warn: (line) => lines.push(line), error: (line) => lines.push(line), debug() {}, trace() {} });
}

const folder = { uri: Uri.file(path.resolve(workspaceFolder)), name: path.basename(workspaceFolder), index: 0 };
const watcher = () => namespace({ dispose() {} });

const vscode = {
  EventEmitter,
  Uri,
  Disposable: class Disposable {
    constructor(callback) {
      this.dispose = callback;
    }
    static from(...items) {
      return { dispose: () => items.forEach((item) => item.dispose()) };
    }
  },
  TreeItem: Plain,
  ThemeIcon: Plain,
  ThemeColor: Plain,
  Range: Plain,
  Position: Plain,
  CodeLens: Plain,
  MarkdownString: Plain,
  Diagnostic: Plain,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  UIKind: { Desktop: 1, Web: 2 },
  env: { language: 'en', uiKind: 1, remoteName: undefined },
  l10n: { t: (message, ...args) => message.replace(/\{(\d+)\}/g, (_match, index) => String(args[Number(index)])), bundle: undefined },
  commands: namespace({ executeCommand: async () => undefined }),
  languages: namespace({ createDiagnosticCollection: () => namespace({ set() {}, delete() {}, clear() {}, dispose() {} }) }),
  window: namespace({
    createOutputChannel: logChannel,
    createTreeView: () => namespace({ dispose() {} }),
    createStatusBarItem: () => namespace({ show() {}, hide() {}, dispose() {} }),
    activeTextEditor: undefined,
  }),
  workspace: namespace({
    workspaceFolders: [folder],
    isTrusted: true,
    textDocuments: [],
    getConfiguration: () => ({ get: () => undefined }),
    createFileSystemWatcher: watcher,
    findFiles: async () => [],
    getWorkspaceFolder: () => folder,
    asRelativePath: (value) => (typeof value === 'string' ? value : value.fsPath),
  }),
};

// Records every package that any module loads. A require of `vscode` returns the stand-in.
const packages = new Set();
const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === 'vscode') {
    return vscode;
  }
  if (!request.startsWith('.') && !request.startsWith('node:') && !path.isAbsolute(request) && !Module.isBuiltin(request)) {
    const parts = request.split('/');
    packages.add(request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return originalLoad.call(this, request, parent, isMain);
};

const context = {
  subscriptions: [],
  extensionPath: repositoryRoot,
  extensionUri: Uri.file(repositoryRoot),
  asAbsolutePath: (relative) => path.join(repositoryRoot, relative),
  globalState: namespace({ get: () => undefined, update: async () => undefined, keys: () => [] }),
  workspaceState: namespace({ get: () => undefined, update: async () => undefined, keys: () => [] }),
};

const requireStart = performance.now();
const extension = require(path.join(repositoryRoot, 'dist/extension.js'));
const activateStart = performance.now();
extension.activate(context);
const activateEnd = performance.now();

process.stdout.write(
  `${JSON.stringify({ requireMs: activateStart - requireStart, activateMs: activateEnd - activateStart, packages: [...packages].sort() })}\n`,
);
context.subscriptions.forEach((subscription) => subscription.dispose());
// Timers that activation started (coalesced refreshes) would keep the process alive.
process.exit(0);
