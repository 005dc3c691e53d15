"""Hidden cases for exercises 05 (placeholder)."""
