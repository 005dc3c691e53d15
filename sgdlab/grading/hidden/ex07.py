"""Hidden cases for exercises 07 (placeholder)."""
