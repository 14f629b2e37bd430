// A minimal Language Server Protocol client for VS Code's own JSON language server, the one that
// validates, completes and hovers config files in the editor. It is taken from the code-server
// build that scripts/e2e/install-tools.sh installs, so tests that use it skip without that folder.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const toolsDir = process.env.DISTILL_E2E_TOOLS_DIR ? path.resolve(process.env.DISTILL_E2E_TOOLS_DIR) : path.join(repoRoot, '.e2e-tools');

/** The JSON language server of the VS Code build inside code-server. */
export const jsonServerPath = path.join(
  toolsDir,
  'node_modules/code-server/lib/vscode/extensions/json-language-features/server/dist/node/jsonServerMain.js',
);

export function isJsonServerInstalled(): boolean {
  return existsSync(jsonServerPath);
}

/** Milliseconds to wait for a reply or for a file's diagnostics. */
const replyTimeoutMs = 10_000;

export interface Position {
  line: number;
  character: number;
}

export interface Diagnostic {
  message: string;
  severity?: number;
  range: { start: Position; end: Position };
}

export interface CompletionItem {
  label: string;
  documentation?: string | { value: string };
  insertText?: string;
  textEdit?: { newText: string };
}

type Message = { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };

export class JsonLanguageServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly replies = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly diagnosticWaiters: (() => void)[] = [];
  private nextDocument = 1;

  private constructor() {
    this.child = spawn(process.execPath, [jsonServerPath, '--stdio'], { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.resume();
  }

  /** Starts the server with `schema` for every *.distill.json file, as a jsonValidation contribution would. */
  static async start(schema: object): Promise<JsonLanguageServer> {
    const server = new JsonLanguageServer();
    await server.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
      initializationOptions: { provideFormatter: false },
    });
    server.notify('initialized', {});
    server.notify('workspace/didChangeConfiguration', {
      settings: { json: { validate: { enable: true }, schemas: [{ fileMatch: ['*.distill.json'], schema }] } },
    });
    return server;
  }

  /** Opens `text` as a new *.distill.json document and returns the diagnostics the server publishes for it. */
  async diagnose(text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const uri = this.open(text);
    const deadline = Date.now() + replyTimeoutMs;
    while (!this.diagnostics.has(uri)) {
      if (Date.now() > deadline) {
        throw new Error(`The JSON language server published no diagnostics for ${uri} within ${replyTimeoutMs} ms.`);
      }
      await new Promise<void>((resolve) => {
        this.diagnosticWaiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return { uri, diagnostics: this.diagnostics.get(uri) ?? [] };
  }

  /** Opens `text` and returns the completion items at the first `|`, which is removed from the text. */
  async complete(textWithCursor: string): Promise<CompletionItem[]> {
    const { text, position } = splitCursor(textWithCursor);
    const uri = this.open(text);
    const result = (await this.request('textDocument/completion', { textDocument: { uri }, position })) as { items?: CompletionItem[] } | CompletionItem[] | null;
    if (result === null) {
      return [];
    }
    return Array.isArray(result) ? result : (result.items ?? []);
  }

  /** Opens `text` and returns the hover text at the first `|`, which is removed from the text. */
  async hover(textWithCursor: string): Promise<string> {
    const { text, position } = splitCursor(textWithCursor);
    const uri = this.open(text);
    const result = (await this.request('textDocument/hover', { textDocument: { uri }, position })) as { contents: unknown } | null;
    if (result === null) {
      return '';
    }
    const contents = Array.isArray(result.contents) ? result.contents : [result.contents];
    return contents.map((item) => (typeof item === 'string' ? item : (item as { value: string }).value)).join('\n');
  }

  async stop(): Promise<void> {
    try {
      await this.request('shutdown', null);
      this.notify('exit', null);
    } finally {
      this.child.kill();
    }
  }

  private open(text: string): string {
    const uri = pathToFileURL(path.join(repoRoot, 'test-output', `document-${this.nextDocument}.distill.json`)).href;
    this.nextDocument += 1;
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonc', version: 1, text } });
    return uri;
  }

  private send(message: object): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  private request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The JSON language server did not answer ${method} within ${replyTimeoutMs} ms.`)), replyTimeoutMs);
      this.replies.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send({ id, method, params });
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) {
        return;
      }
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      const bodyStart = headerEnd + 4;
      if (this.buffer.length < bodyStart + length) {
        return;
      }
      const message = JSON.parse(this.buffer.subarray(bodyStart, bodyStart + length).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(bodyStart + length);
      this.handle(message);
    }
  }

  private handle(message: Message): void {
    if (message.method === undefined && message.id !== undefined) {
      const reply = this.replies.get(message.id);
      this.replies.delete(message.id);
      if (message.error !== undefined) {
        reply?.reject(new Error(message.error.message));
      } else {
        reply?.resolve(message.result);
      }
      return;
    }
    if (message.method === 'textDocument/publishDiagnostics') {
      const params = message.params as { uri: string; diagnostics: Diagnostic[] };
      this.diagnostics.set(params.uri, params.diagnostics);
      this.diagnosticWaiters.splice(0).forEach((wake) => wake());
      return;
    }
    // Requests from the server, such as workspace/configuration or client/registerCapability,
    // get an empty result.
    if (message.id !== undefined) {
      this.send({ id: message.id, result: message.method === 'workspace/configuration' ? [] : null });
    }
  }
}

function splitCursor(textWithCursor: string): { text: string; position: Position } {
  const cursor = textWithCursor.indexOf('|');
  if (cursor === -1) {
    throw new Error(`No | marks the cursor in ${JSON.stringify(textWithCursor)}.`);
  }
  const before = textWithCursor.slice(0, cursor);
  const lines = before.split('\n');
  return {
    text: before + textWithCursor.slice(cursor + 1),
    position: { line: lines.length - 1, character: lines[lines.length - 1].length },
  };
}
