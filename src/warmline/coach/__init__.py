"""Live coaching: the statement library and (later) the nudge engine."""
