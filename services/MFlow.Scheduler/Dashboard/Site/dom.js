// Building the page: elements from data, never HTML from strings, so that nothing a run, a
// pipeline or a log contains can become markup (the Content-Security-Policy is the second line).

/** An element: h('a', { href: '#/runs', class: 'x', onclick: fn }, 'text', child, [more]) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children, keeping the focus on the element with the same data-focus key. */
export function replace(element, ...children) {
  const focused = document.activeElement?.dataset?.focus;
  element.replaceChildren();
  append(element, children);
  if (focused && !element.contains(document.activeElement)) {
    element.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }
}

/** A run's, stage's or task's state as a badge: a word with a colour, never the colour alone. */
export function badge(state) {
  return h('span', { class: `badge state-${(state ?? 'unknown').toLowerCase()}` }, label(state));
}

/** States as people read them. */
export function label(state) {
  return state === 'WaitingForApproval' ? 'Waiting for approval' : state ?? 'Unknown';
}

export const terminalStates = ['Succeeded', 'Failed', 'Cancelled', 'Rejected', 'TimedOut'];

/** "1m 05s" from milliseconds. */
export function duration(milliseconds) {
  if (milliseconds === null || milliseconds === undefined || Number.isNaN(milliseconds)) return '';
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A time in the reader's locale, with the full ISO time as its tooltip. */
export function time(iso) {
  if (!iso) return '';
  const at = new Date(iso);
  return h('time', { datetime: iso, title: at.toISOString() }, at.toLocaleString());
}

/**
 * A duration that keeps counting while its end is unknown: every clock() element is updated once a
 * second by tick(), without re-rendering (which would move the keyboard focus).
 */
export function clock(start, end) {
  if (!start) return h('span', { class: 'duration' });
  const element = h('span', { class: 'duration', dataset: { start, end: end ?? '' } });
  element.textContent = elapsed(element);
  return element;
}

function elapsed(element) {
  const end = element.dataset.end ? Date.parse(element.dataset.end) : Date.now();
  return duration(end - Date.parse(element.dataset.start));
}

setInterval(() => {
  for (const element of document.querySelectorAll('.duration[data-start]')) {
    if (!element.dataset.end) element.textContent = elapsed(element);
  }
}, 1000);

/** A table with a header row; rows are arrays of cells. */
export function table(caption, headings, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-scroll' },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headings.map(heading => h('th', { scope: 'col' }, heading)))),
      h('tbody', {}, rows.map(cells => h('tr', {}, cells.map(cell => h('td', {}, cell)))))));
}

/** An error the API answered, shown where the user looks. */
export function problem(error) {
  return h('p', { class: 'error', role: 'alert' }, error?.message ?? String(error));
}
