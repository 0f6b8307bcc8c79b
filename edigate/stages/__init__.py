"""The stages a received file goes through, and the runner that claims and resumes them."""
