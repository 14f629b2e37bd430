// Number formatting for the webview, in the display language that the host puts on <html lang>.

import type { RunStatus } from '../../protocol/messages';
import { t } from '../l10n';

let language = 'en';

/** Sets the BCP 47 language tag used by the formatters; an invalid tag falls back to English. */
export function setFormatLanguage(tag: string): void {
  try {
    new Intl.NumberFormat(tag);
    language = tag;
  } catch {
    language = 'en';
  }
}

function format(value: number, options: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(language, options).format(value);
}

/** Formats a share (0.9766) as a percentage with two decimals (97.66%). */
export function formatPercent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? t('n/a') : format(value, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? t('n/a') : format(value, { maximumFractionDigits: 0 });
}

/** Formats a number with up to `digits` significant digits. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? t('n/a') : format(value, { maximumSignificantDigits: digits });
}

export function formatFixed(value: number | null | undefined, fractionDigits: number): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? t('n/a')
    : format(value, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

/**
 * Formats an ISO time as the experiments tree does: medium date and time ("Dec 5, 2026, 3:41:11 AM"
 * in English, "5 déc. 2026, 03:41:11" in French) in the local time zone. Returns the input when it
 * does not parse.
 */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

/** Formats seconds as "12.3 s", "4 min 05 s" or "1 h 02 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return t('n/a');
  }
  if (seconds < 60) {
    return `${formatFixed(seconds, 1)} s`;
  }
  const wholeSeconds = Math.round(seconds);
  const minutes = Math.floor(wholeSeconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(wholeSeconds % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Returns the run status in the display language: "completed" in English, "terminée" in French. */
export function statusLabel(status: RunStatus): string {
  switch (status) {
    case 'queued':
      return t('queued');
    case 'running':
      return t('running');
    case 'completed':
      return t('completed');
    case 'cancelled':
      return t('cancelled');
    case 'failed':
      return t('failed');
    case 'interrupted':
      return t('interrupted');
  }
}
