// Frame timing of the results panel's curves in headless Chromium. A synthetic run with `points`
// per-step losses per model (teacher, two ensemble members, distilled, baseline) and one epoch
// event per 100 steps goes to the test page of test/webview/harness.ts. A requestAnimationFrame
// loop inside the page then records frame times while the pointer moves across the loss chart,
// and again while live points are appended.

import type { CDPSession, Page } from 'playwright-core';

import type { Harness } from '../test/webview/harness';

export interface FrameStats {
  frames: number;
  medianMs: number;
  p95Ms: number;
  worstMs: number;
  fps: number;
  /** Main-thread time per second of the phase, from the CDP Performance domain: tasks in all, and their script, layout and style parts. */
  busy: MainThreadShare;
}

export interface MainThreadShare {
  taskMs: number;
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
}

export interface CurvesMeasurement {
  points: number;
  /** Milliseconds from posting the events to the first frame after the charts drew them. */
  loadMs: number;
  hover: FrameStats;
  append: FrameStats;
}

const runId = '20261205-000000-ui-bench';
/** Progress events per epoch in the synthetic run. */
const stepsPerEpoch = 100;
/** Events per message while loading, as a long events.jsonl arrives in a few large messages. */
const loadChunk = 20_000;
/** Live appends: one message every `appendIntervalMs`, with `appendPoints` progress points per appending model. */
const appendIntervalMs = 50;
const appendPoints = 10;

/**
 * Page script that defines `window.__benchEvents(model, from, to)`, which returns the events of
 * one synthetic model for steps from..to-1. It is a string because tsx adds helper calls to
 * transpiled functions, and those do not exist inside the page.
 */
const generatorScript = `(() => {
  const models = [
    { role: 'teacher', member: 'a' },
    { role: 'teacher', member: 'b' },
    { role: 'teacher' },
    { role: 'distilled' },
    { role: 'baseline' },
  ];
  window.__benchModels = models.length;
  window.__benchEvents = (modelIndex, from, to, totalEpochs) => {
    const { role, member } = models[modelIndex];
    const events = [];
    for (let index = from; index < to; index += 1) {
      const step = index + 1;
      const epoch = Math.floor(index / ${stepsPerEpoch}) + 1;
      const batch = (index % ${stepsPerEpoch}) + 1;
      // A falling loss with noise, so the per-pixel extremes differ from the mean.
      const noise = Math.sin(step * 12.9898 + modelIndex) * 0.2;
      const loss = (2 + modelIndex * 0.1) / Math.sqrt(step) * (1 + noise);
      events.push({ type: 'run/progress', runId: '${runId}', role, member, epoch, epochs: totalEpochs, batch, batches: ${stepsPerEpoch}, step, loss });
      if (batch === ${stepsPerEpoch}) {
        events.push({
          type: 'run/epoch', runId: '${runId}', role, member, epoch, epochs: totalEpochs, loss: loss * 1.05,
          softLoss: role === 'distilled' ? loss * 20 : undefined, hardLoss: role === 'distilled' ? loss * 0.9 : undefined,
          validationAccuracy: 1 - 0.5 / Math.sqrt(epoch + modelIndex), validationLoss: loss * 1.2, seconds: 0.5,
        });
      }
    }
    return events;
  };
})()`;

/**
 * Page script that starts recording frame times into window.__frames. Each recording has its own
 * generation, so that the last callback of a stopped recording cannot join the next one.
 */
const startFramesScript = `(() => {
  const generation = (window.__frameGeneration ?? 0) + 1;
  window.__frameGeneration = generation;
  window.__frames = [];
  window.__legendTexts = new Set();
  const legend = document.querySelector('[data-testid="loss-chart"] .u-legend .u-series td');
  const record = (time) => {
    if (window.__frameGeneration !== generation) {
      return;
    }
    window.__frames.push(time);
    window.__legendTexts.add(legend?.textContent);
    requestAnimationFrame(record);
  };
  requestAnimationFrame(record);
})()`;

function percentile(sorted: number[], share: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const index = Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** Returns the main-thread durations in seconds so far, from Performance.getMetrics. */
async function mainThreadTotals(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
}

async function startPhase(page: Page, cdp: CDPSession): Promise<{ totals: Record<string, number>; started: number }> {
  await page.evaluate(startFramesScript);
  return { totals: await mainThreadTotals(cdp), started: Date.now() };
}

async function stopPhase(page: Page, cdp: CDPSession, phase: { totals: Record<string, number>; started: number }): Promise<FrameStats> {
  const totals = await mainThreadTotals(cdp);
  const seconds = (Date.now() - phase.started) / 1000;
  const perSecond = (name: string): number => ((totals[name] - phase.totals[name]) * 1000) / seconds;
  const frames = await stopFrames(page);
  return {
    ...frames,
    busy: { taskMs: perSecond('TaskDuration'), scriptMs: perSecond('ScriptDuration'), layoutMs: perSecond('LayoutDuration'), styleMs: perSecond('RecalcStyleDuration') },
  };
}

async function stopFrames(page: Page): Promise<Omit<FrameStats, 'busy'>> {
  const { times, legendTexts } = (await page.evaluate(
    '(() => { window.__frameGeneration += 1; return { times: window.__frames, legendTexts: window.__legendTexts.size }; })()',
  )) as { times: number[]; legendTexts: number };
  // The hover read-out of the x value must have changed, or the pointer missed the chart.
  if (legendTexts < 3) {
    throw new Error(`The loss chart's hover read-out showed ${legendTexts} different x values while the pointer moved.`);
  }
  const durations = times.slice(1).map((time, index) => time - times[index]);
  const sorted = [...durations].sort((a, b) => a - b);
  const spanMs = times.length > 1 ? times[times.length - 1] - times[0] : NaN;
  return {
    frames: durations.length,
    medianMs: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    worstMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    fps: (durations.length * 1000) / spanMs,
  };
}

/** Moves the pointer back and forth across the loss chart's plot area until `durationMs` passed. */
async function movePointer(page: Page, durationMs: number): Promise<void> {
  const box = await page.locator('[data-testid="loss-chart-plot"] .u-over').boundingBox();
  if (box === null) {
    throw new Error('The loss chart has no plot area: the chart did not draw.');
  }
  const y = box.y + box.height / 2;
  const stepPixels = 4;
  let x = box.x + 2;
  let direction = 1;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    await page.mouse.move(x, y);
    x += direction * stepPixels;
    if (x > box.x + box.width - 2 || x < box.x + 2) {
      direction = -direction;
      x += 2 * direction * stepPixels;
    }
  }
}

/** Waits for two animation frames, so that the frame after the pending work has been produced. */
async function nextFrames(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
}

async function waitForEventCount(page: Page, count: number): Promise<void> {
  await page.waitForSelector(`#app[data-events="${count}"]`, { timeout: 120_000 });
}

/** Loads a synthetic run of `points` steps per model and measures hovering and live appends, each for `phaseMs`. */
export async function measureCurves(page: Page, harness: Harness, points: number, phaseMs: number): Promise<CurvesMeasurement> {
  await page.goto(harness.pageUrl({ view: 'results', runId }, 'dark'));
  // Polled from here: page.waitForFunction would evaluate a string with eval, which the page's CSP forbids.
  while (!(await page.evaluate('window.__posted.some((message) => message.type === "webview/ready")'))) {
    await page.waitForTimeout(20);
  }
  await page.evaluate(generatorScript);

  const totalEpochs = Math.ceil((points * 2) / stepsPerEpoch);
  const config = { name: 'ui-bench', teacher: { kind: 'ensemble', combine: 'arithmetic', members: [{ name: 'a' }, { name: 'b' }] }, distillation: { temperature: 4 } };
  const snapshot = { type: 'results/snapshot', runId, runName: 'ui-bench', status: 'running', config, events: [], warnings: [] };
  await page.evaluate(`window.postMessage(${JSON.stringify(snapshot)}, '*')`);

  // Every model's events, posted in chunks; the clock covers posting, applying and drawing.
  const started = Date.now();
  const loadScript = `(() => {
    let posted = 0;
    for (let model = 0; model < window.__benchModels; model += 1) {
      for (let from = 0; from < ${points}; from += ${loadChunk}) {
        const events = window.__benchEvents(model, from, Math.min(${points}, from + ${loadChunk}), ${totalEpochs});
        posted += events.length;
        window.postMessage({ type: 'results/events', runId: '${runId}', events }, '*');
      }
    }
    return posted;
  })()`;
  const loaded = (await page.evaluate(loadScript)) as number;
  await waitForEventCount(page, loaded);
  // The curves tab draws at most every 250 ms, so the last events may wait for a later frame.
  await page.waitForTimeout(300);
  await nextFrames(page);
  const loadMs = Date.now() - started;

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const hoverPhase = await startPhase(page, cdp);
  await movePointer(page, phaseMs);
  const hover = await stopPhase(page, cdp, hoverPhase);

  // Live appends to the distilled and the baseline student, while the pointer keeps moving.
  const appendScript = `(() => {
    let next = ${points};
    window.__appendTimer = setInterval(() => {
      const events = [
        ...window.__benchEvents(3, next, next + ${appendPoints}, ${totalEpochs}),
        ...window.__benchEvents(4, next, next + ${appendPoints}, ${totalEpochs}),
      ];
      next += ${appendPoints};
      window.postMessage({ type: 'results/events', runId: '${runId}', events }, '*');
    }, ${appendIntervalMs});
  })()`;
  const appendPhase = await startPhase(page, cdp);
  await page.evaluate(appendScript);
  await movePointer(page, phaseMs);
  await page.evaluate('clearInterval(window.__appendTimer)');
  const append = await stopPhase(page, cdp, appendPhase);
  await cdp.detach();

  return { points, loadMs, hover, append };
}
