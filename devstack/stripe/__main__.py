"""`python -m devstack.stripe --port 8789 …`: the stand-in over HTTP (devstack/stripe/standin.py: main)."""

from devstack.stripe.standin import main

main()
