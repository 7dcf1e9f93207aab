"""Colours that read well: WCAG 2 contrast, the palette derived from a brand colour, and the rule
every derived palette keeps (AA, 4.5:1, for each pair in PAIRS). No imports of customer's: the
schema (blocks.py) and the stylesheet (theme.py) both use it."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

DARK_TEXT = "#111827"
AA = 4.5  # WCAG 2 AA for normal text

# Every pair of (text, background) colours the stylesheet puts together, with what it is in words.
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("text", "background", "text on the page"),
    ("text", "muted", "text in tinted sections"),
    ("primary", "background", "links in your colour"),
    ("on_primary", "primary", "words on buttons and coloured bands"),
)


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """White or near-black: whichever reads better on `background`."""
    return "#ffffff" if contrast("#ffffff", background) >= contrast(DARK_TEXT, background) else DARK_TEXT


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def _hex(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in (r, g, b))


def _mix(a: str, b: str, share_of_b: float) -> str:
    ra, rb = _rgb(a), _rgb(b)
    return _hex(*(x + (y - x) * share_of_b for x, y in zip(ra, rb, strict=True)))


def derive(brand: str) -> dict[str, str]:
    """The palette of a brand colour, as it is (check it with `failures`)."""
    brand = brand.lower()
    hue, _, sat = colorsys.rgb_to_hls(*_rgb(brand))
    return {
        "primary": brand,
        "on_primary": text_on(brand),
        "background": _mix("#ffffff", brand, 0.025),
        "muted": _mix("#ffffff", brand, 0.12),
        "text": _hex(*colorsys.hls_to_rgb(hue, 0.12, min(sat, 0.45))),
    }


def failures(colors: dict[str, str]) -> list[tuple[str, float]]:
    """The pairs of PAIRS below AA in `colors`: (what it is in words, its contrast)."""
    found = []
    for fg, bg, words in PAIRS:
        ratio = contrast(colors[fg], colors[bg])
        if ratio < AA:
            found.append((words, ratio))
    return found


def nearest_passing(brand: str) -> str:
    """The colour closest to `brand` (same hue and saturation, the nearest lightness) whose derived
    palette passes every pair; `brand` itself when it passes."""
    brand = brand.lower()
    if not failures(derive(brand)):
        return brand
    hue, light, sat = colorsys.rgb_to_hls(*_rgb(brand))
    candidates = []
    for step in range(1, 101):  # lightness in steps of 0.01, both ways: the first that passes
        for sign in (-1, 1):
            level = light + sign * step / 100
            if 0 <= level <= 1:
                candidate = _hex(*colorsys.hls_to_rgb(hue, level, sat))
                if not failures(derive(candidate)):
                    candidates.append(candidate)
        if candidates:
            return candidates[0]
    return "#000000"  # unreachable: black on the near-white background passes


@dataclass(frozen=True)
class BrandProblem:
    """Why a brand colour is refused, as figures the portal words itself, and the server's sentence."""

    too: str  # "light" | "dark"
    pair: str  # which pair fails, in words (PAIRS)
    contrast: float  # its ratio, to one decimal
    suggestion: str  # the nearest colour that passes

    @property
    def message(self) -> str:
        return (
            f"This colour is too {self.too} to read easily: {self.pair} would have a contrast of only "
            f"{self.contrast:.1f} to 1, and at least {AA:g} to 1 is needed so everyone can read your pages. "
            f"The nearest colour that reads well is {self.suggestion}."
        )


def check_brand(brand: str) -> BrandProblem | None:
    """None if the brand colour's palette passes; else what fails and the nearest colour that passes."""
    failed = failures(derive(brand))
    if not failed:
        return None
    words, ratio = min(failed, key=lambda f: f[1])
    too = "light" if _luminance(brand) > 0.18 else "dark"
    return BrandProblem(too, words, round(ratio, 1), nearest_passing(brand))
