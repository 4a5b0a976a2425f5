"""The core's sentences (refusals, reading errors) in the interface's language.

The core writes English sentences into results, the store and the CSV; the window translates
them when it shows them, by matching each against the templates below (whose translations live
in the .ts file under the context "Messages"; the command line reads them there through
results/language.py). A sentence no template matches is shown as it is.
"""
from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from covidxray_desktop.cpu import MESSAGE as NO_AVX
from covidxray_desktop.results.language import translate_message
from covidxray_desktop.training.sitecheck import BY_HAND

TEMPLATES = [
    # The operating points' rules (a card's words), as the About page shows them.
    QT_TRANSLATE_NOOP("Messages", "sensitivity >= {n} for COVID-19 on {films}, then the largest share labelled "
                                  "right in the source served worst, of those with at least {count} films (balanced)"),
    QT_TRANSLATE_NOOP("Messages", "sensitivity >= {n} for COVID-19 on {films}, then the best balanced accuracy "
                                  "(balanced)"),
    QT_TRANSLATE_NOOP("Messages", "sensitivity >= {n} for COVID-19 on {films} (screening)"),
    QT_TRANSLATE_NOOP("Messages", "the screening threshold: no threshold keeps sensitivity >= {n} for COVID-19 on "
                                  "{films} (balanced)"),
    QT_TRANSLATE_NOOP("Messages", "{films}, each film scored by a version of the model that had not learnt from "
                                  "its patient"),
    QT_TRANSLATE_NOOP("Messages", "{films}, each scored by a network trained without it ({n}-fold cross-fitting)"),
    QT_TRANSLATE_NOOP("Messages", "the validation split"),
    QT_TRANSLATE_NOOP("Messages", "the site's {n} adaptation films"),
    QT_TRANSLATE_NOOP("Messages", "the site's {n} adaptation COVID films"),
    QT_TRANSLATE_NOOP("Messages", "{name}: file not found."),
    QT_TRANSLATE_NOOP("Messages", "{name}: this file has changed since this answer was made; classify it again to "
                                  "see its answer."),
    QT_TRANSLATE_NOOP("Messages", "{name}: permission denied; check the file's access rights."),
    QT_TRANSLATE_NOOP("Messages", "{name}: cannot be read ({why})."),
    QT_TRANSLATE_NOOP("Messages", "CPU ({count} cores)"),  # where a model was trained (its card)
    # A model or a folder of labelled films that cannot be used (the window's boxes, the model check).
    QT_TRANSLATE_NOOP("Messages", "{name}: no such model; give the path of a .keras model file (its card {card} "
                                  "lies beside it)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: model card not found next to {model}."),
    QT_TRANSLATE_NOOP("Messages", "{name}: model card is not readable JSON ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: model file not found."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the file does not match its model card (sha256 differs); it was changed "
                                  "or damaged - reinstall or retrain it."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not a Keras model archive ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not a model bundle (expected a .keras file with its .json card)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: cannot load this model ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: expected a folder with COVID/ and Normal/ sub-folders, or a manifest "
                                  "CSV."),
    QT_TRANSLATE_NOOP("Messages", "{name}: no sub-folder for class {classes} (expected e.g. COVID/ and Normal/, "
                                  "any case)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: no sub-folder for class {classes} (expected e.g. COVID/ and Normal/, "
                                  "any case); it has {folders}."),
    QT_TRANSLATE_NOOP("Messages", "the {split} split needs films of both classes; it has {covid} COVID-19 and "
                                  "{normal} Normal. The data hold {all_covid} COVID-19 and {all_normal} Normal "
                                  "films: at least {n} of each are needed for a model and its figures."),
    QT_TRANSLATE_NOOP("Messages", "the {split} split needs readable films of both classes; it has {covid} COVID-19 "
                                  "and {normal} Normal. The data hold {all_covid} COVID-19 and {all_normal} Normal "
                                  "films: at least {n} of each are needed for a model and its figures."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the file is empty (0 bytes)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: is a folder, not an image file."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the content is not an image despite its {suffix} name."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not an image or DICOM file."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not a readable image (the content is not PNG, JPEG, BMP, TIFF, JPEG 2000 "
                                  "or WebP)."),
    # as rows stored before JPEG 2000 and WebP were read say it
    QT_TRANSLATE_NOOP("Messages", "{name}: not a readable image (the content is not PNG, JPEG, BMP or TIFF)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: a damaged {kind} file; its structure cannot be read."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the image is damaged or truncated ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not a readable DICOM file ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: DICOM file holds no image (no pixel data); nothing to classify."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the file ends inside its DICOM header, before its image; it is cut short "
                                  "or damaged."),
    QT_TRANSLATE_NOOP("Messages", "{name}: {syntax} DICOM needs a decoder plugin - install {plugin}."),
    QT_TRANSLATE_NOOP("Messages", "{name}: its pixel data is shorter than its image size needs ({have} of {need} "
                                  "bytes); the file is cut short or damaged."),
    QT_TRANSLATE_NOOP("Messages", "{name}: its {syntax} pixel data is damaged or cut short and cannot be decoded."),
    QT_TRANSLATE_NOOP("Messages", "{name}: its pixel data is {syntax} with 12-bit samples, which this app's "
                                  "decoders cannot read reliably; ask the sender for an uncompressed, JPEG lossless or "
                                  "JPEG 2000 copy."),
    QT_TRANSLATE_NOOP("Messages", "{name}: its pixel data is in {syntax}, which this app cannot decode."),
    QT_TRANSLATE_NOOP("Messages", "{name}: a deflated DICOM file without its preamble; save it again with a DICOM tool "
                                  "(which writes the preamble) to classify it."),
    QT_TRANSLATE_NOOP("Messages", "{name}: its deflated data set inflates to more than {mb} MB, more than any film "
                                  "needs; it was not read."),
    QT_TRANSLATE_NOOP("Messages", "{name}: DICOM pixel data could not be decoded ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: decoding took longer than {seconds} s and was abandoned "
                                  "(a damaged or hostile file?)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the decoder crashed on this file ({how}) and it was skipped "
                                  "(a damaged or hostile file?)."),
    QT_TRANSLATE_NOOP("Messages", "{name}: a heat-map picture made by this app, not an X-ray; classify the "
                                  "original film instead."),
    QT_TRANSLATE_NOOP("Messages", "{name}: {kind}, not a regular file; it is not read."),
    QT_TRANSLATE_NOOP("Messages", "{name}: unexpected error while reading ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{rule}; not met: sensitivity {found} there at the lowest threshold, {lowest}"),
    QT_TRANSLATE_NOOP("Messages", "{rule}; lowered to the balanced threshold, since that keeps a higher sensitivity "
                                  "already"),
    # How the core names a folder of labelled films (training/dataset.py), and one it does not use.
    QT_TRANSLATE_NOOP("Messages", "{name}/: not used, its name is not a class's (name it COVID or Normal to use its "
                                  "films)"),
    QT_TRANSLATE_NOOP("Messages", "class folders in {folder} (patients: {parts})"),  # before the plain one
    QT_TRANSLATE_NOOP("Messages", "class folders in {folder}"),
    QT_TRANSLATE_NOOP("Messages", "{n} films of {count} patients by their DICOM PatientID"),
    QT_TRANSLATE_NOOP("Messages", "{n} films whose PatientID is shared by too many to name a patient"),
    QT_TRANSLATE_NOOP("Messages", "{n} copies kept with the film they copy"),
    QT_TRANSLATE_NOOP("Messages", "{n} films each counted as a patient of its own (no PatientID)"),
    # Notes on how a file was read (imaging/), shown beside its answer.
    QT_TRANSLATE_NOOP("Messages", "multi-frame DICOM ({frames} frames): the first frame was used."),
    QT_TRANSLATE_NOOP("Messages", "multi-page {format} ({n} pages): the first page was used."),
    QT_TRANSLATE_NOOP("Messages", "its pixels are not square ({rows} x {columns} mm): it was read as a viewer shows "
                                  "it."),
    QT_TRANSLATE_NOOP("Messages", "not a frontal chest X-ray ({reason}); no prediction."),
    QT_TRANSLATE_NOOP("Messages", "{reason}; no prediction."),
    QT_TRANSLATE_NOOP("Messages", "DICOM modality is {modality}, not a radiograph"),
    QT_TRANSLATE_NOOP("Messages", "a lateral view (ViewPosition {view})"),
    QT_TRANSLATE_NOOP("Messages", "body part is {part}, not chest"),
    QT_TRANSLATE_NOOP("Messages", "a colour picture"),
    QT_TRANSLATE_NOOP("Messages", "shape {w} x {h} is far from a chest film's"),
    QT_TRANSLATE_NOOP("Messages", "only {w} x {h} pixels, too small to judge; use the full-size film"),
    QT_TRANSLATE_NOOP("Messages", "a blank image"),
    QT_TRANSLATE_NOOP("Messages", "not judged: its greys span only {levels} levels (a faded or posterised copy), "
                                  "fewer than any film the model learnt from; use the original film, with its "
                                  "full range of grey"),
    QT_TRANSLATE_NOOP("Messages", "it looks rotated or upside down"),
    QT_TRANSLATE_NOOP("Messages", "it looks like a negative, with bones dark and lungs light; "
                                  "save it again as a positive"),
    QT_TRANSLATE_NOOP("Messages", "not judged: no two lung fields side by side were found, as in a lateral view "
                                  "(a white-out lung can hide one too)"),
    QT_TRANSLATE_NOOP("Messages", "it does not look like a chest X-ray"),
    QT_TRANSLATE_NOOP("Messages", "not judged: it looks like a lateral view or a CT slice rather than a frontal "
                                  "chest X-ray (an unusual frontal film can look so too)"),
    # The same two as results stored by earlier releases said them.
    QT_TRANSLATE_NOOP("Messages", "not a frontal chest X-ray: no two lung fields side by side were found "
                                  "(a lateral view shows one)"),
    QT_TRANSLATE_NOOP("Messages", "not a frontal chest X-ray: it looks like a lateral view or a CT slice"),
    QT_TRANSLATE_NOOP("Messages", "outside what this model was trained on: it differs from every film the "
                                  "model learnt from"),
    # The results store's sentences (store.py), at start and while it is used, as the window says them
    # (window_form: without --db, which a person who starts the app from its icon cannot give).
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be opened (its path is {n} bytes long; SQLite "
                                  "opens paths of fewer than {limit})."),  # before the plain one
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be opened ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: not a usable results store ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: a {kind} image, not a results store; it was left as it is."),
    QT_TRANSLATE_NOOP("Messages", "{name}: this is another application's database, not a results store; it was "
                                  "left as it is."),
    QT_TRANSLATE_NOOP("Messages", "{name}: this results store was written by a newer version of the app (schema "
                                  "{version}); update the app."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be written ({why}); nothing was deleted."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be written ({why})."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be written in {folder} ({why}); check that "
                                  "folder's and the file's write permissions."),
    QT_TRANSLATE_NOOP("Messages", "{name}: {path} is not a file, so it cannot be a results store."),
    QT_TRANSLATE_NOOP("Messages", "{name}: the results store cannot be read ({why})."),
    QT_TRANSLATE_NOOP("Messages", "a named pipe"),
    QT_TRANSLATE_NOOP("Messages", "a device"),
    QT_TRANSLATE_NOOP("Messages", "a socket"),
    # The batch shift test's warnings (model/shift.py: one of its MESSAGES, then its ADVICE).
    QT_TRANSLATE_NOOP("Messages", "The films this model calls COVID-19 look unlike those it was checked on, so its "
                                  "results on them may be wrong here. Check the model on about 100 of this site's "
                                  "labelled films (Tools ▸ Check the model on my films) before relying on it."),
    QT_TRANSLATE_NOOP("Messages", "The films this model calls Normal look unlike those it was checked on, so its "
                                  "results on them may be wrong here. Check the model on about 100 of this site's "
                                  "labelled films (Tools ▸ Check the model on my films) before relying on it."),
    QT_TRANSLATE_NOOP("Messages", "The films this model calls COVID-19 and those it calls Normal look unlike those "
                                  "it was checked on, so its results on them may be wrong here. Check the model on "
                                  "about 100 of this site's labelled films (Tools ▸ Check the model on my films) "
                                  "before relying on it."),
    QT_TRANSLATE_NOOP("Messages", "These films, taken together, look unlike every collection of films this "
                                  "model learnt from (other machines, other processing or other patients), so "
                                  "its results on them may be wrong here. Check the model on about 100 of this "
                                  "site's labelled films (Tools ▸ Check the model on my films) before relying "
                                  "on it."),
    QT_TRANSLATE_NOOP("Messages", "The films this model calls COVID-19 look unlike those it was checked on, and"
                                  " these films taken together look unlike every collection it learnt from, so "
                                  "its results on them may be wrong here. Check the model on about 100 of this "
                                  "site's labelled films (Tools ▸ Check the model on my films) before relying "
                                  "on it."),
    QT_TRANSLATE_NOOP("Messages", "The films this model calls Normal look unlike those it was checked on, and "
                                  "these films taken together look unlike every collection it learnt from, so "
                                  "its results on them may be wrong here. Check the model on about 100 of this "
                                  "site's labelled films (Tools ▸ Check the model on my films) before relying "
                                  "on it."),
    QT_TRANSLATE_NOOP("Messages", "The films this model calls COVID-19 and those it calls Normal look unlike "
                                  "those it was checked on, and these films taken together look unlike every "
                                  "collection it learnt from, so its results on them may be wrong here. Check "
                                  "the model on about 100 of this site's labelled films (Tools ▸ Check the "
                                  "model on my films) before relying on it."),
    QT_TRANSLATE_NOOP("Messages", "On your {films}: {metric} {numbers}, below the {card} the model card reports."),
    QT_TRANSLATE_NOOP("Messages", "On your {films}: {metric} {numbers}; the model card reports {card} from its own "
                                  "few check films, and the two intervals overlap: more films would tell."),
    QT_TRANSLATE_NOOP("Messages", "On your {films}: {metric} {numbers}; the model card reports {card}, which is "
                                  "within this interval: more films would tell."),
    QT_TRANSLATE_NOOP("Messages", "On your {films}: {metric} {numbers}, in line with the {card} the model card "
                                  "reports."),
    QT_TRANSLATE_NOOP("Messages", "On your {films}: {metric} {numbers}."),
    QT_TRANSLATE_NOOP("Messages", "The model refused {share} of your films as unlike what it can judge."),
    QT_TRANSLATE_NOOP("Messages", "Do not rely on this model here without adapting it to your films (Tools ▸ Train "
                                  "or adapt a model)."),
    QT_TRANSLATE_NOOP("Messages", "{n} COVID-19 films"),
    QT_TRANSLATE_NOOP("Messages", "{n} Normal films"),
    QT_TRANSLATE_NOOP("Messages", "Nothing here says the model works worse on your films than on its own test films."),
    QT_TRANSLATE_NOOP("Messages", "None of your films could be judged (all were refused or unreadable)."),
    QT_TRANSLATE_NOOP("Messages", "No films were found in those folders."),
    QT_TRANSLATE_NOOP("Messages", "sensitivity"),
    QT_TRANSLATE_NOOP("Messages", "specificity"),
    NO_AVX,  # cpu.py's sentence, shown by the training dialog
    QT_TRANSLATE_NOOP("Messages", "Too few films to judge: {covid} COVID-19 and {normal} normal films could be "
                                  "judged; a verdict needs at least {n} of each."),
    BY_HAND,  # a site check at a threshold set by hand
]


# The command line's advice at the end of the results store's sentences (store.py), and what stays of it.
_DB_ADVICE = (("; move it aside or choose another with --db.", "."), ("; choose another with --db.", "."),
              ("; choose a file with --db.", "."), (", or choose another store with --db.", "."),
              (" or choose another store with --db.", "."), (" Choose another file with --db.", ""))


def window_form(message: str) -> str:
    """`message` as the window says it: without the command line's --db, which a person who starts the
    app from its icon cannot give (the window says where the store is instead)."""
    for advice, rest in _DB_ADVICE:
        message = message.replace(advice, rest)
    return message


def translated(message: str) -> str:
    """`message` in the interface's language, its inner sentences translated too."""
    return translate_message(window_form(message), TEMPLATES,
                             lambda template: QCoreApplication.translate("Messages", template))
