"""The portal's small parts on their own, in real Chromium (the modules core serves): html`…`
escapes every value unless it is itself html`…`; error codes (and a refused field's reason or its
control) become the portal's words without reading the server's English; the router draws nothing
for a visit the owner has already left."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.portal.test_static import PUBLIC
from tests.served import Served


async def test_html_escapes_every_value_but_nested_templates(page: Page, served: Served) -> None:
    await page.goto(f"{served.core}/login")
    got = await page.evaluate(
        """async () => {
          const { html } = await import('/lib/html.js');
          const name = '<img src=x onerror="alert(1)"> & \\'you\\'';
          return String(html`<p title="${name}">${name}${[html`<b>${name}</b>`, 'x']}${false}${null}</p>`);
        }"""
    )
    escaped = "&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;you&#39;"
    assert got == f'<p title="{escaped}">{escaped}<b>{escaped}</b>x</p>'


async def test_errors_are_worded_by_code_not_by_the_servers_english(page: Page, served: Served) -> None:
    await page.goto(f"{served.core}/login")
    got = await page.evaluate(
        """async () => {
          const { ApiError } = await import('/lib/api.js');
          const { errorMessage, fieldWords } = await import('/lib/words.js');
          const input = Object.assign(document.createElement('input'), { value: 'abcdef' });
          input.setAttribute('maxlength', '5');
          const link = Object.assign(document.createElement('input'), { value: 'htp:/x' });
          link.dataset.accepts = 'Enter a web address.';
          const field = (error) => new ApiError(400,
            { code: 'invalid_field', field: 'blocks[0].x', message: 'blocks[0].x: English', ...error });
          return {
            reason: fieldWords(field({ reason: 'too_long', max_length: 80 }), input),
            count: fieldWords(field({ reason: 'wrong_count', min_items: 1, max_items: 12 }), input),
            control: fieldWords(field({}), input),
            accepts: fieldWords(field({}), link),
            empty: fieldWords(field({}), Object.assign(document.createElement('input'), { value: ' ' })),
            alone: errorMessage(field({})),
            code: errorMessage(new ApiError(401, { code: 'invalid_credentials', message: 'English' })),
            plan: errorMessage(new ApiError(402, { code: 'not_available', required_plan: 'pro', message: 'English' })),
            unknown: errorMessage(new ApiError(409, { code: 'something_new', message: 'The server says so.' })),
            offline: errorMessage(new ApiError(0, { code: 'offline' })),
          };
        }"""
    )
    assert got == {
        "reason": "Too long: at most 80 characters.",
        "count": "Keep between 1 and 12 of these.",
        "control": "Too long: at most 5 characters.",
        "accepts": "Enter a web address.",
        "empty": "Fill this in.",
        "alone": "Something you typed is not accepted: check the marked field.",
        "code": "The email or password is not right.",
        "plan": "This needs the Pro plan. Go to Billing to upgrade.",
        "unknown": "The server says so.",
        "offline": "Cannot reach SmartPages. Check your connection and try again; nothing you typed is lost.",
    }
    # Nothing reads the server's message: no pattern over it anywhere in the portal's words.
    assert "message.replace" not in (PUBLIC / "lib" / "words.js").read_text()


async def test_a_slow_view_never_draws_over_the_next_one(page: Page, served: Served) -> None:
    """The enquiries view is slowed down; the owner goes to Billing meanwhile; when the slow
    answer arrives, Billing stays on screen."""
    await page.goto(f"{served.core}/login")
    await page.evaluate(
        """async () => {
          const router = await import('/lib/router.js');
          const { html } = await import('/lib/html.js');
          router.addRoute('/slow-probe', async (visit) => {
            await new Promise((resolve) => setTimeout(resolve, 1500));
            visit.view('Slow', html`<h1>Slow view</h1>`);
          }, { open: true });
          router.addRoute('/quick-probe', (visit) => visit.view('Quick', html`<h1>Quick view</h1>`), { open: true });
          router.go('/slow-probe');
          setTimeout(() => router.go('/quick-probe'), 100);
        }"""
    )
    await expect(page.get_by_role("heading", name="Quick view")).to_be_visible()
    await page.wait_for_timeout(2500)
    await expect(page.get_by_role("heading", name="Quick view")).to_be_visible()
    assert await page.get_by_role("heading", name="Slow view").count() == 0
