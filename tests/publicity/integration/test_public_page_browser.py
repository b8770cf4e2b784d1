"""The public list in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright,
against the app served by uvicorn on a free port. JavaScript is switched off: the page must work without
it. Search by name, page through, sort by rank, an entry's indicator points, an objection through the
form; no ID number anywhere in the HTML. A screenshot goes to test-output/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Page, async_playwright

from services.publicity import jobs
from shared.devstack.servers import free_port
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import ID_NUMBER, REPORTER, PubEnv, beijing, feed, round_of

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--headless=new",
]


@pytest.fixture
async def served(make_pub: MakePub) -> AsyncIterator[tuple[PubEnv, str]]:
    env = await make_pub(public_page_size=50)
    # 120 admitted; 欧阳娜娜 is number 75, on the second page
    await feed(env.ctx, round_of(120, special={74: "欧阳娜娜"}))
    env.clock.set(beijing(2022, 7, 11, 9))
    assert (await jobs.run_scheduled(env.ctx)).opened == ["pts-2022"]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(env.app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield env, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def no_id_number(page: Page) -> str:
    html = await page.content()
    assert not ID_NUMBER.search(html), ID_NUMBER.search(html)
    return html


async def entry_numbers(page: Page) -> list[int]:
    return [
        int(x)
        for x in await page.locator("#entries tr.entry").evaluate_all("rs => rs.map(r => r.dataset.entryNo)")
    ]


async def test_the_public_page_in_chromium_finds_a_person_pages_sorts_and_shows_indicator_points(
    served: tuple[PubEnv, str],
) -> None:
    env, base = served
    OUT.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                java_script_enabled=False, locale="zh-CN", viewport={"width": 1280, "height": 900}
            )
            page = await context.new_page()
            await page.goto(f"{base}/public/publicities")
            await no_id_number(page)
            await page.get_by_role("link", name="2022年积分落户公示名单").click()
            await page.wait_for_url(f"{base}/public/publicities/pts-2022")

            assert await page.locator("#period-start").inner_text() == "2022年07月11日 09:00"
            assert await page.locator("#period-end").inner_text() == "2022年07月18日 24:00"
            assert "监督举报电话" in await page.locator("#contact").inner_text()
            assert await page.locator("#result-count").inner_text() == "共 120 条，第 1 / 3 页。"
            assert await entry_numbers(page) == list(range(1, 51))
            await no_id_number(page)

            await page.locator("#next").click()  # page 2
            assert await entry_numbers(page) == list(range(51, 101))
            await page.locator("#next").click()  # page 3
            assert await entry_numbers(page) == list(range(101, 121))
            assert await page.locator("#next").count() == 0
            await page.locator("#prev").click()
            assert (await entry_numbers(page))[0] == 51
            await no_id_number(page)

            await page.locator("#sort-rank").click()  # rank descending
            assert (await entry_numbers(page))[:3] == [120, 119, 118]
            await page.locator("#sort-rank").click()
            assert (await entry_numbers(page))[:3] == [1, 2, 3]

            await page.fill("#q", "欧阳娜娜")
            await page.get_by_role("button", name="查询").click()
            assert (
                await page.locator("#result-count").inner_text() == "查询“欧阳娜娜”：共 1 条，第 1 / 1 页。"
            )
            row = page.locator("#entries tr.entry")
            assert await row.count() == 1
            assert await row.locator("td.name").inner_text() == "欧阳娜娜"
            assert await row.locator("td.total").inner_text() == "161.50"
            employment = row.locator("table.points tr[data-code=employment] td")
            assert not await employment.is_visible()
            await row.locator("summary").click()  # <details>: no JavaScript needed
            assert await employment.is_visible() and await employment.inner_text() == "106.50"
            assert "合法稳定就业" in await row.locator("table.points").inner_text()
            html = await no_id_number(page)
            assert "PTS-" not in html  # no application ids on the public page either
            await page.screenshot(path=str(OUT / "publicity-public-list.png"), full_page=True)

            await page.fill("#q", "科技有限公司7")  # search by employer
            await page.get_by_role("button", name="查询").click()
            employers = await page.locator("#entries tr.entry td:nth-child(5)").all_inner_texts()
            assert employers and all("科技有限公司7" in e for e in employers)

            # an objection through the form, with JavaScript still off
            await page.fill("#entry_no", "75")
            await page.fill("#reporter_name", REPORTER["name"])
            await page.fill("#reporter_id_number", REPORTER["id_number"])
            await page.fill("#reporter_phone", REPORTER["phone"])
            await page.fill("#text", "该申请人申报的工作单位与实际不符，请核查。")
            await page.get_by_role("button", name="提交").click()
            assert await page.locator("h2").inner_text() == "异议已受理"
            assert (await page.locator("#objection-id").inner_text()).startswith("OBJ-")
            receipt = await no_id_number(page)
            assert REPORTER["name"] not in receipt and REPORTER["phone"] not in receipt
        finally:
            await browser.close()

    env.clock.set(beijing(2022, 7, 19, 0, 0))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            response = await page.goto(f"{base}/public/publicities/pts-2022")
            assert response is not None and response.status == 410
            assert "名单已按规定撤下" in await page.locator("#gone").inner_text()
            assert "欧阳娜娜" not in await page.content()
        finally:
            await browser.close()
