"""The change list between two frozen versions of one agreement.

Items are matched by their stable key ("goal:12"). An item is
- *added* when only the newer version has it, *removed* when only the older one has it;
- *moved* when its parent changed or its number (its place in the order) changed;
- *changed* when a text field (title, summary, ...) differs; each changed text carries a
  word-level diff (difflib over words and the spaces between them).
An item can be both moved and changed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from .models import AgreementVersion

TEXT_FIELDS = ("title", "summary")
OTHER_FIELDS = ("status", "url", "start_date", "end_date", "owner", "annex_kind", "slug")
_TOKENS = re.compile(r"^\s+|\S+\s*")  # a word with the spaces after it


@dataclass
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any
    diff: list[Segment] = dc_field(default_factory=list)


@dataclass
class ItemChange:
    key: str
    kind: str
    title: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: list[FieldChange] = dc_field(default_factory=list)
    parent_before: str | None = None
    parent_after: str | None = None

    @property
    def parent_changed(self) -> bool:
        return self.parent_before != self.parent_after


@dataclass
class ChangeList:
    older: AgreementVersion
    newer: AgreementVersion
    added: list[ItemChange] = dc_field(default_factory=list)
    removed: list[ItemChange] = dc_field(default_factory=list)
    moved: list[ItemChange] = dc_field(default_factory=list)
    changed: list[ItemChange] = dc_field(default_factory=list)
    titles: dict[str, str] = dc_field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.moved or self.changed)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.moved) + len(self.changed)

    def as_dict(self) -> dict[str, Any]:
        def item(c: ItemChange) -> dict[str, Any]:
            return {"key": c.key, "kind": c.kind, "title": c.title,
                    "parent_before": c.parent_before, "parent_after": c.parent_after,
                    "fields": [{"field": f.field, "before": f.before, "after": f.after,
                                "diff": [[s.op, s.text] for s in f.diff]} for f in c.fields]}
        return {"from": self.older.ref, "to": self.newer.ref,
                "added": [item(c) for c in self.added],
                "removed": [item(c) for c in self.removed],
                "moved": [item(c) for c in self.moved],
                "changed": [item(c) for c in self.changed]}


def word_diff(before: str, after: str) -> list[Segment]:
    """Word-level diff: runs of equal, deleted and inserted words (spaces kept)."""
    a = _TOKENS.findall(before or "")
    b = _TOKENS.findall(after or "")
    segments: list[Segment] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1].text += text
        else:
            segments.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return segments


def change_list(older: AgreementVersion, newer: AgreementVersion) -> ChangeList:
    """What changed from `older` to `newer` (both versions of one agreement)."""
    old_items = older.items()
    new_items = newer.items()
    old = {i["key"]: i for i in old_items}
    new = {i["key"]: i for i in new_items}
    result = ChangeList(older=older, newer=newer)
    result.titles = {**{k: i.get("title", k) for k, i in old.items()},
                     **{k: i.get("title", k) for k, i in new.items()}}
    for key, item in new.items():
        if key not in old:
            result.added.append(ItemChange(key, item["kind"], item.get("title", ""), after=item,
                                           parent_after=item.get("parent")))
            continue
        before = old[key]
        change = ItemChange(key, item["kind"], item.get("title", ""), before=before, after=item,
                            parent_before=before.get("parent"), parent_after=item.get("parent"))
        for name in TEXT_FIELDS:
            if (before.get(name) or "") != (item.get(name) or ""):
                change.fields.append(FieldChange(name, before.get(name), item.get(name),
                                                 word_diff(before.get(name) or "",
                                                           item.get(name) or "")))
        for name in OTHER_FIELDS:
            if name in before and name in item and before[name] != item[name]:
                change.fields.append(FieldChange(name, before[name], item[name]))
        moved = change.parent_changed or before.get("number") != item.get("number")
        if moved:
            result.moved.append(change)
        if change.fields:
            result.changed.append(change)
    for key, item in old.items():
        if key not in new:
            result.removed.append(ItemChange(key, item["kind"], item.get("title", ""),
                                             before=item, parent_before=item.get("parent")))
    return result
