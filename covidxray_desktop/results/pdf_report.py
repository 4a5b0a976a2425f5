"""The PDF report a clinician takes away: a summary page, then one page per film.

Each film page shows the film as wide as the page allows, its heat map with a colour bar and what
the colours mean, the answer with P(COVID) and the operating point and threshold that made it
(or why the film was refused), the model that produced that result with that model's own test metrics, patient ID and
study date, and on every page the report date, page numbers and the research-use notice. The same
function serves `classify --pdf`, `history --pdf` and the window (which passes its language).
"""
import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop.files import display_name, display_path, is_stream, replace_atomic, write_output
from covidxray_desktop.model import operating
from covidxray_desktop.model.calibration import probability
from covidxray_desktop.model.shift import ALPHA
from covidxray_desktop.results import study_day
from covidxray_desktop.results.pdf_page import Fonts, Page, identity, numbered_canvas, page_size
from covidxray_desktop.results.pdf_words import answer_text, label_text, limits_text, metrics_text, point_name

FILM_SIDE = 1200  # pixels of the film embedded per page (~200 dpi across an A4 page)
COMPACT = 6  # films a page in the compact report (2 x 3)
__all__ = ["write", "page_size", "identity"]

def write(path, results, models: dict | None = None, threshold=None, anonymise: bool = False,
          summary: dict | None = None, tr=identity, message_tr=identity, country: str | None = None,
          stopped=lambda: False, progress=lambda done, total: None, compact: bool = False,
          decode_limit_s: float | None = 30.0, point=None) -> int:
    """Write the report atomically; returns the number of films it shows.

    `threshold` and its `point` (balanced, screening, custom...): None (each result's own), a value,
    or a function of the result; `models`:
    the store's model hash -> {ident, threshold, metrics}; `tr`/`message_tr`: the interface's
    language for the report's words and for the core's sentences (results/language.py gives them
    without Qt); `progress(done, total)` after each film; `compact`: COMPACT films a page, each
    with its heat map and answer, instead of a page per film (for batches of hundreds);
    `decode_limit_s`: films without pixels are decoded again in a worker process, abandoned after
    this long (None: in this process, no limit), as classify decodes them."""
    from covidxray_desktop.imaging.isolate import Isolated
    from covidxray_desktop.prepare import film

    results = list(results)
    models = models or {}
    chosen = threshold if callable(threshold) else (lambda _r: threshold)
    named = point if callable(point) else (lambda _r: point)

    def thresholds(r):
        t = chosen(r)
        return r.threshold if t is None else t

    def points(r) -> str:
        name = named(r)
        return r.operating_point if name is None else name
    path = Path(path)
    size = page_size(country)
    # A pipe or a device (/dev/stdout) is written as it is: a file renamed onto it would replace it.
    stream = is_stream(path)
    fd, tmp = tempfile.mkstemp(suffix=".pdf", dir=None if stream else path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    films = Isolated(film, decode_limit_s) if decode_limit_s else film  # no process until a film needs one
    try:
        c = numbered_canvas(tmp, size)
        c.setTitle(tr("Chest X-ray report"))
        c.setAuthor("covidxray")
        c.setCreator("covidxray")
        page = Page(c, size, Fonts(), tr)
        titles = _titles(results, anonymise)
        _summary(page, results, titles, models, thresholds, points, summary, message_tr)
        for i, result in enumerate(results, 1):
            if stopped():
                raise InterruptedError("the report was stopped")
            info, t = models.get(result.model_hash, {}), thresholds(result)
            if compact:
                _compact_cell(page, i, len(results), result, titles[i - 1], info, t, points(result), anonymise,
                              message_tr, films)
            else:
                _film_page(page, i, result, titles[i - 1], info, t, points(result), anonymise, message_tr, films)
            progress(i, len(results))
        if compact and results and (len(results) % COMPACT):
            page.end()
        c.save()
        if stream:
            write_output(path, Path(tmp).read_bytes())
        else:
            replace_atomic(tmp, path)
    finally:
        if isinstance(films, Isolated):
            films.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(results)


def _titles(results, anonymise: bool) -> list:
    """What each film is called: its file name, and where two films share one (IM000001 of two
    patients' folders), as many of its folders as tell them apart. Anonymised: the name alone, the
    film's number telling them apart (folder names can carry a patient's)."""
    names = [r.name for r in results]
    if anonymise:
        return names
    by_name = defaultdict(list)
    for k, r in enumerate(results):
        by_name[names[k]].append(k)
    shown = list(names)
    for same in by_name.values():
        parts = {k: Path(display_path(results[k].path)).parts for k in same}
        films = len({parts[k] for k in same})  # one film's rows (two models') share one title
        if films < 2:
            continue
        deepest = max(len(p) for p in parts.values())
        for depth in range(2, deepest + 1):
            tails = {k: str(Path(*parts[k][-depth:])) for k in same}
            if len(set(tails.values())) == films or depth == deepest:
                for k, tail in tails.items():
                    shown[k] = tail
                break
    return shown


def _summary(page, results, titles, models, thresholds, points, summary, message_tr) -> None:
    tr = page.tr
    y = page.start(tr("Chest X-ray report: summary"))
    labels = [r.label(thresholds(r)) for r in results]
    covid, normal = labels.count("covid"), labels.count("normal")
    refused = sum(r.status == "rejected" for r in results)
    errors = sum(r.status == "error" for r in results)
    counts = (tr("{0} film: {1} COVID-19, {2} Normal, {3} refused, {4} unreadable.") if len(results) == 1 else
              tr("{0} films: {1} COVID-19, {2} Normal, {3} refused, {4} unreadable."))
    y = page.text(page.margin, y, counts.format(len(results), covid, normal, refused, errors), size=12, bold=True)
    y -= 4
    used = sorted({r.model_hash for r in results if r.model_hash}, key=lambda h: models.get(h, {}).get("ident", h))
    for h in used:
        info = models.get(h, {})
        mine = [r for r in results if r.model_hash == h]
        shown = {(points(r), round(t, 4)) for r in mine if (t := thresholds(r)) is not None}
        own = info.get("threshold")
        chosen = "; ".join(tr("{0}, threshold {1:.3f}").format(point_name(tr, name), t) if name else f"{t:.3f}"
                           for name, t in sorted(shown, key=lambda nt: nt[1])) or "-"
        named = {name for name, _t in shown}  # one point: its figures; several: the model's default's
        line = (tr("Model {0}: {1} film at operating point {2} (its default threshold: {3}); {4}") if len(mine) == 1
                else tr("Model {0}: {1} films at operating point {2} (its default threshold: {3}); {4}"))
        y = page.text(page.margin, y, line.format(info.get("ident") or mine[0].model or h[:12], len(mine), chosen,
                                                  "-" if own is None else f"{own:.3f}",
                                                  metrics_text(tr, info, named.pop() if len(named) == 1 else None)),
                      size=10)
    own = (models.get(used[0], {}).get("metrics") or {}) if len(used) == 1 else {}
    where = own.get("where") == "site_check" if len(used) == 1 else None  # None: several models, each its own
    y = page.text(page.margin, y - 2, limits_text(tr, own.get("other_pneumonias"), where), size=9)
    batches = summary if isinstance(summary, list) else [summary or {}]
    for one in batches:
        shift = one.get("shift") or {}
        if not shift.get("tested"):
            continue
        y -= 2
        # The p-value says nothing to a reader without what it is and where the warning starts.
        p_value = float(shift["p_value"])
        numbers = ("< 0.001" if p_value < 0.001 else f"= {p_value:.3g}", f"{ALPHA:g}")
        if shift.get("detected"):
            said = tr("(batch shift test: p {0}; it warns below {1})").format(*numbers)
            text = f"{message_tr(shift['message'])} {said}"
        else:
            text = tr("No shift warning: the films resemble those the model was tested on (batch shift test: p {0}; "
                      "it warns below {1}). That does not say its answers are right.").format(*numbers)
        if one.get("name") and len(batches) > 1 and len(used) > 1:  # "this model" is the batch's: named
            ident = models.get(one.get("model_hash"), {}).get("ident") or (one.get("model_hash") or "?")[:12]
            text = tr("Batch {0} (model {1}): {2}").format(one["name"], ident, text)
        elif one.get("name") and len(batches) > 1:
            text = tr("Batch {0}: {1}").format(one["name"], text)
        y = page.text(page.margin, y, text, size=10, bold=shift.get("detected"),
                      colour=(0.7, 0.1, 0.05) if shift.get("detected") else (0, 0, 0))
    page.y = y - 16  # the table header is drawn on its baseline: room for its height
    _film_list(page, results, titles, models, thresholds, len(used) > 1)
    page.end()


def _film_list(page, results, titles, models, thresholds, several_models: bool) -> None:
    """Every film, one line each; with a Model column when more than one model ran."""
    tr, f, m = page.tr, page.fonts, page.margin
    y = page.y
    width = page.w - 2 * m
    film_w = width - 230 - (110 if several_models else 0)
    columns = [m, m + film_w + 8, m + film_w + 88, m + film_w + 140] + ([m + film_w + 205] if several_models else [])
    heads = [tr("Film"), tr("Result"), "P(COVID)", tr("Status")] + ([tr("Model")] if several_models else [])
    rows = list(enumerate(zip(results, titles), 1))
    first = True
    while rows:
        if not first:
            page.end()
            y = page.start(tr("Chest X-ray report: summary (continued)"))
        for x, head in zip(columns, heads):
            f.draw(page.c, x, y, head, 9, True)
        y -= 14
        fit = int((y - m) // 13)
        fit = max(fit, 1)  # at least one row a page, however tall what came before
        if len(rows) - fit == 1 and fit > 2:  # never one film alone under a "(continued)" heading
            fit -= 1
        for i, (r, title) in rows[:fit]:
            label = r.label(thresholds(r))
            cells = [f.fit(f"{i}. {title}", film_w, 9),
                     label_text(tr, label) if r.status == "ok" else "-",
                     probability(r.p_covid) if r.status == "ok" and r.p_covid is not None else "",
                     {"ok": tr("ok"), "rejected": tr("refused"), "error": tr("error")}.get(r.status, r.status)]
            if several_models:
                ident = models.get(r.model_hash, {}).get("ident") or r.model or "-"
                cells.append(f.fit(ident, page.w - m - columns[4], 9))
            for x, cell in zip(columns, cells):
                f.draw(page.c, x, y, cell, 9)
            y -= 13
        rows = rows[fit:]
        first = False


def _film_page(page, i, result, title, info, threshold, point, anonymise, message_tr, films) -> None:
    from reportlab.lib.utils import ImageReader

    from covidxray_desktop.model import cam

    tr = page.tr
    y = page.start(f"{i}. {title}")  # its number in the summary's list; anonymised, a file name, never a path
    m, width = page.margin, page.w - 2 * page.margin
    pixels, problem = None, ""
    try:  # an unreadable file's page says why once, below, not a second time here
        pixels = (result.pixels if result.pixels is not None else
                  None if result.status == "error" else films(result.path, FILM_SIDE, result.sha256))
    except Exception as exc:
        problem = tr("The film could not be read again for this page: {0}").format(
            message_tr(str(exc)) if not anonymise else type(exc).__name__)
    label = result.label(threshold)
    if pixels is not None:
        h, w = pixels.shape
        film_h = min(width * h / w, page.h * 0.5)
        film_w = film_h * w / h
        film = Image.fromarray((np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8), "L")
        scale = min(1.0, FILM_SIDE / max(h, w))
        film = film.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)
        page.c.drawImage(ImageReader(_png(film)), m + (width - film_w) / 2, y - film_h, film_w, film_h)
        y -= film_h + 12
    elif problem:
        y = page.text(m, y, problem, size=11, colour=(0.6, 0.1, 0.05)) - 6
    left_w = width * 0.42
    top = y
    if pixels is not None and result.status == "ok" and result.heat is not None:
        h, w = pixels.shape
        small = np.asarray(Image.fromarray(np.ascontiguousarray(pixels, np.float32)).resize(
            (max(1, round(w * 512 / max(h, w))), max(1, round(h * 512 / max(h, w)))), Image.BILINEAR))
        signed, _ = cam.signed_map(result.heat, small.shape, label, result.p_covid, threshold, share=False)
        heat_h = min(left_w * small.shape[0] / small.shape[1], y - page.margin - 70)
        heat_w = heat_h * small.shape[1] / small.shape[0]
        page.c.drawImage(ImageReader(_png(Image.fromarray(cam.blend(small, signed, 0.55), "RGB"))),
                         m, y - heat_h, heat_w, heat_h)
        by = y - heat_h - 14
        page.c.drawImage(ImageReader(_png(cam.colour_bar(256, 12))), m, by, heat_w, 8)
        page.fonts.draw(page.c, m, by - 10, tr("Normal"), 8)
        page.fonts.draw(page.c, m + heat_w, by - 10, tr("COVID-19"), 8, right=True)
        page.text(m, by - 22, tr("Where the model found evidence: orange for COVID-19, blue for Normal. "
                                 "Its answer: {0}.").format(label_text(tr, label)), size=8, width=heat_w)
    x = m + left_w + 14 if result.status == "ok" and result.heat is not None else m
    text_w = page.w - page.margin - x
    y = top
    if result.status == "ok":
        colour = (0.75, 0.15, 0.1) if label == "covid" else (0.1, 0.45, 0.2)
        y = page.text(x, y, label_text(tr, label), size=20, bold=True, colour=colour, width=text_w) - 2
        y = page.text(x, y, answer_text(tr, result.p_covid, threshold, point), size=11, width=text_w)
        if operating.close(result.p_covid, threshold):
            y = page.text(x, y, tr("Close to the threshold: read this film yourself."), size=10, bold=True,
                          width=text_w, colour=(0.6, 0.35, 0))
        own = info.get("threshold", result.threshold)  # the model's default point's
        if threshold is not None and own is not None and abs(threshold - own) > 1e-6:
            y = page.text(x, y, tr("(the model's own threshold is {0:.3f})").format(own), size=9, width=text_w)
        outside = cam.share_at(result, threshold)  # at the threshold that labels it here
        if outside is not None and outside >= cam.OUTSIDE_WARN:  # the map: lungs only
            y = page.text(x, y, tr("Most of the evidence for this answer ({0:.0%}) lies outside the lung fields, where "
                                   "the map is not drawn: the answer may rest on something else there.").format(
                outside), size=9, width=text_w, colour=(0.6, 0.35, 0))
    else:
        y = page.text(x, y, tr("No prediction") if result.status == "rejected" else tr("Not readable"), size=18,
                      bold=True, colour=(0.6, 0.35, 0), width=text_w) - 2
        y = page.text(x, y, message_tr(_anonymous(result, anonymise)), size=10, width=text_w)
    y -= 6
    if not anonymise and (result.patient_id or result.study_date):
        y = page.text(x, y, tr("Patient ID: {0}    Study date: {1}").format(
            result.patient_id or "-", study_day(result.study_date) or "-"), size=10, width=text_w)
    if not anonymise:
        y = page.text(x, y, display_path(Path(result.path).parent), size=8, width=text_w, colour=(0.35, 0.35, 0.35))
    y -= 4
    y = page.text(x, y, tr("Model {0}").format(result.model or "-"), size=9, bold=True, width=text_w)
    y = page.text(x, y, metrics_text(tr, info, point), size=9, width=text_w)
    page.text(x, y, tr("Recorded {0}").format(result.created_at.replace("T", " ")), size=8, width=text_w,
              colour=(0.35, 0.35, 0.35))
    page.end()


def _compact_cell(page, i, total, result, title, info, threshold, point, anonymise, message_tr, films) -> None:
    """One of COMPACT films on a page: the film with its heat map, the answer, P(COVID), the model."""
    from reportlab.lib.utils import ImageReader

    from covidxray_desktop.imaging import DECODE_SIDE
    from covidxray_desktop.model import cam

    tr, f, m = page.tr, page.fonts, page.margin
    slot = (i - 1) % COMPACT
    if slot == 0:
        page.y = page.start(tr("Chest X-ray report: films {0}-{1}").format(i, min(i + COMPACT - 1, total)))
    cols, rows = 2, COMPACT // 2
    cell_w = (page.w - 2 * m) / cols
    cell_h = (page.y - m - 10) / rows
    x = m + (slot % cols) * cell_w
    top = page.y - (slot // cols) * cell_h
    side = min(cell_w * 0.58, cell_h - 12)
    label = result.label(threshold)
    try:
        pixels = result.pixels if result.pixels is not None else films(result.path, DECODE_SIDE, result.sha256)
        h, w = pixels.shape
        scale = 384 / max(h, w)
        small = np.asarray(Image.fromarray(np.ascontiguousarray(pixels, np.float32)).resize(
            (max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR))
        if result.status == "ok" and result.heat is not None:
            signed, _ = cam.signed_map(result.heat, small.shape, label, result.p_covid, threshold, share=False)
            picture = Image.fromarray(cam.blend(small, signed, 0.55), "RGB")
        else:
            picture = Image.fromarray((np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8), "L")
        pw, ph = (side, side * h / w) if w >= h else (side * w / h, side)
        page.c.drawImage(ImageReader(_png(picture)), x, top - ph, pw, ph)
    except Exception:  # the film is gone or unreadable now: its row's words still print
        pass
    tx, tw = x + side + 8, cell_w - side - 16
    # The name over up to three lines, cut in its middle only beyond that: "Nor…-9892.jpg" hid which film.
    y = page.text(tx, top, f.fit(f"{i}. {title}", 2.6 * tw, 9, True), size=9, bold=True, width=tw) - 2
    if result.status == "ok":
        colour = (0.75, 0.15, 0.1) if label == "covid" else (0.1, 0.45, 0.2)
        y = page.text(tx, y, label_text(tr, label), size=13, bold=True, colour=colour, width=tw) - 1
        y = page.text(tx, y, answer_text(tr, result.p_covid, threshold, point), size=8, width=tw)
        if operating.close(result.p_covid, threshold):  # as on a film's own page
            y = page.text(tx, y, tr("Close to the threshold: read this film yourself."), size=8, bold=True,
                          width=tw, colour=(0.6, 0.35, 0))
    else:
        y = page.text(tx, y, tr("No prediction") if result.status == "rejected" else tr("Not readable"), size=11,
                      bold=True, colour=(0.6, 0.35, 0), width=tw) - 1
        y = page.text(tx, y, message_tr(_anonymous(result, anonymise)), size=7, width=tw)
    page.text(tx, y - 2, tr("Model {0}").format(result.model or "-"), size=7, width=tw, colour=(0.35, 0.35, 0.35))
    if slot == COMPACT - 1:
        page.end()


def _anonymous(result, anonymise: bool) -> str:
    message = result.message or ""
    return message.replace(display_name(result.path), "the file") if anonymise else message


def _png(image: Image.Image) -> io.BytesIO:
    """A picture for the page: PNG for small graphics, high-quality JPEG for films (a tenth the size)."""
    buf = io.BytesIO()
    if min(image.size) > 64:
        image.save(buf, "JPEG", quality=90)
    else:
        image.save(buf, "PNG", compress_level=3)
    buf.seek(0)
    return buf
