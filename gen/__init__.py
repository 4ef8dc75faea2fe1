"""spinemu.gen."""
