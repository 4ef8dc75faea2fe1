"""spinemu.hdl."""
