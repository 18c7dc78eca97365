// What the server is set up with: clusters (names and descriptions; their kubeconfigs never leave
// the server) and notification subscriptions (URLs with credentials masked by the API).
import { api } from './api.js';
import { badge, h, problem, replace, table, time } from './dom.js';

function listView(main, title, path, headings, row, empty) {
  const controller = new AbortController();
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  replace(main, h('h1', {}, title), body);
  api(path, { signal: controller.signal }).then(
    items => replace(body, table(title, headings, items.map(row), empty)),
    error => { if (!controller.signal.aborted) replace(body, problem(error)); })
    .finally(() => body.setAttribute('aria-busy', 'false'));
  return () => controller.abort();
}

export function clustersView(main) {
  return listView(main, 'Clusters', '/api/v1/clusters', ['Name', 'Description', 'Added', 'By', 'Updated'],
    c => [h('span', { class: 'mono' }, c.id), c.description ?? '', time(c.createdAt), c.createdBy, time(c.updatedAt)],
    'No clusters: tasks run where the workers run (the in-cluster default).');
}

export function subscriptionsView(main) {
  return listView(main, 'Subscriptions', '/api/v1/subscriptions', ['Name', 'Target', 'URL', 'Pipelines', 'Events', 'State', 'By'],
    s => [s.name, s.target, h('span', { class: 'mono' }, s.url), s.pipelines.length ? s.pipelines.join(', ') : 'all', s.events.join(', '),
      badge(s.enabled ? 'Enabled' : 'Disabled'), s.createdBy],
    'No subscriptions.');
}
