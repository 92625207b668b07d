"""Tests of toyrat, the stand-in application, and of its shipped release."""
