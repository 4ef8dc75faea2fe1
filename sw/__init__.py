"""spinemu.sw."""
