// What a viewer of the site's team sees instead of the editing panels: that she can look but not
// change, where the site is live, and its pages (customer/team.py: a viewer's writes answer 403).

import { html } from '../lib/html.js';
import { registerPanel } from './panels.js';

function render(ed) {
  const { site } = ed.store.state;
  return html`<div class="card" id="view-only"><p><strong>You can look at this site, not change it.</strong> Only its owner and the editors of its team can edit and publish it. Ask the owner to make you an editor.</p>
    <p>${site.live_version ? html`Live at <a href="${site.url}">${site.default_host}</a> (version ${site.live_version}).` : 'Not published yet.'}</p>
    <p>Its pages: ${site.pages.map((p) => p.title).join(', ')}.</p></div>`;
}

registerPanel({ id: 'viewonly', place: 'top', order: 10, watch: ['site'], roles: ['viewer'], render });
