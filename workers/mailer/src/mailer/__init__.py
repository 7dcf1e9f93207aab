"""Mailer: transactional email over Resend (internal; core, customer and billing call it)."""
