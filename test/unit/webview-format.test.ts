// The webview's date formatting, which follows the experiments tree: medium date and time in the
// display language.

import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { formatDateTime, setFormatLanguage } from '../../src/webview/model/format';

// Noon UTC is December 5 in every time zone from UTC-11 to UTC+11.
const noon = '2026-12-05T12:00:00.000Z';

afterEach(() => setFormatLanguage('en'));

test('date time in english', () => {
  setFormatLanguage('en');
  const text = formatDateTime(noon);
  assert.match(text, /^Dec 5, 2026, \d{1,2}:00:00\s[AP]M$/);
});

test('date time in french', () => {
  setFormatLanguage('fr');
  const text = formatDateTime(noon);
  assert.match(text, /^5 déc\. 2026, \d{2}:00:00$/);
});

test('date time keeps unparsable input', () => {
  assert.equal(formatDateTime('not a date'), 'not a date');
});
