"""A clinic reads the reports it prints: in Chinese as in English, with the numbers of the model
that made each answer, one line per film even when two models ran, and a batch of a thousand films
that still makes a report someone can carry."""
from types import SimpleNamespace

import numpy as np
import pytest
from factory import chest_like, save_png8

from covidxray_desktop.cli import main
from covidxray_desktop.model import figures
from covidxray_desktop.results import Result, pdf_report, site_pdf
from covidxray_desktop.results.language import message_translator, translator

pdfium = pytest.importorskip("pypdfium2")

# What an adaptation on 25 of a site's films wrote into its card (issue numbers): the base model's
# test block is still there, at the base model's threshold.
ADAPTED = {
    "name": "site-adapted-clinic", "version": "1", "threshold": 0.226,
    "adapted_from": {"model": "default@2", "data": "clinic films"},
    "metrics": {
        "test": {"n": 626, "auc": 0.973, "sensitivity": 0.96, "specificity": 0.773, "threshold": 0.085},
        "site": {"check": {
            "before": {"n": 25, "auc": 0.78, "auc_ci95": [0.58, 0.93], "sensitivity": 0.615,
                       "sensitivity_ci95": [0.36, 0.82], "specificity": 0.833, "specificity_ci95": [0.55, 0.95],
                       "balanced_accuracy": 0.724},
            "after": {"n": 25, "auc": 0.80, "auc_ci95": [0.6, 0.95], "sensitivity": 0.846,
                      "sensitivity_ci95": [0.58, 0.96], "specificity": 0.583, "specificity_ci95": [0.32, 0.81],
                      "balanced_accuracy": 0.715, "threshold": 0.226}}},
    },
}


def text_of(path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def rows(n, folder="/clinic/films", pixels=None, models=("a",)):
    out = []
    for i in range(n):
        h = models[i % len(models)]
        out.append(Result(path=f"{folder}/1.2.840.113619.2.55.3.604688119.969.12680710{i:02d}.120.1.dcm",
                          status="ok", p_covid=0.05 + 0.9 * i / max(n, 1), threshold=0.226, model=f"model-{h}@1",
                          model_hash=h, patient_id="PAT-77", pixels=pixels))
    return out


def test_a_chinese_report_from_the_command_line_prints_chinese_not_boxes(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "胸片"
    folder.mkdir()
    save_png8(folder / "病人一.png", chest_like(300, 1))
    report = tmp_path / "报告.pdf"
    code = main(["classify", "--quiet", "--model", tiny_bundle.path, "--db", tmp_path / "r.db", "--pdf", report,
                 "--lang", "zh_CN", "--csv", tmp_path / "r.csv", folder])
    assert code == 0
    pages = text_of(report)
    assert "胸部 X 光报告" in pages[0] and "仅供研究使用" in pages[0]  # the words of the window's Chinese report
    assert "病人一.png" in pages[1] and ("新冠肺炎" in pages[1] or "正常" in pages[1] or "不作预测" in pages[1])
    assert not any("■" in page for page in pages)
    assert b"/FontFile2" in report.read_bytes()  # the Chinese glyphs travel inside the file

    history = tmp_path / "history.pdf"
    assert main(["history", "--db", tmp_path / "r.db", "--pdf", history, "--lang", "zh_CN", "--compact"]) == 0
    assert "胸部 X 光报告" in text_of(history)[0] and not any("■" in page for page in text_of(history))
    assert "影像 1–1" in text_of(history)[1]  # the compact report's page of films
    assert main(["history", "--db", tmp_path / "r.db", "--pdf", history, "--lang", "fr"]) == 2  # said, not ignored
    assert "no translation" in capsys.readouterr().err


def test_the_model_check_pdf_prints_its_advice_in_both_languages(tmp_path):
    advice = "Do not rely on this model here without adapting it to your films (Tools ▸ Train or adapt a model)."
    report = {"n": 40, "auc": 0.7, "verdict": {"rely": False, "sentences": [advice]},
              "per_class": {"covid": {"n": 20, "sensitivity": 0.6}, "normal": {"n": 20, "specificity": 0.8}}}
    for language in (None, "zh_CN"):
        pdf = tmp_path / f"check-{language}.pdf"
        site_pdf.write(pdf, report, "default@2", tr=translator(language, "SiteCheckDialog"),
                       message_tr=message_translator(language))
        (page,) = text_of(pdf)
        assert "■" not in page
    assert "›" in text_of(tmp_path / "check-None.pdf")[0]  # Tools › Train…, not a black box
    assert "不要" in text_of(tmp_path / "check-zh_CN.pdf")[0] or "请勿" in text_of(tmp_path / "check-zh_CN.pdf")[0]


def test_an_adapted_model_is_reported_with_its_own_figures_not_its_base_models():
    own = figures.own(ADAPTED)
    assert own["where"] == "site_check" and own["n"] == 25 and own["specificity"] == 0.583
    assert figures.own({"metrics": {"test": {"n": 626, "auc": 0.973}}})["where"] == "test"


def test_the_pdf_of_an_adapted_models_answers_cites_that_model(tmp_path):
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.db")
    store.remember_model(SimpleNamespace(card=ADAPTED, hash="a", ident="site-adapted-clinic@1",
                                         path=tmp_path / "site.keras"))
    models = store.models()
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, rows(1), models)
    pages = text_of(pdf)
    for page in pages:
        assert "626" not in page and "0.773" not in page
    assert "25 check films" in pages[0] and "0.583 [0.32, 0.81]" in pages[0] and "0.846" in pages[1]


def test_a_report_of_films_labelled_at_screening_cites_the_models_figures_at_screening(tmp_path, default_bundle):
    # The window at Screening (0.154) printed the figures measured at Balanced (0.316) beside it.
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.db")
    store.remember_model(default_bundle)
    models = store.models()
    films = rows(2, models=(default_bundle.hash,))
    for r in films:
        r.operating_point, r.threshold = "screening", default_bundle.card["operating_points"]["screening"]["threshold"]
    pdf_report.write(tmp_path / "r.pdf", films, models)
    at = figures.own(default_bundle.card, "screening")
    default = figures.own(default_bundle.card)
    assert at["point"] == "screening" and at["specificity"] < default["specificity"]
    for page in text_of(tmp_path / "r.pdf"):
        flat = " ".join(page.split())
        assert f"specificity {figures.interval(at, 'specificity')}" in flat, flat
        assert f"sensitivity and specificity at Screening, threshold {at['threshold']:.3f}" in flat
        assert f"specificity {figures.interval(default, 'specificity')}" not in flat
        assert "operating point screening" not in flat  # the window's name for it, not the card's key
    # 34 of 45 other pneumonias came out "COVID-19" and the report never said that can happen
    called, judged = figures.other_pneumonias(default_bundle.card)
    first = " ".join(text_of(tmp_path / "r.pdf")[0].split())
    assert f"It cannot tell COVID-19 from other pneumonias: in its tests it called {called} of {judged} films" in first
    assert "at a hospital it never saw, it called more healthy adults COVID-19" in first


def test_two_models_on_the_same_films_get_a_model_column_and_long_names_stay_apart(tmp_path):
    pdf = tmp_path / "r.pdf"
    results = rows(6, models=("a", "b"))
    pdf_report.write(pdf, results, {"a": {"ident": "default@2"}, "b": {"ident": "site-adapted-clinic@1"}})
    summary = text_of(pdf)[0]
    assert "Model" in summary and "site-adapted-clinic@1" in summary and "default@2" in summary
    # Not the first model's caution for both: each has figures of its own films.
    flat = " ".join(summary.split())
    assert "Each model's figures are for the films it was checked on" in flat and "Its test figures" not in flat
    lines = [line for line in summary.splitlines() if ".dcm" in line]
    names = [line.split(" ")[1] for line in lines]
    assert len(lines) == 6 and len(set(names)) == 6  # every name keeps its distinct end


def test_with_two_models_each_batchs_shift_line_names_the_model_it_doubts(tmp_path):
    # "Batch ward: The films this model calls Normal look unlike…" twice, once per model: whose results
    # to doubt was not said.
    pdf = tmp_path / "r.pdf"
    warned = {"tested": True, "detected": True, "p_value": 0.001,
              "message": "The films this model calls Normal look unlike those it was checked on."}
    batches = [{"name": "ward", "model_hash": h, "shift": warned} for h in ("a", "b")]
    pdf_report.write(pdf, rows(6, models=("a", "b")), {"a": {"ident": "default@2"}, "b": {"ident": "site@1"}},
                     summary=batches)
    flat = " ".join(text_of(pdf)[0].split())
    assert "Batch ward (model default@2): The films this model calls Normal" in flat
    assert "Batch ward (model site@1): The films this model calls Normal" in flat


def test_an_anonymised_report_names_files_and_counts_one_film_in_the_singular(tmp_path):
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, [r.with_changes(patient_id="") for r in rows(1)], {}, anonymise=True)
    summary, page = text_of(pdf)
    assert "1 film:" in summary and "1 films" not in summary
    assert "Image 1" not in page and "12680710" in page and "/clinic" not in page


def test_two_patients_films_of_one_name_are_told_apart_and_a_deep_folder_stays_on_the_page(tmp_path):
    # A PACS export names every patient's first film IM000001: the summary listed two identical lines.
    pixels = chest_like(200, 3).astype(np.float32)
    deep = "/clinic/" + "/".join(f"export-{k:02d}-radiology-department-archive" for k in range(6))
    films = [Result(path=f"/clinic/{folder}/IM000001", status="ok", p_covid=p, threshold=0.3, model="m@1",
                    model_hash="a", patient_id=pid, pixels=pixels)
             for folder, p, pid in (("PAT-1", 0.9, "PAT-1"), ("PAT-2", 0.1, "PAT-2"), (deep[8:], 0.2, "X" * 120))]
    again = films[0].with_changes(model="site@1", model_hash="b")  # Classify again: a second model's row
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, [*films, again], {})
    summary, *pages = text_of(pdf)
    assert "1. PAT-1/IM000001" in summary and "2. PAT-2/IM000001" in summary and "4. PAT-1/IM000001" in summary
    assert pages[0].startswith("1. PAT-1/IM000001") and pages[1].startswith("2. PAT-2/IM000001")
    document = pdfium.PdfDocument(str(pdf))
    width = document[3].get_width()
    text = document[3].get_textpage()
    right = max(text.get_charbox(k)[2] for k in range(text.count_chars()))
    assert right <= width - 30  # the folder's path and the Patient ID wrap inside the margin
    assert "radiology-department-archive" in pages[2].replace("\r\n", "").replace("\n", "")

    anonymous = tmp_path / "anonymous.pdf"
    pdf_report.write(anonymous, films, {}, anonymise=True)
    summary, *pages = text_of(anonymous)
    assert "1. IM000001" in summary and "2. IM000001" in summary and "PAT-" not in "".join([summary, *pages])


def test_an_unreadable_films_page_says_why_once(tmp_path):
    from factory import write_dicom

    from covidxray_desktop.errors import ImagingError
    from covidxray_desktop.imaging import load

    cut = write_dicom(tmp_path / "cut.dcm", chest_like(128))
    cut.write_bytes(cut.read_bytes()[:-5000])
    with pytest.raises(ImagingError) as error:
        load(cut)
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, [Result(path=str(cut), status="error", message=str(error.value), model="m@1")], {},
                     decode_limit_s=None)
    page = text_of(pdf)[1]
    assert "Not readable" in page and page.count("cut short") == 1, page  # not again as "could not be read again"


def test_a_large_batch_can_be_printed_compactly_and_says_how_far_it_got(tmp_path):
    pixels = chest_like(200, 3).astype(np.float32)
    done = []
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, rows(14, pixels=pixels), {}, compact=True, progress=lambda n, total: done.append((n, total)))
    pages = text_of(pdf)
    assert done[-1] == (14, 14) and len(done) == 14
    assert len(pages) == 1 + 3  # the summary, then six films a page
    assert "Page 4 of 4" in pages[-1]
    assert sum("".join(page.split()).count(".dcm") for page in pages[1:]) == 14  # names may wrap


def test_evidence_outside_the_lungs_is_mentioned_only_when_most_of_it_lies_there(tmp_path):
    pixels = chest_like(200, 4).astype(np.float32)
    usual, unusual = (r.with_changes(outside_share=s) for r, s in zip(rows(2, pixels=pixels), (0.3, 0.7)))
    pdf = tmp_path / "r.pdf"
    pdf_report.write(pdf, [usual, unusual], {})
    _, first, second = text_of(pdf)
    assert "outside the lung" not in first  # 30 %: the usual spill of a coarse map over the lungs' edge
    assert "outside the lung fields" in second and "70%" in second


def test_a_chart_with_chinese_labels_prints_them_in_the_shipped_chinese_font(tmp_path):
    """The site check's ROC in the Chinese window: its axis labels are words, not boxes."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from covidxray_desktop.training.plots import _chinese, line_chart

    line_chart({"AUC 0.900": ([0, 0.2, 1], [0, 0.8, 1])}, tmp_path / "roc.png", "ROC", "1 - 特异度", "敏感度",
               diagonal=True)
    chart = np.asarray(Image.open(tmp_path / "roc.png").convert("L"))
    assert _chinese() is not None  # the app ships its Chinese font
    # The y label "敏感度" at its place, drawn as Pillow's default font would (boxes) and as the chart did.
    boxes = Image.new("L", (80, 24), 255)
    ImageDraw.Draw(boxes).text((0, 0), "敏感度", fill=0, font=ImageFont.load_default(size=13))
    words = Image.new("L", (80, 24), 255)
    ImageDraw.Draw(words).text((0, 0), "敏感度", fill=0, font=_chinese())
    drawn = chart[40 - 22:40 - 22 + 24, 8:8 + 80]
    assert np.abs(drawn.astype(int) - np.asarray(words, int)).mean() < np.abs(drawn.astype(int) - np.asarray(boxes, int)).mean()


def test_the_shift_tests_p_value_on_the_report_says_what_it_is_and_where_a_warning_starts(tmp_path):
    # "(p = 1)" at the end of a sentence about the films meant nothing to the doctor reading it.
    calm = {"tested": True, "detected": False, "p_value": 0.87, "message": "no shift"}
    from covidxray_desktop.model.shift import ADVICE, MESSAGES

    alarm = {"tested": True, "detected": True, "p_value": 1e-06,
             "message": f"{MESSAGES[('covid',)]} {ADVICE}"}
    for language, said, warned in (
            (None, "(batch shift test: p = 0.87; it warns below 0.02).",
             "(batch shift test: p < 0.001; it warns below 0.02)"),
            ("zh_CN", "（批次偏移检验：p = 0.87；低于 0.02 时发出警告）。",
             "（批次偏移检验：p < 0.001；低于 0.02 时发出警告）")):
        for shift, words in ((calm, said), (alarm, warned)):
            pdf = tmp_path / f"r-{language}.pdf"
            pdf_report.write(pdf, rows(2), {}, summary={"files": 2, "shift": shift}, tr=translator(language, "Report"),
                             message_tr=message_translator(language))
            lines = text_of(pdf)[0].splitlines()
            text = "".join(lines).replace(" ", "")  # Chinese breaks between characters, English at spaces
            assert words.replace(" ", "") in text and text.count("p<") + text.count("p=") == 1, (language, text)
            assert "1e-06" not in text
            assert not [line for line in lines if line[:1] in "，。；：、！？）"], lines  # as Chinese is set


def test_a_summary_never_leaves_one_film_alone_on_its_last_page(tmp_path):
    # On Letter paper a batch of one film more than a page holds put that film alone under a new heading.
    for country in ("US", "DE"):
        spilled = []
        for n in range(44, 62):
            pdf = tmp_path / f"r-{country}-{n}.pdf"
            films = [r.with_changes(status="error", p_covid=None, message="unreadable") for r in rows(n)]
            pdf_report.write(pdf, films, {}, country=country, compact=True)
            summaries = [page for page in text_of(pdf) if "summary" in page]
            counts = [page.count(".dcm") for page in summaries]
            assert sum(counts) == n
            spilled += counts[1:]
        assert spilled and min(spilled) >= 2, (country, spilled)


def test_a_film_page_says_when_its_answer_lies_close_to_the_threshold(tmp_path):
    films = [r.with_changes(p_covid=p) for r, p in zip(rows(2), (0.19, 0.001))]  # 0.19 against 0.226, and a clear one
    pdf_report.write(tmp_path / "r.pdf", films, {})
    pages = [" ".join(page.split()) for page in text_of(tmp_path / "r.pdf")]
    assert "Close to the threshold: read this film yourself." in pages[1]
    assert "Close to the threshold" not in pages[2]
    pdf_report.write(tmp_path / "compact.pdf", films, {}, compact=True)  # six films a page, for big batches
    compact = " ".join(" ".join(page.split()) for page in text_of(tmp_path / "compact.pdf")[1:])
    assert compact.count("Close to the threshold: read this film yourself.") == 1


def test_a_film_page_gives_the_study_day_as_the_table_and_the_csv_do(tmp_path):
    """2024-03-05 everywhere; a day the file gets wrong (30 February) is printed as the file says it,
    as the table shows it, not made into a date that looks real."""
    films = [r.with_changes(study_date=day) for r, day in zip(rows(2), ("20240305", "20240230"))]
    pdf_report.write(tmp_path / "r.pdf", films, {})
    pages = [" ".join(page.split()) for page in text_of(tmp_path / "r.pdf")]
    assert "2024-03-05" in pages[1] and "20240230" in pages[2] and "2024-02-30" not in pages[2]
