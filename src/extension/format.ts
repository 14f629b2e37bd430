// Number, date and Markdown formatting shared by the tree, the reports and the notifications.
// No `vscode` import, so unit tests can run it under plain Node.

import type { ModelSpec, ModelRole } from '../config/types';

export type L10nArgument = string | number | boolean;

/**
 * The part of `vscode.l10n` that the formatting helpers use, plus the display language. Messages
 * are English source strings with `{0}`, `{1}` … placeholders, looked up in l10n/bundle.l10n.*.json.
 */
export interface Localizer {
  t(message: string, ...args: L10nArgument[]): string;
  /** BCP 47 tag of the display language, e.g. `en` or `fr`, for numbers and dates. */
  readonly language: string;
}

/** English messages with `{n}` placeholders filled in: the fallback of `vscode.l10n.t`, and what unit tests use. */
export function createSourceLocalizer(language = 'en'): Localizer {
  return {
    language,
    t: (message, ...args) => message.replace(/\{(\d+)\}/g, (match, index: string) => {
      const value = args[Number(index)];
      return value === undefined ? match : String(value);
    }),
  };
}

function numberFormat(language: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(language, options);
  } catch {
    // An invalid language tag from the environment: fall back to English rather than fail a view.
    return new Intl.NumberFormat('en', options);
  }
}

/** Formats an integer count with the language's digit grouping: 10,000 in English, 10 000 in French. */
export function formatCount(value: number, l10n: Localizer): string {
  return numberFormat(l10n.language, { maximumFractionDigits: 0 }).format(value);
}

/** Formats a fraction in [0, 1] as a percentage with `digits` decimals: 98.23% or 98,23 %. */
export function formatPercent(fraction: number, l10n: Localizer, digits = 2): string {
  return numberFormat(l10n.language, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(fraction);
}

/** Formats a plain number with at most `digits` decimals, e.g. a temperature or a loss weight. */
export function formatNumber(value: number, l10n: Localizer, digits = 4): string {
  return numberFormat(l10n.language, { maximumFractionDigits: digits }).format(value);
}

/** Formats a duration in seconds as "12.3 s" or "4 min 05 s". */
export function formatDuration(seconds: number, l10n: Localizer): string {
  if (seconds < 60) {
    return l10n.t('{0} s', formatNumber(seconds, l10n, 1));
  }
  const minutes = Math.floor(seconds / 60);
  const rest = String(Math.round(seconds - minutes * 60)).padStart(2, '0');
  return l10n.t('{0} min {1} s', minutes, rest);
}

/** Formats an ISO time in the display language and the local time zone; returns the input when it does not parse. */
export function formatDateTime(iso: string, l10n: Localizer): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' };
  try {
    return new Intl.DateTimeFormat(l10n.language, options).format(date);
  } catch {
    return new Intl.DateTimeFormat('en', options).format(date);
  }
}

/** Escapes text for Markdown so that config names, paths and error messages show as written. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (character) => `\\${character}`);
}

/** Escapes a table cell: Markdown escapes, and line breaks become spaces because a row is one line. */
export function escapeTableCell(text: string): string {
  return escapeMarkdown(text).replace(/\r?\n|\r/g, ' ');
}

/** Returns the first line of a possibly multi-line message, such as an error with a stack. */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n|\r/);
  return end === -1 ? text : text.slice(0, end);
}

export const MODEL_ROLES: readonly ModelRole[] = ['teacher', 'distilled', 'baseline'];

export function roleLabel(role: ModelRole, l10n: Localizer): string {
  switch (role) {
    case 'teacher':
      return l10n.t('Teacher');
    case 'distilled':
      return l10n.t('Distilled student');
    case 'baseline':
      return l10n.t('Baseline student');
  }
}

/** Describes a model spec in a few words: "MLP 1200×1200" or "CNN, 5 layers". */
export function describeModelSpec(spec: ModelSpec, l10n: Localizer): string {
  if (spec.type === 'mlp') {
    return spec.hidden.length === 0 ? l10n.t('MLP without hidden layers') : l10n.t('MLP {0}', spec.hidden.join('×'));
  }
  return l10n.t('CNN, {0} layers', spec.layers.length);
}
