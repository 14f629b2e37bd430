// The sentence under the "Gap recovered" share of the Accuracy tab. The CLI's report words the
// same cases (src/cli/report.ts, describeDistillationEffect).

import { t } from '../l10n';
import { formatCount } from './format';

/**
 * Explains the share of the teacher–baseline gap that distillation recovered. Each case gets its
 * own sentence: no gap to recover, a distilled student better than the teacher or as good, one
 * between the teacher and the baseline, and one no better than the baseline.
 */
export function gapExplanation(teacherErrors: number, distilledErrors: number, baselineErrors: number): string {
  const gap = baselineErrors - teacherErrors;
  if (!(gap > 0)) {
    return t('The teacher ({0} errors) is not better than the baseline ({1}), so there is no gap to recover.', formatCount(teacherErrors), formatCount(baselineErrors));
  }
  if (distilledErrors < teacherErrors) {
    return t(
      'The distilled student ({0} errors) made {1} fewer test errors than the teacher ({2}), so distillation recovered all of the {3} test errors between the baseline ({4}) and the teacher, and more.',
      formatCount(distilledErrors),
      formatCount(teacherErrors - distilledErrors),
      formatCount(teacherErrors),
      formatCount(gap),
      formatCount(baselineErrors),
    );
  }
  if (distilledErrors === teacherErrors) {
    return t(
      'The distilled student made as many test errors as the teacher ({0}), so distillation recovered all of the {1} test errors between the baseline ({2}) and the teacher.',
      formatCount(teacherErrors),
      formatCount(gap),
      formatCount(baselineErrors),
    );
  }
  if (distilledErrors >= baselineErrors) {
    return t(
      'The distilled student ({0} errors) made no fewer test errors than the baseline ({1}), so distillation recovered none of the {2} test errors between the baseline and the teacher ({3}).',
      formatCount(distilledErrors),
      formatCount(baselineErrors),
      formatCount(gap),
      formatCount(teacherErrors),
    );
  }
  return t(
    'Distillation removed {0} of the {1} test errors between the baseline ({2}) and the teacher ({3}): (baseline − distilled) / (baseline − teacher).',
    formatCount(baselineErrors - distilledErrors),
    formatCount(gap),
    formatCount(baselineErrors),
    formatCount(teacherErrors),
  );
}
