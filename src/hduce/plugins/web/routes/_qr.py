"""QR codes as `data:` SVG images, drawn on the server (the CSP allows no script to draw them)."""

import base64


def qr_data_uri(text: str) -> str:
    """`text` as a QR code in an `<img src>`-ready SVG data URI."""
    # Loaded by the first two-factor set-up, not with every start.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()
