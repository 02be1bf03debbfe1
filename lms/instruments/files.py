"""Instrument files (`courses/<code>/instruments/*.yaml` and the shipped defaults in lms/data/instruments/): read
them into an InstrumentSpec, with every problem reported as `file:line` and nothing written when there is one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from yaml.constructor import SafeConstructor

from lms.courses.files import CourseFileError, CourseFilesInvalid
from lms.instruments.items import ITEM_KINDS, InstrumentPurpose, Item
from lms.instruments.rules import DEFAULT_PASS_PERCENT

INSTRUMENTS_FOLDER = "instruments"
SHIPPED_FOLDER = Path(__file__).resolve().parent.parent / "data" / "instruments"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
ITEM_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TOP_FIELDS = ("key", "title", "purpose", "pass_percent", "description", "items")
ITEM_FIELDS = ("id", "type", "text", "critical", "scale", "labels", "required")


@dataclass(frozen=True)
class InstrumentSpec:
    key: str
    title: str
    purpose: InstrumentPurpose
    items: tuple[Item, ...]
    pass_percent: int | None = None
    description: str = ""

    def to_yaml(self) -> str:
        data: dict = {"key": self.key, "title": self.title, "purpose": self.purpose.value}
        if self.description:
            data["description"] = self.description
        if self.pass_percent is not None:
            data["pass_percent"] = self.pass_percent
        data["items"] = [item.to_json() for item in self.items]
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


class _Errors:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.errors: list[CourseFileError] = []

    def at(self, node: yaml.Node | None, message) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.errors.append(CourseFileError(self.path, line, str(message)))


def _value(node: yaml.Node):
    try:
        return SafeConstructor().construct_document(node)
    except yaml.YAMLError:
        return None


def _mapping(node: yaml.Node, known: tuple[str, ...], what, errors: _Errors) -> dict[str, tuple[yaml.Node, object]]:
    if not isinstance(node, yaml.MappingNode):
        errors.at(node, _l("%(what)s must be a mapping of fields", what=what))
        return {}
    fields: dict[str, tuple[yaml.Node, object]] = {}
    for key_node, value_node in node.value:
        name = _value(key_node)
        if name not in known:
            errors.at(key_node, _l("unknown field '%(name)s' in %(what)s", name=name, what=what))
            continue
        if name in fields:
            errors.at(key_node, _l("duplicate field '%(name)s' in %(what)s", name=name, what=what))
            continue
        fields[name] = (value_node, _value(value_node))
    return fields


def parse_instrument(text: str, path: Path | str = "<text>") -> InstrumentSpec:
    """The instrument written in `text`; raises CourseFilesInvalid listing every problem with its line."""
    errors = _Errors(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CourseFilesInvalid([CourseFileError(Path(path), line, f"YAML: {exc.problem or exc.context}")]) from None
    if root is None:
        raise CourseFilesInvalid([CourseFileError(Path(path), 1, str(_l("the file is empty")))])
    fields = _mapping(root, TOP_FIELDS, _l("the instrument"), errors)
    for name in ("key", "title", "purpose", "items"):
        if fields and name not in fields:
            errors.at(root, _l("missing field '%(name)s'", name=name))
    key = title = purpose = None
    pass_percent = None
    if "key" in fields:
        node, key = fields["key"]
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            errors.at(node, _l("key must be lower-case letters, digits and hyphens, e.g. rjp-dewasa"))
    if "title" in fields:
        node, title = fields["title"]
        if not isinstance(title, str) or not title.strip():
            errors.at(node, _l("title must be a text"))
    if "purpose" in fields:
        node, value = fields["purpose"]
        try:
            purpose = InstrumentPurpose(value)
        except ValueError:
            choices = ", ".join(p.value for p in InstrumentPurpose)
            errors.at(node, _l("unknown purpose %(value)r: use one of %(choices)s", value=value, choices=choices))
    if "pass_percent" in fields:
        node, pass_percent = fields["pass_percent"]
        if isinstance(pass_percent, bool) or not isinstance(pass_percent, int) or not 0 <= pass_percent <= 100:
            errors.at(node, _l("pass_percent must be a whole number from 0 to 100"))
    description = fields.get("description", (None, ""))[1] or ""
    items = _items(fields["items"][0], errors) if "items" in fields else []
    if purpose is not None and purpose != InstrumentPurpose.CHECKLIST and pass_percent is not None:
        errors.at(fields["pass_percent"][0], _l("pass_percent is for checklists only"))
    if purpose == InstrumentPurpose.CHECKLIST and items and not any(i.kind == "step" for i in items):
        errors.at(fields["items"][0], _l("a checklist needs at least one item of type step"))
    if errors.errors:
        raise CourseFilesInvalid(sorted(errors.errors, key=lambda error: error.line or 0))
    if purpose == InstrumentPurpose.CHECKLIST and pass_percent is None:
        pass_percent = DEFAULT_PASS_PERCENT
    return InstrumentSpec(key, title.strip(), purpose, tuple(items), pass_percent, str(description).strip())


def _items(node: yaml.Node, errors: _Errors) -> list[Item]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        errors.at(node, _l("items must be a list of at least one item"))
        return []
    items: list[Item] = []
    seen: dict[str, int] = {}
    for item_node in node.value:
        fields = _mapping(item_node, ITEM_FIELDS, _l("an item"), errors)
        if not fields:
            continue
        missing = [name for name in ("id", "type", "text") if name not in fields]
        if missing:
            errors.at(item_node, _l("item without %(fields)s", fields=", ".join(missing)))
            continue
        id_node, item_id = fields["id"]
        type_node, kind = fields["type"]
        text_node, text = fields["text"]
        line = id_node.start_mark.line + 1
        if not isinstance(item_id, str | int) or not ITEM_ID_PATTERN.match(str(item_id)):
            errors.at(id_node, _l("item id must be letters, digits, _ or -"))
            continue
        item_id = str(item_id)
        if item_id in seen:
            errors.at(id_node, _l("duplicate item id '%(id)s' (also on line %(line)d)", id=item_id, line=seen[item_id]))
            continue
        seen[item_id] = line
        if kind not in ITEM_KINDS:
            choices = ", ".join(ITEM_KINDS)
            errors.at(type_node, _l("unknown item type %(kind)r: use one of %(choices)s", kind=kind, choices=choices))
            continue
        if not isinstance(text, str) or not text.strip():
            errors.at(text_node, _l("item text must be a text"))
            continue
        scale = fields.get("scale", (None, None))[1]
        labels = fields.get("labels", (None, None))[1]
        if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
            errors.at(fields["labels"][0], _l("labels must be a list of texts"))
            continue
        item = Item(
            id=item_id,
            kind=kind,
            text=text.strip(),
            critical=bool(fields.get("critical", (None, False))[1]),
            scale=scale if isinstance(scale, int) and not isinstance(scale, bool) else None,
            labels=tuple(labels or ()),
            required=bool(fields.get("required", (None, True))[1]),
        )
        if scale is not None and item.scale is None:
            errors.at(fields["scale"][0], _l("the scale must be 4 or 5, not %(scale)s", scale=scale))
            continue
        if item.critical and kind != "step":
            errors.at(fields["critical"][0], _l("only checklist steps can be critical"))
            continue
        problems = ITEM_KINDS[kind].spec_problems(item)
        for problem in problems:
            errors.at(item_node, problem)
        if not problems:
            items.append(item)
    return items


def read_instrument_file(path: Path) -> InstrumentSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseFilesInvalid([CourseFileError(path, None, str(error))]) from None
    return parse_instrument(text, path)


def read_instrument_folder(folder: Path) -> list[InstrumentSpec]:
    """Every `*.yaml` in a course's `instruments/` folder (or the folder itself); all problems of all files at once."""
    if (folder / INSTRUMENTS_FOLDER).is_dir():
        folder = folder / INSTRUMENTS_FOLDER
    specs, errors = [], []
    keys: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            spec = read_instrument_file(path)
        except CourseFilesInvalid as invalid:
            errors.extend(invalid.errors)
            continue
        if spec.key in keys:
            errors.append(
                CourseFileError(
                    path, 1, str(_l("key '%(key)s' also used in %(other)s", key=spec.key, other=keys[spec.key].name))
                )
            )
            continue
        keys[spec.key] = path
        specs.append(spec)
    if errors:
        raise CourseFilesInvalid(errors)
    return specs


def shipped_instruments() -> dict[str, InstrumentSpec]:
    """The Indonesian defaults shipped with Lentera, by key."""
    return {spec.key: spec for spec in read_instrument_folder(SHIPPED_FOLDER)}
