"""QR codes as `data:` SVG images, drawn on the server (the CSP allows no script to draw them)."""

import base64

import qrcode
import qrcode.image.svg


def qr_data_uri(text: str) -> str:
    """`text` as a QR code in an `<img src>`-ready SVG data URI."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()
