"""Photos of a problem: checked by content (not by name), size-limited, at most six, and re-encoded so
that no EXIF data (GPS position, camera, time) survives."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from PIL import ExifTags, Image

from cases import photos


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def image_bytes(fmt: str = "JPEG", size=(64, 48), exif: Image.Exif | None = None, mode="RGB") -> bytes:
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, format=fmt, **extra)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme Phone"
    exif[ExifTags.Base.DateTime] = "2026:03:10 09:00:00"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (23.0, 2.0, 3.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 8.0, 50.0)
    return exif


def reopen(clean: photos.CleanPhoto) -> Image.Image:
    clean.content.seek(0)
    return Image.open(io.BytesIO(clean.content.read()))


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(("fmt", "name", "content_type"), [("JPEG", "a.jpg", "image/jpeg"), ("PNG", "a.png", "image/png")])
def test_a_small_jpeg_or_png_is_accepted_with_its_size_and_type(fmt, name, content_type):
    clean = photos.clean_photo(upload(image_bytes(fmt), name))

    assert (clean.content_type, clean.width, clean.height) == (content_type, 64, 48)
    assert reopen(clean).format == fmt
    assert clean.content.name.endswith("." + name.rsplit(".", 1)[1])


def test_the_format_is_read_from_the_content_not_the_file_name():
    clean = photos.clean_photo(upload(image_bytes("PNG"), "looks-like.jpg"))

    assert clean.content_type == "image/png"
    assert clean.content.name.endswith(".png")


def test_the_gps_position_and_all_other_exif_data_are_stripped():
    original = image_bytes("JPEG", exif=exif_with_gps())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has a position

    clean = photos.clean_photo(upload(original))

    cleaned = reopen(clean)
    assert dict(cleaned.getexif()) == {}
    assert "exif" not in cleaned.info
    clean.content.seek(0)
    raw = clean.content.read()
    assert b"Exif" not in raw
    assert b"Acme Phone" not in raw


def test_exif_is_stripped_from_png_too():
    cleaned = reopen(photos.clean_photo(upload(image_bytes("PNG", exif=exif_with_gps()), "a.png")))

    assert dict(cleaned.getexif()) == {}


def test_the_camera_orientation_is_applied_before_the_exif_is_dropped():
    # Orientation 6: the camera was turned; the picture is shown rotated by 90°.
    clean = photos.clean_photo(upload(image_bytes("JPEG", size=(64, 48), exif=exif_with_gps(orientation=6))))

    assert (clean.width, clean.height) == (48, 64)
    assert dict(reopen(clean).getexif()) == {}


def test_a_large_photo_is_scaled_down():
    clean = photos.clean_photo(upload(image_bytes("JPEG", size=(photos.MAX_SIDE + 400, 100))))

    assert clean.width == photos.MAX_SIDE
    assert clean.height < 100


def test_a_text_file_renamed_jpg_is_refused_by_name():
    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(upload(b"just some text, not a picture\n" * 20, "notes.jpg"))

    assert message_of(excinfo) == "notes.jpg is not a photo we accept (JPEG, PNG or WebP)."


def test_an_image_in_another_format_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(upload(image_bytes("GIF", mode="P"), "anim.gif"))

    assert "anim.gif is not a photo we accept" in message_of(excinfo)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt):
    data = image_bytes(fmt, size=(300, 200))
    broken = data[: len(data) // 2]

    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(upload(broken, "broken." + fmt.lower()))

    assert "is not a photo we accept" in message_of(excinfo)


def test_a_corrupt_image_is_refused():
    data = bytearray(image_bytes("PNG", size=(100, 100)))
    data[60:80] = b"\x00" * 20  # damage the image header and data

    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(upload(bytes(data), "bad.png"))

    assert "bad.png is not a photo we accept" in message_of(excinfo)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_and_the_message_gives_the_limit(settings):
    settings.CASE_PHOTO_MAX_BYTES = 2_000
    big = upload(image_bytes("PNG", size=(400, 400)) + b"\x00" * 3_000, "big.png")
    assert big.size > 2_000

    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(big)

    message = message_of(excinfo)
    assert message.startswith("big.png is too large")
    assert filesizeformat(2_000) in message  # not "at most 0 MB"
    assert big.tell() == 0  # refused by size, not decoded


def test_the_default_limit_is_stated_in_megabytes(settings):
    del settings.CASE_PHOTO_MAX_BYTES
    big = upload(b"\xff" * 10)
    big.size = 9 * 1024 * 1024

    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photo(big)

    assert "at most 8" in message_of(excinfo)
    assert "MB" in message_of(excinfo)


def test_a_file_just_under_the_limit_is_accepted(settings):
    data = image_bytes("PNG")
    settings.CASE_PHOTO_MAX_BYTES = len(data)

    assert photos.clean_photo(upload(data, "a.png")).width == 64


def test_six_photos_are_accepted_and_empty_slots_ignored():
    cleaned = photos.clean_photos([upload(image_bytes()) for _ in range(6)] + [None])

    assert len(cleaned) == 6


def test_a_seventh_photo_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photos([upload(image_bytes()) for _ in range(7)])

    assert message_of(excinfo) == "At most 6 photos."


def test_one_bad_photo_among_good_ones_refuses_the_lot_naming_it():
    uploads = [upload(image_bytes(), "one.jpg"), upload(b"%PDF-1.4 not a photo", "two.jpg")]

    with pytest.raises(ValidationError) as excinfo:
        photos.clean_photos(uploads)

    assert "two.jpg" in message_of(excinfo)
