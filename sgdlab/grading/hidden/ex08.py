"""Hidden cases for exercises 08 (placeholder)."""
