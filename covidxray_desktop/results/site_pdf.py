"""The site check as a one-page PDF: the verdict, the numbers with intervals, the ROC curve."""
import os
import tempfile
from pathlib import Path

from covidxray_desktop.files import replace_atomic
from covidxray_desktop.model.figures import bounds
from covidxray_desktop.results.pdf_page import Fonts, Page, identity, numbered_canvas, page_size


def write(path, report: dict, model: str, roc_png=None, tr=identity, message_tr=identity, country=None,
          point: str = "") -> None:
    """`point`: the sentence that names the operating point the figures are at."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".pdf", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    try:
        size = page_size(country)
        c = numbered_canvas(tmp, size)
        c.setTitle(tr("Check of the model on local films"))
        page = Page(c, size, Fonts(), tr)
        y = page.start(tr("Check of the model on local films"))
        films = message_tr(report.get("data", ""))
        y = page.text(page.margin, y, tr("Model {0}; films: {1}").format(model, films), size=10)
        if point:
            y = page.text(page.margin, y, point, size=10)
        y -= 6
        for sentence in report.get("verdict", {}).get("sentences", []):
            y = page.text(page.margin, y, message_tr(sentence), size=11, bold=not report["verdict"]["rely"]) - 2
        y -= 8
        groups = {"covid": tr("COVID-19 films"), "normal": tr("Normal films")}
        rows = [(tr("all films"), report)] + [(groups.get(k, k), v) for k, v in report.get("per_class", {}).items()]
        columns = [page.margin, page.margin + 120, page.margin + 160, page.margin + 280, page.margin + 400]
        for x, head in zip(columns, ("", "n", "AUC [95 % CI]", tr("sensitivity"), tr("specificity"))):
            page.fonts.draw(page.c, x, y, head, 9, True)
        y -= 14
        for name, m in rows:
            for x, value in zip(columns, (name, str(m.get("n", "")), _ci(m, "auc"), _ci(m, "sensitivity"),
                                          _ci(m, "specificity"))):
                page.fonts.draw(page.c, x, y, value, 9)
            y -= 13
        y -= 6
        refused = report.get("rejected", {})
        ece = report.get("ece")
        y = page.text(page.margin, y, tr("Refused by the gate: {0} COVID-19, {1} Normal; unreadable: {2}; "
                                         "calibration error: {3} (0 is perfect; above 0.1 the probabilities are not "
                                         "to be taken literally)").format(
            refused.get("covid", 0), refused.get("normal", 0), report.get("errors", 0),
            "-" if ece is None else f"{ece:.3f}"), size=9)
        for line in report.get("unused") or []:  # a folder beside the classes': its films are in no count
            y = page.text(page.margin, y, message_tr(line), size=9)
        if roc_png:
            from reportlab.lib.utils import ImageReader

            width = page.w - 2 * page.margin
            height = min(width * 0.75, y - page.margin - 20)
            page.c.drawImage(ImageReader(str(roc_png)), page.margin, y - height - 8, height / 0.75, height)
        page.end()
        c.save()
        replace_atomic(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _ci(m: dict, key: str) -> str:
    v, ci = m.get(key), m.get(f"{key}_ci95")
    if v is None:
        return "-"
    return f"{v:.3f}" + (f" {bounds(ci)}" if ci else "")

