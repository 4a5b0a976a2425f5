"""Exports from the window: the CSV of `classify --csv`, and a PDF report page per image.

Both state the threshold the labels were decided with and are written atomically (temp file,
then rename), so a crash never leaves half an export under the chosen name.
"""
import csv
import html
import io
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from covidxray_desktop.commands.classify import COLUMNS, csv_row
from covidxray_desktop.gui.results import label_for
from covidxray_desktop.model.bundle import fsync, readable, write_text_atomic

translate = QCoreApplication.translate


def relabelled(row: dict, threshold: float) -> dict:
    """The row as the table shows it: label from the current threshold, which the export states."""
    return {**row, "label": label_for(row, threshold), "threshold": threshold}


def write_csv(path, rows, threshold: float, anonymise: bool = False) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(csv_row(relabelled(row, threshold), anonymise=anonymise))
    write_text_atomic(path, buf.getvalue())


def write_pdf(path, pages, card: dict, threshold: float) -> None:
    """pages: (row, PIL image of the film with its heat map, or None) per selected result."""
    doc = QTextDocument()
    parts = []
    for i, (row, picture) in enumerate(pages):
        if picture is not None:
            png = io.BytesIO()
            picture.convert("RGB").save(png, "PNG")
            doc.addResource(QTextDocument.ImageResource, QUrl(f"page{i}.png"), QImage.fromData(png.getvalue()))
        parts.append(_page(i, row, picture is not None, card, threshold, last=i == len(pages) - 1))
    doc.setHtml("".join(parts))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".pdf", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    try:
        writer = QPdfWriter(tmp)
        writer.setPageSize(QPageSize(QPageSize.A4))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Millimeter)
        writer.setTitle(translate("Export", "Chest X-ray report"))
        doc.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size().toSizeF())
        doc.print_(writer)
        del writer  # closes the file
        if os.path.getsize(tmp) == 0:  # QPdfWriter reports no write errors: an empty file is one
            raise OSError(f"nothing could be written to {path.parent}")
        fsync(tmp)
        readable(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _page(i: int, row: dict, has_picture: bool, card: dict, threshold: float, last: bool) -> str:
    label = label_for(row, threshold)
    shown = {"covid": translate("Export", "COVID-19"), "normal": translate("Export", "Normal"),
             "": translate("Export", "no prediction")}[label]
    metrics = card.get("metrics", {}).get("test", {})
    e = html.escape
    lines = [
        f"<h2>{e(translate('Export', 'Image') + ' ' + row['title'] if row.get('title') else Path(row['path']).name)}</h2>",
        f"<p><b>{e(translate('Export', 'Result'))}:</b> {e(shown)}"
        + (f" &nbsp; P(COVID) = {row['p_covid']:.3f}" if row.get("p_covid") is not None else "")
        + f" &nbsp; ({e(translate('Export', 'threshold'))} {threshold:.3f})</p>",
        f"<p><b>{e(translate('Export', 'Status'))}:</b> {e(row.get('status', ''))} {e(row.get('message') or '')}</p>",
    ]
    if row.get("patient_id") or row.get("study_date"):
        lines.append(f"<p><b>{e(translate('Export', 'Patient ID'))}:</b> {e(row.get('patient_id') or '')} &nbsp; "
                     f"<b>{e(translate('Export', 'Study date'))}:</b> {e(row.get('study_date') or '')}</p>")
    if has_picture:
        lines.append(f'<p><img src="page{i}.png" width="420"></p>')
    summary = (f"{e(translate('Export', 'Model'))}: {e(row.get('model') or '')} ({e(card.get('arch', ''))}); "
               f"{e(translate('Export', 'test AUC'))} {metrics.get('auc', float('nan')):.3f}, "
               f"{e(translate('Export', 'sensitivity'))} {metrics.get('sensitivity', float('nan')):.3f}, "
               f"{e(translate('Export', 'specificity'))} {metrics.get('specificity', float('nan')):.3f}. "
               f"{e(card.get('operating_point', ''))}")
    lines += [f"<p><small>{summary}</small></p>",
              f"<p><b>{e(translate('Export', 'Research use only, not a diagnostic device.'))}</b></p>"]
    style = "" if last else ' style="page-break-after: always"'
    return f"<div{style}>{''.join(lines)}</div>"
