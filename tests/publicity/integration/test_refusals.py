"""Refusals of the error family with their codes: a missing data key (503 ``not_configured``), a second
finalized ranking (``ranking_conflict``, a permanent refusal in the consumer), and the HTML rendering of
a refusal."""

from __future__ import annotations

import pytest

from services.publicity import jobs
from shared.api.errors import Conflict
from tests.publicity.conftest import MakePub
from tests.publicity.helpers import PubEnv, beijing, feed, finalized, objection_form, round_of

pytestmark = pytest.mark.integration


async def test_without_a_data_key_lists_are_served_and_objections_answer_503_not_configured(
    make_pub: MakePub,
) -> None:
    env = await make_pub(data_key=None)
    await feed(env.ctx, round_of(3))
    env.clock.set(beijing(2022, 7, 11, 9))
    assert (await jobs.run_scheduled(env.ctx)).opened == ["pts-2022"]
    async with env.http() as http:
        assert (await http.get("/v1/public/publicities/pts-2022/entries")).status_code == 200
        r = await http.post("/v1/public/publicities/pts-2022/objections", data=objection_form(1))
        assert r.status_code == 503 and r.json()["error"]["code"] == "not_configured"
        r = await http.post(
            "/v1/objections/OBJ-0000000000000000/reporter-identity",
            json={"reason": "联系举报人补充材料"},
            headers=env.token(),
        )
        assert r.status_code == 503 and r.json()["error"]["code"] == "not_configured"


async def test_a_second_different_finalized_ranking_is_refused_with_ranking_conflict(pub: PubEnv) -> None:
    await feed(pub.ctx, [(finalized(3, 4), "pts-2022")])
    await feed(pub.ctx, [(finalized(3, 4), "pts-2022")])  # the same ranking again changes nothing
    with pytest.raises(Conflict) as e:
        await feed(pub.ctx, [(finalized(3, 4, ranking_id="rk-other"), "pts-2022")])
    assert e.value.code == "ranking_conflict" and not e.value.transient


async def test_a_refusal_on_the_html_page_is_rendered_as_a_page_with_its_status(pub: PubEnv) -> None:
    async with pub.http() as http:
        r = await http.get("/public/publicities/pts-2022", headers={"accept": "text/html"})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "未找到该公示" in r.text
