"""The demo web's TLS certificate: self-signed, made once per process, valid for ``*.gouv.fr``.

Clients of the demo server must not verify it (Scrapy does not: it only warns when a
certificate is not valid for the host's name, which govlinks counts).
"""

from __future__ import annotations

import ssl
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["tls_context"]


@cache
def tls_context() -> ssl.SSLContext:
    """Server TLS context with a self-signed certificate made once per process."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govlinks demo web")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        # Valid for the demo sites (x.gouv.fr): a crawl of them has no certificate warning.
        # Not "*.fr": a wildcard right under a public suffix voids the whole certificate.
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.gouv.fr")]), False)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="govlinks-demo-tls-"))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx
