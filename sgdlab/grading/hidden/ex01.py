"""Hidden cases for exercises 01 (placeholder)."""
