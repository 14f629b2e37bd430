// The sentence under the Accuracy tab's "Gap recovered" share, in English and with the French bundle.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';

import { setTranslations } from '../../src/webview/l10n';
import { gapExplanation } from '../../src/webview/model/gap';

afterEach(() => setTranslations(undefined));

/** Teacher, distilled and baseline test errors for each case, with the expected English sentence. */
const cases: { name: string; errors: [number, number, number]; english: string }[] = [
  {
    name: 'between teacher and baseline',
    errors: [234, 429, 707],
    english: 'Distillation removed 278 of the 473 test errors between the baseline (707) and the teacher (234): (baseline − distilled) / (baseline − teacher).',
  },
  {
    name: 'better than the teacher',
    errors: [234, 200, 1707],
    english:
      'The distilled student (200 errors) made 34 fewer test errors than the teacher (234), so distillation recovered all of the 1,473 test errors between the baseline (1,707) and the teacher, and more.',
  },
  {
    name: 'as good as the teacher',
    errors: [234, 234, 707],
    english: 'The distilled student made as many test errors as the teacher (234), so distillation recovered all of the 473 test errors between the baseline (707) and the teacher.',
  },
  {
    name: 'worse than the baseline',
    errors: [234, 750, 707],
    english: 'The distilled student (750 errors) made no fewer test errors than the baseline (707), so distillation recovered none of the 473 test errors between the baseline and the teacher (234).',
  },
  {
    name: 'tied with the baseline',
    errors: [234, 707, 707],
    english: 'The distilled student (707 errors) made no fewer test errors than the baseline (707), so distillation recovered none of the 473 test errors between the baseline and the teacher (234).',
  },
  {
    name: 'teacher worse than the baseline',
    errors: [800, 429, 707],
    english: 'The teacher (800 errors) is not better than the baseline (707), so there is no gap to recover.',
  },
  {
    name: 'no gap',
    errors: [707, 429, 707],
    english: 'The teacher (707 errors) is not better than the baseline (707), so there is no gap to recover.',
  },
];

for (const { name, errors, english } of cases) {
  test(`gap sentence, ${name}`, () => {
    assert.equal(gapExplanation(...errors), english);
  });
}

test('gap sentences in French', () => {
  const bundle = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'l10n', 'bundle.l10n.fr.json'), 'utf8')) as Record<string, string>;
  setTranslations(bundle);

  for (const { name, errors, english } of cases) {
    const french = gapExplanation(...errors);
    assert.notEqual(french, english, `${name}: translated`);
    assert.doesNotMatch(french, /\{\d\}/, `${name}: every placeholder filled`);
  }
  assert.equal(
    gapExplanation(234, 200, 707),
    'L’élève distillé (200 erreurs) a fait 34 erreurs de test de moins que l’enseignant (234) : la distillation a donc récupéré la totalité des 473 erreurs de test entre la référence (707) et l’enseignant, et davantage.',
  );
});
