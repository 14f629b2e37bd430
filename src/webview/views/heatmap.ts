// A class × class heatmap drawn as an HTML table. Each cell contains its number as text and gets
// its shade from `color-mix` with a theme colour. One roving tab stop lets the arrow keys move
// between cells, and a read-out line describes the focused or hovered cell.

import { h } from './dom';

export interface HeatmapOptions {
  /** Stable id, used for test ids. */
  id: string;
  caption: string;
  rowHeading: string;
  columnHeading: string;
  /** Visible title of the row labels, with an arrow along the rows: "True class ↓". */
  rowAxisTitle: string;
  /** Visible title of the column labels, with an arrow along the columns: "Predicted class →". */
  columnAxisTitle: string;
  labels: readonly string[];
  /** Cell shade from 0 to 1. */
  intensity: (row: number, column: number) => number;
  /** The text inside a cell. */
  cellText: (row: number, column: number) => string;
  /** The read-out sentence for a hovered or focused cell. */
  describe: (row: number, column: number) => string;
  /** CSS colour of the strongest cell, usually a `var(--vscode-charts-*)`. */
  color: string;
  /** A colour per cell, in place of `color`, such as a second colour for errors. */
  cellColor?: (row: number, column: number) => string;
}

/** Cells stronger than this get the background colour as text, so the text stays readable. */
const strongIntensity = 0.55;

export function renderHeatmap(options: HeatmapOptions): HTMLElement {
  const readout = h('p', { class: 'readout', 'aria-live': 'polite', 'data-testid': `${options.id}-readout` }, '\u00a0');
  const size = options.labels.length;
  const cells: HTMLTableCellElement[][] = [];
  let focused: [number, number] = [0, 0];

  const show = (row: number, column: number): void => {
    readout.textContent = options.describe(row, column);
  };
  const focusCell = (row: number, column: number): void => {
    const previous = cells[focused[0]][focused[1]];
    previous.tabIndex = -1;
    focused = [row, column];
    const cell = cells[row][column];
    cell.tabIndex = 0;
    cell.focus();
    show(row, column);
  };

  const table = h('table', { class: 'heatmap', role: 'grid', 'aria-label': options.caption, 'data-testid': options.id });
  table.append(h('caption', {}, options.caption));
  // The first head row titles the columns; the corner of the second titles the row labels below it.
  const titleRow = h('tr', {}, h('td', { class: 'axis-spacer' }), h('th', { scope: 'colgroup', colspan: size, class: 'axis-title column-axis-title', 'data-testid': `${options.id}-column-title` }, options.columnAxisTitle));
  const headRow = h('tr', {}, h('th', { scope: 'col', class: 'corner axis-title', title: `${options.rowHeading} ↓, ${options.columnHeading} →`, 'data-testid': `${options.id}-row-title` }, options.rowAxisTitle));
  options.labels.forEach((label) => headRow.append(h('th', { scope: 'col' }, label)));
  table.append(h('thead', {}, titleRow, headRow));

  const body = h('tbody');
  for (let row = 0; row < size; row += 1) {
    const rowElement = h('tr', {}, h('th', { scope: 'row' }, options.labels[row]));
    cells.push([]);
    for (let column = 0; column < size; column += 1) {
      const intensity = Math.min(1, Math.max(0, options.intensity(row, column)));
      const cell = h('td', {
        role: 'gridcell',
        tabindex: row === 0 && column === 0 ? 0 : -1,
        title: options.describe(row, column),
        'data-row': row,
        'data-column': column,
        class: intensity > strongIntensity ? 'strong' : undefined,
      }, options.cellText(row, column));
      // CSSOM assignments are allowed by the page's CSP, unlike style attributes in markup.
      const color = options.cellColor?.(row, column) ?? options.color;
      cell.style.backgroundColor = `color-mix(in srgb, ${color} ${(intensity * 100).toFixed(1)}%, transparent)`;
      cell.addEventListener('mouseenter', () => show(row, column));
      cell.addEventListener('focus', () => show(row, column));
      cells[row].push(cell);
      rowElement.append(cell);
    }
    body.append(rowElement);
  }
  table.append(body);

  table.addEventListener('keydown', (event) => {
    const [row, column] = focused;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, row - 1), column],
      ArrowDown: [Math.min(size - 1, row + 1), column],
      ArrowLeft: [row, Math.max(0, column - 1)],
      ArrowRight: [row, Math.min(size - 1, column + 1)],
      Home: [row, 0],
      End: [row, size - 1],
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      focusCell(target[0], target[1]);
    }
  });

  return h('figure', { class: 'heatmap-figure' }, table, readout);
}
