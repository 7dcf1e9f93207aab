// Insights for one site: visits, page views and enquiries over 7, 30 or 90 days, and where
// visitors come from. Counted without cookies (docs/privacy.md). Each chart is an SVG drawn from
// the same figures as the table beside it; the chart is a picture (role="img" with a title and a
// description in words), the table is what a screen reader or keyboard reads. No inline styles
// (the CSP allows none): SVG presentation attributes and classes from portal.css only.

import { api } from './lib/api.js';
import { enc } from './lib/format.js';
import { html } from './lib/html.js';
import { addRoute } from './lib/router.js';
import { errorMessage } from './lib/words.js';

const PERIODS = [['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['90d', 'Last 90 days']];
const DEVICES = { mobile: 'Phones', tablet: 'Tablets', desktop: 'Computers' };
let uid = 0;

const number = (n) => Number(n).toLocaleString('en');
const percent = (rate) => `${(rate * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`;
const shortDate = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en', { day: 'numeric', month: 'short', timeZone: 'UTC' });

function countryName(code) {
  if (!code || code === 'XX') return 'Unknown';
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) || code;
  } catch {
    return code;
  }
}

// 90 days read better as weeks: 7-day buckets from the first day (the last may be shorter).
function buckets(days, period) {
  if (period !== '90d') return days.map((d) => ({ label: shortDate(d.date), ...d }));
  const out = [];
  for (let i = 0; i < days.length; i += 7) {
    const week = days.slice(i, i + 7);
    out.push({
      label: `${shortDate(week[0].date)}–${shortDate(week[week.length - 1].date)}`,
      visitors: week.reduce((n, d) => n + d.visitors, 0),
      views: week.reduce((n, d) => n + d.views, 0),
      enquiries: week.reduce((n, d) => n + d.enquiries, 0),
    });
  }
  return out;
}

// Bars over time: page views (light) with visits (dark) in front, one pair per day or week.
function timeChart(rows, title, summary) {
  const id = `chart-${++uid}`;
  const width = 640;
  const height = 220;
  const top = 10;
  const bottom = 30;
  const left = 36;
  const max = Math.max(1, ...rows.map((r) => r.views));
  const step = (width - left) / rows.length;
  const bar = Math.max(1, step * 0.7);
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const every = Math.ceil(rows.length / 8); // at most ~8 labels under the axis
  const bars = rows.map((r, i) => {
    const x = left + i * step + (step - bar) / 2;
    return html`<rect class="bar-views" x="${x}" y="${y(r.views)}" width="${bar}" height="${height - bottom - y(r.views)}"/>
      <rect class="bar-visits" x="${x + bar * 0.2}" y="${y(r.visitors)}" width="${bar * 0.6}" height="${height - bottom - y(r.visitors)}"/>${i % every === 0 && html`<text class="axis" x="${x + bar / 2}" y="${height - 10}" text-anchor="middle">${r.label}</text>`}`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" focusable="false">
    <title id="${id}-t">${title}</title><desc id="${id}-d">${summary}</desc>
    <line class="axis-line" x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}"/>
    <text class="axis" x="${left - 6}" y="${top + 4}" text-anchor="end">${number(max)}</text>
    <text class="axis" x="${left - 6}" y="${height - bottom}" text-anchor="end">0</text>${bars}</svg>`;
}

// Horizontal bars: one per page, referrer, country or device.
function rankChart(rows, title, summary) {
  const id = `chart-${++uid}`;
  const width = 480;
  const line = 28;
  const label = 170;
  const height = Math.max(1, rows.length) * line + 4;
  const max = Math.max(1, ...rows.map((r) => r.views));
  const bars = rows.map((r, i) => {
    const w = Math.max(2, ((width - label - 50) * r.views) / max);
    const y = i * line + 4;
    const name = r.name.length > 24 ? `${r.name.slice(0, 23)}…` : r.name;
    return html`<text class="axis" x="0" y="${y + 15}">${name}</text>
      <rect class="bar-views" x="${label}" y="${y}" width="${w}" height="${line - 8}"/>
      <text class="axis" x="${label + w + 6}" y="${y + 15}">${number(r.views)}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" focusable="false">
    <title id="${id}-t">${title}</title><desc id="${id}-d">${summary}</desc>${bars}</svg>`;
}

function rankSection(key, heading, column, rows, empty) {
  if (!rows.length) return html`<section aria-labelledby="h-${key}"><h2 id="h-${key}">${heading}</h2><p class="muted">${empty}</p></section>`;
  const summary = rows.slice(0, 3).map((r) => `${r.name}: ${number(r.views)} views`).join('; ');
  return html`<section aria-labelledby="h-${key}"><h2 id="h-${key}">${heading}</h2><div class="chart-pair">
    ${rankChart(rows, heading, `Top: ${summary}.`)}
    <table><caption class="sr-only">${heading}</caption><thead><tr><th scope="col">${column}</th><th scope="col" class="num">Page views</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><th scope="row">${r.name}</th><td class="num">${number(r.views)}</td></tr>`)}</tbody></table></div></section>`;
}

function timeSection(rows, unit, summary) {
  const per = unit.toLowerCase();
  return html`<section aria-labelledby="h-time"><h2 id="h-time">Visits and page views per ${per}</h2>
      <p class="legend"><span class="key key-visits"></span> Visits <span class="key key-views"></span> Page views</p>
      <div class="chart-pair">${timeChart(rows, `Visits and page views per ${per}`, summary)}
      <div class="table-scroll"><table id="days"><caption class="sr-only">Visits, page views and enquiries per ${per}</caption>
        <thead><tr><th scope="col">${unit}</th><th scope="col" class="num">Visits</th><th scope="col" class="num">Page views</th><th scope="col" class="num">Enquiries</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td class="num">${number(r.visitors)}</td><td class="num">${number(r.views)}</td><td class="num">${number(r.enquiries)}</td></tr>`)}</tbody></table></div></div></section>`;
}

function figures(data, period, base) {
  const t = data.totals;
  const rows = buckets(data.days, period);
  const unit = period === '90d' ? 'Week' : 'Day';
  const busiest = rows.reduce((a, r) => (r.views > a.views ? r : a), rows[0]);
  const summary = t.views
    ? `${number(t.visitors)} visits and ${number(t.views)} page views from ${shortDate(data.from)} to ${shortDate(data.to)}; the busiest ${unit.toLowerCase()} was ${busiest.label} with ${number(busiest.views)} page views.`
    : `No page views from ${shortDate(data.from)} to ${shortDate(data.to)} yet.`;
  const named = (list, key, name = (v) => v) => list.map((r) => ({ name: name(r[key]), views: r.views }));
  return html`<ul class="totals" aria-label="Totals for ${PERIODS.find(([p]) => p === period)[1].toLowerCase()}">
      <li class="card"><span class="figure" id="total-visitors">${number(t.visitors)}</span> visits</li>
      <li class="card"><span class="figure" id="total-views">${number(t.views)}</span> page views</li>
      <li class="card"><span class="figure" id="total-enquiries">${number(t.enquiries)}</span> enquiries</li>
      <li class="card"><span class="figure" id="enquiry-rate">${percent(t.enquiry_rate)}</span> of visits sent an enquiry</li>
    </ul>
    ${timeSection(rows, unit, summary)}
    ${rankSection('pages', 'Most viewed pages', 'Page', named(data.pages, 'path'), 'No page views yet.')}
    ${rankSection('referrers', 'Where visitors came from', 'Website', named(data.referrers, 'host'), 'No visitor came through a link on another website yet (visits typed in or from apps show no source).')}
    ${rankSection('countries', 'Countries', 'Country', named(data.countries, 'country', countryName), 'No page views yet.')}
    ${rankSection('devices', 'Devices', 'Device', named(data.devices, 'device', (d) => DEVICES[d] || d), 'No page views yet.')}
    <p><a href="${base}/leads" data-link>Read your enquiries</a></p>`;
}

async function insights(visit) {
  const base = `/sites/${enc(decodeURIComponent(visit.match[1]))}`;
  const asked = visit.params.get('period');
  const period = PERIODS.some(([p]) => p === asked) ? asked : '7d';
  const site = await api('GET', base);
  const title = `Insights · ${site.name}`;
  const top = html`<p><a href="${base}" data-link>← Back to editing ${site.name}</a></p><h1>Insights for ${site.name}</h1>`;
  const choices = html`<nav class="row periods" aria-label="Period">${PERIODS.map(([p, label]) => html`<a class="button${p !== period && ' secondary'}" href="${base}/insights?period=${p}" data-link${p === period && html` aria-current="page"`}>${label}</a>`)}</nav>`;
  let data;
  try {
    data = await api('GET', `${base}/insights?period=${period}`);
  } catch (e) {
    if (e.status === 402) return visit.view(title, html`${top}<div class="alert error">${errorMessage(e)}</div><p><a class="button" href="/billing" data-link>See plans</a></p>`);
    if (e.status === 503 || e.status === 504) return visit.view(title, html`${top}${choices}<div class="alert error">${errorMessage(e)}</div>`);
    throw e;
  }
  return visit.view(title, html`${top}
    <p class="muted">Counted without cookies and without storing anything personal about your visitors, so your site needs no cookie banner for it. A visit is someone arriving at your site; each page they open is a page view. Search engines' robots are left out.</p>
    ${choices}${figures(data, period, base)}`);
}

export function register() {
  addRoute(/^\/sites\/([^/]+)\/insights$/, insights);
}
