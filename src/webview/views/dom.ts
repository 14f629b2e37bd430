// Small helpers to build DOM without innerHTML, so no text from a run folder is parsed as markup.

import { t } from '../l10n';

type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | undefined | null | false;

/** Creates an element with attributes (false and undefined leave one out, true sets it empty) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attributes?: Attributes, ...children: Child[]): HTMLElement;
export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's children; undefined, null and false children are left out. */
export function replaceContent(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Creates a vscode-button; `secondary` (the default) gives the quieter style of toolbar actions. */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; ariaLabel?: string; title?: string; testId?: string } = {}): HTMLElement {
  const element = h('vscode-button', {
    secondary: options.secondary ?? true,
    'aria-label': options.ariaLabel,
    title: options.title,
    'data-testid': options.testId,
  }, label);
  element.addEventListener('click', onClick);
  return element;
}

/** Creates a vscode-checkbox with its label; `onChange` receives the new checked state. */
export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, testId?: string): HTMLElement & { checked: boolean } {
  const element = h('vscode-checkbox', { label, checked, 'data-testid': testId }) as HTMLElement & { checked: boolean };
  element.addEventListener('change', () => onChange(element.checked));
  return element;
}

export interface SelectOption {
  value: string;
  label: string;
}

/** Creates a vscode-single-select; `onChange` receives the chosen value. */
export function select(ariaLabel: string, options: readonly SelectOption[], value: string, onChange: (value: string) => void, testId?: string): HTMLElement & { value: string } {
  const element = h('vscode-single-select', { 'aria-label': ariaLabel, 'data-testid': testId }) as HTMLElement & { value: string };
  for (const option of options) {
    append(element, h('vscode-option', { value: option.value, selected: option.value === value }, option.label));
  }
  element.addEventListener('change', () => onChange(element.value));
  return element;
}

/**
 * Creates a vscode-table with a header row and text cells. Its rows stay plain text, so screen
 * readers read the numbers behind each chart.
 */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly string[])[], testId?: string): HTMLElement {
  const header = h('vscode-table-header', { slot: 'header' }, ...headers.map((text) => h('vscode-table-header-cell', {}, text)));
  const body = h(
    'vscode-table-body',
    { slot: 'body' },
    ...rows.map((row) => h('vscode-table-row', {}, ...row.map((text) => h('vscode-table-cell', {}, text)))),
  );
  return h('vscode-table', { 'aria-label': caption, zebra: true, 'bordered-rows': true, 'data-testid': testId }, header, body);
}

/**
 * Sets the column widths of a vscode-table. Version 2.5.1 turns percentages into auto widths
 * while the table has no width (in a hidden tab, or before its first render), so the widths
 * are set the first time the table is laid out with a width.
 */
export function setTableColumns(table: HTMLElement, widths: readonly string[]): void {
  const element = table as HTMLElement & { columns: string[] };
  const observer = new ResizeObserver((entries) => {
    if (entries.some((entry) => entry.contentRect.width > 0)) {
      observer.disconnect();
      // The table measures itself in its own ResizeObserver callback, which may run after this one.
      void customElements.whenDefined('vscode-table').then(() =>
        requestAnimationFrame(() => {
          element.columns = [...widths];
        }),
      );
    }
  });
  observer.observe(table);
}

/**
 * Creates a "Show table" toggle and the table it reveals, for the numbers behind a chart. The
 * table is built each time it is shown, not before, because a long run's tables have hundreds of rows.
 */
export function tableToggle(caption: string, buildTable: () => HTMLElement, testId?: string): HTMLElement {
  const holder = h('div', { class: 'table-view', hidden: true, 'data-testid': testId });
  let shown = false;
  const toggle = button(t('Show table'), () => {
    shown = !shown;
    holder.hidden = !shown;
    toggle.textContent = shown ? t('Hide table') : t('Show table');
    toggle.setAttribute('aria-expanded', String(shown));
    if (shown) {
      holder.replaceChildren(buildTable());
    }
  }, { ariaLabel: t('Show the table of {0}', caption) });
  toggle.setAttribute('aria-expanded', 'false');
  return h('div', { class: 'table-toggle' }, toggle, holder);
}

/** Creates a paragraph styled as a note; `role="note"` lets screen readers announce it as one. */
export function note(text: string, className = 'note'): HTMLElement {
  return h('p', { class: className, role: 'note' }, text);
}
