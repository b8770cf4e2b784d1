"""A small kustomize renderer for the features deploy/k8s uses, so that the manifests can be checked where no
``kustomize`` / ``kubectl`` binary is installed (CI). ``tests/deploy/test_k8s.py`` compares its output with
``kubectl kustomize`` where that exists.

Supported: ``resources`` (files and directories holding a kustomization), ``namespace``, ``images``
(``newName`` / ``newTag``), ``replicas``, ``patches`` with ``path`` (strategic merge: mappings merge; lists of
containers, init containers, env, volumes and ports merge by name; other lists are replaced),
``configMapGenerator`` with ``files`` and ``generatorOptions`` (``disableNameSuffixHash: true`` and
``labels``). Anything else in a kustomization is refused, so that the renderer never silently renders less
than kustomize would.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "images",
    "replicas",
    "patches",
    "configMapGenerator",
    "generatorOptions",
}
#: List fields merged item by item on ``name`` (their patchMergeKey in the Kubernetes API).
MERGE_BY_NAME = {"containers", "initContainers", "env", "volumes"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


class UnsupportedKustomization(Exception):
    pass


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def strategic_merge(base: Any, patch: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = strategic_merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and (key in MERGE_BY_NAME or key == "ports")
        and all(isinstance(i, dict) for i in base + patch)
    ):
        field = "containerPort" if key == "ports" and all("containerPort" in i for i in base) else "name"
        out_list = [dict(i) for i in base]
        for item in patch:
            match = next((j for j, b in enumerate(out_list) if b.get(field) == item.get(field)), None)
            if match is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[match] = strategic_merge(out_list[match], item)
        return out_list
    return copy.deepcopy(patch)


def _set_images(doc: dict[str, Any], images: list[dict[str, Any]]) -> None:
    spec = doc.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    if not template:
        return
    for kind in ("initContainers", "containers"):
        for c in template["spec"].get(kind) or []:
            name, _, tag = c["image"].partition(":")
            for img in images:
                if img["name"] == name:
                    name = img.get("newName", name)
                    tag = str(img.get("newTag", tag))
                    c["image"] = f"{name}:{tag}" if tag else name


def build(directory: Path) -> list[dict[str, Any]]:
    """The resources of the kustomization in ``directory``, as ``kustomize build`` renders them."""
    k = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(k) - SUPPORTED
    if unknown:
        raise UnsupportedKustomization(f"{directory}: {sorted(unknown)} not supported by this renderer")
    docs: list[dict[str, Any]] = []
    for res in k.get("resources", []):
        path = (directory / res).resolve()
        docs += build(path) if path.is_dir() else _docs(path)
    options = k.get("generatorOptions") or {}
    for gen in k.get("configMapGenerator", []):
        if not options.get("disableNameSuffixHash") or set(gen) - {"name", "files"}:
            raise UnsupportedKustomization(
                f"{directory}: configMapGenerator needs disableNameSuffixHash, files"
            )
        data = {Path(f).name: (directory / f).read_text(encoding="utf-8") for f in gen["files"]}
        meta: dict[str, Any] = {"name": gen["name"]}
        if options.get("labels"):
            meta["labels"] = dict(options["labels"])
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
    for p in k.get("patches", []):
        if set(p) != {"path"}:
            raise UnsupportedKustomization(f"{directory}: only patches with a path are supported")
        for patch in _docs(directory / p["path"]):
            targets = [
                i
                for i, d in enumerate(docs)
                if d["kind"] == patch["kind"] and d["metadata"]["name"] == patch["metadata"]["name"]
            ]
            if len(targets) != 1:
                raise UnsupportedKustomization(
                    f"patch {patch['kind']}/{patch['metadata']['name']}: no target"
                )
            docs[targets[0]] = strategic_merge(docs[targets[0]], patch)
    for r in k.get("replicas", []):
        for d in docs:
            if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] == r["name"]:
                d["spec"]["replicas"] = r["count"]
    if k.get("images"):
        for d in docs:
            _set_images(d, k["images"])
    if k.get("namespace"):
        for d in docs:
            if d["kind"] == "Namespace":
                continue
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = k["namespace"]
    return docs
