// Job and pipeline definitions: every version with its state (draft, published, deprecated), and
// one version's document, its history and its sibling versions.
import { api } from './api.js';
import { badge, h, problem, replace, table, time } from './dom.js';

const stages = ['draft', 'published', 'deprecated'];
const titles = { pipelines: 'Pipelines', jobs: 'Jobs' };

export function definitionsView(main, kind, query) {
  const controller = new AbortController();
  const filter = { name: query.get('name') ?? '', stage: query.get('stage') ?? '' };
  let definitions = null;
  let error = null;

  const nameInput = h('input', {
    id: 'filter-name', type: 'search', value: filter.name, placeholder: 'any', autocomplete: 'off',
    oninput: () => { filter.name = nameInput.value.trim(); remember(); render(); },
  });
  const stageSelect = h('select', {
    id: 'filter-stage',
    onchange: () => { filter.stage = stageSelect.value; remember(); render(); },
  }, h('option', { value: '' }, 'any'), stages.map(stage => h('option', { value: stage, selected: stage === filter.stage }, stage)));
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  replace(main,
    h('h1', {}, titles[kind]),
    h('form', { class: 'filters', role: 'search', onsubmit: event => event.preventDefault() },
      h('label', { for: 'filter-name' }, 'Name'), nameInput,
      h('label', { for: 'filter-stage' }, 'State'), stageSelect),
    body);

  function remember() {
    const params = new URLSearchParams(Object.entries(filter).filter(([, value]) => value));
    history.replaceState(null, '', `#/${kind}${params.size ? `?${params}` : ''}`);
  }

  function render() {
    if (definitions === null) {
      if (error) replace(body, problem(error));
      return;
    }
    const name = filter.name.toLowerCase();
    const shown = definitions.filter(d => (!name || d.uniqueName.toLowerCase().includes(name)) && (!filter.stage || d.stage === filter.stage));
    replace(body, table(titles[kind], ['Name', 'Version', kind === 'jobs' ? 'Kind' : null, 'State', 'Updated', 'By'].filter(Boolean),
      shown.map(d => [
        h('a', { href: `#/${kind}/${d.id}` }, `${d.name}@${d.namespace}.${d.domain}`),
        h('span', { class: 'mono' }, d.version),
        kind === 'jobs' ? d.kind ?? '' : null,
        badge(d.stage),
        time(d.updatedAt),
        d.updatedBy,
      ].filter(cell => cell !== null)),
      definitions.length === 0 ? `No ${kind} yet.` : `No ${kind} match the filter.`));
    body.setAttribute('aria-busy', 'false');
  }

  api(`/api/v1/${kind}`, { signal: controller.signal }).then(
    list => {
      definitions = list.sort((a, b) => a.uniqueName.localeCompare(b.uniqueName) || Date.parse(b.createdAt) - Date.parse(a.createdAt));
      render();
    },
    failure => {
      if (controller.signal.aborted) return;
      error = failure;
      render();
    });
  return () => controller.abort();
}

export function definitionView(main, kind, id) {
  const controller = new AbortController();
  const signal = controller.signal;
  replace(main, h('p', {}, 'Loading…'));
  (async () => {
    let definition;
    let changes;
    let versions;
    try {
      definition = await api(`/api/v1/${kind}/${id}`, { signal });
      const sameName = new URLSearchParams({ name: definition.name, namespace: definition.namespace, domain: definition.domain });
      [changes, versions] = await Promise.all([api(`/api/v1/${kind}/${id}/changes`, { signal }), api(`/api/v1/${kind}?${sameName}`, { signal })]);
    } catch (error) {
      if (!signal.aborted) replace(main, h('h1', {}, titles[kind]), problem(error), h('p', {}, h('a', { href: `#/${kind}` }, `Back to ${kind}.`)));
      return;
    }
    const labels = Object.entries(definition.labels ?? {});
    replace(main,
      h('p', {}, h('a', { href: `#/${kind}` }, `← ${titles[kind]}`)),
      h('h1', {}, definition.uniqueName, ' ', badge(definition.stage)),
      h('dl', { class: 'facts' },
        definition.kind ? [h('dt', {}, 'Kind'), h('dd', {}, definition.kind)] : null,
        h('dt', {}, 'Created'), h('dd', {}, time(definition.createdAt), ` by ${definition.createdBy}`),
        definition.publishedAt ? [h('dt', {}, 'Published'), h('dd', {}, time(definition.publishedAt))] : null,
        definition.deprecatedAt ? [h('dt', {}, 'Deprecated'), h('dd', {}, time(definition.deprecatedAt))] : null,
        labels.length ? [h('dt', {}, 'Labels'), h('dd', {}, labels.map(([k, v]) => h('span', { class: 'chip mono' }, `${k}=${v}`)))] : null),
      h('h2', {}, 'Versions'),
      table('Versions', ['Version', 'State', 'Updated'], versions
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
        .map(v => [v.id === definition.id ? h('strong', { class: 'mono' }, v.version) : h('a', { href: `#/${kind}/${v.id}`, class: 'mono' }, v.version), badge(v.stage), time(v.updatedAt)]), ''),
      h('h2', {}, 'Definition'),
      h('pre', { class: 'document', tabindex: '0' }, JSON.stringify(definition.definition, null, 2)),
      h('h2', {}, 'History'),
      table('History', ['When', 'Change', 'By', 'Reason'], changes.map(c => [time(c.at), c.action, c.actor, c.reason ?? '']), 'No changes recorded.'));
  })();
  return () => controller.abort();
}
