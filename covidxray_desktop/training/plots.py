"""Small line charts (ROC, training curves) drawn with Pillow: no plotting dependency to ship."""
from functools import lru_cache
from itertools import groupby

from PIL import Image, ImageDraw, ImageFont

from covidxray_desktop.files import write_through

COLOURS = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167)]  # Okabe-Ito


def line_chart(series: dict, path, title: str, xlabel: str, ylabel: str, diagonal: bool = False,
               xrange=(0.0, 1.0), yrange=(0.0, 1.0), size=(640, 480)) -> None:
    """series: name -> (xs, ys). Axes fixed to xrange/yrange."""
    w, h = size
    left, right, top, bottom = 60, 20, 40, 50
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=13)

    def px(x, y):
        fx = (x - xrange[0]) / ((xrange[1] - xrange[0]) or 1)
        fy = (y - yrange[0]) / ((yrange[1] - yrange[0]) or 1)
        return left + fx * (w - left - right), h - bottom - fy * (h - top - bottom)

    d.rectangle((left, top, w - right, h - bottom), outline="black")
    for i in range(6):
        fx = xrange[0] + i * (xrange[1] - xrange[0]) / 5
        fy = yrange[0] + i * (yrange[1] - yrange[0]) / 5
        x, _ = px(fx, yrange[0])
        _, y = px(xrange[0], fy)
        d.text((x - 10, h - bottom + 6), f"{fx:.3g}", fill="black", font=font)
        d.text((8, y - 7), f"{fy:.3g}", fill="black", font=font)
    if diagonal:
        d.line([px(xrange[0], yrange[0]), px(xrange[1], yrange[1])], fill=(180, 180, 180), width=1)
    for k, (name, (xs, ys)) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [px(x, y) for x, y in zip(xs, ys)]
        if len(points) > 1:
            d.line(points, fill=colour, width=2)
        # Legend where the curves are not: lower right under the ROC diagonal, mid-right otherwise.
        ly = h - bottom - 12 - 16 * (len(series) - k) if diagonal else (top + h - bottom) / 2 + 16 * k
        _text(d, (w - right - 190, ly), name, colour, font)
    _text(d, (left + 90, 12), title, "black", font)
    _text(d, ((w - len(xlabel) * 6) / 2, h - 22), xlabel, "black", font)
    _text(d, (8, top - 22), ylabel, "black", font)
    write_through(path, lambda fh: im.save(fh, "PNG"))


def _text(d, xy, text: str, fill, font) -> None:
    """Latin runs in Pillow's font, Chinese ones in the app's shipped Chinese font (which has no
    Latin letters), one after the other: a translated label prints as words, not boxes."""
    x, y = xy
    for wide, run in groupby(text, key=lambda ch: ord(ch) > 127):
        run = "".join(run)
        face = (_chinese() or font) if wide else font
        d.text((x, y), run, fill=fill, font=face)
        x += d.textlength(run, font=face)


@lru_cache(maxsize=1)
def _chinese():
    from covidxray_desktop.paths import chinese_font

    path = chinese_font()
    return ImageFont.truetype(str(path), 13) if path.is_file() else None
