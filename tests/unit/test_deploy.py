"""deploy/ holds together with the code it runs: every manifest parses; every container of our image runs a
`zhanwu` subcommand the CLI accepts; every ZHANWU_* variable is a setting and every environment given to our
image is one Settings accepts; long-running services have health checks (compose) and probes (k8s) on paths
the API serves; api and worker run twice; dependencies name real services; nginx sends to the api replicas;
secrets come from outside. No Docker here, so this is how the deployment is checked."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from zhanwu.cli import build_parser
from zhanwu.services.api.main import create_app
from zhanwu.settings import Settings

DEPLOY = Path(__file__).parents[2] / "deploy"
K8S = DEPLOY / "k8s"
PREFIX = Settings.model_config["env_prefix"]
IMAGE = "zhanwu"
RUNS_TWICE = ("api", "worker")
WORKLOADS = ("Deployment", "StatefulSet")


def load_all(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def compose() -> dict[str, Any]:
    [doc] = load_all(DEPLOY / "compose.yaml")
    return doc


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def manifests() -> list[dict[str, Any]]:
    kustomization = load_all(K8S / "kustomization.yaml")[0]
    return [d for r in kustomization["resources"] for d in load_all(K8S / r)]


def ours(image: str) -> bool:
    return image.split("/")[-1].split(":")[0] == IMAGE


def k8s_containers() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(kind/name, workload, container) for every container and initContainer of every workload."""
    for d in manifests():
        if d["kind"] in WORKLOADS:
            spec = d["spec"]["template"]["spec"]
            for c in spec.get("initContainers", []) + spec["containers"]:
                yield f"{d['kind']}/{d['metadata']['name']}/{c['name']}", d, c


def argv_of_ours() -> Iterator[tuple[str, list[str]]]:
    for name, s in services().items():
        if ours(s["image"]):
            yield f"compose/{name}", s["command"]
    for where, _, c in k8s_containers():
        if ours(c["image"]):
            yield where, c.get("command", []) + c.get("args", [])


def subcommand(argv: list[str]) -> str:
    return argv[1]


def compose_service_running(sub: str) -> list[str]:
    return [n for n, s in services().items() if ours(s["image"]) and subcommand(s["command"]) == sub]


def interpolate(value: object) -> str:
    """Compose's ${VAR:-default} as its default, any other ${VAR…} as a stand-in value."""
    text = str(value)
    text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)
    return re.sub(r"\$\{[^}]*\}", "stand-in", text)


def compose_env(name: str) -> dict[str, str]:
    return {k: interpolate(v) for k, v in services()[name].get("environment", {}).items()}


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """A container's environment as Kubernetes gives it: envFrom ConfigMaps, then env; secrets and
    $(VAR) references as stand-ins."""
    config_maps = {d["metadata"]["name"]: d["data"] for d in manifests() if d["kind"] == "ConfigMap"}
    env: dict[str, str] = {}
    for src in container.get("envFrom", []):
        env |= config_maps[src["configMapRef"]["name"]]
    for e in container.get("env", []):
        env[e["name"]] = re.sub(r"\$\(\w+\)", "stand-in", e["value"]) if "value" in e else "stand-in"
    return env


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for k in [k for k in os.environ if k.startswith(PREFIX)]:
        monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return Settings(_env_file=None)  # type: ignore[call-arg]


# --- everything parses -------------------------------------------------------------------------------

def test_every_yaml_file_parses_and_kustomization_lists_every_manifest() -> None:
    files = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))
    assert {f.relative_to(DEPLOY).as_posix() for f in files} >= {"compose.yaml", "k8s/kustomization.yaml"}
    for f in files:
        assert load_all(f), f"{f} is empty"
    kustomization = load_all(K8S / "kustomization.yaml")[0]
    generated = {f.split("=")[-1] for g in kustomization["configMapGenerator"] for f in g["files"]}
    listed = set(kustomization["resources"]) | generated
    present = {f.relative_to(K8S).as_posix() for f in K8S.rglob("*") if f.is_file()}
    assert present - {"kustomization.yaml", "secrets.env"} == listed  # secrets.env: local, never committed
    for d in manifests():
        assert {"apiVersion", "kind", "metadata"} <= set(d), d


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl (with its kustomize) not installed")
def test_kustomize_builds_with_secrets_from_the_example(tmp_path: Path) -> None:
    shutil.copytree(K8S, tmp_path / "k8s")
    shutil.copy(DEPLOY / ".env.example", tmp_path / "k8s" / "secrets.env")
    out = subprocess.run(["kubectl", "kustomize", str(tmp_path / "k8s")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    built = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert all(d["metadata"].get("namespace") == "zhanwu" for d in built if d["kind"] != "Namespace")
    images = {c["image"] for d in built if d["kind"] in WORKLOADS
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert not any(i == IMAGE or i.startswith(f"{IMAGE}:") for i in images), "the images: entry must rename ours"


# --- commands and settings ---------------------------------------------------------------------------

def test_our_image_runs_only_zhanwu_subcommands_the_cli_accepts() -> None:
    parser = build_parser()
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    seen = set()
    for where, argv in argv_of_ours():
        assert argv[:1] == ["zhanwu"], f"{where}: {argv}"
        assert subcommand(argv) in subparsers.choices, f"{where}: no subcommand {argv[1]!r}"
        try:
            parser.parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{where}: the CLI refuses {argv}")
        seen.add((where.split("/")[0], subcommand(argv)))
    for platform in ("compose", "Deployment"):
        assert {s for p, s in seen if p == platform} == {"api", "worker", "migrate", "namespace"}, platform


def test_every_zhanwu_variable_anywhere_in_deploy_is_a_setting() -> None:
    names = {m for f in DEPLOY.rglob("*") if f.is_file()
             for m in re.findall(rf"\b{PREFIX}[A-Z0-9_]+\b", f.read_text(errors="replace"))}
    assert f"{PREFIX}DATABASE_URL" in names
    unknown = {n for n in names if n.removeprefix(PREFIX).lower() not in Settings.model_fields}
    assert not unknown, f"not fields of Settings: {sorted(unknown)}"


def test_every_environment_of_our_image_makes_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    envs = [(f"compose/{n}", compose_env(n)) for n, s in services().items() if ours(s["image"])]
    envs += [(where, k8s_env(c)) for where, _, c in k8s_containers() if ours(c["image"])]
    for where, env in envs:
        with monkeypatch.context() as m:
            s = settings_from(env, m)
        assert urlparse(s.db_url).scheme == "postgresql+asyncpg", where
        assert urlparse(s.db_url).hostname == "store-db", where
        assert s.temporal_address == "temporal:7233", where
        assert s.jwt_secret == "stand-in", f"{where}: the JWT secret must come from outside"


def test_api_and_worker_listen_beyond_their_container(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in [compose_env(compose_service_running("api")[0]),
                *(k8s_env(c) for _, _, c in k8s_containers() if c.get("command", [])[1:] == ["api"])]:
        assert settings_from(env, monkeypatch).api_host == "0.0.0.0"
    for env in [compose_env(compose_service_running("worker")[0]),
                *(k8s_env(c) for _, _, c in k8s_containers() if c.get("command", [])[1:] == ["worker"])]:
        assert settings_from(env, monkeypatch).worker_metrics_address.startswith("0.0.0.0:")


# --- compose: topology, health, dependencies ---------------------------------------------------------

def one_shots() -> set[str]:
    return {dep for s in services().values() for dep, c in dict_deps(s).items()
            if c.get("condition") == "service_completed_successfully"}


def dict_deps(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on", {})
    return {d: {} for d in deps} if isinstance(deps, list) else deps


def test_compose_depends_on_names_services_and_one_shots_come_first() -> None:
    svcs = services()
    for name, s in svcs.items():
        for dep, cond in dict_deps(s).items():
            assert dep in svcs, f"{name} depends on unknown {dep}"
            assert cond.get("condition") in {None, "service_started", "service_healthy",
                                             "service_completed_successfully"}, (name, dep)
            if cond.get("condition") == "service_healthy":
                assert "healthcheck" in svcs[dep], f"{name} waits for {dep} to be healthy: it has no healthcheck"
    for sub in RUNS_TWICE:
        for name in compose_service_running(sub):
            deps = dict_deps(svcs[name])
            for first in ("migrate", "namespace"):
                [job] = compose_service_running(first)
                assert deps.get(job, {}).get("condition") == "service_completed_successfully", (name, first)
    assert all(svcs[n].get("restart") == "no" for n in one_shots()), "a one-shot must not restart"


def test_compose_long_running_services_have_healthchecks_and_persistent_data() -> None:
    svcs = services()
    for name in set(svcs) - one_shots():
        test = svcs[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"
    declared = set(compose().get("volumes", {}))
    for name, s in svcs.items():
        for v in s.get("volumes", []):
            src = v.split(":")[0]
            if src.startswith("."):
                assert (DEPLOY / src).is_file(), f"{name} mounts missing {src}"
            else:
                assert src in declared, f"{name} mounts undeclared volume {src}"


def test_compose_healthchecks_of_our_image_ask_paths_the_app_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    paths = set(app.openapi()["paths"]) | {r.path for r in app.routes if hasattr(r, "path")}
    for sub in RUNS_TWICE:
        name = compose_service_running(sub)[0]
        settings = settings_from(compose_env(name), monkeypatch)
        port = settings.api_port if sub == "api" else int(settings.worker_metrics_address.rsplit(":", 1)[1])
        [url] = re.findall(r"http://[^'\" ]+", " ".join(services()[name]["healthcheck"]["test"]))
        assert urlparse(url).port == port, name
        if sub == "api":
            assert urlparse(url).path in paths, name


def test_compose_runs_api_and_worker_twice() -> None:
    for sub in RUNS_TWICE:
        names = compose_service_running(sub)
        assert sum(services()[n].get("deploy", {}).get("replicas", 1) for n in names) == 2, sub


def test_nginx_sends_every_request_to_the_api_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    [nginx] = [n for n, s in services().items() if s["image"].startswith("nginx")]
    mounted = {v.split(":")[0] for v in services()[nginx]["volumes"]}
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "./nginx.conf" in mounted
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", conf))
    assert upstreams
    api = compose_service_running("api")
    for name, body in upstreams.items():
        servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", body, re.M)
        assert servers, name
        for host, port in servers:
            assert host in api, f"upstream {name} sends to {host}, not an api service {api}"
            assert int(port) == settings_from(compose_env(host), monkeypatch).api_port
    targets = re.findall(r"proxy_pass\s+http://(\w+)", conf)
    assert targets and set(targets) <= set(upstreams)
    assert api[0] in dict_deps(services()[nginx])


def test_compose_takes_secrets_from_the_environment_file() -> None:
    example = dict(line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert set(example.values()) == {"CHANGE-ME"}
    text = (DEPLOY / "compose.yaml").read_text()
    for key in example:
        assert re.search(rf"\$\{{{key}:\?", text), f"{key} must be required (${{{key}:?…}}), never defaulted"
    for name, s in services().items():
        for k, v in s.get("environment", {}).items():
            if re.search(r"PASSWORD|PWD|SECRET", k):
                assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", str(v)), f"{name}.{k} is hard-coded"


# --- Kubernetes: probes, replicas, references --------------------------------------------------------

def test_k8s_workloads_have_probes_on_declared_ports_and_api_paths() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    paths = set(app.openapi()["paths"]) | {r.path for r in app.routes if hasattr(r, "path")}
    for d in manifests():
        if d["kind"] not in WORKLOADS:
            continue
        for c in d["spec"]["template"]["spec"]["containers"]:
            ports = {p["name"] for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe"):
                assert probe in c, f"{d['metadata']['name']}/{c['name']} has no {probe}"
                action = c[probe].get("httpGet") or c[probe].get("tcpSocket")
                if action:
                    assert action["port"] in ports, f"{d['metadata']['name']}/{c['name']} {probe} port"
                if c[probe].get("httpGet") and c.get("command", [])[1:] == ["api"]:
                    assert c[probe]["httpGet"]["path"] in paths


def test_k8s_runs_api_twice_and_scales_the_worker() -> None:
    docs = manifests()
    by_sub = {c.get("command", [])[1]: d for _, d, c in k8s_containers()
              if ours(c["image"]) and c in d["spec"]["template"]["spec"]["containers"]}
    for sub in RUNS_TWICE:
        assert by_sub[sub]["spec"]["replicas"] == 2, sub
    [hpa] = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", by_sub["worker"]["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] == 2 < hpa["spec"]["maxReplicas"]


def test_k8s_references_resolve() -> None:
    docs = manifests()
    kustomization = load_all(K8S / "kustomization.yaml")[0]
    config_maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"} | {
        g["name"] for g in kustomization["configMapGenerator"]}
    secrets = {g["name"] for g in kustomization["secretGenerator"]}
    secret_keys = set(dict(line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines()
                           if line and not line.startswith("#")))
    workloads = [d for d in docs if d["kind"] in WORKLOADS]
    for d in docs:
        if d["kind"] == "Service":
            selected = [w for w in workloads
                        if d["spec"]["selector"].items() <= w["spec"]["template"]["metadata"]["labels"].items()]
            assert selected, f"Service {d['metadata']['name']} selects no pods"
            names = {p["name"] for w in selected for c in w["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])}
            assert {p["targetPort"] for p in d["spec"]["ports"]} <= names, d["metadata"]["name"]
    for where, d, c in k8s_containers():
        for src in c.get("envFrom", []):
            assert src["configMapRef"]["name"] in config_maps, where
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] in secrets and ref["key"] in secret_keys, where
            if re.search(r"PASSWORD|PWD|SECRET", e["name"]):
                assert "valueFrom" in e, f"{where}: {e['name']} is hard-coded"
        for v in d["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in v:
                assert v["configMap"]["name"] in config_maps, where
    for d in workloads:
        assert d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()


def test_the_dockerfile_copies_what_exists_and_runs_zhanwu() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in re.findall(r"^COPY\s+(.+)$", dockerfile, re.M):
        for src in line.split()[:-1]:
            assert (DEPLOY.parent / src).exists(), f"COPY {src}: no such path in the repository"
    [cmd] = re.findall(r"^CMD\s+(\[.*\])$", dockerfile, re.M)
    assert yaml.safe_load(cmd)[:1] == ["zhanwu"]
    assert "asyncpg" in dockerfile  # the driver of ZHANWU_DATABASE_URL's postgresql+asyncpg
