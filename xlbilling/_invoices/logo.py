"""The seller's logo in place of the shipped template's sample logo."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from xlbilling._config.seller import Seller
from xlbilling._config.shipped import shipped
from xlbilling._errors import ConfigError
from xlbilling._invoices.template import Template

#: The sample logo's shape (``templates/logo.png``, 560 x 160): a seller's logo is fitted into it.
BOX = (560, 160)


def with_seller_logo(template: Template, seller: Seller) -> Template:
    """``template`` with the shipped sample logo (the Example MSP badge) replaced by ``seller.logo``, fitted into
    the same box, or by nothing when the seller has no logo. A sample seller, or a template with a logo of its
    own, is left as it is. ``ConfigError`` when the logo file cannot be read as a picture."""
    if seller.sample:
        return template
    sample = shipped("templates", "logo.png").read_bytes()
    pictures = [name for name, content in template.parts.items() if name.startswith("xl/media/") and content == sample]
    if not pictures:
        return template
    logo = _fitted(seller.logo)
    return replace(template, parts={**template.parts, **dict.fromkeys(pictures, logo)})


def _fitted(path: Path | None) -> bytes:
    """A PNG of the box's shape: the picture at ``path`` scaled into it on the left, or a blank one."""
    from PIL import Image, UnidentifiedImageError

    canvas = Image.new("RGBA", BOX, (255, 255, 255, 0))
    if path is not None:
        try:
            with Image.open(path) as picture:
                logo = picture.convert("RGBA")
        except (OSError, UnidentifiedImageError, ValueError) as error:
            raise ConfigError(
                f"The seller's logo {path} cannot be read as a picture ({error}).",
                "Set logo under [seller] in the config file to a PNG or JPEG file, or remove it.",
            ) from None
        logo.thumbnail(BOX)
        canvas.paste(logo, (0, (BOX[1] - logo.height) // 2), logo)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()
