"""The audit's hash chain 审计哈希链. Each record carries the hash of the record before it in the whole audit
(`prev_hash`) and in its case (`case_prev_hash`), and its own `hash` over its content and both links, by the
algorithm it names (`hash_alg`). An altered, deleted or reordered record breaks a link that `Chain` names.
Pure: no SQL; the store feeds it rows, a dossier feeds it its JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Algorithm = Literal["sha256", "sm3"]


def _sm3_gmssl(data: bytes) -> str:
    from gmssl import func, sm3  # pure Python, for an OpenSSL built without SM3

    return str(sm3.sm3_hash(func.bytes_to_list(data)))


ALGORITHMS: dict[str, Callable[[bytes], str]] = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "sm3": (lambda data: hashlib.new("sm3", data).hexdigest()) if "sm3" in hashlib.algorithms_available
    else _sm3_gmssl,
}

CONTENT = ("case_id", "programme", "seq", "at", "actor_subject", "actor_role", "actor_region", "action",
           "from_state", "to_state", "rules", "payload", "recorded_at")
LINKS = ("hash_alg", "case_prev_hash", "prev_hash")
INSTANTS = ("at", "recorded_at")


def plain(record: Mapping[Any, Any]) -> dict[str, Any]:
    """What is hashed, as a dossier holds it: the content and links, instants as UTC ISO 8601 (microseconds)."""
    return {k: _utc_text(record[k]) if k in INSTANTS else record[k] for k in (*CONTENT, *LINKS)}


def _utc_text(v: datetime | str) -> str:
    if isinstance(v, str):  # from a dossier: already as written
        return v
    return (v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC)).isoformat(timespec="microseconds")


def digest(record: Mapping[Any, Any]) -> str:
    """The record's hash by its own algorithm over the canonical JSON of `plain`."""
    body = json.dumps(plain(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return ALGORITHMS[record["hash_alg"]](body.encode())


Kind = Literal["altered", "missing", "out_of_order"]
KIND_ZH = {"altered": "被篡改", "missing": "有缺失", "out_of_order": "顺序错乱"}


@dataclass(frozen=True)
class Break:
    """The first broken record: its place in the audit (the record's id; None past the end), case and seq."""

    kind: Kind
    position: int | None
    case_id: str | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = f"#{self.position}" if self.position is not None else "after the last record"
        if self.case_id is not None:
            where += f" (case {self.case_id}, seq {self.seq})"
        return f"{where}: {self.kind} {KIND_ZH[self.kind]}: {self.detail}"


@dataclass(frozen=True)
class Report:
    checked: int
    head: str | None  # the last record's hash: note it elsewhere, and a rewritten chain shows
    broken: Break | None


@dataclass
class Chain:
    """Walks records in the audit's order (id) and stops at the first break: a record whose hash does not
    match its content and links, or whose link to the previous record (in the audit, unless `case_only`; in
    its case) names another: one found elsewhere is out of order, one found nowhere is missing."""

    case_only: bool = False
    checked: int = 0
    head: str | None = None
    cases: dict[str, tuple[str, int]] = field(default_factory=dict)  # case -> its last record's (hash, seq)
    broken: Break | None = None

    def add(self, r: Mapping[Any, Any], locate: Callable[[str], int | None]) -> bool:
        """Check the next record; False once the chain is broken. `locate(hash)`: the id of the record with it."""
        if r["hash_alg"] not in ALGORITHMS or digest(r) != r["hash"]:
            return self._break("altered", r, "its content or links do not match its hash")
        links = [("case", r["case_prev_hash"], self.cases.get(r["case_id"], (None, 0))[0])]
        if not self.case_only:
            links.insert(0, ("audit", r["prev_hash"], self.head))
        for chain, claimed, actual in links:
            if claimed != actual:
                if claimed is None:
                    return self._break("out_of_order", r, f"it claims to open the {chain} chain, which began earlier")
                if (found := locate(claimed)) is not None:
                    return self._break("out_of_order", r, f"its {chain} predecessor is #{found}, elsewhere")
                return self._break("missing", r, f"its {chain} predecessor ({claimed[:12]}…) is gone")
        self.checked += 1
        self.head = r["hash"]
        self.cases[r["case_id"]] = (r["hash"], r["seq"])
        return True

    def finish(self, versions: Mapping[str, int], head: tuple[int, str | None] | None = None) -> Report:
        """After the last record: every case reaches its version in the read model, and the audit ends
        at the head the store keeps (`head`: its record count and hash; not checked for one case)."""
        for case_id, version in sorted(versions.items()) if self.broken is None else ():
            last = self.cases.get(case_id, (None, 0))[1]
            if last < version:
                self.broken = Break("missing", None, case_id, last + 1,
                                    f"records after seq {last} are gone: the case is at version {version}")
                break
        if self.broken is None and head is not None and head[1] != self.head:
            self.broken = Break("missing", None, None, None,
                                f"the chain's head holds {head[0]} records ending in {str(head[1])[:12]}…; "
                                f"{self.checked} found, ending in {str(self.head)[:12]}…")
        return Report(self.checked, self.head, self.broken)

    def _break(self, kind: Kind, r: Mapping[Any, Any], detail: str) -> bool:
        self.broken = Break(kind, r.get("id"), r["case_id"], r["seq"], detail)
        return False
