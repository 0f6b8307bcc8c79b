"""X12 core: delimiters, tokenizer, envelopes, writer. Only this package knows delimiters."""
