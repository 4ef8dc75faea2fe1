"""spinemu.sim_golden."""
