"""Core: the public API gateway (sessions, paywall, proxy to internal workers) and the portal."""
