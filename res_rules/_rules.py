"""Loading and checking the rule files in ``rules/``.

A rule set is a folder: ``ruleset.yaml`` (name, version, the documents rules cite, the labels of
the codes they conclude), the memo's text, and one YAML file per topic holding the rules. The
loader rejects a rule without a source, a memo quote that is not in the memo, a condition that is
not durable-rules' JSON rule syntax, and a conclusion it would not know how to report.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from ._errors import RuleFileError

STATUSES = ("geldend", "verwacht")
TOPICS = ("grounds", "procedure", "competence", "actions")
LANGS = ("nl", "en")
MEMO = "memo"

#: What a rule may conclude, with the fields each kind of conclusion carries.
CONCLUSIONS: dict[str, tuple[str, ...]] = {
    "resolved": ("value",),
    "ground": ("code", "present"),
    "any_ground": ("value",),
    "res_target": ("target_twh", "forecast_twh", "at_risk"),
    "recommendation": ("code", "applicable"),
    "next_step": ("step", "alternatives", "recommendation"),
    "step2_instrument": ("instrument",),
    "competence_basis": ("project", "authority", "law_status"),
    "competence": ("project", "authority", "law_status"),
    "warning": ("code", "project", "capacity_mw", "authority"),
    "action": ("code",),
}
#: Which conclusion field names a code that must have a label, and under which label group.
_LABELLED = {
    ("recommendation", "code"): "recommendation",
    ("ground", "code"): "ground",
    ("action", "code"): "action",
    ("warning", "code"): "warning",
    ("step2_instrument", "instrument"): "instrument",
    ("competence", "authority"): "authority",
    ("competence_basis", "authority"): "authority",
}
# durable-rules' operators (durable/lang.py and the engine's rules.c).
_OPERATORS = frozenset({"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex",
                        "$mt", "$imt", "$iall", "$iany", "$add", "$sub", "$mul", "$div"})
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
_ALIAS = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATE = re.compile(r"\$([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_]*)")


def check_lang(lang: str) -> None:
    """Texts exist in Dutch and English only."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)} (got {lang!r})")


def normalise(text: str) -> str:
    """Whitespace folded to single spaces: how quotes are compared with the memo."""
    return " ".join(text.split())


@attrs.frozen
class Source:
    """Where a rule comes from: the memo with a verbatim quote, or an external provision."""

    document: str
    title: str
    quote: str | None = None
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.frozen
class Rule:
    """One rule: a durable-rules condition, what it concludes, why, and in whose words."""

    id: str
    topic: str
    status: str
    text: Mapping[str, str]
    when: Mapping[str, Any]
    then: tuple[Mapping[str, Any], ...]
    source: Source
    see_also: tuple[Source, ...] = ()
    file: str = ""

    @property
    def aliases(self) -> tuple[str, ...]:
        (kind,) = self.when
        return tuple(next(iter(item)) for item in self.when[kind])


@attrs.frozen
class RuleSet:
    """A checked rule set, with the fingerprint that identifies exactly these files."""

    name: str
    version: str
    rules: tuple[Rule, ...]
    documents: Mapping[str, str]
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]
    memo_text: str
    fingerprint: str
    directory: str
    #: Each rule id's position in ``rules``: the order explanations and rule lists follow.
    positions: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "positions",
                           {rule.id: i for i, rule in enumerate(self.rules)})

    def rule(self, rule_id: str) -> Rule:
        return self.rules[self.positions[rule_id]]

    def label(self, group: str, code: object, lang: str = "nl") -> str:
        """The words for ``code`` in ``lang``; the code itself when the rule set has none."""
        entry = self.labels.get(group, {}).get(str(code))
        return entry[lang] if entry else str(code)


def default_rules_dir() -> Path:
    """The rule files shipped in the wheel, or ``rules/`` beside the package in a checkout."""
    shipped = importlib.resources.files("res_rules") / "rules"
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent / "rules"


@functools.lru_cache(maxsize=16)
def _cached(directory: str, stamp: tuple[tuple[str, int, int], ...]) -> RuleSet:
    return _load(Path(directory))


def load_rules(directory: str | os.PathLike[str] | None = None) -> RuleSet:
    """Load and check the rule set in ``directory`` (default: the shipped one).

    Loading is cached per folder until a file in it changes, so an edited rule is seen at once.
    """
    path = (Path(directory) if directory is not None else default_rules_dir()).resolve()
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                             for p in path.iterdir() if p.is_file()))
    except OSError as exc:
        raise RuleFileError(str(path), "", f"cannot read the rule folder: {exc}") from None
    return _cached(str(path), stamp)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleFileError(str(path), "", " ".join(str(exc).split())) from None


def _load(directory: Path) -> RuleSet:
    meta_path = directory / "ruleset.yaml"
    if not meta_path.is_file():
        raise RuleFileError(str(directory), "", "no ruleset.yaml: not a rule set folder")
    meta = _mapping(_read_yaml(meta_path), str(meta_path), "")
    _known_keys(meta, ("name", "version", "memo", "documents", "labels"), str(meta_path), "")
    memo_path = directory / _text(meta, "memo", str(meta_path), "")
    try:
        memo_text = memo_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(str(meta_path), "memo", f"cannot read {memo_path}: {exc}") from None
    documents = {
        key: _text(_mapping(value, str(meta_path), f"documents.{key}"), "title", str(meta_path),
                   f"documents.{key}")
        for key, value in _mapping(meta.get("documents"), str(meta_path), "documents").items()
    }
    if MEMO not in documents:
        raise RuleFileError(str(meta_path), "documents", "the memo must be listed as 'memo'")
    labels = _labels(meta.get("labels"), str(meta_path))

    rule_files = sorted(p for p in directory.glob("*.yaml") if p.name != "ruleset.yaml")
    if not rule_files:
        raise RuleFileError(str(directory), "", "no rule files (*.yaml besides ruleset.yaml)")
    checker = _Checker(documents, labels, normalise(memo_text))
    rules: list[Rule] = []
    for path in rule_files:
        rules.extend(checker.file(path))
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleFileError(rule.file, rule.id,
                                f"rule id {rule.id!r} is also used in {seen[rule.id]}")
        seen[rule.id] = rule.file

    digest = hashlib.sha256()
    for path in sorted([meta_path, memo_path, *rule_files]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return RuleSet(
        name=_text(meta, "name", str(meta_path), ""),
        version=str(meta.get("version", "")),
        rules=tuple(rules),
        documents=documents,
        labels=labels,
        memo_text=memo_text,
        fingerprint=digest.hexdigest(),
        directory=str(directory),
    )


def _mapping(value: Any, file: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleFileError(file, path, f"expected a mapping, got {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str, file: str, path: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        where = f"{path}.{key}" if path else key
        raise RuleFileError(file, where, f"expected a non-empty string, got {value!r}")
    return value


def _known_keys(data: Mapping[str, Any], allowed: tuple[str, ...], file: str, path: str) -> None:
    for key in data:
        if key not in allowed:
            raise RuleFileError(file, f"{path}.{key}" if path else str(key),
                                f"unknown key; allowed: {', '.join(allowed)}")


def _labels(value: Any, file: str) -> dict[str, dict[str, dict[str, str]]]:
    result: dict[str, dict[str, dict[str, str]]] = {}
    for group, entries in _mapping(value, file, "labels").items():
        result[group] = {}
        for code, words in _mapping(entries, file, f"labels.{group}").items():
            where = f"labels.{group}.{code}"
            words = _mapping(words, file, where)
            result[group][str(code)] = {lang: _text(words, lang, file, where) for lang in LANGS}
    return result


class _Checker:
    def __init__(self, documents: Mapping[str, str],
                 labels: Mapping[str, Mapping[str, Any]], memo: str) -> None:
        self.documents = documents
        self.labels = labels
        self.memo = memo

    def file(self, path: Path) -> Iterator[Rule]:
        file = str(path)
        data = _mapping(_read_yaml(path), file, "")
        _known_keys(data, ("topic", "rules"), file, "")
        topic = data.get("topic")
        if topic not in TOPICS:
            raise RuleFileError(file, "topic",
                                f"expected one of {', '.join(TOPICS)}, got {topic!r}")
        entries = data.get("rules")
        if not isinstance(entries, list) or not entries:
            raise RuleFileError(file, "rules", "expected a non-empty list of rules")
        for index, entry in enumerate(entries):
            yield self.rule(_mapping(entry, file, f"rules[{index}]"), topic, file,
                            f"rules[{index}]")

    def rule(self, data: Mapping[str, Any], topic: str, file: str, where: str) -> Rule:
        _known_keys(data, ("id", "status", "text", "when", "then", "source", "see_also"),
                    file, where)
        rule_id = data.get("id")
        if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
            raise RuleFileError(file, f"{where}.id",
                                "expected a dotted lower-case id like 'grond.tijd', "
                                f"got {rule_id!r}")
        where = f"{where} ({rule_id})"
        status = data.get("status")
        if status not in STATUSES:
            raise RuleFileError(file, f"{where}.status",
                                f"expected one of {', '.join(STATUSES)}, got {status!r}")
        text = _mapping(data.get("text"), file, f"{where}.text")
        texts = {lang: _text(text, lang, file, f"{where}.text") for lang in LANGS}
        if "source" not in data:
            raise RuleFileError(file, f"{where}.source",
                                "every rule needs a source: the memo with a verbatim quote, or an "
                                "external provision with its citation")
        source = self.source(data["source"], file, f"{where}.source")
        see_also = data.get("see_also", [])
        if not isinstance(see_also, list):
            raise RuleFileError(file, f"{where}.see_also", "expected a list of sources")
        extra = tuple(self.source(s, file, f"{where}.see_also[{i}]")
                      for i, s in enumerate(see_also))
        when = _mapping(data.get("when"), file, f"{where}.when")
        aliases = self.condition(when, file, f"{where}.when")
        then = data.get("then")
        if not isinstance(then, list) or not then:
            raise RuleFileError(file, f"{where}.then", "expected a non-empty list of conclusions")
        conclusions = tuple(self.conclusion(c, aliases, file, f"{where}.then[{i}]")
                            for i, c in enumerate(then))
        return Rule(id=rule_id, topic=topic, status=status, text=texts, when=when,
                    then=conclusions, source=source, see_also=extra, file=file)

    def source(self, value: Any, file: str, where: str) -> Source:
        data = _mapping(value, file, where)
        _known_keys(data, ("document", "quote", "citation"), file, where)
        document = data.get("document")
        if not isinstance(document, str) or document not in self.documents:
            raise RuleFileError(file, f"{where}.document",
                                f"expected one of {', '.join(self.documents)}, got {document!r}")
        quote = data.get("quote")
        citation = data.get("citation")
        if document == MEMO:
            if not isinstance(quote, str) or not quote.strip():
                raise RuleFileError(file, f"{where}.quote", "a memo source needs a verbatim quote")
            if normalise(quote) not in self.memo:
                raise RuleFileError(file, f"{where}.quote",
                                    f"not found verbatim in the memo: {quote!r}")
        elif not isinstance(citation, str) or not citation.strip():
            raise RuleFileError(file, f"{where}.citation",
                                "an external source needs a citation (article, paragraph)")
        return Source(document=document, title=self.documents[document],
                      quote=normalise(quote) if isinstance(quote, str) else None,
                      citation=citation)

    def condition(self, when: Mapping[str, Any], file: str, where: str) -> tuple[str, ...]:
        if len(when) != 1 or next(iter(when)) not in ("all", "any"):
            raise RuleFileError(file, where, "expected exactly one of 'all' or 'any'")
        kind = next(iter(when))
        items = when[kind]
        if not isinstance(items, list) or not items:
            raise RuleFileError(file, f"{where}.{kind}", "expected a non-empty list")
        aliases: list[str] = []
        for index, item in enumerate(items):
            at = f"{where}.{kind}[{index}]"
            if not isinstance(item, dict) or len(item) != 1:
                raise RuleFileError(file, at, "expected one 'alias: condition' pair")
            alias, expression = next(iter(item.items()))
            if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or alias in aliases:
                raise RuleFileError(file, at, f"expected a new lower-case alias, got {alias!r}")
            self.expression(expression, aliases, file, f"{at}.{alias}")
            aliases.append(alias)
        return tuple(aliases)

    def expression(self, value: Any, earlier: list[str], file: str, where: str) -> None:
        if not isinstance(value, dict) or not value:
            raise RuleFileError(file, where, f"expected a condition mapping, got {value!r}")
        for key, operand in value.items():
            if not isinstance(key, str):
                raise RuleFileError(file, where, f"expected a field name, got {key!r}")
            if key in ("$and", "$or"):
                if not isinstance(operand, list) or not operand:
                    raise RuleFileError(file, f"{where}.{key}", "expected a non-empty list")
                for i, sub in enumerate(operand):
                    self.expression(sub, earlier, file, f"{where}.{key}[{i}]")
            elif key.startswith("$"):
                if key not in _OPERATORS:
                    raise RuleFileError(file, f"{where}.{key}",
                                        "not a durable-rules operator; known: "
                                        + ", ".join(sorted(_OPERATORS)))
                if not isinstance(operand, dict) or len(operand) != 1:
                    raise RuleFileError(file, f"{where}.{key}", "expected {field: value}")
                self.operand(next(iter(operand.values())), earlier, file, f"{where}.{key}")
            else:
                self.operand(operand, earlier, file, f"{where}.{key}")

    def operand(self, value: Any, earlier: list[str], file: str, where: str) -> None:
        if isinstance(value, dict):  # a reference to a field of an earlier fact: {alias: field}
            if len(value) != 1 or next(iter(value)) not in earlier:
                raise RuleFileError(file, where,
                                    f"a reference must name an earlier alias ({earlier}), "
                                    f"got {value!r}")
        elif not (value is None or isinstance(value, str | int | float | bool)):
            raise RuleFileError(file, where, f"expected a plain value, got {value!r}")

    def conclusion(self, value: Any, aliases: tuple[str, ...], file: str,
                   where: str) -> Mapping[str, Any]:
        data = _mapping(value, file, where)
        kind = data.get("type")
        if kind not in CONCLUSIONS:
            raise RuleFileError(file, f"{where}.type",
                                f"expected one of {', '.join(CONCLUSIONS)}, got {kind!r}")
        _known_keys(data, ("type", *CONCLUSIONS[kind]), file, where)
        for key, item in data.items():
            if isinstance(item, str) and item.startswith("$"):
                match = _TEMPLATE.fullmatch(item)
                if not match or match.group(1) not in aliases:
                    raise RuleFileError(file, f"{where}.{key}",
                                        f"a template must be $alias.field with an alias of this "
                                        f"rule ({', '.join(aliases)}), got {item!r}")
                continue
            group = _LABELLED.get((kind, key))
            if group and item is not None and str(item) not in self.labels.get(group, {}):
                raise RuleFileError(file, f"{where}.{key}",
                                    f"{item!r} has no label in ruleset.yaml labels.{group}")
        return data


def substitute(template: Mapping[str, Any], bindings: Mapping[str, Mapping[str, Any]]
               ) -> dict[str, Any]:
    """A conclusion with its ``$alias.field`` templates filled from the matched facts."""
    result: dict[str, Any] = {}
    for key, item in template.items():
        match = _TEMPLATE.fullmatch(item) if isinstance(item, str) else None
        result[key] = bindings[match.group(1)].get(match.group(2)) if match else item
    return result
