"""Photo uploads: checked by content (not by name), size-limited, and re-encoded so that no EXIF data
(GPS position, camera, time) survives."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 6
MAX_SIDE = 2048
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass
class CleanPhoto:
    content: ContentFile
    content_type: str
    width: int
    height: int


def max_bytes() -> int:
    return getattr(settings, "CASE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)


def clean_photo(upload) -> CleanPhoto:
    """Raise ``ValidationError`` unless ``upload`` is a JPEG, PNG or WebP image within the limits."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is too large (at most %(size)s).") % {"name": upload.name, "size": filesizeformat(max_bytes())}
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s is not a photo we accept (JPEG, PNG or WebP).") % {"name": upload.name})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the orientation the camera recorded, then drop EXIF
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("%(name)s is not a photo we accept (JPEG, PNG or WebP).") % {"name": upload.name}) from exc
    content_type, ext = FORMATS[fmt]
    return CleanPhoto(ContentFile(out.getvalue(), name=f"photo.{ext}"), content_type, width, height)


def clean_photos(uploads) -> list[CleanPhoto]:
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
    return [clean_photo(u) for u in uploads]
