"""Hidden cases for exercises 06 (placeholder)."""
