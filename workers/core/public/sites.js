// Sites: the dashboard (list and create). The editor arrives with the sites API.
let api, esc, go, onSubmit, view;

async function dashboard() {
  const { sites } = await api('GET', '/sites');
  view('Your sites', `<h1>Your sites</h1>
    ${sites.length ? `<ul>${sites.map((s) => `<li><a href="/sites/${esc(s.id)}" data-link>${esc(s.name)}</a></li>`).join('')}</ul>`
      : '<p>No sites yet.</p>'}
    <h2>New site</h2>
    <form class="stack card" id="new"><label>Name<input name="name" required maxlength="100"></label>
    <button type="submit">Create the site</button></form>`);
  onSubmit(document.getElementById('new'), async (data) => {
    const { site } = await api('POST', '/sites', data);
    go(`/sites/${site.id}`);
  });
}

export function register(ui) {
  ({ api, esc, go, onSubmit, view } = ui);
  ui.addRoute(/^\/$/, dashboard);
}
