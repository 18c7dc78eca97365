// The runs list: newest first, filtered by pipeline and state, kept current while it is shown.
import { api } from './api.js';
import { badge, clock, h, label, problem, replace, table, terminalStates, time } from './dom.js';

const states = ['Queued', 'Running', 'WaitingForApproval', 'Cancelling', 'Succeeded', 'Failed', 'Cancelled', 'Rejected'];
// GET /api/v1/runs has no change stream: the list is re-read this often while the tab is visible
// (one small request; a run's own page follows its events instead).
const refreshMilliseconds = 3000;
const listed = 200;

export function runsView(main, query) {
  const filter = { pipeline: query.get('pipeline') ?? '', state: query.get('state') ?? '' };
  let runs = null;
  let error = null;
  let timer = null;
  const controller = new AbortController();

  const pipelines = h('datalist', { id: 'pipeline-names' });
  const pipelineInput = h('input', {
    id: 'filter-pipeline', type: 'search', list: 'pipeline-names', value: filter.pipeline, placeholder: 'any', autocomplete: 'off',
    oninput: () => { filter.pipeline = pipelineInput.value.trim(); remember(); render(); },
  });
  const stateSelect = h('select', {
    id: 'filter-state',
    onchange: () => { filter.state = stateSelect.value; remember(); render(); },
  }, h('option', { value: '' }, 'any'), states.map(state => h('option', { value: state, selected: state === filter.state }, label(state))));
  const body = h('div', { 'aria-busy': 'true' });

  replace(main,
    h('h1', {}, 'Runs'),
    h('form', { class: 'filters', role: 'search', onsubmit: event => event.preventDefault() },
      h('label', { for: 'filter-pipeline' }, 'Pipeline'), pipelineInput, pipelines,
      h('label', { for: 'filter-state' }, 'State'), stateSelect),
    body);

  // The filter lives in the URL, to share or bookmark, without a new history entry per keystroke.
  function remember() {
    const params = new URLSearchParams();
    if (filter.pipeline) params.set('pipeline', filter.pipeline);
    if (filter.state) params.set('state', filter.state);
    const query = params.toString();
    history.replaceState(null, '', `#/runs${query ? `?${query}` : ''}`);
  }

  function matches(run) {
    const pipeline = filter.pipeline.toLowerCase();
    return (!pipeline || run.pipeline.toLowerCase().includes(pipeline)) && (!filter.state || run.state === filter.state);
  }

  function render() {
    if (runs === null) {
      replace(body, error ? problem(error) : h('p', {}, 'Loading…'));
      return;
    }
    replace(pipelines, [...new Set(runs.map(run => run.pipeline))].sort().map(name => h('option', { value: name })));
    const shown = runs.filter(matches);
    replace(body,
      error ? problem(error) : null,
      table('Runs, newest first', ['Pipeline', 'State', 'Started', 'Duration', 'Triggered by', 'Run'],
        shown.map(run => [
          h('a', { href: `#/runs/${run.id}`, dataset: { focus: `run-${run.id}` } }, run.pipeline),
          badge(run.state),
          time(run.createdAt),
          clock(run.createdAt, terminalStates.includes(run.state) ? run.updatedAt : null),
          [run.triggeredBy ?? '', run.trigger ? h('span', { class: 'muted' }, ` (${run.trigger})`) : null],
          h('a', { href: `#/runs/${run.id}`, class: 'mono', 'aria-label': `Run ${run.id}` }, run.id.slice(0, 8)),
        ]),
        runs.length === 0 ? 'No runs yet. Start one with POST /api/v1/runs or mflow run start.' : 'No run matches the filter.'));
    body.setAttribute('aria-busy', 'false');
  }

  async function load() {
    clearTimeout(timer);
    try {
      const list = await api(`/api/v1/runs?limit=${listed}`, { signal: controller.signal });
      runs = list.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
      error = null;
    } catch (failure) {
      if (controller.signal.aborted) return;
      error = failure;
    }
    render();
    if (!document.hidden) timer = setTimeout(load, refreshMilliseconds);
  }

  const onVisibility = () => { if (!document.hidden) load(); };
  document.addEventListener('visibilitychange', onVisibility);
  load();

  return () => {
    controller.abort();
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
