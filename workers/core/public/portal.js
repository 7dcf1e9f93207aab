// The SmartPages portal: a small single-page app over core's JSON API. No framework, no build
// step, nothing from a CDN. Small parts (docs/portal.md, "How the portal is built"):
//   lib/      api client, html`…` templating (escapes by default), the one action helper, the one
//             notice area, field errors, dialogs, the router, the session, words for error codes
//   auth.js, account.js, billing.js, sites.js (dashboard, enquiries), insights.js, invite.js
//             (an invitation to a site's team): the views
//   editor/   the site editor: one module per panel around one store (editor/panels.js)
// Each view module registers its routes; this file only starts them.

import * as account from './account.js';
import * as auth from './auth.js';
import * as billing from './billing.js';
import * as editor from './editor/editor.js';
import * as insights from './insights.js';
import * as invite from './invite.js';
import { start } from './lib/router.js';
import * as sites from './sites.js';

for (const module of [auth, invite, sites, editor, insights, billing, account]) module.register();
start();
