"""The training dialog's upper half: what to do (adapt or train), on which data, with which settings."""
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QRadioButton, QSizePolicy,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from covidxray_desktop.gui import messages
from covidxray_desktop.training.estimate import SPLITS

ROWS = ("covid", "normal")  # the preview's rows: the positive class first


class TrainingSetup(QWidget):
    dataChosen = Signal(str)
    changed = Signal()  # epochs or architecture: the estimate changes
    splitChanged = Signal()  # the mode or the seed: the preview's split changes

    def __init__(self, can_adapt: bool, parent=None):
        super().__init__(parent)
        mode_box = QGroupBox(self.tr("What to do"))
        self.adapt_radio = QRadioButton(self.tr("Adapt the current model to my films (keeps what it learnt; "
                                                "minutes, tens of films are enough)"))
        self.train_radio = QRadioButton(self.tr("Train a new model (needs hundreds of films per class)"))
        self.mode_group = QButtonGroup(self)
        for b in (self.adapt_radio, self.train_radio):
            self.mode_group.addButton(b)
        self.adapt_radio.setEnabled(can_adapt)
        (self.adapt_radio if can_adapt else self.train_radio).setChecked(True)
        self.mode_group.buttonToggled.connect(lambda *_: self._mode_changed())
        mode = QVBoxLayout(mode_box)
        mode.addWidget(self.adapt_radio)
        mode.addWidget(self.train_radio)

        data_box = QGroupBox(self.tr("Data"))
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText(self.tr("COVID/ and Normal/ folders, or a manifest CSV"))  # short: whole
        self.data_edit.setToolTip(self.tr("A folder with COVID/ and Normal/ sub-folders, or a manifest CSV"))
        self.data_edit.setMinimumWidth(self.data_edit.fontMetrics().horizontalAdvance(
            self.data_edit.placeholderText()) + 16)
        self.data_edit.editingFinished.connect(lambda: self.dataChosen.emit(self.data_edit.text().strip()))
        self.folder_button = QPushButton(self.tr("Folder…"))
        self.folder_button.clicked.connect(self._choose_folder)
        self.manifest_button = QPushButton(self.tr("Manifest CSV…"))
        self.manifest_button.clicked.connect(self._choose_manifest)
        row = QHBoxLayout()
        row.addWidget(self.data_edit, 1)
        row.addWidget(self.folder_button)
        row.addWidget(self.manifest_button)
        self.preview_table = QTableWidget(len(ROWS) + 1, len(SPLITS) + 1)
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.setFocusPolicy(Qt.NoFocus)
        self.preview_table.setVerticalHeaderLabels([self.tr("COVID-19"), self.tr("Normal"), self.tr("total")])
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self._fit_table()
        self.preview_label = QLabel(self.tr("Choose the data."), wordWrap=True)
        box = QVBoxLayout(data_box)
        box.addLayout(row)
        box.addWidget(self.preview_table)
        box.addWidget(self.preview_label)

        settings_box = QGroupBox(self.tr("Settings"))
        self.epochs_spin = QSpinBox(minimum=1, maximum=500, value=16)
        self.arch_combo = QComboBox()
        self.arch_combo.addItem(self.tr("efficientnet (shipped: ImageNet start, whole film, 224 px)"), "efficientnet")
        self.arch_combo.addItem(self.tr("default (from scratch: lung view, 160 px, 0.3 M parameters)"), "default")
        self.arch_combo.addItem(self.tr("article (2020 CNN: 224 px RGB, 97 M parameters)"), "article")
        # Its long items cut short on a narrow screen rather than widening the dialog past it; the list
        # shows them whole.
        self.arch_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.arch_combo.setMinimumContentsLength(24)
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        # Adapting only: the default point keeps this sensitivity on the site's films, at the best
        # balanced accuracy (the screening point keeps 0.95).
        self.sensitivity_spin = QDoubleSpinBox(minimum=0.5, maximum=0.99, singleStep=0.01, decimals=2, value=0.90)
        self.sensitivity_spin.setToolTip(self.tr("The share of COVID-19 films the adapted model's default threshold "
                                                 "must find on your films; among the thresholds that do, the one "
                                                 "that labels right the most films of both classes"))
        self.device_label = QLabel(self.tr("Checking the device…"), wordWrap=True)
        form = QFormLayout(settings_box)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)
        form.addRow(self.tr("Architecture:"), self.arch_combo)
        form.addRow(self.tr("Seed (data split and weights):"), self.seed_spin)
        form.addRow(self.tr("Sensitivity to keep (adapting):"), self.sensitivity_spin)
        self.epochs_spin.valueChanged.connect(self.changed)
        self.seed_spin.valueChanged.connect(self.splitChanged)
        self.arch_combo.currentIndexChanged.connect(self.changed)

        # What to do across the top (its first choice is a long line), the data and the settings side by
        # side under it: beside both, that line held the dialog wider than a laptop's screen.
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(mode_box)
        below = QHBoxLayout()
        below.addWidget(data_box, 3)
        below.addWidget(settings_box, 2)
        column.addLayout(below)
        # The device and the estimate across the whole width: in the settings' narrow column the
        # sentence took six lines, and a short screen cut it off.
        column.addWidget(self.device_label)
        # Never squeezed by the curves and the report below: the counts must stay readable.
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self._mode_changed()
        self.fill_preview(None)  # its column heads before any data is chosen, not Qt's numbers

    def described(self, text: str) -> str:
        """The data as the core describes it ('class folders in site/'), in the interface's words."""
        return messages.translated(text)

    def _fit_table(self) -> None:
        """Exactly as tall as its rows, in whatever font the language brings: never clipped."""
        t = self.preview_table
        t.resizeRowsToContents()
        t.setFixedHeight(t.verticalHeader().length() + t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth())

    def adapting(self) -> bool:
        return self.adapt_radio.isChecked()

    def arch(self) -> str:
        return self.arch_combo.currentData()

    def set_enabled(self, idle: bool) -> None:
        for w in (self.data_edit, self.folder_button, self.manifest_button, self.epochs_spin, self.arch_combo,
                  self.seed_spin, self.sensitivity_spin, self.adapt_radio, self.train_radio):
            w.setEnabled(idle and (w is not self.adapt_radio or self.adapt_radio.property("possible") is not False))
        self.arch_combo.setEnabled(idle and not self.adapting())
        self.sensitivity_spin.setEnabled(idle and self.adapting())

    def fill_preview(self, counts: dict | None) -> None:
        adapt = self.adapting()
        heads = [self.tr("adapt"), "", self.tr("check"), self.tr("all")] if adapt else \
            [self.tr("train"), self.tr("val"), self.tr("test"), self.tr("all")]
        self.preview_table.setHorizontalHeaderLabels(heads)
        self.preview_table.setColumnHidden(1, adapt)
        for r in range(len(ROWS) + 1):
            for c in range(len(SPLITS) + 1):
                if counts is None:
                    text = "–"
                else:
                    splits = SPLITS if c == len(SPLITS) else SPLITS[c:c + 1]
                    classes = ROWS if r == len(ROWS) else ROWS[r:r + 1]
                    text = str(sum(counts[s][k] for s in splits for k in classes))
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                self.preview_table.setItem(r, c, item)
        self._fit_table()

    def show_estimate(self, device: str, rate: float | None, counts: dict | None, backend: str | None = None) -> None:
        """The device (and the Keras backend on it), and a first estimate timed on this PC (the job
        refines it as it runs)."""
        from covidxray_desktop.training.estimate import estimate_s

        device = device.replace("GPU: ", "GPU ")
        cores = re.fullmatch(r"CPU \((\d+) cores\)", device)
        if cores:
            device = self.tr("the processor (%1 cores)").replace("%1", cores.group(1))
        if backend:
            device = self.tr("%1 with %2").replace("%1", device).replace("%2", backend)
        if counts is None or rate is None:
            self.device_label.setText(self.tr("Trains on {0}.").format(device))
            return
        n_train = sum(counts["train"].values())
        n_all = sum(sum(c.values()) for c in counts.values())
        # Adapting runs the frozen blocks once per copy and trains only the top on their outputs:
        # a training image costs about a fifth.
        minutes = estimate_s(rate * (0.2 if self.adapting() else 1.0), self.epochs_spin.value(), n_train, n_all) / 60
        when = (self.tr("this will take less than a minute") if minutes < 1 else
                self.tr("this will take about {0} minutes (timed on this PC; the estimate is refined as it runs)")
                .format(round(minutes)))
        text = self.tr("Trains on {0} — {1}.").format(device, when)
        if not device.startswith("GPU"):  # the installed app's TensorFlow has no GPU support
            text += " " + self.tr("This PC trains on its processor, not a graphics card (GPU); your IT staff can "
                                  "set up training on a GPU machine (see the README).")
        self.device_label.setText(text)

    def _mode_changed(self) -> None:
        self.epochs_spin.setValue(10 if self.adapting() else 16)
        self.arch_combo.setEnabled(not self.adapting())
        self.sensitivity_spin.setEnabled(self.adapting())
        self.splitChanged.emit()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Training data folder"), self.data_edit.text())
        if folder:
            self.data_edit.setText(folder)
            self.dataChosen.emit(folder)

    def _choose_manifest(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Training manifest"), self.data_edit.text(),
                                              self.tr("Manifest (*.csv)"))
        if path:
            self.data_edit.setText(path)
            self.dataChosen.emit(path)
