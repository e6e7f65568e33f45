"""Forms: templates, normalisers, rules and validation."""
