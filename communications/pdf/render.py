"""Old path of communications.pdf.engine.render, kept only for incidents/views.py (the brief PDF).

Remove once the incidents side of issue 16 (the dashboard in its own app) has landed.
"""

from communications.pdf.engine.render import render_pdf

__all__ = ["render_pdf"]
