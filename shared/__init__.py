"""What several SmartPages workers share: the HTTP model, routing, JSON errors, ports and the
internal-call contract. Everything here is plain Python that does no I/O, except the `edge`
subpackage, which adapts Cloudflare's runtime to these ports and is only imported by `entry.py`."""
