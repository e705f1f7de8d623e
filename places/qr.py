"""QR codes for buildings: a resident scans it to ask to join the building."""

import io

import segno


def qr_svg(data: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=True)
    return buffer.getvalue()
