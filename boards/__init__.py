"""spinemu.boards."""
