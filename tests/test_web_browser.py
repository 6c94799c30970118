"""The page as an advisor uses it: a real headless Chromium (Debian's, through Playwright)
against `res-rules serve` on a free port. Forms filled by hand and by keyboard, an upload, field
errors, the language switch, the print view, and an axe-core scan of every page. A screenshot
of each page is kept in test-results/web/."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from conftest_web import ARTIFACTS, example, form_of, plain, running_server

from res_rules import advise, load_case
from res_rules._report import advice_report
from res_rules.web.forms import dom_id

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    REASON = ("Debian's chromium is not installed (apt-get install -y chromium); "
              "Playwright's own browser download is not available here")
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {REASON}", pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402  # only with a browser
from playwright.sync_api import Page, expect  # noqa: E402

#: As the machine notes advise for Chromium as root on a closed network.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """The system's Chromium, with a fresh profile (Playwright makes one per launch)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "nl-NL",
            "viewport": {"width": 1100, "height": 900}, "accept_downloads": True}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as (base, _):
        yield base


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_case(page: Page, case: dict[str, Any]) -> None:
    """Type a case into the form as an advisor would: projects added with the button."""
    wanted = len(case.get("projects", []))
    while page.locator("fieldset.project").count() < wanted:
        page.get_by_role("button", name="Project toevoegen").click()
    if wanted == 0:
        page.get_by_role("button", name="Project 1 verwijderen").click()
    for name, value in form_of(case).items():
        field = page.locator(f'[id="{dom_id(name)}"]')
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            field.select_option(value)
        elif kind == "checkbox":
            field.check()
        else:
            field.fill(value.replace(".", ",") if name.endswith("capacity_mw") else value)


def authorities(page: Page) -> list[str]:
    return page.locator("td.authority strong").all_inner_texts()


@pytest.mark.parametrize("name", ["planuitval-windpark-start", "energiewet-drie-projecten"])
def test_filled_form_gives_the_proposal_and_competence(page: Page, server: str,
                                                      name: str) -> None:
    """Two shared examples typed into the form give advise()'s proposal and competence."""
    report = advice_report(advise(load_case(example(name))))
    page.goto(server + "/")
    fill_case(page, plain(example(name)))
    page.get_by_role("button", name="Advies geven", exact=True).click()
    shot(page, f"advies-{name}")
    assert (page.locator(".proposal-text").inner_text(), authorities(page)) == (
        report["proposal"]["text"], [row["authority"] for row in report["competence"]])


def test_upload_fills_the_form_then_advises(page: Page, server: str) -> None:
    """A case file uploaded fills every input; advising it gives the file's advice."""
    path = example("mediation-zonder-draagvlak")
    report = advice_report(advise(load_case(path)))
    page.goto(server + "/")
    page.set_input_files("#case-file", str(path))
    page.get_by_role("button", name="Bestand inlezen").click()
    filled = (page.input_value("#f-id"), page.input_value("#f-theme"),
              page.locator(".notice").inner_text())
    shot(page, "casus-uit-bestand")
    page.get_by_role("button", name="Advies geven", exact=True).click()
    assert (filled, page.locator(".proposal-text").inner_text()) == (
        (plain(path)["id"], plain(path)["theme"], f"Het formulier is gevuld uit {path.name}."),
        report["proposal"]["text"])


def test_bad_input_shows_every_error_beside_its_field(page: Page, server: str) -> None:
    """Missing and wrong values: a summary, each error next to its input, typing kept."""
    page.goto(server + "/")
    page.fill("#f-id", "onvolledig")
    page.fill(f"#{dom_id('projects[0].id')}", "wp-1")
    page.select_option(f"#{dom_id('projects[0].gemeente')}", "Lopik")
    page.select_option(f"#{dom_id('projects[0].technology')}", "wind")
    page.fill(f"#{dom_id('projects[0].capacity_mw')}", "twaalf")
    page.get_by_role("button", name="Advies geven", exact=True).click()
    shot(page, "casus-met-fouten")
    summary = page.locator("#error-summary h2").inner_text()
    beside = [page.locator(f"#{dom_id(p)}-error").is_visible()
              for p in ("theme", "scope", "projects[0].capacity_mw")]
    kept = (page.input_value("#f-id"), page.input_value(f"#{dom_id('projects[0].capacity_mw')}"))
    invalid = page.get_attribute(f"#{dom_id('projects[0].capacity_mw')}", "aria-invalid")
    page.locator("#error-summary a", has_text="Schaal").click()
    focused = page.evaluate("document.activeElement.id")
    assert (summary, beside, kept, invalid, focused) == (
        "Er zijn 3 fouten in de invoer", [True, True, True], ("onvolledig", "twaalf"), "true",
        "f-scope")


def test_language_switch_keeps_the_case(page: Page, server: str) -> None:
    """English on request, on the form and on the advice (which keeps its case), and back."""
    path = example("planuitval-windpark-start")
    page.goto(server + "/")
    page.get_by_role("link", name="English").click()
    form_heading = (page.locator("html").get_attribute("lang"), page.locator("h1").inner_text())
    fill_case(page, plain(path))
    page.get_by_role("button", name="Get advice", exact=True).click()
    english = page.locator("#advice-proposal").inner_text()
    shot(page, "advice-english")
    page.get_by_role("button", name="Nederlands").click()
    dutch = (page.locator("html").get_attribute("lang"),
             page.locator(".proposal-text").inner_text())
    advice = advise(load_case(path))
    assert (form_heading, english, dutch) == (
        ("en", "Enter a case"), advice_report(advice, "en")["proposal"]["heading"],
        ("nl", advice_report(advice)["proposal"]["text"]))


def test_print_view_is_a_clean_a4_nota(page: Page, server: str) -> None:
    """Printing hides the menu and the buttons, folds the justification open, and makes A4."""
    page.goto(server + "/")
    fill_case(page, plain(example("netcongestie-deadline-gemist")))
    page.get_by_role("button", name="Advies geven", exact=True).click()
    page.emulate_media(media="print")
    shown = {sel: page.locator(sel).first.is_visible() for sel in (
        ".site-header", "#advice-tools", ".justification ol", ".proposal-text")}
    shot(page, "advies-afdrukken")
    pdf = page.pdf(path=str(ARTIFACTS / "advies-a4.pdf"), format="A4")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert (shown, pdf[:4], pages >= 1) == (
        {".site-header": False, "#advice-tools": False, ".justification ol": True,
         ".proposal-text": True}, b"%PDF", True)


def test_keyboard_only_use_of_the_form(page: Page, server: str) -> None:
    """Skip link, typing, choosing, removing a project and submitting with Enter, all by
    keyboard, with a visible focus ring on every stop."""
    page.goto(server + "/")
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.className")
    page.keyboard.press("Enter")
    rings: list[str] = []

    def tab_to(element_id: str, key: str = "Tab") -> None:
        for _ in range(80):
            page.keyboard.press(key)
            rings.append(page.evaluate("getComputedStyle(document.activeElement).outlineStyle"
                                       " + ' ' + document.activeElement.id"))
            if page.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"{element_id} not reached by {key}")

    tab_to("f-id")
    page.keyboard.type("toetsenbord")
    tab_to("f-theme")
    page.keyboard.type("planuitval")
    tab_to("f-scope")
    page.keyboard.type("regionaal")
    remove = page.get_by_role("button", name="Project 1 verwijderen")
    for _ in range(80):
        page.keyboard.press("Tab")
        if remove.evaluate("e => e === document.activeElement"):
            break
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.wait_for_function("document.activeElement && document.activeElement.id !== ''",
                           timeout=5000)
    after_remove = page.evaluate("document.activeElement.id")
    tab_to("f-title", "Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    unringed = {r for r in rings if r.split()[0] not in ("auto", "solid")}
    assert (first, after_remove, unringed,
            page.locator(".proposal").get_attribute("data-recommendation")) == (
        "skip-link", "add-project", set(), "consensus_zoeken")


PAGES = {
    "casus": "/",
    "bevoegd-gezag": "/bevoegd-gezag?technology=wind&capacity_mw=100&as_of=2023-06-01",
    "regels": "/regels",
    "regels-zoeken": "/regels?q=energiewet&regime=energiewet",
    "vergelijken": "/vergelijken",
    "niet-gevonden": "/bestaat-niet",
    "casus-en": "/?lang=en",
}


def axe_problems(page: Page, name: str) -> list[str]:
    """Serious and critical axe-core violations on the page, every part folded open."""
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    results = Axe().run(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps(results.response["violations"], indent=2), encoding="utf-8")
    return [f"{name}: {v['id']} ({v['impact']})" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_problem_on_any_page(page: Page, server: str) -> None:
    """axe-core finds no serious or critical violation on any page, the advice, the form
    with errors and a comparison included; each page is kept as a screenshot."""
    found: list[str] = []
    for name, url in PAGES.items():
        page.goto(server + url)
        shot(page, name)
        found += axe_problems(page, name)
    page.goto(server + "/?lang=nl")
    page.get_by_role("button", name="Advies geven", exact=True).click()
    found += axe_problems(page, "casus-fouten")
    fill_case(page, plain(example("windpark-grens-100mw")))
    page.get_by_role("button", name="Advies geven", exact=True).click()
    found += axe_problems(page, "advies")
    page.get_by_role("button", name="Deze casus vergelijken").click()
    page.get_by_role("button", name="Vergelijken", exact=True).click()
    shot(page, "vergelijken-resultaat")
    found += axe_problems(page, "vergelijken-resultaat")
    assert found == []


def test_api_documentation_loads_without_outside_assets(page: Page, server: str) -> None:
    """/docs renders Swagger UI from this server alone, under the page's CSP, and axe-core
    finds no serious or critical violation, with operations and schemas unfolded."""
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(server + "/docs")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()[:2]
    page.locator(".opblock-summary-control").nth(0).click()
    page.locator(".opblock-summary-control").nth(2).click()
    page.get_by_text("Schemas", exact=True).click()
    expect(page.locator("tr[data-param-name] select").first).to_have_attribute(
        "aria-label", "include_expected_law")
    shot(page, "api-docs")
    assert (outside, paths, axe_problems(page, "api-docs")) == (
        [], ["/api/advise", "/api/advise/batch"], [])
