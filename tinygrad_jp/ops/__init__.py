"""Every op of tinygrad_jp, forward and backward side by side, grouped by kind."""
