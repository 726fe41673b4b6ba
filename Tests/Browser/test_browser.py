"""The browser pages in a real headless Chromium, through the real daemon and the strict
test provider: sign in, deny, a response that arrives after its sign-in is over, form_post,
and the status page. Each page is saved light and dark under /screenshots/ for a person to
look at.
"""
import json
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

import pytest

PAGE_TIMEOUT = 15


# ---------------------------------------------------------------- what the test observes


def read_socket(path):
    """What `nc -U PATH` prints: connect, send nothing, read to end of file."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(10)
        client.connect(path)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def provider_accepts(provider, token):
    """The provider's own verdict on a bearer token (its /validate endpoint, over TLS with its CA)."""
    request = urllib.request.Request(provider.base_url + "/validate", headers={"Authorization": "Bearer " + token})
    context = ssl.create_default_context(cafile=provider.ca_file)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as reply:
            return json.load(reply).get("active") is True
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return False
        raise


def network_events(driver):
    """The DevTools Network events since the last call (reading the log empties it)."""
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return events


def document_requests(events):
    """(method, url, status) of each top-level document the browser fetched, in order,
    redirects included."""
    requests = {}
    order = []
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent" and params.get("type") == "Document":
            if "redirectResponse" in params:
                previous = requests[params["requestId"]]
                previous[2] = params["redirectResponse"]["status"]
                order.append(list(previous))
            requests[params["requestId"]] = [params["request"]["method"], params["request"]["url"], None]
        elif event["method"] == "Network.responseReceived" and params.get("type") == "Document":
            if params["requestId"] in requests:
                requests[params["requestId"]][2] = params["response"]["status"]
    order.extend(requests.values())
    return [tuple(r) for r in order]


def wait_for_text(driver, text):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        return text in d.find_element("tag name", "body").text

    # The body found may belong to the page that is being navigated away from.
    wait = WebDriverWait(driver, PAGE_TIMEOUT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    try:
        wait.until(found)
    except TimeoutException:
        pytest.fail(f"the page at {driver.current_url} never said {text!r}; it says:\n"
                    f"{driver.find_element('tag name', 'body').text}")


def click(driver, element_id):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, PAGE_TIMEOUT).until(expected_conditions.element_to_be_clickable((By.ID, element_id))).click()


def shoot(driver, directory, name):
    """The page as it is, once with prefers-color-scheme: light and once dark; the page must
    follow the scheme (a person looks at the pictures for whether it reads well)."""
    backgrounds = {}
    for scheme in ("light", "dark"):
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        backgrounds[scheme] = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        driver.save_screenshot(os.path.join(directory, f"{name}-{scheme}.png"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert backgrounds["light"] != backgrounds["dark"], f"{driver.current_url} ignores prefers-color-scheme: {backgrounds}"


def assert_self_contained(driver):
    """No page loads anything but itself (no stylesheet, image, script or font from elsewhere),
    and nothing on it broke its Content-Security-Policy."""
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == [], f"{driver.current_url} loaded {resources}"
    assert_console_clean(driver)


def assert_console_clean(driver):
    """Nothing on the console since the last look but HTTP error statuses (which the error
    pages have on purpose): a CSP violation, a blocked form or script would show here."""
    problems = [entry for entry in driver.get_log("browser") if entry["source"] != "network"]
    assert problems == [], problems


def start_sign_in(driver, daemon, provider, account):
    """Opens the daemon's sign-in link and checks it lands on the provider's page."""
    network_events(driver)
    assert_console_clean(driver)
    driver.get(f"{daemon.origin}/signin/{account}")
    wait_for_text(driver, "Sign in to the redirect-catcher test provider")
    assert driver.current_url.startswith(provider.authorize_url + "?"), driver.current_url
    assert driver.execute_script("return window.isSecureContext"), "the provider's page is not a secure (trusted TLS) context"


def callback_requests(daemon, events):
    return [(method, url, status) for method, url, status in document_requests(events)
            if url.startswith(daemon.origin + "/callback")]


# ---------------------------------------------------------------- the tests


def test_sign_in_then_the_token_is_valid_and_a_second_response_is_already_complete(browser, daemon, provider, screenshots):
    assert read_socket(daemon.socket_path("webapp")).startswith("error: account webapp needs sign-in")
    start_sign_in(browser, daemon, provider, "webapp")
    assert_self_contained(browser)
    shoot(browser, screenshots, "1-provider-sign-in")

    click(browser, "approve")
    wait_for_text(browser, "Signed in to webapp")
    assert browser.title.startswith("Signed in to webapp")
    # The callback answered with a 303 to a result page: the code is gone from the address bar.
    assert "/result/" in browser.current_url and "code=" not in browser.current_url, browser.current_url
    assert_self_contained(browser)
    shoot(browser, screenshots, "2-signed-in")

    token = read_socket(daemon.socket_path("webapp"))
    assert token.endswith("\n") and not token.startswith("error:"), token
    assert provider_accepts(provider, token.strip()), "the provider rejects the token the socket served"

    callbacks = callback_requests(daemon, network_events(browser))
    assert callbacks and callbacks[0][0] == "GET", callbacks
    callback_url = callbacks[0][1]
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(callback_url).query)["code"][0]
    log = daemon.log()
    assert code not in log and token.strip() not in log, "the daemon logged the code or the token"

    # The same response again (a reload, the back button, a second tab): its state is no
    # longer pending, so the code is not redeemed twice and the token stays.
    browser.get(callback_url)
    wait_for_text(browser, "This sign-in is already complete")
    shoot(browser, screenshots, "3-already-complete")
    assert document_requests(network_events(browser))[-1][2] == 200
    assert_self_contained(browser)
    assert read_socket(daemon.socket_path("webapp")) == token
    assert provider_accepts(provider, token.strip())


def test_deny_shows_the_providers_access_denied(browser, daemon, provider, screenshots):
    start_sign_in(browser, daemon, provider, "refused")
    click(browser, "deny")
    wait_for_text(browser, "Sign-in failed")
    body = browser.find_element("tag name", "body").text
    assert "access_denied" in body and "The user declined" in body, body
    assert "Try again" in body
    assert_self_contained(browser)
    shoot(browser, screenshots, "4-denied")
    assert read_socket(daemon.socket_path("refused")).startswith("error: account refused needs sign-in")


def test_a_response_with_an_unknown_state_gets_the_400_page(browser, daemon, screenshots):
    network_events(browser)
    assert_console_clean(browser)
    browser.get(f"{daemon.origin}/callback?code=not-a-real-code&state=no-such-state")
    wait_for_text(browser, "This sign-in response was not accepted")
    body = browser.find_element("tag name", "body").text
    assert "unknown or expired state" in body and "No code was redeemed" in body, body
    assert document_requests(network_events(browser))[-1][2] == 400
    assert_self_contained(browser)
    shoot(browser, screenshots, "5-unknown-state")


def test_form_post_reaches_the_daemon_through_both_content_security_policies(browser, daemon, provider, screenshots):
    start_sign_in(browser, daemon, provider, "entra-like")
    assert "response_mode=form_post" in browser.current_url
    click(browser, "approve")
    # The provider's page submits itself with its one inline script, under the provider's CSP
    # (script-src 'unsafe-inline'; form-action 'self' http://localhost:PORT).
    wait_for_text(browser, "Signed in to entra-like")
    assert "/result/" in browser.current_url, browser.current_url
    callbacks = callback_requests(daemon, network_events(browser))
    assert [method for method, _, _ in callbacks][:1] == ["POST"], callbacks
    assert "code=" not in browser.current_url
    assert_self_contained(browser)
    token = read_socket(daemon.socket_path("entra-like")).strip()
    assert provider_accepts(provider, token)
    shoot(browser, screenshots, "6-signed-in-form-post")


def test_status_page_lists_every_account_with_a_sign_in_link(browser, daemon, screenshots):
    browser.get(daemon.origin + "/")
    wait_for_text(browser, "redirect-catcher")
    links = [a.get_attribute("href") for a in browser.find_elements("tag name", "a")]
    items = [li.text for li in browser.find_elements("tag name", "li")]
    for account in ("webapp", "entra-like", "refused"):
        assert any(item.startswith(account) for item in items), items
        assert f"{daemon.origin}/signin/{account}" in links, links
    assert_self_contained(browser)
    shoot(browser, screenshots, "0-status")
