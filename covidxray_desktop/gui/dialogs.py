"""The window's smaller dialogs: the model card as a readable page, resume, forget, language."""
import html
import re

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (QDateEdit, QDialog, QDialogButtonBox, QLabel, QMessageBox, QTextBrowser,
                               QVBoxLayout)

from covidxray_desktop import DISCLAIMER
from covidxray_desktop.gui import messages, session_io
from covidxray_desktop.gui.points import shown_name
from covidxray_desktop.gui.sizing import fit_to_screen
from covidxray_desktop.imaging.preprocess import FILM_LUNGS, LUNG_VIEW
from covidxray_desktop.model import figures, operating


def plain(point: str) -> str:
    """A card's operating point in a clinic's words (the card keeps the method's name for engineers)."""
    return re.sub(r", each scored by a (?:head|network) trained without it \(\d+-fold cross-fitting\)",
                  ", each film scored by a version of the model that had not learnt from its patient", point or "")


def _f(value, digits=3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# Who the shared data's collections' films are: a dataset's code name says nothing to a clinic.
SOURCE_WORDS = {
    "nih_darkcovidnet": "adults, NIH (USA)",
    "rsna_via_covid19radiography": "adults, NIH films read by RSNA radiologists (USA)",
    "kermany_darshan": "children aged 1 to 5 (Guangzhou)",
    "jsrt": "scanned films (Japan)",
    "openist": "teaching films",
    "covid_cxnet": "COVID-19 figures from journals and the web",
    "ieee8023": "COVID-19 collection, many journal figures",
    "hannover": "one hospital's intensive-care films (Hannover)",
}


def who(source: str, tr) -> str:
    """A collection's name with who its films are, where known."""
    return f"{source}: {tr(SOURCE_WORDS[source])}" if source in SOURCE_WORDS else source


def points_table(card: dict, tr, in_force: tuple | None = None) -> str:
    """The card's operating points side by side: each one's threshold and, per population, the share of
    its test films labelled right there (the trade-off each point makes); which point is in force."""
    e = html.escape
    points, default = operating.points(card), operating.default(card)
    trade = (card.get("metrics") or {}).get("operating_points") or {}
    name, threshold = in_force or (default, points[default]["threshold"])
    heads = "".join(f"<th>{e(shown_name(p, tr))}{' ✔' if p == name else ''}</th>" for p in points)
    rows = [f"<tr><td>{e(tr('threshold'))}</td>"
            + "".join(f"<td align=right>{_f(point['threshold'])}</td>" for point in points.values()) + "</tr>"]
    per_source = {p: (trade.get(p) or {}).get("per_source") or {} for p in points}
    sources = {}  # population -> its films' class and number
    for p in points:
        for source, m in per_source[p].items():
            sources.setdefault(source, m)
    for source, m in sources.items():
        cells = "".join(f"<td align=right>{figures.interval(per_source[p].get(source) or {}, 'share')}</td>"
                        for p in points)
        kind = {"covid": tr("COVID-19"), "normal": tr("Normal")}.get(m.get("label"))
        about = f"{kind}, n = {m.get('n')}" if kind and not source.endswith(")") else f"n = {m.get('n')}"
        rows.append(f"<tr><td>{e(who(source, tr))} ({e(about)})</td>{cells}</tr>")
    split = next((t.get("split") for t in trade.values() if t.get("split")), "test")
    caption = (tr("Share of the films labelled right, per population, on the site's check films") if split != "test"
               else tr("Share of the films labelled right, per population, on the test films"))
    rules = "".join(f"<li><b>{e(shown_name(p, tr))}</b>: {e(messages.translated(plain(point.get('rule', ''))))}</li>"
                    for p, point in points.items())
    now = tr("In force now: %1 (threshold %2).").replace("%1", shown_name(name, tr)).replace("%2", _f(threshold))
    return (f"<h3>{e(tr('Operating points'))}</h3><p>{e(now)}</p>"
            f"<table border=1 cellspacing=0 cellpadding=4><tr><th></th>{heads}</tr>{''.join(rows)}</table>"
            + (f"<p><small>{e(caption)}</small></p>" if sources else "") + f"<ul>{rules}</ul>")


LEFT_OUT = ("Left out of training: the same network trained without that source, then judged on all its films, "
            "as a hospital it never saw would be. A population it never learnt from can be judged very wrongly: "
            "with the children's films left out, children were called COVID-19.")


NEW_HOSPITAL = ("Its test figures are for new patients of the collections it learnt from; at a hospital it never "
                "saw, it called more healthy adults COVID-19. Check it on your own labelled films first (Tools ▸ "
                "Check the model on my films).")


ADAPTED_ELSEWHERE = ("Its figures are for its own site's check films; at another hospital it may do worse. Check it "
                     "there first (Tools ▸ Check the model on my films).")


def model_page(info: dict, tr, in_force: tuple | None = None) -> str:
    """The model card as HTML a clinician can read: what it is, how good, how it decides, limits.
    `in_force`: the (operating point, threshold) the window applies now (default: the card's default)."""
    card = info["card"]
    e = html.escape
    training, metrics = card.get("training", {}), card.get("metrics", {})
    rows = []

    def row(label, m):
        rows.append(f"<tr><td>{e(label)}</td><td align=right>{m.get('n')}</td>"
                    + "".join(f"<td>{figures.interval(m, key)}</td>" for key in ("auc", "sensitivity", "specificity"))
                    + "</tr>")

    default = operating.default(card)
    at = figures.own(card, in_force[0]) if in_force and in_force[0] != default else None
    in_force_row = None  # the point in force, where the card's counts tell its figures
    if at and at["point"] == in_force[0]:
        in_force_row = (tr("%1, at the point in force: %2 (threshold %3)").replace(
            "%1", tr("your site's check films") if at["where"] == "site_check" else tr("test films")).replace(
            "%2", shown_name(in_force[0], tr)).replace("%3", _f(at["threshold"])), at)
    pair = figures.before_after(card)  # an adapted model: its own figures first, the base model's below
    if pair:
        row(tr("this model: your site's check films (unseen in adaptation)"), pair[1])
        if in_force_row:
            row(*in_force_row)
        row(tr("the model it was adapted from, on the same films"), pair[0])
        original = (metrics.get("site") or {}).get("original") or {}
        if original.get("after", {}).get("n"):  # what adapting may have cost the training sources
            row(tr("this model: its base model's test films (unseen patients of the training sources)"),
                original["after"])
            row(tr("the model it was adapted from, on the same films"), original["before"])
    base = tr("the model it was adapted from") + ": " if pair else ""
    for split, label in (("test", tr("test films (unseen patients)")), ("val", tr("validation films")),
                         ("held_out", tr("held-out sources")), ("site", tr("your site"))):
        m = metrics.get(split)
        if not m or "n" not in m:
            continue
        row(base + label, m)
        if split == "test" and in_force_row and not pair:
            row(*in_force_row)
    held = metrics.get("held_out") or {}
    if "n" not in held:  # the shipped model's card: each source left out of its own training run
        for source, m in (held.get("per_source") or {}).items():
            row(f"{base}{tr('left out of training')}: {who(source, tr)}", m)
    sources = ", ".join(training.get("sources", [])) or "–"
    trained = str(training.get("trained_on", "–"))[:16].replace("T", " ")  # to the minute, as people write it
    adapted = card.get("adapted_from")
    parts = [
        f"<h2>{e(info['ident'])}</h2>",
        f"<p><b>{e(tr(DISCLAIMER))}</b></p>",
        f"<p>{e(tr('Says COVID-19 or Normal for a frontal chest X-ray, with a calibrated probability.'))} "
        f"{e(tr('Default operating point'))}: <b>{e(shown_name(default, tr))}</b>, {e(tr('threshold'))} "
        f"<b>{_f(card.get('threshold'))}</b>.</p>",
        points_table(card, tr, in_force),
        f"<h3>{e(tr('How well it did'))}</h3>",
        "<table border=1 cellspacing=0 cellpadding=4><tr><th></th><th>n</th><th>AUC [95 % CI]</th>"
        f"<th>{e(tr('sensitivity'))}</th><th>{e(tr('specificity'))}</th></tr>{''.join(rows)}</table>",
        f"<p><small>{e(tr('Sensitivity and specificity at the default operating point, unless a row names another.'))}"
        "</small></p>",
        f"<p><small>{e(tr(LEFT_OUT))}</small></p>" if "n" not in held and held.get("per_source") else "",
        f"<h3>{e(tr('What it cannot tell'))}</h3><p>{e(limits(card, tr))}</p>",
        f"<h3>{e(tr('What it learnt from'))}</h3>",
        f"<p>{e(tr('Sources'))}: {e(sources)}. {e(tr('First trained') if adapted else tr('Trained'))} {e(trained)} "
        f"{e(tr('on'))} {e(messages.translated(str(training.get('device', '–'))))}, "
        f"{training.get('epochs_run', '–')} {e(tr('epochs'))}.</p>",
        f"<p><small>{e(training.get('provenance', ''))}</small></p>",
        f"<h3>{e(tr('How it looks at a film'))}</h3><p>",
        e(looks(card, tr)),
        " " + e(tr("Films it cannot judge (not two lung fields, unlike anything it learnt from, rotated) are "
                   "refused, not labelled.")) + "</p>",
    ]
    if adapted:  # this network's own adaptation (its version carries the day), then those it came from
        when = str(card.get("version", ""))[:10]
        parts.append(f"<p><b>{e(tr('Adapted from'))} {e(adapted['model'])}</b> "
                     f"{e(tr('on the films of'))} {e(messages.translated(adapted.get('data', '')))}, "
                     f"{adapted.get('epochs', '–')} {e(tr('epochs'))}" + (f", {e(when)}" if when else "") + ".</p>")
        for past in adapted.get("earlier", []):
            parts.append(f"<p>{e(tr('Before that, adapted from'))} {e(past.get('model', ''))} "
                         f"{e(tr('on the films of'))} {e(messages.translated(past.get('data') or ''))}.</p>")
    parts.append(f"<p><small>{e(tr('File'))}: {e(info['path'])}</small></p>")
    return "".join(parts)


def limits(card: dict, tr) -> str:
    """What an answer can also mean, and where its figures hold: said where the figures are shown."""
    other = figures.other_pneumonias(card)
    said = (tr("It knows only COVID-19 and Normal, and cannot tell COVID-19 from other pneumonias: in its tests it "
               "called %1 of %2 films of other pneumonias (bacterial, viral, Pneumocystis, ARDS) COVID-19.")
            .replace("%1", str(other[0])).replace("%2", str(other[1])) if other else
            tr("It knows only COVID-19 and Normal, and cannot tell COVID-19 from other pneumonias."))
    adapted = figures.own(card)["where"] == "site_check"  # its figures are its own site's films
    return said + " " + tr(ADAPTED_ELSEWHERE if adapted else NEW_HOSPITAL)


def looks(card: dict, tr) -> str:
    """How the model looks at a film, from its preprocessing."""
    if card.get("preprocessing") == LUNG_VIEW:
        return tr("It finds the lung fields first and judges only them; markers, text and borders outside the "
                  "lungs are dimmed.")
    if card.get("preprocessing") == FILM_LUNGS:
        return tr("It judges the whole film; it finds the lung fields to check that the film is a frontal chest "
                  "X-ray and to draw its heat map on them.")
    return tr("It judges the whole film.")


def show_model(parent, info: dict, tr, in_force: tuple | None = None) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(tr("About this model"))
    browser = QTextBrowser(openExternalLinks=False)
    browser.setHtml(model_page(info, tr, in_force))
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    fit_to_screen(dialog, 640, 560)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog


def offer_resume(w, unfinished: list):
    """Offer to resume a queue cut short. Films are counted, not the folders that hold them; the
    count walks whole folders (a network share can be slow), so it runs off the GUI thread and
    the offer (`w.resume_box`) appears once it is in. Returns the counting worker."""
    from covidxray_desktop.gui import worker
    from covidxray_desktop.imaging import walk

    def count(_worker, paths) -> tuple:
        """(films, of which already classified): the store answers for those a batch had reached."""
        from covidxray_desktop.store import Store

        files = walk(paths).files
        store = Store(w.db_path)
        try:
            return len(files), store.count_stored(files)
        finally:
            store.close()

    return worker.start(count, [p for e in unfinished for p in e["paths"]], parent=w, name="covidxray-resume-count",
                        on_finish=lambda films: setattr(w, "resume_box", _resume_box(w, unfinished, films)),
                        on_error=lambda exc: w._problem(str(exc)))


def _resume_box(w, unfinished: list, counted: tuple) -> QMessageBox:
    """Only once answered do the old entries leave the store, so a crash before keeps the offer."""
    films, done = counted
    text = (w.tr("Not finished when the app last closed: films %1 (classified %3, left %4), batches %2. "
                 "Resume them? The classified films are taken from the results store.")
            .replace("%1", str(films)).replace("%2", str(len(unfinished))).replace("%3", str(done))
            .replace("%4", str(films - done)))
    box = QMessageBox(QMessageBox.Question, w.tr("Unfinished queue"), text, QMessageBox.Yes | QMessageBox.No, w)
    box.setWindowModality(Qt.WindowModal)

    def answered(answer):
        yes = answer == QMessageBox.Yes
        for e in unfinished:
            if yes:
                w.enqueue(e["paths"], e["name"])
            session_io.keep_state(w, e["id"], "resumed" if yes else "cancelled")

    box.finished.connect(answered)
    box.open()
    return box


def forget(w) -> None:
    from covidxray_desktop.errors import CovidXrayError

    day = ask_day(w, w.tr)
    if not day:
        return
    title, shown = w.tr("Forget stored results"), QLocale().toString(QDate.fromString(day, "yyyy-MM-dd"),
                                                                      QLocale.LongFormat)
    try:
        n = w._store.count_before(day)
        if n == 0:
            QMessageBox.information(w, title, w.tr("No stored result was recorded before %1.").replace("%1", shown))
            return
        asked = w.tr("Delete %n stored result(s) recorded before %1? They cannot be brought back.", "", n)
        if QMessageBox.question(w, title, asked.replace("%1", shown), QMessageBox.Yes | QMessageBox.Cancel,
                                QMessageBox.Cancel) != QMessageBox.Yes:
            return
        n = w._store.forget(day)
    except CovidXrayError as exc:  # a day it cannot read, a store locked by another copy or full
        QMessageBox.warning(w, title, messages.translated(str(exc)))
        return
    # Off the table too: listed, they could still be exported or printed, patients' names and all.
    w.results.remove([r for r in w.results.rows if r.created_at and str(r.created_at)[:10] < day])
    w.proxy.rows_added()
    w.statusBar().showMessage(w.tr("%n stored result(s) deleted, and taken off the list", "", n), 15000)


class DayDialog(QDialog):
    """'Delete results recorded before' with a calendar: a day is picked, never typed in a format."""

    def __init__(self, parent, tr):
        super().__init__(parent)
        self.setWindowTitle(tr("Forget stored results"))
        self.day = QDateEdit(QDate.currentDate().addDays(-30), calendarPopup=True)
        self.day.setMaximumDate(QDate.currentDate())
        self.day.setDisplayFormat(QLocale().dateFormat(QLocale.LongFormat))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Delete the results recorded before this day:")))
        layout.addWidget(self.day)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        return self.day.date().toString("yyyy-MM-dd")


def ask_day(parent, tr) -> str | None:
    dialog = DayDialog(parent, tr)
    return dialog.chosen() if dialog.exec() else None
