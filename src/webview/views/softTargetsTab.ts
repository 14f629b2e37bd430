// Soft-targets tab: the mean softened distribution per true class as a heatmap for each model, at
// a temperature chosen on a log-scaled slider. Below it, a sample explorer shows one stored test
// example with each model's distribution at that temperature ("dark knowledge").

import type { ModelRole } from '../../config/types';
import { t } from '../l10n';
import { roleLabel } from '../model/curves';
import { formatCount, formatFixed, formatPercent } from '../model/format';
import { argmax, entropyBits, meanSoftenedByClass, snappedTemperature, temperatureSliderSteps, temperatureToSlider } from '../model/maths';
import type { ResultsChange, ResultsState } from '../model/results';
import { countMatches, exampleDistribution, exampleRgba, isImageShape, matchesFilter, stepExample, type DecodedSoftened, type ExampleFilter } from '../model/softened';
import type { ResultsUiState } from '../model/uiState';
import { renderDistributionBars } from './bars';
import { button, dataTable, h, note, select, tableToggle } from './dom';
import { renderHeatmap } from './heatmap';
import { roleColors } from './roleColors';

/** CSS pixels per image pixel in the explorer. */
const imageScale = 5;

function classLabels(classes: number): string[] {
  return Array.from({ length: classes }, (_, index) => String(index));
}

function temperatureText(temperature: number): string {
  return temperature >= 10 ? formatFixed(temperature, 1) : formatFixed(temperature, 2);
}

export class SoftTargetsTab {
  readonly element: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly temperatureOutput: HTMLOutputElement;
  private readonly resetButton: HTMLElement;
  private readonly sourceNote: HTMLElement;
  private readonly heatmaps: HTMLElement;
  private readonly heatmapNote: HTMLElement;
  private readonly explorer: HTMLElement;
  private state: ResultsState | undefined;
  private pendingRender = false;

  constructor(private readonly ui: ResultsUiState, private readonly saveUi: () => void) {
    this.slider = h('input', {
      type: 'range',
      min: 0,
      max: temperatureSliderSteps,
      step: 1,
      id: 'temperature-slider',
      'data-testid': 'temperature-slider',
    });
    this.slider.addEventListener('input', () => {
      this.ui.temperature = snappedTemperature(Number(this.slider.value), this.state?.temperature);
      this.saveUi();
      this.scheduleRender();
    });
    this.temperatureOutput = h('output', { for: 'temperature-slider', 'data-testid': 'temperature-value' });
    this.resetButton = button(t('Use the run’s T'), () => {
      this.ui.temperature = undefined;
      this.saveUi();
      this.render();
    }, { testId: 'temperature-reset' });

    this.sourceNote = h('p', { class: 'note', role: 'note', 'data-testid': 'soft-source' });
    this.heatmaps = h('div', { class: 'heatmaps' });
    this.heatmapNote = note(t('Cells give percentages; the shade follows the square root of the probability so that small probabilities, the dark knowledge, stay visible.'));
    this.explorer = h('section', { class: 'explorer', 'aria-labelledby': 'explorer-title' });

    this.element = h(
      'div',
      { class: 'tab-content soft-tab' },
      h(
        'div',
        { class: 'temperature-control' },
        h('label', { for: 'temperature-slider' }, t('Temperature T')),
        this.slider,
        this.temperatureOutput,
        this.resetButton,
      ),
      this.sourceNote,
      h('h3', {}, t('Mean softened distribution per true class')),
      this.heatmaps,
      this.heatmapNote,
      this.explorer,
    );
  }

  update(state: ResultsState, changes: ReadonlySet<ResultsChange>): void {
    this.state = state;
    if (changes.has('softened') || changes.has('evaluations') || changes.has('run')) {
      this.render();
    }
  }

  /** Returns the temperature shown: the user's choice, or the run's own. */
  private temperature(): number {
    return this.ui.temperature ?? this.state?.temperature ?? 1;
  }

  private scheduleRender(): void {
    if (this.pendingRender) {
      return;
    }
    this.pendingRender = true;
    requestAnimationFrame(() => {
      this.pendingRender = false;
      this.render();
    });
  }

  private render(): void {
    const state = this.state;
    if (state === undefined) {
      return;
    }
    const temperature = this.temperature();
    const atRunTemperature = state.temperature !== undefined && temperature === state.temperature;
    this.slider.value = String(temperatureToSlider(temperature));
    this.slider.setAttribute('aria-valuetext', `T = ${temperatureText(temperature)}`);
    this.temperatureOutput.textContent = `T = ${temperatureText(temperature)}`;
    this.resetButton.textContent = state.temperature === undefined ? t('Use the run’s T') : t('Use the run’s T ({0})', temperatureText(state.temperature));
    this.resetButton.toggleAttribute('disabled', state.temperature === undefined || atRunTemperature);

    this.renderHeatmaps(state, temperature, atRunTemperature);
    this.renderExplorer(state, temperature);
  }

  private renderHeatmaps(state: ResultsState, temperature: number, atRunTemperature: boolean): void {
    const softened = state.softened;
    const roles = (['teacher', 'distilled', 'baseline'] as const).filter((role) =>
      atRunTemperature && state.evaluations[role]?.meanSoftened?.length ? true : softened?.logits[role] !== undefined,
    );

    const laterText = t('Other temperatures need the stored logits (softened/), which the worker writes when the run ends.');
    if (atRunTemperature && roles.some((role) => state.evaluations[role] !== undefined)) {
      const examples = roles.map((role) => state.evaluations[role]?.examples).find((count) => count !== undefined);
      const otherText =
        softened === undefined ? laterText : t('At any other T they are recomputed here from the logits of the {0} stored test examples only.', formatCount(softened.count));
      this.sourceNote.textContent = `${t('At the run’s temperature the means come from the evaluation of all {0} test examples.', formatCount(examples))} ${otherText}`;
    } else if (softened !== undefined) {
      this.sourceNote.textContent = t(
        'Recomputed at T = {0} from the logits of the {1} stored test examples, a subset of the test split: expect small differences from the means over the whole split.',
        temperatureText(temperature),
        formatCount(softened.count),
      );
    } else {
      this.sourceNote.textContent = state.softenedError ?? laterText;
    }

    const figures = roles.map((role) => {
      const fromSummary = atRunTemperature ? state.evaluations[role]?.meanSoftened : undefined;
      let means: number[][];
      let counts: number[] | undefined;
      if (fromSummary !== undefined && fromSummary.length > 0) {
        means = fromSummary;
        counts = state.evaluations[role]?.confusion.map((row) => row.reduce((sum, value) => sum + value, 0));
      } else {
        const logits = (softened as DecodedSoftened).logits[role] as Float32Array;
        const computed = meanSoftenedByClass(logits, (softened as DecodedSoftened).labels, (softened as DecodedSoftened).count, (softened as DecodedSoftened).classes, temperature);
        means = computed.means;
        counts = computed.counts;
      }

      const labels = classLabels(means.length);
      return h(
        'div',
        { class: 'heatmap-holder', 'data-role': role },
        renderHeatmap({
          id: `soft-heatmap-${role}`,
          caption: t('{0}: mean softened distribution at T = {1}', roleLabel(role), temperatureText(temperature)),
          rowHeading: t('true class'),
          columnHeading: t('class'),
          rowAxisTitle: t('True class ↓'),
          columnAxisTitle: t('Mean probability of class →'),
          labels,
          color: roleColors[role],
          intensity: (row, column) => Math.sqrt(means[row][column]),
          cellText: (row, column) => formatFixed(means[row][column] * 100, means[row][column] >= 0.995 ? 0 : 1),
          describe: (row, column) =>
            t(
              '{0}, true class {1}: mean probability of class {2} is {3} over {4} examples.',
              roleLabel(role),
              labels[row],
              labels[column],
              formatPercent(means[row][column], 3),
              formatCount(counts?.[row]),
            ),
        }),
      );
    });

    if (figures.length === 0) {
      const evaluated = Object.keys(state.evaluations).length > 0;
      this.heatmaps.replaceChildren(note(evaluated ? t('Temperatures other than the run’s need the stored logits (softened/).') : t('No model has been evaluated yet.')));
      this.heatmapNote.hidden = true;
      return;
    }
    this.heatmaps.replaceChildren(...figures);
    this.heatmapNote.hidden = false;
  }

  private renderExplorer(state: ResultsState, temperature: number): void {
    const softened = state.softened;
    const title = h('h3', { id: 'explorer-title' }, t('Sample explorer'));
    if (softened === undefined || softened.count === 0) {
      this.explorer.replaceChildren(title, note(t('The sample explorer needs the stored logits (softened/), which the worker writes when the run ends.')));
      return;
    }

    const index = Math.min(this.ui.example, softened.count - 1);
    const filter = this.ui.filter;
    const labels = classLabels(softened.classes);
    const label = softened.labels[index];

    const goTo = (next: number | undefined): void => {
      if (next !== undefined) {
        this.ui.example = next;
        this.saveUi();
        this.render();
      }
    };

    const filterOptions = [
      { value: 'all', label: t('All stored examples') },
      { value: 'misclassified:any', label: t('Misclassified by any model') },
      ...softened.roles.map((role) => ({ value: `misclassified:${role}`, label: t('Misclassified by the {0}', roleLabel(role).toLowerCase()) })),
      ...labels.map((name, classIndex) => ({ value: `class:${classIndex}`, label: t('Only class {0}', name) })),
    ];
    let filterValue = 'all';
    if (filter.kind === 'class') {
      filterValue = `class:${filter.label}`;
    } else if (filter.kind === 'misclassified') {
      filterValue = `misclassified:${filter.role}`;
    }
    const filterSelect = select(t('Which examples Previous and Next step through'), filterOptions, filterValue, (value) => {
      this.ui.filter = parseFilter(value);
      this.saveUi();
      if (!matchesFilter(softened, this.ui.example, this.ui.filter)) {
        goTo(stepExample(softened, this.ui.example, 1, this.ui.filter));
      } else {
        this.render();
      }
    }, 'example-filter');

    const classOptions = labels.map((name, classIndex) => ({ value: String(classIndex), label: t('Class {0}', name) }));
    const jumpSelect = select(t('Jump to the next example of a class'), [{ value: '', label: t('Jump to class…') }, ...classOptions], '', (value) => {
      if (value !== '') {
        goTo(stepExample(softened, index, 1, { kind: 'class', label: Number(value) }));
      }
    }, 'example-jump');

    const matches = countMatches(softened, filter);
    const position = h(
      'p',
      { class: 'example-position', 'aria-live': 'polite', 'data-testid': 'example-position' },
      t('Example {0} of {1} stored (true class {2}); {3} match the filter.', index + 1, softened.count, labels[label], matches),
    );

    const controls = h(
      'div',
      { class: 'explorer-controls', role: 'toolbar', 'aria-label': t('Sample explorer') },
      button(t('Previous'), () => goTo(stepExample(softened, index, -1, filter)), { testId: 'example-previous', ariaLabel: t('Previous matching example') }),
      button(t('Next'), () => goTo(stepExample(softened, index, 1, filter)), { testId: 'example-next', ariaLabel: t('Next matching example') }),
      filterSelect,
      jumpSelect,
    );

    const distributions = softened.roles.map((role) => {
      const distribution = exampleDistribution(softened, role, index, temperature) as Float64Array;
      const predicted = argmax(distribution);
      const second = argmax(distribution.map((value, k) => (k === predicted ? -1 : value)));
      const entropy = entropyBits(distribution);
      return { role, distribution, predicted, second, entropy };
    });

    const charts = distributions.map(({ role, distribution, predicted, second, entropy }) =>
      h(
        'figure',
        { class: 'distribution', 'data-role': role, 'data-testid': `distribution-${role}` },
        h(
          'figcaption',
          {},
          h('strong', {}, roleLabel(role)),
          ` ${t('predicts {0}; next {1} at {2}.', predicted === label ? labels[predicted] : t('{0} (wrong)', labels[predicted]), labels[second], formatPercent(distribution[second], 1))} `,
          h('span', { 'data-testid': `entropy-${role}` }, t('Entropy {0} bits', formatFixed(entropy, 3))),
          ` ${t('of at most {0}.', formatFixed(Math.log2(softened.classes), 2))}`,
        ),
        renderDistributionBars({
          id: `distribution-${role}`,
          title: t('{0} distribution at T = {1}', roleLabel(role), temperatureText(temperature)),
          labels,
          values: distribution,
          color: roleColors[role],
          trueClass: label,
          formatValue: (value) => formatPercent(value, 2),
        }),
      ),
    );

    const table = tableToggle(t('the distributions of this example'), () =>
      dataTable(
        t('Distributions of example {0} at T = {1}', index + 1, temperatureText(temperature)),
        [t('Class'), ...distributions.map(({ role }) => t('{0} p', roleLabel(role))), ...distributions.map(({ role }) => t('{0} logit', roleLabel(role)))],
        labels.map((name, k) => [
          k === label ? t('{0} (true)', name) : name,
          ...distributions.map(({ distribution }) => formatPercent(distribution[k], 3)),
          ...distributions.map(({ role }) => formatFixed((softened.logits[role] as Float32Array)[index * softened.classes + k], 3)),
        ]),
      ),
    'example-table');

    // Rebuilding the explorer would drop the keyboard focus, so it moves to the control's replacement.
    const focusedId = (document.activeElement as HTMLElement | null)?.closest('[data-testid]')?.getAttribute('data-testid');
    this.explorer.replaceChildren(title, controls, position, h('div', { class: 'example' }, this.renderImage(softened, index, labels[label]), h('div', { class: 'distributions' }, ...charts)), table);
    if (focusedId !== null && focusedId !== undefined && !this.explorer.contains(document.activeElement)) {
      this.explorer.querySelector<HTMLElement>(`[data-testid="${focusedId}"]`)?.focus();
    }
  }

  private renderImage(softened: DecodedSoftened, index: number, label: string): HTMLElement {
    if (!isImageShape(softened.shape, softened.features)) {
      return note(t('The inputs have shape {0}, which is not an image, so only the distributions are shown.', softened.shape.join(' × ')));
    }
    const [height, width] = softened.shape;
    const canvas = h('canvas', { width, height, class: 'example-image', role: 'img', 'aria-label': t('Test example {0}, true class {1}', index + 1, label), 'data-testid': 'example-image' });
    canvas.style.width = `${width * imageScale}px`;
    canvas.style.height = `${height * imageScale}px`;
    const context = canvas.getContext('2d');
    if (context !== null) {
      context.putImageData(new ImageData(exampleRgba(softened, index), width, height), 0, 0);
    }
    return h('figure', { class: 'example-figure' }, canvas, h('figcaption', {}, t('True class {0}', label)));
  }
}

function parseFilter(value: string): ExampleFilter {
  if (value.startsWith('misclassified:')) {
    return { kind: 'misclassified', role: value.slice('misclassified:'.length) as ModelRole | 'any' };
  }
  if (value.startsWith('class:')) {
    return { kind: 'class', label: Number(value.slice('class:'.length)) };
  }
  return { kind: 'all' };
}
