"""Dev tooling (build, local stack, lane). Never deployed."""
