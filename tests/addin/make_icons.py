"""Draw the add-in's ribbon icons (xlbilling/_serve/addin/icon-16.png, -32, -80): a green sheet with a ruled
table and a coin. Run it again after changing the drawing: `.venv/bin/python tests/addin/make_icons.py`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

GREEN, LIGHT, GOLD, EDGE = (16, 124, 65, 255), (255, 255, 255, 255), (245, 190, 40, 255), (150, 100, 0, 255)
SIZES = (16, 32, 80)
FOLDER = Path(__file__).resolve().parents[2] / "xlbilling" / "_serve" / "addin"


def icon(size: int) -> Image.Image:
    """The icon at ``size`` pixels, drawn at 8x and scaled down so its edges stay smooth."""
    big = size * 8
    unit = big / 16
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((unit * 1, unit * 1, unit * 15, unit * 15), radius=unit * 2, fill=GREEN)
    for row in (5, 8, 11):  # the table's rules under a header band
        draw.rectangle((unit * 3, unit * row, unit * 13, unit * row + unit * 0.9), fill=LIGHT)
    draw.rectangle((unit * 3, unit * 2.8, unit * 13, unit * 4), fill=LIGHT)
    draw.ellipse((unit * 8.5, unit * 8.5, unit * 15.5, unit * 15.5), fill=GOLD, outline=EDGE, width=round(unit * 0.6))
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    for size in SIZES:
        icon(size).save(FOLDER / f"icon-{size}.png", optimize=True)
