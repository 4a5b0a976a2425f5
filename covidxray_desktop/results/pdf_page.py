"""A report's page: the fonts (Latin and an embedded Chinese one, chosen per run of characters),
the header and footer with "page n of N" (N known only at the end), wrapped and elided text."""
import datetime as dt
import locale
import os
import re

from covidxray_desktop import DISCLAIMER


LETTER_COUNTRIES = {"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "PR", "CR", "PA", "DO", "SV", "NI"}


def page_size(country: str | None = None):
    """Letter where the locale's country uses it, else A4."""
    from reportlab.lib.pagesizes import A4, LETTER

    if country is None:
        code = (locale.getlocale()[0] or os.environ.get("LANG", "")).split(".")[0]
        country = code.split("_")[-1].upper() if "_" in code else ""
    return LETTER if country.upper() in LETTER_COUNTRIES else A4


def identity(text: str) -> str:
    return text


SUBSTITUTES = str.maketrans({"\u25b8": "\u203a", "\u25b6": "\u203a", "\u2192": "->"})  # menu arrows


class Fonts:
    """Helvetica for Latin text, an embedded Chinese font for Chinese, chosen per run of characters,
    so a Chinese report keeps Latin digits and an English one can print a Chinese file name."""

    def __init__(self):
        self.regular, self.bold = "Helvetica", "Helvetica-Bold"
        self.cjk = _cjk_font()

    def runs(self, text: str, bold: bool = False) -> list:
        """[(piece, font)] covering `text`."""
        latin = self.bold if bold else self.regular
        out = []
        for ch in str(text).translate(SUBSTITUTES):
            font = self.cjk if ord(ch) >= 0x2E80 else latin
            if out and out[-1][1] == font:
                out[-1][0] += ch
            else:
                out.append([ch, font])
        return out

    def width(self, text: str, size: float, bold: bool = False) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return sum(stringWidth(piece, font, size) for piece, font in self.runs(text, bold))

    def draw(self, c, x: float, y: float, text: str, size: float, bold: bool = False, right: bool = False) -> None:
        if right:
            x -= self.width(text, size, bold)
        for piece, font in self.runs(text, bold):
            c.setFont(font, size)
            if bold and font == self.cjk:  # the Chinese font has no bold face: fill and stroke it
                c.saveState()
                # Thin: twice this filled dense glyphs (诊断设备) solid in small print.
                c.setLineWidth(size * 0.022)
                c.drawString(x, y, piece, mode=2)
                c.restoreState()
            else:
                c.drawString(x, y, piece)
            x += self.width(piece, size, bold)

    def fit(self, text: str, width: float, size: float, bold: bool = False) -> str:
        """`text`, its middle elided to fit `width`: long names that differ only at their ends stay apart."""
        text = str(text)
        if self.width(text, size, bold) <= width:
            return text
        keep = len(text)
        while keep > 2:
            keep -= 1
            head = (keep + 1) // 2
            trial = text[:head] + "\u2026" + text[len(text) - (keep - head):]
            if self.width(trial, size, bold) <= width:
                return trial
        return text[:1] + "\u2026"


def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from covidxray_desktop.paths import chinese_font

    name = "CovidxrayCJK"
    if name not in pdfmetrics.getRegisteredFontNames():
        path = chinese_font()  # embedded (only the glyphs used): no reader needs its own
        if not path.is_file():  # a damaged install: the reader's own Chinese font, not embedded
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
            return "STSong-Light"
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


class Page:
    """Page furniture: header, footer with notice and page numbers, text helpers."""

    def __init__(self, c, size, fonts, tr):
        self.c, (self.w, self.h), self.fonts, self.tr = c, size, fonts, tr
        self.margin = 42
        self.number = 0
        self.y = 0.0  # where the next thing goes, for helpers that share a page
        self.today = dt.date.today().isoformat()
        c.footer = self._numbers

    def start(self, title: str) -> float:
        self.number += 1
        c, m = self.c, self.margin
        f = self.fonts
        dated = self.tr("Report of {0}").format(self.today)
        f.draw(c, self.w - m, self.h - m - 6, dated, 9, right=True)
        f.draw(c, m, self.h - m - 6, f.fit(title, self.w - 2 * m - f.width(dated, 9) - 12, 15, True), 15, True)
        c.setLineWidth(0.5)
        c.line(m, self.h - m - 14, self.w - m, self.h - m - 14)
        f.draw(c, m, m - 16, self.tr(DISCLAIMER), 9, True)
        return self.h - m - 34

    def _numbers(self, number: int, total: int) -> None:
        self.fonts.draw(self.c, self.w - self.margin, self.margin - 16,
                        self.tr("Page {0} of {1}").format(number, total), 9, right=True)

    def end(self) -> None:
        self.c.showPage()

    def text(self, x, y, text, size=10, bold=False, width=None, colour=(0, 0, 0)) -> float:
        """Draw wrapped text whose top is at y; returns the y below it."""
        y -= size
        f = self.fonts
        self.c.setFillColorRGB(*colour)
        self.c.setStrokeColorRGB(*colour)
        width = width or (self.w - self.margin - x)
        for paragraph in str(text).split("\n"):
            line = ""
            for word in (piece for w in _words(paragraph) for piece in self._pieces(w, width, size, bold)):
                trial = line + word
                if f.width(trial, size, bold) > width and line:
                    f.draw(self.c, x, y, line.rstrip(), size, bold)
                    y -= size * 1.3
                    line = word.lstrip()
                else:
                    line = trial
            f.draw(self.c, x, y, line.rstrip(), size, bold)
            y -= size * 1.3
        self.c.setFillColorRGB(0, 0, 0)
        self.c.setStrokeColorRGB(0, 0, 0)
        return y + size - 0.3 * size


    def _pieces(self, word: str, width: float, size: float, bold: bool) -> list:
        """A word wider than the line (a deep folder's path, a long Patient ID, a model's name) cut
        where it fits, after a separator (/ \\ @ + _ - .) where there is one, else between characters:
        never past the edge."""
        f = self.fonts
        if f.width(word, size, bold) <= width:
            return [word]
        pieces, piece = [], ""
        for part in re.findall(r"[^/\\@+_.-]*[/\\@+_.-]|[^/\\@+_.-]+", word):
            if f.width(piece + part, size, bold) <= width:
                piece += part
                continue
            if piece:
                pieces.append(piece)
            piece = ""
            for ch in part:  # a part alone too wide
                if piece and f.width(piece + ch, size, bold) > width:
                    pieces.append(piece)
                    piece = ""
                piece += ch
        return pieces + [piece] if piece else pieces


# Chinese typesetting: these never begin a line, and these never end one.
_NO_LINE_START = "，。；：、！？）」』】》〉”’…"
_NO_LINE_END = "（「『【《〈“‘"


def _words(text: str) -> list:
    """Words with their spaces; CJK text breaks between any two characters, but not before its
    closing punctuation or after its opening one."""
    out, word = [], ""
    for ch in text:
        if ch in _NO_LINE_START and (word or out):
            if word:
                word += ch
            else:
                out[-1] += ch
        elif ord(ch) > 0x2E80:
            if word and word[-1] not in _NO_LINE_END:
                out.append(word)
                word = ""
            if ch in _NO_LINE_END:
                word += ch
            else:
                out.append(word + ch)
                word = ""
        elif ch == " ":
            out.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    return out


def numbered_canvas(path, pagesize):
    """A reportlab canvas that writes "page n of N" on every page once N is known (at save)."""
    from reportlab.pdfgen import canvas

    class Numbered(canvas.Canvas):
        footer = None  # (number, total) -> None, drawn on the page being finished

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                if self.footer is not None:
                    self.footer(number, total)
                super().showPage()
            super().save()

    return Numbered(str(path), pagesize=pagesize, pageCompression=1)
