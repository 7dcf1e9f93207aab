from devstack.stack import Stack
from shared.http import Request
from tests.conftest import error_code, signed


async def test_sending_is_a_clear_501_until_the_mail_issue(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "POST", "/internal/send")
    response = await stack.mailer.handle(Request("POST", "/internal/send", headers=headers, body=b"{}"))
    assert (response.status, error_code(response)) == (501, "mail_not_implemented")


async def test_wrong_method_is_405_with_allow(stack: Stack, crypto, clock) -> None:
    headers = await signed(crypto, clock, "GET", "/internal/send")
    response = await stack.mailer.handle(Request("GET", "/internal/send", headers=headers))
    assert (response.status, response.header("allow")) == (405, "POST")
