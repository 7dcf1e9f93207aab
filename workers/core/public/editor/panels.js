// How a panel joins the editor. A panel is one module under editor/ that calls `registerPanel`
// when imported, and one import line in editor/all.js. The editor gives every panel a place on
// the page and the editor context `ed` (editor/editor.js describes it).
//
// registerPanel({
//   id: 'theme',                 // the section's id is `panel-theme`, its heading's `h-theme`
//   title: 'Colours and fonts',  // the section's heading, or (ed) => words (omit: no section);
//   short: 'Colours',            //   its name in the phone's jump list (default: the title)
//   place: 'side',               // 'bar' (the sticky save bar), 'top' (above the columns),
//                                //   'side' (the column of panels) or 'preview' (beside them)
//   order: 40,                   // position within its place (gaps of 10 leave room)
//   render: (ed) => html`…`,     // the panel's content (escaped by default: lib/html.js)
//   watch: ['site'],             // store keys whose change redraws `render` (optional)
//   mount: (el, ed) => {},       // once, after the first draw: events (delegated on `el`, so
//                                //   they survive a redraw), savers, extra hooks
//   roles: ['owner', 'editor'],  // who sees the panel: the site's owner, an editor of her team,
// })                             //   a viewer (customer/team.py); the default is who may change the site

const panels = [];

export function registerPanel(panel) {
  if (panels.some((p) => p.id === panel.id)) throw new Error(`Two editor panels named ${panel.id}`);
  panels.push({ place: 'side', order: 100, watch: [], roles: ['owner', 'editor'], ...panel });
}

// The panels in `place` that `role` sees (all of them without a role).
export const panelsIn = (place, role) => panels
  .filter((p) => p.place === place && (!role || p.roles.includes(role)))
  .sort((a, b) => a.order - b.order);
