-- Retention (billing/app.py RETENTION): Stripe's processed events are deleted by age in bounded chunks.
CREATE INDEX IF NOT EXISTS processed_events_by_time ON processed_events(processed_at);
