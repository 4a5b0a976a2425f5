"""The report's sentences about an answer and the model that gave it, in the report's language
(`tr`), shared by its summary and its film pages."""
from covidxray_desktop.model.calibration import stated


def label_text(tr, label: str) -> str:
    return {"covid": tr("COVID-19"), "normal": tr("Normal")}.get(label, tr("no prediction"))


def metrics_text(tr, info: dict, point: str | None = None) -> str:
    """The producing model's own figures (model/figures.py), with their n and intervals: at the
    operating point that labelled the results where the store holds that point's, else at its default."""
    from covidxray_desktop.model.figures import interval

    m = info.get("metrics") or {}
    if m.get("n") is None:
        return tr("its own figures are not known here")
    at = (m.get("points") or {}).get(point)
    if at and point != m.get("point"):
        m = dict(m, **at, point=point)
    if m.get("where") == "site_check":
        text = tr("on {3} check films of its site, unseen in adaptation: AUC {0}, sensitivity {1}, specificity {2}")
    else:
        text = tr("on its test films: AUC {0}, sensitivity {1}, specificity {2} (n = {3})")
    text = text.format(interval(m, "auc"), interval(m, "sensitivity"), interval(m, "specificity"), m.get("n", "-"))
    if m.get("threshold") is None:
        return text
    at = tr("sensitivity and specificity at {0}, threshold {1:.3f}")
    return f"{text}; {at.format(point_name(tr, m.get('point')), m['threshold'])}"


def point_name(tr, point: str | None) -> str:
    """An operating point as the window names it; a stored result without one says so."""
    from covidxray_desktop.model.operating import NAMES

    return tr(NAMES.get(point, point)) if point else tr("the default operating point")


def answer_text(tr, p_covid: float, threshold: float, point: str) -> str:
    """P(COVID) with the operating point and threshold that made the answer."""
    if not point:  # a result stored before operating points had names
        return tr("{0}; threshold {1:.3f}").format(stated(p_covid), threshold)
    return tr("{0}; operating point: {1} (threshold {2:.3f})").format(stated(p_covid), point_name(tr, point),
                                                                       threshold)


def limits_text(tr, other: list | None, adapted: bool | None = False) -> str:
    """What a COVID-19 answer can also mean (`other`: [called COVID-19, judged] of other pneumonias in
    the model's tests), and where its figures hold (`adapted`: they are its own site's; None: the
    report holds several models' answers, each with its own figures)."""
    limits = (tr("It cannot tell COVID-19 from other pneumonias: in its tests it called {0} of {1} films of other "
                 "pneumonias COVID-19.").format(*other) if other else
              tr("It cannot tell COVID-19 from other pneumonias."))
    if adapted is None:
        return limits + " " + tr("Each model's figures are for the films it was checked on (new patients of the "
                                 "collections it learnt from, or its own site's check films); at another hospital "
                                 "it may do worse.")
    if adapted:
        return limits + " " + tr("Its figures are for its own site's check films; at another hospital it may do "
                                 "worse.")
    return limits + " " + tr("Its test figures are for new patients of the collections it learnt from; at a "
                             "hospital it never saw, it called more healthy adults COVID-19.")
