"""CPython adapters for the ports (sqlite3, a folder, hashlib, httpx) and the in-process stack.

Tests use it to run every app core without Cloudflare; never deployed."""
