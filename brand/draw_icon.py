#!/usr/bin/env python3
"""Draw the integration's brand icon: a 3D-printer hotend printing a bar chart.

Writes icon.png (256x256) and icon@2x.png (512x512) next to this file and into
custom_components/printernizer_usage/brand/, on a
transparent background. Needs Pillow, which is not a dependency of the
integration; run it from a throwaway virtual environment:

    python3.13 -m venv /tmp/iconvenv && /tmp/iconvenv/bin/pip install pillow
    /tmp/iconvenv/bin/python brand/draw_icon.py

Shapes are given on a 256x256 grid, drawn four times larger and scaled down,
which smooths the edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SUPERSAMPLE = 4

ORANGE = (247, 147, 30)
ORANGE_DARK = (214, 96, 22)
ORANGE_LIGHT = (255, 214, 170)
TEAL = (22, 160, 150)
TEAL_DARK = (14, 110, 110)
METAL = (96, 125, 139)
BED = (120, 144, 156)

Box = tuple[float, float, float, float]


class Canvas:
    """Pillow drawing with coordinates on the 256x256 design grid."""

    def __init__(self, size: int) -> None:
        """Start a transparent, supersampled image for a size x size icon."""
        self.size = size
        self.scale = size * SUPERSAMPLE / 256
        self.image = Image.new("RGBA", (size * SUPERSAMPLE,) * 2, (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)

    def _box(self, box: Box) -> list[float]:
        return [value * self.scale for value in box]

    def rect(
        self,
        box: Box,
        fill: tuple[int, int, int],
        radius: float = 0,
        *,
        round_bottom: bool = True,
    ) -> None:
        """Fill a (rounded) rectangle given as left, top, right, bottom."""
        self.draw.rounded_rectangle(
            self._box(box),
            radius=radius * self.scale,
            fill=fill,
            corners=(True, True, round_bottom, round_bottom),
        )

    def polygon(
        self, points: list[tuple[float, float]], fill: tuple[int, int, int]
    ) -> None:
        """Fill a polygon."""
        self.draw.polygon(
            [(x * self.scale, y * self.scale) for x, y in points], fill=fill
        )

    def circle(
        self, centre: tuple[float, float], radius: float, fill: tuple[int, int, int]
    ) -> None:
        """Fill a circle."""
        x, y = centre
        self.draw.ellipse(
            self._box((x - radius, y - radius, x + radius, y + radius)), fill=fill
        )

    def result(self) -> Image.Image:
        """Scale down to the final size."""
        return self.image.resize((self.size, self.size), Image.Resampling.LANCZOS)


def printed_bar(
    canvas: Canvas, left: float, top: float, right: float, radius: float = 6
) -> None:
    """Draw one bar of the chart as a printed part with visible layer lines."""
    bottom = 232
    canvas.rect((left, top, right, bottom), TEAL, radius)
    layer = bottom - 18
    while layer > top + 8:
        canvas.rect((left, layer, right, layer + 3), TEAL_DARK)
        layer -= 16


def draw(size: int) -> Image.Image:
    """Draw the icon at size x size pixels."""
    canvas = Canvas(size)

    # A rising bar chart, printed on the print bed.
    printed_bar(canvas, 30, 172, 82)
    printed_bar(canvas, 174, 116, 226)
    # The middle bar is being printed: its top layer is half laid down.
    printed_bar(canvas, 102, 167, 154, radius=0)
    canvas.rect((102, 152, 134, 167), TEAL, radius=6, round_bottom=False)
    canvas.rect((102, 165, 134, 168), TEAL_DARK)
    canvas.rect((16, 226, 240, 244), BED, radius=9)

    # Hotend: heat sink fins around the filament tube, heater block, nozzle.
    canvas.rect((120, 12, 136, 56), METAL)
    for fin_top in (10, 25, 40):
        canvas.rect((92, fin_top, 164, fin_top + 10), METAL, radius=5)
    canvas.rect((82, 54, 174, 106), ORANGE, radius=11)
    canvas.circle((106, 80), 9, ORANGE_LIGHT)
    canvas.polygon([(102, 104), (154, 104), (137, 132), (119, 132)], ORANGE_DARK)
    canvas.rect((119, 128, 137, 140), ORANGE_DARK, radius=3)
    # Fresh filament from the nozzle into the layer being printed.
    canvas.rect((124, 138, 132, 156), TEAL, radius=2)

    return canvas.result()


def main() -> None:
    """Write icon.png and icon@2x.png beside this script and into the integration.

    HACS and the brands repository read this folder; Home Assistant 2026.3 and
    later read the copy inside the integration.
    """
    here = Path(__file__).resolve().parent
    shipped = here.parent / "custom_components" / "printernizer_usage" / "brand"
    shipped.mkdir(exist_ok=True)
    for folder in (here, shipped):
        draw(256).save(folder / "icon.png", optimize=True)
        draw(512).save(folder / "icon@2x.png", optimize=True)


if __name__ == "__main__":
    main()
