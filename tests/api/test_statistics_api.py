"""GET /api/v1/statistics (cases counted by programme, state, tier, region, year) and the case list as
CSV, each within the caller's jurisdiction, over HTTP to the real app and store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.api.calls import act
from tests.api.test_cases_api import open_case
from tests.api.test_postdoc_api import CODES, opened
from tests.factories import (
    CITY,
    CQ_CITY_OFFICE,
    CQ_DISTRICT,
    CQ_OTHER_DISTRICT,
    CQ_REGION,
    DISTRICT,
    HOST,
    UNIT_CODE,
    application,
    open_survey,
    pd_host,
    pd_unit,
)
from zhanwu.schemas.common import AuditEvent, CaseSnapshot, Deadline, Projection
from zhanwu.services.store.repository import Store
from zhanwu.workflows.common.calendar import SHANGHAI

URL = "/api/v1/statistics"
DW_CASES = "/api/v1/programmes/doctoral_workstation/cases"
COUNTY, COUNTY_CODE = "500229", "91500229MA5U7G1X3Y"  # 城口县
YUSHE = "140721"  # 榆社县, another district of 晋中市


def dw(state: str = "surveyed", tier: str | None = "basic_cultivation") -> dict[str, str | None]:
    labels = {"surveyed": "摸排", "cultivating": "培育建设"}
    return {"programme": "doctoral_workstation", "programme_label": "博士工作站", "programme_label_en": "doctoral workstation",
            "state": state, "state_label": labels[state], "state_label_en": state}


def pd(state: str) -> dict[str, str]:
    return {"programme": "postdoc_workstation", "programme_label": "市级博士后科研工作站",
            "programme_label_en": "municipal postdoctoral research workstation", "state": state,
            "state_label": {"draft": "草稿", "submitted": "已申报"}[state], "state_label_en": state}


async def counted(api, auth, actor, **params) -> dict:
    r = await api.get(URL, params=params, headers=auth(actor))
    assert r.status_code == 200, r.text
    return r.json()


async def test_counts_per_group_within_each_jurisdiction(api, auth) -> None:
    """Chongqing: two postdoc drafts (沙坪坝区, 城口县), one submitted, one doctoral workstation
    surveyed in 沙坪坝区 for the first draft's unit; and one Jinzhong case nobody there sees."""
    await opened(api, auth, CODES[0])
    submitted = (await opened(api, auth, CODES[1]))["id"]
    assert (await act(api, auth, submitted, "submit_application", pd_host(CODES[1]), application())).status_code == 200
    r = await api.post("/api/v1/programmes/postdoc_workstation/cases", json=pd_unit(COUNTY_CODE, COUNTY),
                       headers=auth(pd_host(COUNTY_CODE, COUNTY)))
    assert r.status_code == 201
    r = await api.post(DW_CASES, json=open_survey(code=CODES[0], region=CQ_REGION), headers=auth(CQ_DISTRICT))
    assert r.status_code == 201
    await open_case(api, auth)

    city = await counted(api, auth, CQ_CITY_OFFICE)
    assert city == {"group_by": ["programme", "state"], "total": 4, "rows": [
        dw() | {"count": 1}, pd("draft") | {"count": 2}, pd("submitted") | {"count": 1}]}
    district = await counted(api, auth, CQ_DISTRICT)  # not the county's draft
    assert district["total"] == 3 and district["rows"][1] == pd("draft") | {"count": 1}
    assert await counted(api, auth, CQ_OTHER_DISTRICT) == {"group_by": ["programme", "state"], "total": 0, "rows": []}
    unit = await counted(api, auth, pd_host(CODES[0]))  # a party: its own two cases, whatever the programme
    assert unit["rows"] == [dw() | {"count": 1}, pd("draft") | {"count": 1}]
    assert (await counted(api, auth, CITY))["rows"] == [dw() | {"count": 1}]  # Jinzhong sees its own only

    by_tier = await counted(api, auth, CQ_CITY_OFFICE, group_by="tier")  # a programme's own: by programme too
    assert by_tier["group_by"] == ["programme", "tier"]
    assert [(r["programme"], r["tier"], r["tier_label"], r["tier_label_en"], r["count"]) for r in by_tier["rows"]] == [
        ("doctoral_workstation", "basic_cultivation", "基础培育", "basic cultivation", 1),
        ("postdoc_workstation", None, None, None, 3)]
    by_region = await counted(api, auth, CQ_CITY_OFFICE, group_by=["region", "region"])
    assert by_region["rows"] == [{"region": CQ_REGION, "count": 3}, {"region": COUNTY, "count": 1}]
    two = await counted(api, auth, CQ_CITY_OFFICE, group_by=["region", "programme"])
    assert [(r["region"], r["programme"], r["count"]) for r in two["rows"]] == [
        (CQ_REGION, "doctoral_workstation", 1), (CQ_REGION, "postdoc_workstation", 2), (COUNTY, "postdoc_workstation", 1)]
    assert "state" not in two["rows"][0] and two["rows"][0]["programme_label"] == "博士工作站"

    assert (await counted(api, auth, CQ_CITY_OFFICE, region=COUNTY))["total"] == 1
    assert (await counted(api, auth, CQ_CITY_OFFICE, region="500000"))["total"] == 4  # a city code ending 00
    assert (await counted(api, auth, CQ_CITY_OFFICE, programme="postdoc_workstation"))["total"] == 3
    this_year = datetime.now(SHANGHAI).year
    assert (await counted(api, auth, CQ_CITY_OFFICE, group_by="year"))["rows"] == [{"year": this_year, "count": 4}]
    assert (await counted(api, auth, CQ_CITY_OFFICE, year=this_year - 1))["total"] == 0


def snapshot(n: int, created_at: datetime, *, region: str = "140702", state: str = "surveyed", title: str = "",
             unit: str = UNIT_CODE, deadlines: list[Deadline] | None = None) -> CaseSnapshot:
    return CaseSnapshot(
        id=f"dw-{region}-{created_at.year}-{n:04d}", programme="doctoral_workstation", profile="jinzhong@1", state=state,
        region=region, sector="industry", parties={"host_unit": [unit]}, title=title or f"晋中某公司{n}",
        tier="basic_cultivation", deadlines=deadlines or [], version=n % 7 + 1, created_at=created_at,
        updated_at=created_at)


async def project(store: Store, s: CaseSnapshot) -> None:
    event = AuditEvent(case_id=s.id, programme=s.programme, seq=s.version, at=s.created_at, actor=DISTRICT,
                       action="open_survey", from_state=None, to_state=s.state)
    assert await store.project(Projection(snapshot=s, event=event))


async def test_year_is_the_year_opened_in_shanghai(api, auth, store: Store) -> None:
    new_year = datetime(2026, 12, 31, 16, tzinfo=UTC)  # 2027-01-01 00:00 in Shanghai
    for n, at in enumerate((new_year - timedelta(seconds=1), new_year, datetime(2026, 12, 31, 17, tzinfo=UTC))):
        await project(store, snapshot(n + 1, at))
    assert (await counted(api, auth, CITY, group_by="year"))["rows"] == [
        {"year": 2026, "count": 1}, {"year": 2027, "count": 2}]
    assert (await counted(api, auth, CITY, year=2027))["total"] == 2
    assert (await counted(api, auth, CITY, year=2026, group_by="year"))["rows"] == [{"year": 2026, "count": 1}]


async def listed(api, auth, actor, **params) -> list[str]:
    """The JSON list's case ids, every page."""
    ids, cursor = [], None
    while True:
        page = (await api.get(DW_CASES, params=params | {"limit": 200} | ({"cursor": cursor} if cursor else {}),
                              headers=auth(actor))).json()
        ids += [c["id"] for c in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return ids


async def exported(api, auth, actor, **params) -> list[list[str]]:
    r = await api.get(DW_CASES, params=params | {"format": "csv"}, headers=auth(actor))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="doctoral_workstation-cases-')
    assert r.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


async def test_csv_export_is_the_list_in_full_with_a_bom_and_chinese_header(api, auth, store: Store) -> None:
    t0 = datetime(2026, 3, 1, 2, tzinfo=UTC)
    due = Deadline(kind="rectification", label="整改期限", label_en="rectification deadline",
                   due_at=datetime(2026, 12, 31, 16, tzinfo=UTC))
    for n in range(1, 206):  # more than one page of the store (200)
        await project(store, snapshot(n, t0 + timedelta(hours=n), unit=UNIT_CODE if n % 2 else "91140702MA0JZ0002X",
                                      state="cultivating" if n % 3 == 0 else "surveyed"))
    for n, title in ((206, '=HYPERLINK("http://evil.example","点此")'), (207, "-1+2"), (208, "@SUM(A1)")):
        await project(store, snapshot(n, t0 + timedelta(hours=n), title=title, deadlines=[due]))
    await project(store, snapshot(1, t0, region=YUSHE))

    rows = await exported(api, auth, DISTRICT)
    assert rows[0] == ["案件编号", "项目", "名称", "状态", "梯次", "行政区划", "创建时间", "最近期限", "版本"]
    ids = await listed(api, auth, DISTRICT)
    assert len(ids) == 208 and [r[0] for r in rows[1:]] == ids  # newest first, across the page boundary
    assert rows[1] == ["dw-140702-2026-0208", "博士工作站", "'@SUM(A1)", "摸排", "基础培育", "140702",
                       "2026-03-10 02:00", "2027-01-01 00:00", "6"]
    assert [r[2] for r in rows[2:4]] == ["'-1+2", "'=HYPERLINK(\"http://evil.example\",\"点此\")"]
    assert rows[4][2:4] == ["晋中某公司205", "摸排"] and rows[4][7] == ""

    assert len(await exported(api, auth, CITY)) == 1 + 209  # the city: its other district's case too
    for actor, params in ((CITY, {"state": "cultivating"}), (HOST, {}), (CITY, {"region": YUSHE}),
                          (DISTRICT, {"q": "公司20"})):
        ids = await listed(api, auth, actor, **params)
        assert ids and [r[0] for r in (await exported(api, auth, actor, **params))[1:]] == ids
    english = await exported(api, auth, CITY, header="en", region=YUSHE)
    assert english == [["case_id", "programme", "title", "state", "tier", "region", "opened_at", "next_due_at", "version"],
                       ["dw-140721-2026-0001", "博士工作站", "晋中某公司1", "摸排", "基础培育", YUSHE, "2026-03-01 10:00",
                        "", "2"]]


async def test_bad_queries(api, auth) -> None:
    assert (await api.get(URL)).status_code == 401
    for params, field in (({"group_by": "sector"}, ["query", "group_by", 0]), ({"region": "14"}, ["query", "region"]),
                          ({"year": "last"}, ["query", "year"]), ({"year": "1900"}, ["query", "year"])):
        r = await api.get(URL, params=params, headers=auth(CITY))
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert [e["loc"] for e in r.json()["errors"]] == [field], r.text
    assert (await api.get(URL, params={"programme": "nope"}, headers=auth(CITY))).status_code == 404
    assert (await api.get("/api/v1/programmes/nope/cases", params={"format": "csv"}, headers=auth(CITY))).status_code == 404
    for params, field in (({"format": "xlsx"}, "format"), ({"format": "csv", "header": "fr"}, "header"),
                          ({"format": "csv", "cursor": "garbage"}, "cursor")):
        r = await api.get(DW_CASES, params=params, headers=auth(CITY))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", field]
