"""The query page at `/`, driven in headless Chromium against a live server (see conftest.py).

Each test starts from a fresh browser context. Expected rows are asked of the endpoint itself, so the tests check the
page against the service, not against numbers copied from the data.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from page_browser import ROW_CAP, PageErrors, new_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ID = "https://w3id.org/coopgraph/id/"
XSS = "<img src=x onerror=alert(1)>"
PARTIES_QUERY = (
    "SELECT ?agreement ?party WHERE { ?agreement a coop:Agreement ; coop:hasParty ?party } ORDER BY ?agreement ?party"
)


def open_page(page: Any, live_url: str, search: str = "") -> None:
    """Load the page (with a state in its URL) and wait until it has run what the URL asks, which must succeed."""
    page.goto(f"{live_url}/{search}")
    page.wait_for_selector("body[data-ready=true]")
    if page.evaluate("document.body.dataset.state") == "error":
        raise AssertionError(f"the run the URL asks for failed: {page.inner_text('#result-message')}")


def runs(page: Any) -> int:
    return int(page.evaluate("Number(document.body.dataset.runs || 0)"))


def wait_for_run(page: Any, before: int) -> str:
    """Wait for the run after `before` to finish; its outcome: done, or error followed by the message shown."""
    page.wait_for_function(
        "n => Number(document.body.dataset.runs || 0) > n && document.body.dataset.state !== 'running'", arg=before
    )
    state = str(page.evaluate("document.body.dataset.state"))
    if state == "error":
        return f"error: {page.inner_text('#result-message')}"
    return state


def set_query(page: Any, text: str) -> None:
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def run_query(page: Any, text: str) -> str:
    set_query(page, text)
    before = runs(page)
    page.click("#run")
    return wait_for_run(page, before)


def show_view(page: Any, view: str) -> Any:
    page.click(f"button[data-view={view}]")
    page.wait_for_selector(f"#view svg[data-view={view}], #view .empty")
    page.wait_for_function("() => !document.getElementById('view').hasAttribute('aria-busy')")
    return page.locator(f"#view svg[data-view={view}]")


def endpoint_rows(live_url: str, query: str) -> list[dict[str, str]]:
    response = httpx.post(f"{live_url}/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
    response.raise_for_status()
    return list(csv.DictReader(io.StringIO(response.text)))


def table_rows(page: Any) -> int:
    return int(page.locator("#view table.results").get_attribute("data-rows"))


# --- editor and table ---------------------------------------------------------------------------------------------


def test_a_typed_query_runs_with_ctrl_enter_and_fills_the_table(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    page.click(".CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(PARTIES_QUERY)
    page.keyboard.press("Escape")  # close a completion list the typing may have opened
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == PARTIES_QUERY
    before = runs(page)
    page.keyboard.press("Control+Enter")
    assert wait_for_run(page, before) == "done"

    expected = endpoint_rows(live_url, PARTIES_QUERY)
    assert table_rows(page) == len(expected) > 0
    assert page.locator("#view tbody tr").count() == len(expected)
    assert re.match(rf"{len(expected)} rows in \d+ ms", page.inner_text("#result-status"))
    # IRIs by label, linked to their page on this server
    link = page.locator(f'#view [data-iri="{ID}org/esp-dakar"] a').first
    assert link.inner_text() == "Ecole Supérieure Polytechnique Dakar"
    assert link.get_attribute("href") == f"{live_url}/id/org/esp-dakar"
    screenshot(page, "table")


def test_columns_sort_both_ways(page: Any, live_url: str) -> None:
    open_page(page, live_url, "?query=" + quote(PARTIES_QUERY))
    first_cells = (
        "[...document.querySelectorAll('#view tbody tr td:nth-child(2)')].map(td => td.innerText.split('\\n')[0])"
    )
    page.click("th button[data-sort=party]")
    ascending = page.evaluate(first_cells)
    assert page.get_attribute("th:nth-child(2)", "aria-sort") == "ascending"
    page.click("th button[data-sort=party]")
    descending = page.evaluate(first_cells)
    assert page.get_attribute("th:nth-child(2)", "aria-sort") == "descending"
    assert ascending == sorted(ascending, key=str.casefold) or ascending[0] <= ascending[-1]
    assert descending == list(reversed(ascending))


def test_autocomplete_offers_coopgraph_classes_from_the_ontology(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    set_query(page, "SELECT ?x WHERE { ?x a ")
    page.evaluate(
        "() => { const cm = document.querySelector('.CodeMirror').CodeMirror; cm.focus(); cm.execCommand('goDocEnd'); }"
    )
    page.keyboard.type("coop:Univ")
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for()
    assert any(text.startswith("coop:University") for text in hints.all_inner_texts())
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()").endswith("coop:University")


def test_tab_leaves_the_editor_for_the_run_button(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    page.click(".CodeMirror")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "run"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    before = runs(page)
    page.keyboard.press("Enter")
    assert wait_for_run(page, before) == "done"


# --- errors, truncation -------------------------------------------------------------------------------------------


def test_a_syntax_error_is_shown_in_place(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    assert run_query(page, "SELEC ?x WHERE { ?x ?p ?o }").startswith("error")
    message = page.locator("#result-message")
    assert message.is_visible()
    assert message.get_attribute("data-kind") == "syntax"
    assert message.locator("h3").inner_text() == "The query has an error"
    assert message.locator("pre").inner_text().strip()  # the endpoint's own message
    assert page.locator("[data-download=csv]").is_disabled()


@pytest.mark.parametrize("status", [503, 408])
def test_a_timeout_is_shown_in_place(page: Any, live_url: str, status: int) -> None:
    open_page(page, live_url)
    page.route(
        "**/sparql",
        lambda route: route.fulfill(status=status, body="the query ran longer than 30 s and was stopped\n"),
    )
    assert run_query(page, "SELECT * WHERE { ?s ?p ?o }").startswith("error")
    message = page.locator("#result-message")
    assert message.get_attribute("data-kind") == "timeout"
    assert "took too long" in message.inner_text()
    assert "ran longer than 30 s" in message.inner_text()


def test_a_busy_service_is_asked_again_after_its_retry_after(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    answered: list[int] = []

    def busy_once(route: Any) -> None:
        if not answered:
            answered.append(503)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="all 2 query workers stayed busy; retry later")
        else:
            route.continue_()

    page.route("**/sparql", busy_once)
    assert run_query(page, PARTIES_QUERY) == "done"
    assert answered == [503]
    assert table_rows(page) == len(endpoint_rows(live_url, PARTIES_QUERY))


def test_truncated_results_say_so(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    assert run_query(page, "SELECT * WHERE { ?s ?p ?o }") == "done"
    notice = page.locator("#result-notice")
    assert notice.is_visible()
    assert notice.get_attribute("data-reason") == "row-limit"
    assert f"at most {ROW_CAP} rows" in notice.inner_text()
    assert table_rows(page) == ROW_CAP
    page.click("button.more-rows")
    assert page.locator("#view tbody tr").count() == ROW_CAP


# --- canned queries -----------------------------------------------------------------------------------------------


def test_a_canned_query_runs_from_its_form(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    page.click(".gallery-item[data-query=partners-of]")
    form = page.locator("form[data-query=partners-of]")
    picker = form.locator("select[data-param=organisation]")
    page.wait_for_function("() => !document.querySelector('select[data-param=organisation]').hasAttribute('aria-busy')")
    assert picker.locator("option").count() > 10  # organisations from the data
    picker.select_option(f"{ID}org/esp-dakar")
    assert form.locator("[data-param=lang]").count() == 0  # the labels' language follows the page

    form.get_by_role("button", name="Show SPARQL").click()
    toggle = form.locator("button[aria-controls=sparql-partners-of]")
    assert toggle.inner_text() == "Hide SPARQL"
    assert toggle.get_attribute("aria-expanded") == "true"
    assert "SELECT" in form.locator("pre.canned-sparql").inner_text()
    screenshot(page, "gallery-form", full_page=False)

    before = runs(page)
    form.get_by_role("button", name="Run this question").click()
    assert wait_for_run(page, before) == "done"
    partners = page.locator("#view td").all_inner_texts()
    assert any(text.startswith("IMT\n") or text == "IMT" for text in partners)
    assert any(XSS in text for text in partners)  # the fixture lab, a partner of ESP Dakar
    assert "canned=partners-of" in page.url and quote(f"{ID}org/esp-dakar", safe="") in page.url


def test_a_required_parameter_left_empty_is_said_at_the_field(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    page.click(".gallery-item[data-query=partners-of]")
    page.wait_for_function("() => !document.querySelector('select[data-param=organisation]').hasAttribute('aria-busy')")
    page.evaluate("document.querySelector('select[data-param=organisation]').value = ''")
    page.locator("form[data-query=partners-of] button[type=submit]").click()
    picker = page.locator("select[data-param=organisation]")
    assert picker.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.dataset.param") == "organisation"
    assert runs(page) == 0


# --- views --------------------------------------------------------------------------------------------------------


def test_map_timeline_and_network_draw_the_expected_marks(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    before = runs(page)
    page.click("#run")  # the example query: partnerships, their parties, countries and dates
    assert wait_for_run(page, before) == "done"
    screenshot(page, "table-example", full_page=False)

    svg = show_view(page, "map")
    assert page.locator("#view path.country").count() > 100  # the Natural Earth base map
    places = {
        page.locator("#view g.place").nth(i).get_attribute("data-place") for i in range(svg.locator("g.place").count())
    }
    assert {f"{ID}place/dakar", f"{ID}place/rabat", f"{ID}place/casablanca"} <= places
    assert f"{ID}place/france" in places  # a country centroid stands in for organisations with no city
    links = svg.locator("path.link")
    assert links.count() >= 5
    titles = [links.nth(i).locator("title").text_content() for i in range(links.count())]
    assert any("Rabat — " in t or " — Rabat" in t for t in titles if "XSS test collaboration" in t)
    assert "<img" in svg.locator(f'g.place[data-place="{ID}place/rabat"] title').text_content()
    screenshot(page, "map")

    svg = show_view(page, "timeline")
    year = svg.locator(f'g.lane[data-iri="{ID}partnership/xss-test-lab--esp-dakar--collaboration"]')
    assert year.get_attribute("data-earliest") == "2020-01-01"
    assert year.get_attribute("data-latest") == "2020-12-31"
    assert year.locator("rect.span-mark").count() == 1  # a year is a span, not a day
    day = svg.locator(f'g.lane[data-iri="{ID}partnership/fimme--arts-et-metiers--mou"]')
    assert day.get_attribute("data-precision") == "day"
    assert day.locator("path.point-mark").count() == 1
    assert int(page.locator("#view ul.undated").get_attribute("data-count")) >= 5  # undated partnerships listed apart
    screenshot(page, "timeline")

    svg = show_view(page, "network")
    assert svg.locator(f'g.node[data-iri="{ID}org/esp-dakar"]').count() == 1
    assert svg.locator(f'g.node[data-iri="{ID}org/imt"] circle').count() == 1
    edge = svg.locator(f'line.edge[data-source="{ID}org/esp-dakar"][data-target="{ID}org/xss-test-lab"]')
    assert edge.count() == 1
    hub = svg.locator(f'g.node.partnership[data-iri="{ID}partnership/imt-grand-est--founding-agreement"]')
    assert hub.locator("rect").count() == 1  # 8 parties: a node of its own, not 28 edges
    assert int(svg.get_attribute("data-edges")) >= 15
    assert svg.locator("g.node text", has_text=XSS).count() == 1  # the label as text
    screenshot(page, "network")


def test_a_canned_query_opens_in_its_default_view(page: Any, live_url: str) -> None:
    open_page(page, live_url, "?canned=events-timeline")
    assert page.get_attribute("button[data-view=timeline]", "aria-pressed") == "true"
    svg = page.locator("#view svg[data-view=timeline]")
    svg.wait_for()
    assert svg.locator("g.lane").count() >= 3


# --- downloads and shared URLs ------------------------------------------------------------------------------------


def test_the_results_download_as_csv(page: Any, live_url: str) -> None:
    open_page(page, live_url, "?query=" + quote(PARTIES_QUERY))
    with page.expect_download() as info:
        page.click("[data-download=csv]")
    download = info.value
    assert download.suggested_filename == "coopgraph-results.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == endpoint_rows(live_url, PARTIES_QUERY)
    assert page.locator("[data-download=turtle]").is_disabled()  # Turtle is for graphs


def test_a_construct_shows_triples_and_downloads_turtle(page: Any, live_url: str) -> None:
    agreement = f"<{ID}partnership/imt--esp-dakar--framework-agreement>"
    construct = f"CONSTRUCT {{ ?a coop:hasParty ?p }} WHERE {{ VALUES ?a {{ {agreement} }} ?a coop:hasParty ?p }}"
    open_page(page, live_url, "?query=" + quote(construct))
    assert page.inner_text("#result-status").startswith("2 triples")
    assert page.locator("#view th").all_inner_texts()[0].startswith("?subject")
    assert page.locator("[data-download=csv]").is_disabled()
    with page.expect_download() as info:
        page.click("[data-download=turtle]")
    assert info.value.suggested_filename.endswith(".ttl")
    assert "hasParty" in Path(info.value.path()).read_text(encoding="utf-8")


def test_an_ask_query_answers_yes_or_no(page: Any, live_url: str) -> None:
    open_page(page, live_url, "?query=" + quote("ASK { ?x a coop:Agreement }"))
    assert page.get_attribute("#view .ask-answer", "data-boolean") == "true"


def test_a_shared_url_reopens_the_same_query_parameters_view_and_language(
    page: Any, live_url: str, browser: Any, page_errors: PageErrors
) -> None:
    open_page(page, live_url, f"?canned=partners-of&p.organisation={quote(ID + 'org/esp-dakar')}")
    rows = table_rows(page)
    show_view(page, "network")
    before = runs(page)
    page.click("[data-lang=fr]")  # re-runs the canned query with French labels
    wait_for_run(page, before)
    page.click("#share")
    shared = page.locator("#share-url").input_value()
    assert shared == page.url

    other = new_page(browser, page_errors)
    try:
        other.goto(shared)
        other.wait_for_selector("body[data-ready=true]")
        assert other.evaluate("document.documentElement.lang") == "fr"
        assert other.get_attribute("button[data-view=network]", "aria-pressed") == "true"
        assert other.locator("select[data-param=organisation]").input_value() == f"{ID}org/esp-dakar"
        other.locator("#view svg[data-view=network]").wait_for()
        other.click("button[data-view=table]")
        assert table_rows(other) == rows
    finally:
        other.context.close()


def test_a_typed_query_url_reopens_it(page: Any, live_url: str) -> None:
    open_page(page, live_url)
    assert run_query(page, PARTIES_QUERY) == "done"
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == PARTIES_QUERY
    assert table_rows(page) == len(endpoint_rows(live_url, PARTIES_QUERY))


# --- languages ----------------------------------------------------------------------------------------------------


def test_the_language_follows_the_browser_and_the_switch(browser: Any, live_url: str, page_errors: PageErrors) -> None:
    page = new_page(browser, page_errors, locale="fr-FR")
    try:
        agreement = f"SELECT ?a WHERE {{ VALUES ?a {{ <{ID}partnership/imt--esp-dakar--framework-agreement> }} }}"
        open_page(page, live_url, "?query=" + quote(agreement))
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.inner_text("#run").startswith("Exécuter")
        assert page.inner_text("#gallery-title") == "Questions toutes prêtes"
        cell = page.locator("#view td a").first
        assert cell.inner_text() == "Accord cadre de partenariat entre l'IMT et l'ESP Dakar"
        assert page.inner_text("#result-status").startswith("1 ligne")
        screenshot(page, "french")

        page.click("[data-lang=en]")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.get_attribute("[data-lang=en]", "aria-pressed") == "true"
        assert cell.inner_text() == "IMT – ESP Dakar partnership framework agreement"
        assert page.inner_text("#gallery-title") == "Ready-made questions"
        assert "lang=en" in page.url

        open_page(page, live_url, "?canned=events-timeline&lang=fr")
        assert page.inner_text("form[data-query=events-timeline] h3") == "Les événements sur une frise chronologique"
        page.locator("#view svg[data-view=timeline]").wait_for()
        screenshot(page, "french-timeline")
    finally:
        page.context.close()
    assert page_errors.errors == [] and page_errors.dialogs == []


# --- security -----------------------------------------------------------------------------------------------------


def test_labels_and_literals_that_look_like_html_stay_text(page: Any, live_url: str) -> None:
    query = f'SELECT ("{XSS}" AS ?x) ?lab WHERE {{ VALUES ?lab {{ <{ID}org/xss-test-lab> }} }}'
    open_page(page, live_url, "?query=" + quote(query))
    cells = page.locator("#view td").all_inner_texts()
    assert cells[0] == XSS
    assert cells[1].startswith(f"{XSS} Lab")
    assert page.locator("#view img, #view script").count() == 0
    show_view(page, "network")
    page.click("button[data-view=map]")
    page.locator("#view svg[data-view=map]").wait_for()
    assert page.locator("#view img").count() == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    # the page fixture fails the test if a dialog (alert) opened or the CSP blocked anything


def test_the_page_and_its_assets_carry_a_strict_content_security_policy(live_url: str) -> None:
    for path in ("/", "/static/js/main.js", "/static/css/page.css"):
        response = httpx.get(live_url + path, timeout=30)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    html = httpx.get(live_url + "/", timeout=30).text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # no inline code
    assert " on" not in " ".join(re.findall(r"<[a-z]+\s[^>]*>", html)).replace(" one", "")


def test_the_page_works_offline(page: Any, live_url: str) -> None:
    """Every request the page makes stays on this server: no CDN, font, tile server or API elsewhere."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, live_url, "?query=" + quote(PARTIES_QUERY) + "&view=map")
    page.locator("#view svg[data-view=map]").wait_for()
    assert requested
    assert all(url.startswith(live_url) or url.startswith(("data:", "blob:")) for url in requested), requested


# --- small screens ------------------------------------------------------------------------------------------------


def test_the_page_fits_a_375_pixel_screen(browser: Any, live_url: str, page_errors: PageErrors) -> None:
    page = new_page(browser, page_errors, viewport={"width": 375, "height": 800})
    try:
        open_page(page, live_url, "?canned=partnership-network")
        page.locator("#view svg[data-view=network]").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.locator("#run").is_visible()
        screenshot(page, "narrow-375")
        page.click("button[data-view=table]")
        page.locator("#view table.results").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the table scrolls in its own box
    finally:
        page.context.close()
    assert page_errors.errors == [] and page_errors.dialogs == []


def test_the_state_can_come_in_the_fragment_and_a_bare_sparql_link_leads_here(page: Any, live_url: str) -> None:
    response = httpx.get(f"{live_url}/sparql", headers={"Accept": "text/html"}, follow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["location"] == "/"
    open_page(page, live_url, f"#query={quote(PARTIES_QUERY)}&view=network")
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == PARTIES_QUERY
    assert page.get_attribute("button[data-view=network]", "aria-pressed") == "true"
    page.locator("#view svg[data-view=network]").wait_for()
