"""The viewer's side of a selected result: its caption, and its heat map drawn from the result itself
(so the map is always the one the producing model made, whatever model is loaded now)."""
from covidxray_desktop.gui import messages
from covidxray_desktop.gui.points import shown_name
from covidxray_desktop.model import operating
from covidxray_desktop.model.calibration import stated

OUTSIDE_WARN = 0.5  # as model/cam.py: most of the evidence outside the lungs (cam is imported lazily)


def caption(w, row) -> str:
    label = w.results.label(row)
    patient = _patient(w, row)
    name = f"{row.name}\n{patient}" if patient else row.name  # whose film, under its name
    if row.status == "ok":
        shown = w.tr("COVID-19") if label == "covid" else w.tr("Normal")
        threshold = w.results.threshold_of(row)
        # Three decimals, as the threshold's box; four where three would show P and threshold equal.
        digits = 4 if round(row.p_covid, 3) == round(threshold, 3) else 3
        text = (f"{name}\n{shown}   {stated(row.p_covid, digits)}\n"
                + w.tr("threshold %1").replace("%1", f"{threshold:.{digits}f}")
                + (f" ({shown_name(w.results.point_of(row), w.tr)})" if w.results.point_of(row) else "")
                + "\n" + w.tr("model %1").replace("%1", row.model))
        if row.message:  # how the file was read: "multi-frame DICOM (3 frames): the first frame was used."
            text += "\n" + messages.translated(row.message)
        if operating.close(row.p_covid, threshold):
            text += "\n" + w.tr("Close to the threshold: read this film yourself.")
        if label == "covid":  # what the answer can also mean, where it is read
            text += "\n" + w.tr("It cannot tell COVID-19 from other pneumonias.")
        from covidxray_desktop.model.cam import share_at

        outside = share_at(row, threshold)  # at the threshold in force, as the label
        if outside is not None and outside >= OUTSIDE_WARN:  # the map shows the lungs only
            text += "\n" + w.tr("Most of the evidence for this answer (%1 %) lies outside the lung fields, where the "
                                "map is not drawn: the answer may rest on something else there (markers, borders, "
                                "devices).").replace("%1", f"{outside * 100:.0f}")
    else:
        status = w.tr("refused") if row.status == "rejected" else w.tr("error")
        said = messages.translated(row.message)
        # "not judged: …" says it already: not "refused: not judged: …"
        text = f"{name}\n{said}" if row.message.startswith("not judged") else f"{name}\n{status}: {said}"
    return text + "\n\n" + w.notice()


def _patient(w, row) -> str:
    """A DICOM's patient ID and study date, as the table and the report give them."""
    from covidxray_desktop.results import study_day

    parts = [w.tr("patient %1").replace("%1", row.patient_id)] if row.patient_id else []
    return " · ".join(parts + ([study_day(row.study_date)] if row.study_date else []))


def show(w, row, pixels, problem: str, units=None, per_pixel: float = 1.0) -> None:
    """`units`: [offset, scale] back to the DICOM's own values, for the window/level readout;
    `per_pixel`: the file's own pixels a pixel shown stands for, for the zoom readout."""
    if pixels is None:  # why it cannot be shown, unless the caption says it already (an unreadable file)
        again = problem and problem != row.message
        w.viewer.clear(caption(w, row) + ("\n\n" + messages.translated(problem) if again else ""))
        return
    from covidxray_desktop.model import cam

    label = w.results.label(row)
    heat = None if row.heat is None or row.status != "ok" else \
        cam.signed_map(row.heat, pixels.shape, label, row.p_covid, w.results.threshold_of(row), share=False)[0]
    w.viewer.show_image(pixels, heat, caption(w, row), legend(w, label), units, per_pixel)
    w.viewer.set_overlay_visible(w.heat_action.isChecked())


def relabel(w, row) -> None:
    """Another threshold: the words change, and the map, centred on the threshold, is drawn again
    from the result (nothing is read again)."""
    w.viewer.set_caption(caption(w, row))
    label = w.results.label(row)
    shape = w.viewer.image_shape()
    if shape is not None and row.heat is not None and row.status == "ok":
        from covidxray_desktop.model import cam

        signed, _ = cam.signed_map(row.heat, shape, label, row.p_covid, w.results.threshold_of(row), share=False)
        w.viewer.set_heat(signed, legend(w, label))
    else:
        w.viewer.set_legend(legend(w, label))


def legend(w, label: str) -> str:
    answer = {"covid": w.tr("COVID-19"), "normal": w.tr("Normal")}.get(label, "")
    return w.tr("Where the model found evidence: orange for COVID-19, blue for Normal. Its answer: %1.") \
        .replace("%1", answer)
