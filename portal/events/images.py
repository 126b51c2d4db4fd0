"""Event images: validated, resized and stripped of metadata before they are kept."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 1600

def store_image(stream, folder: Path) -> str:
    """Returns the stored file name. Refuses what is not a real, reasonable image."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(_l("L'image dépasse 5 Mo. Choisissez une image plus légère."), field="image")

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise DomainError(_l("Format d'image non accepté : utilisez JPEG, PNG ou WebP."), field="image")
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(_l("Cette image est trop grande."), field="image")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the orientation, then drop the metadata
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            clean = Image.new("RGB", image.size)
            clean.paste(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise DomainError(_l("Ce fichier n'est pas une image lisible."), field="image") from err
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(12)}.jpg"
    clean.save(folder / name, "JPEG", quality=82, optimize=True, progressive=True)
    return name
