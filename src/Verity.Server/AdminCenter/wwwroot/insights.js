// Insights: a log's questions (the auditor's of the product brief; who fails to sign in, who is locked out, which
// applications are used) answered by GET {log's API}/insights, each with its number, a short list and a chart over time
// (SVG built here, no library), each linking to the log's list of the entries behind it. The aggregation happens on the
// server; the page only draws what it returns.
import { h, formatTime } from './dom.js';
import { fetchJson } from './api.js';
import { LOGS, currentLog } from './logs.js';
import { loadTimeZone } from './timezone.js';

const root = document.getElementById('insights');
const log = currentLog();
const PERIODS = [7, 30, 90];
const SVG = 'http://www.w3.org/2000/svg';
const number = new Intl.NumberFormat();
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** The log's list filtered by a raw $filter (time window included), shown there as an "Advanced filter". */
const listHref = (filter) => `${log.path}?${new URLSearchParams({ range: 'all', filter })}`;

/** This page for another log or period. */
const pageHref = (key, days) => `?${new URLSearchParams({ ...(key === LOGS[0].key ? {} : { log: key }), days })}`;

const day = (date) => dayFormat.format(new Date(`${date}T00:00:00Z`));

function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/**
 * A bar per day; the summary is the chart's accessible name, and the same numbers are in a table below it. The summary
 * states the question's own number, never a sum of the bars: the bars count entries (seriesUnit), while the number
 * may count something else, such as distinct users changed.
 */
function chart(question) {
  const series = question.series ?? [];
  const width = 600; const height = 120; const top = 8; const bottom = 20;
  const max = Math.max(1, ...series.map((p) => p.count));
  const step = width / Math.max(series.length, 1);
  const peak = series.reduce((best, p) => (p.count > (best?.count ?? -1) ? p : best), null);
  const summary = series.length
    ? `${number.format(question.number)} ${question.unit} from ${day(series[0].date)} to ${day(series.at(-1).date)}`
      + (peak && peak.count > 0 ? `; most ${question.seriesUnit} on ${day(peak.date)} (${number.format(peak.count)})` : '')
    : 'No data';
  const bars = series.map((p, i) => {
    const barHeight = ((height - top - bottom) * p.count) / max;
    return svg('rect', { x: (i * step + step * 0.15).toFixed(2), y: (height - bottom - barHeight).toFixed(2), width: (step * 0.7).toFixed(2),
      height: Math.max(barHeight, p.count > 0 ? 1 : 0).toFixed(2), class: 'bar', 'data-date': p.date, 'data-count': p.count },
    svg('title', {}, `${day(p.date)}: ${number.format(p.count)}`));
  });
  const labels = series.length ? [
    svg('text', { x: 0, y: height - 4, class: 'axis' }, day(series[0].date)),
    svg('text', { x: width, y: height - 4, class: 'axis', 'text-anchor': 'end' }, day(series.at(-1).date)),
    svg('text', { x: 0, y: top + 2, class: 'axis', 'dominant-baseline': 'hanging' }, `max ${number.format(max)}`),
  ] : [];
  const graphic = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': summary },
    svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: 'baseline' }), ...bars, ...labels);
  const table = h('details', { className: 'chart-table' }, h('summary', {}, 'Chart as a table'),
    h('table', { className: 'grid' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date (UTC)'), h('th', { scope: 'col' }, question.seriesUnit))),
      h('tbody', {}, series.map((p) => h('tr', {}, h('td', {}, p.date), h('td', {}, number.format(p.count)))))));
  return h('figure', { className: 'chart-figure' }, graphic, h('figcaption', { className: 'muted small' }, summary), table);
}

function items(question) {
  const list = question.items ?? [];
  if (!list.length) return h('p', { className: 'muted' }, 'Nothing in this period.');
  return h('ol', { className: 'insight-items' }, list.map((item) => h('li', {},
    item.filter ? h('a', { href: listHref(item.filter) }, item.label) : h('span', {}, item.label),
    item.count !== undefined && item.count !== null ? h('span', { className: 'item-count' }, number.format(item.count)) : null,
    item.date ? h('time', { className: 'muted', dateTime: item.date }, item.date.length > 10 ? formatTime(new Date(item.date)) : day(item.date)) : null)));
}

function card(question) {
  const id = `q-${question.id}`;
  return h('article', { className: 'insight', id, dataset: { question: question.id }, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, question.question),
    h('p', { className: 'insight-number' },
      h('a', { href: listHref(question.filter), id: `${id}-link`, title: 'Open the entries behind this number in the list' },
        h('span', { className: 'number', id: `${id}-number` }, number.format(question.number)), ' ', h('span', { className: 'unit' }, question.unit ?? ''))),
    chart(question),
    items(question));
}

async function render() {
  const params = new URLSearchParams(location.search);
  const days = Number(params.get('days')) || 30;
  root.setAttribute('aria-busy', 'true');
  document.title = `Insights: ${log.title} · Verity`;
  const logs = h('nav', { className: 'tabs', 'aria-label': 'Log', id: 'insights-logs' },
    LOGS.map((l) => h('a', { href: pageHref(l.key, days), id: `insights-log-${l.key}`, 'aria-current': l === log ? 'page' : null }, l.title)));
  const picker = h('nav', { className: 'periods', 'aria-label': 'Period' },
    PERIODS.map((d) => h('a', { href: pageHref(log.key, d), id: `days-${d}`, 'aria-current': d === days ? 'page' : null }, `Last ${d} days`)));
  const error = h('div', { id: 'insights-error', className: 'error', role: 'alert', hidden: true });
  const grid = h('div', { className: 'insights-grid', id: 'insights-grid' });
  const range = h('p', { className: 'muted', id: 'insights-range' });
  root.replaceChildren(h('h1', {}, 'Insights'), logs, h('div', { className: 'toolbar periods-bar' }, picker), range, error, grid);
  try {
    const result = await fetchJson(`${log.apiPath}/insights?days=${encodeURIComponent(days)}`);
    range.textContent = `${log.title} from ${formatTime(new Date(result.from))} to ${formatTime(new Date(result.to))} (${result.days} days); `
      + 'numbers link to the entries behind them.';
    grid.replaceChildren(...(result.questions ?? []).map(card));
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  } finally {
    root.removeAttribute('aria-busy');
  }
}

loadTimeZone().finally(render);
