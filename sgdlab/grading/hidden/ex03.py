"""Hidden cases for exercises 03 (placeholder)."""
