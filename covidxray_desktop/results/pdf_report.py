"""The PDF report a clinician takes away: a summary page, then one page per film.

Each film page shows the film as wide as the page allows, its heat map with a colour bar and what
the colours mean, the answer with P(COVID) and the threshold that made it (or why the film was
refused), the model that produced that result with that model's own test metrics, patient ID and
study date, and on every page the report date, page numbers and the research-use notice. The same
function serves `classify --pdf`, `history --pdf` and the window (which passes its language).
"""
import datetime as dt
import io
import locale
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop import DISCLAIMER
from covidxray_desktop.files import display_name, display_path, replace_atomic

LETTER_COUNTRIES = {"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "PR", "CR", "PA", "DO", "SV", "NI"}
FILM_SIDE = 1200  # pixels of the film embedded per page (~200 dpi across an A4 page)


def page_size(country: str | None = None):
    """Letter where the locale's country uses it, else A4."""
    from reportlab.lib.pagesizes import A4, LETTER

    if country is None:
        code = (locale.getlocale()[0] or os.environ.get("LANG", "")).split(".")[0]
        country = code.split("_")[-1].upper() if "_" in code else ""
    return LETTER if country.upper() in LETTER_COUNTRIES else A4


def identity(text: str) -> str:
    return text


class Fonts:
    def __init__(self, cjk: bool):
        from reportlab.pdfbase import pdfmetrics

        self.regular, self.bold = "Helvetica", "Helvetica-Bold"
        if cjk:
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # a PDF viewer's own Chinese font
            self.regular = self.bold = "STSong-Light"


def write(path, results, models: dict | None = None, threshold=None, anonymise: bool = False,
          summary: dict | None = None, tr=identity, message_tr=identity, country: str | None = None,
          cjk: bool = False, stopped=lambda: False, decode_limit_s: float | None = 30.0) -> int:
    """Write the report atomically; returns the number of film pages.

    `threshold`: None (each result's own model's), a number, or a function of the result; `models`:
    the store's model hash -> {ident, threshold, metrics}; `tr`/`message_tr`: the interface's
    language for the report's words and for the core's sentences; `cjk`: use a Chinese font;
    `decode_limit_s`: films without pixels are decoded again in a worker process, abandoned after
    this long (None: in this process, no limit), as classify decodes them."""
    from reportlab.pdfgen import canvas

    from covidxray_desktop.imaging.isolate import Isolated
    from covidxray_desktop.prepare import film

    results = list(results)
    models = models or {}
    chosen = threshold if callable(threshold) else (lambda _r: threshold)

    def thresholds(r):
        t = chosen(r)
        return r.threshold if t is None else t
    path = Path(path)
    fonts = Fonts(cjk)
    size = page_size(country)
    fd, tmp = tempfile.mkstemp(suffix=".pdf", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    films = Isolated(film, decode_limit_s) if decode_limit_s else film  # no process until a film needs one
    try:
        c = canvas.Canvas(tmp, pagesize=size, pageCompression=1)
        c.setTitle(tr("Chest X-ray report"))
        c.setAuthor("covidxray")
        c.setCreator("covidxray")
        page = Page(c, size, fonts, tr, len(results) + _summary_pages(len(results)))
        _summary(page, results, models, thresholds, summary, anonymise, message_tr)
        for i, result in enumerate(results, 1):
            if stopped():
                raise InterruptedError("the report was stopped")
            _film_page(page, i, result, models.get(result.model_hash, {}), thresholds(result), anonymise, message_tr,
                       films)
        c.save()
        replace_atomic(tmp, path)
    finally:
        if isinstance(films, Isolated):
            films.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(results)


ROWS_FIRST, ROWS_NEXT = 36, 52  # films listed on the summary page, and on each continuation page


def _summary_pages(n: int) -> int:
    return 1 + max(0, -(-(n - ROWS_FIRST) // ROWS_NEXT))


class Page:
    """Page furniture: header, footer with notice and page numbers, text helpers."""

    def __init__(self, c, size, fonts, tr, total):
        self.c, (self.w, self.h), self.fonts, self.tr, self.total = c, size, fonts, tr, total
        self.margin = 42
        self.number = 0
        self.today = dt.date.today().isoformat()

    def start(self, title: str) -> float:
        self.number += 1
        c, m = self.c, self.margin
        c.setFont(self.fonts.bold, 15)
        c.drawString(m, self.h - m - 6, title[:80])
        c.setFont(self.fonts.regular, 9)
        c.drawRightString(self.w - m, self.h - m - 6, self.tr("Report of {0}").format(self.today))
        c.setLineWidth(0.5)
        c.line(m, self.h - m - 14, self.w - m, self.h - m - 14)
        c.setFont(self.fonts.bold, 9)
        c.drawString(m, m - 16, self.tr(DISCLAIMER))
        c.setFont(self.fonts.regular, 9)
        c.drawRightString(self.w - m, m - 16, self.tr("Page {0} of {1}").format(self.number, self.total))
        return self.h - m - 34

    def end(self) -> None:
        self.c.showPage()

    def text(self, x, y, text, size=10, bold=False, width=None, colour=(0, 0, 0)) -> float:
        """Draw wrapped text whose top is at y; returns the y below it."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        y -= size
        font = self.fonts.bold if bold else self.fonts.regular
        self.c.setFont(font, size)
        self.c.setFillColorRGB(*colour)
        width = width or (self.w - self.margin - x)
        for paragraph in str(text).split("\n"):
            line = ""
            for word in _words(paragraph):
                trial = line + word
                if stringWidth(trial, font, size) > width and line:
                    self.c.drawString(x, y, line.rstrip())
                    y -= size * 1.3
                    line = word.lstrip()
                else:
                    line = trial
            self.c.drawString(x, y, line.rstrip())
            y -= size * 1.3
        self.c.setFillColorRGB(0, 0, 0)
        return y + size - 0.3 * size


def _words(text: str) -> list:
    """Words with their spaces; CJK text breaks between any two characters."""
    out, word = [], ""
    for ch in text:
        if ord(ch) > 0x2E80:
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        elif ch == " ":
            out.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    return out


def _label_text(tr, label: str) -> str:
    return {"covid": tr("COVID-19"), "normal": tr("Normal")}.get(label, tr("no prediction"))


def _title(result, i: int, anonymise: bool, tr) -> str:
    return tr("Image {0}").format(i) if anonymise else result.name


def _metrics_text(tr, info: dict) -> str:
    m = info.get("metrics") or {}

    def f(key):
        v, ci = m.get(key), m.get(f"{key}_ci95")
        if v is None:
            return "-"
        return f"{v:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")

    return tr("on its test films: AUC {0}, sensitivity {1}, specificity {2} (n = {3})").format(
        f("auc"), f("sensitivity"), f("specificity"), m.get("n", "-"))


def _summary(page, results, models, thresholds, summary, anonymise, message_tr) -> None:
    tr = page.tr
    y = page.start(tr("Chest X-ray report: summary"))
    labels = [r.label(thresholds(r)) for r in results]
    covid, normal = labels.count("covid"), labels.count("normal")
    refused = sum(r.status == "rejected" for r in results)
    errors = sum(r.status == "error" for r in results)
    y = page.text(page.margin, y, tr("{0} films: {1} COVID-19, {2} Normal, {3} refused, {4} unreadable.").format(
        len(results), covid, normal, refused, errors), size=12, bold=True)
    y -= 4
    used = sorted({r.model_hash for r in results if r.model_hash}, key=lambda h: models.get(h, {}).get("ident", h))
    for h in used:
        info = models.get(h, {})
        mine = [r for r in results if r.model_hash == h]
        shown = {round(t, 4) for t in (thresholds(r) for r in mine) if t is not None}
        own = info.get("threshold")
        chosen = ", ".join(f"{t:.3f}" for t in sorted(shown)) or "-"
        y = page.text(page.margin, y, tr("Model {0}: {1} films, decision threshold {2} (the model's own: {3}); "
                                         "{4}").format(info.get("ident", h[:12]), len(mine), chosen,
                                                       "-" if own is None else f"{own:.3f}", _metrics_text(tr, info)),
                      size=10)
    shift = (summary or {}).get("shift") or {}
    if shift.get("tested"):
        y -= 2
        text = (message_tr(shift["message"]) if shift.get("detected")
                else tr("The films look like the ones the model was checked on (batch shift test)."))
        y = page.text(page.margin, y, text + f" (p = {shift['p_value']:.3g})", size=10, bold=shift.get("detected"),
                      colour=(0.7, 0.1, 0.05) if shift.get("detected") else (0, 0, 0))
    y -= 8
    columns = (page.margin, page.margin + 255, page.margin + 345, page.margin + 400)
    rows = list(enumerate(results, 1))
    first = True
    while rows:
        if not first:
            page.end()
            y = page.start(tr("Chest X-ray report: summary (continued)"))
        page.c.setFont(page.fonts.bold, 9)
        for x, head in zip(columns, (tr("Film"), tr("Result"), "P(COVID)", tr("Status"))):
            page.c.drawString(x, y, head)
        y -= 14
        page.c.setFont(page.fonts.regular, 9)
        for i, r in rows[: ROWS_FIRST if first else ROWS_NEXT]:
            label = r.label(thresholds(r))
            page.c.drawString(columns[0], y, f"{i}. {_title(r, i, anonymise, tr)}"[:48])
            page.c.drawString(columns[1], y, _label_text(tr, label) if r.status == "ok" else "-")
            page.c.drawString(columns[2], y, f"{r.p_covid:.3f}" if r.status == "ok" and r.p_covid is not None else "")
            page.c.drawString(columns[3], y, {"ok": tr("ok"), "rejected": tr("refused"), "error": tr("error")}
                              .get(r.status, r.status))
            y -= 13
        rows = rows[ROWS_FIRST if first else ROWS_NEXT:]
        first = False
    page.end()


def _film_page(page, i, result, info, threshold, anonymise, message_tr, films) -> None:
    from reportlab.lib.utils import ImageReader

    from covidxray_desktop.model import cam

    tr = page.tr
    y = page.start(_title(result, i, anonymise, tr))
    m, width = page.margin, page.w - 2 * page.margin
    pixels, problem = None, ""
    try:
        pixels = result.pixels if result.pixels is not None else films(result.path, FILM_SIDE)
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
    else:
        y = page.text(m, y, problem, size=11, colour=(0.6, 0.1, 0.05)) - 6
    left_w = width * 0.42
    top = y
    if pixels is not None and result.status == "ok" and result.heat is not None:
        h, w = pixels.shape
        small = np.asarray(Image.fromarray(np.ascontiguousarray(pixels, np.float32)).resize(
            (max(1, round(w * 512 / max(h, w))), max(1, round(h * 512 / max(h, w)))), Image.BILINEAR))
        signed, _ = cam.signed_map(result.heat, small.shape, label)
        heat_h = min(left_w * small.shape[0] / small.shape[1], y - page.margin - 70)
        heat_w = heat_h * small.shape[1] / small.shape[0]
        page.c.drawImage(ImageReader(_png(Image.fromarray(cam.blend(small, signed, 0.55), "RGB"))),
                         m, y - heat_h, heat_w, heat_h)
        by = y - heat_h - 14
        page.c.drawImage(ImageReader(_png(cam.colour_bar(256, 12))), m, by, heat_w, 8)
        page.c.setFont(page.fonts.regular, 8)
        page.c.drawString(m, by - 10, tr("Normal"))
        page.c.drawRightString(m + heat_w, by - 10, tr("COVID-19"))
        page.text(m, by - 22, tr("Where the model found evidence: orange for COVID-19, blue for Normal. "
                                 "Its answer: {0}.").format(_label_text(tr, label)), size=8, width=heat_w)
    x = m + left_w + 14 if result.status == "ok" and result.heat is not None else m
    text_w = page.w - page.margin - x
    y = top
    if result.status == "ok":
        colour = (0.75, 0.15, 0.1) if label == "covid" else (0.1, 0.45, 0.2)
        y = page.text(x, y, _label_text(tr, label), size=20, bold=True, colour=colour, width=text_w) - 2
        y = page.text(x, y, tr("P(COVID) = {0:.3f}; threshold {1:.3f}").format(result.p_covid, threshold),
                      size=11, width=text_w)
        if threshold is not None and result.threshold is not None and abs(threshold - result.threshold) > 1e-6:
            y = page.text(x, y, tr("(the model's own threshold is {0:.3f})").format(result.threshold),
                          size=9, width=text_w)
        if result.outside_share is not None:
            y = page.text(x, y, tr("Evidence outside the lungs: {0:.0%}").format(result.outside_share), size=9,
                          width=text_w)
    else:
        y = page.text(x, y, tr("No prediction") if result.status == "rejected" else tr("Not readable"), size=18,
                      bold=True, colour=(0.6, 0.35, 0), width=text_w) - 2
        y = page.text(x, y, message_tr(_anonymous(result, anonymise)), size=10, width=text_w)
    y -= 6
    if not anonymise and (result.patient_id or result.study_date):
        y = page.text(x, y, tr("Patient ID: {0}    Study date: {1}").format(
            result.patient_id or "-", _date(result.study_date)), size=10, width=text_w)
    if not anonymise:
        y = page.text(x, y, display_path(Path(result.path).parent), size=8, width=text_w, colour=(0.35, 0.35, 0.35))
    y -= 4
    y = page.text(x, y, tr("Model {0}").format(result.model or "-"), size=9, bold=True, width=text_w)
    y = page.text(x, y, _metrics_text(tr, info), size=9, width=text_w)
    page.text(x, y, tr("Recorded {0}").format(result.created_at.replace("T", " ")), size=8, width=text_w,
              colour=(0.35, 0.35, 0.35))
    page.end()


def _anonymous(result, anonymise: bool) -> str:
    message = result.message or ""
    return message.replace(display_name(result.path), "the file") if anonymise else message


def _date(text: str) -> str:
    if text and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text or "-"


def _png(image: Image.Image) -> io.BytesIO:
    """A picture for the page: PNG for small graphics, high-quality JPEG for films (a tenth the size)."""
    buf = io.BytesIO()
    if min(image.size) > 64:
        image.save(buf, "JPEG", quality=90)
    else:
        image.save(buf, "PNG", compress_level=3)
    buf.seek(0)
    return buf
