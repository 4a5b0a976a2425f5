"""The interface's translations without Qt, so that `classify --pdf --lang zh_CN` writes the same
report as the window does in Chinese.

The window's words live in one translation source (`gui/i18n/covidxray_LANG.ts`, the file Qt's
tools compile); this reads it as the XML it is. The core's sentences (refusals, reading errors,
verdicts) are translated by matching them against the templates of the context "Messages",
the same templates the window matches.
"""
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "gui" / "i18n"
_FIELDS = re.compile(r"\{(\w+)\}")


def available() -> list:
    return ["en"] + sorted({p.stem.split("_", 1)[1] for p in FOLDER.glob("covidxray_*.ts")} - {"en"})


def require(language: str | None) -> None:
    """A language the reports can be written in, or UsageError naming those that can."""
    from covidxray_desktop.errors import UsageError

    if language and language.split("_")[0].lower() != "en" and language not in available():
        raise UsageError(f"--lang {language}: no translation of that language; available: {', '.join(available())}")


@lru_cache(maxsize=4)
def catalogue(language: str | None) -> dict:
    """(context, source) -> translation; empty for English or an unknown language."""
    if not language or language.split("_")[0].lower() == "en":
        return {}
    path = FOLDER / f"covidxray_{language}.ts"
    if not path.is_file():
        return {}
    out = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            source, translation = message.find("source"), message.find("translation")
            if source is None or translation is None or translation.get("type") in ("unfinished", "obsolete"):
                continue
            text = translation.text or translation.findtext("numerusform", "")
            if text:
                out[(name, source.text or "")] = text
    return out


def translator(language: str | None, context: str):
    """A function translating the words of `context` (the text itself when there is no translation)."""
    table = catalogue(language)
    return lambda text: table.get((context, text), text)


def _pattern(template: str) -> re.Pattern:
    parts, last = [], 0
    for m in _FIELDS.finditer(template):
        parts.append(re.escape(template[last:m.start()]))
        parts.append(f"(?P<{m.group(1)}>[^ ]+?)" if m.group(1) in ("metric", "n") else f"(?P<{m.group(1)}>.+?)")
        last = m.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts) + r"\Z", re.S)


def translate_message(message: str, templates, lookup) -> str:
    """`message` (a core sentence) through the first template that matches it, its inner sentences too.

    `templates`: the English templates; `lookup`: template -> its translation."""
    if not message:
        return ""
    for template in templates:
        m = _compiled(template).match(message)
        if m is None:
            continue
        fields = {k: (translate_message(v, templates, lookup) if k in ("reason", "kind", "metric", "films", "rule") else
                      "; ".join(translate_message(part, templates, lookup) for part in v.split("; "))
                      if k == "parts" else v)
                  for k, v in m.groupdict().items()}
        try:
            return lookup(template).format(**fields)
        except (KeyError, IndexError, ValueError):  # a translation that lost a field: the original
            return message
    return message


@lru_cache(maxsize=512)
def _compiled(template: str) -> re.Pattern:
    return _pattern(template)


def message_translator(language: str | None):
    """The core's sentences in `language`, by the templates of the context "Messages"."""
    table = catalogue(language)
    templates = [source for (context, source) in table if context == "Messages"]
    if not templates:
        return lambda text: text
    return lambda text: translate_message(text, templates, lambda t: table.get(("Messages", t), t))
