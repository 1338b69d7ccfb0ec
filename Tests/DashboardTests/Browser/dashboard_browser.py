#!/usr/bin/env python3
"""Drives jobctl's dashboard in headless Chromium (Selenium, Debian's chromedriver; never a
downloaded driver) against a live `jobctl serve`, and prints what it saw as one JSON object.

usage: dashboard_browser.py BASE_URL RUN_TOKEN SCREENSHOT_DIR

The server's root has: reports/daily (params market: NL|BE|DE, note), slow (sleep 300),
reports/weekly (an agent step that writes a report). Every check that fails is listed under
"failures"; the exit status is 1 when there is one.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

BASE, TOKEN, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
failures, pages, notes = [], {}, {}


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--disable-gpu", "--window-size=1280,900", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def visit(driver, name, path, dark=False):
    """Loads a page; checks console errors and axe's serious or critical violations; saves a screenshot."""
    driver.get_log("browser")  # what earlier pages logged (the CSRF refusal's 403 is meant) is not this page's
    driver.get(BASE + path)
    WebDriverWait(driver, 600).until(lambda d: d.execute_script("return document.readyState") == "complete")
    time.sleep(0.2)  # let the page's script run before reading the console
    errors = console_errors(driver)
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    serious = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
               for v in results["violations"] if v["impact"] in ("serious", "critical")]
    # The whole page, from the top (up to 2,400 px tall).
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_script("window.scrollTo(0, 0)")
    original = driver.get_window_size()["height"]
    driver.set_window_size(width, min(max(height + 140, original), 2400))
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    driver.set_window_size(width, original)
    pages[name] = {"url": driver.current_url, "title": driver.title, "consoleErrors": errors, "axeSerious": serious,
                   "axeOther": sorted({v["id"] for v in results["violations"]} - {s.split(" ")[0] for s in serious})}
    check(not errors, f"{name}: console errors {errors}")
    check(not serious, f"{name}: axe found serious or critical violations {serious}")
    return driver.page_source


def settled(driver, condition, seconds=600):
    """Waits for `condition`, reading elements through a navigation or a reload (an element found
    just before the page changed is stale, or not there yet: waited through, not failed on)."""
    return WebDriverWait(driver, seconds, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(condition)


def click(driver, css):
    """Clicks the element once the page shows it, through a reload that replaces it."""
    def clicked(d):
        d.find_element(By.CSS_SELECTOR, css).click()
        return True
    settled(driver, clicked)


def wait_text(driver, css, wanted, seconds=600):
    """Waits until the element's text contains `wanted`. The page reloads itself when a run ends,
    so the element may go stale or be missing for a moment: that is waited through, not failed on."""
    try:
        WebDriverWait(driver, seconds, poll_frequency=0.5,
                      ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
            lambda d: wanted in d.find_element(By.CSS_SELECTOR, css).text)
        return True
    except TimeoutException:
        return False


def session_get(driver, path):
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(BASE + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


driver = browser()
try:
    # An anonymous visitor sees the sign-in page and nothing else.
    for path in ("/", "/jobs/reports/daily", "/calendar", "/plan"):
        driver.get(BASE + path)
        check("/signin" in driver.current_url, f"anonymous {path} went to {driver.current_url}, not the sign-in page")
        check("reports/daily" not in driver.find_element(By.TAG_NAME, "main").text, f"anonymous {path} shows a job")
    visit(driver, "signin", "/signin")

    # Sign in with the token: an HttpOnly session cookie, then the overview.
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, ".signin button[type=submit]").click()
    WebDriverWait(driver, 600).until(lambda d: d.current_url.rstrip("/") == BASE)
    cookies = {c["name"]: c for c in driver.get_cookies()}
    check(cookies.get("jobctl_session", {}).get("httpOnly") is True, f"the session cookie is not HttpOnly: {cookies}")
    check(cookies.get("jobctl_session", {}).get("sameSite") == "Strict", f"the session cookie is not SameSite=Strict: {cookies}")
    check(driver.execute_script("return document.cookie").find("jobctl_session") < 0, "script can read the session cookie")

    overview = visit(driver, "overview", "/")
    check("reports/daily" in overview and "slow" in overview, "the overview lists the jobs")

    # Run now with the form built from the parameters (a select for allowed values).
    visit(driver, "job", "/jobs/reports/daily")
    market = driver.find_element(By.ID, "param-market")
    check(market.tag_name == "select", "market is a select")
    market.find_element(By.CSS_SELECTOR, "option[value=BE]").click()
    driver.find_element(By.ID, "param-note").send_keys("from the browser")
    driver.find_element(By.CSS_SELECTOR, ".run-form button[type=submit]").click()
    WebDriverWait(driver, 600).until(lambda d: "/runs/" in d.current_url)
    run_now = driver.current_url.rsplit("/runs/", 1)[1].split("?")[0]
    notes["runNow"] = run_now
    check(wait_text(driver, "#run-status", "completed"), "the run started from the form completes on its page")
    check("BE from the browser" in driver.find_element(By.ID, "log").text, "the run page shows the run's log")
    visit(driver, "run", "/runs/" + run_now)

    # Cancel a running run from its page; its log is followed live meanwhile.
    driver.get(BASE + "/jobs/slow")
    driver.find_element(By.CSS_SELECTOR, ".run-form button[type=submit]").click()
    WebDriverWait(driver, 600).until(lambda d: "/runs/" in d.current_url)
    cancelled = driver.current_url.rsplit("/runs/", 1)[1].split("?")[0]
    notes["cancelled"] = cancelled
    check(driver.find_element(By.ID, "log").get_attribute("data-follow") is not None, "a running run's log is followed")
    visit(driver, "run-live", "/runs/" + cancelled)
    click(driver, "form[action$='/cancel'] button")
    check(wait_text(driver, "#run-status", "cancelled"), "cancel stops the run")

    # A form without its CSRF token is refused, and starts nothing.
    driver.get(BASE + "/jobs/reports/daily")
    driver.execute_script("document.querySelector('.run-form input[name=_csrf]').remove()")
    driver.find_element(By.CSS_SELECTOR, ".run-form button[type=submit]").click()
    settled(driver, lambda d: "CSRF" in d.find_element(By.TAG_NAME, "main").text)
    check("/runs/" not in driver.current_url, "a form without its CSRF token started a run")
    notes["csrfRefusal"] = settled(driver, lambda d: d.find_element(By.CSS_SELECTOR, "main .error").text)

    # A run with a report: rendered on its page, and its PDF made by Chromium on the server.
    driver.get(BASE + "/jobs/reports/weekly")
    driver.find_element(By.CSS_SELECTOR, ".run-form button[type=submit]").click()
    WebDriverWait(driver, 600).until(lambda d: "/runs/" in d.current_url)
    reported = driver.current_url.rsplit("/runs/", 1)[1].split("?")[0]
    check(wait_text(driver, "#run-status", "completed"), "the report run completes")
    visit(driver, "report", "/runs/" + reported)
    check(len(driver.find_elements(By.CSS_SELECTOR, ".report h1")) == 1, "the report is rendered")
    check(not driver.find_elements(By.CSS_SELECTOR, ".report img, .report script"), "the report carries no image or script")
    link = driver.find_elements(By.LINK_TEXT, "Download PDF")
    if check(link, "the report has a Download PDF link"):
        status, content_type, body = session_get(driver, "/runs/%s/report.pdf" % reported)
        check(status == 200 and content_type == "application/pdf" and body.startswith(b"%PDF"), f"the PDF answer: {status} {content_type}")
        with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as pdf:
            pdf.write(body)
        text = subprocess.run(["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True).stdout
        os.unlink(pdf.name)
        notes["pdfText"] = text[:400]
        check("Weekly report for NL" in text, f"pdftotext finds the report's heading: {text[:200]!r}")

    # The remaining pages (the jobs again, now with runs), then dark mode.
    visit(driver, "overview-runs", "/")
    visit(driver, "calendar-week", "/calendar?view=week&zone=UTC")
    visit(driver, "calendar-day", "/calendar?view=day&zone=UTC")
    visit(driver, "plan", "/plan")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    visit(driver, "overview-dark", "/")
    visit(driver, "job-dark", "/jobs/reports/daily")
    driver.set_window_size(390, 844)
    visit(driver, "overview-phone", "/")
except Exception:
    # Whatever stopped the walk is a failure with its page and traceback, not a script without JSON.
    failures.append(f"the walk stopped at {driver.current_url}: {traceback.format_exc()}")
    try:
        driver.save_screenshot(os.path.join(SHOTS, "stopped.png"))
        notes["stoppedPage"] = driver.find_element(By.TAG_NAME, "body").text[:2000]
    except Exception:
        pass
finally:
    driver.quit()

print(json.dumps({"failures": failures, "pages": pages, "notes": notes}, indent=1))
sys.exit(1 if failures else 0)
