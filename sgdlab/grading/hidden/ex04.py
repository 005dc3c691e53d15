"""Hidden cases for exercises 04 (placeholder)."""
