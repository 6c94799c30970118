"""Loading and checking the rule files in ``rules/``.

A rule set is a folder: ``ruleset.yaml`` (name, version, the documents rules cite, the labels of
the codes they conclude), the memo's text, the statute texts in ``law/`` (one file per article
and version), and one YAML file per topic holding the rules. The loader rejects a rule without a
source, a quote that is not verbatim in the memo or in the cited article (lid, onderdeel) of its
own law version, a condition that is not durable-rules' JSON rule syntax or that tests a field no
fact has, a conclusion it would not know how to report, and a rule set durable-rules itself
rejects.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._casefile import parse_text, read_bytes
from ._errors import CaseError, RuleFileError
from ._vocabulary import ALL_FACTS, CONCLUSIONS, number_date

STATUSES = ("geldend", "verwacht")
TOPICS = ("law", "grounds", "procedure", "competence", "actions", "checks")
LANGS = ("nl", "en")
MEMO = "memo"

#: Which conclusion field names a code that must have a label, and under which label group.
_LABELLED = {
    ("regime", "regime"): "regime",
    ("recommendation", "code"): "recommendation",
    ("ground", "code"): "ground",
    ("action", "code"): "action",
    ("warning", "code"): "warning",
    ("step2_instrument", "instrument"): "instrument",
    ("competence", "authority"): "authority",
    ("competence_basis", "authority"): "authority",
    ("competence_basis", "regime"): "regime",
    ("warning", "authority"): "authority",
    ("warning", "memo_authority"): "authority",
}
# durable-rules' operators (durable/lang.py and the engine's rules.c).
_OPERATORS = frozenset({"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex",
                        "$mt", "$imt", "$iall", "$iany", "$add", "$sub", "$mul", "$div"})
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
_ALIAS = re.compile(r"[a-z][a-z0-9_]*")
_TEMPLATE = re.compile(r"\$([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_]*)")
_CITATION = re.compile(
    r"art\. (?P<article>[0-9]+(?:\.[0-9]+)?[a-z]*)"
    r"(?: lid (?P<lid>[0-9]+))?(?: sub (?P<sub>[a-z]+))?")
#: durable-rules' own identity field: a fact field of this name breaks cross-fact references.
_RESERVED_FIELDS = frozenset({"id", "sid"})
#: How often ``load_rules()`` looks at the rule files again for changes, in seconds.
RECHECK_SECONDS = 1.0


def check_lang(lang: str) -> None:
    """Texts exist in Dutch and English only."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)} (got {lang!r})")


def normalise(text: str) -> str:
    """Whitespace folded to single spaces: how quotes are compared with the memo."""
    return " ".join(text.split())


@attrs.frozen
class Article:
    """One article of one version of a law, as shipped: its whole text, its leden, onderdelen."""

    number: str
    text: str
    #: Lid number -> its text (whitespace folded); empty when the article has no numbered leden.
    leden: Mapping[str, str]
    #: (lid, onderdeel letter) -> the onderdeel's text (whitespace folded).
    onderdelen: Mapping[tuple[str, str], str]
    file: str


@attrs.frozen
class Document:
    """A source the rules cite: the memo, or one version of a law with its articles' texts."""

    key: str
    title: str
    short: str
    file: str | None = None
    law: str | None = None
    bwbr: str | None = None
    version: str | None = None
    url: str | None = None
    articles: Mapping[str, Article] = attrs.field(factory=dict, repr=False)

    @property
    def is_law(self) -> bool:
        return self.law is not None

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("key", "title", "short", "law", "bwbr", "version",
                                              "url")}
        return {k: v for k, v in data.items() if v is not None}


@attrs.frozen
class Source:
    """Where a rule comes from: the memo or a statute article, with a verbatim quote."""

    document: str
    title: str
    quote: str | None = None
    citation: str | None = None
    url: str | None = None
    short: str | None = None

    #: The fields that are set, worked out once (a source never changes).
    _fields: Mapping[str, Any] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_fields", {
            k: v for k, v in (("document", self.document), ("title", self.title),
                              ("quote", self.quote), ("citation", self.citation),
                              ("url", self.url), ("short", self.short)) if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return dict(self._fields)


@attrs.frozen
class Regime:
    """One legal regime: which law decides competence, and from when until when (inclusive)."""

    id: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    rule: str

    def holds_on(self, day: dt.date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_until is None or day <= self.valid_until))


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
    #: The regimes this rule belongs to (it tests or concludes them); empty: it always applies.
    regimes: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        (kind,) = self.when
        return tuple(next(iter(item)) for item in self.when[kind])

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, *self.see_also)


@attrs.frozen
class RuleSet:
    """A checked rule set, with the fingerprint that identifies exactly these files."""

    name: str
    version: str
    rules: tuple[Rule, ...]
    documents: Mapping[str, Document]
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]
    memo_text: str
    fingerprint: str
    directory: str
    #: The legal regimes, in the order of their periods.
    regimes: Mapping[str, Regime] = attrs.field(factory=dict)
    #: Each rule id's position in ``rules``: the order explanations and rule lists follow.
    positions: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)
    #: Each label group's codes by their position in the rule set's labels: the order grounds
    #: and actions are listed in.
    label_order: Mapping[str, Mapping[str, int]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "positions",
                           {rule.id: i for i, rule in enumerate(self.rules)})
        object.__setattr__(self, "label_order", {
            group: {code: i for i, code in enumerate(codes)}
            for group, codes in self.labels.items()})

    def rule(self, rule_id: str) -> Rule:
        return self.rules[self.positions[rule_id]]

    def label(self, group: str, code: object, lang: str = "nl") -> str:
        """The words for ``code`` in ``lang``; the code itself when the rule set has none."""
        entry = self.labels.get(group, {}).get(str(code))
        return entry[lang] if entry else str(code)

    def regime_on(self, day: dt.date) -> Regime | None:
        """The regime whose period holds ``day`` (the rules decide; this reads their periods)."""
        return next((r for r in self.regimes.values() if r.holds_on(day)), None)

    def in_force(self, day: dt.date) -> tuple[Rule, ...]:
        """The rules that can apply on ``day``: those of its regime and those of every regime."""
        regime = self.regime_on(day)
        return tuple(r for r in self.rules
                     if not r.regimes or (regime is not None and regime.id in r.regimes))

    def period(self, rule: Rule) -> tuple[dt.date | None, dt.date | None]:
        """The dates between which ``rule`` can apply (``None``: open), from its regimes."""
        if not rule.regimes:
            return (None, None)
        regimes = [self.regimes[r] for r in rule.regimes if r in self.regimes]
        starts = [r.valid_from for r in regimes]
        ends = [r.valid_until for r in regimes]
        return (None if None in starts else min(d for d in starts if d is not None),
                None if None in ends else max(d for d in ends if d is not None))


def example_path(name: str) -> Path:
    """The path of a bundled example case file, e.g. ``example_path("lokaal-geschil.yaml")``:
    inside the installed package, or ``examples/`` beside it in a source checkout.

    >>> example_path("lokaal-geschil.yaml").name
    'lokaal-geschil.yaml'
    """
    folder = _shipped("examples")
    path = folder / name
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in folder.glob("*.yaml")))
        raise FileNotFoundError(f"no bundled example {name!r}; there are: {known}")
    return path


@functools.cache
def default_rules_dir() -> Path:
    """The rule files shipped in the wheel, or ``rules/`` beside the package in a checkout."""
    return _shipped("rules")


def _shipped(name: str) -> Path:
    """The folder ``name`` inside the installed package, or beside the package in a checkout.
    (A path: the package is never run zipped, and importlib.resources cost 7 ms of a start.)"""
    package = Path(__file__).resolve().parent
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


@attrs.define
class _Cached:
    stamp: tuple[tuple[str, int, int], ...]
    checked: float
    ruleset: RuleSet


_CACHE: dict[str, _Cached] = {}
#: The cache key of the default (shipped) rule set.
_DEFAULT = "<default>"
_CACHE_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of every file in the rule folder, sub-folders too."""
    entries = []
    for file in sorted(path.rglob("*")):
        if file.is_file():
            info = file.stat()
            entries.append((str(file.relative_to(path)), info.st_mtime_ns, info.st_size))
    return tuple(entries)


def load_rules(directory: str | os.PathLike[str] | None = None, *,
               reload: bool = False) -> RuleSet:
    """Load and check the rule set in ``directory`` (default: the shipped one).

    A loaded rule set is kept per folder. A folder you name is looked at again on every call;
    the default (shipped) rule set at most once a second, so that advising stays fast. With
    ``reload=True`` the files are looked at now. When a file changed, the rule set is loaded
    anew, so an edited rule is seen without restarting.
    """
    now = time.monotonic()
    if directory is None and not reload:
        # The hot path: advise() asks for the default rule set on every call.
        cached = _CACHE.get(_DEFAULT)
        if cached is not None and now - cached.checked < RECHECK_SECONDS:
            return cached.ruleset
    path = default_rules_dir() if directory is None else Path(directory).resolve()
    key = _DEFAULT if directory is None else str(path)
    recheck = RECHECK_SECONDS if directory is None else 0.0
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and not reload and now - cached.checked < recheck:
            return cached.ruleset
        try:
            stamp = _stamp(path)
        except OSError as exc:
            raise RuleFileError(str(path), "", f"cannot read the rule folder: {exc}") from None
        if cached is not None and cached.stamp == stamp:
            cached.checked = now
            return cached.ruleset
        ruleset = _load(path)
        _check_in_engine(ruleset)
        _CACHE[key] = _Cached(stamp, now, ruleset)
        return ruleset


def _check_in_engine(ruleset: RuleSet) -> None:
    """Have durable-rules compile the rule set now, so a rule it rejects is named at load time."""
    from ._engine import check_ruleset  # the engine module imports this one

    check_ruleset(ruleset)


def read_rule_file(path: Path, known: Mapping[str, tuple[str, Any]] | None = None) -> Any:
    """A rule file's plain data: the case files' strict reader (no aliases, no tags, no
    ambiguous numbers, no repeated keys), with its first problem in English. ``known`` holds
    readings kept for the shipped files (name -> (SHA-256 of the bytes, data), see
    :mod:`res_rules._parsed`): one is taken only while the file's bytes still have its hash."""
    try:
        raw = read_bytes(path)
        entry = known.get(path.name) if known else None
        if entry is not None and entry[0] == hashlib.sha256(raw).hexdigest():
            return entry[1]
        return parse_text(raw.decode("utf-8"), file=str(path))
    except UnicodeDecodeError as exc:
        raise RuleFileError(str(path), "", f"not UTF-8 at offset {exc.start}") from None
    except CaseError as exc:
        raise RuleFileError(str(path), exc.path, exc.errors[0].describe("en")) from None


def _load(directory: Path) -> RuleSet:
    meta_path = directory / "ruleset.yaml"
    if not meta_path.is_file():
        raise RuleFileError(str(directory), "", "no ruleset.yaml: not a rule set folder")
    # The shipped folder's unchanged files are taken as read before (res_rules/_parsed.py;
    # imported here, so that `python -m res_rules._parsed` does not find itself imported).
    from . import _parsed

    read = functools.partial(read_rule_file,
                             known=_parsed.entries() if directory == default_rules_dir() else None)
    meta = _mapping(read(meta_path), str(meta_path), "")
    _known_keys(meta, ("name", "version", "documents", "actors", "labels"), str(meta_path), "")
    documents = {
        str(key): _document(directory, str(key), value, str(meta_path))
        for key, value in _mapping(meta.get("documents"), str(meta_path), "documents").items()
    }
    memo = documents.get(MEMO)
    if memo is None or memo.file is None:
        raise RuleFileError(str(meta_path), "documents",
                            "the memo must be listed as 'memo' with its text file")
    memo_text = (directory / memo.file).read_text(encoding="utf-8")
    labels = _labels(meta.get("labels"), str(meta_path))
    labels["actor"] = _actors(meta.get("actors"), str(meta_path), normalise(memo_text))
    _check_references(labels, str(meta_path))

    rule_files = sorted(p for p in directory.glob("*.yaml") if p.name != "ruleset.yaml")
    if not rule_files:
        raise RuleFileError(str(directory), "", "no rule files (*.yaml besides ruleset.yaml)")
    checker = _Checker(documents, labels, normalise(memo_text), read)
    rules: list[Rule] = []
    for path in rule_files:
        rules.extend(checker.file(path))
    # The rule set lists rules by topic (law, grounds, procedure, competence, actions), then in
    # file order: the order of explanations, catalogues and rule lists.
    rules.sort(key=lambda r: TOPICS.index(r.topic))
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleFileError(rule.file, rule.id,
                                f"rule id {rule.id!r} is also used in {seen[rule.id]}")
        seen[rule.id] = rule.file
    regimes = _regimes(rules, labels)

    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()
                       and (p.suffix in (".yaml", ".txt"))):
        name = str(path.relative_to(directory))
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return RuleSet(
        name=_text(meta, "name", str(meta_path), ""),
        version=str(meta.get("version", "")),
        rules=tuple(rules),
        documents=documents,
        labels=labels,
        memo_text=memo_text,
        fingerprint=digest.hexdigest(),
        directory=str(directory),
        regimes=regimes,
    )


def _document(directory: Path, key: str, value: Any, file: str) -> Document:
    where = f"documents.{key}"
    data = _mapping(value, file, where)
    _known_keys(data, ("title", "short", "file", "law", "bwbr", "version", "url", "articles"),
                file, where)
    title = _text(data, "title", file, where)
    short = str(data.get("short") or title)
    if "file" in data:
        name = _text(data, "file", file, where)
        if not (directory / name).is_file():
            raise RuleFileError(file, f"{where}.file", f"no such file {name!r} in the rule folder")
        return Document(key=key, title=title, short=short, file=name)
    fields: dict[str, str] = {}
    for name in ("law", "bwbr", "version", "url"):
        item = data.get(name)  # an unquoted version date reads as a date: str() is its ISO form
        if item is None or not str(item).strip():
            raise RuleFileError(file, f"{where}.{name}", "a law needs law, bwbr, version and url")
        fields[name] = str(item)
    articles: dict[str, Article] = {}
    for number, name in _mapping(data.get("articles"), file, f"{where}.articles").items():
        at = f"{where}.articles.{number}"
        if not isinstance(name, str):
            raise RuleFileError(file, at, f"expected a file name, got {name!r}")
        articles[str(number)] = _article(directory / name, str(number), fields, file, at)
    if not articles:
        raise RuleFileError(file, f"{where}.articles", "a law needs at least one article text")
    return Document(key=key, title=title, short=short, articles=articles, **fields)


def _article(path: Path, number: str, law: Mapping[str, str], file: str, where: str) -> Article:
    """An article text as shipped: header lines (``key: value``), a blank line, the text."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(file, where, f"cannot read {path}: {exc}") from None
    head, _, body = raw.partition("\n\n")
    header = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    if law["bwbr"] not in header.get("law", "") or header.get("version") != law["version"]:
        raise RuleFileError(str(path), "", f"the header names {header.get('law')!r} version "
                            f"{header.get('version')!r}, the rule set {law['bwbr']} version "
                            f"{law['version']}")
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    if not paragraphs or not paragraphs[0].startswith("Artikel " + number):
        raise RuleFileError(str(path), "", f"expected the text of Artikel {number}")
    leden: dict[str, str] = {}
    onderdelen: dict[tuple[str, str], str] = {}
    for paragraph in paragraphs[1:]:
        match = re.match(r"([0-9]+) ", paragraph)
        if not match:
            continue
        lid = match.group(1)
        leden[lid] = normalise(paragraph)
        for line in paragraph.splitlines()[1:]:
            sub = re.match(r"([a-z]+)\. ", line)
            if sub:
                onderdelen[(lid, sub.group(1))] = normalise(line)
    return Article(number=number, text=normalise(body), leden=leden, onderdelen=onderdelen,
                   file=str(path))


def _regimes(rules: list[Rule], labels: Mapping[str, Any]) -> dict[str, Regime]:
    """Each regime's period, read from the condition on the reference date of its rule."""
    found: list[Regime] = []
    for rule in rules:
        for conclusion in rule.then:
            if conclusion.get("type") != "regime":
                continue
            low: dt.date | None = None
            high: dt.date | None = None
            for op, value in _date_bounds(rule.when):
                day = _day(value, rule)
                if op in ("$gte", "$gt"):
                    low = day + dt.timedelta(days=1) if op == "$gt" else day
                else:
                    high = day - dt.timedelta(days=1) if op == "$lt" else day
            found.append(Regime(id=str(conclusion["regime"]), valid_from=low, valid_until=high,
                                rule=rule.id))
    found.sort(key=lambda r: r.valid_from or dt.date.min)
    return {r.id: r for r in found}


def _date_bounds(when: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    def walk(expr: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(expr, dict):
            for key, operand in expr.items():
                if key in ("$and", "$or"):
                    for sub in operand:
                        yield from walk(sub)
                elif key in ("$lt", "$lte", "$gt", "$gte") and "reference_date" in operand:
                    yield key, operand["reference_date"]

    for items in when.values():
        for item in items:
            for condition in item.values():
                yield from walk(condition)


def _day(value: Any, rule: Rule) -> dt.date:
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return number_date(value)
    except ValueError:
        pass
    raise RuleFileError(rule.file, rule.id,
                        f"a reference_date must be a real day written YYYYMMDD, got {value!r}")


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


#: Keys a label may carry besides its Dutch and English words, per label group.
_LABEL_EXTRAS = {
    "recommendation": ("decided_by",),
    "action": ("actor",),
    "authority": ("nl_the", "en_the"),
}


def _labels(value: Any, file: str) -> dict[str, dict[str, dict[str, str]]]:
    result: dict[str, dict[str, dict[str, str]]] = {}
    for group, entries in _mapping(value, file, "labels").items():
        result[group] = {}
        extras = _LABEL_EXTRAS.get(str(group), ())
        for code, words in _mapping(entries, file, f"labels.{group}").items():
            where = f"labels.{group}.{code}"
            words = _mapping(words, file, where)
            _known_keys(words, (*LANGS, *extras), file, where)
            entry = {lang: _text(words, lang, file, where) for lang in LANGS}
            entry.update({k: _text(words, k, file, where) for k in extras if k in words})
            result[group][str(code)] = entry
    return result


def _actors(value: Any, file: str, memo: str) -> dict[str, dict[str, str]]:
    """Who acts: words in both languages and, where the memo names the role, its quote."""
    result: dict[str, dict[str, str]] = {}
    for code, words in _mapping(value, file, "actors").items():
        where = f"actors.{code}"
        words = _mapping(words, file, where)
        _known_keys(words, (*LANGS, "quote"), file, where)
        entry = {lang: _text(words, lang, file, where) for lang in LANGS}
        if "quote" in words:
            quote = normalise(_text(words, "quote", file, where))
            if quote not in memo:
                raise RuleFileError(file, f"{where}.quote",
                                    f"not found verbatim in the memo: {quote!r}")
            entry["quote"] = quote
        result[str(code)] = entry
    return result


def _check_references(labels: Mapping[str, Mapping[str, Mapping[str, str]]], file: str) -> None:
    """Every action names a known actor; every recommendation's deciding body is known."""
    for group, key in (("action", "actor"), ("recommendation", "decided_by")):
        for code, entry in labels.get(group, {}).items():
            actor = entry.get(key)
            if group == "action" and actor is None:
                raise RuleFileError(file, f"labels.action.{code}", "every action needs an actor")
            if actor is not None and actor not in labels["actor"]:
                raise RuleFileError(file, f"labels.{group}.{code}.{key}",
                                    f"expected one of the actors ({', '.join(labels['actor'])}), "
                                    f"got {actor!r}")


class _Checker:
    def __init__(self, documents: Mapping[str, Document],
                 labels: Mapping[str, Mapping[str, Any]], memo: str,
                 read: Callable[[Path], Any]) -> None:
        self.read = read
        self.documents = documents
        self.labels = labels
        self.memo = memo

    def file(self, path: Path) -> Iterator[Rule]:
        file = str(path)
        data = _mapping(self.read(path), file, "")
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
                                "every rule needs a source: the memo or a statute article, "
                                "with a verbatim quote")
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
                    then=conclusions, source=source, see_also=extra, file=file,
                    regimes=_regimes_of(when, conclusions))

    def source(self, value: Any, file: str, where: str) -> Source:
        data = _mapping(value, file, where)
        _known_keys(data, ("document", "quote", "citation"), file, where)
        key = data.get("document")
        if not isinstance(key, str) or key not in self.documents:
            raise RuleFileError(file, f"{where}.document",
                                f"expected one of {', '.join(self.documents)}, got {key!r}")
        document = self.documents[key]
        quote = data.get("quote")
        citation = data.get("citation")
        if not isinstance(quote, str) or not quote.strip():
            raise RuleFileError(file, f"{where}.quote", "every source needs a verbatim quote")
        if not document.is_law:
            if normalise(quote) not in self.memo:
                raise RuleFileError(file, f"{where}.quote",
                                    f"not found verbatim in the memo: {quote!r}")
        else:
            if not isinstance(citation, str) or not citation.strip():
                raise RuleFileError(file, f"{where}.citation",
                                    "a statute source needs a citation (art. N lid N sub x)")
            self.law_quote(document, citation, quote, file, where)
        return Source(document=key, title=document.title, quote=normalise(quote),
                      citation=citation if isinstance(citation, str) else None,
                      url=document.url, short=document.short)

    def law_quote(self, document: Document, citation: str, quote: str, file: str,
                  where: str) -> None:
        """The quote must stand in the cited article (lid, onderdeel) of this law version."""
        match = _CITATION.fullmatch(citation)
        if not match:
            raise RuleFileError(file, f"{where}.citation",
                                f"expected 'art. N' with an optional 'lid N' and 'sub x', "
                                f"got {citation!r}")
        article = document.articles.get(match.group("article"))
        if article is None:
            raise RuleFileError(file, f"{where}.citation",
                                f"{document.key} ships no text of art. {match.group('article')} "
                                f"(it has: {', '.join(document.articles)})")
        lid, sub = match.group("lid"), match.group("sub")
        text = article.text
        place = f"art. {article.number}"
        if lid is not None:
            if lid not in article.leden:
                raise RuleFileError(file, f"{where}.citation", f"{place} has no lid {lid}")
            text, place = article.leden[lid], f"{place} lid {lid}"
        if sub is not None:
            if (lid or "", sub) not in article.onderdelen:
                raise RuleFileError(file, f"{where}.citation", f"{place} has no onderdeel {sub}")
            text, place = article.onderdelen[(lid or "", sub)], f"{place} sub {sub}"
        if normalise(quote) not in text:
            raise RuleFileError(file, f"{where}.quote",
                                f"not found verbatim in {document.key} {place}: {quote!r}")

    def condition(self, when: Mapping[str, Any], file: str, where: str) -> dict[str, str]:
        """Check a condition; the aliases it binds, each with the type of fact it matches."""
        if len(when) != 1 or next(iter(when)) not in ("all", "any"):
            raise RuleFileError(file, where, "expected exactly one of 'all' or 'any'")
        kind = next(iter(when))
        items = when[kind]
        if not isinstance(items, list) or not items:
            raise RuleFileError(file, f"{where}.{kind}", "expected a non-empty list")
        aliases: dict[str, str] = {}
        for index, item in enumerate(items):
            at = f"{where}.{kind}[{index}]"
            if not isinstance(item, dict) or len(item) != 1:
                raise RuleFileError(file, at, "expected one 'alias: condition' pair")
            alias, expression = next(iter(item.items()))
            if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or alias in aliases:
                raise RuleFileError(file, at, f"expected a new lower-case alias, got {alias!r}")
            fact_type = fact_type_of(expression)
            if fact_type is None or fact_type not in ALL_FACTS:
                raise RuleFileError(file, f"{at}.{alias}",
                                    f"a condition must test 'type' against a fact type "
                                    f"({', '.join(ALL_FACTS)}), got {fact_type!r}")
            self.expression(expression, aliases, ALL_FACTS[fact_type], file, f"{at}.{alias}")
            aliases[alias] = fact_type
        return aliases

    def field(self, name: str, fields: Mapping[str, Any], file: str, where: str) -> None:
        if name in _RESERVED_FIELDS or name not in {"type", *fields}:
            raise RuleFileError(file, where,
                                f"no fact of this type has a field {name!r}; it has: "
                                f"{', '.join(fields)}")

    def expression(self, value: Any, earlier: Mapping[str, str], fields: Mapping[str, Any],
                   file: str, where: str) -> None:
        if not isinstance(value, dict) or not value:
            raise RuleFileError(file, where, f"expected a condition mapping, got {value!r}")
        for key, operand in value.items():
            if not isinstance(key, str):
                raise RuleFileError(file, where, f"expected a field name, got {key!r}")
            if key in ("$and", "$or"):
                if not isinstance(operand, list) or not operand:
                    raise RuleFileError(file, f"{where}.{key}", "expected a non-empty list")
                for i, sub in enumerate(operand):
                    self.expression(sub, earlier, fields, file, f"{where}.{key}[{i}]")
            elif key.startswith("$"):
                if key not in _OPERATORS:
                    raise RuleFileError(file, f"{where}.{key}",
                                        "not a durable-rules operator; known: "
                                        + ", ".join(sorted(_OPERATORS)))
                if not isinstance(operand, dict) or len(operand) != 1:
                    raise RuleFileError(file, f"{where}.{key}", "expected {field: value}")
                ((name, item),) = operand.items()
                self.field(str(name), fields, file, f"{where}.{key}.{name}")
                self.operand(item, earlier, file, f"{where}.{key}")
            else:
                self.field(key, fields, file, f"{where}.{key}")
                self.operand(operand, earlier, file, f"{where}.{key}")

    def operand(self, value: Any, earlier: Mapping[str, str], file: str, where: str) -> None:
        if isinstance(value, dict):  # a reference to a field of an earlier fact: {alias: field}
            if len(value) != 1 or next(iter(value)) not in earlier:
                raise RuleFileError(file, where,
                                    f"a reference must name an earlier alias ({list(earlier)}), "
                                    f"got {value!r}")
            ((alias, name),) = value.items()
            self.field(str(name), ALL_FACTS[earlier[alias]], file, where)
        elif isinstance(value, float) and not math.isfinite(value):
            raise RuleFileError(file, where, f"expected a finite number, got {value!r}")
        elif not (value is None or isinstance(value, str | int | float | bool)):
            raise RuleFileError(file, where, f"expected a plain value, got {value!r}")

    def conclusion(self, value: Any, aliases: Mapping[str, str], file: str,
                   where: str) -> Mapping[str, Any]:
        data = _mapping(value, file, where)
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in CONCLUSIONS:
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
                self.field(match.group(2), ALL_FACTS[aliases[match.group(1)]], file,
                           f"{where}.{key}")
                continue
            group = _LABELLED.get((kind, key))
            if group and item is not None and str(item) not in self.labels.get(group, {}):
                raise RuleFileError(file, f"{where}.{key}",
                                    f"{item!r} has no label in ruleset.yaml labels.{group}")
        # One key order for every conclusion (type first, then by name), however a rule file
        # writes it: equal conclusions are then equal item by item, cheaply.
        return {"type": kind, **{k: data[k] for k in sorted(data) if k != "type"}}


def fact_type_of(expression: Any) -> str | None:
    """The fact type a condition matches: its ``type`` literal, at the top or in an ``$and``."""
    if not isinstance(expression, dict):
        return None
    if isinstance(expression.get("type"), str):
        return str(expression["type"])
    for sub in expression.get("$and", []):
        found = fact_type_of(sub)
        if found:
            return found
    return None


def _regimes_of(when: Mapping[str, Any], then: tuple[Mapping[str, Any], ...]) -> tuple[str, ...]:
    """The regimes a rule tests (``regime: X``, also inside ``$or``) or concludes."""
    found: list[str] = [str(c["regime"]) for c in then if c.get("type") == "regime"]

    def walk(expr: Any) -> None:
        if isinstance(expr, dict):
            for key, operand in expr.items():
                if key in ("$and", "$or"):
                    for sub in operand:
                        walk(sub)
                elif key == "regime" and isinstance(operand, str):
                    found.append(operand)

    for items in when.values():
        for item in items:
            for condition in item.values():
                walk(condition)
    return tuple(dict.fromkeys(found))


def template_reference(value: Any) -> tuple[str, str] | None:
    """``(alias, field)`` when ``value`` is a ``$alias.field`` template, else ``None``."""
    match = _TEMPLATE.fullmatch(value) if isinstance(value, str) else None
    return (match.group(1), match.group(2)) if match else None


def substitute(template: Mapping[str, Any], bindings: Mapping[str, Mapping[str, Any]]
               ) -> dict[str, Any]:
    """A conclusion with its ``$alias.field`` templates filled from the matched facts."""
    result: dict[str, Any] = {}
    for key, item in template.items():
        match = _TEMPLATE.fullmatch(item) if isinstance(item, str) else None
        result[key] = bindings[match.group(1)].get(match.group(2)) if match else item
    return result
