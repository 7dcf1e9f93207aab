"""Domain: edge delivery of published sites by Host, from R2 only."""
