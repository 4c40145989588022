"""Who may call what: every operation of the app refuses a bad token 401, a role the action does not
allow 403, and a case of another jurisdiction 404 (as if it did not exist), changing nothing and
recording the refusal; request bodies never set what the server owns."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

from tests.api.calls import act
from tests.factories import (
    BT_CITY_OFFICE,
    CITY,
    CS_HOST,
    DISTRICT,
    HOST,
    OTHER_DISTRICT,
    YQ_CITY_OFFICE,
    cm_actor,
    cs_application,
    dr_doctor,
    matching,
    open_survey,
    pd_host,
    pd_unit,
    registration,
)
from tests.prometheus import samples
from zhanwu.schemas.common import MUNICIPALITIES, Actor, CaseSnapshot, Role
from zhanwu.services.api.main import create_app
from zhanwu.services.store.repository import Store
from zhanwu.settings import Settings
from zhanwu.workflows.registry import LIFECYCLES

DW = "/api/v1/programmes/doctoral_workstation"
# the only operations without a token: probes, metrics (scraped inside the network) and the API's own description
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/openapi.json"), ("GET", "/docs"),
          ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
SERVER_OWNED = ("state", "version", "seq", "actor", "id", "created_at")
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the HS512 token's


@pytest.fixture
def settings(task_queue: str) -> Settings:
    return Settings(task_queue=task_queue, temporal_timeout_s=30, rate_limit=0)  # hundreds of calls from one address


def routes() -> list[RouteContext]:
    """Every route the app serves, those of included routers too."""
    return list(iter_route_contexts(create_app(Settings(_env_file=None)).routes))  # type: ignore[call-arg]


def operations() -> list[tuple[str, str]]:
    """Every (method, path template) the app serves."""
    return sorted({(m, str(r.path)) for r in routes() for m in (r.methods or ()) if m != "HEAD"})


def bad_tokens(s: Settings) -> dict[str, str | None]:
    """Each way a bearer token can be wrong, by name: None sends no Authorization header."""
    now = datetime.now(UTC)
    good = {"sub": "city-1", "role": "city_office", "region": "140700", "iss": s.jwt_issuer, "aud": s.jwt_audience,
            "iat": now, "nbf": now, "exp": now + timedelta(hours=1)}
    late = timedelta(seconds=s.jwt_leeway_s + 60)

    def signed(**changes: Any) -> str:
        claims = {k: v for k, v in (good | changes).items() if v is not None}
        return "Bearer " + jwt.encode(claims, s.jwt_secret, algorithm="HS256")

    def b64(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d, default=lambda t: int(t.timestamp())).encode()).decode().rstrip("=")

    valid = signed().removeprefix("Bearer ")
    header, payload, signature = valid.split(".")
    rs256 = b64({"alg": "RS256", "typ": "JWT"}) + "." + payload  # signed by a key pair, which we do not take
    return {
        "missing": None,
        "empty": "Bearer ",
        "not a bearer scheme": "Basic " + base64.b64encode(b"city-1:secret").decode(),
        "token without scheme": valid,
        "malformed": "Bearer not-a-jwt",
        "three garbage parts": "Bearer a.b.c",
        "alg none": f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{b64(good)}.",
        "alg none, no signature part": f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{b64(good)}",
        "alg HS512 (not allowed)": "Bearer " + jwt.encode(good, s.jwt_secret, algorithm="HS512"),
        "alg RS256 (public-key, not configured)": f"Bearer {rs256}.{base64.urlsafe_b64encode(os.urandom(256)).decode()}",
        "expired": signed(iat=now - 2 * late, nbf=now - 2 * late, exp=now - late),
        "not yet valid (nbf)": signed(nbf=now + late),
        "issued in the future (iat)": signed(iat=now + late, nbf=None),
        "no exp": signed(exp=None),
        "no iat": signed(iat=None),
        "wrong issuer": signed(iss="someone-else"),
        "no issuer": signed(iss=None),
        "wrong audience": signed(aud="another-service"),
        "no audience": signed(aud=None),
        "bad signature": "Bearer " + jwt.encode(good, "another-secret-of-at-least-thirty-two-bytes", algorithm="HS256"),
        "tampered claims": f"Bearer {header}.{b64(good | {'region': '140000'})}.{signature}",
        "no role": signed(role=None),
        "unknown role": signed(role="governor"),
        "system role": signed(role="system"),
        "no region": signed(region=None),
        "malformed region": signed(region="14070"),
        "no subject": signed(sub=None),
        "sector not a sector": signed(role="sector_department", sector="army"),
    }


def concrete(path: str, case_id: str) -> str:
    """A path template filled with real values, so that only the token can be what is refused."""
    values = {"programme": "doctoral_workstation", "case_id": case_id, "action": "begin_cultivation",
              "evaluation_id": "ev-dw-140702-2026", "key": "baotou-station@1", "subscription_id": "sub-1"}
    missing = set(re.findall(r"{(\w+)}", path)) - set(values)
    assert not missing, f"give the matrix a value for {missing} (new route {path})"
    return path.format(**values)


def test_every_operation_needs_a_token_but_the_public_ones() -> None:
    ops = operations()
    assert set(ops) >= PUBLIC, "a public operation listed here no longer exists"
    guarded = [op for op in ops if op not in PUBLIC]
    assert all(path.startswith("/api/v1/") for _, path in guarded)
    assert len(guarded) >= 20  # the matrix below covers each of these


async def test_auth_matrix_every_operation_refuses_every_bad_token_401(api, auth, settings, store) -> None:
    case = (await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT))).json()
    tokens = bad_tokens(settings)
    checked = 0
    for method, template in operations():
        if (method, template) in PUBLIC:
            continue
        url = concrete(template, case["id"])
        body = {} if method in ("POST", "PUT", "PATCH") else None
        for name, token in tokens.items():
            r = await api.request(method, url, json=body, headers={"Authorization": token} if token else {})
            where = f"{method} {template} with {name} token"
            assert r.status_code == 401, f"{where}: {r.status_code} {r.text}"
            assert r.headers["content-type"] == "application/problem+json", where
            assert r.headers["www-authenticate"] == "Bearer", where
            problem = r.json()
            assert problem["title"] == "unauthorized" and problem["detail_zh"] == "身份认证失败", where
            assert settings.jwt_secret not in r.text and (token is None or token.split()[-1] not in r.text), where
            checked += 1
        # a good token passes (whatever the operation then answers), so the 401s were the token's
        r = await api.request(method, url, json=body, headers=auth(CITY))
        assert r.status_code != 401, f"{method} {template} refused a valid token: {r.text}"
    assert checked >= 20 * len(tokens)
    after = (await api.get(f"/api/v1/cases/{case['id']}", headers=auth(DISTRICT))).json()
    assert after["version"] == 1 and after["state"] == "surveyed"  # no bad token changed anything
    recorded = await _all_refusals(store)  # a 401 names nobody trusted: counted, not recorded
    assert recorded and {x.subject for x in recorded} == {CITY.subject}  # only the good token's 403s
    counted = samples((await api.get("/metrics")).text, "zhanwu_access_refusals")
    assert counted[(("rule", "TOKEN"), ("status", "401"))] == checked


def test_settings_refuse_alg_none_and_mixed_algorithm_families() -> None:
    for algorithms in (["none"], ["HS256", "none"], ["HS256", "RS256"], []):
        with pytest.raises(ValueError):
            Settings(_env_file=None, jwt_algorithms=algorithms)  # type: ignore[call-arg]
    assert Settings(_env_file=None, jwt_algorithms=["RS256", "ES256"]).jwt_algorithms == ["RS256", "ES256"]  # type: ignore[call-arg]


# --- 403: a role the action does not allow ---------------------------------------------------------------
OPENINGS = {  # programme → (who opens, the opening payload)
    "doctoral_workstation": (DISTRICT, open_survey()),
    "doctoral_residency": (dr_doctor(), matching()),
    "postdoc_workstation": (pd_host(), pd_unit()),
    "commissioner_station": (CS_HOST, cs_application()),
    "commissioner": (cm_actor(Role.APPLICANT), registration()),
}


def onlookers(case: CaseSnapshot) -> list[Actor]:
    """An actor of each role who can see the case: offices of its region and city, its parties."""
    city = case.region[:2] + "0000" if case.region[:2] in MUNICIPALITIES else case.region[:4] + "00"
    out = [Actor(subject="city-x", role=Role.CITY_OFFICE, region=city),
           Actor(subject="district-x", role=Role.DISTRICT_OFFICE, region=case.region)]
    if case.sector:
        out.append(Actor(subject="sector-x", role=Role.SECTOR_DEPARTMENT, region=city, sector=case.sector))
    for role in (Role.HOST_UNIT, Role.APPLICANT, Role.DISPATCHING_UNIT, Role.STATION):
        subject = next(iter(case.parties.get(role.value) or ["nobody-x"]))
        out.append(Actor(subject=subject, role=role, region=case.region))
    return [a for a in out if LIFECYCLES[case.programme].visible(a, case)]


async def test_every_action_refuses_a_role_it_does_not_allow_403_recorded_nothing_changed(api, auth, store) -> None:
    refused = 0
    for programme, (opener, payload) in OPENINGS.items():
        r = await api.post(f"/api/v1/programmes/{programme}/cases", json=payload, headers=auth(opener))
        assert r.status_code == 201, r.text
        case = await store.get_case(r.json()["id"])
        assert case is not None
        lc, seen = LIFECYCLES[programme], onlookers(case)
        for action in lc.by_key.values():
            if action.creates:
                continue
            actor = next((a for a in seen if a.role not in action.roles), None)
            if actor is None:  # an action open to anyone (an objection to a public notice) refuses no role
                assert set(action.roles) == set(Role) - {Role.SYSTEM}, f"{programme}.{action.key}: no onlooker"
                continue
            r = await act(api, auth, case.id, action.key.value, actor)
            assert r.status_code == 403, f"{programme}.{action.key} by {actor.role}: {r.status_code} {r.text}"
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["allowed_roles"] == [x.value for x in action.roles] and r.json()["detail_zh"]
            refused += 1
        history = (await api.get(f"/api/v1/cases/{case.id}/history", headers=auth(seen[0]))).json()["items"]
        assert [h["seq"] for h in history] == [1] and (await store.get_case(case.id)).version == 1  # type: ignore[union-attr]
    assert refused >= 70  # of about 75 actions in the five programmes
    rows = await _all_refusals(store)
    assert len(rows) == refused and all(x.status == 403 and x.rule == "ROLE" for x in rows)
    assert all(x.route == "/api/v1/cases/{case_id}/actions/{action}" and x.case_id and x.action for x in rows)


async def test_other_operations_refuse_a_role_403_recorded(api, auth, store) -> None:
    case = (await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT))).json()
    calls = [
        ("POST", f"{DW}/cases", HOST, open_survey()),  # a host unit may register an existing station, not survey
        ("POST", f"{DW}/batches", HOST, {"action": "begin_cultivation", "case_ids": [case["id"]]}),
        ("POST", "/api/v1/programmes/commissioner_station/evaluations", HOST,
         {"round": "2027", "entries": [{"case_id": "cs-150200-2026-0001", "counts": {}}]}),
        ("POST", "/api/v1/subscriptions", DISTRICT, {"url": "https://oa.example.gov.cn/h", "secret": "s" * 16}),
        ("GET", "/api/v1/subscriptions", DISTRICT, None),
        ("GET", "/api/v1/refusals", DISTRICT, None),
    ]
    for method, url, actor, body in calls:
        r = await api.request(method, url, json=body, headers=auth(actor))
        if "batches" in url:  # each case of a batch answers for itself
            assert r.status_code == 200 and r.json()["items"][0]["status"] == 403, r.text
        else:
            assert r.status_code == 403 and r.json()["detail_zh"], f"{method} {url}: {r.text}"
    rows = await _all_refusals(store)
    p = "/api/v1/programmes/{programme}"
    assert [(x.method, x.route, x.status, x.rule) for x in rows] == [
        ("GET", "/api/v1/refusals", 403, "ROLE"), ("GET", "/api/v1/subscriptions", 403, "ROLE"),
        ("POST", "/api/v1/subscriptions", 403, "ROLE"), ("POST", f"{p}/evaluations", 403, "ROLE"),
        ("POST", f"{p}/batches", 403, "ROLE"), ("POST", f"{p}/cases", 403, "ROLE")]
    assert rows[-2].case_id == case["id"] and rows[-2].action == "begin_cultivation"  # the batch's, per case
    assert (await store.get_case(case["id"])).version == 1  # type: ignore[union-attr]


# --- 404: a case of another jurisdiction ---------------------------------------------------------------
async def test_a_case_of_another_jurisdiction_is_404_like_none_recorded_nothing_changed(api, auth, store) -> None:
    case = (await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT))).json()
    cid, absent = case["id"], case["id"][:-4] + "9999"
    for actor in (OTHER_DISTRICT, BT_CITY_OFFICE):
        for method, path, body in (("GET", "/api/v1/cases/{}", None), ("GET", "/api/v1/cases/{}/history", None),
                                   ("POST", "/api/v1/cases/{}/actions/begin_cultivation", {})):
            hidden = await api.request(method, path.format(cid), json=body, headers=auth(actor))
            missing = await api.request(method, path.format(absent), json=body, headers=auth(actor))
            assert hidden.status_code == missing.status_code == 404, hidden.text
            assert hidden.json() == json.loads(missing.text.replace(absent, cid))  # tells nothing more
    batch = await api.post(f"{DW}/batches", json={"action": "begin_cultivation", "case_ids": [cid]},
                           headers=auth(OTHER_DISTRICT))
    assert batch.json()["items"][0]["status"] == 404
    # opening a case in a region outside one's own: refused as if the region had none
    r = await api.post(f"{DW}/cases", json=open_survey(), headers=auth(OTHER_DISTRICT))  # a unit of 140702
    assert r.status_code == 404
    after = (await api.get(f"/api/v1/cases/{cid}/history", headers=auth(DISTRICT))).json()["items"]
    assert [h["action"] for h in after] == ["open_survey"]
    rows = await _all_refusals(store)
    assert len(rows) == 2 * 3 + 2 and all(x.status == 404 and x.rule == "JURISDICTION" for x in rows)
    assert [x.case_id for x in rows] == [None, cid] + [cid] * 6  # never the absent case: nothing was refused there
    assert {(x.subject, x.role, x.region) for x in rows} == {
        (OTHER_DISTRICT.subject, "district_office", OTHER_DISTRICT.region),
        (BT_CITY_OFFICE.subject, "city_office", BT_CITY_OFFICE.region)}

    # the record, read by city offices: refusals to their actors or about their cases; others see none of it
    page = (await api.get("/api/v1/refusals", headers=auth(CITY))).json()
    assert [x["case_id"] for x in page["items"]] == [cid] * 7  # about its case; not the opening elsewhere
    assert len((await api.get("/api/v1/refusals", headers=auth(BT_CITY_OFFICE))).json()["items"]) == 3  # its own
    assert (await api.get("/api/v1/refusals", headers=auth(YQ_CITY_OFFICE))).json()["items"] == []
    first = (await api.get("/api/v1/refusals", params={"limit": 4}, headers=auth(CITY))).json()
    rest = (await api.get("/api/v1/refusals", params={"cursor": first["next_cursor"]}, headers=auth(CITY))).json()
    assert [x["id"] for x in first["items"] + rest["items"]] == [x["id"] for x in page["items"]]


async def _all_refusals(store: Store) -> list[Any]:
    rows = []
    for city in ("14", "15", "41", "50"):  # every province of the fixtures
        rows += (await store.refusals(city, 1000, None))[0]
    return sorted({x.id: x for x in rows}.values(), key=lambda x: -x.id)


# --- server-owned fields ------------------------------------------------------------------------------------
def _open_objects(schema: dict[str, Any], where: str) -> list[str]:
    """The objects with named properties in a JSON schema that take properties they do not name."""
    found = []
    for name, sub in (schema.get("$defs") or {}).items():
        found += _open_objects(sub, f"{where}.{name}")
    if schema.get("properties") and schema.get("additionalProperties") is not False:
        found.append(where)
    return found


def test_every_request_body_and_action_payload_refuses_unknown_fields() -> None:
    models: dict[str, type[BaseModel]] = {}
    for r in routes():
        if isinstance(r.original_route, APIRoute) and r.body_field is not None:
            annotation = r.body_field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                models[f"{r.path} body"] = annotation
    assert len(models) >= 5  # batches, evaluations, score, subscriptions, redrive
    for lc in LIFECYCLES.values():  # the dict bodies of opening a case and of an action
        models |= {f"{lc.key}.{a.key}": a.payload for a in lc.by_key.values()}
    open_ = [o for where, m in models.items() for o in _open_objects(m.model_json_schema(), where)]
    assert open_ == [], f"bodies that would accept server-owned fields: {open_}"


async def test_server_owned_fields_in_a_body_are_refused_422_naming_them(api, auth, store) -> None:
    case = (await api.post(f"{DW}/cases", json=open_survey(), headers=auth(DISTRICT))).json()
    for field in SERVER_OWNED:
        sent = {field: {"actor": CITY.model_dump(mode="json"), "version": 9, "seq": 9, "state": "filed",
                        "id": "dw-140702-2026-9999", "created_at": "2020-01-01T00:00:00Z"}[field]}
        for r in (await act(api, auth, case["id"], "begin_cultivation", DISTRICT, sent),
                  await api.post(f"{DW}/cases", json=open_survey() | sent, headers=auth(DISTRICT)),
                  await api.post(f"{DW}/batches", json={"action": "begin_cultivation", "case_ids": [case["id"]]} | sent,
                                 headers=auth(DISTRICT))):
            assert r.status_code == 422, f"{field}: {r.status_code} {r.text}"
            assert ["body", field] in [e["loc"] for e in r.json()["errors"]], r.text
    after = await store.get_case(case["id"])
    assert after is not None and (after.state, after.version) == ("surveyed", 1)
    assert await store.count("doctoral_workstation") == 1  # no case opened with a chosen id either


async def test_page_size_over_the_maximum_is_422_naming_query_limit(api, auth, settings) -> None:
    most = settings.max_page_size
    for url, actor in ((f"{DW}/cases", DISTRICT), ("/api/v1/deadlines", DISTRICT), ("/api/v1/refusals", CITY)):
        assert (await api.get(url, params={"limit": most}, headers=auth(actor))).status_code == 200
        r = await api.get(url, params={"limit": most + 1}, headers=auth(actor))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "limit"], r.text
        assert r.headers["content-type"] == "application/problem+json" and r.json()["detail_zh"]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_maximum_page_size_is_configured(env, store, worker, task_queue, auth) -> None:
    app = create_app(Settings(task_queue=task_queue, max_page_size=10), client=env.client, store=store)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://zhanwu.test") as c:
        assert (await c.get(f"{DW}/cases", params={"limit": 10}, headers=auth(DISTRICT))).status_code == 200
        r = await c.get(f"{DW}/cases", params={"limit": 11}, headers=auth(DISTRICT))
        assert r.status_code == 422 and "at most 10" in r.text
        assert (await c.get(f"{DW}/cases", headers=auth(DISTRICT))).status_code == 200  # the default fits under it


async def test_what_the_framework_answers_is_problem_json_in_both_languages(api, auth) -> None:
    for r in (await api.get("/api/v1/no-such-thing", headers=auth(CITY)),
              await api.delete("/api/v1/programmes", headers=auth(CITY)),
              await api.post(f"{DW}/cases", content=b"{not json", headers=auth(DISTRICT) | {"Content-Type": "application/json"})):
        assert r.status_code in (404, 405, 422) and r.headers["content-type"] == "application/problem+json", r.text
        assert r.json()["title"] and r.json()["detail_zh"], r.text
    assert r.json()["errors"][0]["loc"][0] == "body"
