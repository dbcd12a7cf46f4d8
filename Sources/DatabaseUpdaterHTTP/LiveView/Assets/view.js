/* The live view: see docs/LIVE_VIEW.md. */
