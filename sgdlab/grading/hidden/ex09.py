"""Hidden cases for exercises 09 (placeholder)."""
