"""tinygrad_jp: a small, readable reverse-mode autodiff framework on NumPy."""
