"""The shipped rule files (and the report words) as their reader already read them: a start-up
saving, exact by design.

Reading the shipped rule files with the strict YAML reader (ruamel's pure-Python parser, then
our own scalar rules) takes about 0.2 s, half of every command's start-up and the one serial part
of a parallel JSONL batch. ``rules_parsed.json`` beside this module holds each shipped rule
file's data as :func:`res_rules._casefile.parse_text` returns it, under the SHA-256 of the file's
bytes. The loader takes an entry only for the default rule folder and only when the file's bytes
still have that hash; any other file, or an edited one, is read as before. So an entry can make
loading faster, never different: the rule set's fingerprint is still computed from the files,
and a test holds every entry to a fresh reading of its file (exact types included: a date is
not its ISO text, ``1`` is not ``1.0``).

The report words (``templates/words.yaml``) are read by the same reader and kept the same way,
under their file name; only the words' loader looks that entry up.

After changing a shipped rule file or the words, regenerate it (the test names the command)::

    python -m res_rules._parsed

JSON, not a pickle, so that a reviewer can read it and loading it can run no code. Plain JSON
cannot hold every value the reader gives, so two forms are tagged: a date is ``{"$date":
"2024-07-01"}``, and a mapping with a key that is not text, or that starts with ``$``, is
``{"$map": [[key, value], ...]}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Where the shipped rule files' data is kept.
PATH = Path(__file__).with_name("rules_parsed.json")
#: Raised when the reader's output changes form; an entry of another format is not used.
FORMAT = 1


def encode(value: Any) -> Any:
    """``value`` (what the reader gives) as plain JSON data, tagged where JSON is not enough."""
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"the rule reader gave a {type(value).__name__}, which {PATH.name} cannot "
                    f"hold: {value!r}")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$date" in obj:
            return dt.date.fromisoformat(obj["$date"])
        if "$map" in obj:  # the keys were untagged already: json decodes inside out
            return dict(obj["$map"])
    return obj


def decode(text: str) -> dict[str, tuple[str, Any]]:
    """The entries of a ``rules_parsed.json`` text: file name -> (SHA-256, data); empty when
    the text is of another format."""
    whole = json.loads(text, object_hook=_untag)
    if not isinstance(whole, Mapping) or whole.get("format") != FORMAT:
        return {}
    return {name: (entry["sha256"], entry["data"]) for name, entry in whole["files"].items()}


def entries() -> dict[str, tuple[str, Any]]:
    """The shipped entries; empty when the file is missing or unreadable in any way (every
    file is then read from its YAML): a faster start is never worth a failing one."""
    try:
        return decode(PATH.read_text(encoding="utf-8"))
    except Exception:  # bad JSON, a wrong shape, nesting too deep, no file
        return {}


def kept_files(directory: Path) -> list[Path]:
    """The files whose readings are kept: every YAML file in the rule folder ``directory``, and
    the report words (``templates/words.yaml``, read by the same reader)."""
    from ._words import WORDS_PATH

    return [*sorted(directory.glob("*.yaml")), WORDS_PATH]


def snapshot(directory: Path) -> str:
    """The ``rules_parsed.json`` text for the files :func:`kept_files` names."""
    from ._rules import read_rule_file  # the loader imports this module

    files = {}
    for path in kept_files(directory):
        files[path.name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                            "data": encode(read_rule_file(path))}
    return json.dumps({"format": FORMAT, "files": files}, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    """Write ``rules_parsed.json`` for the default rule folder."""
    from ._rules import default_rules_dir

    directory = default_rules_dir()
    PATH.write_text(snapshot(directory), encoding="utf-8")
    print(f"wrote {PATH} from {directory}", file=sys.stderr)


if __name__ == "__main__":
    main()
