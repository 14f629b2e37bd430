// A proxy on 127.0.0.1 that refuses everything it is asked for and records it. Chromium is
// started with --proxy-server pointing here, so every connection to a host other than a
// loopback address comes to this server instead of the network: page requests, requests that a
// service worker makes on the page's behalf (Playwright's routing does not see those), WebSockets
// and Chromium's own background traffic. Loopback addresses stay direct by Chromium's default
// bypass rules, so the workbench reaches code-server as before. code-server gets a guard of its
// own through HTTP_PROXY and VS Code's http.proxy setting, for what its extension hosts fetch.
//
// Every guard, and the browser's request routing, writes to a journal of this process, so a
// scenario checks all of them at its end with recordedAttempts().
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Journal {
  source: string;
  entries: string[];
}

const journals: Journal[] = [];

/** Opens a journal for attempts seen by `source`; push one entry per refused attempt. */
export function openJournal(source: string): string[] {
  const journal: Journal = { source, entries: [] };
  journals.push(journal);
  return journal.entries;
}

/** Returns every attempt that a guard or the browser's routing refused in this process, as "source: entry". */
export function recordedAttempts(): string[] {
  return journals.flatMap((journal) => journal.entries.map((entry) => `${journal.source}: ${entry}`));
}

/** Forgets the attempts recorded so far, after a check that made some on purpose. */
export function forgetAttempts(): void {
  journals.forEach((journal) => (journal.entries.length = 0));
}

/**
 * Prints the attempts recorded in this process and returns how many there were. A scenario
 * fails when the count is not zero.
 */
export function reportAttempts(): number {
  const attempts = recordedAttempts();
  console.log(`blocked non-local requests: ${attempts.length}`);
  attempts.forEach((attempt) => console.log(`     ${attempt}`));
  if (attempts.length > 0) {
    console.log('FAIL the browser or code-server tried to reach hosts other than 127.0.0.1');
  }
  return attempts.length;
}

export interface NetworkGuard {
  /** The value for Chromium's --proxy-server switch. */
  proxyUrl: string;
  /** One entry per refused attempt: "GET http://host/path" or "CONNECT host:port". */
  refused: string[];
  close(): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Tells whether an absolute URL (or "http://host:port") names this machine. */
function isLoopbackTarget(url: string): boolean {
  try {
    return loopbackHosts.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Starts a guard on a free port of 127.0.0.1; `source` names it in the journal. */
export async function startNetworkGuard(source: string): Promise<NetworkGuard> {
  const refused = openJournal(source);
  const server = http.createServer((request, response) => {
    // A proxied plain-HTTP request carries its absolute URL. VS Code's proxy agent also sends
    // loopback requests here, to the closed extension gallery port. Those are refused too. They
    // do not leave the machine, so they are not recorded.
    if (!isLoopbackTarget(request.url ?? '')) {
      refused.push(`${request.method} ${request.url}`);
    }
    response.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    response.end('blocked by the Distill Lab end-to-end network guard\n');
  });
  // HTTPS and WebSockets (ws and wss alike) ask for a tunnel first.
  server.on('connect', (request: http.IncomingMessage, socket) => {
    if (!isLoopbackTarget(`http://${request.url ?? ''}`)) {
      refused.push(`CONNECT ${request.url}`);
    }
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  });
  server.on('upgrade', (request: http.IncomingMessage, socket) => {
    if (!isLoopbackTarget(request.url ?? '')) {
      refused.push(`UPGRADE ${request.url}`);
    }
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  });
  // Chromium keeps proxy connections alive; closing must not wait for it to drop them.
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
