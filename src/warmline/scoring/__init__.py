"""Scoring conversations: emotional moments, sentiment trajectory, scripted phrasing and QA scorecards."""
